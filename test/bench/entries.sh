#!/usr/bin/env bash
# A large cache: N one-row key lookups stored (default 1M), then
# - metadata bytes per entry (cache_stats().metadata_bytes / entries: the
#   index's slot, bucket and sketch share plus every stored byte that is
#   not row bytes, key text and parameters, or dependencies);
# - hit TPS with keys drawn from all N entries against keys drawn from
#   1k of them, alternating rounds, pgbench -M prepared and -M simple.
#   bash test/bench/entries.sh [entries] [seconds] [rounds] [clients]
set -euo pipefail
cd "$(dirname "$0")"
N=${1:-1000000}
SECS=${2:-10}
ROUNDS=${3:-3}
CLIENTS=${4:-2}
. ./lib.sh
mem=$(( (N * 700) / 1048576 + 64 ))
server_start "shared_preload_libraries = 'cachepg'
max_connections = 100
shared_buffers = '256MB'
cachepg.memory = '${mem}MB'
cachepg.max_entries = $N"
psql_q -c "CREATE EXTENSION cachepg" \
       -c "CREATE TABLE t (id int PRIMARY KEY, v int)" \
       -c "INSERT INTO t SELECT g, g FROM generate_series(1, $N) g" \
       -c "SELECT cache_watch('t')" -c "VACUUM ANALYZE t" >/dev/null
start=$(date +%s)
half=$((N / 2))
for part in "1 $half" "$((half + 1)) $N"; do
    set -- $part
    psql_q -c "SELECT count(*) FROM generate_series($1, $2) g,
                 LATERAL cache_get_or_run('SELECT v FROM t WHERE id = \$1', 0, g) AS x(v int)" >/dev/null &
done
wait
echo "stored in $(( $(date +%s) - start )) s; cachepg.memory ${mem}MB, max_entries $N"
psql_q -c "SELECT entries, metadata_bytes, round(metadata_bytes::numeric / entries, 1) AS metadata_per_entry,
                  round(bytes::numeric / entries, 1) AS stored_bytes_per_entry, store_failures, not_admitted
             FROM cache_stats()"
psql_q -c "SELECT bytes AS one_entry_bytes, dependencies FROM cache_entries LIMIT 1"
t=$(mktemp -d); chmod 755 "$t"
for keys in $N 1000; do
    cat > "$t/k$keys.sql" <<SQL
\set id random(1, $keys)
SELECT * FROM cache_get_or_run('SELECT v FROM t WHERE id = \$1', 0, :id::int) AS x(v int);
SQL
done
printf '%-9s %5s %12s %12s %7s\n' protocol round tps_${N} tps_1000 ratio
for mode in prepared simple; do
    for r in $(seq 1 "$ROUNDS"); do
        big=$(pgbench_tps "$t/k$N.sql" $mode "$CLIENTS" "$SECS")
        small=$(pgbench_tps "$t/k1000.sql" $mode "$CLIENTS" "$SECS")
        awk -v m=$mode -v r=$r -v b=$big -v s=$small 'BEGIN { printf "%-9s %5s %12d %12d %7.3f\n", m, r, b, s, b / s }'
    done
done
psql_q -c "SELECT hits, misses, entries FROM cache_stats()"
