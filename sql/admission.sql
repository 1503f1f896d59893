-- Admission (TinyLFU): when the cache is full, a new result is stored only
-- if its key was asked for more often than the entry it would evict.  This
-- instance holds 2048 entries (test/cachepg.conf).
SELECT cache_clear() >= 0 AS cleared;
SHOW cachepg.admission;
-- keys first .. last, each asked for times times (the argument depends on r
-- too, so that the call runs for every row instead of being rescanned)
CREATE FUNCTION lookups(first int, last int, times int) RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM generate_series(1, times) r, generate_series(first, last) i,
         LATERAL cache_get_or_run('SELECT $1::int AS k', 0, i + 0 * r) AS t(k int) $$;

-- a hot set of 100 keys, asked for 10 times each
SELECT lookups(1, 100, 10);
-- one pass over 20,000 one-time keys, ten times what fits
SELECT cache_stats_reset();
SELECT lookups(1001, 21000, 1);
SELECT hits = 0 AS no_hits, not_admitted > 10000 AS most_turned_away,
       entries <= max_entries AS within_slots, store_failures = 0 AS no_failures
  FROM cache_stats();
-- the hot set is still there: (nearly) every key hits
SELECT cache_stats_reset();
SELECT lookups(1, 100, 1);
SELECT hits >= 90 AS hot_set_kept FROM cache_stats();

-- a key asked for again and again gets in eventually
SELECT cache_stats_reset();
SELECT lookups(50001, 50001, 20);
SELECT hits > 0 AS admitted_after_repeats FROM cache_stats();

-- admission off (plain CLOCK): the same scan flushes the hot set
SET cachepg.admission = off;
SELECT cache_clear() >= 0 AS cleared;
SELECT lookups(1, 100, 10);
SELECT lookups(1001, 21000, 1);
SELECT cache_stats_reset();
SELECT lookups(1, 100, 1);
SELECT hits < 10 AS hot_set_flushed FROM cache_stats();
RESET cachepg.admission;

-- only a superuser may change the policy
CREATE ROLE admission_user;
SET ROLE admission_user;
SET cachepg.admission = off;
RESET ROLE;
DROP ROLE admission_user;
DROP FUNCTION lookups(int, int, int);
