-- Key-level invalidation in one session: which results depend on a table by
-- key, which writes invalidate which keys, and every fallback to table-level.
-- kprobe() returns the rows and whether the call was a hit, stored its
-- result, or did neither; kkprobe_p() passes one integer parameter.
SELECT cache_clear() >= 0 AS cleared;
CREATE FUNCTION kprobe(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  h0 bigint; s0 bigint; h1 bigint; s1 bigint; r text;
BEGIN
  SELECT hits, stores INTO h0, s0 FROM cache_stats();
  SELECT string_agg(x, ',') INTO r FROM cache_get_or_run(q, 0) AS t(x text);
  SELECT hits, stores INTO h1, s1 FROM cache_stats();
  RETURN coalesce(r, '<none>') || CASE WHEN h1 > h0 THEN ' (hit)' WHEN s1 > s0 THEN ' (stored)'
                   ELSE ' (not stored)' END;
END $$;
CREATE FUNCTION kprobe_p(q text, p anyelement) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  h0 bigint; s0 bigint; h1 bigint; s1 bigint; r text;
BEGIN
  SELECT hits, stores INTO h0, s0 FROM cache_stats();
  SELECT string_agg(x, ',') INTO r FROM cache_get_or_run(q, 0, p) AS t(x text);
  SELECT hits, stores INTO h1, s1 FROM cache_stats();
  RETURN coalesce(r, '<none>') || CASE WHEN h1 > h0 THEN ' (hit)' WHEN s1 > s0 THEN ' (stored)'
                   ELSE ' (not stored)' END;
END $$;
-- the granularity of the entry of a query text, as cache_entries shows it
CREATE FUNCTION deps_of(q text) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(DISTINCT dependencies, '; ') FROM cache_entries
   WHERE query = q AND datname = current_database() $$;

CREATE TABLE kp (id int PRIMARY KEY, sku text UNIQUE, cat int, v int);
CREATE TABLE kc (id int PRIMARY KEY, name text);
INSERT INTO kc SELECT g, 'cat' || g FROM generate_series(0, 9) g;
ALTER TABLE kp ADD FOREIGN KEY (cat) REFERENCES kc (id) ON UPDATE CASCADE ON DELETE SET NULL;
INSERT INTO kp SELECT g, 's' || g, g % 10, g FROM generate_series(1, 100) g;
ANALYZE kp, kc;

-- default keys: primary key, single-column unique and foreign keys
SELECT cache_watch('kp'), cache_watch('kc');
SELECT relation, watched, key_columns FROM cache_tables WHERE relation IN ('kp'::regclass, 'kc'::regclass) ORDER BY 1;

-- a write to row 42 spares row 7's entry, and the table-level entry is invalidated
SELECT kprobe('SELECT v::text FROM kp WHERE id = 7');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 42');
SELECT kprobe('SELECT sum(v)::text FROM kp');
SELECT deps_of('SELECT v::text FROM kp WHERE id = 7'), deps_of('SELECT sum(v)::text FROM kp');
SELECT key_invalidations AS ki0 FROM cache_stats() \gset
UPDATE kp SET v = v + 1 WHERE id = 42;
SELECT key_invalidations - :ki0 AS keys_invalidated FROM cache_stats();
SELECT kprobe('SELECT v::text FROM kp WHERE id = 7');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 42');
SELECT kprobe('SELECT sum(v)::text FROM kp');

-- parameters, = ANY of a constant or a parameter array, IN lists, other key columns
SELECT kprobe_p('SELECT v::text FROM kp WHERE id = $1', 8);
SELECT kprobe_p('SELECT v::text FROM kp WHERE id = $1', 9);
SELECT kprobe('SELECT string_agg(v::text, ''+'' ORDER BY id) FROM kp WHERE id IN (10, 11, 12)');
SELECT kprobe_p('SELECT string_agg(v::text, ''+'' ORDER BY id) FROM kp WHERE id = ANY($1)', ARRAY[13, 14]);
SELECT kprobe('SELECT v::text FROM kp WHERE sku = ''s15''');
SELECT deps_of('SELECT string_agg(v::text, ''+'' ORDER BY id) FROM kp WHERE id IN (10, 11, 12)');
UPDATE kp SET v = v + 1 WHERE id IN (9, 11, 14, 15);
SELECT kprobe_p('SELECT v::text FROM kp WHERE id = $1', 8);
SELECT kprobe_p('SELECT v::text FROM kp WHERE id = $1', 9);
SELECT kprobe('SELECT string_agg(v::text, ''+'' ORDER BY id) FROM kp WHERE id IN (10, 11, 12)');
SELECT kprobe_p('SELECT string_agg(v::text, ''+'' ORDER BY id) FROM kp WHERE id = ANY($1)', ARRAY[13, 14]);
SELECT kprobe('SELECT v::text FROM kp WHERE sku = ''s15''');
-- a write that changes only sku invalidates the old and the new sku, and the id
SELECT kprobe('SELECT v::text FROM kp WHERE sku = ''s16''');
SELECT kprobe('SELECT coalesce(max(v), 0)::text FROM kp WHERE sku = ''new16''');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 16');
UPDATE kp SET sku = 'new16' WHERE id = 16;
SELECT kprobe('SELECT v::text FROM kp WHERE sku = ''s16''');
SELECT kprobe('SELECT coalesce(max(v), 0)::text FROM kp WHERE sku = ''new16''');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 16');
-- a key change A -> B: the results for A and for B are both invalidated
SELECT kprobe('SELECT coalesce(max(v), 0)::text FROM kp WHERE id = 17');
SELECT kprobe('SELECT coalesce(max(v), 0)::text FROM kp WHERE id = 1017');
UPDATE kp SET id = 1017 WHERE id = 17;
SELECT kprobe('SELECT coalesce(max(v), 0)::text FROM kp WHERE id = 17');
SELECT kprobe('SELECT coalesce(max(v), 0)::text FROM kp WHERE id = 1017');
-- INSERT of a key that had no row, and DELETE
SELECT kprobe('SELECT count(*)::text FROM kp WHERE id = 500');
SELECT kprobe('SELECT count(*)::text FROM kp WHERE id = 18');
INSERT INTO kp VALUES (500, 's500', 1, 500);
DELETE FROM kp WHERE id = 18;
SELECT kprobe('SELECT count(*)::text FROM kp WHERE id = 500');
SELECT kprobe('SELECT count(*)::text FROM kp WHERE id = 18');
-- = NULL matches nothing: the planner drops the scan, so the table counts
SELECT kprobe('SELECT count(*)::text FROM kp WHERE id = NULL::int');
SELECT deps_of('SELECT count(*)::text FROM kp WHERE id = NULL::int');

-- INSERT ... ON CONFLICT, both paths
SELECT kprobe('SELECT v::text FROM kp WHERE id = 20');
SELECT kprobe('SELECT count(*)::text FROM kp WHERE id = 600');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 21');
INSERT INTO kp VALUES (20, 's20', 0, -20) ON CONFLICT (id) DO UPDATE SET v = excluded.v;
INSERT INTO kp VALUES (600, 's600', 0, 600) ON CONFLICT (id) DO NOTHING;
SELECT kprobe('SELECT v::text FROM kp WHERE id = 20');
SELECT kprobe('SELECT count(*)::text FROM kp WHERE id = 600');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 21');
-- MERGE
SELECT kprobe('SELECT v::text FROM kp WHERE id = 22');
SELECT kprobe('SELECT count(*)::text FROM kp WHERE id = 700');
MERGE INTO kp USING (VALUES (22, 's22', 0, 2222), (700, 's700', 0, 700)) AS s(id, sku, cat, v)
  ON kp.id = s.id
  WHEN MATCHED THEN UPDATE SET v = s.v
  WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.sku, s.cat, s.v);
