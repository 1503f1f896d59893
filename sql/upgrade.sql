-- An installation of an older version keeps working with this library, and
-- ALTER EXTENSION ... UPDATE brings it to the current version.
\set regress_db :DBNAME
CREATE DATABASE cachepg_upgrade;
\c cachepg_upgrade
-- each version's cache_stats() gets its own columns right (this instance:
-- 8MB, 2048 entries)
CREATE EXTENSION cachepg VERSION '1.0';
SELECT max_entries, memory_bytes, stats_reset <= now() AS reset_in_past, bypassed >= 0 AS ok
  FROM cache_stats();
ALTER EXTENSION cachepg UPDATE TO '1.1';
SELECT max_entries, memory_bytes, stats_reset <= now() AS reset_in_past, standby >= 0 AS ok
  FROM cache_stats();
ALTER EXTENSION cachepg UPDATE TO '1.2';
SELECT max_entries, memory_bytes, stats_reset <= now() AS reset_in_past,
       not_admitted >= 0 AS ok, metadata_bytes > 0 AS ok
  FROM cache_stats();
-- a table watched by 1.2 (a BEFORE row trigger for the replica role)
CREATE TABLE up_t (id int PRIMARY KEY, v int);
INSERT INTO up_t SELECT g, g FROM generate_series(1, 10) g;
SELECT cache_watch('up_t');
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'up_t'::regclass ORDER BY 1;
ALTER EXTENSION cachepg UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'cachepg';
SELECT key_stores >= 0 AS ok, key_invalidations >= 0 AS ok, coalesced >= 0 AS ok FROM cache_stats();
-- still watched, table-level until cache_watch installs the row trigger
SELECT relation, watched, key_columns FROM cache_tables WHERE relation IS NOT NULL;
SELECT * FROM cache_get_or_run_as(NULL::up_t, 'SELECT * FROM up_t WHERE id = $1', 0, 3);
SELECT query, dependencies FROM cache_entries WHERE datname = current_database();
UPDATE up_t SET v = 30 WHERE id = 3;
SELECT * FROM cache_get_or_run_as(NULL::up_t, 'SELECT * FROM up_t WHERE id = $1', 0, 3);
SELECT cache_watch('up_t');
SELECT tgname, tgenabled, tgnargs FROM pg_trigger WHERE tgrelid = 'up_t'::regclass ORDER BY 1;
SELECT relation, watched, key_columns FROM cache_tables WHERE relation IS NOT NULL;
SELECT * FROM cache_get_or_run_as(NULL::up_t, 'SELECT * FROM up_t WHERE id = $1', 0, 3);
SELECT query, dependencies FROM cache_entries WHERE datname = current_database();
-- 1.6: table policies
SELECT cache_table_policy('up_t', 10);
SELECT relation, watched, policy_ttl FROM cache_tables WHERE relation IS NOT NULL;
SELECT id, v FROM up_t WHERE id = 3;
SELECT query, form FROM cache_entries WHERE datname = current_database() ORDER BY 1;
\c :regress_db
DROP DATABASE cachepg_upgrade;
