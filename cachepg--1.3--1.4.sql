/* cachepg--1.3--1.4.sql */

\echo Use "ALTER EXTENSION cachepg UPDATE TO '1.4'" to load this file. \quit

-- cache_tables gains per-table hits, misses, stores and invalidations.
DROP VIEW cache_tables;
DROP FUNCTION cache_tables_internal();
CREATE FUNCTION cache_tables_internal(
    OUT relid oid,
    OUT generation bigint,
    OUT writers integer,
    OUT last_writer_xid bigint,
    OUT watched boolean,
    OUT key_columns text[],
    OUT hits bigint,
    OUT misses bigint,
    OUT stores bigint,
    OUT invalidations bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cachepg_tables'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

CREATE VIEW cache_tables AS
    SELECT t.relid::regclass AS relation, t.generation, t.writers,
           t.last_writer_xid, t.watched, t.key_columns,
           t.hits, t.misses, t.stores, t.invalidations
      FROM cache_tables_internal() t;

COMMENT ON FUNCTION cache_tables_internal() IS
  'Rows of the cache_tables view';
COMMENT ON VIEW cache_tables IS
  'Tables of this database whose writes cachepg tracks: generation, writers, key columns, and the hits, misses and stores of results that read each table and the writes and DDL that invalidated them (the row with a NULL relation is the global epoch)';
GRANT SELECT ON cache_tables TO PUBLIC;

-- cache_explain(): what the cache would do with a query, and why.
CREATE FUNCTION cache_explain(sql text,
    OUT cacheable boolean, OUT reason text, OUT dependencies text[],
    OUT ttl integer, OUT stored boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'cachepg_explain'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION cache_explain(sql text, VARIADIC params "any",
    OUT cacheable boolean, OUT reason text, OUT dependencies text[],
    OUT ttl integer, OUT stored boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'cachepg_explain'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION cache_explain(text) IS
  'Whether cache_get_or_run would store this query''s result and why not, the relations it depends on (by key or whole table), the ttl a NULL ttl gives, and whether an entry may be served to you now; plans the query, never runs or stores it';
COMMENT ON FUNCTION cache_explain(text, "any") IS
  'cache_explain with parameter values';
