#!/usr/bin/env bash
# Transparent caching (plain SELECTs, no cache_get_or_run), one throwaway
# server for parts 1-3 and a fresh one for part 4, variants interleaved
# round by round (A B A B ...); every run is a fresh pgbench of SECS seconds.
#   1. pgbench's own select-only script (pgbench -S, scale 10) with a table
#      policy on pgbench_accounts, after a warm-up that runs the very same
#      statement text for every aid (checked: stores + hits of the warm-up
#      cover every account), against the same run with cachepg.enabled = off
#      (PGOPTIONS): TPS ratio, and the hit ratio during the cached runs.
#   2. A 10-row (and a 1-row) result of a hint, /* cachepg: ttl=600 */
#      SELECT ..., against the same rows as a constant VALUES list (and, for
#      reference, the same 10 rows through cache_get_or_run).
#   3. A ~15 ms aggregate over 300,000 rows cached by a table policy against
#      the same query with cachepg.enabled = off.
#   4. A write-heavy mix: pgbench TPC-B (builtin tpcb-like, CLIENTS clients)
#      and, at the same time, a second pgbench of select-only clients
#      (READERS, default CLIENTS), with cachepg.mode = force against manual
#      (PGOPTIONS); the four pgbench tables are watched in both arms. Total
#      TPS, reader TPS, and the reader SELECT's latency from pgbench -r.
# Parts 1 and 2 run -M simple and -M prepared; part 3 -M prepared; part 4
# MODE4 (default simple). Ratios are medians of the per-round ratios, with
# their min-max; hit ratios are hits / (hits + misses) of cache_stats()
# over the runs of a variant.
#   bash test/bench/transparent.sh [seconds-per-run] [rounds] [clients]
#   ONLY="1 3" SCALE=1 bash test/bench/transparent.sh 3 1   # a quick look
# Environment: ONLY (parts, default "1 2 3 4"), SCALE (pgbench scale, 10),
# POLICY_TTL (table policies' ttl, 3600), READERS, MODE4, BASE_MODE (part
# 4's baseline cachepg.mode, manual), FORCE_OPTS (more PGOPTIONS for part
# 4's force arm, e.g. '-c cachepg.default_ttl=600'), WARM4=1 (part 4 first
# stores every account's select-only statement under force; default: the
# force arm starts cold), KEEP=1 keeps the logs.
set -euo pipefail
CMDLINE="bash test/bench/transparent.sh $*"
cd "$(dirname "$0")"
SECS=${1:-10}
ROUNDS=${2:-5}
CLIENTS=${3:-2}
ONLY=${ONLY:-1 2 3 4}
SCALE=${SCALE:-10}
POLICY_TTL=${POLICY_TTL:-3600}
READERS=${READERS:-$CLIENTS}
MODE4=${MODE4:-simple}
BASE_MODE=${BASE_MODE:-manual}
FORCE_OPTS=${FORCE_OPTS:-}
want() { [[ " $ONLY " == *" $1 "* ]]; }
. ./lib.sh

echo "# $CMDLINE"
echo "# SECS=$SECS ROUNDS=$ROUNDS CLIENTS=$CLIENTS ONLY='$ONLY' SCALE=$SCALE POLICY_TTL=$POLICY_TTL READERS=$READERS MODE4=$MODE4 BASE_MODE=$BASE_MODE FORCE_OPTS='$FORCE_OPTS' WARM4=${WARM4:-0}; $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
[ "$ROUNDS" -ge 5 ] || echo "# note: fewer than 5 rounds; medians are not meaningful"

work=$(mktemp -d /tmp/cachepg-transparent.XXXXXX)
chmod 755 "$work"
RAW=$work/raw.tsv
ROWS=$work/rows.md
: > "$RAW"
: > "$ROWS"
trap cleanup EXIT
start_time=$(date +%s)
log() { echo "[$(($(date +%s) - start_time)) s] $*"; }
# at exit, however it comes: the server (if up) stopped, the logs removed
cleanup() {
    [ -z "${dir:-}" ] || bench_stop
    if [ "${KEEP:-0}" = 1 ]; then echo "logs kept in $work"; else rm -rf "$work"; fi
}

