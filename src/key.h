/*
 * key.h
 *		The cache key: everything that can change a query's answer.
 */
#ifndef CACHEPG_KEY_H
#define CACHEPG_KEY_H

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

/* Result forms; part of the key. */
#define CACHEPG_FORM_RECORD	1
#define CACHEPG_FORM_TYPED	2
#define CACHEPG_FORM_JSONB	3
#define CACHEPG_FORM_QUERY	4		/* a transparent statement's rows */

/* One query parameter as the caller passed it. */
typedef struct CacheParam
{
	Oid			type;
	int32		typmod;
	Oid			collation;
	bool		isnull;
	Datum		value;
} CacheParam;

/*
 * The full key bytes, laid out as [form, context: a reference to the
 * interned database, role and settings, or their bytes][query text]
 * [parameters]; the last two parts are contiguous so that
 * cache_invalidate can match "this query, any role and setting".
 */
typedef struct CacheKey
{
	StringInfoData buf;
	int			sqloff;			/* query text: length word + bytes */
	int			sqllen;			/* bytes of the text part, length word included */
	int			paramlen;		/* bytes of the parameter part, after the text */
	uint64		hash;			/* all of buf (combined from the parts) */
	uint64		sqlhash;		/* text part */
	uint64		qhash;			/* text and parameter parts (combined) */
} CacheKey;

/* A stored key read back (cachepg_key_decode), for a refresh. */
typedef struct KeyCaller
{
	int			form;
	Oid			database;
	Oid			user;
	List	   *names;			/* settings that rebuild its context: */
	List	   *values;			/* names and values, as SET takes them */
	char	   *sql;
	int			sqllen;
	CacheParam *params;
	Oid		   *argtypes;
	int			nparams;
} KeyCaller;

extern void cachepg_build_key(CacheKey *key, int form, const char *sql,
							  int sqllen, const CacheParam *params,
							  int nparams, bool with_context);
extern Size cachepg_key_shmem_size(void);
extern void cachepg_key_request(void);
extern void cachepg_key_startup(void);
extern uint64 cachepg_context_hash(void);
extern uint64 cachepg_parse_settings_hash(void);
extern bool cachepg_key_context_live(const char *key, int keylen);
extern bool cachepg_key_context_inline(const char *key, int keylen);
extern bool cachepg_key_decode(const char *key, int keylen, KeyCaller *c);
extern uint64 cachepg_hash(const char *data, int len);

#endif
