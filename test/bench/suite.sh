#!/usr/bin/env bash
# The benchmark suite of issue 4, one command: installs what it needs, starts
# throwaway servers, runs every scenario with the variants of each one
# interleaved (A B C A B C ...), and writes test/bench/results/results.md (the
# table), results.png (the plot) and raw.tsv (every run).
#   bash test/bench/suite.sh            # about 12 minutes
#   SECS=1 ROUNDS=1 bash test/bench/suite.sh   # a quick look
#   ONLY="1 8" ROWS=10 bash test/bench/suite.sh  # some scenarios, some sizes
# Ratios are medians over rounds of per-round ratios, with their min-max.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
SECS=${SECS:-2}
ROUNDS=${ROUNDS:-5}
OUT=$HERE/results
ONLY=${ONLY:-1 2 3 4 5 6 7 8 9}
ROWS=${ROWS:-1 10 100 1000}
want() { [[ " $ONLY " == *" $1 "* ]]; }
PGC=/usr/lib/postgresql/15/bin/pg_config

bash ../../scripts/setup.sh >/dev/null
need=()
for p in pgpool2 redis-server libhiredis-dev libpq-dev gnuplot-nox; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
# the services Debian starts with the packages would only add noise
for s in pgpool2 redis-server; do service $s stop >/dev/null 2>&1 || true; done
make -s -C srf PG_CONFIG=$PGC install >/dev/null
work=$(mktemp -d /tmp/cachepg-suite.XXXXXX)
gcc -O2 -o "$work/kvread" redis/kvread.c -I"$($PGC --includedir)" -lhiredis -lpq

. ./lib.sh
mkdir -p "$OUT"
RAW=$OUT/raw.tsv
TABLE=$OUT/results.md
printf 'scenario\tvariant\tmode\tclients\tround\ttps\n' > "$RAW"
: > "$TABLE.rows"
start_time=$(date +%s)

# script NAME: a pgbench script from stdin, readable by the postgres user
script() { cat > "$work/$1.sql"; chmod 644 "$work/$1.sql"; }

# rounds SCEN MODE CLIENTS VARIANT... : each round runs every variant once
# (scripts $work/VARIANT.sql; a variant "pgpool:NAME" goes through pgpool)
rounds() {
    local scen=$1 mode=$2 clients=$3 r v tps
    shift 3
    for r in $(seq 1 "$ROUNDS"); do
        for v in "$@"; do
            if [[ $v == pgpool:* ]]; then
                cp "$work/${v#pgpool:}.sql" "$dir/"
                tps=$(as_pg $BIN/pgbench -n -h "$dir" -p 9999 -U postgres -M "$mode" \
                      -c "$clients" -j "$clients" -T "$SECS" -f "$dir/${v#pgpool:}.sql" postgres 2>/dev/null |
                      awk '/^tps = / { print int($3) }') || true
            else
                tps=$(pgbench_tps "$work/$v.sql" "$mode" "$clients" "$SECS") || true
            fi
            [ -n "$tps" ] || echo "pgbench failed: $v $mode $clients clients" >&2
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$scen" "$v" "$mode" "$clients" "$r" "${tps:-0}" >> "$RAW"
        done
    done
}

