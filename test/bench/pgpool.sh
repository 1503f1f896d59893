#!/usr/bin/env bash
# cachepg's transparent hint path against pgpool-II's in-memory query cache,
# in one run: a throwaway server with cachepg preloaded and, in front of it,
# a pgpool-II (raw mode, one backend, memory_cache_enabled = on,
# memqcache_method = 'shmem', on a Unix socket, port 9999), both run as the
# postgres user. The same 10 rows (4 columns) are read by pgbench
#   hint10:   /* cachepg: ttl=600 */ SELECT ... (direct to PostgreSQL)
#   pgpool10: the same SELECT without the hint, through pgpool (its cache)
#   values10: the same rows as a constant VALUES list, direct (the limit)
#   fn10:     the same SELECT through cache_get_or_run, direct (reference)
# with -M simple and -M prepared, variants interleaved round by round, each
# run a fresh pgbench of SECS seconds. Ratios are medians of per-round
# ratios, with their min-max.
#   bash test/bench/pgpool.sh [seconds-per-run] [rounds] [clients]
# Installs pgpool2 from apt when missing (Debian 12: pgpool-II 4.3). KEEP=1
# keeps the logs.
set -euo pipefail
CMDLINE="bash test/bench/pgpool.sh $*"
cd "$(dirname "$0")"
SECS=${1:-10}
ROUNDS=${2:-5}
CLIENTS=${3:-2}
. ./lib.sh

if ! dpkg-query -W -f='${Status}' pgpool2 2>/dev/null | grep -q "install ok installed"; then
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgpool2 >/dev/null
fi
# the service Debian may start with the package would only add noise
service pgpool2 stop >/dev/null 2>&1 || true
PGPOOL=/usr/sbin/pgpool

echo "# $CMDLINE"
echo "# SECS=$SECS ROUNDS=$ROUNDS CLIENTS=$CLIENTS; $($PGPOOL --version 2>&1); $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
[ "$ROUNDS" -ge 5 ] || echo "# note: fewer than 5 rounds; medians are not meaningful"

work=$(mktemp -d /tmp/cachepg-pgpool.XXXXXX)
chmod 755 "$work"
RAW=$work/raw.tsv
: > "$RAW"
start_time=$(date +%s)
log() { echo "[$(($(date +%s) - start_time)) s] $*"; }

