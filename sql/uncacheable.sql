-- Storability is decided on the plan: these queries run and return their
-- rows but are not stored (uncacheable counts them), unless the caller opts
-- in with cachepg.store_uncacheable.
SELECT cache_clear() >= 0 AS cleared;
CREATE TABLE plain (id int, v text);
SELECT cache_watch('plain');
INSERT INTO plain SELECT i, 'v' || i FROM generate_series(1, 100) i;
CREATE FUNCTION verdict(q text, ttl int = 60) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    before record;
    after record;
    n bigint;
BEGIN
    SELECT stores, uncacheable INTO before FROM cache_stats();
    SELECT count(*) INTO n FROM cache_get_or_run(q, ttl) AS t(x text);
    SELECT stores, uncacheable INTO after FROM cache_stats();
    RETURN format('%s rows, %s', n,
                  CASE WHEN after.stores > before.stores THEN 'stored'
                       WHEN after.uncacheable > before.uncacheable THEN 'not stored (uncacheable)'
                       ELSE 'neither?' END);
END $$;

-- stored
SELECT verdict('SELECT v FROM plain WHERE id < 5');
SELECT verdict('SELECT upper(v) FROM plain WHERE id < 5');          -- immutable function
SELECT verdict('SELECT to_char(id, ''999'') FROM plain WHERE id < 3');  -- stable, settings in the key
SELECT verdict('SELECT current_user::text');                        -- role is in the key
-- volatile
SELECT verdict('SELECT random()::text');
SELECT verdict('SELECT v FROM plain ORDER BY random() LIMIT 1');
CREATE SEQUENCE plain_seq;
SELECT verdict('SELECT nextval(''plain_seq'')::text');
-- inputs the key does not hold
SELECT verdict('SELECT current_setting(''work_mem'')');
SELECT verdict('SELECT to_regclass(''plain'')::text');
SELECT verdict('SELECT has_table_privilege(''plain'', ''SELECT'')::text');
SELECT verdict('SELECT table_to_xml(''plain'', true, false, '''')::text');
SELECT verdict('SELECT pg_backend_pid()::text');
SELECT verdict('SELECT session_user::text');
-- locking and sampling
SELECT verdict('SELECT v FROM plain WHERE id = 1 FOR UPDATE');
SELECT verdict('SELECT v FROM plain WHERE id = 1 FOR SHARE');
SELECT verdict('SELECT v FROM plain TABLESAMPLE SYSTEM (100) WHERE id = 1');
-- catalogs, foreign tables, row-level security
SELECT verdict('SELECT relname::text FROM pg_class WHERE relname = ''plain''');
SELECT verdict('SELECT table_name::text FROM information_schema.tables WHERE table_name = ''plain''');
CREATE EXTENSION file_fdw;
CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE ft (x text) SERVER files OPTIONS (filename '/dev/null');
SELECT verdict('SELECT x FROM ft');
CREATE TABLE secure (id int, v text);
SELECT cache_watch('secure');
INSERT INTO secure VALUES (1, 'a');
ALTER TABLE secure ENABLE ROW LEVEL SECURITY;
SELECT verdict('SELECT v FROM secure');
-- time-dependent: stored only under an explicit ttl > 0
SELECT verdict('SELECT now()::text', NULL);
SELECT verdict('SELECT now()::text', 0);
SELECT verdict('SELECT now()::text', 60);
SELECT verdict('SELECT CURRENT_DATE::text', NULL);
SELECT verdict('SELECT ''today''::date::text', NULL);
SELECT verdict('SELECT ''tomorrow''::timestamptz::text', NULL);
SELECT verdict('SELECT ''yesterday''::date::text', 60);
SELECT verdict('SELECT ''now''::timestamp::text', NULL);
CREATE FUNCTION my_stable() RETURNS text STABLE LANGUAGE sql AS $$ SELECT now()::text $$;
SELECT verdict('SELECT my_stable()', NULL);
SELECT verdict('SELECT my_stable()', 60);
-- a time-dependent parameter conversion ($1::date with $1 = 'today')
SELECT uncacheable FROM cache_stats() \gset u_
SELECT count(*) FROM cache_get_or_run('SELECT $1::date AS d', NULL, 'today') AS t(d date);
SELECT uncacheable - :u_uncacheable AS more_uncacheable FROM cache_stats();

-- the opt-in stores what the rules refuse, on the caller's responsibility
SET cachepg.store_uncacheable = on;
SELECT verdict('SELECT random()::text');
SELECT verdict('SELECT v FROM plain TABLESAMPLE BERNOULLI (50) REPEATABLE (1)');
SELECT (SELECT x FROM cache_get_or_run('SELECT random()::text', 60) AS t(x text))
     = (SELECT x FROM cache_get_or_run('SELECT random()::text', 60) AS t(x text)) AS same_random;
SELECT verdict('SELECT now()::text AS opted_in', NULL);
SELECT verdict('SELECT v FROM secure');
SET app.tenant = 'A';
SELECT * FROM cache_get_or_run($q$SELECT current_setting('app.tenant') AS t$q$, 0) AS t(t text);
RESET cachepg.store_uncacheable;
-- entries stored under the opt-in are served only to callers who opted in
SET app.tenant = 'B';
SELECT * FROM cache_get_or_run($q$SELECT current_setting('app.tenant') AS t$q$, 0) AS t(t text);
SET cachepg.store_uncacheable = on;
SELECT * FROM cache_get_or_run($q$SELECT current_setting('app.tenant') AS t$q$, 0) AS t(t text);
RESET cachepg.store_uncacheable;

-- a temporary table that takes a cached query's table name: the session
-- gets its own rows, is not served the entry, and stores nothing
SELECT cache_stats_reset();
CREATE TEMP TABLE plain (id int, v text);
INSERT INTO plain VALUES (1, 'temp!');
SELECT * FROM cache_get_or_run('SELECT v FROM plain WHERE id < 5', 60) AS t(v text);
SELECT hits, misses, stores, bypassed FROM cache_stats();
