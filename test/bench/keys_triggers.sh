#!/usr/bin/env bash
# Why cachepg's row trigger is an AFTER trigger with a WHEN clause: the cost
# of the candidate trigger designs, measured side by side (issue 10).
#   key     1.3: AFTER ROW, WHEN (cache_row_wanted(tbl)), keys as arguments
#   nowhen  the same AFTER ROW trigger without the WHEN clause
#   before  1.2: a BEFORE ROW trigger (enabled for the replica role only)
#   none    no cachepg trigger at all
# (key, nowhen and before also have the BEFORE statement and TRUNCATE
# triggers.)  Two workloads, variants interleaved round by round:
#   - COPY of N rows (default 1,000,000) into an empty table;
#   - 20,000 single-row UPDATE transactions by primary key in a DO loop
#     (synchronous_commit off, so the per-statement cost shows).
#   bash test/bench/keys_triggers.sh           # about 3 minutes
#   N=100000 R=1 bash test/bench/keys_triggers.sh
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh
bench_start
N=${N:-1000000}
R=${R:-3}
median() { sort -g | awk '{ x[++n] = $1 } END { print (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }'; }
psql_q -c "CREATE EXTENSION cachepg" >/dev/null
as_pg $BIN/psql -X -q -h "$dir" -U postgres -d postgres -c \
    "COPY (SELECT g, g % 1000, 'row ' || g FROM generate_series(1, $N) g) TO '$dir/copy.dat'"
psql_q -c "CREATE TABLE c (id int PRIMARY KEY, v int, s text)" \
       -c "CREATE TABLE u (id int PRIMARY KEY, v int)" \
       -c "INSERT INTO u SELECT g, 0 FROM generate_series(1, 20000) g" >/dev/null

# variant TABLE KIND: set up the triggers of one variant on TABLE
variant() {
    psql_q -c "DROP TRIGGER IF EXISTS cachepg_write ON $1; DROP TRIGGER IF EXISTS cachepg_truncate ON $1;
               DROP TRIGGER IF EXISTS cachepg_rows ON $1; DROP TRIGGER IF EXISTS cachepg_replica ON $1" >/dev/null 2>&1
    case $2 in
        key) psql_q -c "SELECT cache_watch('$1')" >/dev/null ;;
        nowhen) psql_q -c "SELECT cache_watch('$1')" -c "DROP TRIGGER cachepg_rows ON $1" \
                       -c "CREATE TRIGGER cachepg_rows AFTER INSERT OR UPDATE OR DELETE ON $1 FOR EACH ROW EXECUTE FUNCTION cache_trigger('id')" \
                       -c "ALTER TABLE $1 ENABLE ALWAYS TRIGGER cachepg_rows" >/dev/null ;;
        before) psql_q -c "SELECT cache_watch('$1')" -c "DROP TRIGGER cachepg_rows ON $1" \
                       -c "CREATE TRIGGER cachepg_replica BEFORE INSERT OR UPDATE OR DELETE ON $1 FOR EACH ROW EXECUTE FUNCTION cache_trigger()" \
                       -c "ALTER TABLE $1 ENABLE REPLICA TRIGGER cachepg_replica" >/dev/null ;;
    esac
}
# timed SQL...: milliseconds of the last statement
timed() {
    as_pg $BIN/psql -X -q -h "$dir" -U postgres -d postgres -c "SET synchronous_commit = off" \
        -c '\timing on' "$@" | awk '/^Time:/ { t = $2 } END { print t }'
}

: > "$dir/runs.tsv"
for r in $(seq 1 "$R"); do
    for v in key nowhen before none; do
        variant c $v
        psql_q -c "TRUNCATE c" -c "CHECKPOINT" >/dev/null
        printf '%s\tcopy\t%s\t%s\n' "$r" "$v" "$(timed -c "COPY c FROM '$dir/copy.dat'")" | tee -a "$dir/runs.tsv"
        variant u $v
        printf '%s\tupdate\t%s\t%s\n' "$r" "$v" "$(timed -c "DO \$\$ BEGIN FOR i IN 1..20000 LOOP
            UPDATE u SET v = v + 1 WHERE id = i; COMMIT; END LOOP; END \$\$")" | tee -a "$dir/runs.tsv"
    done
done
for w in copy update; do
    none=$(awk -F'\t' -v w=$w '$2 == w && $3 == "none" { print $4 }' "$dir/runs.tsv" | median)
    for v in key nowhen before none; do
        m=$(awk -F'\t' -v w=$w -v v=$v '$2 == w && $3 == v { print $4 }' "$dir/runs.tsv" | median)
        if [ $w = copy ]; then
            awk -v m="$m" -v n="$none" -v v=$v -v N="$N" 'BEGIN { printf "COPY %d rows, %-6s median %8.1f ms  (%+.1f%% vs none)\n", N, v, m, (m / n - 1) * 100 }'
        else
            awk -v m="$m" -v n="$none" -v v=$v 'BEGIN { printf "single-row UPDATE txn, %-6s median %6.1f us  (%+.1f us vs none)\n", v, m * 1000 / 20000, (m - n) * 1000 / 20000 }'
        fi
    done
done
