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

# median_min_max: numbers on stdin -> "median min max" ("0 0 0" if none)
median_min_max() {
    sort -g | awk '{ x[++n] = $1 } END { if (n == 0) { print "0 0 0"; exit }
        m = (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2; print m, x[1], x[n] }'
}

# own_time SQL -> the query's own time in ms (psql \timing), median of 5 runs
own_time() {
    for i in 1 2 3 4 5; do
        psql_q -At -c "\\timing on" -c "$1" | awk '/^Time:/ {print $2}'
    done | sort -n | sed -n 3p
}

# pgpool_start CHILDREN: pgpool-II 4.x in front of the server (raw mode, one
# backend on its socket), with its in-memory query cache on, listening on
# port 9999 in $dir; false if it did not come up (its log: $dir/pgpool/pgpool.log)
pgpool_start() {
    mkdir -p "$dir/pgpool/oiddir"
    cat > "$dir/pgpool/pgpool.conf" <<CONF
backend_clustering_mode = 'raw'
listen_addresses = ''
port = 9999
socket_dir = '$dir'
pcp_listen_addresses = ''
pcp_port = 9998
pcp_socket_dir = '$dir'
wd_ipc_socket_dir = '$dir'
backend_hostname0 = '$dir'
backend_port0 = 5432
backend_weight0 = 1
backend_flag0 = 'ALLOW_TO_FAILOVER'
num_init_children = $1
max_pool = 1
pid_file_name = '$dir/pgpool/pgpool.pid'
logdir = '$dir/pgpool'
health_check_period = 0
sr_check_period = 0
load_balance_mode = off
enable_pool_hba = off
memory_cache_enabled = on
memqcache_method = 'shmem'
memqcache_total_size = 64MB
memqcache_max_num_cache = 100000
memqcache_expire = 0
memqcache_auto_cache_invalidation = on
memqcache_oiddir = '$dir/pgpool/oiddir'
CONF
    : > "$dir/pgpool/pcp.conf"
    chown -R postgres "$dir/pgpool"
    as_pg /usr/sbin/pgpool -n -f "$dir/pgpool/pgpool.conf" -F "$dir/pgpool/pcp.conf" > "$dir/pgpool/pgpool.log" 2>&1 &
    for _ in $(seq 1 100); do
        as_pg $BIN/psql -X -h "$dir" -p 9999 -U postgres -d postgres -Atc "SELECT 1" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}
