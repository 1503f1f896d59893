/*
 * kvread.c
 *		Cache-aside reference: the same serialized rows read over and over by
 *		one client, from redis-server (hiredis GET) and from cachepg (libpq,
 *		a prepared cache_get_or_run_jsonb() call), in alternating rounds.
 *		The rows are what cachepg returns as jsonb text; the client first
 *		puts exactly those bytes into Redis, then checks every read returns
 *		them.  Prints microseconds per read for each round and the medians.
 *
 *	  kvread PG_CONNINFO REDIS_SOCKET SQL READS ROUNDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <libpq-fe.h>

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "kvread: %s: %s\n", what, detail ? detail : "");
	exit(1);
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return (n % 2) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	PGconn	   *pg;
	PGresult   *res;
	redisContext *rc;
	redisReply *reply;
	char	   *value;
	size_t		len;
	int			reads,
				rounds,
				r,
				i;
	double	   *us_redis,
			   *us_pg;

	if (argc != 6)
		die("usage", "kvread PG_CONNINFO REDIS_SOCKET SQL READS ROUNDS");
	reads = atoi(argv[4]);
	rounds = atoi(argv[5]);
	if (reads <= 0 || rounds <= 0)
		die("usage", "READS and ROUNDS must be positive");
	us_redis = calloc(rounds, sizeof(double));
	us_pg = calloc(rounds, sizeof(double));

	pg = PQconnectdb(argv[1]);
	if (PQstatus(pg) != CONNECTION_OK)
		die("connect to PostgreSQL", PQerrorMessage(pg));
	res = PQprepare(pg, "get", "SELECT cache_get_or_run_jsonb($1, 0)", 1, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die("prepare", PQerrorMessage(pg));
	PQclear(res);
	res = PQexecPrepared(pg, "get", 1, (const char *const *) &argv[3], NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		die("first read from cachepg", PQerrorMessage(pg));
	len = PQgetlength(res, 0, 0);
	value = malloc(len + 1);
	memcpy(value, PQgetvalue(res, 0, 0), len + 1);
	PQclear(res);

	rc = redisConnectUnix(argv[2]);
	if (rc == NULL || rc->err)
		die("connect to Redis", rc ? rc->errstr : "out of memory");
	reply = redisCommand(rc, "SET cachepg:bench %b", value, len);
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
		die("SET", reply ? reply->str : rc->errstr);
	freeReplyObject(reply);

	printf("value: %zu bytes of jsonb text; %d reads per round, one client\n", len, reads);
	for (r = 0; r < rounds; r++)
	{
		double		t0 = now_us();

		for (i = 0; i < reads; i++)
		{
			reply = redisCommand(rc, "GET cachepg:bench");
			if (reply == NULL || reply->type != REDIS_REPLY_STRING ||
				(size_t) reply->len != len || memcmp(reply->str, value, len) != 0)
				die("GET returned something else", rc->errstr);
			freeReplyObject(reply);
		}
		us_redis[r] = (now_us() - t0) / reads;

		t0 = now_us();
		for (i = 0; i < reads; i++)
		{
			res = PQexecPrepared(pg, "get", 1, (const char *const *) &argv[3], NULL, NULL, 0);
			if (PQresultStatus(res) != PGRES_TUPLES_OK ||
				(size_t) PQgetlength(res, 0, 0) != len ||
				memcmp(PQgetvalue(res, 0, 0), value, len) != 0)
				die("cachepg returned something else", PQerrorMessage(pg));
			PQclear(res);
		}
		us_pg[r] = (now_us() - t0) / reads;
		printf("round %d: redis %.1f us/read, cachepg %.1f us/read\n", r + 1, us_redis[r], us_pg[r]);
	}
	{
		double		mr = median(us_redis, rounds),
					mp = median(us_pg, rounds);

		printf("median: redis %.1f us/read, cachepg %.1f us/read, cachepg/redis %.2f\n",
			   mr, mp, mp / mr);
	}
	redisFree(rc);
	PQfinish(pg);
	return 0;
}
