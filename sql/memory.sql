-- The memory bound: this instance runs with cachepg.memory = 8MB and
-- cachepg.max_entries = 2048.  Filling it evicts; it never errors, never
-- exceeds the bound, and every call returns its rows.  These are the
-- mechanics of eviction, so admission (on by default: it would keep the old
-- entries and turn away these one-time keys) is off; admission.sql tests it.
SET cachepg.admission = off;
SELECT cache_clear() >= 0 AS cleared;
SELECT cache_stats_reset();
SELECT memory_bytes, max_entries FROM cache_stats();
-- 400 results of about 40 kB each: about 16 MB, twice the cache
CREATE FUNCTION fill(n int, width int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    total bigint := 0;
    c bigint;
BEGIN
    FOR i IN 1 .. n LOOP
        SELECT count(*) INTO c
          FROM cache_get_or_run('SELECT $1::int AS k, repeat(''x'', $2) AS pad FROM generate_series(1, 10)',
                                0, i, width) AS t(k int, pad text);
        total := total + c;
    END LOOP;
    RETURN total;
END $$;
SELECT fill(400, 4000);
SELECT stores = 400 AS all_stored, evictions > 0 AS evicted, store_failures = 0 AS no_failures,
       entries < 400 AS some_gone, bytes <= memory_bytes AS within_memory, arena_bytes < memory_bytes AS arena_inside
  FROM cache_stats();
-- the most recent key is still there and hits
SELECT cache_stats_reset();
SELECT count(*) FROM cache_get_or_run('SELECT $1::int AS k, repeat(''x'', $2) AS pad FROM generate_series(1, 10)',
                                      0, 400, 4000) AS t(k int, pad text);
SELECT hits, misses FROM cache_stats();
-- a second pass over all keys: every call returns its rows, nothing fails
SELECT fill(400, 4000) - 4000 AS rows_off;
SELECT store_failures = 0 AS no_failures, bytes <= memory_bytes AS within_memory FROM cache_stats();
-- many small entries: bounded by max_entries
SELECT cache_stats_reset();
SELECT fill(3000, 1);
SELECT entries <= max_entries AS within_slots, evictions > 0 AS evicted, store_failures = 0 AS no_failures
  FROM cache_stats();

-- an entry larger than cachepg.max_entry_size is returned, not stored
SET cachepg.max_entry_size = '16kB';
SELECT cache_stats_reset();
SELECT count(*), sum(length(pad)) FROM cache_get_or_run('SELECT g, repeat(''y'', 100) AS pad FROM generate_series(1, 1000) g', 0)
  AS t(g int, pad text);
SELECT count(*), sum(length(pad)) FROM cache_get_or_run('SELECT g, repeat(''y'', 100) AS pad FROM generate_series(1, 1000) g', 0)
  AS t(g int, pad text);
SELECT hits, misses, stores, too_large FROM cache_stats();
SELECT count(*) FROM cache_entries WHERE query LIKE '%repeat(''y'', 100)%';
RESET cachepg.max_entry_size;
-- a single result bigger than the whole cache: returned, never stored
SET cachepg.max_entry_size = '512MB';
SELECT cache_stats_reset();
SELECT count(*) FROM cache_get_or_run('SELECT g, repeat(''z'', 1000) AS pad FROM generate_series(1, 10000) g', 0)
  AS t(g int, pad text);
SELECT stores, store_failures + too_large AS refused, bytes <= memory_bytes AS within_memory FROM cache_stats();
RESET cachepg.max_entry_size;
