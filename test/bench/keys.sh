#!/usr/bin/env bash
# Key-level invalidation (issue 10), on demand, one throwaway server:
#
# 1. The write mix: zipf (s = 1.1) point reads by primary key over 10,000
#    products through cache_get_or_run_as, 5% of transactions updating a
#    uniformly random product by primary key, 2 clients, -M prepared, after
#    a warm-up of the hot keys; hit ratio and TPS with key-level on, with
#    keys => '{}' (table-level) and directly without the cache, the variants
#    interleaved round by round.  Also the TPS of calls that always hit,
#    always miss, and the direct query, from which the hit ratio at which
#    the cache breaks even with direct execution: 1/T = h/H + (1-h)/M.
# 2. The price of the triggers: TPC-B (pgbench's default script, scale 10)
#    on all four tables with key-level on, table-level only, and no
#    triggers, interleaved 10 s rounds; COPY of 1M rows into a watched
#    table (key-level) and an unwatched one, interleaved.
#
#   bash test/bench/keys.sh                 # about 8 minutes
#   SECS=5 ROUNDS=1 TPCB_ROUNDS=1 COPY_ROWS=100000 bash test/bench/keys.sh
set -euo pipefail
cd "$(dirname "$0")"
SECS=${SECS:-15}
ROUNDS=${ROUNDS:-3}
TPCB_SECS=${TPCB_SECS:-10}
TPCB_ROUNDS=${TPCB_ROUNDS:-5}
COPY_ROWS=${COPY_ROWS:-1000000}
COPY_ROUNDS=${COPY_ROUNDS:-5}
CLIENTS=2
. ./lib.sh
bench_start
w=$(mktemp -d /tmp/cachepg-keys.XXXXXX)
chmod 755 "$w"
trap 'bench_stop; rm -rf "$w"' EXIT

# median of numbers on stdin
median() { sort -g | awk '{ x[++n] = $1 } END { print (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }'; }
# run SCRIPTS...: pgbench for SECS with these -f arguments, prints TPS
run() {
    as_pg $BIN/pgbench -n -h "$dir" -U postgres -M prepared -c $CLIENTS -j $CLIENTS -T "$SECS" "$@" postgres 2>/dev/null |
        awk '/^tps = / { print $3 }'
}
stat() { psql_q -At -c "SELECT hits || ' ' || misses FROM cache_stats()"; }

