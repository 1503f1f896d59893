/*
 * key.c
 *		Building the cache key from the query, its parameters and the
 *		caller's context.
 *
 * The context is every input a stored answer could depend on besides the
 * data: database, effective role, the resolved search path (namespace
 * OIDs, so "$user" and pg_temp are as resolved now) and the settings that
 * change parsing or output.  They are read from their C globals on every
 * call; their bytes and hash are rebuilt only when one of them changed.  The
 * hash is only a hint: a hit always compares the full key bytes.
 */
#include "postgres.h"

#include "access/gin.h"
#include "catalog/namespace.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "parser/parse_expr.h"
#include "parser/parser.h"
#include "pgtime.h"
#include "tsearch/ts_cache.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/bytea.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/pg_locale.h"
#include "utils/rls.h"
#include "utils/xml.h"

#include "key.h"

#define KEY_SEED UINT64CONST(0x63616368657067)

uint64
cachepg_hash(const char *data, int len)
{
	return hash_bytes_extended((const unsigned char *) data, len, KEY_SEED);
}

static void
put_int(StringInfo buf, int32 v)
{
	appendBinaryStringInfo(buf, (char *) &v, sizeof(v));
}

static void
put_str(StringInfo buf, const char *s)
{
	int32		len = s ? (int32) strlen(s) : -1;

	put_int(buf, len);
	if (len > 0)
		appendBinaryStringInfo(buf, s, len);
}

/*
 * The settings and identity that shape an answer (DESIGN invariant 3), as
 * read from their C globals: numbers and identities in Context (compared
 * with memcmp, so always zero-filled first), strings beside it.
 */
#define CONTEXT_PATH_MAX 32
#define CONTEXT_NSTRS 5

typedef struct Context
{
	Oid			database;
	Oid			user;
	const pg_tz *timezone;		/* pg_tz entries are never freed */
	int32		ints[13];
	int32		npath;
	Oid			path[CONTEXT_PATH_MAX];
} Context;

/* The last context seen, its bytes in the key and their hash. */
static Context last_context;
static char *last_strs[CONTEXT_NSTRS];
static StringInfoData last_bytes;
static uint64 last_hash;
static bool last_valid = false;

/* timezone_abbreviations has no exported C global: find its variable once */
static char **tz_abbrev_var = NULL;

static char *
tz_abbreviations(void)
{
	if (tz_abbrev_var == NULL)
	{
		struct config_generic **vars = get_guc_variables();
		int			n = GetNumConfigOptions();
		int			i;

		for (i = 0; i < n; i++)
			if (vars[i]->vartype == PGC_STRING &&
				strcmp(vars[i]->name, "timezone_abbreviations") == 0)
				tz_abbrev_var = ((struct config_string *) vars[i])->variable;
		if (tz_abbrev_var == NULL)
			elog(ERROR, "cachepg: setting timezone_abbreviations not found");
	}
	return *tz_abbrev_var;
}

/* Fill c and strs with the current context; false if the path is too long. */
static bool
read_context(Context *c, char **strs)
{
	memset(c, 0, sizeof(*c));
	c->database = MyDatabaseId;
	c->user = GetUserId();
	c->timezone = session_timezone;
	c->ints[0] = DateStyle;
	c->ints[1] = DateOrder;
	c->ints[2] = IntervalStyle;
	c->ints[3] = extra_float_digits;
	c->ints[4] = bytea_output;
	c->ints[5] = standard_conforming_strings;
	c->ints[6] = Transform_null_equals;
	c->ints[7] = Array_nulls;
	c->ints[8] = xmloption;
	c->ints[9] = xmlbinary;
	c->ints[10] = GinFuzzySearchLimit;
	c->ints[11] = quote_all_identifiers;
	c->ints[12] = row_security;
	strs[0] = locale_monetary;
	strs[1] = locale_numeric;
	strs[2] = locale_time;
	strs[3] = TSCurrentConfig;
	strs[4] = tz_abbreviations();
	c->npath = fetch_search_path_array(c->path, CONTEXT_PATH_MAX);
	return c->npath <= CONTEXT_PATH_MAX;
}

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

/* The context as key bytes. */
static void
serialize_context(StringInfo buf, const Context *c, char *const *strs)
{
	int			i;

	put_int(buf, (int32) c->database);
	put_int(buf, (int32) c->user);
	put_int(buf, c->npath);
	if (c->npath <= CONTEXT_PATH_MAX)
		appendBinaryStringInfo(buf, (char *) c->path, c->npath * sizeof(Oid));
	else
	{
		Oid		   *big = palloc(c->npath * sizeof(Oid));
		int			n = fetch_search_path_array(big, c->npath);

		appendBinaryStringInfo(buf, (char *) big, n * sizeof(Oid));
		pfree(big);
	}
	put_str(buf, c->timezone ? pg_get_timezone_name((pg_tz *) c->timezone) : NULL);
	appendBinaryStringInfo(buf, (char *) c->ints, sizeof(c->ints));
	for (i = 0; i < CONTEXT_NSTRS; i++)
		put_str(buf, strs[i]);
}

