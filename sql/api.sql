-- The SQL API: every form and call shape, ttl handling, miss then hit.
CREATE EXTENSION cachepg;
SELECT cache_stats_reset();
CREATE TABLE users (id int PRIMARY KEY, name text, team text, active bool);
SELECT cache_watch('users');
INSERT INTO users VALUES (1, 'ann', 'core', true), (2, 'bob', 'core', false),
                         (3, 'cid', 'web', true), (42, 'dee', 'core', true);

-- record form, 0, 1 and 3 parameters; each twice (miss, then hit)
SELECT * FROM cache_get_or_run('SELECT id, name FROM users WHERE active ORDER BY id', 60)
  AS u(id int, name text);
SELECT * FROM cache_get_or_run('SELECT id, name FROM users WHERE active ORDER BY id', 60)
  AS u(id int, name text);
SELECT * FROM cache_get_or_run('SELECT id, name FROM users WHERE id = $1', 60, 42)
  AS u(id int, name text);
SELECT * FROM cache_get_or_run('SELECT id, name FROM users WHERE id = $1', 60, 42)
  AS u(id int, name text);
SELECT * FROM cache_get_or_run('SELECT id FROM users WHERE team = $1 AND active = $2 AND id > $3 ORDER BY id',
                               60, 'core', true, 1) AS u(id int);
SELECT * FROM cache_get_or_run('SELECT id FROM users WHERE team = $1 AND active = $2 AND id > $3 ORDER BY id',
                               60, 'core', true, 1) AS u(id int);
SELECT hits, misses, stores FROM cache_stats();

-- typed form
SELECT * FROM cache_get_or_run_as(NULL::users, 'SELECT * FROM users ORDER BY id', 60);
SELECT * FROM cache_get_or_run_as(NULL::users, 'SELECT * FROM users ORDER BY id', 60);
SELECT * FROM cache_get_or_run_as(NULL::users, 'SELECT * FROM users WHERE id = $1', 60, 42);
SELECT * FROM cache_get_or_run_as(NULL::users, 'SELECT * FROM users WHERE id = $1', 60, 42);
SELECT * FROM cache_get_or_run_as(NULL::users, 'SELECT * FROM users WHERE team = $1 AND active = $2 AND id > $3',
                                  60, 'core', true, 1);
SELECT * FROM cache_get_or_run_as(NULL::users, 'SELECT * FROM users WHERE team = $1 AND active = $2 AND id > $3',
                                  60, 'core', true, 1);
-- a scalar type works too
SELECT * FROM cache_get_or_run_as(NULL::int, 'SELECT id FROM users ORDER BY id DESC', 60);
SELECT hits, misses, stores FROM cache_stats();

-- jsonb form, compared with the query it stands for
SELECT cache_get_or_run_jsonb('SELECT id, name FROM users ORDER BY id', 60);
SELECT cache_get_or_run_jsonb('SELECT id, name FROM users ORDER BY id', 60)
     = (SELECT coalesce(jsonb_agg(to_jsonb(q)), '[]') FROM (SELECT id, name FROM users ORDER BY id) q) AS same;
SELECT cache_get_or_run_jsonb('SELECT id, name FROM users WHERE id = $1', 60, 42);
SELECT cache_get_or_run_jsonb('SELECT id, name FROM users WHERE id = $1', 60, 42);
SELECT cache_get_or_run_jsonb('SELECT id FROM users WHERE team = $1 AND active = $2 AND id > $3', 60, 'core', true, 1);
SELECT cache_get_or_run_jsonb('SELECT id FROM users WHERE team = $1 AND active = $2 AND id > $3', 60, 'core', true, 1);
SELECT cache_get_or_run_jsonb('SELECT id FROM users WHERE false', 60);   -- empty: []
SELECT cache_get_or_run_jsonb('SELECT 1 AS a, 2 AS a', 60);              -- duplicate names
SELECT hits, misses, stores FROM cache_stats();

-- parameters are values, never spliced; NULL parameters work
SELECT * FROM cache_get_or_run('SELECT $1::text AS v', 60, 'x''; DROP TABLE users; --') AS t(v text);
SELECT * FROM cache_get_or_run('SELECT $1::int IS NULL AS is_null', 60, NULL::int) AS t(is_null bool);
-- untyped literals are text: compare with an int column needs a cast
SELECT * FROM cache_get_or_run('SELECT id FROM users WHERE id = $1', 60, '2') AS t(id int);
SELECT * FROM cache_get_or_run('SELECT id FROM users WHERE id = $1', 60, '2'::int) AS t(id int);
-- VARIADIC array form
SELECT * FROM cache_get_or_run('SELECT $1 + $2 AS s', 60, VARIADIC ARRAY[40, 2]) AS t(s int);
SELECT count(*) FROM users;

-- ttl: NULL is cachepg.default_ttl, 0 is no expiry, negative is an error
SET cachepg.default_ttl = 300;
SELECT * FROM cache_get_or_run('SELECT 1 AS one', NULL) AS t(one int);
SELECT * FROM cache_get_or_run('SELECT 2 AS two', 0) AS t(two int);
SELECT query, expires IS NULL AS never,
       round(extract(epoch FROM expires - created)) AS ttl
  FROM cache_entries WHERE query IN ('SELECT 1 AS one', 'SELECT 2 AS two') ORDER BY query;
SELECT * FROM cache_get_or_run('SELECT 1', -1) AS t(one int);
SELECT * FROM cache_get_or_run(NULL, 60) AS t(one int);

-- a column definition list that does not match: an error naming the column, miss and hit
SELECT * FROM cache_get_or_run('SELECT id, name FROM users WHERE active ORDER BY id', 60)
  AS u(id int, name int);
SELECT * FROM cache_get_or_run('SELECT id, name FROM users WHERE id = 1', 60)
  AS u(id int, name int);
SELECT * FROM cache_get_or_run('SELECT id, name FROM users WHERE id = 1', 60)
  AS u(id int);
SELECT * FROM cache_get_or_run('SELECT id FROM users WHERE id = 1', 60)
  AS u(id int, name text);
SELECT * FROM cache_get_or_run_as(NULL::users, 'SELECT id, name FROM users', 60);
-- the error leaves nothing behind: the same key works with the right list
SELECT * FROM cache_get_or_run('SELECT id, name FROM users WHERE id = 1', 60)
  AS u(id int, name text);

-- the overloads are all distinct and documented
SELECT p.oid::regprocedure AS function, p.provolatile, p.proparallel,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS has_comment
  FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'cachepg')
 ORDER BY p.oid::regprocedure::text;