psql_q <<'SQL'
CREATE EXTENSION cachepg;
CREATE TABLE products (id int PRIMARY KEY, name text, stock int, price numeric);
INSERT INTO products SELECT g, 'product ' || g, 1000, (g % 100) + 0.99 FROM generate_series(1, 10000) g;
VACUUM ANALYZE products;
SQL
cat > "$w/read.sql" <<'SQL'
\set id random_zipfian(1, 10000, 1.1)
SELECT * FROM cache_get_or_run_as(NULL::products, 'SELECT * FROM products WHERE id = $1', 0, :id::int);
SQL
cat > "$w/read_direct.sql" <<'SQL'
\set id random_zipfian(1, 10000, 1.1)
SELECT * FROM products WHERE id = :id::int;
SQL
cat > "$w/write.sql" <<'SQL'
\set id random(1, 10000)
UPDATE products SET stock = stock - 1 WHERE id = :id::int;
SQL
cat > "$w/hit.sql" <<'SQL'
SELECT * FROM cache_get_or_run_as(NULL::products, 'SELECT * FROM products WHERE id = $1', 0, 1);
SQL
cat > "$w/miss.sql" <<'SQL'
\set n random(1, 1000000000)
SELECT * FROM cache_get_or_run_as(NULL::products, 'SELECT * FROM products WHERE id = $1 /* ' || :n || ' */', 0, 1);
SQL
cat > "$w/direct.sql" <<'SQL'
SELECT * FROM products WHERE id = 1;
SQL
chmod 644 "$w"/*.sql

echo "== 1. write mix: zipf 1.1 reads by key over 10,000 rows, 5% updates by key, $CLIENTS clients, -M prepared, $SECS s x $ROUNDS rounds"
: > "$w/mix.tsv"
for r in $(seq 1 "$ROUNDS"); do
    for v in key table direct; do
        case $v in
            key) psql_q -c "SELECT cache_watch('products')" >/dev/null ;;
            table) psql_q -c "SELECT cache_watch('products', keys => '{}')" >/dev/null ;;
        esac
        if [ $v = direct ]; then
            tps=$(run -f "$w/read_direct.sql@95" -f "$w/write.sql@5")
            ratio=-
        else
            psql_q -c "SELECT cache_clear()" >/dev/null
            SECS=3 run -f "$w/read.sql" >/dev/null        # warm-up: the hot keys
            read h0 m0 < <(stat)
            tps=$(run -f "$w/read.sql@95" -f "$w/write.sql@5")
            read h1 m1 < <(stat)
            ratio=$(awk -v h=$((h1 - h0)) -v m=$((m1 - m0)) 'BEGIN { printf "%.3f", h / (h + m) }')
        fi
        printf '%s\t%s\t%s\t%s\n' "$r" "$v" "$tps" "$ratio" | tee -a "$w/mix.tsv"
    done
done
psql_q -c "SELECT cache_watch('products')" >/dev/null
SECS=5
hit=$(run -f "$w/hit.sql"); miss=$(run -f "$w/miss.sql"); direct=$(run -f "$w/direct.sql")
echo "always hit $hit tps, always miss $miss tps, direct $direct tps (5 s each)"
awk -v H="$hit" -v M="$miss" -v D="$direct" 'BEGIN {
    printf "break-even hit ratio: %.2f\n", (1 / M - 1 / D) / (1 / M - 1 / H) }'
for v in key table direct; do
    t=$(awk -F'\t' -v v=$v '$2 == v { print $3 }' "$w/mix.tsv" | median)
    h=$(awk -F'\t' -v v=$v '$2 == v && $4 != "-" { print $4 }' "$w/mix.tsv" | median)
    echo "median $v: $t tps, hit ratio ${h:--}"
done
awk -F'\t' '$2 == "key" { k[$1] = $3 } $2 == "direct" { d[$1] = $3 }
    END { for (r in k) print k[r] / d[r] }' "$w/mix.tsv" | median | xargs printf 'key-level / direct TPS, median of per-round ratios: %.2f\n'

echo "== 2a. TPC-B (scale 10), $CLIENTS clients, $TPCB_SECS s x $TPCB_ROUNDS rounds: key-level, table-level, no triggers"
as_pg $BIN/pgbench -i -q -s 10 -h "$dir" -U postgres postgres >/dev/null 2>&1
tables="pgbench_accounts pgbench_branches pgbench_tellers pgbench_history"
unwatch_all() {
    for t in $tables; do
        psql_q -c "DROP TRIGGER IF EXISTS cachepg_write ON $t; DROP TRIGGER IF EXISTS cachepg_truncate ON $t;
                   DROP TRIGGER IF EXISTS cachepg_rows ON $t" >/dev/null 2>&1
    done
}
: > "$w/tpcb.tsv"
for r in $(seq 1 "$TPCB_ROUNDS"); do
    for v in key table none; do
        unwatch_all
        for t in $tables; do
            case $v in
                key) psql_q -c "SELECT cache_watch('$t')" >/dev/null ;;
                table) psql_q -c "SELECT cache_watch('$t', keys => '{}')" >/dev/null ;;
            esac
        done
        psql_q -c "CHECKPOINT" >/dev/null
        tps=$(as_pg $BIN/pgbench -n -h "$dir" -U postgres -M prepared -c $CLIENTS -j $CLIENTS -T "$TPCB_SECS" postgres 2>/dev/null |
              awk '/^tps = / { print $3 }')
        printf '%s\t%s\t%s\n' "$r" "$v" "$tps" | tee -a "$w/tpcb.tsv"
    done
done
for v in key table; do
    awk -F'\t' -v v=$v '$2 == v { a[$1] = $3 } $2 == "none" { n[$1] = $3 }
        END { for (r in a) print 1 - a[r] / n[r] }' "$w/tpcb.tsv" | median |
        xargs printf "TPC-B slowdown, $v vs no triggers, median of per-round ratios: %.3f\n"
done

echo "== 2b. COPY of $COPY_ROWS rows: watched (key-level on id) vs unwatched, $COPY_ROUNDS rounds"
as_pg $BIN/psql -X -q -h "$dir" -U postgres -d postgres -c \
    "COPY (SELECT g, g % 1000, 'row ' || g FROM generate_series(1, $COPY_ROWS) g) TO '$dir/copy.dat'"
psql_q -c "CREATE TABLE copy_w (id int PRIMARY KEY, v int, s text)" \
       -c "CREATE TABLE copy_u (id int PRIMARY KEY, v int, s text)" \
       -c "SELECT cache_watch('copy_w')" >/dev/null
: > "$w/copy.tsv"
for r in $(seq 1 "$COPY_ROUNDS"); do
    for t in copy_w copy_u; do
        psql_q -c "TRUNCATE $t" -c "CHECKPOINT" >/dev/null
        ms=$(as_pg $BIN/psql -X -q -h "$dir" -U postgres -d postgres -c '\timing on' -c "COPY $t FROM '$dir/copy.dat'" |
             awk '/^Time:/ { print $2 }')
        printf '%s\t%s\t%s\n' "$r" "$t" "$ms" | tee -a "$w/copy.tsv"
    done
done
awk -F'\t' '$2 == "copy_w" { a[$1] = $3 } $2 == "copy_u" { u[$1] = $3 }
    END { for (r in a) print a[r] / u[r] - 1 }' "$w/copy.tsv" | median |
    xargs printf 'COPY slowdown, watched vs unwatched, median of per-round ratios: %.3f\n'
