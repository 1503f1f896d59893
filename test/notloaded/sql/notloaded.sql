-- Without shared_preload_libraries: every function still runs the query and
-- returns correct rows; a notice says once why nothing is cached.
CREATE EXTENSION cachepg;
CREATE TABLE t (id int, v text);
INSERT INTO t VALUES (1, 'a'), (2, 'b');
SELECT * FROM cache_get_or_run('SELECT id, v FROM t ORDER BY id', 60) AS x(id int, v text);
SELECT * FROM cache_get_or_run('SELECT id, v FROM t WHERE id = $1', 60, 2) AS x(id int, v text);
SELECT * FROM cache_get_or_run_as(NULL::t, 'SELECT * FROM t ORDER BY id', 60);
SELECT cache_get_or_run_jsonb('SELECT id, v FROM t WHERE v = $1', 60, 'a');
SELECT * FROM cache_get_or_run('DELETE FROM t', 60) AS x(id int);
SELECT * FROM cache_stats();
SELECT * FROM cache_entries;
SELECT cache_clear();
SHOW cachepg.enabled;
