# Shared by the benchmarks and the suite's stress tests: start and stop a
# throwaway server with cachepg preloaded, owned by the postgres user, on a
# socket in a temp directory.
BIN=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }

# server_start SETTINGS: SETTINGS (text) go into postgresql.conf
server_start() {
    dir=$(mktemp -d /tmp/cachepg-bench.XXXXXX)
    chown postgres "$dir"
    as_pg $BIN/initdb -D "$dir/data" -A trust -U postgres >/dev/null
    cat >> "$dir/data/postgresql.conf" <<CONF
$1
listen_addresses = ''
unix_socket_directories = '$dir'
CONF
    as_pg $BIN/pg_ctl -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
    trap bench_stop EXIT
}

# Benchmarks: room for 100 clients and the data in shared buffers.
bench_start() {
    server_start "shared_preload_libraries = 'cachepg'
max_connections = 100
shared_buffers = '256MB'"
}

# Stress tests: the test clusters' settings (test/cachepg.conf).
stress_start() {
    server_start "$(cat "$(dirname "${BASH_SOURCE[0]}")/../cachepg.conf")"
}

bench_stop() {
    as_pg $BIN/pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

psql_q() { as_pg $BIN/psql -X -q -h "$dir" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

# pgbench_tps SCRIPTFILE MODE CLIENTS SECONDS -> prints TPS
pgbench_tps() {
    cp "$1" "$dir/" && chown postgres "$dir/$(basename "$1")"
    as_pg $BIN/pgbench -n -h "$dir" -U postgres -M "$2" -c "$3" -j "$3" -T "$4" \
        -f "$dir/$(basename "$1")" postgres 2>/dev/null |
        awk '/^tps = / { print int($3) }'
}

# own_time SQL -> the query's own time in ms (psql \timing), median of 5 runs
own_time() {
    for i in 1 2 3 4 5; do
        psql_q -At -c "\\timing on" -c "$1" | awk '/^Time:/ {print $2}'
    done | sort -n | sed -n 3p
}
