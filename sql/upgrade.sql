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
ALTER EXTENSION cachepg UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'cachepg';
SELECT max_entries, memory_bytes, stats_reset <= now() AS reset_in_past,
       not_admitted >= 0 AS ok, metadata_bytes > 0 AS ok
  FROM cache_stats();
\c :regress_db
DROP DATABASE cachepg_upgrade;
