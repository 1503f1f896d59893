# Transparent caching on a fresh server, where the admission sketch has
# counted nothing yet:
# - under cachepg.mode = force a statement runs its plan the first time it
#   is seen, is loaded and stored the second time, and hit the third;
# - a hint loads at first sight;
# - table policies outlive a restart (they are a table of the extension).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('transparent');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'cachepg'
cachepg.auto_watch = off
});
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION cachepg;
CREATE TABLE t (id int PRIMARY KEY, v int);
INSERT INTO t SELECT g, g FROM generate_series(1, 100) g;
SELECT cache_watch('t');
});

sub outcome
{
	my ($sql, $setting) = @_;
	my $plan = $node->safe_psql('postgres',
		"$setting EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $sql");
	return $plan =~ /Cache: ([^\n]+)/ ? $1 : 'no cache node';
}

my $force = 'SET cachepg.mode = force;';
my $q = 'SELECT sum(v) FROM t WHERE id < 50';
is(outcome($q, $force), 'miss, not loaded at first sight', 'force: the first time, the plan runs');
is(outcome($q, $force), 'miss, stored', 'force: the second time, it is loaded and stored');
is(outcome($q, $force), 'hit', 'force: then it is a hit');
is($node->safe_psql('postgres', "$force $q"), '1225', 'and the result is the direct one');

my $h = '/* cachepg: ttl=60 */ SELECT sum(v) FROM t WHERE id < 20';
is(outcome($h, ''), 'miss, stored', 'a hint loads at first sight');
is(outcome($h, ''), 'hit', 'then hits');

$node->safe_psql('postgres', q{SELECT cache_table_policy('t', 600)});
$node->restart;
my $p = 'SELECT v FROM t WHERE id = 7';
is(outcome($p, ''), 'miss, stored', 'a policy set before a restart still applies');
is(outcome($p, ''), 'hit', 'and its statement hits');
is($node->safe_psql('postgres', 'SELECT relation, policy_ttl FROM cache_tables WHERE policy_ttl IS NOT NULL'),
	't|600', 'cache_tables shows the policy');

$node->stop;
done_testing();
