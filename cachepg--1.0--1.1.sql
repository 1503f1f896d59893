/* cachepg--1.0--1.1.sql: automatic invalidation (triggers, DDL, watch state) */

\echo Use "ALTER EXTENSION cachepg UPDATE TO '1.1'" to load this file. \quit

-- cache_stats() gains the reasons results were not stored.
DROP FUNCTION cache_stats();
CREATE FUNCTION cache_stats(
    OUT hits bigint,
    OUT misses bigint,
    OUT hit_ratio float8,
    OUT stores bigint,
    OUT evictions bigint,
    OUT expirations bigint,
    OUT uncacheable bigint,
    OUT too_large bigint,
    OUT store_failures bigint,
    OUT invalidations bigint,
    OUT bypassed bigint,
    OUT not_watched bigint,
    OUT write_conflicts bigint,
    OUT standby bigint,
    OUT watch_requests_done bigint,
    OUT watch_requests_failed bigint,
    OUT entries bigint,
    OUT max_entries bigint,
    OUT bytes bigint,
    OUT arena_bytes bigint,
    OUT memory_bytes bigint,
    OUT stats_reset timestamptz)
RETURNS record
AS 'MODULE_PATHNAME', 'cachepg_stats'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION cache_stats() IS
  'Cache counters (hits, misses, stores, evictions, why results were not stored, ...) and memory use';

-- The trigger function cache_watch() installs on watched tables.
CREATE FUNCTION cache_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'cachepg_trigger'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION cache_watch(tbl regclass)
RETURNS integer
AS 'MODULE_PATHNAME', 'cachepg_watch'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

CREATE FUNCTION cache_unwatch(tbl regclass)
RETURNS integer
AS 'MODULE_PATHNAME', 'cachepg_unwatch'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

CREATE FUNCTION cache_invalidate_table(tbl regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'cachepg_invalidate_table'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

CREATE FUNCTION cache_tables_internal(
    OUT relid oid,
    OUT generation bigint,
    OUT writers integer,
    OUT last_writer_xid bigint,
    OUT watched boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cachepg_tables'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

CREATE VIEW cache_tables AS
    SELECT t.relid::regclass AS relation, t.generation, t.writers,
           t.last_writer_xid, t.watched
      FROM cache_tables_internal() t;

COMMENT ON FUNCTION cache_trigger() IS
  'Trigger function of watched tables: marks the table written (installed by cache_watch)';
COMMENT ON FUNCTION cache_watch(regclass) IS
  'Install cachepg''s triggers on a table and its partitions or children (owner only); returns how many relations changed';
COMMENT ON FUNCTION cache_unwatch(regclass) IS
  'Drop cachepg''s triggers from a table and its partitions or children (owner only); its results are no longer stored';
COMMENT ON FUNCTION cache_invalidate_table(regclass) IS
  'Make every entry that depends on this table stale';
COMMENT ON FUNCTION cache_tables_internal() IS
  'Rows of the cache_tables view';
COMMENT ON VIEW cache_tables IS
  'Tables of this database whose writes cachepg tracks (the row with a NULL relation is the global epoch)';

REVOKE ALL ON FUNCTION cache_invalidate_table(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cache_invalidate_table(regclass) TO cachepg_admin;
GRANT SELECT ON cache_tables TO PUBLIC;
