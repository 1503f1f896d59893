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
-- an expired entry nobody asks for again is freed by the background
-- reclaimer, and so is an entry a write made stale
CREATE FUNCTION wait_gone(q text) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..400 LOOP
    EXIT WHEN NOT EXISTS (SELECT FROM cache_entries WHERE query = q);
    PERFORM pg_sleep(0.05);
  END LOOP;
  RETURN (SELECT count(*) FROM cache_entries WHERE query = q);
END $$;
SELECT * FROM cache_get_or_run('SELECT n + 100 FROM ticks', 1) AS t(n int);
SELECT * FROM cache_get_or_run('SELECT n + 200 FROM ticks', 0) AS t(n int);
SELECT wait_gone('SELECT n + 100 FROM ticks') AS expired_left;
SELECT count(*) AS unexpired_left FROM cache_entries WHERE query = 'SELECT n + 200 FROM ticks';
INSERT INTO ticks VALUES (2);
SELECT wait_gone('SELECT n + 200 FROM ticks') AS invalidated_left;
SELECT expirations >= 2 AS expired, reclaimed >= 2 AS reclaimed FROM cache_stats();
DROP FUNCTION wait_gone(text);
