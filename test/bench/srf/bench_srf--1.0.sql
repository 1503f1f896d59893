CREATE FUNCTION bench_srf(n int, OUT id int, OUT name text) RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'bench_srf' LANGUAGE C STRICT IMMUTABLE;