# stats: numbers on stdin -> "median min max"
stats() { sort -g | awk '{ x[++n] = $1 } END { if (n == 0) { print "0 0 0"; exit }
    m = (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2; print m, x[1], x[n] }'; }

# med SCEN VARIANT MODE CLIENTS: median TPS of a variant
med() {
    awk -F'\t' -v s="$1" -v v="$2" -v m="$3" -v c="$4" '$1 == s && $2 == v && $3 == m && $4 == c { print $6 }' "$RAW" |
        stats | awk '{ print int($1) }'
}

# ratio SCEN MODE CLIENTS A B -> "median min max" of per-round A/B
ratio() {
    awk -F'\t' -v s="$1" -v m="$2" -v c="$3" -v a="$4" -v b="$5" '
        $1 == s && $3 == m && $4 == c && $2 == a { A[$5] = $6 }
        $1 == s && $3 == m && $4 == c && $2 == b { B[$5] = $6 }
        END { for (r in A) if (B[r] > 0) print A[r] / B[r] }' "$RAW" |
        stats | awk '{ printf "%.3f %.3f %.3f\n", $1, $2, $3 }'
}

# row SCENARIO PROTOCOL CLIENTS MEASURED RESULT GOAL MET
row() { printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$@" >> "$TABLE.rows"; }

# judge VALUE OP LIMIT -> yes/no
judge() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { if (op == "") { print "-"; exit }
    ok = (op == ">=") ? v >= l : v <= l; print ok ? "yes" : "no" }'; }

# rrow SCEN-LABEL MODE CLIENTS A B GOALOP GOAL: a ratio row
rrow() {
    local label=$1 scen=$2 mode=$3 clients=$4 a=$5 b=$6 op=$7 goal=$8 med lo hi
    read -r med lo hi <<<"$(ratio "$scen" "$mode" "$clients" "$a" "$b")"
    row "$label" "$mode" "$clients" "$a $(med "$scen" "$a" "$mode" "$clients") / $b $(med "$scen" "$b" "$mode" "$clients") tps" \
        "**$med** ($lo-$hi)" "$op $goal" "$(judge "$med" "$op" "$goal")"
}

log() { echo "[$(($(date +%s) - start_time)) s] $*"; }

###########################################################################
bench_start_big() {
    server_start "shared_preload_libraries = 'cachepg'
max_connections = 150
shared_buffers = '512MB'
cachepg.memory = '1GB'
cachepg.max_entries = 1100000
cachepg.max_entry_size = '1MB'
max_prepared_transactions = 0"
}
bench_start_big
log "server up in $dir"
psql_q <<'SQL'
CREATE EXTENSION cachepg;
CREATE EXTENSION bench_srf;
CREATE TABLE bench_rows (id int PRIMARY KEY, name text);
INSERT INTO bench_rows SELECT i, 'name ' || i FROM generate_series(1, 10000) i;
-- about 1 ms to aggregate, and about 15 ms
CREATE TABLE mid (id int PRIMARY KEY, g int, v int);
INSERT INTO mid SELECT i, i % 10, i FROM generate_series(1, 20000) i;
CREATE TABLE big (id int PRIMARY KEY, g int, v int);
INSERT INTO big SELECT i, i % 100, i FROM generate_series(1, 300000) i;
VACUUM ANALYZE;
SELECT cache_watch('bench_rows'), cache_watch('mid'), cache_watch('big');
SQL

# 1. Hit vs the limit ######################################################
for n in 1 10 100 1000; do
    psql_q -At -c "SELECT 'SELECT * FROM (VALUES ' || string_agg(format('(%s, %L)', id, name), ', ' ORDER BY id) || ') v(id, name);' FROM bench_rows WHERE id <= $n" | script "values$n"
    echo "SELECT * FROM bench_srf($n);" | script "srf$n"
    echo "SELECT * FROM cache_get_or_run('SELECT id, name FROM bench_rows WHERE id <= $n ORDER BY id', 0) AS t(id int, name text);" | script "hit$n"
done
want 1 && for mode in prepared simple; do
    for n in $ROWS; do
        log "1. hit vs limit: $mode, $n rows"
        rounds s1 "$mode" 2 "values$n" "srf$n" "hit$n"
        goal=1.0; [ $mode = prepared ] && goal=0.95
        rrow "1. hit / VALUES, $n row(s)" s1 $mode 2 "hit$n" "values$n" ">=" $goal
        rrow "1. SRF floor / VALUES, $n row(s)" s1 $mode 2 "srf$n" "values$n" "" "-"
    done
done

# point_script NAME KEYS: a script calling for one of the first KEYS rows of
# bench_rows; load_points puts all 10,000 in the cache
point_script() {
    script "$1" <<SQL
\\set id random(1, $2)
SELECT * FROM cache_get_or_run('SELECT id, name FROM bench_rows WHERE id = \$1', 0, :id::int) AS t(id int, name text);
SQL
}
load_points() {
    psql_q -c "SELECT count(*) FROM generate_series(1, 10000) i, cache_get_or_run('SELECT id, name FROM bench_rows WHERE id = \$1', 0, i) AS t(id int, name text)" >/dev/null
}

# 2. Hit vs direct #########################################################
if want 2; then
script point_direct <<'SQL'
\set id random(1, 10000)
SELECT id, name FROM bench_rows WHERE id = :id;
SQL
point_script point_hit 10000
script agg_direct <<'SQL'
SELECT g, count(*), sum(v) FROM big GROUP BY g ORDER BY g;
SQL
script agg_hit <<'SQL'
SELECT * FROM cache_get_or_run('SELECT g, count(*), sum(v) FROM big GROUP BY g ORDER BY g', 0) AS t(g int, n bigint, s bigint);
SQL
load_points
log "2. hit vs direct"
rounds s2 prepared 2 point_direct point_hit agg_direct agg_hit
rrow "2. cheap point query: hit / direct" s2 prepared 2 point_hit point_direct "" "report"
rrow "2. 15 ms aggregate: hit / direct" s2 prepared 2 agg_hit agg_direct ">=" 100

fi

# 3. Miss cost ##############################################################
if want 3; then
script mid_direct <<'SQL'
SELECT g, sum(v) FROM mid GROUP BY g;
SQL
script mid_miss <<'SQL'
\set n random(1, 1000000000)
SELECT * FROM cache_get_or_run('SELECT g, sum(v) FROM mid GROUP BY g /* ' || :n || ' */', 0) AS t(g int, s bigint);
SQL
script cheap_direct <<'SQL'
SELECT name FROM bench_rows WHERE id = 1;
SQL
script cheap_miss <<'SQL'
\set n random(1, 1000000000)
SELECT * FROM cache_get_or_run('SELECT name FROM bench_rows WHERE id = 1 /* ' || :n || ' */', 0) AS t(name text);
SQL
log "3. miss cost"
rounds s3 simple 1 mid_direct mid_miss cheap_direct cheap_miss
read -r m lo hi <<<"$(ratio s3 simple 1 mid_direct mid_miss)"
row "3. 1 ms query: miss time / direct time" simple 1 \
    "direct $(med s3 mid_direct simple 1) / miss $(med s3 mid_miss simple 1) tps" "**$m** ($lo-$hi)" "<= 1.15" "$(judge "$m" "<=" 1.15)"
us=$(awk -v d="$(med s3 cheap_direct simple 1)" -v m="$(med s3 cheap_miss simple 1)" 'BEGIN { printf "%.1f", 1e6 / m - 1e6 / d }')
row "3. microseconds a miss adds to a cheap query" simple 1 \
    "direct $(med s3 cheap_direct simple 1) / miss $(med s3 cheap_miss simple 1) tps" "**$us us**" "report" "-"
psql_q -c "SELECT cache_clear()" >/dev/null

fi

# 5. Concurrency ############################################################
if want 5; then
script const1 <<'SQL'
\set id random(1, 10)
SELECT :id AS id, 'name' AS name;
SQL
point_script hot 10
point_script many 10000
load_points
for c in 1 2 8 32 64; do
    log "5. concurrency: $c clients"
    rounds s5 prepared "$c" const1 hot many
done
for v in const1 hot many; do
    eval "peak_$v=0"
    for c in 1 2 8 32 64; do
        t=$(med s5 $v prepared $c)
        [ "$t" -gt "$(eval echo \$peak_$v)" ] && eval "peak_$v=$t"
    done
done
at64() { awk -v a="$(med s5 "$1" prepared 64)" -v p="$2" 'BEGIN { printf "%.3f", a / p }'; }
c64=$(at64 const1 "$peak_const1")
for v in hot many; do
    r=$(at64 $v "$(eval echo \$peak_$v)")
    row "5. 64-client / peak TPS, $v keys (constant query: $c64)" prepared "1-64" \
        "peak $(eval echo \$peak_$v), 64 clients $(med s5 $v prepared 64) tps" "**$r**" ">= $(awk -v c="$c64" 'BEGIN { printf "%.3f", c - 0.05 }')" \
        "$(judge "$r" ">=" "$(awk -v c="$c64" 'BEGIN { print c - 0.05 }')")"
done

fi

# 8. pgpool-II query cache ##################################################
if want 8; then
pgpool_start 8 || echo "pgpool-II did not come up" >&2
script pool10 <<'SQL'
SELECT id, name FROM bench_rows WHERE id <= 10 ORDER BY id;
SQL
for mode in prepared simple; do
    log "8. pgpool-II: $mode"
    rounds s8 $mode 2 values10 hit10 pgpool:pool10
    goal=0.7; [ $mode = prepared ] && goal=5
    rrow "8. cachepg hit / pgpool-II hit, 10 rows" s8 $mode 2 hit10 pgpool:pool10 ">=" $goal
    rrow "8. pgpool-II hit / VALUES, 10 rows" s8 $mode 2 pgpool:pool10 values10 "" "report"
done
as_pg $BIN/psql -X -h "$dir" -p 9999 -U postgres -d postgres -c "SHOW pool_cache" -x | grep -E "num_cache_hits|num_selects|cache_hit_ratio" | tr -s ' ' | tr '\n' ' '; echo
as_pg /usr/sbin/pgpool -f "$dir/pgpool/pgpool.conf" -m fast stop >/dev/null 2>&1 || true

fi

# 9. Redis cache-aside ######################################################
if want 9; then
log "9. redis"
as_pg redis-server --port 0 --unixsocket "$dir/redis.sock" --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
for i in $(seq 1 50); do [ -S "$dir/redis.sock" ] && break; sleep 0.1; done
"$work/kvread" "host=$dir user=postgres dbname=postgres" "$dir/redis.sock" \
    'SELECT id, name FROM bench_rows WHERE id <= 10 ORDER BY id' 20000 "$ROUNDS" | tee "$work/kv.txt"
read -r r p x <<<"$(awk '/^median/ { print $3, $6, $NF }' "$work/kv.txt")"
row "9. one read of 10 rows as jsonb: cachepg (libpq) / Redis (hiredis)" "libpq prepared" 1 \
    "redis $r us, cachepg $p us per read" "**$x**" "report" "-"
kill "$(tr -d '\0' < "$dir/redis.pid")" 2>/dev/null || true

fi

# 6. Size ####################################################################
if want 6; then
psql_q -c "SELECT cache_clear()" >/dev/null
script size_hit <<'SQL'
\set k random(1, :size)
SELECT * FROM cache_get_or_run('SELECT $1::int AS k', 0, :k::int) AS t(k int);
SQL
loaded=0
for size in 1000 100000 1000000; do
    log "6. size: loading $size entries"
    # two loaders, half each
    half=$(((size - loaded) / 2))
    for part in 0 1; do
        lo=$((loaded + 1 + part * half)); hi=$((part == 0 ? loaded + half : size))
        psql_q -c "SELECT count(*) FROM generate_series($lo, $hi) i, cache_get_or_run('SELECT \$1::int AS k', 0, i) AS t(k int)" >/dev/null &
    done
    wait
    loaded=$size
    sed "s/:size/$size/" "$work/size_hit.sql" > "$work/size$size.sql"; chmod 644 "$work/size$size.sql"
done
log "6. size: hits"
rounds s6 prepared 2 size1000 size100000 size1000000
read -r entries meta <<<"$(psql_q -At -F' ' -c "SELECT entries, round(metadata_bytes::numeric / entries) FROM cache_stats()")"
read -r m lo hi <<<"$(ratio s6 prepared 2 size1000000 size1000)"
row "6. hit TPS, 1M entries resident / 1k" prepared 2 \
    "1k $(med s6 size1000 prepared 2), 100k $(med s6 size100000 prepared 2), 1M $(med s6 size1000000 prepared 2) tps" \
    "**$m** ($lo-$hi)" ">= 0.90" "$(judge "$m" ">=" 0.90)"
row "6. metadata bytes per entry ($entries entries of one int row)" - - "cache_stats().metadata_bytes / entries" "**$meta**" "<= 64" \
    "$(judge "$meta" "<=" 64)"

fi

bench_stop
trap - EXIT

# 4. Writes ##################################################################
if want 4; then
bench_start
log "4. TPC-B"
as_pg $BIN/pgbench -q -i -s 10 -h "$dir" -U postgres postgres >/dev/null 2>&1
psql_q -c "CREATE EXTENSION cachepg" -c "CHECKPOINT" >/dev/null
echo '\set aid random(1, 100000 * :scale)
\set bid random(1, 1 * :scale)
\set tid random(1, 10 * :scale)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;' | script tpcb
TABLES="pgbench_accounts pgbench_branches pgbench_tellers pgbench_history"
for r in $(seq 1 "$ROUNDS"); do
    for t in $TABLES; do
        for g in cachepg_write cachepg_truncate cachepg_replica; do
            psql_q -c "DROP TRIGGER IF EXISTS $g ON $t" 2>/dev/null
        done
    done
    printf 's4\tnone\tsimple\t2\t%s\t%s\n' "$r" "$(pgbench_tps "$work/tpcb.sql" simple 2 $((SECS * 2)))" >> "$RAW"
    for t in $TABLES; do psql_q -At -c "SELECT cache_watch('$t')" >/dev/null; done
    printf 's4\ttriggers\tsimple\t2\t%s\t%s\n' "$r" "$(pgbench_tps "$work/tpcb.sql" simple 2 $((SECS * 2)))" >> "$RAW"
done
rrow "4. TPC-B scale 10 with triggers / none" s4 simple 2 triggers none ">=" 0.97
bench_stop
trap - EXIT
fi

# 7. Hit ratio ###############################################################
if want 7; then
server_start "shared_preload_libraries = 'cachepg'
cachepg.memory = '32MB'
cachepg.max_entries = 1000"
psql_q -c "CREATE EXTENSION cachepg" -c "CREATE TABLE trace (i int, k int)" >/dev/null
# replay the trace in one statement; every call runs (it depends on i too)
replay() {
    psql_q -At -c "SELECT cache_clear() >= 0" -c "SELECT cache_stats_reset()" >/dev/null
    psql_q -At -c "SET cachepg.admission = $1" \
        -c "SELECT count(*) FROM (SELECT i, k FROM trace ORDER BY i) t, LATERAL cache_get_or_run('SELECT \$1::int AS k, repeat(''x'', 100) AS pad', 0, t.k + 0 * t.i) AS x(k int, pad text)" >/dev/null
    psql_q -At -c "SELECT round(100.0 * hits / (hits + misses), 1) FROM cache_stats()"
}
# lru CAPACITY < trace: exact LRU's hit ratio (%) on the same trace
lru() {
    awk -F'\t' -v cap="$1" '
        function unlink(k) { nx[pv[k]] = nx[k]; pv[nx[k]] = pv[k] }
        function front(k) { nx[k] = nx[0]; pv[k] = 0; pv[nx[0]] = k; nx[0] = k }
        BEGIN { nx[0] = 0; pv[0] = 0 }
        { k = $2 + 1; n++
          if (k in nx) { hits++; unlink(k); front(k) }
          else { if (size == cap) { v = pv[0]; unlink(v); delete nx[v]; delete pv[v]; size-- }
                 front(k); size++ } }
        END { printf "%.1f\n", 100 * hits / n }'
}
for zs in 1.1 0.8; do
    log "7. hit ratio: Zipf s=$zs over 10,000 keys, 1,000 entries"
    # 200,000 requests, Zipf(s) over ranks 1..10000 (inverse CDF, fixed seed)
    awk -v s="$zs" -v n=10000 -v reqs=200000 'BEGIN { srand(42)
        for (r = 1; r <= n; r++) { t += 1 / r ^ s; c[r] = t }
        for (i = 1; i <= reqs; i++) { u = rand() * t; lo = 1; hi = n
            while (lo < hi) { m = int((lo + hi) / 2); if (c[m] < u) lo = m + 1; else hi = m }
            printf "%d\t%d\n", i, lo } }' > "$dir/trace.tsv"
    chmod 644 "$dir/trace.tsv"
    psql_q -c "TRUNCATE trace" -c "\\copy trace FROM '$dir/trace.tsv'" >/dev/null
    on=$(replay on); off=$(replay off); l=$(lru 1000 < "$dir/trace.tsv")
    row "7. hit ratio, Zipf s=$zs, keyspace 10x capacity: cachepg (TinyLFU) vs exact LRU" "-" 1 \
        "TinyLFU $on%, CLOCK (admission off) $off%, exact LRU (simulated) $l%" \
        "**$(awk -v a="$on" -v b="$l" 'BEGIN { printf "%+.1f points", a - b }')**" ">= +5 points" \
        "$(judge "$(awk -v a="$on" -v b="$l" 'BEGIN { print a - b }')" ">=" 5)"
done
# scan resistance: 100 hot keys asked for 10 times, one pass over 10,000
# one-time keys, then the hot set once more
log "7. scan resistance"
for adm in on off; do
    psql_q -At -c "SELECT cache_clear() >= 0" -c "SET cachepg.admission = $adm" \
        -c "SELECT count(*) FROM generate_series(1, 10) r, generate_series(1, 100) i, LATERAL cache_get_or_run('SELECT \$1::int AS k, repeat(''x'', 100) AS pad', 0, i + 0 * r) AS x(k int, pad text)" \
        -c "SELECT count(*) FROM generate_series(100001, 110000) i, LATERAL cache_get_or_run('SELECT \$1::int AS k, repeat(''x'', 100) AS pad', 0, i) AS x(k int, pad text)" \
        -c "SELECT cache_stats_reset()" \
        -c "SELECT count(*) FROM generate_series(1, 100) i, LATERAL cache_get_or_run('SELECT \$1::int AS k, repeat(''x'', 100) AS pad', 0, i) AS x(k int, pad text)" >/dev/null
    eval "scan_$adm=$(psql_q -At -c "SELECT hits FROM cache_stats()")"
done
row "7. hot set still hitting after a 10x-capacity scan" "-" 1 "TinyLFU $scan_on%, CLOCK (admission off) $scan_off%" \
    "**$scan_on%**" ">= 90%" "$(judge "$scan_on" ">=" 90)"
bench_stop
trap - EXIT
fi

# The table and the plot #####################################################
{
    echo "Made by \`bash test/bench/suite.sh\` (SECS=$SECS per run, $ROUNDS rounds, variants interleaved) on $(date -u +%Y-%m-%d), $(nproc) cores, in $(($(date +%s) - start_time)) s."
    echo
    echo "| scenario | protocol | clients | measured (median TPS) | ratio: median (min-max) | goal | met |"
    echo "|---|---|---|---|---|---|---|"
    cat "$TABLE.rows"
} > "$TABLE"
rm -f "$TABLE.rows"
for mode in prepared simple; do
    for n in 1 10 100 1000; do
        echo "$n $(med s1 values$n $mode 2) $(med s1 srf$n $mode 2) $(med s1 hit$n $mode 2)"
    done > "$work/s1_$mode.dat"
done
for c in 1 2 8 32 64; do
    echo "$c $(med s5 const1 prepared $c) $(med s5 hot prepared $c) $(med s5 many prepared $c)"
done > "$work/s5.dat"
gnuplot <<GP
set terminal png size 1500,450 font ",10"
set output "$OUT/results.png"
set multiplot layout 1,3
set logscale x
set key bottom right
set ylabel "TPS / constant VALUES TPS (2 clients)"
set xlabel "rows per result"
set yrange [0:*]
set title "1. hit vs limit, -M prepared (goal: hit >= 0.95)"
plot "$work/s1_prepared.dat" u 1:(\$3/\$2) w lp t "C SRF floor", "" u 1:(\$4/\$2) w lp t "cachepg hit", 0.95 w l dt 2 t "goal"
set title "1. hit vs limit, -M simple (goal: hit >= 1.0)"
plot "$work/s1_simple.dat" u 1:(\$3/\$2) w lp t "C SRF floor", "" u 1:(\$4/\$2) w lp t "cachepg hit", 1.0 w l dt 2 t "goal"
set key top right
set title "5. concurrency, -M prepared"
set xlabel "clients"
set ylabel "TPS"
plot "$work/s5.dat" u 1:2 w lp t "constant query", "" u 1:3 w lp t "hit, 10 hot keys", "" u 1:4 w lp t "hit, 10k keys"
unset multiplot
GP
rm -rf "$work"
cat "$TABLE"
log "done"
