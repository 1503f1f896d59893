-- Stale-while-revalidate (issue 12): a result past its ttl is served only
-- within the smaller of the window recorded with it and the caller's
-- setting, with every check of a hit (privileges, writes); settings are
-- validated.  (Refreshes that stale hits ask for run in the background;
-- each case below ends at its first call after expiry, before any can.)
SELECT cache_clear() >= 0 AS cleared;
SET cachepg.refresh_ahead = 0;
CREATE TABLE st (id int PRIMARY KEY, v int);
SELECT cache_watch('st');
INSERT INTO st VALUES (1, 10), (2, 20);
CREATE ROLE st_reader;
GRANT SELECT ON st TO st_reader;
CREATE FUNCTION sprobe(q text, ttl int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  h0 bigint; s0 bigint; st0 bigint; h1 bigint; s1 bigint; st1 bigint; r text;
BEGIN
  SELECT hits, stores, stale_hits INTO h0, s0, st0 FROM cache_stats();
  SELECT string_agg(x, ',') INTO r FROM cache_get_or_run(q, ttl) AS t(x text);
  SELECT hits, stores, stale_hits INTO h1, s1, st1 FROM cache_stats();
  RETURN r || CASE WHEN st1 > st0 THEN ' (stale hit)' WHEN h1 > h0 THEN ' (hit)'
                   WHEN s1 > s0 THEN ' (stored)' ELSE ' (not stored)' END;
END $$;
GRANT EXECUTE ON FUNCTION sprobe(text, int) TO st_reader;
-- bad settings
SET cachepg.stale_while_revalidate = -1;
SET cachepg.refresh_ahead = 0.9;
SET cachepg.load_wait_timeout = -5;
-- entries stored with a window of 30 s (one with 1 s), ttl 1 s
SET cachepg.stale_while_revalidate = 30;
SELECT sprobe('SELECT v::text FROM st WHERE id = 1', 1) AS a;
SELECT sprobe('SELECT v::text || ''!'' FROM st WHERE id = 1', 1) AS b;
SELECT sprobe('SELECT v::text FROM st WHERE id = 2', 1) AS c;
SET ROLE st_reader;
SELECT sprobe('SELECT (v + 1)::text FROM st WHERE id = 1', 1) AS d;
RESET ROLE;
SET cachepg.stale_while_revalidate = 1;
SELECT sprobe('SELECT (v + 2)::text FROM st WHERE id = 1', 1) AS e;
SET cachepg.stale_while_revalidate = 30;
SELECT pg_sleep(1.2);
-- a: past its ttl, within both windows: served at once, stale
SELECT sprobe('SELECT v::text FROM st WHERE id = 1', 1) AS a;
-- b: a caller whose own window is 0 is never served an expired entry
SET cachepg.stale_while_revalidate = 0;
SELECT sprobe('SELECT v::text || ''!'' FROM st WHERE id = 1', 1) AS b;
SET cachepg.stale_while_revalidate = 30;
-- c: a write invalidates: never served, stale window or not
UPDATE st SET v = 21 WHERE id = 2;
SELECT sprobe('SELECT v::text FROM st WHERE id = 2', 1) AS c;
-- d: privileges are checked as on any hit: the direct query's error
REVOKE SELECT ON st FROM st_reader;
SET ROLE st_reader;
SELECT sprobe('SELECT (v + 1)::text FROM st WHERE id = 1', 1) AS d;
RESET ROLE;
-- e: its recorded window (1 s) is over, whatever the caller's
SELECT pg_sleep(1.0);
SELECT sprobe('SELECT (v + 2)::text FROM st WHERE id = 1', 1) AS e;
RESET cachepg.stale_while_revalidate;
RESET cachepg.refresh_ahead;
DROP FUNCTION sprobe(text, int);
DROP TABLE st;
DROP ROLE st_reader;