server_start "shared_preload_libraries = 'cachepg'
max_connections = 100
shared_buffers = '256MB'"
pool_stop() { as_pg $PGPOOL -f "$dir/pgpool/pgpool.conf" -m fast stop >/dev/null 2>&1 || true; }
cleanup() {
    pool_stop
    bench_stop
    if [ "${KEEP:-0}" = 1 ]; then echo "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
psql_q -c "CREATE EXTENSION cachepg"
echo "# cachepg $(psql_q -At -c "SELECT extversion FROM pg_extension WHERE extname = 'cachepg'"), cachepg.mode = $(psql_q -At -c "SELECT coalesce(current_setting('cachepg.mode', true), '(no such setting: transparent caching not in this build)')")"
psql_q <<'SQL' >/dev/null
CREATE TABLE bench_rows (id int PRIMARY KEY, name text, qty int, price numeric(10,2));
INSERT INTO bench_rows SELECT i, 'name ' || i, i % 97, (i * 7 % 1000) / 10.0 FROM generate_series(1, 10000) i;
VACUUM ANALYZE bench_rows;
SELECT cache_watch('bench_rows');
SQL

# pgpool-II 4.x, raw mode, one backend on the server's socket
if ! pgpool_start $((CLIENTS + 6)); then
    echo "pgpool-II did not come up; its log:" >&2
    tail -20 "$dir/pgpool/pgpool.log" >&2
    exit 1
fi
log "server and pgpool-II up in $dir (pgpool port 9999)"

# script NAME: a pgbench script from stdin, readable by the postgres user
script() { cat > "$work/$1.sql"; chmod 644 "$work/$1.sql"; }
Q='SELECT id, name, qty, price FROM bench_rows WHERE id <= 10 ORDER BY id'
psql_q -At -c "SELECT 'SELECT * FROM (VALUES ' || string_agg(format('(%s, %L, %s, %s)', id, name, qty, price), ', ' ORDER BY id) || ') v(id, name, qty, price);' FROM bench_rows WHERE id <= 10" | script values10
echo "/* cachepg: ttl=600 */ $Q;" | script hint10
echo "$Q;" | script pgpool10
echo "SELECT * FROM cache_get_or_run('$Q', 600) AS t(id int, name text, qty int, price numeric(10,2));" | script fn10

# pgb LOG PGBENCH-ARGS...: pgbench as postgres; all output in LOG
pgb() {
    local out=$1
    shift
    as_pg $BIN/pgbench -n -h "$dir" -U postgres "$@" postgres > "$out" 2>&1 || true
}
snap() { psql_q -At -F' ' -c "SELECT hits, misses FROM cache_stats()"; }
port_of() { if [ "$1" = pgpool10 ]; then echo 9999; else echo 5432; fi; }
# run VARIANT MODE ROUND
run() {
    local v=$1 mode=$2 r=$3 out b a tps
    out=$work/$v.$mode.$r.log
    b=$(snap)
    pgb "$out" -p "$(port_of "$v")" -M "$mode" -c "$CLIENTS" -j "$CLIENTS" -T "$SECS" -f "$work/$v.sql"
    a=$(snap)
    tps=$(awk '/^tps = / { print int($3) }' "$out")
    if [ -z "$tps" ]; then
        echo "pgbench failed: $v $mode round $r:" >&2
        grep -v '^ ' "$out" | head -5 >&2
        tps=0
    fi
    read -r h m <<<"$(awk -v b="$b" -v a="$a" 'BEGIN { split(b, x, " "); split(a, y, " "); print y[1] - x[1], y[2] - x[2] }')"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$mode" "$r" "$tps" "$h" "$m" >> "$RAW"
    printf '  round %s %-8s %-9s %8d tps  cachepg hits %9d misses %9d\n' "$r" "$mode" "$v" "$tps" "$h" "$m"
}
med() { awk -F'\t' -v v="$1" -v m="$2" '$1 == v && $2 == m { print $4 }' "$RAW" | median_min_max | awk '{ print int($1) }'; }
ratios() {
    awk -F'\t' -v m="$1" -v a="$2" -v b="$3" '
        $2 == m && $1 == a { A[$3] = $4 }
        $2 == m && $1 == b { B[$3] = $4 }
        END { for (r = 1; r in A; r++) if (B[r] > 0) print A[r] / B[r] }' "$RAW"
}
hitratio() {
    awk -F'\t' -v v="$1" -v m="$2" '$1 == v && $2 == m { h += $5; x += $6 }
        END { if (h + x == 0) print "-"; else printf "%.4f\n", h / (h + x) }' "$RAW"
}
ROWS=$work/rows.md
: > "$ROWS"
row() {
    local mode=$1 a=$2 b=$3 label=$4 md lo hi
    read -r md lo hi <<<"$(ratios "$mode" "$a" "$b" | median_min_max | awk '{ printf "%.3f %.3f %.3f\n", $1, $2, $3 }')"
    printf '| %s | %s | %s %s / %s %s | **%s** (%s-%s) | %s |\n' "$label" "$mode" "$a" "$(med "$a" "$mode")" \
        "$b" "$(med "$b" "$mode")" "$md" "$lo" "$hi" "$(ratios "$mode" "$a" "$b" | awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 } END { print "" }')" >> "$ROWS"
}

for mode in simple prepared; do
    # fill both caches
    for v in hint10 pgpool10 fn10; do
        pgb "$work/prime.log" -p "$(port_of $v)" -M $mode -c 1 -t 3 -f "$work/$v.sql"
    done
    log "-M $mode"
    for r in $(seq 1 "$ROUNDS"); do
        for v in values10 hint10 pgpool10 fn10; do
            run $v $mode "$r"
        done
    done
    row $mode hint10 pgpool10 "cachepg hint hit / pgpool-II cache hit, 10 rows"
    row $mode pgpool10 values10 "pgpool-II cache hit / VALUES, 10 rows"
    row $mode hint10 values10 "cachepg hint hit / VALUES, 10 rows"
    row $mode fn10 pgpool10 "cache_get_or_run hit / pgpool-II cache hit, 10 rows (reference)"
done

echo
echo "pgpool-II SHOW pool_cache:"
as_pg $BIN/psql -X -h "$dir" -p 9999 -U postgres -d postgres -x -c "SHOW pool_cache" |
    grep -E "num_cache_hits|num_selects|cache_hit_ratio|num_cache_entries" | sed 's/^/  /'
echo "cachepg hit ratio: hint10 simple $(hitratio hint10 simple), prepared $(hitratio hint10 prepared); pgpool10 runs (plain SELECTs reaching PostgreSQL: "-" = cachepg not involved) simple $(hitratio pgpool10 simple), prepared $(hitratio pgpool10 prepared)"
echo
echo "| measure | protocol | medians (TPS) | ratio: median (min-max) | per-round ratios |"
echo "|---|---|---|---|---|"
cat "$ROWS"
echo
echo "raw runs (variant mode round tps cachepg-hits cachepg-misses):"
sed 's/^/  /' "$RAW"
log "done"