SELECT kprobe('SELECT v::text FROM kp WHERE id = 22');
SELECT kprobe('SELECT count(*)::text FROM kp WHERE id = 700');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 21');
-- COPY
SELECT kprobe('SELECT count(*)::text FROM kp WHERE id = 800');
COPY kp FROM stdin;
800	s800	1	800
801	s801	1	801
\.
SELECT kprobe('SELECT count(*)::text FROM kp WHERE id = 800');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 21');
-- a foreign-key cascade writes kp's rows with cat = 3: by the fk column
SELECT kprobe('SELECT count(*)::text FROM kp WHERE cat = 3');
SELECT kprobe('SELECT count(*)::text FROM kp WHERE cat = 4');
UPDATE kc SET id = 33 WHERE id = 3;
SELECT kprobe('SELECT count(*)::text FROM kp WHERE cat = 3');
SELECT kprobe('SELECT count(*)::text FROM kp WHERE cat = 33');
SELECT kprobe('SELECT count(*)::text FROM kp WHERE cat = 4');
DELETE FROM kc WHERE id = 4;    -- ON DELETE SET NULL
SELECT kprobe('SELECT count(*)::text FROM kp WHERE cat = 4');

-- joins: key-level on the pinned side, table-level on the other
SELECT kprobe('SELECT kc.name FROM kp JOIN kc ON kc.id = kp.cat WHERE kp.id = 23');
SELECT deps_of('SELECT kc.name FROM kp JOIN kc ON kc.id = kp.cat WHERE kp.id = 23');
UPDATE kp SET v = v + 1 WHERE id = 24;
SELECT kprobe('SELECT kc.name FROM kp JOIN kc ON kc.id = kp.cat WHERE kp.id = 23');
UPDATE kc SET name = 'renamed' WHERE id = 9;
SELECT kprobe('SELECT kc.name FROM kp JOIN kc ON kc.id = kp.cat WHERE kp.id = 23');
-- both sides pinned by constants
SELECT kprobe('SELECT kc.name || kp.v FROM kp, kc WHERE kp.id = 25 AND kc.id = 5');
SELECT deps_of('SELECT kc.name || kp.v FROM kp, kc WHERE kp.id = 25 AND kc.id = 5');
-- a nested-loop parameter carries other rows' values: the inner side is not pinned
SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_material = off;
SELECT kprobe('SELECT string_agg(kp.v::text, '','' ORDER BY kp.id) FROM kc JOIN kp ON kp.id = kc.id WHERE kc.name = ''cat5''');
SELECT deps_of('SELECT string_agg(kp.v::text, '','' ORDER BY kp.id) FROM kc JOIN kp ON kp.id = kc.id WHERE kc.name = ''cat5''');
RESET enable_hashjoin; RESET enable_mergejoin; RESET enable_material;
-- a subquery per row (PARAM_EXEC) pins nothing either
SELECT kprobe('SELECT (SELECT v FROM kp WHERE kp.id = kc.id)::text FROM kc WHERE kc.id = 6');
SELECT deps_of('SELECT (SELECT v FROM kp WHERE kp.id = kc.id)::text FROM kc WHERE kc.id = 6');
-- an OR is not a top-level condition
SELECT kprobe('SELECT count(*)::text FROM kp WHERE id = 26 OR v = 5');
SELECT deps_of('SELECT count(*)::text FROM kp WHERE id = 26 OR v = 5');

