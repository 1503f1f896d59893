#!/usr/bin/env bash
# Set everything up and run the whole cachepg test suite against temporary
# PostgreSQL 15 instances (pg_regress with cachepg preloaded, pg_regress
# without it, pg_isolation_regress, two bounded pgbench stress tests, a
# node-postgres driver test of transparent caching and the TAP tests for
# restarts, crashes and standbys).  Prints "N passed, N failed" last and
# exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
# the driver test's client: node-postgres needs node and npm (Debian's)
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "test: installing nodejs and npm"
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm; } >/dev/null ||
        { echo "0 passed, 1 failed"; exit 1; }
fi

BIN=/usr/lib/postgresql/15/bin
PGXS=/usr/lib/postgresql/15/lib/pgxs
REGRESS_TESTS="api types keys reject uncacheable privileges memory admission expiry stale disabled invalidation exactness keylevel ddl transparent upgrade"
ISOLATION_TESTS="xid_never_stores concurrent_drop repeatable_read inflight writes cte_failure serializable partitions prepared ddl clear_race exactness keylevel names single_flight refresh transparent"

# The postgres user runs the servers and must not need to read this checkout.
work=$(mktemp -d /tmp/cachepg-test.XXXXXX)
cp -r sql expected test "$work/"
chown -R postgres "$work"
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }

passed=0
failed=0
count() {
    # pg_regress lines: "test NAME ... ok" / "... FAILED"; prove: "t/NAME.pl .. ok"
    local log=$1
    passed=$((passed + $(grep -cE '^(test| ) +[a-z_]+ +\.\.\. ok|\.pl \.+ ok' "$log")))
    failed=$((failed + $(grep -cE '^(test| ) +[a-z_]+ +\.\.\. (FAILED|failed)|\.pl \.+ *(Dubious|Failed|$)' "$log")))
}
run() {
    local name=$1; shift
    echo "== $name"
    (cd "$work" && as_pg "$@") 2>&1 | tee "$work/$name.log"
    local rc=${PIPESTATUS[0]}
    count "$work/$name.log"
    if [ "$rc" != 0 ]; then
        grep -qE '\.\.\. (FAILED|failed)' "$work/$name.log" || failed=$((failed + 1))
        cat "$work/out_$name/regression.diffs" 2>/dev/null
    fi
}

run regress $PGXS/src/test/regress/pg_regress --bindir=$BIN \
    --temp-instance="$work/tmp_regress" --temp-config=test/cachepg.conf \
    --inputdir=. --outputdir="$work/out_regress" --dbname=contrib_regression \
    $REGRESS_TESTS
run notloaded $PGXS/src/test/regress/pg_regress --bindir=$BIN \
    --temp-instance="$work/tmp_notloaded" --temp-config=test/notloaded.conf \
    --inputdir=test/notloaded --outputdir="$work/out_notloaded" --dbname=contrib_regression \
    notloaded
run isolation $PGXS/src/test/isolation/pg_isolation_regress --bindir=$BIN \
    --temp-instance="$work/tmp_isolation" --temp-config=test/cachepg.conf \
    --inputdir=test --outputdir="$work/out_isolation" --dbname=contrib_regression \
    $ISOLATION_TESTS
run stress bash test/stress.sh
run fresh_stress bash test/fresh_stress.sh
# a real driver (node-postgres, extended protocol) against transparent caching
run driver bash test/driver.sh
grep -qE '^driver: [0-9]+ passed, 0 failed$' "$work/driver.log" && passed=$((passed + 1))
run tap env PATH="$BIN:$PATH" PG_REGRESS=$PGXS/src/test/regress/pg_regress TESTDIR="$work" \
    prove --ext .pl -I $PGXS/src/test/perl test/t/

[ "$failed" = 0 ] && rm -rf "$work" || echo "test files kept in $work"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
