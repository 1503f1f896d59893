#!/usr/bin/env bash
# Shutdown time: `pg_ctl stop -m fast` of a server with cachepg preloaded,
# its reclaimer running and a database worker busy refreshing, against the
# same server without cachepg; rounds alternate.
#   bash test/bench/shutdown.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS=${1:-5}
. ./lib.sh
stop_ms() {
    local s e
    s=$(date +%s%N)
    as_pg $BIN/pg_ctl -D "$dir/data" -m fast stop >/dev/null
    e=$(date +%s%N)
    echo $(( (e - s) / 1000000 ))
}
printf '%-8s %5s %8s\n' server round stop_ms
for r in $(seq 1 "$ROUNDS"); do
    for mode in cachepg plain; do
        if [ $mode = cachepg ]; then
            server_start "shared_preload_libraries = 'cachepg'"
            psql_q -c "CREATE EXTENSION cachepg" \
                   -c "SET cachepg.stale_while_revalidate = 60" \
                   -c "SELECT * FROM cache_get_or_run('SELECT pg_catalog.count(*) FROM generate_series(1, 3000000)', 1) AS t(n bigint)" \
                   -c "SELECT pg_sleep(1.1)" \
                   -c "SELECT * FROM cache_get_or_run('SELECT pg_catalog.count(*) FROM generate_series(1, 3000000)', 1) AS t(n bigint)" >/dev/null
            sleep 0.1   # the worker is refreshing now
        else
            server_start ""
            psql_q -c "SELECT count(*) FROM generate_series(1, 3000000)" >/dev/null
        fi
        printf '%-8s %5s %8s\n' $mode $r "$(stop_ms)"
        rm -rf "$dir"; trap - EXIT
    done
done
