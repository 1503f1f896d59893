-- Only one read-only SELECT/VALUES/TABLE is accepted; everything else is an
-- error before anything runs.
SELECT cache_clear() >= 0 AS cleared;
CREATE TABLE victim (id int);
SELECT cache_watch('victim');
INSERT INTO victim VALUES (1), (2);
CREATE FUNCTION try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN others THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

SELECT try($$SELECT * FROM cache_get_or_run('DELETE FROM victim', 60) AS t(x int)$$);
SELECT try($$SELECT * FROM cache_get_or_run('DELETE FROM victim RETURNING id', 60) AS t(id int)$$);
SELECT try($$SELECT * FROM cache_get_or_run('UPDATE victim SET id = 0 RETURNING id', 60) AS t(id int)$$);
SELECT try($$SELECT * FROM cache_get_or_run('INSERT INTO victim VALUES (3) RETURNING id', 60) AS t(id int)$$);
SELECT try($$SELECT * FROM cache_get_or_run('WITH d AS (DELETE FROM victim RETURNING id) SELECT id FROM d', 60) AS t(id int)$$);
SELECT try($$SELECT * FROM cache_get_or_run('SELECT id INTO victim_copy FROM victim', 60) AS t(id int)$$);
SELECT try($$SELECT * FROM cache_get_or_run('SELECT 1; DELETE FROM victim', 60) AS t(id int)$$);
SELECT try($$SELECT * FROM cache_get_or_run('SELECT 1; SELECT 2', 60) AS t(id int)$$);
SELECT try($$SELECT * FROM cache_get_or_run('CREATE TABLE x (a int)', 60) AS t(id int)$$);
SELECT try($$SELECT * FROM cache_get_or_run('DROP TABLE victim', 60) AS t(id int)$$);
SELECT try($$SELECT * FROM cache_get_or_run('TRUNCATE victim', 60) AS t(id int)$$);
SELECT try($$SELECT * FROM cache_get_or_run('EXPLAIN SELECT 1', 60) AS t(p text)$$);
SELECT try($$SELECT * FROM cache_get_or_run('VACUUM victim', 60) AS t(p text)$$);
SELECT try($$SELECT * FROM cache_get_or_run('SET work_mem = 1', 60) AS t(p text)$$);
SELECT try($$SELECT * FROM cache_get_or_run('', 60) AS t(p text)$$);
SELECT try($$SELECT * FROM cache_get_or_run('SELEC 1', 60) AS t(p text)$$);
SELECT try($$SELECT cache_get_or_run_jsonb('DELETE FROM victim', 60)$$);
SELECT try($$SELECT * FROM cache_get_or_run_as(NULL::victim, 'DELETE FROM victim RETURNING *', 60)$$);
-- nothing ran: the rows are all still there, no table was made
SELECT count(*) FROM victim;
SELECT to_regclass('victim_copy') IS NULL AS no_copy, to_regclass('x') IS NULL AS no_x;
SELECT count(*) AS entries FROM cache_entries;

-- accepted: SELECT, VALUES, TABLE, WITH ... SELECT, set operations
SELECT * FROM cache_get_or_run('VALUES (1, ''a''), (2, ''b'')', 60) AS t(n int, s text);
SELECT * FROM cache_get_or_run('TABLE victim', 60) AS t(id int);
SELECT * FROM cache_get_or_run('WITH w AS (SELECT id FROM victim) SELECT max(id) FROM w', 60) AS t(m int);
SELECT * FROM cache_get_or_run('SELECT 1 UNION ALL SELECT 2 ORDER BY 1', 60) AS t(n int);
SELECT * FROM cache_get_or_run('SELECT 7;', 60) AS t(n int);
SELECT cache_get_or_run_jsonb('SELECT 7 -- trailing comment', 60);
SELECT cache_get_or_run_jsonb('SELECT 8 AS n;', 60);
