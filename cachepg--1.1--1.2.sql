/* cachepg--1.1--1.2.sql: admission (TinyLFU) and the memory the bookkeeping takes */

\echo Use "ALTER EXTENSION cachepg UPDATE TO '1.2'" to load this file. \quit

-- cache_stats() gains not_admitted and metadata_bytes.
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
    OUT metadata_bytes bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'cachepg_stats'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION cache_stats() IS
  'Cache counters (hits, misses, stores, evictions, why results were not stored, ...) and memory use';
