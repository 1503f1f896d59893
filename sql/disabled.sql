-- cachepg.enabled = off: no lookups, no stores, the rows still come back;
-- a notice says why, once per session.  A transaction that wrote neither
-- stores nor is served.
SELECT cache_clear() >= 0 AS cleared;
CREATE TABLE d (v int);
SELECT cache_watch('d');
INSERT INTO d VALUES (1);
SELECT * FROM cache_get_or_run('SELECT v FROM d', 0) AS t(v int);
SELECT cache_stats_reset();
SET cachepg.enabled = off;
SELECT * FROM cache_get_or_run('SELECT v FROM d', 0) AS t(v int);
SELECT * FROM cache_get_or_run('SELECT v + 1 FROM d', 0) AS t(v int);
SELECT cache_get_or_run_jsonb('SELECT v FROM d', 0);
SELECT * FROM cache_get_or_run_as(NULL::d, 'SELECT v FROM d', 0);
SELECT hits, misses, stores, bypassed FROM cache_stats();
RESET cachepg.enabled;
SELECT * FROM cache_get_or_run('SELECT v FROM d', 0) AS t(v int);
SELECT hits, misses, stores FROM cache_stats();

-- a transaction holding an XID never stores, and is not served entries of
-- the tables it wrote; entries of other tables it may read
CREATE TABLE other (v int);
SELECT cache_watch('other');
INSERT INTO other VALUES (10);
SELECT * FROM cache_get_or_run('SELECT v FROM other', 0) AS t(v int);
SELECT cache_stats_reset();
BEGIN;
INSERT INTO d VALUES (2);
SELECT * FROM cache_get_or_run('SELECT v FROM d ORDER BY v', 0) AS t(v int);   -- sees its own write
SELECT * FROM cache_get_or_run('SELECT v FROM d', 0) AS t(v int);              -- not served the cached entry
SELECT * FROM cache_get_or_run('SELECT v FROM other', 0) AS t(v int);          -- a hit: other was not written
ROLLBACK;
SELECT hits, misses, stores, write_conflicts, bypassed FROM cache_stats();
SELECT * FROM cache_get_or_run('SELECT v FROM d ORDER BY v', 0) AS t(v int);   -- the rolled-back row never leaked
