# Table slots and arena limits under a small configuration (issue 9):
# - temporary tables (ALTER TABLE, foreign keys, serial, views) take no
#   table slot and move no shared generation;
# - the slots of dropped tables (and of dropped databases) are reused, so
#   creating and dropping more tables than cachepg.max_tables never fills
#   the table map; a table re-created under an old name is read afresh; a
#   drop rolled back keeps its slot;
# - a result under cachepg.max_entry_size but larger than the whole arena
#   evicts nothing and is not stored; the start-up log says so.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('slots');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'cachepg'
cachepg.auto_watch = off
cachepg.max_tables = 16
cachepg.memory = '2MB'
cachepg.max_entries = 256
cachepg.max_entry_size = '4MB'
});
$node->start;

like(slurp_file($node->logfile),
	qr/cachepg\.max_entry_size \(4096 kB\) is larger than the cache's arena can hold/,
	'start-up warns that max_entry_size exceeds the arena');

$node->safe_psql('postgres', q{
CREATE EXTENSION cachepg;
CREATE TABLE keep (v int);
SELECT cache_watch('keep');
INSERT INTO keep VALUES (1);
});

sub q1 { return $node->safe_psql('postgres', $_[0]); }
sub stat_of { return q1("SELECT $_[0] FROM cache_stats()"); }

my $global = q{SELECT generation FROM cache_tables WHERE relation IS NULL};
my $slots = q{SELECT count(*) FROM cache_tables};

# Temporary tables: 20 of them, each altered and referenced, in one session.
my $g0 = q1($global);
my $n0 = q1($slots);
q1(q{
CREATE TEMP TABLE ref (n int PRIMARY KEY);
DO $$ BEGIN
  FOR i IN 1..20 LOOP
    EXECUTE format('CREATE TEMP TABLE tmp%s (id serial PRIMARY KEY, r int REFERENCES ref (n))', i);
    EXECUTE format('ALTER TABLE tmp%s ADD COLUMN x int', i);
    EXECUTE format('CREATE TEMP VIEW tmpv%s AS SELECT id FROM tmp%s', i, i);
    EXECUTE format('DROP TABLE tmp%s CASCADE', i);
  END LOOP;
END $$;
});
is(q1($global), $g0, 'temporary tables move no global generation');
is(q1($slots), $n0, 'temporary tables take no table slot');

# Watched tables, each read through the cache (which gives it a slot), then
# dropped: 30 of them through a map of 16 slots.
for my $i (1 .. 30)
{
	q1(qq{
CREATE TABLE w$i (v int);
SELECT cache_watch('w$i');
INSERT INTO w$i VALUES ($i);
SELECT * FROM cache_get_or_run('SELECT v FROM w$i', 0) AS c(v int);
DROP TABLE w$i;
});
}
is(stat_of('store_failures'), '0', 'no load ever found the table map full');
q1(q{CREATE TABLE w1 (v int); SELECT cache_watch('w1'); INSERT INTO w1 VALUES (100);});
is(q1(q{SELECT v FROM cache_get_or_run('SELECT v FROM w1', 0) AS c(v int)}), '100',
	'a table re-created under an old name is read afresh');

# A new table still gets a slot: its result is stored, then served, and a
# write to it invalidates it without touching the global generation.
q1(q{CREATE TABLE fresh (v int); SELECT cache_watch('fresh'); INSERT INTO fresh VALUES (5);});
my $read = q{SELECT v FROM cache_get_or_run('SELECT v FROM fresh', 0) AS c(v int)};
my $h0 = stat_of('hits');
is(q1($read), '5', 'fresh table read');
is(q1($read), '5', 'fresh table read again');
is(stat_of('hits') - $h0, 1, 'fresh table result stored and served');
$g0 = q1($global);
q1(q{UPDATE fresh SET v = 6});
is(q1($global), $g0, 'a write to a table with a slot marks only its own');
is(q1($read), '6', 'the write is seen');

# A dropped database's slots are reused too.
q1('CREATE DATABASE other');
for my $i (1 .. 15)
{
	$node->safe_psql('other', $i == 1 ? 'CREATE EXTENSION cachepg' : 'SELECT 1');
	$node->safe_psql('other', qq{
CREATE TABLE o$i (v int);
SELECT cache_watch('o$i');
SELECT * FROM cache_get_or_run('SELECT v FROM o$i', 0) AS c(v int);
});
}
q1('DROP DATABASE other');
my $f0 = stat_of('store_failures');
q1(q{CREATE TABLE after_db (v int); SELECT cache_watch('after_db'); INSERT INTO after_db VALUES (7);});
is(q1(q{SELECT v FROM cache_get_or_run('SELECT v FROM after_db', 0) AS c(v int)}), '7',
	'read after dropping a database');
is(stat_of('store_failures'), $f0, 'the dropped database gave its slots back');

# A table dropped in a rolled-back subtransaction keeps its slot (the drop
# still invalidated its entries: it marked the table).
q1(q{CREATE TABLE kept (v int); SELECT cache_watch('kept'); INSERT INTO kept VALUES (8);});
my $kept = q{SELECT v FROM cache_get_or_run('SELECT v FROM kept', 0) AS c(v int)};
is(q1($kept), '8', 'kept read');
q1(q{BEGIN; SAVEPOINT s; DROP TABLE kept; ROLLBACK TO SAVEPOINT s; COMMIT;});
is(q1(q{SELECT count(*) FROM cache_tables WHERE relation = 'kept'::regclass}), '1',
	'a rolled-back drop keeps the slot');

# A result larger than the arena (but under max_entry_size) evicts nothing.
q1(q{SELECT count(*) FROM generate_series(1, 50) g,
       LATERAL cache_get_or_run('SELECT $1::int AS g', 0, g) AS c(g int)});
# (the entry of "kept", which the rolled-back drop invalidated, is freed by
# the background reclaimer: wait for it, every other entry is live)
$node->poll_query_until('postgres',
	q{SELECT count(*) = 0 FROM cache_entries WHERE query = 'SELECT v FROM kept'})
  or die 'the invalidated entry was not reclaimed';
my $entries = stat_of('entries');
my $ev0 = stat_of('evictions');
my $tl0 = stat_of('too_large');
for (1 .. 3)
{
	is(q1(q{SELECT length(s) FROM cache_get_or_run('SELECT repeat(''x'', 3000000) AS s', 0) AS c(s text)}),
		'3000000', 'a result larger than the arena is returned');
}
is(stat_of('evictions'), $ev0, 'nothing was evicted for it');
is(stat_of('entries'), $entries, 'every entry stayed');
is(stat_of('too_large') - $tl0, 3, 'it counts as too large');

$node->stop;
done_testing();
