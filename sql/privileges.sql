-- Privileges: a hit re-checks them (REVOKE counts at once), admin functions
-- need cachepg_admin, other roles' query texts are hidden.
SELECT cache_clear() >= 0 AS cleared;
CREATE TABLE secret (id int, pub text, priv text);
SELECT cache_watch('secret');
INSERT INTO secret VALUES (1, 'public', 'private');
CREATE ROLE alice;
CREATE ROLE mallory;
GRANT SELECT ON secret TO alice;
CREATE FUNCTION twice(int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT $1 * 2 $$;

SET ROLE alice;
SELECT * FROM cache_get_or_run('SELECT id, pub FROM secret', 0) AS t(id int, pub text);
SELECT * FROM cache_get_or_run('SELECT twice(id) FROM secret', 0) AS t(x int);
SELECT * FROM cache_get_or_run('SELECT id, pub FROM secret', 0) AS t(id int, pub text);
RESET ROLE;
SELECT hits, misses FROM cache_stats() \gset before_
-- REVOKE: the next hit fails as a direct query would
REVOKE SELECT ON secret FROM alice;
SET ROLE alice;
SELECT * FROM cache_get_or_run('SELECT id, pub FROM secret', 0) AS t(id int, pub text);
RESET ROLE;
-- column privileges are checked per column
GRANT SELECT (id, pub) ON secret TO alice;
SET ROLE alice;
SELECT * FROM cache_get_or_run('SELECT id, pub FROM secret', 0) AS t(id int, pub text);
SELECT * FROM cache_get_or_run('SELECT id, priv FROM secret', 0) AS t(id int, priv text);
RESET ROLE;
-- EXECUTE on functions the query calls
REVOKE EXECUTE ON FUNCTION twice(int) FROM PUBLIC;
SET ROLE alice;
SELECT * FROM cache_get_or_run('SELECT twice(id) FROM secret', 0) AS t(x int);
RESET ROLE;
SELECT hits - :before_hits AS hits_since FROM cache_stats();
-- USAGE on the schema of a table the query names
CREATE SCHEMA hidden;
CREATE TABLE hidden.t (x int);
SELECT cache_watch('hidden.t');
INSERT INTO hidden.t VALUES (7);
GRANT USAGE ON SCHEMA hidden TO alice;
GRANT SELECT ON hidden.t TO alice;
SET ROLE alice;
SELECT * FROM cache_get_or_run('SELECT x FROM hidden.t', 0) AS t(x int);
RESET ROLE;
REVOKE USAGE ON SCHEMA hidden FROM alice;
SET ROLE alice;
SELECT * FROM cache_get_or_run('SELECT x FROM hidden.t', 0) AS t(x int);
RESET ROLE;
-- a dropped table makes its entries stale, never served
CREATE TABLE dropme (a int);
SELECT cache_watch('dropme');
INSERT INTO dropme VALUES (1);
SELECT * FROM cache_get_or_run('SELECT a FROM dropme', 0) AS t(a int);
DROP TABLE dropme;
SELECT * FROM cache_get_or_run('SELECT a FROM dropme', 0) AS t(a int);
CREATE TABLE dropme (a int);
SELECT cache_watch('dropme');
INSERT INTO dropme VALUES (2);
SELECT * FROM cache_get_or_run('SELECT a FROM dropme', 0) AS t(a int);

-- another role's query text is hidden; superusers and pg_read_all_stats see it
SET ROLE mallory;
SELECT role, query FROM cache_entries WHERE role::text = 'alice' ORDER BY query;
RESET ROLE;
GRANT pg_read_all_stats TO mallory;
SET ROLE mallory;
SELECT role, query FROM cache_entries WHERE role::text = 'alice' ORDER BY query;
RESET ROLE;

-- admin functions: not for PUBLIC, granted to cachepg_admin
SET ROLE mallory;
SELECT cache_clear();
SELECT cache_invalidate('SELECT id, pub FROM secret');
SELECT cache_stats_reset();
SELECT count(*) >= 0 AS stats_readable FROM cache_stats();
RESET ROLE;
GRANT cachepg_admin TO mallory;
SET ROLE mallory;
SELECT cache_invalidate('SELECT id, pub FROM secret');
SELECT cache_stats_reset();
RESET ROLE;

-- cache_invalidate: by text (every role, setting and parameter value), or by text and parameters
SELECT cache_clear() >= 0 AS cleared;
SELECT * FROM cache_get_or_run('SELECT $1::int AS v', 0, 1) AS t(v int);
SELECT * FROM cache_get_or_run('SELECT $1::int AS v', 0, 2) AS t(v int);
SET TimeZone = 'UTC';
SELECT * FROM cache_get_or_run('SELECT $1::int AS v', 0, 2) AS t(v int);
RESET TimeZone;
SELECT count(*) FROM cache_entries WHERE query = 'SELECT $1::int AS v';
SELECT cache_invalidate('SELECT $1::int AS v', 2);
SELECT count(*) FROM cache_entries WHERE query = 'SELECT $1::int AS v';
SELECT cache_invalidate('SELECT $1::int AS v');
SELECT count(*) FROM cache_entries WHERE query = 'SELECT $1::int AS v';
SELECT cache_invalidate('SELECT nothing');
SELECT * FROM cache_get_or_run('SELECT 5 AS v', 0) AS t(v int);
SELECT cache_clear();
SELECT entries FROM cache_stats();
