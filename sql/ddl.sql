-- What DDL invalidates (issue 11): exactly what it can change.  Statements
-- that change nothing keep every entry; a new object invalidates only the
-- results that could now resolve a name to it; a changed, renamed or
-- dropped object only the results that used it; temporary objects and
-- pooled sessions with temporary tables keep the cache; cache_explain()
-- says why a query is or is not stored.
SELECT cache_clear() >= 0 AS cleared;
CREATE FUNCTION dprobe(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  h0 bigint; s0 bigint; h1 bigint; s1 bigint; r text;
BEGIN
  SELECT hits, stores INTO h0, s0 FROM cache_stats();
  SELECT string_agg(x, ',') INTO r FROM cache_get_or_run(q, 0) AS t(x text);
  SELECT hits, stores INTO h1, s1 FROM cache_stats();
  RETURN coalesce(r, '<null>') || CASE WHEN h1 > h0 THEN ' (hit)' WHEN s1 > s0 THEN ' (stored)'
                   ELSE ' (not stored)' END;
END $$;
CREATE TABLE items (id int PRIMARY KEY, v text);
INSERT INTO items VALUES (1, 'one'), (2, 'two');
SELECT cache_watch('items');
CREATE TABLE gone (id int);
SELECT cache_watch('gone');
CREATE SEQUENCE items_seq;

-- 1. Statements that change nothing invalidate nothing.
SELECT dprobe('SELECT v FROM items WHERE id = 1');
SELECT dprobe('SELECT count(*)::text FROM items');
SELECT invalidations AS inv0 FROM cache_stats() \gset
CREATE TABLE IF NOT EXISTS items (id int);
CREATE SCHEMA IF NOT EXISTS public;
CREATE INDEX IF NOT EXISTS items_pkey ON items (id);
CREATE SEQUENCE IF NOT EXISTS items_seq START 1;
DROP TABLE IF EXISTS no_such_table;
DROP VIEW IF EXISTS no_such_view;
DROP FUNCTION IF EXISTS no_such_function(int);
DROP TYPE IF EXISTS no_such_type;
DROP SCHEMA IF EXISTS no_such_schema;
ALTER TABLE IF EXISTS no_such_table ADD COLUMN x int;
ALTER TABLE items ADD COLUMN IF NOT EXISTS v text;
ALTER TABLE items DROP COLUMN IF EXISTS no_such_column;
ALTER TABLE items DROP CONSTRAINT IF EXISTS no_such_constraint;
SELECT invalidations - :inv0 AS invalidated FROM cache_stats();
SELECT dprobe('SELECT v FROM items WHERE id = 1');
SELECT dprobe('SELECT count(*)::text FROM items');

-- 2. Routine DDL of other objects keeps the entries: new tables, schemas,
-- functions and views, replacing and dropping ones no entry used,
-- partition rotation, default privileges, roles.
CREATE TABLE audit (id int);
CREATE SCHEMA app;
CREATE TABLE app.audit (id int);
CREATE FUNCTION other_fn() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';
CREATE OR REPLACE FUNCTION other_fn() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 2';
CREATE VIEW other_view AS SELECT 1 AS one;
CREATE OR REPLACE VIEW other_view AS SELECT 2 AS one;
CREATE TABLE events (at date, n int) PARTITION BY RANGE (at);
CREATE TABLE events_2026_11 PARTITION OF events FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');
CREATE TABLE events_2026_12 PARTITION OF events FOR VALUES FROM ('2026-12-01') TO ('2027-01-01');
ALTER TABLE events DETACH PARTITION events_2026_11;
DROP TABLE events_2026_11;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE SELECT ON TABLES FROM PUBLIC;
CREATE ROLE ddl_role;
GRANT SELECT ON items TO ddl_role;
REVOKE SELECT ON items FROM ddl_role;
DROP ROLE ddl_role;
COMMENT ON TABLE items IS 'items';
CREATE INDEX ON items (v);
DROP TABLE audit, app.audit;
DROP FUNCTION other_fn();
DROP VIEW other_view;
SELECT dprobe('SELECT v FROM items WHERE id = 1');
SELECT dprobe('SELECT count(*)::text FROM items');

-- 3. A new object found first through search_path is seen at once.
CREATE SCHEMA early;
SET search_path = early, public;
SELECT dprobe('SELECT count(*)::text FROM items');
SELECT dprobe('SELECT count(*)::text FROM items');
CREATE TABLE early.items (id int, v text);
SELECT cache_watch('early.items');
SELECT dprobe('SELECT count(*)::text FROM items');
DROP TABLE early.items;
SELECT dprobe('SELECT count(*)::text FROM items');
SELECT dprobe('SELECT count(*)::text FROM items');
-- a function of the same name earlier in the path
CREATE FUNCTION public.label(int) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT 'public ' || $1$$;
SELECT dprobe('SELECT label(id) FROM items WHERE id = 1');
SELECT dprobe('SELECT label(id) FROM items WHERE id = 1');
CREATE FUNCTION early.label(int) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT 'early ' || $1$$;
SELECT dprobe('SELECT label(id) FROM items WHERE id = 1');
-- a better match in a later schema (functions compete across the path)
CREATE FUNCTION public.kind(numeric) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT 'numeric'$$;
SELECT dprobe('SELECT kind(id) FROM items WHERE id = 1');
SELECT dprobe('SELECT kind(id) FROM items WHERE id = 1');
CREATE FUNCTION public.kind(int) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT 'int'$$;
SELECT dprobe('SELECT kind(id) FROM items WHERE id = 1');
-- a type of the same name earlier in the path
CREATE DOMAIN public.amount AS numeric(6,0);
SELECT dprobe('SELECT (''1.4''::amount + id)::text FROM items WHERE id = 1');
SELECT dprobe('SELECT (''1.4''::amount + id)::text FROM items WHERE id = 1');
CREATE DOMAIN early.amount AS numeric(6,1);
SELECT dprobe('SELECT (''1.4''::amount + id)::text FROM items WHERE id = 1');
-- an operator of the same name earlier in the path
CREATE FUNCTION early.concat_bang(text, text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$SELECT pg_catalog.textcat(pg_catalog.textcat($1, '!'), $2)$$;
SET search_path = early, pg_catalog, public;
SELECT dprobe('SELECT v || ''x'' FROM items WHERE id = 1');
SELECT dprobe('SELECT v || ''x'' FROM items WHERE id = 1');
CREATE OPERATOR early.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = early.concat_bang);
SELECT dprobe('SELECT v || ''x'' FROM items WHERE id = 1');
DROP OPERATOR early.|| (text, text);
SELECT dprobe('SELECT v || ''x'' FROM items WHERE id = 1');
-- a new schema that "$user" now names
SET search_path = "$user", public;
CREATE TABLE public.who (n text);
INSERT INTO public.who VALUES ('public');
SELECT cache_watch('public.who');
SELECT dprobe('SELECT n FROM who');
SELECT dprobe('SELECT n FROM who');
CREATE SCHEMA AUTHORIZATION CURRENT_USER;
SELECT format('CREATE TABLE %I.who (n text)', current_user) \gexec
SELECT format('INSERT INTO %I.who VALUES (''mine'')', current_user) \gexec
SELECT format('SELECT cache_watch(''%I.who'')', current_user) \gexec
SELECT dprobe('SELECT n FROM who');
SELECT format('DROP SCHEMA %I CASCADE', current_user) \gexec
SELECT dprobe('SELECT n FROM who');
RESET search_path;
DROP SCHEMA early CASCADE;

-- 4. A changed, renamed or dropped object invalidates what used it, and
-- only that.
CREATE FUNCTION d_twice(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
SELECT dprobe('SELECT d_twice(id)::text FROM items WHERE id = 1');
SELECT dprobe('SELECT d_twice(id)::text FROM items WHERE id = 1');
CREATE OR REPLACE FUNCTION d_twice(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 3';
SELECT dprobe('SELECT d_twice(id)::text FROM items WHERE id = 1');
SELECT dprobe('SELECT v FROM items WHERE id = 1');
ALTER FUNCTION d_twice(int) RENAME TO d_thrice;
SELECT dprobe('SELECT d_twice(id)::text FROM items WHERE id = 1');
ALTER FUNCTION d_thrice(int) RENAME TO d_twice;
SELECT dprobe('SELECT d_twice(id)::text FROM items WHERE id = 1');
SELECT dprobe('SELECT d_twice(id)::text FROM items WHERE id = 1');
DROP FUNCTION d_twice(int);
SELECT dprobe('SELECT d_twice(id)::text FROM items WHERE id = 1');
SELECT dprobe('SELECT v FROM items WHERE id = 1');
-- a replaced view
CREATE VIEW items_v AS SELECT id, v FROM items;
SELECT dprobe('SELECT v FROM items_v WHERE id = 1');
SELECT dprobe('SELECT v FROM items_v WHERE id = 1');
CREATE OR REPLACE VIEW items_v AS SELECT id, upper(v) AS v FROM items;
SELECT dprobe('SELECT v FROM items_v WHERE id = 1');
SELECT dprobe('SELECT v FROM items_v WHERE id = 1');
ALTER VIEW items_v RENAME TO items_v2;
SELECT dprobe('SELECT v FROM items_v WHERE id = 1');
DROP VIEW items_v2;
-- a renamed table and a table moved to another schema
SELECT dprobe('SELECT count(*)::text FROM gone');
SELECT dprobe('SELECT count(*)::text FROM gone');
ALTER TABLE gone RENAME TO gone2;
SELECT dprobe('SELECT count(*)::text FROM gone');
ALTER TABLE gone2 RENAME TO gone;
SELECT dprobe('SELECT count(*)::text FROM gone');
SELECT dprobe('SELECT count(*)::text FROM gone');
ALTER TABLE gone SET SCHEMA app;
SELECT dprobe('SELECT count(*)::text FROM gone');
ALTER TABLE app.gone SET SCHEMA public;
-- a relation the planner removed, and one named only by a regclass constant
SELECT dprobe('SELECT CASE WHEN false THEN (SELECT count(*) FROM gone)::text ELSE ''x'' END');
SELECT dprobe('SELECT CASE WHEN false THEN (SELECT count(*) FROM gone)::text ELSE ''x'' END');
SELECT dprobe('SELECT count(*)::text FROM items WHERE ''gone''::regclass IS NOT NULL');
SELECT dprobe('SELECT count(*)::text FROM items WHERE ''gone''::regclass IS NOT NULL');
DROP TABLE gone;
SELECT dprobe('SELECT CASE WHEN false THEN (SELECT count(*) FROM gone)::text ELSE ''x'' END');
SELECT dprobe('SELECT count(*)::text FROM items WHERE ''gone''::regclass IS NOT NULL');
SELECT dprobe('SELECT v FROM items WHERE id = 1');
-- a renamed schema: qualified names stop resolving
CREATE TABLE app.t (n int);
INSERT INTO app.t VALUES (7);
SELECT cache_watch('app.t');
SELECT dprobe('SELECT n::text FROM app.t');
SELECT dprobe('SELECT n::text FROM app.t');
ALTER SCHEMA app RENAME TO app2;
SELECT dprobe('SELECT n::text FROM app.t');
ALTER SCHEMA app2 RENAME TO app;
SELECT dprobe('SELECT n::text FROM app.t');
-- REVOKE USAGE on the schema: the next call checks it again
CREATE ROLE ddl_reader;
GRANT USAGE ON SCHEMA app TO ddl_reader;
GRANT SELECT ON app.t TO ddl_reader;
GRANT EXECUTE ON FUNCTION dprobe(text) TO ddl_reader;
SET ROLE ddl_reader;
SELECT dprobe('SELECT n::text FROM app.t');
SELECT dprobe('SELECT n::text FROM app.t');
RESET ROLE;
REVOKE USAGE ON SCHEMA app FROM ddl_reader;
SET ROLE ddl_reader;
SELECT dprobe('SELECT n::text FROM app.t');
RESET ROLE;
DROP SCHEMA app CASCADE;
-- a dropped role's entries are freed (nobody can be served them)
GRANT SELECT ON items TO ddl_reader;
SET ROLE ddl_reader;
SELECT dprobe('SELECT v FROM items WHERE id = 2');
RESET ROLE;
SELECT oid AS reader_oid FROM pg_roles WHERE rolname = 'ddl_reader' \gset
SELECT count(*) AS entries_of_role FROM cache_entries WHERE role::oid = :reader_oid;
DROP OWNED BY ddl_reader;
DROP ROLE ddl_reader;
SELECT count(*) AS entries_of_dropped_role FROM cache_entries WHERE role::oid = :reader_oid;
SELECT dprobe('SELECT v FROM items WHERE id = 2');

-- 5. Temporary tables on a pooled connection: entries keep being served
-- and stored for everything a temporary object cannot shadow.
SELECT dprobe('SELECT v FROM items WHERE id = 2');
BEGIN;
CREATE TEMP TABLE cart (id int, qty int) ON COMMIT DROP;
INSERT INTO cart VALUES (1, 3);
SELECT dprobe('SELECT v FROM items WHERE id = 2');
SELECT sum(qty) FROM cart;
COMMIT;
SELECT dprobe('SELECT v FROM items WHERE id = 2');
SELECT dprobe('SELECT upper(v) FROM items WHERE id = 2');
SELECT dprobe('SELECT upper(v) FROM items WHERE id = 2');
BEGIN;
CREATE TEMP TABLE cart (id int, qty int) ON COMMIT DROP;
SELECT dprobe('SELECT upper(v) FROM items WHERE id = 2');
COMMIT;
-- a temporary table named like a cached table: its own rows, never the
-- cached ones, and never stored
CREATE TEMP TABLE items (id int, v text);
INSERT INTO items VALUES (2, 'temporary two');
SELECT dprobe('SELECT v FROM items WHERE id = 2');
SELECT dprobe('SELECT v FROM items WHERE id = 2');
SELECT dprobe('SELECT v FROM public.items WHERE id = 2');
SELECT dprobe('SELECT (1 + 1)::text');
DROP TABLE pg_temp.items;
SELECT dprobe('SELECT v FROM items WHERE id = 2');
-- DISCARD TEMP and DISCARD ALL give the connection back to normal
CREATE TEMP TABLE items (id int, v text);
SELECT dprobe('SELECT v FROM items WHERE id = 2');
DISCARD TEMP;
SELECT dprobe('SELECT v FROM items WHERE id = 2');
CREATE TEMP TABLE items (id int, v text);
DISCARD ALL;
SELECT dprobe('SELECT v FROM items WHERE id = 2');
-- a temporary type of a name the entry used
CREATE DOMAIN amount2 AS int;
SELECT dprobe('SELECT (''1''::amount2)::text');
SELECT dprobe('SELECT (''1''::amount2)::text');
CREATE TYPE pg_temp.amount2 AS ENUM ('1');
SELECT dprobe('SELECT (''1''::amount2)::text');
DISCARD TEMP;
SELECT dprobe('SELECT (''1''::amount2)::text');
-- the temporary objects moved no shared generation: nothing was bypassed
SELECT bypassed FROM cache_stats();

-- 6. cache_explain: each storability rule, named.
CREATE TABLE plain_unwatched (id int);
CREATE SEQUENCE ddl_seq;
CREATE TABLE rls_t (id int);
SELECT cache_watch('rls_t');
ALTER TABLE rls_t ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION hidden_reader() RETURNS bigint LANGUAGE plpgsql STABLE AS 'BEGIN RETURN (SELECT count(*) FROM items); END';
CREATE TEMP TABLE tmp_t (id int);
SELECT cachepg_stats_stores AS s0 FROM (SELECT stores AS cachepg_stats_stores FROM cache_stats()) s \gset
SELECT * FROM cache_explain('SELECT v FROM items WHERE id = $1', 1);
SELECT * FROM cache_explain('SELECT v FROM items WHERE id = ANY($1)', ARRAY[1, 2]);
SELECT * FROM cache_explain('SELECT count(*) FROM items');
SELECT * FROM cache_explain('SELECT random()');
SELECT * FROM cache_explain('SELECT now()');
SELECT * FROM cache_explain('SELECT ''today''::date');
SELECT * FROM cache_explain($$SELECT current_setting('work_mem')$$);
SELECT * FROM cache_explain('SELECT session_user');
SELECT * FROM cache_explain('SELECT * FROM plain_unwatched');
SELECT * FROM cache_explain('SELECT relname FROM pg_class');
SELECT * FROM cache_explain('SELECT last_value FROM ddl_seq');
SELECT * FROM cache_explain('SELECT * FROM items FOR UPDATE');
SELECT * FROM cache_explain('SELECT * FROM items TABLESAMPLE system (50)');
SELECT * FROM cache_explain('SELECT * FROM rls_t');
SELECT cacheable, reason FROM cache_explain('SELECT * FROM tmp_t');
SELECT * FROM cache_explain('SELECT hidden_reader()');
SELECT * FROM cache_explain('SELECT ROW(1, 2)');
-- planned, never run: a division by zero in a row is not reached
SELECT * FROM cache_explain('SELECT (id / 0)::text FROM items');
SELECT stores = :s0 AS nothing_stored FROM cache_stats();
-- stored and valid for this caller now
SELECT dprobe('SELECT v FROM items WHERE id = 1');
SELECT stored FROM cache_explain('SELECT v FROM items WHERE id = 1');
UPDATE items SET v = 'uno' WHERE id = 1;
SELECT stored FROM cache_explain('SELECT v FROM items WHERE id = 1');
-- the configuration
SET cachepg.enabled = off;
SELECT cacheable, reason FROM cache_explain('SELECT v FROM items WHERE id = 1');
RESET cachepg.enabled;
BEGIN;
UPDATE items SET v = 'one' WHERE id = 1;
SELECT cacheable, reason FROM cache_explain('SELECT v FROM items WHERE id = 1');
ROLLBACK;
SET cachepg.default_ttl = 30;
SELECT ttl FROM cache_explain('SELECT v FROM items WHERE id = 1');
RESET cachepg.default_ttl;
-- bad input
SELECT * FROM cache_explain(NULL);
SELECT * FROM cache_explain('DELETE FROM items');
SELECT * FROM cache_explain('SELECT * FROM no_such_table');

-- 7. cachepg.notice_not_stored: a NOTICE per call not stored, with why
SET cachepg.notice_not_stored = on;
SELECT dprobe('SELECT (random() >= 0)::text');
SELECT dprobe('SELECT count(*)::text FROM plain_unwatched');
SELECT dprobe('SELECT count(*)::text FROM tmp_t');
RESET cachepg.notice_not_stored;
SELECT dprobe('SELECT (random() >= 0)::text');

-- 8. cache_tables counts per table; invalidations counts write marks
CREATE TABLE counted (id int PRIMARY KEY, v int);
INSERT INTO counted VALUES (1, 1);
SELECT cache_watch('counted');
SELECT invalidations AS inv1 FROM cache_stats() \gset
SELECT dprobe('SELECT v::text FROM counted WHERE id = 1');
SELECT dprobe('SELECT v::text FROM counted WHERE id = 1');
SELECT dprobe('SELECT v::text FROM counted WHERE id = 1');
UPDATE counted SET v = 2;
SELECT dprobe('SELECT v::text FROM counted WHERE id = 1');
-- (cache_watch's own triggers count as one invalidation, the UPDATE as one)
SELECT hits, misses, stores, invalidations FROM cache_tables WHERE relation = 'counted'::regclass;
SELECT invalidations - :inv1 AS invalidations FROM cache_stats();

-- 9. Dependencies out of the query's own text.
DISCARD TEMP;
-- a function inlined inside an inlined function, a default argument, an
-- IMMUTABLE PL/pgSQL body: replacing the inner one is seen
CREATE FUNCTION d_inner(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x * 10';
CREATE FUNCTION d_outer(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT d_inner(x) + 1';
CREATE FUNCTION d_rate() RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT 0.20';
CREATE FUNCTION d_add_rate(x int, r numeric DEFAULT d_rate()) RETURNS numeric
  LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN x * (1 + r); END';
CREATE FUNCTION d_plpgsql(x int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN d_inner(x); END';
SELECT dprobe('SELECT d_outer(id)::text FROM items WHERE id = 1');
SELECT dprobe('SELECT d_add_rate(id)::text FROM items WHERE id = 1');
SELECT dprobe('SELECT d_plpgsql(id)::text FROM items WHERE id = 1');
SELECT dprobe('SELECT d_outer(id)::text FROM items WHERE id = 1');
SELECT dprobe('SELECT d_add_rate(id)::text FROM items WHERE id = 1');
SELECT dprobe('SELECT d_plpgsql(id)::text FROM items WHERE id = 1');
CREATE OR REPLACE FUNCTION d_inner(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x * 100';
CREATE OR REPLACE FUNCTION d_rate() RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT 0.50';
SELECT dprobe('SELECT d_outer(id)::text FROM items WHERE id = 1');
SELECT dprobe('SELECT d_add_rate(id)::text FROM items WHERE id = 1');
SELECT dprobe('SELECT d_plpgsql(id)::text FROM items WHERE id = 1');
-- function syntax that read a column until a function of that name came
CREATE TABLE d_t (a int);
INSERT INTO d_t VALUES (1);
SELECT cache_watch('d_t');
SELECT dprobe('SELECT a(d_t)::text FROM d_t');
SELECT dprobe('SELECT a(d_t)::text FROM d_t');
CREATE FUNCTION a(d_t) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 42';
SELECT dprobe('SELECT a(d_t)::text FROM d_t');
DROP FUNCTION a(d_t);
-- a column a dropped function's CASCADE takes away
CREATE FUNCTION d_dbl(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
CREATE TABLE d_gen (a int, g int GENERATED ALWAYS AS (d_dbl(a)) STORED);
INSERT INTO d_gen (a) VALUES (1);
SELECT cache_watch('d_gen');
SELECT dprobe('SELECT d_gen::text FROM d_gen');
SELECT dprobe('SELECT d_gen::text FROM d_gen');
DROP FUNCTION d_dbl(int) CASCADE;
SELECT dprobe('SELECT d_gen::text FROM d_gen');
-- a regclass stored in a table is shown by name
CREATE TABLE d_oids (c regclass);
INSERT INTO d_oids VALUES ('d_t');
SELECT cache_watch('d_oids');
SELECT dprobe('SELECT c::text FROM d_oids');
SELECT dprobe('SELECT c::text FROM d_oids');
ALTER TABLE d_t RENAME TO d_t_renamed;
SELECT dprobe('SELECT c::text FROM d_oids');
-- a collation moved to a schema earlier in the path
CREATE SCHEMA d_first;
CREATE SCHEMA d_other;
CREATE COLLATION public.d_coll FROM "C";
CREATE COLLATION d_other.d_coll FROM "und-x-icu";
SET search_path = d_first, public;
SELECT dprobe($$SELECT string_agg(x, ',' ORDER BY x COLLATE d_coll) FROM (VALUES ('a'), ('B')) v(x)$$);
SELECT dprobe($$SELECT string_agg(x, ',' ORDER BY x COLLATE d_coll) FROM (VALUES ('a'), ('B')) v(x)$$);
ALTER COLLATION d_other.d_coll SET SCHEMA d_first;
SELECT dprobe($$SELECT string_agg(x, ',' ORDER BY x COLLATE d_coll) FROM (VALUES ('a'), ('B')) v(x)$$);
RESET search_path;
DROP SCHEMA d_first, d_other CASCADE;
DROP COLLATION public.d_coll;
-- a renamed role: current_user of its entries
CREATE ROLE d_role;
GRANT EXECUTE ON FUNCTION dprobe(text) TO d_role;
SET ROLE d_role;
SELECT dprobe('SELECT current_user::text');
SELECT dprobe('SELECT current_user::text');
RESET ROLE;
ALTER ROLE d_role RENAME TO d_role2;
SET ROLE d_role2;
SELECT dprobe('SELECT current_user::text');
RESET ROLE;
-- dropping a role with memberships moves every database's epoch
CREATE ROLE d_member IN ROLE d_role2;
SELECT generation AS g0 FROM cache_tables WHERE relation IS NULL \gset
DROP ROLE d_member;
SELECT generation > :g0 AS moved FROM cache_tables WHERE relation IS NULL;
DROP OWNED BY d_role2;
DROP ROLE d_role2;
-- a function body that reads a temporary table: never stored, and the
-- entry other sessions stored is not served while the table exists
CREATE TABLE d_rates (r numeric);
INSERT INTO d_rates VALUES (1.0);
SELECT cache_watch('d_rates');
CREATE FUNCTION d_rate_fn() RETURNS numeric LANGUAGE plpgsql STABLE AS 'BEGIN RETURN (SELECT r FROM d_rates); END';
SET cachepg.depends_on = 'public.d_rates';
SELECT dprobe('SELECT d_rate_fn()::text');
\c -
SET cachepg.depends_on = 'public.d_rates';
CREATE TEMP TABLE d_rates (r numeric);
INSERT INTO d_rates VALUES (999);
SELECT dprobe('SELECT d_rate_fn()::text');
SELECT dprobe('SELECT d_rate_fn()::text');
DISCARD TEMP;
SELECT dprobe('SELECT d_rate_fn()::text');
RESET cachepg.depends_on;
-- a PL/pgSQL body this session compiled before a table of the same name
-- came earlier in the path: PostgreSQL runs it resolved the old way in
-- this session, so the cache does too, and stores nothing; a new session
-- reads the new table
CREATE TABLE d_rt (v text);
INSERT INTO d_rt VALUES ('public');
SELECT cache_watch('d_rt');
CREATE FUNCTION d_rt_fn() RETURNS text LANGUAGE plpgsql STABLE AS 'BEGIN RETURN (SELECT v FROM d_rt); END';
CREATE SCHEMA d_early;
SET search_path = d_early, public;
SET cachepg.depends_on = 'public.d_rt';
SELECT d_rt_fn();
SELECT dprobe('SELECT d_rt_fn()');
CREATE TABLE d_early.d_rt (v text);
INSERT INTO d_early.d_rt VALUES ('early');
SELECT cache_watch('d_early.d_rt');
SET cachepg.depends_on = 'public.d_rt, d_early.d_rt';
SELECT dprobe('SELECT d_rt_fn()');
SELECT d_rt_fn();
\c -
SET search_path = d_early, public;
SET cachepg.depends_on = 'public.d_rt, d_early.d_rt';
SELECT dprobe('SELECT d_rt_fn()');
SELECT dprobe('SELECT d_rt_fn()');
RESET cachepg.depends_on;
RESET search_path;
DROP SCHEMA d_early CASCADE;
DROP FUNCTION d_rt_fn();
DROP TABLE d_rt;
-- the same after an ALTER FUNCTION rolled back (PL/pgSQL keeps its old
-- compiled copy), and for a PL/pgSQL comparison function an operator class
-- calls without any check
CREATE TABLE d_cnt_t (a int);
INSERT INTO d_cnt_t VALUES (1), (2);
SELECT cache_watch('d_cnt_t');
CREATE FUNCTION d_cnt() RETURNS text LANGUAGE plpgsql STABLE AS 'BEGIN RETURN (SELECT count(*) FROM d_cnt_t)::text; END';
CREATE FUNCTION public.d_h2(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';
CREATE FUNCTION public.d_cmp(int, int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN d_h2($1) - d_h2($2); END';
CREATE OPERATOR public.<<~ (FUNCTION = int4lt, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR public.<<~= (FUNCTION = int4le, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR public.~== (FUNCTION = int4eq, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR public.>>~= (FUNCTION = int4ge, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR public.>>~ (FUNCTION = int4gt, LEFTARG = int, RIGHTARG = int);
CREATE OPERATOR CLASS public.d_weird_ops FOR TYPE int USING btree AS
  OPERATOR 1 <<~, OPERATOR 2 <<~=, OPERATOR 3 ~==, OPERATOR 4 >>~=, OPERATOR 5 >>~,
  FUNCTION 1 d_cmp(int, int);
CREATE SCHEMA d_e2;
SET search_path = d_e2, public;
SET cachepg.depends_on = 'public.d_cnt_t';
SELECT d_cnt();
SELECT string_agg(a::text, '-' ORDER BY a USING OPERATOR(public.<<~)) FROM d_cnt_t;
CREATE TABLE d_e2.d_cnt_t (a int);
INSERT INTO d_e2.d_cnt_t VALUES (1), (2), (3), (4), (5);
SELECT cache_watch('d_e2.d_cnt_t');
CREATE FUNCTION d_e2.d_h2(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT -$1';
BEGIN;
ALTER FUNCTION d_cnt() COST 101;
ROLLBACK;
SELECT dprobe('SELECT d_cnt()');
SELECT d_cnt();
SELECT dprobe($$SELECT string_agg(a::text, '-' ORDER BY a USING OPERATOR(public.<<~)) FROM public.d_cnt_t$$);
\c -
SET search_path = d_e2, public;
SET cachepg.depends_on = 'public.d_cnt_t, d_e2.d_cnt_t';
SELECT dprobe('SELECT d_cnt()');
SELECT dprobe($$SELECT string_agg(a::text, '-' ORDER BY a USING OPERATOR(public.<<~)) FROM public.d_cnt_t$$);
SELECT dprobe($$SELECT string_agg(a::text, '-' ORDER BY a USING OPERATOR(public.<<~)) FROM public.d_cnt_t$$);
RESET cachepg.depends_on;
RESET search_path;
DROP SCHEMA d_e2 CASCADE;
DROP OPERATOR CLASS public.d_weird_ops USING btree;
DROP OPERATOR FAMILY public.d_weird_ops USING btree;
DROP OPERATOR public.<<~ (int, int), public.<<~= (int, int), public.~== (int, int),
  public.>>~= (int, int), public.>>~ (int, int);
DROP FUNCTION d_cnt(), public.d_cmp(int, int), public.d_h2(int);
DROP TABLE d_cnt_t;
-- a domain's CHECK runs functions out of the plan's sight: one that reads a
-- table needs cachepg.depends_on, one whose body names a type depends on
-- every name (and a session with temporary objects is not served it)
CREATE TABLE d_lim (a int);
INSERT INTO d_lim VALUES (1), (2);
SELECT cache_watch('d_lim');
CREATE FUNCTION d_chk_read(int) RETURNS bool LANGUAGE sql STABLE AS 'SELECT $1 <= coalesce(max(a), 0) FROM d_lim';
CREATE DOMAIN d_dom_read AS int CHECK (d_chk_read(VALUE));
SELECT cacheable, reason FROM cache_explain('SELECT ''2''::d_dom_read::text');
CREATE TYPE d_pair AS (x int, y int);
CREATE FUNCTION d_chk_type(int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT (''(1,2)''::d_pair).y = $1';
CREATE DOMAIN d_dom_type AS int CHECK (d_chk_type(VALUE));
CREATE DOMAIN d_dom_over AS d_dom_type;
\c -
SELECT dprobe('SELECT ''2''::d_dom_over::text');
SELECT dprobe('SELECT ''2''::d_dom_over::text');
CREATE TEMP TABLE d_pair (y int, x int);
SELECT '2'::d_dom_over::text;
SELECT dprobe('SELECT ''2''::d_dom_over::text');
\c -
DROP DOMAIN d_dom_over, d_dom_type, d_dom_read;
DROP FUNCTION d_chk_type(int), d_chk_read(int);
DROP TYPE d_pair;
DROP TABLE d_lim;
-- a temporary child of a permanent table: served nothing while it lives,
-- whatever DISCARD SEQUENCES or a rolled back DISCARD TEMP say
CREATE TABLE d_parent (n int);
INSERT INTO d_parent VALUES (1);
SELECT cache_watch('d_parent');
SELECT dprobe('SELECT count(*)::text FROM d_parent');
CREATE TEMP TABLE d_child () INHERITS (d_parent);
INSERT INTO d_child VALUES (2);
SELECT dprobe('SELECT count(*)::text FROM d_parent');
DISCARD SEQUENCES;
SELECT dprobe('SELECT count(*)::text FROM d_parent');
BEGIN;
DISCARD TEMP;
ROLLBACK;
SELECT dprobe('SELECT count(*)::text FROM d_parent');
DROP TABLE d_child;
SELECT dprobe('SELECT count(*)::text FROM d_parent');
-- what rewrites or indexes a table without changing a row marks no name
CREATE INDEX d_parent_n ON d_parent (n);
SELECT invalidations AS inv2 FROM cache_stats() \gset
CREATE INDEX ON items (v, id);
CLUSTER d_parent USING d_parent_n;
VACUUM FULL items;
SELECT invalidations - :inv2 AS invalidations FROM cache_stats();
SELECT dprobe('SELECT count(*)::text FROM d_parent');

DROP FUNCTION d_outer(int), d_inner(int), d_add_rate(int, numeric), d_rate(), d_plpgsql(int), d_rate_fn();
DROP TABLE d_t_renamed, d_gen, d_oids, d_rates, d_parent;
DROP TABLE counted, plain_unwatched, rls_t, items CASCADE;
DROP SEQUENCE ddl_seq, items_seq;
DROP FUNCTION hidden_reader(), public.label(int), public.kind(numeric), public.kind(int), dprobe(text);
DROP DOMAIN amount, amount2;
DROP TABLE events, public.who;