# N accounts; room for all of them twice (simple and prepared keys differ)
# and some more, at most 2097151 entries (cachepg.max_entries' limit); 1000
# bytes per entry (measured on 1.6: 2M entries of a pgbench_accounts row
# took 990 MB stored plus 599 MB metadata, about 830 bytes each)
N=$((100000 * SCALE))
MAXE=$((2 * N + 50000))
[ $MAXE -le 2097151 ] || MAXE=2097151
MEM=$((MAXE * 1000 / 1048576 + 128))
start() {
    server_start "shared_preload_libraries = 'cachepg'
max_connections = 100
shared_buffers = '512MB'
cachepg.memory = '${MEM}MB'
cachepg.max_entries = $MAXE"
    trap cleanup EXIT
    psql_q -c "CREATE EXTENSION cachepg" >/dev/null
    local got
    got=$(psql_q -At -c "SELECT max_entries FROM cache_stats()")
    [ "$got" = "$MAXE" ] || echo "WARNING: cachepg.max_entries is $got, not $MAXE (see $dir/server.log)" >&2
}

# script NAME: a pgbench script from stdin, readable by the postgres user
script() { cat > "$work/$1.sql"; chmod 644 "$work/$1.sql"; }

# pgb LOG PGBENCH-ARGS...: pgbench as postgres on the server; all output in LOG
pgb() {
    local out=$1
    shift
    as_pg $BIN/pgbench -n -h "$dir" -U postgres "$@" postgres > "$out" 2>&1 || true
}
tps_of() { awk '/^tps = / { print int($3) }' "$1"; }

# snap -> "hits misses stores" of cache_stats()
snap() { psql_q -At -F' ' -c "SELECT hits, misses, stores FROM cache_stats()"; }
# delta "BEFORE" "AFTER" -> "dhits dmisses dstores"
delta() { awk -v b="$1" -v a="$2" 'BEGIN { split(b, x, " "); split(a, y, " ");
    print y[1] - x[1], y[2] - x[2], y[3] - x[3] }'; }

# raw row: part variant mode round tps hits misses stores x1 x2 x3
rec() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$RAW"; }

# run PART VARIANT MODE ROUND PGOPTS PGBENCH-ARGS...: one run of CLIENTS
# clients, SECS seconds, recorded with its counters
run() {
    local part=$1 v=$2 mode=$3 r=$4 opts=$5 out b a tps h m s
    shift 5
    out=$work/$part.$v.$mode.$r.log
    b=$(snap)
    PGOPTIONS=$opts pgb "$out" -M "$mode" -c "$CLIENTS" -j "$CLIENTS" -T "$SECS" "$@"
    a=$(snap)
    tps=$(tps_of "$out")
    if [ -z "$tps" ]; then
        echo "pgbench failed: part $part $v $mode round $r:" >&2
        grep -v '^ ' "$out" | head -5 >&2
        tps=0
    fi
    read -r h m s <<<"$(delta "$b" "$a")"
    rec "$part" "$v" "$mode" "$r" "$tps" "$h" "$m" "$s" - - -
    printf '  part %s round %s %-8s %-14s %8d tps  hits %9d misses %9d stores %9d\n' "$part" "$r" "$mode" "$v" "$tps" "$h" "$m" "$s"
}

# col PART VARIANT MODE FIELD -> the field of every round
col() { awk -F'\t' -v p="$1" -v v="$2" -v m="$3" -v f="$4" '$1 == p && $2 == v && $3 == m { print $f }' "$RAW"; }
# med PART VARIANT MODE [FIELD] -> median (TPS by default)
med() { col "$1" "$2" "$3" "${4:-5}" | median_min_max | awk '{ print $1 }'; }
# ratio PART MODE A B [FIELD] -> "median min max" of per-round A/B
ratio() {
    awk -F'\t' -v p="$1" -v m="$2" -v a="$3" -v b="$4" -v f="${5:-5}" '
        $1 == p && $3 == m && $2 == a { A[$4] = $f }
        $1 == p && $3 == m && $2 == b { B[$4] = $f }
        END { for (r in A) if (B[r] > 0) print A[r] / B[r] }' "$RAW" |
        median_min_max | awk '{ printf "%.3f %.3f %.3f\n", $1, $2, $3 }'
}
# hitratio PART VARIANT MODE -> hits / (hits + misses) over its runs
hitratio() {
    awk -F'\t' -v p="$1" -v v="$2" -v m="$3" '$1 == p && $2 == v && $3 == m { h += $6; x += $7 }
        END { if (h + x == 0) print "-"; else printf "%.4f\n", h / (h + x) }' "$RAW"
}
# per-round ratios, for the table
rounds_of() {
    awk -F'\t' -v p="$1" -v m="$2" -v a="$3" -v b="$4" -v f="${5:-5}" '
        $1 == p && $3 == m && $2 == a { A[$4] = $f }
        $1 == p && $3 == m && $2 == b { B[$4] = $f }
        END { for (r = 1; r in A; r++) printf "%s%.3f", (r > 1 ? " " : ""), (B[r] > 0 ? A[r] / B[r] : 0); print "" }' "$RAW"
}
judge() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { if (op == "") { print "-"; exit }
    ok = (op == ">=") ? v >= l : v <= l; print ok ? "yes" : "no" }'; }
