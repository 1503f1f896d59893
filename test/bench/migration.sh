#!/usr/bin/env bash
# How many cached entries survive a typical migration run: a dozen IF NOT
# EXISTS statements (tables, indexes, a sequence, a schema, columns), a
# write to a migrations table, a new table and a replaced function that 20
# of the cached queries call.  Stores 320 entries (key lookups and
# aggregates over three tables, 20 of them calling the function), runs the
# migration from another session, then calls each query once more and
# counts the hits (and prints the size of a one-row entry).  With a built checkout of another commit as argument,
# runs that build first, then this one.
#   bash test/bench/migration.sh [/path/to/other/build]
set -euo pipefail
cd "$(dirname "$0")"
OLD=${1:-}
. ./lib.sh
HERE=$(cd ../.. && pwd)
PGC=/usr/lib/postgresql/15/bin/pg_config
install_build() { make -s -C "$1" install PG_CONFIG=$PGC >/dev/null; }

setup_sql="
CREATE EXTENSION cachepg;
CREATE TABLE customers (id int PRIMARY KEY, name text);
CREATE TABLE products (id int PRIMARY KEY, name text, price numeric);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, product_id int, qty int);
CREATE INDEX orders_customer_idx ON orders (customer_id);
INSERT INTO customers SELECT i, 'c' || i FROM generate_series(1, 100) i;
INSERT INTO products SELECT i, 'p' || i, i * 1.5 FROM generate_series(1, 100) i;
INSERT INTO orders SELECT i, i % 100 + 1, i % 100 + 1, i % 7 FROM generate_series(1, 1000) i;
SELECT cache_watch('customers'), cache_watch('products'), cache_watch('orders');
CREATE TABLE schema_migrations (version text PRIMARY KEY);
CREATE FUNCTION price_label(numeric) RETURNS text LANGUAGE sql IMMUTABLE AS \$\$ SELECT '\$' || \$1 \$\$;
"
# 100 + 100 + 100 key lookups and 20 calls of price_label
queries() {
    for i in $(seq 1 100); do
        echo "SELECT name FROM customers WHERE id = $i"
        echo "SELECT name FROM products WHERE id = $i"
        echo "SELECT sum(qty) FROM orders WHERE customer_id = $i"
    done
    for i in $(seq 1 20); do
        echo "SELECT price_label(price) FROM products WHERE id = $i"
    done
}
migration_sql="
CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY);
CREATE TABLE IF NOT EXISTS customers (id int PRIMARY KEY, name text);
CREATE TABLE IF NOT EXISTS products (id int PRIMARY KEY, name text, price numeric);
CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY, customer_id int, product_id int, qty int);
CREATE INDEX IF NOT EXISTS orders_customer_idx ON orders (customer_id);
CREATE INDEX IF NOT EXISTS customers_pkey ON customers (id);
CREATE SEQUENCE IF NOT EXISTS invoice_seq;
CREATE SCHEMA IF NOT EXISTS public;
ALTER TABLE products ADD COLUMN IF NOT EXISTS price numeric;
ALTER TABLE orders DROP COLUMN IF EXISTS legacy_flag;
DROP TABLE IF EXISTS tmp_import;
DROP INDEX IF EXISTS orders_old_idx;
INSERT INTO schema_migrations VALUES ('20261130_audit') ON CONFLICT DO NOTHING;
CREATE TABLE audit_log (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), what text);
CREATE OR REPLACE FUNCTION price_label(numeric) RETURNS text LANGUAGE sql IMMUTABLE AS \$\$ SELECT 'USD ' || \$1 \$\$;
"
t=$(mktemp -d); chmod 755 "$t"
queries | sed "s/.*/SELECT * FROM cache_get_or_run('&', 0) AS x(v text);/; s/sum(qty) FROM/sum(qty)::text FROM/" > "$t/calls.sql"
chmod 644 "$t/calls.sql"
run() {
    bench_start
    psql_q -c "$setup_sql" >/dev/null
    psql_q -f "$t/calls.sql" >/dev/null
    local stored; stored=$(psql_q -At -c "SELECT stores FROM cache_stats()")
    local meta; meta=$(psql_q -At -c "SELECT round(avg(bytes)) FROM cache_entries WHERE query LIKE '%customers WHERE id%'")
    psql_q -c "$migration_sql" >/dev/null 2>&1
    local h0; h0=$(psql_q -At -c "SELECT hits FROM cache_stats()")
    psql_q -f "$t/calls.sql" >/dev/null
    local h1; h1=$(psql_q -At -c "SELECT hits FROM cache_stats()")
    echo "$1: $((h1 - h0)) of $stored entries served after the migration (bytes of a one-row key lookup entry: $meta)"
    bench_stop
    trap - EXIT
}
if [ -n "$OLD" ]; then install_build "$OLD"; run "other build ($OLD)"; fi
install_build "$HERE"
run "this build"
rm -rf "$t"