/*
 * Append the context's bytes to buf and return their hash.  Reading the
 * globals is cheap; turning them into bytes and hashing them is not, so the
 * bytes and hash of the last context are kept and reused while every input
 * compares equal.
 */
static uint64
put_context(StringInfo buf)
{
	Context		c;
	char	   *strs[CONTEXT_NSTRS];
	int			i;

	if (!read_context(&c, strs))
	{
		/* a search path too long to remember: build it every time */
		int			start = buf->len;

		serialize_context(buf, &c, strs);
		return cachepg_hash(buf->data + start, buf->len - start);
	}
	if (last_valid && memcmp(&c, &last_context, sizeof(c)) == 0)
	{
		for (i = 0; i < CONTEXT_NSTRS; i++)
			if (!same_str(strs[i], last_strs[i]))
				break;
		if (i == CONTEXT_NSTRS)
		{
			appendBinaryStringInfo(buf, last_bytes.data, last_bytes.len);
			return last_hash;
		}
	}

	/* remember this one (the strings as copies: settings free theirs) */
	last_valid = false;
	if (last_bytes.data == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		initStringInfo(&last_bytes);
		MemoryContextSwitchTo(old);
	}
	resetStringInfo(&last_bytes);
	serialize_context(&last_bytes, &c, strs);
	for (i = 0; i < CONTEXT_NSTRS; i++)
	{
		char	   *copy = strs[i] ? MemoryContextStrdup(TopMemoryContext, strs[i]) : NULL;

		if (last_strs[i])
			pfree(last_strs[i]);
		last_strs[i] = copy;
	}
	last_context = c;
	last_hash = cachepg_hash(last_bytes.data, last_bytes.len);
	last_valid = true;
	appendBinaryStringInfo(buf, last_bytes.data, last_bytes.len);
	return last_hash;
}

/*
 * A parameter as bytes: type, typmod, collation, null flag and the value
 * detoasted, so equal values compare equal however they were stored.
 */
static void
put_param(StringInfo buf, const CacheParam *p)
{
	int16		typlen;
	bool		typbyval;

	put_int(buf, (int32) p->type);
	put_int(buf, p->typmod);
	put_int(buf, (int32) p->collation);
	put_int(buf, p->isnull);
	if (p->isnull)
		return;
	get_typlenbyval(p->type, &typlen, &typbyval);
	if (typbyval)
	{
		char		tmp[sizeof(Datum)];

		store_att_byval(tmp, p->value, typlen);
		appendBinaryStringInfo(buf, tmp, typlen);
	}
	else if (typlen > 0)
		appendBinaryStringInfo(buf, DatumGetPointer(p->value), typlen);
	else if (typlen == -1)
	{
		struct varlena *v = PG_DETOAST_DATUM(p->value);

		put_int(buf, VARSIZE(v) - VARHDRSZ);
		appendBinaryStringInfo(buf, VARDATA(v), VARSIZE(v) - VARHDRSZ);
		if ((Pointer) v != DatumGetPointer(p->value))
			pfree(v);
	}
	else
		put_str(buf, DatumGetCString(p->value));
}

/*
 * Build the key.  Without context (for cache_invalidate) only the text and
 * parameter parts are built, laid out exactly as in a full key.
 */
void
cachepg_build_key(CacheKey *key, int form, const char *sql, int sqllen,
				  const CacheParam *params, int nparams, bool with_context)
{
	StringInfo	buf = &key->buf;
	uint64		ctxhash = 0;
	int			i;

	initStringInfo(buf);
	if (with_context)
	{
		put_int(buf, form);
		ctxhash = hash_combine64(put_context(buf), (uint64) form);
	}
	key->sqloff = buf->len;
	put_int(buf, sqllen);
	appendBinaryStringInfo(buf, sql, sqllen);
	key->sqllen = buf->len - key->sqloff;
	put_int(buf, nparams);
	for (i = 0; i < nparams; i++)
		put_param(buf, &params[i]);
	key->paramlen = buf->len - key->sqloff - key->sqllen;

	/* each part hashed once, the wider hashes combined from the narrower */
	key->sqlhash = cachepg_hash(buf->data + key->sqloff, key->sqllen);
	key->qhash = hash_combine64(key->sqlhash,
								cachepg_hash(buf->data + key->sqloff + key->sqllen,
											 key->paramlen));
	key->hash = hash_combine64(ctxhash, key->qhash);
}