-- values equal under the operator map to the same key
CREATE TABLE kt (i2 int2 PRIMARY KEY, n numeric UNIQUE, t text UNIQUE, vc varchar(10) UNIQUE, x int);
INSERT INTO kt VALUES (1, 1.5, 'a', 'va', 0), (2, 2.0, 'b', 'vb', 0);
SELECT cache_watch('kt');
SELECT key_columns FROM cache_tables WHERE relation = 'kt'::regclass;
SELECT kprobe('SELECT x::text FROM kt WHERE i2 = 1::int8');       -- int2 = int8
SELECT kprobe('SELECT x::text FROM kt WHERE n = 2.000');          -- numeric scale
SELECT kprobe('SELECT x::text FROM kt WHERE t = ''a''::varchar');  -- text = varchar
SELECT kprobe('SELECT x::text FROM kt WHERE vc = ''vb''');        -- varchar = text
SELECT deps_of('SELECT x::text FROM kt WHERE i2 = 1::int8'), deps_of('SELECT x::text FROM kt WHERE n = 2.000');
UPDATE kt SET x = 1;
SELECT kprobe('SELECT x::text FROM kt WHERE i2 = 1::int8');
SELECT kprobe('SELECT x::text FROM kt WHERE n = 2.000');
SELECT kprobe('SELECT x::text FROM kt WHERE t = ''a''::varchar');
SELECT kprobe('SELECT x::text FROM kt WHERE vc = ''vb''');
SELECT kprobe('SELECT x::text FROM kt WHERE n = 2.0');
UPDATE kt SET x = 2 WHERE n = 2;                                 -- numeric 2 = 2.000
SELECT kprobe('SELECT x::text FROM kt WHERE n = 2.000');
SELECT kprobe('SELECT x::text FROM kt WHERE i2 = 1::int8');

