#!/usr/bin/env bash
# Stampede: 32 clients ask for one cold ~200 ms query at once.  Reports how
# many times the query ran (cache_stats misses; goal 1) and the slowest and
# median client latency against the query's own time, with single-flight
# (cachepg on) and without the cache (cachepg.enabled = off), in one run.
#   bash test/bench/stampede.sh [clients] [rounds]
set -euo pipefail
cd "$(dirname "$0")"
CLIENTS=${1:-32}
ROUNDS=${2:-3}
. ./lib.sh
bench_start
t=$(mktemp -d); chmod 755 "$t"
Q="SELECT sum(length(md5(g::text))) FROM generate_series(1, 200000) g"
psql_q -c "CREATE EXTENSION cachepg" >/dev/null
own=$(own_time "$Q")
echo "query: $Q"
echo "query's own time (median of 5 direct runs): ${own} ms; clients: $CLIENTS"
printf '%-10s %5s %10s %12s %12s\n' mode round executions median_ms slowest_ms
for r in $(seq 1 "$ROUNDS"); do
    for mode in on off; do
        cat > "$t/s.sql" <<SQL
SET cachepg.enabled = $mode;
SELECT * FROM cache_get_or_run('$Q', 60) AS x(s bigint);
SQL
        psql_q -c "SELECT cache_clear(), cache_stats_reset()" >/dev/null
        cp "$t/s.sql" "$dir/"; chown postgres "$dir/s.sql"
        rm -f "$dir"/pgbench_log.*
        (cd "$dir" && as_pg $BIN/pgbench -n -h "$dir" -U postgres -c "$CLIENTS" -j 2 -t 1 \
            -f "$dir/s.sql" --log --log-prefix="$dir/pgbench_log" postgres >/dev/null 2>&1)
        lat=$(cat "$dir"/pgbench_log.* | awk '{print $3/1000}' | sort -n)
        med=$(echo "$lat" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
        max=$(echo "$lat" | tail -1)
        if [ $mode = on ]; then ex=$(psql_q -At -c "SELECT misses FROM cache_stats()"); else ex=$CLIENTS; fi
        printf '%-10s %5s %10s %12.1f %12.1f\n' "$mode" "$r" "$ex" "$med" "$max"
    done
done
