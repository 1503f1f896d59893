#!/usr/bin/env bash
# Bounded concurrency stress: 4 clients hit, fill and evict 400 keys at once in
# an 8MB cache (test/cachepg.conf), each call checking that the rows it got
# are exactly the rows of its own key.  A wrong row aborts the client (1/0),
# which makes pgbench exit non-zero.  Prints a pg_regress-style result line.
set -uo pipefail
cd "$(dirname "$0")"
. ./bench/lib.sh
stress_start
psql_q -c "CREATE EXTENSION cachepg"
cat > "$dir/stress.sql" <<'SQL'
\set k random(1, 400)
SELECT count(*) FILTER (WHERE k = :k AND pad = repeat(md5(:k::text), 100)) AS good, count(*) AS n
  FROM cache_get_or_run('SELECT $1::int AS k, repeat(md5($1::text), 100) AS pad FROM generate_series(1, 8)', 0, :k)
       AS t(k int, pad text) \gset
\if :good != 8
SELECT 1 / 0 AS wrong_rows_for_key;
\endif
\if :n != 8
SELECT 1 / 0 AS wrong_row_count;
\endif
SQL
chown postgres "$dir/stress.sql"
start=$(date +%s%N)
if as_pg $BIN/pgbench -n -h "$dir" -U postgres -c 4 -j 2 -t 3000 -f "$dir/stress.sql" postgres > "$dir/pgbench.log" 2>&1 &&
   psql_q -At -c "SELECT evictions > 0 AND hits > 0 AND bytes <= memory_bytes FROM cache_stats()" | grep -qx t; then
    res=ok
else
    res=FAILED
    cat "$dir/pgbench.log"
fi
psql_q -c "SELECT hits, misses, stores, evictions, store_failures, entries, bytes, memory_bytes FROM cache_stats()"
echo "test stress                       ... $res    $(( ($(date +%s%N) - start) / 1000000 )) ms"
[ "$res" = ok ]
