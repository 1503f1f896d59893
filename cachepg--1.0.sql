/* cachepg--1.0.sql: the SQL API of cachepg 1.0 */

\echo Use "CREATE EXTENSION cachepg" to load this file. \quit

-- The role that may manage the cache (clear it, invalidate entries, reset
-- statistics).  Roles are cluster-wide: create it only once.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'cachepg_admin') THEN
        CREATE ROLE cachepg_admin NOLOGIN;
    END IF;
END
$$;

-- Record form: the caller gives a column definition list.
CREATE FUNCTION cache_get_or_run(sql text, ttl integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cachepg_get_or_run'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION cache_get_or_run(sql text, ttl integer, VARIADIC params "any")
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cachepg_get_or_run'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- Typed form: the first argument (NULL::some_type) names the row type.
CREATE FUNCTION cache_get_or_run_as(rowtype anyelement, sql text, ttl integer)
RETURNS SETOF anyelement
AS 'MODULE_PATHNAME', 'cachepg_get_or_run_as'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION cache_get_or_run_as(rowtype anyelement, sql text, ttl integer, VARIADIC params "any")
RETURNS SETOF anyelement
AS 'MODULE_PATHNAME', 'cachepg_get_or_run_as'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- jsonb form: an array of one object per row.
CREATE FUNCTION cache_get_or_run_jsonb(sql text, ttl integer)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'cachepg_get_or_run_jsonb'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION cache_get_or_run_jsonb(sql text, ttl integer, VARIADIC params "any")
RETURNS jsonb
AS 'MODULE_PATHNAME', 'cachepg_get_or_run_jsonb'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- Management.
CREATE FUNCTION cache_invalidate(sql text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'cachepg_invalidate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION cache_invalidate(sql text, VARIADIC params "any")
RETURNS bigint
AS 'MODULE_PATHNAME', 'cachepg_invalidate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION cache_clear()
RETURNS bigint
AS 'MODULE_PATHNAME', 'cachepg_clear'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION cache_stats_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'cachepg_stats_reset_fn'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

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
    OUT entries bigint,
    OUT max_entries bigint,
    OUT bytes bigint,
    OUT arena_bytes bigint,
    OUT memory_bytes bigint,
    OUT stats_reset timestamptz)
RETURNS record
AS 'MODULE_PATHNAME', 'cachepg_stats'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

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
    OUT expired boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cachepg_entries'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

CREATE VIEW cache_entries AS
    SELECT e.dbid, d.datname, e.roleid::regrole AS role, e.form, e.query,
           e.nparams, e.bytes, e.hits, e.created, e.expires, e.expired
      FROM cache_entries_internal() e
      LEFT JOIN pg_catalog.pg_database d ON d.oid = e.dbid;

COMMENT ON FUNCTION cache_get_or_run(text, integer) IS
  'Return the cached rows of a SELECT, or run it, store and return them (column definition list required)';
COMMENT ON FUNCTION cache_get_or_run(text, integer, "any") IS
  'Return the cached rows of a parameterized SELECT ($1..$n), or run it, store and return them';
COMMENT ON FUNCTION cache_get_or_run_as(anyelement, text, integer) IS
  'Return the cached rows of a SELECT as the row type of the first argument, or run, store and return them';
COMMENT ON FUNCTION cache_get_or_run_as(anyelement, text, integer, "any") IS
  'Return the cached rows of a parameterized SELECT as the row type of the first argument';
COMMENT ON FUNCTION cache_get_or_run_jsonb(text, integer) IS
  'Return the cached result of a SELECT as a jsonb array of row objects, or run, store and return it';
COMMENT ON FUNCTION cache_get_or_run_jsonb(text, integer, "any") IS
  'Return the cached result of a parameterized SELECT as a jsonb array of row objects';
COMMENT ON FUNCTION cache_invalidate(text) IS
  'Drop the entries of this query text in this database, for every role, setting and parameter value';
COMMENT ON FUNCTION cache_invalidate(text, "any") IS
  'Drop the entries of this query text with these parameter values in this database';
COMMENT ON FUNCTION cache_clear() IS
  'Drop every cached entry of every database';
COMMENT ON FUNCTION cache_stats_reset() IS
  'Reset the counters shown by cache_stats()';
COMMENT ON FUNCTION cache_stats() IS
  'Cache counters (hits, misses, stores, evictions, ...) and memory use';
COMMENT ON FUNCTION cache_entries_internal() IS
  'Rows of the cache_entries view';
COMMENT ON VIEW cache_entries IS
  'What is cached: one row per entry; other roles'' query texts need pg_read_all_stats';

REVOKE ALL ON FUNCTION cache_invalidate(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION cache_invalidate(text, "any") FROM PUBLIC;
REVOKE ALL ON FUNCTION cache_clear() FROM PUBLIC;
REVOKE ALL ON FUNCTION cache_stats_reset() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cache_invalidate(text) TO cachepg_admin;
GRANT EXECUTE ON FUNCTION cache_invalidate(text, "any") TO cachepg_admin;
GRANT EXECUTE ON FUNCTION cache_clear() TO cachepg_admin;
GRANT EXECUTE ON FUNCTION cache_stats_reset() TO cachepg_admin;
GRANT SELECT ON cache_entries TO PUBLIC;
