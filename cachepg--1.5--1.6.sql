/* cachepg--1.5--1.6.sql: transparent caching. */

\echo Use "ALTER EXTENSION cachepg UPDATE TO '1.6'" to load this file. \quit

-- Table policies: every eligible top-level SELECT reading only tables with
-- a policy is cached, with the smallest of their ttls.
CREATE TABLE cache_policy (
    relid regclass PRIMARY KEY,
    ttl integer NOT NULL CHECK (ttl >= 0)
);
SELECT pg_catalog.pg_extension_config_dump('cache_policy', '');
REVOKE ALL ON cache_policy FROM PUBLIC;
GRANT SELECT ON cache_policy TO PUBLIC;
COMMENT ON TABLE cache_policy IS
  'Table policies of transparent caching (set them with cache_table_policy())';

CREATE FUNCTION cache_table_policy(tbl regclass, ttl integer)
RETURNS void
AS 'MODULE_PATHNAME', 'cachepg_table_policy'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cache_table_policy(regclass, integer) IS
  'Cache every eligible top-level SELECT that reads only tables with a policy, with the smallest of their ttls (seconds, 0: until evicted); a NULL ttl removes the policy. For the table''s owner or cachepg_admin';

-- cache_tables shows each table's policy.
DROP VIEW cache_tables;
CREATE VIEW cache_tables AS
    SELECT coalesce(t.relid, p.relid::oid)::regclass AS relation,
           t.generation, t.writers, t.last_writer_xid, t.watched,
           t.key_columns, t.hits, t.misses, t.stores, t.invalidations,
           p.ttl AS policy_ttl
      FROM cache_tables_internal() t
      FULL JOIN cache_policy p ON p.relid::oid = t.relid;
COMMENT ON VIEW cache_tables IS
  'Tables of this database whose writes cachepg tracks or that have a cache policy: generation, writers, key columns, the hits, misses and stores of results that read each table and the writes and DDL that invalidated them, and the policy ttl (the row with a NULL relation is the global epoch)';
GRANT SELECT ON cache_tables TO PUBLIC;

-- A dropped table's policy goes with it (its OID may be reused).
CREATE FUNCTION cache_policy_dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF to_regclass('@extschema@.cache_policy') IS NULL THEN
    RETURN;     -- the extension itself is being dropped
  END IF;
  DELETE FROM @extschema@.cache_policy p
   USING pg_event_trigger_dropped_objects() d
   WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0
     AND d.objid = p.relid::oid;
END $$;
REVOKE ALL ON FUNCTION cache_policy_dropped() FROM PUBLIC;
COMMENT ON FUNCTION cache_policy_dropped() IS
  'Event trigger: removes the cache policies of dropped tables';
CREATE EVENT TRIGGER cachepg_policy_dropped ON sql_drop
  EXECUTE FUNCTION cache_policy_dropped();
-- also under session_replication_role = replica
ALTER EVENT TRIGGER cachepg_policy_dropped ENABLE ALWAYS;
