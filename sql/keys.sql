-- The key: role, search_path, settings and parameter types each give their
-- own entry; the same inputs share one.
SELECT cache_clear() >= 0 AS cleared;
CREATE SCHEMA s1;
CREATE SCHEMA s2;
CREATE TABLE s1.k (v text);
CREATE TABLE s2.k (v text);
SELECT cache_watch('s1.k'), cache_watch('s2.k');
INSERT INTO s1.k VALUES ('from s1');
INSERT INTO s2.k VALUES ('from s2');
CREATE ROLE key_a;
CREATE ROLE key_b;
GRANT USAGE ON SCHEMA s1, s2 TO key_a, key_b;
GRANT SELECT ON s1.k, s2.k TO key_a, key_b;

CREATE FUNCTION entries_for(q text) RETURNS bigint LANGUAGE sql AS
  $$ SELECT count(*) FROM cache_entries WHERE query = q $$;

-- search_path: the same text names different tables
SET search_path = s1, public;
SELECT * FROM cache_get_or_run('SELECT v FROM k', 0) AS t(v text);
SET search_path = s2, public;
SELECT * FROM cache_get_or_run('SELECT v FROM k', 0) AS t(v text);
SELECT * FROM cache_get_or_run('SELECT v FROM k', 0) AS t(v text);
SET search_path = s1, public;
SELECT * FROM cache_get_or_run('SELECT v FROM k', 0) AS t(v text);
SELECT entries_for('SELECT v FROM k');
RESET search_path;

-- a search path too long to remember between calls still keys correctly
DO $$ BEGIN
  FOR i IN 1 .. 40 LOOP EXECUTE format('CREATE SCHEMA long_%s', i); END LOOP;
END $$;
SELECT set_config('search_path', string_agg('long_' || i, ', ') || ', s2, public', false) IS NOT NULL AS set
  FROM generate_series(1, 40) i;
SELECT cache_stats_reset();
SELECT * FROM cache_get_or_run('SELECT v FROM k', 0) AS t(v text);
SELECT * FROM cache_get_or_run('SELECT v FROM k', 0) AS t(v text);
SELECT hits, misses FROM cache_stats();
SET search_path = s1, public;
SELECT * FROM cache_get_or_run('SELECT v FROM k', 0) AS t(v text);
RESET search_path;
DO $$ BEGIN
  FOR i IN 1 .. 40 LOOP EXECUTE format('DROP SCHEMA long_%s', i); END LOOP;
END $$;

-- role: each effective role has its own entry
SELECT cache_stats_reset();
SET ROLE key_a;
SELECT * FROM cache_get_or_run('SELECT v, current_user::text AS who FROM s1.k', 0) AS t(v text, who text);
SET ROLE key_b;
SELECT * FROM cache_get_or_run('SELECT v, current_user::text AS who FROM s1.k', 0) AS t(v text, who text);
SET ROLE key_a;
SELECT * FROM cache_get_or_run('SELECT v, current_user::text AS who FROM s1.k', 0) AS t(v text, who text);
RESET ROLE;
SELECT entries_for('SELECT v, current_user::text AS who FROM s1.k');
SELECT hits, misses, stores FROM cache_stats();

-- TimeZone changes what a timestamptz prints as
SET TimeZone = 'UTC';
SELECT * FROM cache_get_or_run($q$SELECT '2024-01-01 12:00+00'::timestamptz::text AS t$q$, 0) AS t(t text);
SET TimeZone = 'Asia/Tokyo';
SELECT * FROM cache_get_or_run($q$SELECT '2024-01-01 12:00+00'::timestamptz::text AS t$q$, 0) AS t(t text);
SELECT entries_for($q$SELECT '2024-01-01 12:00+00'::timestamptz::text AS t$q$);
RESET TimeZone;

-- DateStyle changes how a date string is read
SET DateStyle = 'ISO, MDY';
SELECT * FROM cache_get_or_run($q$SELECT '01/02/2024'::date::text AS d$q$, 0) AS t(d text);
SET DateStyle = 'ISO, DMY';
SELECT * FROM cache_get_or_run($q$SELECT '01/02/2024'::date::text AS d$q$, 0) AS t(d text);
SELECT entries_for($q$SELECT '01/02/2024'::date::text AS d$q$);
RESET DateStyle;

-- standard_conforming_strings changes how the text is parsed
SET standard_conforming_strings = on;
SELECT * FROM cache_get_or_run($q$SELECT 'a\nb' AS s$q$, 0) AS t(s text);
SET standard_conforming_strings = off;
SELECT * FROM cache_get_or_run($q$SELECT 'a\nb' AS s$q$, 0) AS t(s text);
RESET standard_conforming_strings;
SELECT entries_for($q$SELECT 'a\nb' AS s$q$);

