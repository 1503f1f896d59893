/*
 * key.c
 *		Building the cache key from the query, its parameters and the
 *		caller's context.
 *
 * The context is every input a stored answer could depend on besides the
 * data: database, effective role, the resolved search path (namespace
 * OIDs, so "$user" and pg_temp are as resolved now) and the settings that
 * change parsing or output.  They are read from their C globals, which is
 * cheap enough to do on every call.  The hash is only a hint: a hit always
 * compares the full key bytes.
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
#include "utils/lsyscache.h"
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

/* The settings and identity that shape an answer (DESIGN invariant 3). */
static void
put_context(StringInfo buf)
{
	Oid			path[64];
	int			n;

	put_int(buf, (int32) MyDatabaseId);
	put_int(buf, (int32) GetUserId());

	n = fetch_search_path_array(path, lengthof(path));
	put_int(buf, n);
	if (n <= lengthof(path))
		appendBinaryStringInfo(buf, (char *) path, n * sizeof(Oid));
	else
	{
		Oid		   *big = palloc(n * sizeof(Oid));

		n = fetch_search_path_array(big, n);
		appendBinaryStringInfo(buf, (char *) big, n * sizeof(Oid));
		pfree(big);
	}

	put_str(buf, session_timezone ? pg_get_timezone_name(session_timezone) : NULL);
	put_int(buf, DateStyle);
	put_int(buf, DateOrder);
	put_int(buf, IntervalStyle);
	put_int(buf, extra_float_digits);
	put_int(buf, bytea_output);
	put_str(buf, locale_monetary);
	put_str(buf, locale_numeric);
	put_str(buf, locale_time);
	put_int(buf, standard_conforming_strings);
	put_int(buf, Transform_null_equals);
	put_int(buf, Array_nulls);
	put_str(buf, TSCurrentConfig);
	put_int(buf, xmloption);
	put_int(buf, xmlbinary);
	put_int(buf, GinFuzzySearchLimit);
	/* no C global for this one; it changes how literals like '... EST' parse */
	put_str(buf, GetConfigOption("timezone_abbreviations", true, false));
	put_int(buf, quote_all_identifiers);
	put_int(buf, row_security);
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
	int			i;

	initStringInfo(buf);
	if (with_context)
	{
		put_int(buf, form);
		put_context(buf);
	}
	key->sqloff = buf->len;
	put_int(buf, sqllen);
	appendBinaryStringInfo(buf, sql, sqllen);
	key->sqllen = buf->len - key->sqloff;
	put_int(buf, nparams);
	for (i = 0; i < nparams; i++)
		put_param(buf, &params[i]);
	key->paramlen = buf->len - key->sqloff - key->sqllen;

	key->hash = cachepg_hash(buf->data, buf->len);
	key->sqlhash = cachepg_hash(buf->data + key->sqloff, key->sqllen);
	key->qhash = cachepg_hash(buf->data + key->sqloff, key->sqllen + key->paramlen);
}