# row PART MODE A B GOALOP GOAL LABEL: a ratio row of the table
row() {
    local part=$1 mode=$2 a=$3 b=$4 op=$5 goal=$6 label=$7 md lo hi
    read -r md lo hi <<<"$(ratio "$part" "$mode" "$a" "$b")"
    printf '| %s | %s | %s %s / %s %s | **%s** (%s-%s) | %s | %s | %s | %s |\n' \
        "$label" "$mode" "$a" "$(med "$part" "$a" "$mode")" "$b" "$(med "$part" "$b" "$mode")" \
        "$md" "$lo" "$hi" "$(rounds_of "$part" "$mode" "$a" "$b")" \
        "$(hitratio "$part" "$a" "$mode") / $(hitratio "$part" "$b" "$mode")" \
        "${op:+$op }${goal}" "$(judge "$md" "$op" "$goal")" >> "$ROWS"
}
# policy TABLE: a table policy, if this build has them
policy() {
    psql_q -c "SELECT cache_table_policy('$1'::regclass, ttl => $POLICY_TTL)" >/dev/null ||
        echo "WARNING: cache_table_policy('$1') failed: this build has no table policies; the cached arms run uncached" >&2
}

OFF='-c cachepg.enabled=off'

if want 1 || want 2 || want 3; then
start
log "server up in $dir (cachepg.memory ${MEM}MB, max_entries $MAXE)"
echo "# cachepg $(psql_q -At -c "SELECT extversion FROM pg_extension WHERE extname = 'cachepg'"), cachepg.mode = $(psql_q -At -c "SELECT coalesce(current_setting('cachepg.mode', true), '(no such setting: transparent caching not in this build)')")"

# 1. pgbench -S #############################################################
if want 1; then
log "1. pgbench -i -s $SCALE"
as_pg $BIN/pgbench -i -q -s "$SCALE" -h "$dir" -U postgres postgres >/dev/null 2>&1
psql_q -c "VACUUM ANALYZE" -c "SELECT cache_watch('pgbench_accounts')" >/dev/null
policy pgbench_accounts
# the statement of pgbench's builtin select-only script, word for word, for
# aid = 1..N: client c runs aid = n * CLIENTS + c + 1 in its n-th transaction
script warm <<'SQL'
\set aid :n * :nc + :client_id + 1
\set n :n + 1
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
SQL
for mode in simple prepared; do
    log "1. warm-up, -M $mode: aid = 1..$N"
    b=$(snap)
    pgb "$work/warm.$mode.log" -M $mode -c "$CLIENTS" -j "$CLIENTS" -t $(((N + CLIENTS - 1) / CLIENTS)) \
        -D n=0 -D nc="$CLIENTS" -f "$work/warm.sql"
    read -r h m s <<<"$(delta "$b" "$(snap)")"
    echo "  warm-up -M $mode: $(tps_of "$work/warm.$mode.log") tps; stores $s, hits $h (stores + hits = $((s + h)) of $N accounts), misses $m"
    [ $((s + h)) -ge $((N * 99 / 100)) ] || echo "WARNING: the warm-up -M $mode cached $((s + h)) of $N accounts" >&2
done
psql_q -P footer=off -c "SELECT entries, max_entries, evictions, not_admitted, store_failures, pg_size_pretty(bytes) AS bytes,
                  pg_size_pretty(metadata_bytes) AS metadata, pg_size_pretty(arena_bytes) AS arena,
                  pg_size_pretty(memory_bytes) AS memory FROM cache_stats()" | sed 's/^/  /'
psql_q -c "CHECKPOINT" >/dev/null
for mode in simple prepared; do
    log "1. pgbench -S, -M $mode"
    for r in $(seq 1 "$ROUNDS"); do
        run 1 policy $mode "$r" "" -S
        run 1 off $mode "$r" "$OFF" -S
    done
    row 1 $mode policy off ">=" 1.0 "1. pgbench -S, policy on pgbench_accounts / cachepg.enabled=off"
done
fi