-- a case-insensitive collation: 'ABC' and 'abc' are one key
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE kci (name text COLLATE ci PRIMARY KEY, x int);
INSERT INTO kci VALUES ('abc', 0), ('def', 0);
SELECT cache_watch('kci');
SELECT kprobe('SELECT x::text FROM kci WHERE name = ''ABC''');
SELECT kprobe('SELECT x::text FROM kci WHERE name = ''def''');
SELECT deps_of('SELECT x::text FROM kci WHERE name = ''ABC''');
UPDATE kci SET x = 1 WHERE name = 'abc';
SELECT kprobe('SELECT x::text FROM kci WHERE name = ''ABC''');
SELECT kprobe('SELECT x::text FROM kci WHERE name = ''def''');
-- under another nondeterministic collation the pin is not trusted: table-level
CREATE COLLATION ci2 (provider = icu, locale = 'und-u-ks-level1', deterministic = false);
SELECT kprobe('SELECT x::text FROM kci WHERE name = ''DEF'' COLLATE ci2');
SELECT deps_of('SELECT x::text FROM kci WHERE name = ''DEF'' COLLATE ci2');
-- under a deterministic one it is (equal bytes are equal under ci)
SELECT kprobe('SELECT coalesce(max(x), -1)::text FROM kci WHERE name = ''def'' COLLATE "C"');
SELECT deps_of('SELECT coalesce(max(x), -1)::text FROM kci WHERE name = ''def'' COLLATE "C"');

