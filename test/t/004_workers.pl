# Single-flight and the background workers across failures:
# - a loader terminated (FATAL) while others wait for it wakes them, and
#   one of them takes over: the query runs twice, is stored once;
# - a refresh as a role that lost SELECT meanwhile drops the entry, logs
#   why once, and never serves anything;
# - after a crash restart the reclaimer runs again and refreshes work.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('workers');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'cachepg'
cachepg.auto_watch = off
restart_after_crash = on
});
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION cachepg;
CREATE TABLE t (v int);
SELECT cache_watch('t');
INSERT INTO t VALUES (1), (2);
CREATE ROLE reader LOGIN;
GRANT SELECT ON t TO reader;
});

my $read = q{SELECT s FROM cache_get_or_run('SELECT sum(v) AS s FROM t', 60) AS c(s bigint)};
sub stats
{
	my ($cols) = @_;
	return $node->safe_psql('postgres', "SELECT $cols FROM cache_stats()");
}

# --- a terminated loader wakes its waiters, one takes over
my $ctl = $node->background_psql('postgres');
$ctl->query_safe('SELECT pg_advisory_lock(90)');
$node->safe_psql('postgres', 'SELECT cache_stats_reset()');
my $loader = $node->background_psql('postgres');
$loader->query_safe('SET cachepg.test_store_lock = 90');
my $lpid = $loader->query_safe('SELECT pg_backend_pid()');
$loader->query_until(qr/started/, "\\echo started\n$read;\n");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_locks WHERE pid = $lpid AND NOT granted")
  or die 'the loader did not reach its store';
my @waiters;
for my $i (1 .. 2)
{
	my $w = $node->background_psql('postgres');
	$w->query_until(qr/started/, "\\echo started\n$read;\n");
	push @waiters, $w;
}
$node->poll_query_until('postgres',
	q{SELECT count(*) = 2 FROM pg_stat_activity WHERE wait_event_type = 'Extension' AND query LIKE '%cache_get_or_run%'})
  or die 'the callers did not wait for the loader';
pass('two callers wait for the loader');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($lpid)");
eval { $loader->quit; };
for my $w (@waiters)
{
	like($w->query_safe(q{SELECT 'done'}), qr/^3\s+done$/m, 'a waiter gets the rows');
	$w->quit;
}
is(stats('misses, stores, coalesced'), '2|1|1',
	'one waiter took over and stored, the other was served its result');
$ctl->query_safe('SELECT pg_advisory_unlock_all()');
$ctl->quit;

# --- a refresh as a role that lost SELECT drops the entry and logs it once
$node->safe_psql('postgres', q{
ALTER SYSTEM SET cachepg.test_refresh_delay_ms = 2000;
SELECT pg_reload_conf();
SELECT cache_clear(), cache_stats_reset();
});
my $log_offset = -s $node->logfile;
my $as_reader = q{SET cachepg.stale_while_revalidate = 60;
SELECT s FROM cache_get_or_run('SELECT sum(v) AS s FROM t', 1) AS c(s bigint)};
is($node->psql('postgres', $as_reader, extra_params => ['-U', 'reader'], on_error_die => 1), 0, 'stored');
sleep(2);
my $out = $node->safe_psql('postgres', $as_reader, extra_params => ['-U', 'reader']);
is($out, '3', 'served stale, refresh asked for');
is(stats('stale_hits'), '1', 'counted as a stale hit');
$node->safe_psql('postgres', 'REVOKE SELECT ON t FROM reader');
$node->poll_query_until('postgres', 'SELECT refresh_failures = 1 FROM cache_stats()')
  or die 'the refresh did not fail';
is($node->safe_psql('postgres', 'SELECT count(*) FROM cache_entries'), '0', 'the entry is dropped');
is(stats('refreshes'), '0', 'nothing was stored by the refresh');
my $log = slurp_file($node->logfile, $log_offset);
my @lines = ($log =~ /cachepg dropped a cached result it could not refresh: (.*)/g);
is(scalar(@lines), 1, 'logged once');
like($lines[0], qr/permission denied for table t/, 'with the reason');
my ($rc, $stdout, $stderr) = $node->psql('postgres', $as_reader, extra_params => ['-U', 'reader']);
like($stderr, qr/permission denied for table t/, 'the reader gets the direct query\'s error');
$node->safe_psql('postgres', q{
GRANT SELECT ON t TO reader;
ALTER SYSTEM RESET cachepg.test_refresh_delay_ms;
SELECT pg_reload_conf();
});

# --- a refresh keeps the dependencies the caller declared (cachepg.depends_on),
# whatever the worker's own setting is
$node->safe_psql('postgres', q{
ALTER DATABASE postgres SET cachepg.depends_on = 'none';
CREATE TABLE items (v int);
CREATE TABLE rates (r int);
SELECT cache_watch('items'), cache_watch('rates');
INSERT INTO items VALUES (2);
INSERT INTO rates VALUES (11);
CREATE FUNCTION rate() RETURNS int LANGUAGE plpgsql STABLE
  AS $$ BEGIN RETURN (SELECT r FROM rates); END $$;
SELECT cache_clear(), cache_stats_reset();
});
my $priced = q{SET cachepg.depends_on = 'rates'; SET cachepg.refresh_on_write = on;
SELECT s FROM cache_get_or_run('SELECT sum(v * rate()) AS s FROM items', 0) AS c(s bigint)};
is($node->safe_psql('postgres', $priced), '22', 'stored with a declared dependency');
is($node->safe_psql('postgres', $priced), '22', 'hit, so registered for a refresh after writes');
$node->safe_psql('postgres', 'UPDATE items SET v = 3');
$node->poll_query_until('postgres', 'SELECT refreshes = 1 FROM cache_stats()')
  or die 'no refresh after the write';
like($node->safe_psql('postgres', q{SELECT dependencies FROM cache_entries WHERE query LIKE '%rate()%'}),
	qr/rates/, 'the refreshed entry still depends on the declared table');
$node->safe_psql('postgres', 'UPDATE rates SET r = 100');
is($node->safe_psql('postgres', $priced), '300', 'a write to the declared table is seen');
$node->safe_psql('postgres', 'ALTER DATABASE postgres RESET cachepg.depends_on');

# --- a crash restart: the reclaimer is restarted, refreshes work again
my $bg = $node->background_psql('postgres');
my $pid = $bg->query_safe('SELECT pg_backend_pid()');
kill 'KILL', $pid;
eval { $bg->quit; };
$node->poll_query_until('postgres', 'SELECT 1', '1')
  or die 'server did not come back after the crash';
$node->safe_psql('postgres', q{SELECT cache_stats_reset()});
$node->safe_psql('postgres', q{SELECT * FROM cache_get_or_run('SELECT count(*) FROM t', 1) AS c(n bigint)});
$node->poll_query_until('postgres', 'SELECT entries = 0 AND reclaimed >= 1 FROM cache_stats()')
  or die 'the reclaimer did not come back';
pass('the reclaimer frees expired entries after a crash restart');
$node->safe_psql('postgres', $as_reader, extra_params => ['-U', 'reader']);
sleep(2);
is($node->safe_psql('postgres', $as_reader, extra_params => ['-U', 'reader']), '3', 'served stale');
$node->poll_query_until('postgres', 'SELECT refreshes = 1 FROM cache_stats()')
  or die 'no refresh after the crash restart';
pass('a worker refreshes it after the crash restart');

$node->stop('fast');
done_testing();
