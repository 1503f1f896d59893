# Restarts, crashes and replicas (DESIGN invariants 1 and 6):
# - after a restart with a prepared transaction pending, nothing is stored
#   until no prepared transaction from before the restart remains;
# - a backend that dies mid-transaction (FATAL, or killed, which makes the
#   postmaster reinitialise shared memory) leaves no table marked;
# - on a hot standby nothing is stored, queries still return the right rows,
#   and the stats say why.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('primary');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'cachepg'
max_prepared_transactions = 5
cachepg.auto_watch = off
restart_after_crash = on
});
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION cachepg;
CREATE TABLE t (v int);
SELECT cache_watch('t');
INSERT INTO t VALUES (1);
});

my $read = q{SELECT s FROM cache_get_or_run('SELECT sum(v) AS s FROM t', 0) AS c(s bigint)};
sub stat_of
{
	my ($n, $col) = @_;
	return $n->safe_psql('postgres', "SELECT $col FROM cache_stats()");
}

is($node->safe_psql('postgres', $read), '1', 'first read');
is(stat_of($node, 'stores'), '1', 'first read stored');

# a prepared transaction survives a restart; its writes were never seen by
# the new shared memory
$node->safe_psql('postgres', q{
BEGIN; INSERT INTO t VALUES (10); PREPARE TRANSACTION 'pending';
});
$node->restart;
is($node->safe_psql('postgres', $read), '1', 'read after restart sees committed rows only');
is($node->safe_psql('postgres', $read), '1', 'and again');
is(stat_of($node, 'stores'), '0', 'nothing stored while a prepared transaction from before the restart is pending');
ok(stat_of($node, 'write_conflicts') >= 2, 'counted as write conflicts');

$node->safe_psql('postgres', q{COMMIT PREPARED 'pending'});
is($node->safe_psql('postgres', $read), '11', 'the prepared write is seen once committed');
is(stat_of($node, 'stores'), '1', 'and stored');
is($node->safe_psql('postgres', $read), '11', 'hit');
is(stat_of($node, 'hits'), '1', 'served from the cache');

# the same for a REPEATABLE READ snapshot taken while it was pending: it
# neither stores nor is served, though the flag is clear by then
$node->safe_psql('postgres', q{
BEGIN; INSERT INTO t VALUES (100); PREPARE TRANSACTION 'pending2';
});
$node->restart;
my $rr = $node->background_psql('postgres');
$rr->query_safe(q{BEGIN ISOLATION LEVEL REPEATABLE READ});
is($rr->query_safe(q{SELECT sum(v) FROM t}), '11', 'RR snapshot taken while the prepared transaction is pending');
$node->safe_psql('postgres', q{COMMIT PREPARED 'pending2'});
$node->safe_psql('postgres', 'SELECT cache_stats_reset()');
is($rr->query_safe($read), '11', 'the old snapshot reads its own answer');
is($rr->query_safe($read), '11', 'again');
is(stat_of($node, 'stores') . '/' . stat_of($node, 'hits'), '0/0',
	'the old snapshot neither stores nor is served');
$rr->query_safe('COMMIT');
is($node->safe_psql('postgres', $read), '111', 'a new snapshot sees the prepared write');
is($node->safe_psql('postgres', $read), '111', 'again');
is(stat_of($node, 'stores') . '/' . stat_of($node, 'hits'), '1/1', 'and is cached');
$node->safe_psql('postgres', q{DELETE FROM t WHERE v = 100});

# a backend terminated (FATAL) mid-transaction: its abort releases the marks
my $bg = $node->background_psql('postgres');
$bg->query_safe(q{BEGIN; UPDATE t SET v = v + 100});
my $pid = $bg->query_safe(q{SELECT pg_backend_pid()});
is($node->safe_psql('postgres', q{SELECT writers FROM cache_tables WHERE relation = 't'::regclass}),
	'1', 'the writer is in flight');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid, 10000)");
$bg->quit;
$node->poll_query_until('postgres',
	q{SELECT writers = 0 FROM cache_tables WHERE relation = 't'::regclass})
  or die 'marks of the terminated backend were not released';
pass('a terminated writer leaves no table marked');
$node->safe_psql('postgres', 'SELECT cache_stats_reset()');
is($node->safe_psql('postgres', $read), '11', 'the terminated write is not seen');
is($node->safe_psql('postgres', $read), '11', 'again');
is(stat_of($node, 'hits'), '1', 'results are stored again after it');

# a backend killed mid-transaction: crash restart, shared memory starts over
$bg = $node->background_psql('postgres');
$bg->query_safe(q{BEGIN; UPDATE t SET v = v + 1000});
$pid = $bg->query_safe(q{SELECT pg_backend_pid()});
kill 'KILL', $pid;
eval { $bg->quit; };
$node->poll_query_until('postgres', 'SELECT 1', '1')
  or die 'server did not come back after the crash';
is($node->safe_psql('postgres', q{SELECT coalesce(max(writers), 0) FROM cache_tables}),
	'0', 'after a crash no table is marked');
is($node->safe_psql('postgres', $read), '11', 'the killed write is not seen');
is($node->safe_psql('postgres', $read), '11', 'again');
is(stat_of($node, 'hits'), '1', 'the cache works after the crash');

# hot standby
$node->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'b', has_streaming => 1);
$standby->start;
$node->safe_psql('postgres', q{UPDATE t SET v = v + 5});
$node->wait_for_catchup($standby, 'replay', $node->lsn('insert'));
is($standby->safe_psql('postgres', $read), '21', 'standby reads the replayed value');
is($standby->safe_psql('postgres', $read), '21', 'again');
$node->safe_psql('postgres', q{UPDATE t SET v = v + 5});
$node->wait_for_catchup($standby, 'replay', $node->lsn('insert'));
is($standby->safe_psql('postgres', $read), '31', 'and sees the next write');
is($standby->safe_psql('postgres', 'SELECT stores, hits, entries FROM cache_stats()'),
	'0|0|0', 'nothing is stored on a standby');
ok($standby->safe_psql('postgres', 'SELECT standby FROM cache_stats()') >= 3,
	'the stats say the standby is why');

$standby->stop;
$node->stop;
done_testing();
