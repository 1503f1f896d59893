/* cachepg--1.2--1.3.sql: key-level invalidation */

\echo Use "ALTER EXTENSION cachepg UPDATE TO '1.3'" to load this file. \quit

-- The row trigger's WHEN clause: counts the rows a transaction writes to a
-- table, past cachepg.max_keys has them count as unkeyed.
CREATE FUNCTION cache_row_wanted(tbl regclass)
RETURNS boolean
AS 'MODULE_PATHNAME', 'cachepg_row_wanted'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION cache_row_wanted(regclass) IS
  'WHEN clause of cachepg''s row trigger: whether the trigger still needs this row''s keys';

-- cache_watch() gains the key columns.
DROP FUNCTION cache_watch(regclass);
CREATE FUNCTION cache_watch(tbl regclass, keys text[] DEFAULT NULL)
RETURNS integer
AS 'MODULE_PATHNAME', 'cachepg_watch'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION cache_watch(regclass, text[]) IS
  'Install cachepg''s triggers on a table and its partitions or children (owner only), with these key columns (NULL: primary key, single-column unique and foreign keys; ''{}'': none); returns how many relations changed';

-- cache_stats() gains key_stores and key_invalidations.
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
    OUT stats_reset timestamptz,
    OUT not_admitted bigint,
    OUT metadata_bytes bigint,
    OUT key_stores bigint,
    OUT key_invalidations bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'cachepg_stats'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION cache_stats() IS
  'Cache counters (hits, misses, stores, evictions, why results were not stored, key-level stores and invalidations, ...) and memory use';

-- cache_entries shows each entry's dependencies and their granularity.
DROP VIEW cache_entries;
DROP FUNCTION cache_entries_internal();
CREATE FUNCTION cache_entries_internal(
    OUT dbid oid,
    OUT roleid oid,
    OUT form text,
    OUT query text,
    OUT nparams integer,
    OUT bytes bigint,
    OUT hits bigint,
    OUT created timestamptz,
    OUT expires timestamptz,
    OUT expired boolean,
    OUT dependencies text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cachepg_entries'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

CREATE VIEW cache_entries AS
    SELECT e.dbid, d.datname, e.roleid::regrole AS role, e.form, e.query,
           e.nparams, e.bytes, e.hits, e.created, e.expires, e.expired,
           e.dependencies
      FROM cache_entries_internal() e
      LEFT JOIN pg_catalog.pg_database d ON d.oid = e.dbid;

COMMENT ON FUNCTION cache_entries_internal() IS
  'Rows of the cache_entries view';
COMMENT ON VIEW cache_entries IS
  'What is cached: one row per entry; other roles'' query texts need pg_read_all_stats; dependencies lists the relations it read, each with the number of keys it depends on, or (table)';
GRANT SELECT ON cache_entries TO PUBLIC;

-- cache_tables shows each table's key columns.
DROP VIEW cache_tables;
DROP FUNCTION cache_tables_internal();
CREATE FUNCTION cache_tables_internal(
    OUT relid oid,
    OUT generation bigint,
    OUT writers integer,
    OUT last_writer_xid bigint,
    OUT watched boolean,
    OUT key_columns text[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cachepg_tables'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

CREATE VIEW cache_tables AS
    SELECT t.relid::regclass AS relation, t.generation, t.writers,
           t.last_writer_xid, t.watched, t.key_columns
      FROM cache_tables_internal() t;

COMMENT ON FUNCTION cache_tables_internal() IS
  'Rows of the cache_tables view';
COMMENT ON VIEW cache_tables IS
  'Tables of this database whose writes cachepg tracks, with the key columns writes are invalidated by (the row with a NULL relation is the global epoch)';
GRANT SELECT ON cache_tables TO PUBLIC;
