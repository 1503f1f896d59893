#!/usr/bin/env bash
# pgbench TPS of a cached hit of a 10-row query against the same 10 rows
# returned by a constant VALUES (and by the plain query), side by side:
# rounds alternate so that machine noise hits every variant alike.
#   bash test/bench/hit_vs_values.sh [seconds-per-run] [rounds] [clients] [mode]
set -euo pipefail
cd "$(dirname "$0")"
SECS=${1:-10}
ROUNDS=${2:-3}
CLIENTS=${3:-2}
MODE=${4:-prepared}
. ./lib.sh
bench_start

psql_q <<'SQL'
CREATE EXTENSION cachepg;
CREATE TABLE bench_rows (id int PRIMARY KEY, name text);
INSERT INTO bench_rows SELECT i, 'name ' || i FROM generate_series(1, 10) i;
ANALYZE bench_rows;
SELECT cache_watch('bench_rows');
SQL
t=$(mktemp -d)
cat > "$t/values.sql" <<'SQL'
SELECT * FROM (VALUES (1, 'name 1'), (2, 'name 2'), (3, 'name 3'), (4, 'name 4'), (5, 'name 5'), (6, 'name 6'), (7, 'name 7'), (8, 'name 8'), (9, 'name 9'), (10, 'name 10')) v(id, name);
SQL
cat > "$t/cached.sql" <<'SQL'
SELECT * FROM cache_get_or_run('SELECT id, name FROM bench_rows ORDER BY id', 0) AS t(id int, name text);
SQL
cat > "$t/direct.sql" <<'SQL'
SELECT id, name FROM bench_rows ORDER BY id;
SQL

declare -A sum
for v in values cached direct; do sum[$v]=0; done
echo "mode=$MODE clients=$CLIENTS seconds=$SECS rounds=$ROUNDS"
for r in $(seq 1 "$ROUNDS"); do
    line="round $r:"
    for v in values cached direct; do
        tps=$(pgbench_tps "$t/$v.sql" "$MODE" "$CLIENTS" "$SECS")
        sum[$v]=$((sum[$v] + tps))
        line="$line $v=$tps"
    done
    echo "$line"
done
psql_q -c "SELECT hits, misses, stores FROM cache_stats()"
awk -v v="${sum[values]}" -v c="${sum[cached]}" -v d="${sum[direct]}" -v n="$ROUNDS" 'BEGIN {
    printf "mean tps: values %d, cached hit %d, direct query %d\n", v / n, c / n, d / n;
    printf "cached hit / VALUES = %.2f, cached hit / direct = %.2f\n", c / v, c / d }'
rm -rf "$t"
