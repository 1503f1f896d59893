#!/usr/bin/env bash
# Bounded freshness stress (about 20 s): writers increment a counter, in a
# plain table and (through its partition, directly) in a partitioned one,
# and log each committed value; some writers instead pass through a poison
# value (negative, never committed) and roll back; half of the writers run
# as session_replication_role = replica (row triggers only, as logical
# replication apply does).  Readers fetch both counters through the cache
# (the partitioned one through its parent): under READ COMMITTED every read
# must be a committed value at least the newest one committed before the
# read began; under REPEATABLE READ it must equal what the snapshot reads
# directly.  Key-level writers and readers do the same per key on a table
# of 50 counters, each reader by key (so its entries survive writes to
# other keys).  A violation divides by zero, which makes pgbench exit
# non-zero.
# Prints a pg_regress-style result line.
set -uo pipefail
cd "$(dirname "$0")"
. ./bench/lib.sh
stress_start
psql_q <<'SQL'
CREATE EXTENSION cachepg;
CREATE TABLE counter (v int);
CREATE TABLE pcounter (k int, v int) PARTITION BY LIST (k);
CREATE TABLE pcounter_1 PARTITION OF pcounter FOR VALUES IN (1);
CREATE TABLE committed (v int PRIMARY KEY);
INSERT INTO counter VALUES (0);
INSERT INTO pcounter VALUES (1, 0);
INSERT INTO committed VALUES (0);
CREATE TABLE kv (id int PRIMARY KEY, v int);
CREATE TABLE kcommitted (id int, v int, PRIMARY KEY (id, v));
INSERT INTO kv SELECT g, 0 FROM generate_series(1, 50) g;
INSERT INTO kcommitted SELECT g, 0 FROM generate_series(1, 50) g;
SELECT cache_watch('counter') + cache_watch('pcounter') + cache_watch('kv') AS watched;
SQL
cat > "$dir/write_key.sql" <<'SQL'
\set k random(1, 50)
\set poison random(1, 10)
\set replica random(0, 1)
BEGIN;
\if :replica
SET LOCAL session_replication_role = replica;
\endif
\if :poison <= 3
UPDATE kv SET v = -v - 1 WHERE id = :k;
ROLLBACK;
\else
UPDATE kv SET v = v + 1 WHERE id = :k RETURNING v AS next \gset
INSERT INTO kcommitted VALUES (:k, :next);
COMMIT;
\endif
SQL
cat > "$dir/read_key.sql" <<'SQL'
\set k random(1, 50)
SELECT max(v) AS floor FROM kcommitted WHERE id = :k \gset
SELECT v AS got FROM cache_get_or_run('SELECT v FROM kv WHERE id = $1', 0, :k) AS t(v int) \gset
SELECT :got >= :floor AND EXISTS (SELECT 1 FROM kcommitted WHERE id = :k AND v = :got) AS good \gset
\if :good
\else
SELECT 1 / 0 AS stale_or_uncommitted_key_read;
\endif
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT v AS direct FROM kv WHERE id = :k \gset
SELECT v AS got FROM cache_get_or_run('SELECT v FROM kv WHERE id = $1', 0, :k) AS t(v int) \gset
COMMIT;
\if :got != :direct
SELECT 1 / 0 AS key_snapshot_mismatch;
\endif
SQL
cat > "$dir/write.sql" <<'SQL'
\set poison random(1, 10)
\set replica random(0, 1)
BEGIN;
\if :replica
SET LOCAL session_replication_role = replica;
\endif
\if :poison <= 3
UPDATE counter SET v = -v - 1;
UPDATE pcounter_1 SET v = -v - 1;
SELECT v AS seen FROM counter \gset
ROLLBACK;
\else
UPDATE counter SET v = v + 1 RETURNING v AS next \gset
UPDATE pcounter_1 SET v = :next;
INSERT INTO committed VALUES (:next);
COMMIT;
\endif
SQL
cat > "$dir/read_rc.sql" <<'SQL'
SELECT max(v) AS floor FROM committed \gset
SELECT v AS got FROM cache_get_or_run('SELECT v FROM counter', 0) AS t(v int) \gset
SELECT v AS pgot FROM cache_get_or_run('SELECT v FROM pcounter', 0) AS t(v int) \gset
SELECT :got >= :floor AND EXISTS (SELECT 1 FROM committed WHERE v = :got)
   AND :pgot >= :floor AND EXISTS (SELECT 1 FROM committed WHERE v = :pgot) AS good \gset
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
SELECT v AS pgot FROM cache_get_or_run('SELECT v FROM pcounter', 0) AS t(v int) \gset
COMMIT;
\if :got != :direct or :again != :direct or :pgot != :direct
SELECT 1 / 0 AS snapshot_mismatch;
\endif
SQL
chown postgres "$dir"/*.sql
start=$(date +%s%N)
if as_pg $BIN/pgbench -n -h "$dir" -U postgres -c 6 -j 2 -T 20 \
        -f "$dir/write.sql@4" -f "$dir/read_rc.sql@3" -f "$dir/read_rr.sql@3" \
        -f "$dir/write_key.sql@2" -f "$dir/read_key.sql@8" postgres \
        > "$dir/pgbench.log" 2>&1 &&
   psql_q -At -c "SELECT (SELECT count(*) FROM committed) > 500 AND (SELECT count(*) FROM kcommitted) > 300
                   AND hits > 0 AND stores > 0 AND key_stores > 0 FROM cache_stats()" | grep -qx t; then
    res=ok
else
    res=FAILED
    cat "$dir/pgbench.log"
fi
grep -E "number of (transactions|failed)" "$dir/pgbench.log"
psql_q -c "SELECT (SELECT count(*) - 1 FROM committed) AS commits, (SELECT count(*) - 50 FROM kcommitted) AS key_commits,
                  hits, misses, round(hit_ratio::numeric, 3) AS hit_ratio, stores, key_stores,
                  key_invalidations, write_conflicts FROM cache_stats()"
echo "test fresh_stress                 ... $res    $(( ($(date +%s%N) - start) / 1000000 )) ms"
[ "$res" = ok ]
