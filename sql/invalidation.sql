-- Automatic invalidation in one session: watching, what counts as a write,
-- what does not, hidden dependencies, manual invalidation, auto-watch.
SELECT cache_clear() >= 0 AS cleared;
CREATE FUNCTION probe(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  h0 bigint; s0 bigint; h1 bigint; s1 bigint; r text;
BEGIN
  SELECT hits, stores INTO h0, s0 FROM cache_stats();
  SELECT string_agg(x, ',') INTO r FROM cache_get_or_run(q, 0) AS t(x text);
  SELECT hits, stores INTO h1, s1 FROM cache_stats();
  RETURN coalesce(r, '<null>') || CASE WHEN h1 > h0 THEN ' (hit)' WHEN s1 > s0 THEN ' (stored)'
                   ELSE ' (not stored)' END;
END $$;
CREATE TABLE inv (id int PRIMARY KEY, v int);
INSERT INTO inv VALUES (1, 10), (2, 20);

-- not watched: runs, returns, not stored, says how to fix it
SELECT probe('SELECT sum(v)::text FROM inv');
SELECT cache_watch('inv');
SELECT cache_watch('inv');          -- nothing left to do
SELECT relation, writers, watched FROM cache_tables WHERE relation = 'inv'::regclass;
SELECT probe('SELECT sum(v)::text FROM inv');
SELECT probe('SELECT sum(v)::text FROM inv');
UPDATE inv SET v = v + 1 WHERE id = 1;
SELECT probe('SELECT sum(v)::text FROM inv');

-- bad input
SELECT cache_watch('pg_class');
CREATE VIEW inv_view AS SELECT id, v FROM inv WHERE v > 15;
SELECT cache_watch('inv_view');
SELECT cache_watch(0);
CREATE ROLE inv_other;
GRANT SELECT ON inv TO inv_other;
SET ROLE inv_other;
SELECT cache_watch('inv');
SELECT cache_unwatch('inv');
SELECT cache_invalidate_table('inv');
RESET ROLE;

-- views need no triggers of their own; a write to the table behind counts
SELECT probe('SELECT sum(v)::text FROM inv_view');
SELECT probe('SELECT sum(v)::text FROM inv_view');
INSERT INTO inv VALUES (3, 30);
SELECT probe('SELECT sum(v)::text FROM inv_view');

-- VACUUM, ANALYZE, CREATE INDEX, CLUSTER and CHECKPOINT change no result:
-- the entry survives them
SELECT probe('SELECT count(*)::text FROM inv');
VACUUM inv;
ANALYZE inv;
VACUUM (FULL) inv;
CREATE INDEX inv_v ON inv (v);
CLUSTER inv USING inv_pkey;
CHECKPOINT;
SELECT probe('SELECT count(*)::text FROM inv');

-- cachepg.enabled = off never silences invalidation
SET cachepg.enabled = off;
UPDATE inv SET v = v + 100 WHERE id = 2;
RESET cachepg.enabled;
SELECT probe('SELECT count(*)::text FROM inv WHERE v > 100');

-- by hand
SELECT probe('SELECT max(v)::text FROM inv');
SELECT cache_invalidate_table('inv');
SELECT probe('SELECT max(v)::text FROM inv');

-- a new table that shadows a name through search_path
CREATE SCHEMA first;
CREATE SCHEMA second;
CREATE TABLE second.shadow (v text);
INSERT INTO second.shadow VALUES ('second');
SELECT cache_watch('second.shadow');
SET search_path = first, second, public;
SELECT probe('SELECT v FROM shadow');
SELECT probe('SELECT v FROM shadow');
CREATE TABLE first.shadow (v text);
INSERT INTO first.shadow VALUES ('first');
SELECT cache_watch('first.shadow');
SELECT probe('SELECT v FROM shadow');
RESET search_path;

-- inlined SQL functions: their tables are in the plan
CREATE FUNCTION inv_rows() RETURNS SETOF int LANGUAGE sql STABLE AS $$ SELECT v FROM inv $$;
SELECT probe('SELECT sum(x)::text FROM inv_rows() x');
SELECT probe('SELECT sum(x)::text FROM inv_rows() x');
UPDATE inv SET v = v + 1 WHERE id = 3;
SELECT probe('SELECT sum(x)::text FROM inv_rows() x');
-- a SQL function with a FROM clause called as a scalar is not inlined: its
-- table is out of the plan's sight, so the result is not stored
CREATE FUNCTION inv_total() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT sum(v) FROM inv $$;
SELECT probe('SELECT inv_total()::text');

-- functions that read tables out of the planner's sight: not stored unless
-- the caller declares the tables (cachepg.depends_on)
CREATE TABLE rates (v int);
INSERT INTO rates VALUES (5);
SELECT cache_watch('rates');
CREATE FUNCTION rate() RETURNS int LANGUAGE plpgsql STABLE AS $$
BEGIN RETURN (SELECT v FROM rates); END $$;
SELECT probe('SELECT rate()::text');
SELECT uncacheable > 0 AS counted FROM cache_stats();
SET cachepg.depends_on = 'rates';
SELECT probe('SELECT rate()::text');
RESET cachepg.depends_on;
SELECT probe('SELECT rate()::text');    -- the entry serves callers who did not declare
UPDATE rates SET v = 6;
SELECT probe('SELECT rate()::text');    -- the declared table invalidates it
SET cachepg.depends_on = 'none';        -- "reads no table": the caller's word
SELECT probe('SELECT rate()::text || ''!''');
SET cachepg.depends_on = 'no_such_table';
SELECT probe('SELECT rate()::text || ''?''');
SET cachepg.depends_on = 'rates,,';
SELECT probe('SELECT rate()::text || ''?''');
SET cachepg.depends_on = 'rates, "Odd ""Name"""';
SELECT probe('SELECT rate()::text || ''?''');
CREATE TABLE "Odd ""Name""" (v int);
SELECT cache_watch('"Odd ""Name"""');
-- (a session that compiled rate() before that DDL does not store it: anew)
\c -
SET cachepg.depends_on = 'rates, "Odd ""Name"""';
SELECT probe('SELECT rate()::text || ''?''');
INSERT INTO "Odd ""Name""" VALUES (1);       -- a declared table invalidates too
SELECT probe('SELECT rate()::text || ''?''');
RESET cachepg.depends_on;
SET cachepg.depends_on = 'inv_view';
SELECT probe('SELECT rate()::text || ''v''');
RESET cachepg.depends_on;

-- a user-defined aggregate is judged by its support functions
CREATE FUNCTION noisy_add(int, int) RETURNS int LANGUAGE sql VOLATILE AS $$ SELECT $1 + $2 $$;
CREATE AGGREGATE noisy_sum(int) (SFUNC = noisy_add, STYPE = int, INITCOND = '0');
SELECT probe('SELECT noisy_sum(v)::text FROM inv');
SELECT probe('SELECT max(s)::text FROM (SELECT noisy_sum(v) OVER (ORDER BY id) AS s FROM inv) w');

-- every ancestor must be watched too: a write through a parent fires only
-- the parent's statement trigger
CREATE TABLE tree (id int, v int) PARTITION BY RANGE (id);
CREATE TABLE leaf PARTITION OF tree FOR VALUES FROM (0) TO (10);
INSERT INTO tree VALUES (1, 1);
SELECT cache_watch('leaf');
SELECT probe('SELECT sum(v)::text FROM leaf');
SELECT cache_watch('tree');
SELECT probe('SELECT sum(v)::text FROM leaf');
INSERT INTO tree VALUES (2, 2);               -- through the parent
SELECT probe('SELECT sum(v)::text FROM leaf');

-- unwatching disables the triggers: results of the table are no longer
-- stored, and auto-watch leaves the table alone
SELECT cache_unwatch('rates');
SELECT cache_unwatch('rates');               -- nothing left to do
SELECT probe('SELECT v::text FROM rates');
SELECT relation, watched FROM cache_tables WHERE relation = 'rates'::regclass;
SET cachepg.auto_watch = on;
SELECT watch_requests_done AS done_before FROM cache_stats() \gset
SELECT probe('SELECT v::text FROM rates');
CREATE FUNCTION wait_for_worker(before bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1 .. 500 LOOP
    EXIT WHEN (SELECT watch_requests_done FROM cache_stats()) > before;
    PERFORM pg_sleep(0.02);
  END LOOP;
END $$;
SELECT wait_for_worker(:done_before);
SELECT relation, watched FROM cache_tables WHERE relation = 'rates'::regclass;
RESET cachepg.auto_watch;
SELECT cache_watch('rates');                 -- the owner turns it back on
SELECT probe('SELECT v::text FROM rates');

-- auto-watch: a background worker installs the triggers a reader wanted
CREATE TABLE auto (v int);
INSERT INTO auto VALUES (1);
SET cachepg.auto_watch = on;
SELECT probe('SELECT v::text FROM auto');
DO $$
BEGIN
  FOR i IN 1 .. 500 LOOP
    EXIT WHEN (SELECT watched FROM cache_tables WHERE relation = 'auto'::regclass);
    PERFORM pg_sleep(0.02);
  END LOOP;
END $$;
SELECT relation, watched FROM cache_tables WHERE relation = 'auto'::regclass;
SELECT probe('SELECT v::text FROM auto');
SELECT probe('SELECT v::text FROM auto');
SELECT watch_requests_done >= 1 AS worker_watched FROM cache_stats();
RESET cachepg.auto_watch;

-- the stats say why results were not stored
SELECT not_watched > 0 AS not_watched, write_conflicts >= 0 AS conflicts_counted,
       standby = 0 AS not_a_standby FROM cache_stats();

-- row-level security switched on after caching: the entry is not served,
-- and results of the table are no longer stored
CREATE TABLE guarded (owner_name text, v int);
SELECT cache_watch('guarded');
INSERT INTO guarded VALUES ('inv_other', 1), ('someone', 2);
GRANT SELECT ON guarded TO inv_other;
SET ROLE inv_other;
SELECT probe('SELECT sum(v)::text FROM guarded');
SELECT probe('SELECT sum(v)::text FROM guarded');
RESET ROLE;
CREATE POLICY mine ON guarded USING (owner_name = current_user);
ALTER TABLE guarded ENABLE ROW LEVEL SECURITY;
SET ROLE inv_other;
SELECT probe('SELECT sum(v)::text FROM guarded');
RESET ROLE;

-- a prepared transaction that wrote more tables than its record holds keeps
-- the global epoch marked instead, until COMMIT PREPARED
DO $$
BEGIN
  FOR i IN 1 .. 40 LOOP
    EXECUTE format('CREATE TABLE many_%s (v int)', i);
    PERFORM cache_watch(format('many_%s', i)::regclass);
  END LOOP;
END $$;
BEGIN;
DO $$
BEGIN
  FOR i IN 1 .. 40 LOOP
    EXECUTE format('INSERT INTO many_%s VALUES (1)', i);
  END LOOP;
END $$;
PREPARE TRANSACTION 'cachepg_many';
SELECT count(*) FILTER (WHERE relation IS NULL AND writers = 1) AS global_held,
       count(*) FILTER (WHERE relation IS NOT NULL AND writers > 0) AS tables_held
  FROM cache_tables;
SELECT probe('SELECT count(*)::text FROM inv');
COMMIT PREPARED 'cachepg_many';
SELECT coalesce(max(writers), 0) AS writers_left FROM cache_tables;
SELECT probe('SELECT count(*)::text FROM many_7');

-- CREATE ... IF NOT EXISTS that finds its object changes nothing and
-- invalidates nothing; one that creates it marks only the new names (one
-- invalidation for the transaction), which no entry here used
CREATE SEQUENCE inv_ine_seq;
CREATE TABLE inv_ine (id int);
SELECT probe('SELECT count(*)::text FROM inv');
SELECT probe('SELECT count(*)::text FROM inv');
CREATE TABLE IF NOT EXISTS inv_ine (id int);
CREATE TABLE IF NOT EXISTS inv_ine (id serial);
CREATE SCHEMA IF NOT EXISTS public;
CREATE SEQUENCE IF NOT EXISTS inv_ine_seq;
CREATE TABLE IF NOT EXISTS inv_ine AS SELECT 1 AS id;
SELECT probe('SELECT count(*)::text FROM inv');
SELECT invalidations AS inv0 FROM cache_stats() \gset
CREATE TABLE IF NOT EXISTS inv_ine2 (id serial);
SELECT invalidations - :inv0 AS marked FROM cache_stats();
SELECT probe('SELECT count(*)::text FROM inv');
SELECT probe('SELECT count(*)::text FROM inv');
CREATE SCHEMA IF NOT EXISTS inv_ine_schema;
SELECT probe('SELECT count(*)::text FROM inv');
SELECT probe('SELECT count(*)::text FROM inv');
CREATE SEQUENCE IF NOT EXISTS inv_ine_seq2;
SELECT probe('SELECT count(*)::text FROM inv');
DROP SCHEMA inv_ine_schema;
DROP TABLE inv_ine, inv_ine2;
DROP SEQUENCE inv_ine_seq, inv_ine_seq2;
-- a table IF NOT EXISTS creates earlier in the search_path shadows at once
CREATE SCHEMA inv_a;
CREATE TABLE inv_shadow (v int);
INSERT INTO inv_shadow VALUES (1), (2);
SELECT cache_watch('inv_shadow');
SET search_path = inv_a, public;
SELECT probe('SELECT count(*)::text FROM inv_shadow');
SELECT probe('SELECT count(*)::text FROM inv_shadow');
CREATE TABLE IF NOT EXISTS inv_shadow (v int);
SELECT probe('SELECT count(*)::text FROM inv_shadow');
SELECT cache_watch('inv_a.inv_shadow');
SELECT probe('SELECT count(*)::text FROM inv_shadow');
RESET search_path;
DROP SCHEMA inv_a CASCADE;
-- any statement that creates a relation named like another schema's
-- relation can shadow it: EXPLAIN ANALYZE CREATE TABLE AS, CREATE INDEX
CREATE SCHEMA inv_e;
SET search_path = inv_e, public;
SELECT probe('SELECT count(*)::text FROM inv_shadow');
SELECT probe('SELECT count(*)::text FROM inv_shadow');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) CREATE TABLE inv_e.inv_shadow AS SELECT 1 AS v;
SELECT probe('SELECT count(*)::text FROM inv_shadow');
DROP TABLE inv_e.inv_shadow;
SELECT probe('SELECT count(*)::text FROM inv_shadow');
SELECT probe('SELECT count(*)::text FROM inv_shadow');
CREATE TABLE inv_e.inv_idx_base (v int);
CREATE INDEX inv_shadow ON inv_e.inv_idx_base (v);
SELECT probe('SELECT count(*)::text FROM inv_shadow');
-- an index whose name nothing else has invalidates nothing
SELECT probe('SELECT count(*)::text FROM inv');
SELECT probe('SELECT count(*)::text FROM inv');
CREATE INDEX inv_unique_name_idx ON inv_e.inv_idx_base (v);
SELECT probe('SELECT count(*)::text FROM inv');
RESET search_path;
DROP SCHEMA inv_e CASCADE;
DROP TABLE inv_shadow;

-- temporary tables cannot be watched (last: a temp schema bypasses the cache)
CREATE TEMP TABLE inv_temp (v int);
SELECT cache_watch('inv_temp');
