-- A hit answers exactly what a direct query would (issue 9): the hit-time
-- privilege re-check is PostgreSQL's own, no more and no less; changes that
-- alter a result invalidate it; temporary objects move no shared state;
-- memory and messages.
SELECT cache_clear() >= 0 AS cleared;
CREATE FUNCTION xprobe(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  h0 bigint; s0 bigint; h1 bigint; s1 bigint; r text;
BEGIN
  SELECT hits, stores INTO h0, s0 FROM cache_stats();
  SELECT string_agg(x, ',') INTO r FROM cache_get_or_run(q, 0) AS t(x text);
  SELECT hits, stores INTO h1, s1 FROM cache_stats();
  RETURN coalesce(r, '<null>') || CASE WHEN h1 > h0 THEN ' (hit)' WHEN s1 > s0 THEN ' (stored)'
                   ELSE ' (not stored)' END;
END $$;
CREATE ROLE xr_user;
CREATE ROLE xr_owner;
CREATE ROLE xr_group;

-- 1. Over-checks: the direct query works, so every hit must work too.
-- (a) partitions in a schema the caller cannot use, reached through the parent
CREATE SCHEMA xparts;
CREATE TABLE xpt (id int, v text) PARTITION BY RANGE (id);
CREATE TABLE xparts.xpt1 PARTITION OF xpt FOR VALUES FROM (0) TO (100);
CREATE TABLE xparts.xpt2 PARTITION OF xpt FOR VALUES FROM (100) TO (200);
SELECT cache_watch('xpt');
INSERT INTO xpt VALUES (1, 'a'), (150, 'b');
GRANT SELECT ON xpt TO xr_user;
SET ROLE xr_user;
SELECT count(*) FROM xpt;
SELECT xprobe('SELECT count(*)::text FROM xpt');
SELECT xprobe('SELECT count(*)::text FROM xpt');
SELECT xprobe('SELECT v FROM xpt WHERE id = 150');
SELECT xprobe('SELECT v FROM xpt WHERE id = 150');
SELECT * FROM xparts.xpt1;
RESET ROLE;

-- (b) a security_invoker view over a table in a schema the caller cannot use
CREATE SCHEMA xpriv;
CREATE TABLE xpriv.base (id int, v text);
SELECT cache_watch('xpriv.base');
INSERT INTO xpriv.base VALUES (1, 'one'), (2, 'two');
CREATE VIEW xinv WITH (security_invoker) AS SELECT id, v FROM xpriv.base;
GRANT SELECT ON xinv, xpriv.base TO xr_user;
SET ROLE xr_user;
SELECT string_agg(v, ',' ORDER BY id) FROM xinv;
SELECT xprobe('SELECT string_agg(v, '','' ORDER BY id) FROM xinv');
SELECT xprobe('SELECT string_agg(v, '','' ORDER BY id) FROM xinv');
RESET ROLE;
-- ... and it still needs SELECT on the table, as the caller
REVOKE SELECT ON xpriv.base FROM xr_user;
SET ROLE xr_user;
SELECT string_agg(v, ',' ORDER BY id) FROM xinv;
SELECT xprobe('SELECT string_agg(v, '','' ORDER BY id) FROM xinv');
RESET ROLE;

-- (c) a view owned by another role: checked as its owner
GRANT USAGE ON SCHEMA xpriv TO xr_owner;
GRANT SELECT ON xpriv.base TO xr_owner;
CREATE VIEW xowned AS SELECT id, v FROM xpriv.base;
ALTER VIEW xowned OWNER TO xr_owner;
GRANT SELECT ON xowned TO xr_user;
SET ROLE xr_user;
SELECT xprobe('SELECT string_agg(v, '','' ORDER BY id) FROM xowned');
SELECT xprobe('SELECT string_agg(v, '','' ORDER BY id) FROM xowned');
RESET ROLE;
REVOKE SELECT ON xpriv.base FROM xr_owner;
SET ROLE xr_user;
SELECT string_agg(v, ',' ORDER BY id) FROM xowned;
SELECT xprobe('SELECT string_agg(v, '','' ORDER BY id) FROM xowned');
RESET ROLE;

-- (d) a user aggregate whose transition function only its owner may call,
-- and type I/O functions: the executor checks neither as the caller
CREATE TABLE xnums (n int);
SELECT cache_watch('xnums');
INSERT INTO xnums VALUES (1), (2), (3);
GRANT SELECT ON xnums TO xr_user;
CREATE FUNCTION xadd(int, int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 + $2';
REVOKE EXECUTE ON FUNCTION xadd(int, int) FROM PUBLIC;
CREATE AGGREGATE xsum(int) (sfunc = xadd, stype = int, initcond = '0');
CREATE TYPE xmood AS ENUM ('sad', 'ok', 'happy');
REVOKE EXECUTE ON FUNCTION enum_out(anyenum) FROM PUBLIC;
SET ROLE xr_user;
SELECT xsum(n) FROM xnums;
SELECT xprobe('SELECT xsum(n)::text FROM xnums');
SELECT xprobe('SELECT xsum(n)::text FROM xnums');
SELECT xprobe('SELECT sum(n) OVER ()::text FROM xnums LIMIT 1');
SELECT xprobe('SELECT xsum(n) OVER ()::text FROM xnums LIMIT 1');
SELECT xprobe('SELECT xsum(n) OVER ()::text FROM xnums LIMIT 1');
SELECT ('happy'::xmood)::text;
SELECT xprobe('SELECT (''happy''::xmood)::text');
SELECT xprobe('SELECT (''happy''::xmood)::text');
RESET ROLE;
GRANT EXECUTE ON FUNCTION enum_out(anyenum) TO PUBLIC;
-- but EXECUTE on the aggregate itself is the caller's
REVOKE EXECUTE ON FUNCTION xsum(int) FROM PUBLIC;
SET ROLE xr_user;
SELECT xsum(n) FROM xnums;
SELECT xprobe('SELECT xsum(n)::text FROM xnums');
SELECT xprobe('SELECT xsum(n) OVER ()::text FROM xnums LIMIT 1');
RESET ROLE;

-- (e) a SECURITY DEFINER function reading a table the caller may not see,
-- declared through cachepg.depends_on
CREATE SCHEMA xsec;
CREATE TABLE xsec.rates (r int);
SELECT cache_watch('xsec.rates');
INSERT INTO xsec.rates VALUES (3), (5);
CREATE FUNCTION xrate() RETURNS int STABLE SECURITY DEFINER LANGUAGE sql
  AS 'SELECT max(r) FROM xsec.rates';
SET ROLE xr_user;
SET cachepg.depends_on = 'xsec.rates';
SELECT xrate();
SELECT xprobe('SELECT xrate()::text');
SELECT xprobe('SELECT xrate()::text');
RESET ROLE;
INSERT INTO xsec.rates VALUES (8);
SET ROLE xr_user;
SELECT xprobe('SELECT xrate()::text');
RESET cachepg.depends_on;
RESET ROLE;

-- (f) functions the planner removes are never checked: a view column the
-- query does not use, a branch folded away
CREATE FUNCTION xsecret(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS 'BEGIN RETURN $1 * 7; END';
REVOKE EXECUTE ON FUNCTION xsecret(int) FROM PUBLIC;
CREATE VIEW xsv AS SELECT n, xsecret(n) AS s FROM xnums;
GRANT SELECT ON xsv TO xr_user;
SET ROLE xr_user;
SELECT xprobe('SELECT string_agg(n::text, '','' ORDER BY n) FROM xsv');
SELECT xprobe('SELECT string_agg(n::text, '','' ORDER BY n) FROM xsv');
SELECT xprobe('SELECT count(*)::text FROM xnums WHERE false AND xsecret(n) > 0');
SELECT xprobe('SELECT count(*)::text FROM xnums WHERE false AND xsecret(n) > 0');
SELECT s FROM xsv;
SELECT xprobe('SELECT s::text FROM xsv');
RESET ROLE;

-- (g) a function that handles a missing privilege itself: a direct call
-- returns its fallback, so the cache does too
CREATE SCHEMA xs11;
CREATE TABLE xs11.t (a int);
SELECT cache_watch('xs11.t');
INSERT INTO xs11.t VALUES (1), (2);
GRANT USAGE ON SCHEMA xs11 TO xr_user;
GRANT SELECT ON xs11.t TO xr_user;
CREATE FUNCTION xsafe_cnt() RETURNS bigint STABLE LANGUAGE plpgsql AS $$
BEGIN RETURN (SELECT count(*) FROM xs11.t);
EXCEPTION WHEN insufficient_privilege THEN RETURN -1; END $$;
SET ROLE xr_user;
SET cachepg.depends_on = 'xs11.t';
SELECT xprobe('SELECT xsafe_cnt()::text');
SELECT xprobe('SELECT xsafe_cnt()::text');
RESET ROLE;
REVOKE USAGE ON SCHEMA xs11 FROM xr_user;
SET ROLE xr_user;
SELECT xsafe_cnt();
SELECT xprobe('SELECT xsafe_cnt()::text');
RESET ROLE;
-- its fallback result was not stored: a GRANT brings the count back at once
-- (not stored: this session compiled xsafe_cnt() before the GRANT)
GRANT USAGE ON SCHEMA xs11 TO xr_user;
SET ROLE xr_user;
SELECT xprobe('SELECT xsafe_cnt()::text');
RESET cachepg.depends_on;
RESET ROLE;

-- (h) an entry whose column or function-read table went away is stale,
-- never an error
CREATE TABLE xcc2 (id int, pub text, extra text);
SELECT cache_watch('xcc2');
INSERT INTO xcc2 VALUES (1, 'p', 'e');
GRANT SELECT (id, pub, extra) ON xcc2 TO xr_user;
SET ROLE xr_user;
SELECT xprobe('SELECT count(*)::text FROM (SELECT * FROM xcc2) s');
SELECT xprobe('SELECT count(*)::text FROM (SELECT * FROM xcc2) s');
RESET ROLE;
ALTER TABLE xcc2 DROP COLUMN extra;
SET ROLE xr_user;
SELECT xprobe('SELECT count(*)::text FROM (SELECT * FROM xcc2) s');
RESET ROLE;
CREATE TABLE xcfg (k int, v int);
SELECT cache_watch('xcfg');
INSERT INTO xcfg VALUES (1, 5);
CREATE FUNCTION xlk(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT v FROM xcfg WHERE k = $1';
SELECT xprobe('SELECT xlk(1)::text');
SELECT xprobe('SELECT xlk(1)::text');
CREATE OR REPLACE FUNCTION xlk(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT 99';
DROP TABLE xcfg;
SELECT xprobe('SELECT xlk(1)::text');
-- a column checked inside a function folded at plan time (the entry does
-- not depend on its table: the function claims IMMUTABLE)
CREATE TABLE xcc3 (id int, pub text, extra text);
INSERT INTO xcc3 VALUES (1, 'p', 'e');
GRANT SELECT (id, pub, extra) ON xcc3 TO xr_user;
CREATE FUNCTION xcnt3() RETURNS bigint IMMUTABLE LANGUAGE sql AS 'SELECT count(*) FROM (SELECT * FROM xcc3) s';
SET ROLE xr_user;
SELECT xprobe('SELECT xcnt3()::text');
SELECT xprobe('SELECT xcnt3()::text');
RESET ROLE;
ALTER TABLE xcc3 DROP COLUMN extra;
SET ROLE xr_user;
SELECT xprobe('SELECT xcnt3()::text');
RESET ROLE;

-- 2. Under-checks: what a direct query refuses, a hit refuses.
-- (a) USAGE on the schema of a function, a type and an operator the query names
CREATE SCHEMA xfs;
CREATE FUNCTION xfs.label(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'label ' || $1 $$;
CREATE DOMAIN xfs.small AS int CHECK (VALUE < 100);
CREATE FUNCTION xfs.cmp(int, int) RETURNS bool IMMUTABLE LANGUAGE sql AS 'SELECT $1 = $2';
CREATE OPERATOR xfs.=== (leftarg = int, rightarg = int, function = xfs.cmp);
GRANT USAGE ON SCHEMA xfs TO PUBLIC;
SET ROLE xr_user;
SELECT xprobe('SELECT xfs.label(1)');
SELECT xprobe('SELECT xfs.label(1)');
SELECT xprobe('SELECT (5::xfs.small)::text');
SELECT xprobe('SELECT (5::xfs.small)::text');
SELECT xprobe('SELECT (1 OPERATOR(xfs.===) 1)::text');
SELECT xprobe('SELECT (1 OPERATOR(xfs.===) 1)::text');
RESET ROLE;
REVOKE USAGE ON SCHEMA xfs FROM PUBLIC;
SET ROLE xr_user;
SELECT xfs.label(1);
SELECT xprobe('SELECT xfs.label(1)');
SELECT (5::xfs.small)::text;
SELECT xprobe('SELECT (5::xfs.small)::text');
SELECT (1 OPERATOR(xfs.===) 1)::text;
SELECT xprobe('SELECT (1 OPERATOR(xfs.===) 1)::text');
RESET ROLE;

-- (a2) checks PostgreSQL makes inside what the query calls: a domain's
-- CHECK function, the equality of every grouping set, an aggregate's
-- support function (as the aggregate's owner), a function called by a
-- function body, a function inlined inside a function body
CREATE FUNCTION xchk(int) RETURNS bool IMMUTABLE LANGUAGE plpgsql AS 'BEGIN RETURN $1 > 0; END';
CREATE DOMAIN xposint AS int CHECK (xchk(VALUE));
CREATE TABLE xgs (a text, b text);
SELECT cache_watch('xgs');
INSERT INTO xgs VALUES ('x', 'y'), ('x', 'z');
GRANT SELECT ON xgs TO xr_user;
CREATE ROLE xr_aggowner;
CREATE FUNCTION xadd2(int, int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 + $2';
REVOKE EXECUTE ON FUNCTION xadd2(int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xadd2(int, int) TO xr_aggowner;
GRANT CREATE ON SCHEMA public TO xr_aggowner;
SET ROLE xr_aggowner;
CREATE AGGREGATE xsum2(int) (sfunc = xadd2, stype = int, initcond = '0');
RESET ROLE;
CREATE FUNCTION xg13(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 * 3';
CREATE FUNCTION xf13(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS 'BEGIN RETURN xg13($1); END';
CREATE FUNCTION xh13(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS 'BEGIN RETURN xchk($1)::int; END';
SET ROLE xr_user;
SELECT xprobe('SELECT (5::xposint)::text');
SELECT xprobe('SELECT string_agg(coalesce(a, ''-'') || coalesce(b, ''-''), '','' ORDER BY 1) FROM (SELECT a, b FROM xgs GROUP BY GROUPING SETS ((a), (b))) s');
SELECT xprobe('SELECT xsum2(n)::text FROM xnums');
SELECT xprobe('SELECT string_agg(xf13(n)::text, '','' ORDER BY n) FROM xnums');
SELECT xprobe('SELECT string_agg(xh13(n)::text, '','' ORDER BY n) FROM xnums');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION xchk(int) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION texteq(text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION xadd2(int, int) FROM xr_aggowner;
REVOKE EXECUTE ON FUNCTION xg13(int) FROM PUBLIC;
SET ROLE xr_user;
SELECT (5::xposint)::text;
SELECT xprobe('SELECT (5::xposint)::text');
SELECT xprobe('SELECT string_agg(coalesce(a, ''-'') || coalesce(b, ''-''), '','' ORDER BY 1) FROM (SELECT a, b FROM xgs GROUP BY GROUPING SETS ((a), (b))) s');
SELECT xsum2(n) FROM xnums;
SELECT xprobe('SELECT xsum2(n)::text FROM xnums');
SELECT xf13(1);
SELECT xprobe('SELECT string_agg(xf13(n)::text, '','' ORDER BY n) FROM xnums');
SELECT xh13(1);
SELECT xprobe('SELECT string_agg(xh13(n)::text, '','' ORDER BY n) FROM xnums');
RESET ROLE;
GRANT EXECUTE ON FUNCTION texteq(text, text) TO PUBLIC;

-- (a3) a schema named inside a function body (loaded in a session that had
-- not run the function yet: see README for one that had)
CREATE SCHEMA xs6;
CREATE TABLE xs6.t6 (a int);
SELECT cache_watch('xs6.t6');
INSERT INTO xs6.t6 VALUES (1), (2), (3);
GRANT USAGE ON SCHEMA xs6 TO xr_user;
GRANT SELECT ON xs6.t6 TO xr_user;
CREATE FUNCTION xcnt6() RETURNS bigint STABLE LANGUAGE plpgsql AS 'BEGIN RETURN (SELECT count(*) FROM xs6.t6); END';
\c -
SET ROLE xr_user;
SET cachepg.depends_on = 'xs6.t6';
SELECT xprobe('SELECT xcnt6()::text');
SELECT xprobe('SELECT xcnt6()::text');
RESET ROLE;
REVOKE USAGE ON SCHEMA xs6 FROM xr_user;
\c -
SET ROLE xr_user;
SELECT xcnt6();
SET cachepg.depends_on = 'xs6.t6';
SELECT xprobe('SELECT xcnt6()::text');
RESET cachepg.depends_on;
RESET ROLE;

-- (a4) a cached call inside a function: its checks count for the outer entry
CREATE SCHEMA xs9;
CREATE TABLE xs9.t9 (a int);
SELECT cache_watch('xs9.t9');
INSERT INTO xs9.t9 VALUES (9);
GRANT USAGE ON SCHEMA xs9 TO xr_user;
GRANT SELECT ON xs9.t9 TO xr_user;
CREATE FUNCTION xinner9() RETURNS int STABLE LANGUAGE plpgsql AS $$
BEGIN RETURN (SELECT a FROM cache_get_or_run('SELECT a FROM xs9.t9', 0) AS c(a int)); END $$;
SET ROLE xr_user;
SET cachepg.depends_on = 'xs9.t9';
SELECT xprobe('SELECT xinner9()::text');
SELECT xprobe('SELECT xinner9()::text');
RESET ROLE;
REVOKE USAGE ON SCHEMA xs9 FROM xr_user;
SET ROLE xr_user;
SELECT xinner9();
SELECT xprobe('SELECT xinner9()::text');
RESET cachepg.depends_on;
RESET ROLE;

-- (a5) a function inlined inside an inlined function, and inside an
-- inlined set-returning function
CREATE FUNCTION xf2(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 * 2';
CREATE FUNCTION xf1(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT xf2($1) + 1';
CREATE FUNCTION xg2(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 * 3';
CREATE FUNCTION xgsrf() RETURNS SETOF int STABLE LANGUAGE sql AS 'SELECT xg2(n) FROM xnums';
SET ROLE xr_user;
SELECT xprobe('SELECT string_agg(xf1(n)::text, '','' ORDER BY n) FROM xnums');
SELECT xprobe('SELECT string_agg(xf1(n)::text, '','' ORDER BY n) FROM xnums');
SELECT xprobe('SELECT string_agg(x::text, '','' ORDER BY x) FROM xgsrf() x');
SELECT xprobe('SELECT string_agg(x::text, '','' ORDER BY x) FROM xgsrf() x');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION xf2(int) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION xg2(int) FROM PUBLIC;
SET ROLE xr_user;
SELECT xf1(1);
SELECT xprobe('SELECT string_agg(xf1(n)::text, '','' ORDER BY n) FROM xnums');
SELECT xprobe('SELECT string_agg(x::text, '','' ORDER BY x) FROM xgsrf() x');
RESET ROLE;

-- (a6) a SECURITY DEFINER function's checks are its owner's, also when a
-- cached call inside another function serves them; an aggregate inside a
-- function body is checked as its owner, a direct call there as the caller
CREATE ROLE xr_definer;
CREATE FUNCTION xg7() RETURNS int IMMUTABLE LANGUAGE plpgsql AS 'BEGIN RETURN 42; END';
REVOKE EXECUTE ON FUNCTION xg7() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xg7() TO xr_definer;
CREATE FUNCTION xsd() RETURNS int STABLE SECURITY DEFINER LANGUAGE plpgsql AS 'BEGIN RETURN xg7(); END';
ALTER FUNCTION xsd() OWNER TO xr_definer;
CREATE FUNCTION xw() RETURNS int STABLE LANGUAGE plpgsql AS $$
BEGIN RETURN (SELECT v FROM cache_get_or_run('SELECT xsd() AS v', 0) AS c(v int)); END $$;
CREATE FUNCTION xaggbody() RETURNS int STABLE LANGUAGE plpgsql AS 'BEGIN RETURN (SELECT xsum(n) FROM xnums); END';
CREATE FUNCTION xaddbody() RETURNS int STABLE LANGUAGE plpgsql AS 'BEGIN RETURN (SELECT xadd(n, 1) FROM xnums WHERE n = 1); END';
GRANT EXECUTE ON FUNCTION xadd(int, int) TO xr_user;
GRANT EXECUTE ON FUNCTION xsum(int) TO xr_user;
SET ROLE xr_user;
SET cachepg.depends_on = 'xnums';
SELECT * FROM cache_get_or_run('SELECT xsd() AS v', 0) AS c(v int);
SELECT * FROM cache_get_or_run('SELECT xw() AS v', 0) AS c(v int);
SELECT * FROM cache_get_or_run('SELECT xw() AS v', 0) AS c(v int);
SELECT * FROM cache_get_or_run('SELECT xaggbody() AS v', 0) AS c(v int);
SELECT * FROM cache_get_or_run('SELECT xaggbody() AS v', 0) AS c(v int);
SELECT * FROM cache_get_or_run('SELECT xaddbody() AS v', 0) AS c(v int);
SELECT * FROM cache_get_or_run('SELECT xaddbody() AS v', 0) AS c(v int);
RESET ROLE;
SELECT query, hits FROM cache_entries
 WHERE query IN ('SELECT xw() AS v', 'SELECT xaggbody() AS v', 'SELECT xaddbody() AS v') ORDER BY query;
REVOKE EXECUTE ON FUNCTION xg7() FROM xr_definer;
REVOKE EXECUTE ON FUNCTION xadd(int, int) FROM xr_user;
SET ROLE xr_user;
SELECT xw();
SELECT * FROM cache_get_or_run('SELECT xw() AS v', 0) AS c(v int);
SELECT xaddbody();
SELECT * FROM cache_get_or_run('SELECT xaddbody() AS v', 0) AS c(v int);
SELECT xaggbody();
SELECT * FROM cache_get_or_run('SELECT xaggbody() AS v', 0) AS c(v int);
SELECT * FROM cache_get_or_run('SELECT xaggbody() AS v', 0) AS c(v int);
RESET cachepg.depends_on;
RESET ROLE;
SELECT hits FROM cache_entries WHERE query = 'SELECT xaggbody() AS v';

-- (a7) a function's own SET search_path resolves its names: USAGE on that
-- path's schemas counts
CREATE SCHEMA xs3;
CREATE TABLE xs3.t3 (a int);
SELECT cache_watch('xs3.t3');
INSERT INTO xs3.t3 VALUES (1);
GRANT USAGE ON SCHEMA xs3 TO xr_user;
GRANT SELECT ON xs3.t3 TO xr_user;
CREATE FUNCTION xc3() RETURNS bigint STABLE LANGUAGE plpgsql SET search_path = xs3
  AS 'BEGIN RETURN (SELECT count(*) FROM t3); END';
SET ROLE xr_user;
SET cachepg.depends_on = 'xs3.t3';
SELECT xprobe('SELECT xc3()::text');
SELECT xprobe('SELECT xc3()::text');
RESET ROLE;
REVOKE USAGE ON SCHEMA xs3 FROM xr_user;
SET ROLE xr_user;
SELECT xc3();
SELECT xprobe('SELECT xc3()::text');
RESET cachepg.depends_on;
RESET ROLE;

-- (a8) a nested call that does not use the cache still counts for the
-- outer entry; ALTER ROLE ... NOINHERIT and REVOKE SET ON PARAMETER count
CREATE TABLE xt8 (g int);
SELECT cache_watch('xt8');
INSERT INTO xt8 VALUES (8);
CREATE FUNCTION xinner_off() RETURNS int STABLE LANGUAGE plpgsql SET cachepg.enabled = off AS $$
BEGIN RETURN (SELECT g FROM cache_get_or_run('SELECT g FROM xt8', 0) AS c(g int)); END $$;
GRANT SELECT ON xt8 TO xr_user;
CREATE ROLE xr_g2;
CREATE SCHEMA xs2;
GRANT USAGE ON SCHEMA xs2 TO xr_g2;
GRANT xr_g2 TO xr_user;
CREATE TABLE xs2.t2 (a int);
SELECT cache_watch('xs2.t2');
INSERT INTO xs2.t2 VALUES (42);
GRANT SELECT ON xs2.t2 TO xr_user;
CREATE FUNCTION xf2b() RETURNS int STABLE LANGUAGE plpgsql AS 'BEGIN RETURN (SELECT a FROM xs2.t2); END';
GRANT SET ON PARAMETER log_statement_stats TO xr_user;
CREATE FUNCTION xf3b() RETURNS int STABLE LANGUAGE plpgsql SET log_statement_stats = off
  AS 'BEGIN RETURN (SELECT count(*) FROM xnums); END';
SET ROLE xr_user;
SET cachepg.depends_on = 'xt8, xs2.t2, xnums';
SELECT xprobe('SELECT xinner_off()::text');
SELECT xprobe('SELECT xinner_off()::text');
SELECT xprobe('SELECT xf2b()::text');
SELECT xprobe('SELECT xf2b()::text');
SELECT xprobe('SELECT xf3b()::text');
SELECT xprobe('SELECT xf3b()::text');
RESET ROLE;
REVOKE SELECT ON xt8 FROM xr_user;
ALTER ROLE xr_user NOINHERIT;
REVOKE SET ON PARAMETER log_statement_stats FROM xr_user;
SET ROLE xr_user;
SELECT xinner_off();
SELECT xprobe('SELECT xinner_off()::text');
SELECT xf2b();
SELECT xprobe('SELECT xf2b()::text');
SELECT xf3b();
SELECT xprobe('SELECT xf3b()::text');
RESET cachepg.depends_on;
RESET ROLE;
ALTER ROLE xr_user INHERIT;

-- (b) a name resolved through search_path: the key holds the path, which
-- lists only schemas the role may use
CREATE SCHEMA xfs2;
CREATE FUNCTION xfs2.lbl2(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'l2 ' || $1 $$;
GRANT USAGE ON SCHEMA xfs2 TO PUBLIC;
SET ROLE xr_user;
SET search_path = xfs2, public;
SELECT xprobe('SELECT lbl2(1)');
SELECT xprobe('SELECT lbl2(1)');
RESET ROLE;
REVOKE USAGE ON SCHEMA xfs2 FROM PUBLIC;
SET ROLE xr_user;
SELECT lbl2(1);
SELECT xprobe('SELECT lbl2(1)');
RESET ROLE;
RESET search_path;

-- (c) role membership revoked
CREATE TABLE xgrp (g int);
SELECT cache_watch('xgrp');
INSERT INTO xgrp VALUES (42);
GRANT SELECT ON xgrp TO xr_group;
GRANT xr_group TO xr_user;
SET ROLE xr_user;
SELECT xprobe('SELECT g::text FROM xgrp');
SELECT xprobe('SELECT g::text FROM xgrp');
RESET ROLE;
REVOKE xr_group FROM xr_user;
SET ROLE xr_user;
SELECT g FROM xgrp;
SELECT xprobe('SELECT g::text FROM xgrp');
RESET ROLE;

-- (d) column privileges
CREATE TABLE xcols (id int, pub text, priv text);
SELECT cache_watch('xcols');
INSERT INTO xcols VALUES (1, 'p', 's');
GRANT SELECT (id, pub) ON xcols TO xr_user;
SET ROLE xr_user;
SELECT xprobe('SELECT pub FROM xcols');
SELECT xprobe('SELECT pub FROM xcols');
SELECT xprobe('SELECT priv FROM xcols');
RESET ROLE;
REVOKE SELECT (pub) ON xcols FROM xr_user;
SET ROLE xr_user;
SELECT xprobe('SELECT pub FROM xcols');
RESET ROLE;

-- 3. Changes that must invalidate.
-- (a) ALTER TYPE ADD / DROP ATTRIBUTE of a composite type in a result
CREATE TYPE xpair AS (a int, b int);
SELECT cache_get_or_run_jsonb('SELECT ROW(1, 2)::xpair AS p', 0);
SELECT cache_get_or_run_jsonb('SELECT (x).* FROM (SELECT ROW(1, 2)::xpair AS x) s', 0);
SELECT cache_get_or_run_jsonb('SELECT ROW(1, 2)::xpair AS p', 0);
SELECT cache_get_or_run_jsonb('SELECT (x).* FROM (SELECT ROW(1, 2)::xpair AS x) s', 0);
ALTER TYPE xpair ADD ATTRIBUTE c int;
SELECT cache_get_or_run_jsonb('SELECT ROW(1, 2)::xpair AS p', 0);
SELECT cache_get_or_run_jsonb('SELECT (x).* FROM (SELECT ROW(1, 2)::xpair AS x) s', 0);
ALTER TYPE xpair DROP ATTRIBUTE b;
SELECT cache_get_or_run_jsonb('SELECT ROW(1, 2)::xpair AS p', 0);
SELECT cache_get_or_run_jsonb('SELECT (x).* FROM (SELECT ROW(1, 2)::xpair AS x) s', 0);
-- a nested composite, and one stored in a table column
CREATE TYPE xinner AS (u int);
CREATE TYPE xouter AS (i xinner);
CREATE TABLE xcomp (o xouter);
SELECT cache_watch('xcomp');
INSERT INTO xcomp VALUES (ROW(ROW(7)));
SELECT cache_get_or_run_jsonb('SELECT o FROM xcomp', 0);
SELECT cache_get_or_run_jsonb('SELECT o FROM xcomp', 0);
ALTER TYPE xinner ADD ATTRIBUTE w int CASCADE;
SELECT cache_get_or_run_jsonb('SELECT o FROM xcomp', 0);
SELECT * FROM cache_get_or_run('SELECT (o).i FROM xcomp', 0) AS t(i xinner);
ALTER TYPE xinner DROP ATTRIBUTE w CASCADE;
SELECT * FROM cache_get_or_run('SELECT (o).i FROM xcomp', 0) AS t(i xinner);

-- a table created OF a composite type, altered through the type
CREATE TYPE xct AS (x int, y int);
CREATE TABLE xtt OF xct;
SELECT cache_watch('xtt');
INSERT INTO xtt VALUES (1, 2);
SELECT cache_get_or_run_jsonb('SELECT * FROM xtt', 0);
SELECT cache_get_or_run_jsonb('SELECT * FROM xtt', 0);
ALTER TYPE xct ADD ATTRIBUTE z int CASCADE;
SELECT cache_get_or_run_jsonb('SELECT * FROM xtt', 0);

-- (b) ALTER TABLE ... INHERIT / NO INHERIT
CREATE TABLE xparent (id int);
CREATE TABLE xchild (id int);
SELECT cache_watch('xparent'), cache_watch('xchild');
INSERT INTO xparent VALUES (1);
INSERT INTO xchild VALUES (2), (3);
SELECT xprobe('SELECT count(*)::text FROM xparent');
SELECT xprobe('SELECT count(*)::text FROM xparent');
ALTER TABLE xchild INHERIT xparent;
SELECT xprobe('SELECT count(*)::text FROM xparent');
SELECT xprobe('SELECT count(*)::text FROM xparent');
ALTER TABLE xchild NO INHERIT xparent;
SELECT xprobe('SELECT count(*)::text FROM xparent');

-- (c) a time literal folded inside an inlined SQL function (and one level down)
CREATE FUNCTION xstamp() RETURNS timestamptz STABLE LANGUAGE sql AS $$ SELECT 'now'::timestamptz $$;
CREATE FUNCTION xstamp2() RETURNS timestamptz STABLE LANGUAGE sql AS $$ SELECT xstamp() $$;
CREATE FUNCTION xday() RETURNS date IMMUTABLE LANGUAGE sql AS $$ SELECT 'today'::date $$;
SELECT xprobe('SELECT (xstamp() IS NOT NULL)::text');
SELECT xprobe('SELECT (xstamp2() IS NOT NULL)::text');
SELECT xprobe('SELECT (xday() IS NOT NULL)::text');
SELECT * FROM cache_get_or_run('SELECT xstamp() IS NOT NULL', 60) AS t(b bool);
SELECT * FROM cache_get_or_run('SELECT xstamp() IS NOT NULL', 60) AS t(b bool);

-- called by a quoted name, and from a BEGIN ATOMIC body
CREATE FUNCTION "QuotedStamp"() RETURNS timestamptz STABLE LANGUAGE sql AS $$ SELECT 'now'::timestamptz $$;
CREATE FUNCTION xwrap() RETURNS timestamptz STABLE LANGUAGE sql AS $$ SELECT "QuotedStamp"() $$;
CREATE FUNCTION xatomic() RETURNS timestamptz STABLE LANGUAGE sql BEGIN ATOMIC SELECT xstamp(); END;
SELECT xprobe('SELECT (xwrap() IS NOT NULL)::text');
SELECT xprobe('SELECT (xatomic() IS NOT NULL)::text');

-- (d) functions whose inputs the key does not hold
CREATE TABLE xrls (id int);
SELECT cache_watch('xrls');
SELECT xprobe('SELECT row_security_active(''xrls'')::text');
SELECT xprobe('SELECT pg_catalog."session_user"()::text');
SELECT xprobe('SELECT ''xrls''::text::regclass::text');
SELECT xprobe('SELECT (mxid_age(''1''::xid) >= 0)::text');
ALTER TABLE xrls ENABLE ROW LEVEL SECURITY;
SELECT xprobe('SELECT row_security_active(''xrls'')::text');

-- 5. Messages and memory.
-- (a) sequences cannot be watched: say so, promise nothing
CREATE SEQUENCE xseq;
SELECT xprobe('SELECT last_value::text FROM xseq');
SELECT xprobe('SELECT last_value::text FROM xseq');
SELECT cache_watch('xseq');
-- (b) the jsonb form's own alias never collides with a user column
SELECT cache_get_or_run_jsonb('SELECT 1 AS q', 0);
SELECT cache_get_or_run_jsonb('SELECT 1 AS q', 0);
SELECT cache_get_or_run_jsonb('SELECT q FROM (SELECT 2 AS q) q', 0);
SELECT cache_get_or_run_jsonb('SELECT 3 AS jsonb_agg, 4 AS to_jsonb, 5 AS "coalesce"', 0);
SELECT cache_get_or_run_jsonb('SELECT x AS q, x AS "q.*" FROM (VALUES (6)) v(x)', 0);

-- 6. Temporary objects move no shared generation and take no table slot.
SELECT xprobe('SELECT count(*)::text FROM xparent');
SELECT xprobe('SELECT count(*)::text FROM xparent');
SELECT generation AS g0 FROM cache_tables WHERE relation IS NULL \gset
SELECT count(*) AS slots0 FROM cache_tables \gset
CREATE TEMP TABLE xtref (n int PRIMARY KEY);
CREATE TEMP TABLE xtmp (id serial PRIMARY KEY, n int REFERENCES xtref (n));
ALTER TABLE xtmp ADD COLUMN extra int;
CREATE TEMP VIEW xtview AS SELECT id FROM xtmp;
CREATE VIEW xtview2 AS SELECT id FROM xtmp;
CREATE RULE xtrule AS ON INSERT TO xtview2 DO INSTEAD NOTHING;
CREATE TEMP SEQUENCE xtseq;
ALTER TABLE xtmp RENAME COLUMN extra TO extra2;
ALTER TABLE xtmp RENAME TO xtmp2;
CREATE INDEX ON xtmp2 (extra2);
CREATE FUNCTION pg_temp.xtf() RETURNS int LANGUAGE sql AS 'SELECT 1';
DROP FUNCTION pg_temp.xtf();
DROP VIEW xtview, xtview2;
DROP TABLE xtmp2, xtref;
DROP SEQUENCE xtseq;
-- a temporary child of a watched table (this session no longer uses the cache)
CREATE TEMP TABLE xtchild () INHERITS (xparent);
INSERT INTO xtchild VALUES (9);
SELECT xprobe('SELECT count(*)::text FROM xparent');
ALTER TABLE xtchild NO INHERIT xparent;
ALTER TABLE xtchild INHERIT xparent;
DROP TABLE xtchild;
SELECT generation = :g0 AS global_unmoved FROM cache_tables WHERE relation IS NULL;
SELECT count(*) = :slots0 AS no_new_slots FROM cache_tables;
-- and other sessions keep their entries
\c -
SELECT xprobe('SELECT count(*)::text FROM xparent');