# 2. hint vs VALUES ##########################################################
if want 2; then
psql_q <<'SQL' >/dev/null
CREATE TABLE bench_rows (id int PRIMARY KEY, name text, qty int, price numeric(10,2));
INSERT INTO bench_rows SELECT i, 'name ' || i, i % 97, (i * 7 % 1000) / 10.0 FROM generate_series(1, 10000) i;
VACUUM ANALYZE bench_rows;
SELECT cache_watch('bench_rows');
SQL
for n in 1 10; do
    psql_q -At -c "SELECT 'SELECT * FROM (VALUES ' || string_agg(format('(%s, %L, %s, %s)', id, name, qty, price), ', ' ORDER BY id) || ') v(id, name, qty, price);' FROM bench_rows WHERE id <= $n" | script "values$n"
    echo "/* cachepg: ttl=600 */ SELECT id, name, qty, price FROM bench_rows WHERE id <= $n ORDER BY id;" | script "hint$n"
done
echo "SELECT * FROM cache_get_or_run('SELECT id, name, qty, price FROM bench_rows WHERE id <= 10 ORDER BY id', 600) AS t(id int, name text, qty int, price numeric(10,2));" | script fn10
for mode in simple prepared; do
    for v in hint1 hint10 fn10; do
        pgb "$work/prime.log" -M $mode -c 1 -t 3 -f "$work/$v.sql"
    done
    log "2. 10 and 1 row(s), -M $mode"
    for r in $(seq 1 "$ROUNDS"); do
        for v in values10 hint10 fn10 values1 hint1; do
            run 2 $v $mode "$r" "" -f "$work/$v.sql"
        done
    done
    goal=1.0; [ $mode = prepared ] && goal=0.95
    row 2 $mode hint10 values10 ">=" $goal "2. hint hit / VALUES, 10 rows"
    row 2 $mode hint1 values1 ">=" $goal "2. hint hit / VALUES, 1 row"
    row 2 $mode fn10 values10 "" report "2. cache_get_or_run hit / VALUES, 10 rows (reference)"
    row 2 $mode hint10 fn10 "" report "2. hint hit / cache_get_or_run hit, 10 rows"
done
fi

# 3. a 15 ms aggregate #######################################################
if want 3; then
psql_q <<'SQL' >/dev/null
CREATE TABLE big (id int PRIMARY KEY, g int, v int);
INSERT INTO big SELECT i, i % 100, i FROM generate_series(1, 300000) i;
VACUUM ANALYZE big;
SELECT cache_watch('big');
SQL
policy big
AGG='SELECT g, count(*), sum(v) FROM big GROUP BY g ORDER BY g'
echo "$AGG;" | script agg
echo "  3. the aggregate's own time, cachepg.enabled = off: $(PGOPTIONS=$OFF own_time "$AGG") ms (psql \\timing, median of 5)"
pgb "$work/prime.log" -M prepared -c 1 -t 3 -f "$work/agg.sql"
log "3. aggregate, -M prepared"
for r in $(seq 1 "$ROUNDS"); do
    run 3 policy prepared "$r" "" -f "$work/agg.sql"
    run 3 off prepared "$r" "$OFF" -f "$work/agg.sql"
done
row 3 prepared policy off ">=" 100 "3. 15 ms aggregate, policy on big / cachepg.enabled=off"
fi

bench_stop
fi

# 4. write-heavy mix ##########################################################
if want 4; then
start
log "4. fresh server in $dir; pgbench -i -s $SCALE"
as_pg $BIN/pgbench -i -q -s "$SCALE" -h "$dir" -U postgres postgres >/dev/null 2>&1
for t in pgbench_accounts pgbench_branches pgbench_tellers pgbench_history; do
    psql_q -c "SELECT cache_watch('$t')" >/dev/null
