#!/usr/bin/env bash
# Cost of a miss and of a hit: pgbench TPS of calls that always miss (a
# nonce comment makes every key new), of calls that always hit, and of the
# same cheap query run directly, for this build and for another build of
# cachepg (a built checkout of an older commit), installed in turn,
# alternating.  Reinstalls this build at the end.
#   git worktree add /tmp/old e4ee383 && make -C /tmp/old
#   bash test/bench/miss_ab.sh /tmp/old [seconds-per-run] [rounds] [clients]
set -euo pipefail
cd "$(dirname "$0")"
OLD=$1
SECS=${2:-8}
ROUNDS=${3:-2}
CLIENTS=${4:-2}
. ./lib.sh
HERE=$(cd ../.. && pwd)
PGC=/usr/lib/postgresql/15/bin/pg_config
install_build() { make -s -C "$1" install PG_CONFIG=$PGC >/dev/null; }
t=$(mktemp -d)
chmod 755 "$t"
cat > "$t/miss.sql" <<'SQL'
\set n random(1, 1000000000)
SELECT * FROM cache_get_or_run('SELECT v FROM t WHERE id = 1 /* ' || :n || ' */', 0) AS x(v int);
SQL
cat > "$t/direct.sql" <<'SQL'
SELECT v FROM t WHERE id = 1;
SQL
cat > "$t/hit.sql" <<'SQL'
SELECT * FROM cache_get_or_run('SELECT v FROM t WHERE id = 1', 0) AS x(v int);
SQL
echo "clients=$CLIENTS seconds=$SECS rounds=$ROUNDS mode=simple; other build: $OLD"
for r in $(seq 1 "$ROUNDS"); do
    for b in other this; do
        if [ $b = other ]; then install_build "$OLD"; else install_build "$HERE"; fi
        bench_start
        psql_q -c "CREATE EXTENSION cachepg" -c "CREATE TABLE t (id int PRIMARY KEY, v int)" \
               -c "INSERT INTO t VALUES (1, 1)" >/dev/null
        # 1.1 and later store only results of watched tables
        psql_q -c "SELECT cache_watch('t')" >/dev/null 2>&1 || true
        m=$(pgbench_tps "$t/miss.sql" simple "$CLIENTS" "$SECS")
        d=$(pgbench_tps "$t/direct.sql" simple "$CLIENTS" "$SECS")
        s=$(psql_q -At -c "SELECT stores FROM cache_stats()")
        h=$(pgbench_tps "$t/hit.sql" simple "$CLIENTS" "$SECS")
        echo "round $r $b build: miss $m tps (stores $s), direct $d tps, hit $h tps"
        bench_stop
        trap - EXIT
    done
done
install_build "$HERE"
rm -rf "$t"
