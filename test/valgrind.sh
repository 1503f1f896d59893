#!/usr/bin/env bash
# On demand, not part of scripts/test.sh: run the pg_regress and isolation
# suites against a server under valgrind memcheck (every backend traced) and
# print the errors valgrind reported, by process.  Needs valgrind (apt) and
# cachepg installed (scripts/setup.sh).  PostgreSQL's suppression file
# (src/tools/valgrind.supp in its source tree) is used when SUPP names it.
#   bash test/valgrind.sh
#   SUPP=/path/to/postgresql-15/src/tools/valgrind.supp bash test/valgrind.sh
set -uo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || apt-get install -y -q valgrind >/dev/null

BIN=/usr/lib/postgresql/15/bin
PGXS=/usr/lib/postgresql/15/lib/pgxs
PORT=${PORT:-5488}
REGRESS_TESTS=$(sed -n 's/^REGRESS_TESTS="\(.*\)"/\1/p' scripts/test.sh)
ISOLATION_TESTS=$(sed -n 's/^ISOLATION_TESTS="\(.*\)"/\1/p' scripts/test.sh)

work=$(mktemp -d /tmp/cachepg-vg.XXXXXX)
cp -r sql expected test "$work/"
chown -R postgres "$work"
as_pg() { runuser -u postgres -- "$@"; }

as_pg $BIN/initdb -D "$work/data" >/dev/null
cat test/cachepg.conf >> "$work/data/postgresql.conf"
cat >> "$work/data/postgresql.conf" <<EOF
port = $PORT
unix_socket_directories = '$work'
max_connections = 20
EOF
supp=()
[ -n "${SUPP:-}" ] && supp=(--suppressions="$SUPP")
as_pg valgrind --quiet --trace-children=yes --track-origins=no --read-var-info=no \
    --leak-check=no "${supp[@]}" --log-file="$work/vg.%p.log" \
    $BIN/postgres -D "$work/data" > "$work/server.log" 2>&1 &
for _ in $(seq 1 120); do
    as_pg $BIN/pg_isready -q -h "$work" -p $PORT && break
    sleep 1
done

cd "$work"
as_pg $PGXS/src/test/regress/pg_regress --bindir=$BIN \
    --host="$work" --port=$PORT --inputdir=. --outputdir="$work/out_regress" \
    --dbname=contrib_regression $REGRESS_TESTS | tail -3
as_pg $PGXS/src/test/isolation/pg_isolation_regress --bindir=$BIN \
    --host="$work" --port=$PORT --inputdir=test --outputdir="$work/out_isolation" \
    --dbname=contrib_regression $ISOLATION_TESTS | tail -3
as_pg $BIN/pg_ctl -D "$work/data" stop -m fast >/dev/null

echo "valgrind logs with errors (in $work):"
grep -l "^==[0-9]*== [A-Z]" "$work"/vg.*.log | while read -r f; do
    echo "== $f"
    grep -E "^==[0-9]+== ( +(at|by) |[A-Z])" "$f" | head -40
done
