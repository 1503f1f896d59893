#!/usr/bin/env bash
# Expiry under load: clients read one hot entry (a ~50 ms query, ttl 2 s)
# for a while, across several expiries.  Latency percentiles of the reads
# (pgbench per-transaction log), misses, stale hits and refreshes, for:
#   none   cachepg.stale_while_revalidate = 0, cachepg.refresh_ahead = 0
#   swr    stale_while_revalidate = 10 s,  refresh_ahead = 0
#   ahead  stale_while_revalidate = 0,     refresh_ahead = 0.1 (default)
#   hits   the same entry with no ttl: hits only, the baseline
# Each run starts with the entry stored (one warm-up call).
#   bash test/bench/expiry.sh [clients] [seconds] [rounds]
set -euo pipefail
cd "$(dirname "$0")"
CLIENTS=${1:-2}
SECS=${2:-12}
ROUNDS=${3:-2}
. ./lib.sh
bench_start
t=$(mktemp -d); chmod 755 "$t"
Q="SELECT sum(length(md5(g::text))) FROM generate_series(1, 30000) g"
psql_q -c "CREATE EXTENSION cachepg" >/dev/null
own=$(own_time "$Q")
echo "query: $Q (own time ${own} ms), ttl 2 s, clients $CLIENTS, $SECS s per run"
printf '%-6s %5s %9s %9s %9s %9s %7s %7s %9s\n' mode round median_ms p99_ms p999_ms max_ms misses stale refreshes
for r in $(seq 1 "$ROUNDS"); do
    for mode in hits none swr ahead; do
        swr=0; ahead=0; ttl=2
        case $mode in
            hits) ttl=0 ;;
            swr) swr=10 ;;
            ahead) ahead=0.1 ;;
        esac
        echo "SELECT * FROM cache_get_or_run('$Q', $ttl) AS x(s bigint);" > "$t/r.sql"
        cp "$t/r.sql" "$dir/"; chown postgres "$dir/r.sql"
        psql_q -c "SELECT cache_clear()" -c "SET cachepg.stale_while_revalidate = $swr" \
               -c "SELECT * FROM cache_get_or_run('$Q', $ttl) AS x(s bigint)" -c "SELECT cache_stats_reset()" >/dev/null
        rm -f "$dir"/pgbench_log.*
        (cd "$dir" && as_pg env PGOPTIONS="-c cachepg.stale_while_revalidate=$swr -c cachepg.refresh_ahead=$ahead" \
            $BIN/pgbench -n -h "$dir" -U postgres -c "$CLIENTS" -j 2 -T "$SECS" \
            -f "$dir/r.sql" --log --log-prefix="$dir/pgbench_log" postgres >/dev/null 2>&1)
        stats=$(psql_q -At -F ' ' -c "SELECT misses, stale_hits, refreshes FROM cache_stats()")
        cat "$dir"/pgbench_log.* | awk '{print $3/1000}' | sort -n | awk -v mode=$mode -v r=$r -v s="$stats" '
            {a[NR]=$1} END {
              split(s, st, " ");
              printf "%-6s %5s %9.3f %9.3f %9.3f %9.1f %7s %7s %9s\n", mode, r, a[int(NR*0.5)], a[int(NR*0.99)], a[int(NR*0.999)], a[NR], st[1], st[2], st[3] }'
    done
done