-- explicit keys, keys turned off, and bad input
SELECT cache_watch('kp', keys => ARRAY['v']);
SELECT key_columns FROM cache_tables WHERE relation = 'kp'::regclass;
SELECT kprobe('SELECT v::text FROM kp WHERE id = 30');
SELECT deps_of('SELECT v::text FROM kp WHERE id = 30');
SELECT kprobe('SELECT id::text FROM kp WHERE v = 31');
SELECT deps_of('SELECT id::text FROM kp WHERE v = 31');
SELECT cache_watch('kp', keys => '{}');
SELECT key_columns FROM cache_tables WHERE relation = 'kp'::regclass;
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'kp'::regclass AND tgname LIKE 'cachepg%' ORDER BY 1;
SELECT kprobe('SELECT v::text FROM kp WHERE id = 30');
SELECT deps_of('SELECT v::text FROM kp WHERE id = 30');
SELECT cache_watch('kp', keys => ARRAY['nope']);
SELECT cache_watch('kp', keys => ARRAY['ctid']);
SELECT cache_watch('kp', keys => ARRAY[NULL]);
SELECT cache_watch('kp', keys => ARRAY[['id']]);
CREATE TABLE kjson (id int, j json);
SELECT cache_watch('kjson', keys => ARRAY['j']);
SELECT cache_watch('kp');
SELECT key_columns FROM cache_tables WHERE relation = 'kp'::regclass;
-- keys are column names: a renamed key column is named anew
ALTER TABLE kt RENAME COLUMN t TO t2;
SELECT key_columns FROM cache_tables WHERE relation = 'kt'::regclass;
SELECT kprobe('SELECT x::text FROM kt WHERE t2 = ''a''');
SELECT deps_of('SELECT x::text FROM kt WHERE t2 = ''a''');
-- also through a partitioned table (the partitions carry the keys)
CREATE TABLE kren (id int, r int, v int, PRIMARY KEY (id, r)) PARTITION BY LIST (r);
CREATE TABLE kren_1 PARTITION OF kren FOR VALUES IN (1);
SELECT cache_watch('kren');
ALTER TABLE kren RENAME COLUMN id TO ident;
SELECT relation, key_columns FROM cache_tables WHERE relation::text LIKE 'kren%' ORDER BY 1;
-- also where the owner unwatched the table (the trigger stays disabled), and
-- with a stale key name left by a dropped column
SELECT cache_unwatch('kren');
ALTER TABLE kren RENAME COLUMN ident TO id2;
SELECT tgname, tgenabled, encode(tgargs, 'escape') AS args FROM pg_trigger
 WHERE tgrelid = 'kren_1'::regclass AND tgname = 'cachepg_rows';
SELECT cache_watch('kren', keys => ARRAY['id2', 'v']);
ALTER TABLE kren DROP COLUMN v;
ALTER TABLE kren RENAME COLUMN id2 TO id3;
SELECT relation, key_columns FROM cache_tables WHERE relation = 'kren_1'::regclass;
DROP TABLE kren;
-- dropping a trigger changes only its table's results
CREATE TABLE kdt (id int PRIMARY KEY, v int);
CREATE FUNCTION kdt_noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';
CREATE TRIGGER kdt_t AFTER UPDATE ON kdt FOR EACH ROW EXECUTE FUNCTION kdt_noop();
SELECT kprobe('SELECT v::text FROM kp WHERE id = 56');
DROP TRIGGER kdt_t ON kdt;
SELECT kprobe('SELECT v::text FROM kp WHERE id = 56');
DROP TABLE kdt;
DROP FUNCTION kdt_noop();

-- past cachepg.max_keys: reads depend on the whole table, writes invalidate it all
SET cachepg.max_keys = 2;
SELECT kprobe('SELECT string_agg(v::text, ''+'' ORDER BY id) FROM kp WHERE id IN (40, 41, 42)');
SELECT deps_of('SELECT string_agg(v::text, ''+'' ORDER BY id) FROM kp WHERE id IN (40, 41, 42)');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 43');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 44');
UPDATE kp SET v = v + 1 WHERE id IN (50, 51);          -- two rows: keyed
SELECT kprobe('SELECT v::text FROM kp WHERE id = 43');
UPDATE kp SET v = v + 1 WHERE id IN (50, 51, 52);      -- three: the whole table
SELECT kprobe('SELECT v::text FROM kp WHERE id = 43');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 44');
-- the bound is per transaction
BEGIN;
UPDATE kp SET v = v + 1 WHERE id = 50;
UPDATE kp SET v = v + 1 WHERE id = 51;
UPDATE kp SET v = v + 1 WHERE id = 52;
COMMIT;
SELECT kprobe('SELECT v::text FROM kp WHERE id = 43');
RESET cachepg.max_keys;

