/* cachepg--1.4--1.5.sql */

\echo Use "ALTER EXTENSION cachepg UPDATE TO '1.5'" to load this file. \quit

-- cache_stats() gains coalesced callers, stale hits, refreshes and reclaimed entries.
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
    OUT key_invalidations bigint,
    OUT coalesced bigint,
    OUT stale_hits bigint,
    OUT refreshes bigint,
    OUT refresh_failures bigint,
    OUT reclaimed bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'cachepg_stats'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION cache_stats() IS
  'Cache counters (hits, misses, stores, evictions, why results were not stored, callers coalesced onto another loader, stale hits, refreshes, reclaimed entries, ...) and memory use';
