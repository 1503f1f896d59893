#!/usr/bin/env bash
# Write overhead of cachepg's triggers: pgbench TPC-B with the four tables
# watched (cache_watch) against not watched, in alternating runs on one
# server; prints each run, the median and spread of each side and the ratio
# of the medians.
#   bash test/bench/tpcb_triggers.sh [seconds-per-run] [rounds] [clients] [scale] [mode]
set -euo pipefail
cd "$(dirname "$0")"
SECS=${1:-20}
ROUNDS=${2:-5}
CLIENTS=${3:-2}
SCALE=${4:-10}
MODE=${5:-simple}
. ./lib.sh
bench_start

as_pg $BIN/pgbench -q -i -s "$SCALE" -h "$dir" -U postgres postgres >/dev/null 2>&1
psql_q -c "CREATE EXTENSION cachepg" -c "CHECKPOINT"
TABLES="pgbench_accounts pgbench_branches pgbench_tellers pgbench_history"
# watch: cache_watch; unwatch: drop the triggers (cache_unwatch only disables
# them, and a disabled BEFORE ROW trigger still costs a row fetch per UPDATE)
watch() {
    for t in $TABLES; do psql_q -At -c "SELECT cache_watch('$t')" >/dev/null; done
}
unwatch() {
    for t in $TABLES; do
        for g in cachepg_write cachepg_truncate cachepg_replica; do
            psql_q -c "DROP TRIGGER IF EXISTS $g ON $t" 2>/dev/null
        done
    done
}
run() {
    as_pg $BIN/pgbench -n -h "$dir" -U postgres -M "$MODE" -c "$CLIENTS" -j "$CLIENTS" \
        -T "$SECS" postgres 2>/dev/null | awk '/^tps = / { print int($3) }'
}
echo "TPC-B scale=$SCALE clients=$CLIENTS mode=$MODE seconds=$SECS rounds=$ROUNDS"
none=()
watched=()
for r in $(seq 1 "$ROUNDS"); do
    unwatch
    a=$(run)
    watch
    b=$(run)
    none+=("$a")
    watched+=("$b")
    echo "round $r: no triggers $a tps, triggers $b tps"
done
psql_q -c "SELECT relation, generation, writers, watched FROM cache_tables WHERE relation IS NOT NULL"
stats() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "%d %d %d\n", m, v[1], v[NR] }'; }
read -r mn lon hin <<<"$(stats "${none[@]}")"
read -r mw low hiw <<<"$(stats "${watched[@]}")"
echo "no triggers: median $mn tps (min $lon, max $hin)"
echo "triggers:    median $mw tps (min $low, max $hiw)"
awk -v a="$mn" -v b="$mw" 'BEGIN { printf "triggers / none = %.3f (overhead %.1f%%)\n", b / a, (1 - b / a) * 100 }'
