#!/usr/bin/env bash
# Bounded freshness stress (about 20 s): writers increment a counter and log
# each committed value; some writers instead pass through a poison value
# (negative, never committed) and roll back.  Readers fetch the counter
# through the cache: under READ COMMITTED every read must be a committed
# value at least the newest one committed before the read began; under
# REPEATABLE READ it must equal what the snapshot reads directly.  A
# violation divides by zero, which makes pgbench exit non-zero.  Prints a
# pg_regress-style result line.
set -uo pipefail
cd "$(dirname "$0")"
. ./bench/lib.sh
stress_start
psql_q <<'SQL'
CREATE EXTENSION cachepg;
CREATE TABLE counter (v int);
CREATE TABLE committed (v int PRIMARY KEY);
INSERT INTO counter VALUES (0);
INSERT INTO committed VALUES (0);
SELECT cache_watch('counter') AS watched;
SQL
cat > "$dir/write.sql" <<'SQL'
\set poison random(1, 10)
BEGIN;
\if :poison <= 3
UPDATE counter SET v = -v - 1;
SELECT v AS seen FROM counter \gset
ROLLBACK;
\else
UPDATE counter SET v = v + 1 RETURNING v AS next \gset
INSERT INTO committed VALUES (:next);
COMMIT;
\endif
SQL
cat > "$dir/read_rc.sql" <<'SQL'
SELECT max(v) AS floor FROM committed \gset
SELECT v AS got FROM cache_get_or_run('SELECT v FROM counter', 0) AS t(v int) \gset
SELECT :got >= :floor AND EXISTS (SELECT 1 FROM committed WHERE v = :got) AS good \gset
\if :good
\else
SELECT 1 / 0 AS stale_or_uncommitted_read;
\endif
SQL
cat > "$dir/read_rr.sql" <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT v AS direct FROM counter \gset
SELECT v AS got FROM cache_get_or_run('SELECT v FROM counter', 0) AS t(v int) \gset
SELECT v AS again FROM cache_get_or_run('SELECT v FROM counter', 0) AS t(v int) \gset
COMMIT;
\if :got != :direct or :again != :direct
SELECT 1 / 0 AS snapshot_mismatch;
\endif
SQL
chown postgres "$dir"/*.sql
start=$(date +%s%N)
if as_pg $BIN/pgbench -n -h "$dir" -U postgres -c 6 -j 2 -T 20 \
        -f "$dir/write.sql@4" -f "$dir/read_rc.sql@3" -f "$dir/read_rr.sql@3" postgres \
        > "$dir/pgbench.log" 2>&1 &&
   psql_q -At -c "SELECT (SELECT count(*) FROM committed) > 1000 AND hits > 0 AND stores > 0 FROM cache_stats()" | grep -qx t; then
    res=ok
else
    res=FAILED
    cat "$dir/pgbench.log"
fi
grep -E "number of (transactions|failed)" "$dir/pgbench.log"
psql_q -c "SELECT (SELECT count(*) - 1 FROM committed) AS commits, hits, misses, stores, write_conflicts FROM cache_stats()"
echo "test fresh_stress                 ... $res    $(( ($(date +%s%N) - start) / 1000000 )) ms"
[ "$res" = ok ]
