#!/usr/bin/env bash
# Install what cachepg needs on Debian 12 (only what is missing), then build
# and install it with PGXS.  Idempotent; run as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
need=()
for p in postgresql-15 postgresql-server-dev-15 libipc-run-perl make gcc; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi

PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
make -s PG_CONFIG=$PG_CONFIG
$SUDO make -s install PG_CONFIG=$PG_CONFIG
