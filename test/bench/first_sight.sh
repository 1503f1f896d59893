#!/usr/bin/env bash
# What cachepg.mode = force costs a statement that never repeats (issue 13):
# pgbench -M simple reads random keys among a billion (almost all absent,
# none seen twice) from a watched 100,000-row table, force against manual,
# interleaved.  Every statement is a first sight: planned and run with the
# node's checks on top, never loaded.
#   bash test/bench/first_sight.sh [seconds] [rounds] [clients]
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh
secs=${1:-5}; rounds=${2:-3}; clients=${3:-2}
echo "# bash test/bench/first_sight.sh $secs $rounds $clients"
bench_start
psql_q -c "CREATE EXTENSION cachepg" \
    -c "CREATE TABLE acc AS SELECT g AS aid, 0 AS abalance FROM generate_series(1, 100000) g" \
    -c "ALTER TABLE acc ADD PRIMARY KEY (aid)" -c "SELECT cache_watch('acc')" >/dev/null
cat > "$dir/sel.sql" <<'SQL'
\set aid random(1, 1000000000)
SELECT abalance FROM acc WHERE aid = :aid;
SQL
chown postgres "$dir/sel.sql"
for r in $(seq 1 "$rounds"); do
    for m in manual force; do
        tps=$(as_pg env PGOPTIONS="-c cachepg.mode=$m" $BIN/pgbench -n -h "$dir" -U postgres -M simple \
            -c "$clients" -j "$clients" -T "$secs" -f "$dir/sel.sql" postgres 2>/dev/null | awk '/^tps/ {print int($3)}')
        echo "round $r $m $tps tps"
    done
done