done
psql_q -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
echo "# cachepg.mode = $(psql_q -At -c "SELECT coalesce(current_setting('cachepg.mode', true), '(none)')"), cachepg.default_ttl = $(psql_q -At -c "SHOW cachepg.default_ttl")"
# mix ROUND ARM PGOPTS: TPC-B and select-only side by side, SECS seconds
mix() {
    local r=$1 arm=$2 opts=$3 b h m s w rd lat wlat
    b=$(snap)
    PGOPTIONS=$opts pgb "$work/4.w.$arm.$r.log" -M "$MODE4" -c "$CLIENTS" -j "$CLIENTS" -T "$SECS" -r -b tpcb-like &
    PGOPTIONS=$opts pgb "$work/4.r.$arm.$r.log" -M "$MODE4" -c "$READERS" -j "$READERS" -T "$SECS" -r -b select-only &
    wait
    read -r h m s <<<"$(delta "$b" "$(snap)")"
    w=$(tps_of "$work/4.w.$arm.$r.log"); rd=$(tps_of "$work/4.r.$arm.$r.log")
    [ -n "$w" ] && [ -n "$rd" ] || { echo "pgbench failed: part 4 $arm round $r:" >&2; grep -hv '^ ' "$work/4.w.$arm.$r.log" "$work/4.r.$arm.$r.log" | head -5 >&2; }
    lat=$(awk '/SELECT abalance FROM pgbench_accounts/ { print $1; exit }' "$work/4.r.$arm.$r.log")
    wlat=$(awk '/^latency average = / { print $4 }' "$work/4.w.$arm.$r.log")
    rec 4 "$arm" "$MODE4" "$r" $((${w:-0} + ${rd:-0})) "$h" "$m" "$s" "${rd:-0}" "${lat:-0}" "${w:-0}"
    printf '  part 4 round %s %-7s total %6d tps (tpcb %5d, select-only %6d); select latency %s ms, tpcb latency %s ms; hits %d misses %d stores %d\n' \
        "$r" "$arm" $((${w:-0} + ${rd:-0})) "${w:-0}" "${rd:-0}" "${lat:-?}" "${wlat:-?}" "$h" "$m" "$s"
}
if [ "${WARM4:-0}" = 1 ]; then
    # every account's select-only statement stored once, under force
    script warm <<'SQL'
\set aid :n * :nc + :client_id + 1
\set n :n + 1
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
SQL
    log "4. warm-up under cachepg.mode = force, -M $MODE4: aid = 1..$N"
    b=$(snap)
    PGOPTIONS="-c cachepg.mode=force $FORCE_OPTS" pgb "$work/warm4.log" -M "$MODE4" -c "$CLIENTS" -j "$CLIENTS" \
        -t $(((N + CLIENTS - 1) / CLIENTS)) -D n=0 -D nc="$CLIENTS" -f "$work/warm.sql"
    read -r h m s <<<"$(delta "$b" "$(snap)")"
    echo "  warm-up: $(tps_of "$work/warm4.log") tps; stores $s of $N accounts"
fi
log "4. TPC-B ($CLIENTS clients) + select-only ($READERS clients), -M $MODE4, cachepg.mode force / $BASE_MODE"
for r in $(seq 1 "$ROUNDS"); do
    mix "$r" $BASE_MODE "-c cachepg.mode=$BASE_MODE"
    mix "$r" force "-c cachepg.mode=force $FORCE_OPTS"
done
row 4 "$MODE4" force "$BASE_MODE" "" report "4. TPC-B + select-only, total TPS, mode force / $BASE_MODE"
read -r md lo hi <<<"$(ratio 4 "$MODE4" force "$BASE_MODE" 9)"
printf '| %s | %s | %s %s / %s %s | **%s** (%s-%s) | %s | - | report | - |\n' \
    "4. select-only clients' TPS, force / $BASE_MODE" "$MODE4" force "$(med 4 force "$MODE4" 9)" "$BASE_MODE" "$(med 4 "$BASE_MODE" "$MODE4" 9)" \
    "$md" "$lo" "$hi" "$(rounds_of 4 "$MODE4" force "$BASE_MODE" 9)" >> "$ROWS"
read -r md lo hi <<<"$(ratio 4 "$MODE4" force "$BASE_MODE" 10)"
printf '| %s | %s | %s %s / %s %s ms | **%s** (%s-%s) | %s | - | report | - |\n' \
    "4. select latency (pgbench -r), force / $BASE_MODE" "$MODE4" force "$(med 4 force "$MODE4" 10)" "$BASE_MODE" "$(med 4 "$BASE_MODE" "$MODE4" 10)" \
    "$md" "$lo" "$hi" "$(rounds_of 4 "$MODE4" force "$BASE_MODE" 10)" >> "$ROWS"
bench_stop
fi

echo
echo "| measure | protocol | medians (TPS; latency in ms) | ratio: median (min-max) | per-round ratios | hit ratio A / B | goal | met |"
echo "|---|---|---|---|---|---|---|---|"
cat "$ROWS"
echo
echo "raw runs (part variant mode round tps hits misses stores; part 4: x1 = select-only tps, x2 = select latency ms, x3 = tpcb tps):"
sed 's/^/  /' "$RAW"
log "done"
