# Logical replication apply fires row triggers only (and replays TRUNCATE):
# cachepg's row trigger (which fires for the replica role) and ALWAYS
# truncate trigger make the subscriber's cached results follow the
# publisher's writes, by key where results are pinned to keys.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $pub = PostgreSQL::Test::Cluster->new('publisher');
$pub->init(allows_streaming => 'logical');
$pub->start;

my $sub = PostgreSQL::Test::Cluster->new('subscriber');
$sub->init;
$sub->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'cachepg'
cachepg.auto_watch = off
});
$sub->start;

$pub->safe_psql('postgres', q{
CREATE TABLE t (id int PRIMARY KEY, v int);
INSERT INTO t VALUES (1, 10), (2, 20);
CREATE PUBLICATION p FOR TABLE t;
});
$sub->safe_psql('postgres', q{
CREATE EXTENSION cachepg;
CREATE TABLE t (id int PRIMARY KEY, v int);
SELECT cache_watch('t');
});
my $connstr = $pub->connstr . ' dbname=postgres';
$sub->safe_psql('postgres', "CREATE SUBSCRIPTION s CONNECTION '$connstr' PUBLICATION p");
$sub->wait_for_subscription_sync($pub, 's');

my $read = q{SELECT coalesce(s, 0) FROM cache_get_or_run('SELECT sum(v) AS s FROM t', 0) AS c(s bigint)};
sub stores_hits
{
	return $sub->safe_psql('postgres', 'SELECT stores || \'/\' || hits FROM cache_stats()');
}

is($sub->safe_psql('postgres', $read), '30', 'subscriber reads the initial rows');
is($sub->safe_psql('postgres', $read), '30', 'again');
is(stores_hits(), '1/1', 'stored, then a hit');

$pub->safe_psql('postgres', 'UPDATE t SET v = v + 1 WHERE id = 1');
$pub->wait_for_catchup('s');
is($sub->safe_psql('postgres', $read), '31', 'an applied UPDATE invalidates');

$pub->safe_psql('postgres', 'INSERT INTO t VALUES (3, 100)');
$pub->wait_for_catchup('s');
is($sub->safe_psql('postgres', $read), '131', 'an applied INSERT invalidates');

$pub->safe_psql('postgres', 'DELETE FROM t WHERE id = 2');
$pub->wait_for_catchup('s');
is($sub->safe_psql('postgres', $read), '111', 'an applied DELETE invalidates');
is($sub->safe_psql('postgres', $read), '111', 'and the new result is cached');

# by key: an applied write to row 1 spares row 3's entry
my $key3 = q{SELECT v FROM cache_get_or_run('SELECT v FROM t WHERE id = 3', 0) AS c(v int)};
my $key1 = q{SELECT v FROM cache_get_or_run('SELECT v FROM t WHERE id = 1', 0) AS c(v int)};
is($sub->safe_psql('postgres', $key3), '100', 'row 3 read by key');
is($sub->safe_psql('postgres', $key1), '11', 'row 1 read by key');
is($sub->safe_psql('postgres',
	q{SELECT string_agg(dependencies, ';') FROM cache_entries WHERE query LIKE '%id = 3'}),
	't (1 key)', 'the entry depends on one key');
my $before = stores_hits();
$pub->safe_psql('postgres', 'UPDATE t SET v = 12 WHERE id = 1');
$pub->wait_for_catchup('s');
is($sub->safe_psql('postgres', $key3), '100', 'row 3 after an applied write to row 1');
is($sub->safe_psql('postgres', $key1), '12', 'row 1 is new');
my ($s0, $h0) = split m{/}, $before;
my ($s1, $h1) = split m{/}, stores_hits();
is(($s1 - $s0) . '/' . ($h1 - $h0), '1/1', 'row 3 was a hit, row 1 stored anew');
is($sub->safe_psql('postgres', q{SELECT key_invalidations > 0 FROM cache_stats()}), 't',
	'the apply worker invalidated by key');

$pub->safe_psql('postgres', 'TRUNCATE t');
$pub->wait_for_catchup('s');
is($sub->safe_psql('postgres', $read), '0', 'an applied TRUNCATE invalidates');
is($sub->safe_psql('postgres', qq{SELECT count(*) FROM ($key3) x}), '0',
	'an applied TRUNCATE invalidates key-level entries');
is($sub->safe_psql('postgres', q{SELECT max(writers) FROM cache_tables}), '0',
	'the apply worker leaves no table marked');

$sub->stop;
$pub->stop;
done_testing();