-- extra_float_digits and bytea_output change output text
SET extra_float_digits = 0;
SELECT * FROM cache_get_or_run('SELECT (0.1::float8 * 3)::text AS f', 0) AS t(f text);
SET extra_float_digits = 3;
SELECT * FROM cache_get_or_run('SELECT (0.1::float8 * 3)::text AS f', 0) AS t(f text);
RESET extra_float_digits;
SET bytea_output = 'escape';
SELECT * FROM cache_get_or_run($q$SELECT '\x41ff'::bytea::text AS b$q$, 0) AS t(b text);
RESET bytea_output;
SELECT * FROM cache_get_or_run($q$SELECT '\x41ff'::bytea::text AS b$q$, 0) AS t(b text);

-- timezone_abbreviations changes how an abbreviation in a literal is read
SET TimeZone = 'UTC';
SET timezone_abbreviations = 'Default';
SELECT * FROM cache_get_or_run($q$SELECT '2024-01-01 12:00 EST'::timestamptz::text AS t$q$, 0) AS t(t text);
SET timezone_abbreviations = 'Australia';
SELECT * FROM cache_get_or_run($q$SELECT '2024-01-01 12:00 EST'::timestamptz::text AS t$q$, 0) AS t(t text);
RESET timezone_abbreviations;
RESET TimeZone;
-- xmlbinary changes how bytea is written into XML
SET xmlbinary = 'base64';
SELECT * FROM cache_get_or_run($q$SELECT xmlelement(name x, '\x0102'::bytea)::text AS x$q$, 0) AS t(x text);
SET xmlbinary = 'hex';
SELECT * FROM cache_get_or_run($q$SELECT xmlelement(name x, '\x0102'::bytea)::text AS x$q$, 0) AS t(x text);
RESET xmlbinary;
-- default_text_search_config changes how text is parsed into a tsvector,
-- and switching back serves the first entry again
SET default_text_search_config = 'pg_catalog.english';
SELECT * FROM cache_get_or_run($q$SELECT to_tsvector('The cats')::text AS v$q$, 0) AS t(v text);
SET default_text_search_config = 'pg_catalog.simple';
SELECT * FROM cache_get_or_run($q$SELECT to_tsvector('The cats')::text AS v$q$, 0) AS t(v text);
SET default_text_search_config = 'pg_catalog.english';
SELECT * FROM cache_get_or_run($q$SELECT to_tsvector('The cats')::text AS v$q$, 0) AS t(v text);
RESET default_text_search_config;
SELECT entries_for($q$SELECT to_tsvector('The cats')::text AS v$q$);

-- parameters: value and type are part of the key
SELECT cache_stats_reset();
SELECT * FROM cache_get_or_run('SELECT $1::text AS p', 0, 1) AS t(p text);
SELECT * FROM cache_get_or_run('SELECT $1::text AS p', 0, 1::bigint) AS t(p text);
SELECT * FROM cache_get_or_run('SELECT $1::text AS p', 0, 2) AS t(p text);
SELECT * FROM cache_get_or_run('SELECT $1::text AS p', 0, 1) AS t(p text);
SELECT * FROM cache_get_or_run('SELECT $1::text AS p', 0, 'x'::varchar(5)) AS t(p text);
SELECT * FROM cache_get_or_run('SELECT $1::text AS p', 0, 'x'::varchar(6)) AS t(p text);
SELECT * FROM cache_get_or_run('SELECT $1::text AS p', 0, 'x'::text) AS t(p text);
SELECT * FROM cache_get_or_run('SELECT $1::text AS p', 0, 'x'::text COLLATE "C") AS t(p text);
SELECT * FROM cache_get_or_run('SELECT $1::text AS p', 0, 'x'::text COLLATE "C") AS t(p text);
SELECT hits, misses, stores FROM cache_stats();
-- equal values compare equal however they are stored (detoasted bytes)
CREATE TABLE longval (v text);
SELECT cache_watch('longval');
INSERT INTO longval SELECT string_agg(md5(i::text), '') FROM generate_series(1, 500) i;
SELECT cache_stats_reset();
SELECT length(p) FROM cache_get_or_run('SELECT $1 AS p', 0, (SELECT v FROM longval)) AS t(p text);
SELECT length(p) FROM cache_get_or_run('SELECT $1 AS p', 0, (SELECT v || '' FROM longval)) AS t(p text);
SELECT hits, misses, stores FROM cache_stats();
-- the form is part of the key
SELECT cache_get_or_run_jsonb('SELECT 1 AS x', 0);
SELECT * FROM cache_get_or_run('SELECT 1 AS x', 0) AS t(x int);
SELECT form FROM cache_entries WHERE query = 'SELECT 1 AS x' ORDER BY form;