-- lowering cachepg.max_keys in the middle of a transaction hides nothing
SELECT kprobe('SELECT v::text FROM kp WHERE id = 53');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 53');
BEGIN;
UPDATE kp SET v = v + 1 WHERE id = 54;
SET LOCAL cachepg.max_keys = 0;
UPDATE kp SET v = 5300 WHERE id = 53;
COMMIT;
SELECT kprobe('SELECT v::text FROM kp WHERE id = 53');

-- across types under a nondeterministic collation the hashes differ: table-level
CREATE TABLE kname (id int PRIMARY KEY, email text COLLATE ci UNIQUE, x int);
INSERT INTO kname VALUES (1, 'abc', 1);
SELECT cache_watch('kname');
SELECT kprobe('SELECT x::text FROM kname WHERE email = ''abc''::name COLLATE "C"');
SELECT deps_of('SELECT x::text FROM kname WHERE email = ''abc''::name COLLATE "C"');
UPDATE kname SET x = 2 WHERE id = 1;
SELECT kprobe('SELECT x::text FROM kname WHERE email = ''abc''::name COLLATE "C"');
DROP TABLE kname;

-- only a writer of the table can make its writes unkeyed through the WHEN
-- function; anybody else's calls count for nothing and take no table slot
SELECT kprobe('SELECT v::text FROM kp WHERE id = 55');
SELECT count(*) AS slots FROM cache_tables \gset
CREATE ROLE kl_nobody;
SET cachepg.max_keys = 1;
SET ROLE kl_nobody;
SELECT count(*) FROM (SELECT cache_row_wanted('kp') FROM generate_series(1, 5)) s;
SELECT cache_row_wanted(4000000000::oid);
RESET ROLE;
RESET cachepg.max_keys;
SELECT count(*) - :slots AS new_slots FROM cache_tables;
SELECT kprobe('SELECT v::text FROM kp WHERE id = 55');
-- a writer through a view, without privileges on the table, escalates too
GRANT SELECT ON kp TO kl_nobody;
CREATE VIEW kp_view AS SELECT * FROM kp;
GRANT SELECT, UPDATE ON kp_view TO kl_nobody;
SELECT kprobe('SELECT v::text FROM kp WHERE id = 55');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 55');
SELECT key_invalidations AS ki0 FROM cache_stats() \gset
SET cachepg.max_keys = 2;
SET ROLE kl_nobody;
UPDATE kp_view SET v = v + 1 WHERE id BETWEEN 60 AND 69;
RESET ROLE;
RESET cachepg.max_keys;
-- the third row escalates: the whole table, no key marked
SELECT key_invalidations - :ki0 AS keys_invalidated FROM cache_stats();
SELECT kprobe('SELECT v::text FROM kp WHERE id = 55');
DROP VIEW kp_view;
REVOKE SELECT ON kp FROM kl_nobody;
DROP ROLE kl_nobody;

-- a type hashes only if its elements do: money[] is no key, and writes work
CREATE TABLE kmoney (m money[] PRIMARY KEY, v int);
SELECT cache_watch('kmoney');
SELECT key_columns FROM cache_tables WHERE relation = 'kmoney'::regclass;
INSERT INTO kmoney VALUES (ARRAY[1::money], 1);
SELECT kprobe('SELECT v::text FROM kmoney WHERE m = ARRAY[1::money]');
SELECT deps_of('SELECT v::text FROM kmoney WHERE m = ARRAY[1::money]');
DROP TABLE kmoney;

-- past the bound through a partitioned parent, in the first statement
CREATE TABLE kesc (id int PRIMARY KEY, v int) PARTITION BY RANGE (id);
CREATE TABLE kesc_1 PARTITION OF kesc FOR VALUES FROM (0) TO (1000);
SELECT cache_watch('kesc');
SELECT key_invalidations AS ki0 FROM cache_stats() \gset
SET cachepg.max_keys = 5;
INSERT INTO kesc SELECT g, g FROM generate_series(1, 50) g;
RESET cachepg.max_keys;
SELECT key_invalidations - :ki0 AS keys_invalidated FROM cache_stats();
DROP TABLE kesc;

