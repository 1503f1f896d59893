#!/usr/bin/env bash
# The real-driver test of transparent caching: node-postgres (npm `pg`, pinned
# in test/driver/package-lock.json) over the extended protocol with untyped
# bound parameters, named prepared statements, binary results and portals
# read in pieces (pg-cursor), against a throwaway server with cachepg
# preloaded (test/cachepg.conf).  Every result is compared with the same
# statement run with cachepg.enabled = off.
#
# Installs nodejs and npm from apt only when `node` or `npm` is missing.
# The npm packages go outside the checkout, in $CACHEPG_DRIVER_DIR (default
# /var/tmp/cachepg-driver-<lockfile hash>), reused while the lockfile is
# unchanged.  The server runs as postgres from a temp directory and never
# reads the checkout.  Prints "driver: N passed, N failed" last; exits
# non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

fail_setup() { echo "driver.sh: $*" >&2; echo "driver: 0 passed, 1 failed"; exit 1; }

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "== installing nodejs and npm (apt)"
    start=$SECONDS
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -q && apt-get install -y -q --no-install-recommends nodejs npm; } >/tmp/cachepg-driver-apt.log 2>&1 ||
        { tail -20 /tmp/cachepg-driver-apt.log; fail_setup "apt-get install nodejs npm failed"; }
    echo "   done in $((SECONDS - start)) s"
fi

lock_hash=$(cat test/driver/package.json test/driver/package-lock.json | sha256sum | cut -c1-16)
mods=${CACHEPG_DRIVER_DIR:-/var/tmp/cachepg-driver-$(id -un)-$lock_hash}
if [ ! -f "$mods/.installed" ]; then
    echo "== npm ci into $mods"
    start=$SECONDS
    rm -rf "$mods" && mkdir -p "$mods" || fail_setup "cannot create $mods"
    cp test/driver/package.json test/driver/package-lock.json "$mods/"
    (cd "$mods" && npm ci --no-audit --no-fund --loglevel=error) || fail_setup "npm ci failed"
    touch "$mods/.installed"
    echo "   done in $((SECONDS - start)) s"
fi

cp test/driver/transparent.js "$mods/"
# From here on nothing reads the checkout: the postgres user's tools (initdb,
# pg_ctl, psql through runuser) cannot enter a checkout under /root.
source "$PWD/test/bench/lib.sh"
cd /tmp || fail_setup "cannot enter /tmp"
stress_start || fail_setup "could not start a throwaway server"
psql_q >/dev/null <<'SQL' || fail_setup "setup SQL failed"
CREATE EXTENSION cachepg;
CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2));
INSERT INTO items SELECT i, 'item ' || i, i * 1.25 FROM generate_series(1, 10) i;
CREATE TABLE typed (id int PRIMARY KEY, n numeric(10,2), ts timestamptz,
                    tags text[], doc jsonb, v varchar(20));
INSERT INTO typed VALUES
  (1, 12.5, '2026-01-02 03:04:05.678+00', '{a,"b c",NULL}', '{"k": [1, 2.50, null], "s": "x"}', 'héllo wörld'),
  (2, NULL, NULL, NULL, NULL, NULL),
  (3, -0.01, 'infinity', '{}', '[]', '');
SELECT cache_watch('items');
SELECT cache_watch('typed');
SQL

echo "== node $(node --version) transparent.js"
out=$(mktemp /tmp/cachepg-driver-out.XXXXXX)
(PGHOST="$dir" PGUSER=postgres PGDATABASE=postgres timeout 300 node "$mods/transparent.js" 2>&1) | tee "$out"
rc=${PIPESTATUS[0]}
if ! grep -qE '^driver: [0-9]+ passed, [0-9]+ failed$' "$out"; then
    echo "driver: 0 passed, 1 failed"
    rc=1
fi
if [ "$rc" != 0 ]; then
    echo "== server log (last 30 lines)"
    tail -30 "$dir/server.log"
fi
rm -f "$out"
exit "$rc"
