-- Every kind of value round-trips: a hit returns exactly what the miss did,
-- and both equal direct execution.
SELECT cache_clear() >= 0 AS cleared;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, b text);
CREATE TABLE typed (
    id int, i2 int2, i8 int8, f4 float4, f8 float8, n numeric, b bool,
    t text, vc varchar(10), c char(3), by bytea, d date, ts timestamp,
    tstz timestamptz, iv interval, u uuid, j jsonb, js json, arr int[],
    tarr text[], m mood, dom posint, p pair, pr int4range, ip inet, x xml,
    pt point, big text, bigb bytea);
SELECT cache_watch('typed');
INSERT INTO typed VALUES
  (1, 1, 9000000000, 1.5, 2.25, 12345678901234567890.123456789, true,
   'text', 'varchar', 'abc', '\x00ff', '2024-02-29', '2024-01-01 12:34:56.789',
   '2024-01-01 12:34:56.789+02', '1 year 2 mons 3 days 04:05:06', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
   '{"a": [1, 2, {"b": null}]}', '{"x" : 1}', '{1,NULL,3}', '{"a b",NULL,"c"}',
   'happy', 7, ROW(1, 'one'), '[1,10)', '192.168.0.1/24', '<a>x</a>',
   '(1,2)', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 3000) i),
   (SELECT string_agg(sha256(i::text::bytea), '') FROM generate_series(1, 2000) i)),
  (2, NULL, NULL, 'NaN', '-Infinity', 'NaN', NULL, '', NULL, NULL, NULL, 'infinity', NULL,
   '-infinity', NULL, NULL, 'null', NULL, '{}', NULL, 'sad', NULL, ROW(NULL, NULL), 'empty', NULL,
   NULL, NULL, NULL, NULL),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL);

CREATE FUNCTION typed_direct() RETURNS text LANGUAGE sql AS
  $$ SELECT string_agg(t::text, E'\n' ORDER BY id) FROM typed t $$;
CREATE FUNCTION typed_cached() RETURNS text LANGUAGE sql AS
  $$ SELECT string_agg(t::text, E'\n') FROM cache_get_or_run_as(NULL::typed, 'SELECT * FROM typed ORDER BY id', 0) t $$;
SELECT cache_stats_reset();
SELECT typed_cached() = typed_direct() AS miss_equal;
SELECT typed_cached() = typed_direct() AS hit_equal;
SELECT hits, misses, stores FROM cache_stats();

-- the record form with a column definition list, on a hit
SELECT * FROM cache_get_or_run('SELECT id, m, dom, p, arr, n, tstz FROM typed ORDER BY id', 0)
  AS t(id int, m mood, dom posint, p pair, arr int[], n numeric, tstz timestamptz);
SELECT * FROM cache_get_or_run('SELECT id, m, dom, p, arr, n, tstz FROM typed ORDER BY id', 0)
  AS t(id int, m mood, dom posint, p pair, arr int[], n numeric, tstz timestamptz);
SELECT md5(big), md5(bigb) FROM cache_get_or_run('SELECT big, bigb FROM typed WHERE id = 1', 0)
  AS t(big text, bigb bytea);
SELECT md5(big), md5(bigb) FROM typed WHERE id = 1;

-- the jsonb form equals the query it stands for, miss and hit
SELECT cache_get_or_run_jsonb('SELECT id, n, tstz, j, arr, p, m, x::text AS x FROM typed ORDER BY id', 0)
     = (SELECT coalesce(jsonb_agg(to_jsonb(q)), '[]')
          FROM (SELECT id, n, tstz, j, arr, p, m, x::text AS x FROM typed ORDER BY id) q) AS miss_equal;
SELECT cache_get_or_run_jsonb('SELECT id, n, tstz, j, arr, p, m, x::text AS x FROM typed ORDER BY id', 0)
     = (SELECT coalesce(jsonb_agg(to_jsonb(q)), '[]')
          FROM (SELECT id, n, tstz, j, arr, p, m, x::text AS x FROM typed ORDER BY id) q) AS hit_equal;

-- a row type with a dropped column: rows are remapped
ALTER TABLE users DROP COLUMN team;
SELECT * FROM cache_get_or_run_as(NULL::users, 'SELECT * FROM users ORDER BY id', 0);
SELECT * FROM cache_get_or_run_as(NULL::users, 'SELECT * FROM users ORDER BY id', 0);

-- many rows, same order on a hit
SELECT count(*), sum(g), min(g), max(g) FROM cache_get_or_run('SELECT g FROM generate_series(1, 20000) g', 0) AS t(g int);
SELECT bool_and(g = rn) FROM (SELECT g, row_number() OVER () AS rn
    FROM cache_get_or_run('SELECT g FROM generate_series(1, 20000) g', 0) AS t(g int)) s;
SELECT hits, misses, stores FROM cache_stats();

-- anonymous records: their typmods mean something only in one backend, so
-- such results are returned but never stored
SELECT uncacheable FROM cache_stats() \gset u_
SELECT * FROM cache_get_or_run($q$SELECT row(42, 'hello'::text) AS r$q$, 0) AS t(r record);
SELECT * FROM cache_get_or_run($q$SELECT ARRAY[row(1, 'x'::text)] AS r$q$, 0) AS t(r record[]);
SELECT uncacheable - :u_uncacheable AS more_uncacheable FROM cache_stats();
SELECT count(*) FROM cache_entries WHERE query LIKE 'SELECT row(42%' OR query LIKE 'SELECT ARRAY[row(1%';
-- a named composite whose layout changes is not served in its old layout
CREATE TYPE shape AS (a int, b text);
CREATE TABLE shapes (id int, s shape, ss shape[]);
SELECT cache_watch('shapes');
INSERT INTO shapes VALUES (1, ROW(1, 'one'), ARRAY[ROW(2, 'two')::shape]);
SELECT * FROM cache_get_or_run('SELECT s, ss FROM shapes', 0) AS t(s shape, ss shape[]);
SELECT * FROM cache_get_or_run('SELECT s, ss FROM shapes', 0) AS t(s shape, ss shape[]);
SELECT hits FROM cache_stats() \gset h_
ALTER TYPE shape ALTER ATTRIBUTE a TYPE bigint CASCADE;
SELECT * FROM cache_get_or_run('SELECT s, ss FROM shapes', 0) AS t(s shape, ss shape[]);
SELECT hits - :h_hits AS more_hits FROM cache_stats();
ALTER TYPE shape ADD ATTRIBUTE c numeric CASCADE;
SELECT * FROM cache_get_or_run('SELECT s, ss FROM shapes', 0) AS t(s shape, ss shape[]);
SELECT * FROM cache_get_or_run('SELECT s, ss FROM shapes', 0) AS t(s shape, ss shape[]);
SELECT hits - :h_hits AS more_hits FROM cache_stats();