-- TRUNCATE and DDL invalidate key-level entries too
SELECT kprobe('SELECT v::text FROM kp WHERE id = 45');
ALTER TABLE kp ADD COLUMN extra int;
SELECT kprobe('SELECT v::text FROM kp WHERE id = 45');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 45');
CREATE TABLE ktr (id int PRIMARY KEY, v int);
INSERT INTO ktr VALUES (1, 1);
SELECT cache_watch('ktr');
SELECT kprobe('SELECT v::text FROM ktr WHERE id = 1');
TRUNCATE ktr;
SELECT kprobe('SELECT count(*)::text FROM ktr WHERE id = 1');

-- read-your-writes: a transaction that wrote a table is not served its
-- key-level entries, even from within the writing statement
SELECT kprobe('SELECT v::text FROM kp WHERE id = 46');
SELECT kprobe('SELECT v::text FROM kp WHERE id = 46');
WITH u AS (UPDATE kp SET v = 4600 WHERE id = 47 RETURNING 1)
SELECT (SELECT count(*) FROM u) AS updated, kprobe('SELECT v::text FROM kp WHERE id = 46');
BEGIN;
UPDATE kp SET v = 4601 WHERE id = 46;
SELECT kprobe('SELECT v::text FROM kp WHERE id = 46');
ROLLBACK;
SELECT kprobe('SELECT v::text FROM kp WHERE id = 46');

-- partitions: writes straight into a partition or through the parent, and rows moving
CREATE TABLE kpart (id int, region text, v int, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE kpart_eu PARTITION OF kpart FOR VALUES IN ('eu');
CREATE TABLE kpart_us PARTITION OF kpart FOR VALUES IN ('us');
INSERT INTO kpart SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END, g FROM generate_series(1, 20) g;
SELECT cache_watch('kpart');
SELECT relation, key_columns FROM cache_tables WHERE relation::text LIKE 'kpart%' ORDER BY 1;
SELECT kprobe('SELECT string_agg(region || v, '','') FROM kpart WHERE id = 2');
SELECT kprobe('SELECT string_agg(region || v, '','') FROM kpart WHERE id = 4');
SELECT kprobe('SELECT string_agg(region || v, '','') FROM kpart WHERE id = 5');
SELECT deps_of('SELECT string_agg(region || v, '','') FROM kpart WHERE id = 2');
UPDATE kpart SET v = 200 WHERE id = 2;                  -- through the parent
UPDATE kpart_eu SET v = 400 WHERE id = 4;               -- straight into the partition
SELECT kprobe('SELECT string_agg(region || v, '','') FROM kpart WHERE id = 2');
SELECT kprobe('SELECT string_agg(region || v, '','') FROM kpart WHERE id = 4');
SELECT kprobe('SELECT string_agg(region || v, '','') FROM kpart WHERE id = 5');
UPDATE kpart SET region = 'eu' WHERE id = 5;            -- moves us -> eu
SELECT kprobe('SELECT string_agg(region || v, '','') FROM kpart WHERE id = 5');
SELECT kprobe('SELECT coalesce(string_agg(region || v, '',''), ''none'') FROM kpart_us WHERE id = 5');

-- session_replication_role = replica: the row trigger still fires
SELECT kprobe('SELECT v::text FROM kp WHERE id = 48');
SET session_replication_role = replica;
UPDATE kp SET v = 4800 WHERE id = 48;
RESET session_replication_role;
SELECT kprobe('SELECT v::text FROM kp WHERE id = 48');

DROP TABLE kpart, kci, kt, kjson, ktr, kp, kc;
DROP COLLATION ci;
DROP COLLATION ci2;
DROP FUNCTION kprobe(text), kprobe_p(text, anyelement), deps_of(text);
