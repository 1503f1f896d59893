#!/usr/bin/env bash
# Which freshness rule stores more under writes (issue 13): a load on a
# fresh snapshot taken after reading the marks (the functions, READ
# COMMITTED) against a load on the statement's own, older snapshot (a
# transparent statement: it stores only if no writer was in flight and the
# newest committed writer's XID precedes the snapshot's xmin).  Writers
# update random rows of a 1000-row table while readers read random rows
# through each path, interleaved; prints stores per miss for each.
# Usage: snapshot_rule.sh [SECONDS] [ROUNDS] [WRITERS] [READERS]
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh
secs=${1:-10}; rounds=${2:-3}; writers=${3:-2}; readers=${4:-2}
echo "# bash test/bench/snapshot_rule.sh $secs $rounds $writers $readers"
bench_start
psql_q >/dev/null <<'SQL'
CREATE EXTENSION cachepg;
CREATE TABLE kv (id int PRIMARY KEY, v int);
INSERT INTO kv SELECT g, g FROM generate_series(1, 1000) g;
SELECT cache_watch('kv');
SQL
cat > "$dir/write.sql" <<'EOF2'
\set id random(1, 1000)
UPDATE kv SET v = v + 1 WHERE id = :id;
EOF2
cat > "$dir/fn.sql" <<'EOF2'
\set id random(1, 1000)
SELECT * FROM cache_get_or_run('SELECT v FROM kv WHERE id = $1', 0, :id) AS t(v int);
EOF2
cat > "$dir/hint.sql" <<'EOF2'
\set id random(1, 1000)
/* cachepg: ttl=0 */ SELECT v FROM kv WHERE id = :id;
EOF2
chown postgres "$dir"/*.sql
stats() { psql_q -At -c "SELECT misses || ' ' || stores || ' ' || write_conflicts FROM cache_stats()"; }
echo "round path misses stores write_conflicts stores_per_miss"
for r in $(seq 1 "$rounds"); do
    for path in fn hint; do
        psql_q -c "SELECT cache_clear()" >/dev/null
        read -r m0 s0 w0 < <(stats)
        as_pg $BIN/pgbench -n -h "$dir" -U postgres -c "$writers" -j "$writers" -T "$secs" -f "$dir/write.sql" postgres >/dev/null 2>&1 &
        as_pg $BIN/pgbench -n -h "$dir" -U postgres -M simple -c "$readers" -j "$readers" -T "$secs" -f "$dir/$path.sql" postgres >/dev/null 2>&1
        wait
        read -r m1 s1 w1 < <(stats)
        awk -v r="$r" -v p="$path" -v m=$((m1 - m0)) -v s=$((s1 - s0)) -v w=$((w1 - w0)) \
            'BEGIN { printf "%s %s %d %d %d %.3f\n", r, p, m, s, w, (m ? s / m : 0) }'
    done
done
