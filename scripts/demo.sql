-- cachepg demo: a slow query, cached.
\pset footer off
CREATE EXTENSION cachepg;
CREATE TABLE users (id int PRIMARY KEY, name text, team text, active bool);
INSERT INTO users SELECT i, 'user' || i, CASE WHEN i % 3 = 0 THEN 'core' ELSE 'web' END, i % 2 = 0
  FROM generate_series(1, 200000) i;
ANALYZE users;
\echo '--- watch the table: triggers tell the cache about every write'
SELECT cache_watch('users');

\echo '--- first call: a miss, the query runs (an aggregate over 200k rows)'
\timing on
SELECT * FROM cache_get_or_run(
  'SELECT team, count(*) AS n, max(id) AS last FROM users WHERE active GROUP BY team ORDER BY team', 60)
  AS t(team text, n bigint, last int);
\echo '--- second call: a hit, served from shared memory'
SELECT * FROM cache_get_or_run(
  'SELECT team, count(*) AS n, max(id) AS last FROM users WHERE active GROUP BY team ORDER BY team', 60)
  AS t(team text, n bigint, last int);
\echo '--- typed rows with a parameter, and the jsonb form'
SELECT * FROM cache_get_or_run_as(NULL::users, 'SELECT * FROM users WHERE id = $1', 60, 42);
SELECT cache_get_or_run_jsonb('SELECT id, name FROM users WHERE team = $1 AND active = $2 ORDER BY id LIMIT 3',
                              300, 'core', true);
\echo '--- a write invalidates at once: the next call sees it'
UPDATE users SET active = true WHERE id = 199999;
SELECT * FROM cache_get_or_run(
  'SELECT team, count(*) AS n, max(id) AS last FROM users WHERE active GROUP BY team ORDER BY team', 60)
  AS t(team text, n bigint, last int);
\echo '--- by key: that write to row 199999 spared the entry of row 42 (a hit)'
SELECT * FROM cache_get_or_run_as(NULL::users, 'SELECT * FROM users WHERE id = $1', 60, 42);
\timing off
\echo '--- stats, entries and watched tables'
\x on
SELECT hits, misses, hit_ratio, stores, key_stores, key_invalidations, invalidations, uncacheable, entries, bytes, memory_bytes FROM cache_stats();
\x off
SELECT role, form, query, nparams, bytes, hits, dependencies FROM cache_entries ORDER BY created;
SELECT relation, watched, key_columns, hits, misses, stores, invalidations FROM cache_tables WHERE relation IS NOT NULL;
\echo '--- ask the cache: what would it do with a query, and why'
SELECT * FROM cache_explain('SELECT * FROM users WHERE id = $1', 42);
SELECT cacheable, reason FROM cache_explain('SELECT name, now() FROM users WHERE id = 7');
\echo '--- routine DDL keeps the cache: a migration that changes nothing, a new table'
CREATE TABLE IF NOT EXISTS users (id int);
CREATE TABLE audit_log (id bigserial PRIMARY KEY, what text);
SELECT stored FROM cache_explain('SELECT * FROM users WHERE id = $1', 42);
\echo '--- past its ttl: served stale at once while a background worker recomputes it'
SET cachepg.stale_while_revalidate = 30;
SELECT * FROM cache_get_or_run('SELECT count(*) FROM users WHERE active', 1) AS t(n bigint);
SELECT pg_sleep(1.2);
\timing on
SELECT * FROM cache_get_or_run('SELECT count(*) FROM users WHERE active', 1) AS t(n bigint);
\timing off
SELECT pg_sleep(0.5);
SELECT stale_hits, refreshes, coalesced FROM cache_stats();
\echo '--- no rewrite: a hint comment caches a plain SELECT (the second run is a hit)'
\timing on
/* cachepg: ttl=60 */ SELECT team, count(*) FROM users WHERE active GROUP BY team ORDER BY team;
/* cachepg: ttl=60 */ SELECT team, count(*) FROM users WHERE active GROUP BY team ORDER BY team;
\timing off
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) /* cachepg: ttl=60 */ SELECT team, count(*) FROM users WHERE active GROUP BY team ORDER BY team;
\echo '--- or a table policy: every SELECT reading only users is cached'
SELECT cache_table_policy('users', ttl => 300);
SELECT name FROM users WHERE id = 7;
SELECT name FROM users WHERE id = 7;
SELECT query, form, hits FROM cache_entries WHERE form = 'statement' ORDER BY created;
