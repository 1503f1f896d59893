-- TTL: expired entries are never served, and their memory is reclaimed.
SELECT cache_clear() >= 0 AS cleared;
SELECT cache_stats_reset();
CREATE TABLE ticks (n int);
SELECT cache_watch('ticks');
INSERT INTO ticks VALUES (1);
SELECT * FROM cache_get_or_run('SELECT n FROM ticks', 1) AS t(n int);
-- within the ttl: a hit
SELECT * FROM cache_get_or_run('SELECT n FROM ticks', 1) AS t(n int);
SELECT pg_sleep(1.2);
-- past the ttl: a miss (nothing was written: only the ttl ended it)
SELECT * FROM cache_get_or_run('SELECT n FROM ticks', 1) AS t(n int);
SELECT hits, misses, stores, expirations FROM cache_stats();
-- an expired entry nobody asks for again is reclaimed when space is needed
SELECT * FROM cache_get_or_run('SELECT n + 100 FROM ticks', 1) AS t(n int);
SELECT pg_sleep(1.2);
SELECT expired FROM cache_entries WHERE query = 'SELECT n + 100 FROM ticks';
SELECT count(*) FROM generate_series(1, 800) g,
  LATERAL cache_get_or_run('SELECT $1::int AS k, repeat(''x'', 4000) FROM generate_series(1, 10)', 0, g)
  AS t(k int, pad text);
SELECT count(*) AS still_there FROM cache_entries WHERE query = 'SELECT n + 100 FROM ticks';
SELECT expirations >= 2 AS reclaimed FROM cache_stats();
