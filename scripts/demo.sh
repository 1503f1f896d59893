#!/usr/bin/env bash
# Set everything up, start a throwaway PostgreSQL 15 with cachepg preloaded,
# show a miss, a hit with its timing and the stats, then stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

BIN=/usr/lib/postgresql/15/bin
dir=$(mktemp -d /tmp/cachepg-demo.XXXXXX)
chown postgres "$dir"
cp scripts/demo.sql "$dir/"
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
cleanup() { as_pg $BIN/pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT

as_pg $BIN/initdb -D "$dir/data" -A trust -U postgres >/dev/null
cat >> "$dir/data/postgresql.conf" <<CONF
shared_preload_libraries = 'cachepg'
listen_addresses = ''
unix_socket_directories = '$dir'
CONF
as_pg $BIN/pg_ctl -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
as_pg $BIN/psql -X -h "$dir" -U postgres -d postgres -v ON_ERROR_STOP=1 -f "$dir/demo.sql"
