#!/usr/bin/env bash
# Writes on hot entries: a writer commits an UPDATE every 200 ms while
# clients read a ~15 ms aggregate of the same table every 50 ms each.  For each read
# issued at least 20 ms after the latest commit: did it hit?  (a read is a
# hit when it took under 5 ms; the query itself takes ~20 ms).  Reported
# with cachepg.refresh_on_write on and off, with the query executions
# (misses + refreshes) each cost.
#   bash test/bench/refresh_on_write.sh [readers] [seconds] [rounds]
set -euo pipefail
cd "$(dirname "$0")"
READERS=${1:-2}
SECS=${2:-15}
ROUNDS=${3:-2}
. ./lib.sh
bench_start
psql_q -c "CREATE EXTENSION cachepg" \
       -c "CREATE TABLE t (id int PRIMARY KEY, v int)" \
       -c "INSERT INTO t SELECT g, g FROM generate_series(1, 300000) g" \
       -c "SELECT cache_watch('t')" -c "VACUUM ANALYZE t" >/dev/null
Q="SELECT sum(v) FROM t"
own=$(own_time "$Q")
echo "query: $Q (own time ${own} ms); a write every 200 ms; $READERS readers; $SECS s per run"
cat > "$dir/w.sql" <<'SQL'
\sleep 200 ms
\set id random(1, 300000)
UPDATE t SET v = v + 1 WHERE id = :id;
SQL
printf '%s\n' '\sleep 50 ms' "SELECT * FROM cache_get_or_run('$Q', 0) AS x(s bigint);" > "$dir/r.sql"
chown postgres "$dir/w.sql" "$dir/r.sql"
printf '%-6s %5s %10s %8s %10s %8s %10s %10s\n' refresh round reads eligible hit_share misses refreshes executions
for r in $(seq 1 "$ROUNDS"); do
    for mode in on off; do
        psql_q -c "SELECT cache_clear()" -c "SET cachepg.refresh_on_write = $mode" \
               -c "SELECT * FROM cache_get_or_run('$Q', 0) AS x(s bigint)" \
               -c "SELECT * FROM cache_get_or_run('$Q', 0) AS x(s bigint)" -c "SELECT cache_stats_reset()" >/dev/null
        rm -rf "$dir/logs"; mkdir "$dir/logs"; chown postgres "$dir/logs"
        (cd "$dir" && as_pg $BIN/pgbench -n -h "$dir" -U postgres -c 1 -T "$SECS" -f "$dir/w.sql" \
            --log --log-prefix="$dir/logs/w" postgres >/dev/null 2>&1) &
        (cd "$dir" && as_pg env PGOPTIONS="-c cachepg.refresh_on_write=$mode" $BIN/pgbench -n -h "$dir" \
            -U postgres -c "$READERS" -j 2 -T "$SECS" -f "$dir/r.sql" \
            --log --log-prefix="$dir/logs/r" postgres >/dev/null 2>&1)
        wait
        stats=$(psql_q -At -F ' ' -c "SELECT misses, refreshes FROM cache_stats()")
        python3 - "$dir/logs" "$mode" "$r" "$stats" <<'PY'
import glob, sys, bisect
d, mode, rnd, stats = sys.argv[1:5]
misses, refreshes = (int(x) for x in stats.split())
def rows(prefix):
    for f in glob.glob(d + '/' + prefix + '.*'):
        for line in open(f):
            p = line.split()
            lat = int(p[2]); end = int(p[4]) * 1000000 + int(p[5])
            if prefix == 'r':
                lat -= 50000    # the client-side \sleep before each read
            yield end - lat, end, lat
commits = sorted(end for _, end, _ in rows('w'))
reads = list(rows('r'))
eligible = hits = 0
for start, end, lat in reads:
    i = bisect.bisect_right(commits, start)
    if i == 0 or start - commits[i - 1] < 20000:
        continue
    eligible += 1
    hits += lat < 5000
print('%-6s %5s %10d %8d %10.3f %8d %10d %10d' % (mode, rnd, len(reads), eligible,
      hits / max(eligible, 1), misses, refreshes, misses + refreshes))
PY
    done
done
