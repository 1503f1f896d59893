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
 *
 * Contexts are interned: their bytes (about 150) live once in a shared
 * table, and a key holds only (slot, generation), 12 bytes.  A slot is
 * given to another context only under the table's lock and with a new
 * generation from a 64-bit counter that never goes back, so equal
 * references always mean equal contexts; the entries of a replaced
 * context can no longer be asked for, and the reclaimer frees them.  A
 * context too large for a slot, or whose probe window holds only contexts
 * used in the last minute, is kept inline in the key instead.
 */
#include "postgres.h"

#include "access/gin.h"
#include "access/xact.h"
#include "access/tupmacs.h"
#include "catalog/namespace.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "parser/parse_expr.h"
#include "parser/parser.h"
#include "pgtime.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
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
#include "utils/timestamp.h"
#include "utils/xml.h"

#include "cachepg.h"
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

/* The last context seen, its bytes, their hash and its interned place. */
static Context last_context;
static char *last_strs[CONTEXT_NSTRS];
static StringInfoData last_bytes;
static uint64 last_hash;
static bool last_valid = false;
static int32 last_slot = -1;	/* -1: not interned (yet, or inline) */
static uint64 last_gen;
static TimestampTz last_used = 0;	/* when this backend last said it uses it */

/*
 * The shared table of interned contexts: one slot per 8 entry slots
 * (distinct contexts are far fewer than entries), within bounds.
 */
#define CONTEXT_SLOTS Min(Max(cachepg_max_entries / 8, 64), 4096)
#define CONTEXT_MAX 240			/* larger contexts stay inline in keys */
#define CONTEXT_PROBES 8
#define CONTEXT_KEEP_USECS (60 * USECS_PER_SEC)	/* used since: not replaced */
#define CONTEXT_TOUCH_USECS USECS_PER_SEC	/* how often users say so */

/* How a key holds its context, after the form. */
#define KEY_CONTEXT_INTERNED (-1)	/* then slot, generation */
#define KEY_CONTEXT_INLINE (-2)		/* then the bytes */

typedef struct ContextSlot
{
	pg_atomic_uint64 gen;		/* moves when the slot gets another context */
	uint32		len;			/* 0: free */
	uint64		hash;
	pg_atomic_uint64 used;		/* last interned by a backend */
	char		bytes[CONTEXT_MAX];
} ContextSlot;

static ContextSlot *contexts = NULL;
static pg_atomic_uint64 *contexts_gen = NULL;	/* the next generation */
static LWLock *contexts_lock = NULL;

Size
cachepg_key_shmem_size(void)
{
	return add_size(MAXALIGN(sizeof(pg_atomic_uint64)),
					mul_size(sizeof(ContextSlot), CONTEXT_SLOTS));
}

/* shmem_request_hook: the table's lock (the memory is counted by the caller). */
void
cachepg_key_request(void)
{
	RequestNamedLWLockTranche("cachepg_contexts", 1);
}

void
cachepg_key_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	contexts_gen = ShmemInitStruct("cachepg_contexts", cachepg_key_shmem_size(), &found);
	contexts = (ContextSlot *) ((char *) contexts_gen + MAXALIGN(sizeof(pg_atomic_uint64)));
	if (!found)
	{
		int			i;

		memset(contexts_gen, 0, cachepg_key_shmem_size());
		pg_atomic_init_u64(contexts_gen, 1);
		for (i = 0; i < CONTEXT_SLOTS; i++)
		{
			pg_atomic_init_u64(&contexts[i].gen, 0);
			pg_atomic_init_u64(&contexts[i].used, 0);
		}
	}
	LWLockRelease(AddinShmemInitLock);
	contexts_lock = &(GetNamedLWLockTranche("cachepg_contexts"))->lock;
}

/* The slot holding these context bytes, or -1; caller holds the lock. */
static int32
context_find(const char *bytes, int len, uint64 hash)
{
	int			i;

	for (i = 0; i < CONTEXT_PROBES; i++)
	{
		int32		s = (int32) ((hash + i) % CONTEXT_SLOTS);

		if (contexts[s].len == (uint32) len && contexts[s].hash == hash &&
			memcmp(contexts[s].bytes, bytes, len) == 0)
			return s;
	}
	return -1;
}

/*
 * Intern the last context seen: find its slot, or give it a free one or
 * the least recently used of its probe window, unless that was used in
 * the last minute (then the context stays inline: always correct).  Sets
 * last_slot and last_gen; -1 when it is not interned.
 */
static void
context_intern(TimestampTz now)
{
	int32		s;

	last_slot = -1;
	if (contexts == NULL || last_bytes.len > CONTEXT_MAX)
		return;
	LWLockAcquire(contexts_lock, LW_SHARED);
	s = context_find(last_bytes.data, last_bytes.len, last_hash);
	if (s >= 0)
	{
		last_gen = pg_atomic_read_u64(&contexts[s].gen);
		pg_atomic_write_u64(&contexts[s].used, (uint64) now);
	}
	LWLockRelease(contexts_lock);
	if (s < 0)
	{
		LWLockAcquire(contexts_lock, LW_EXCLUSIVE);
		s = context_find(last_bytes.data, last_bytes.len, last_hash);
		if (s < 0)
		{
			int			i;

			for (i = 0; i < CONTEXT_PROBES; i++)
			{
				int32		c = (int32) ((last_hash + i) % CONTEXT_SLOTS);

				if (contexts[c].len == 0)
				{
					s = c;
					break;
				}
				if (s < 0 || pg_atomic_read_u64(&contexts[c].used) <
					pg_atomic_read_u64(&contexts[s].used))
					s = c;
			}
			if (contexts[s].len != 0 &&
				(TimestampTz) pg_atomic_read_u64(&contexts[s].used) > now - CONTEXT_KEEP_USECS)
				s = -1;			/* every candidate is in use: stay inline */
			else
			{
				pg_atomic_write_u64(&contexts[s].gen, pg_atomic_fetch_add_u64(contexts_gen, 1));
				memcpy(contexts[s].bytes, last_bytes.data, last_bytes.len);
				contexts[s].len = last_bytes.len;
				contexts[s].hash = last_hash;
			}
		}
		if (s >= 0)
		{
			last_gen = pg_atomic_read_u64(&contexts[s].gen);
			pg_atomic_write_u64(&contexts[s].used, (uint64) now);
		}
		LWLockRelease(contexts_lock);
	}
	last_slot = s;
	last_used = now;
}

/* Append the last context to a key: a reference to it, or its bytes. */
static void
put_last_context(StringInfo buf)
{
	TimestampTz now = GetCurrentStatementStartTimestamp();

	if (last_slot >= 0 && pg_atomic_read_u64(&contexts[last_slot].gen) != last_gen)
		last_slot = -1;			/* its slot went to another context */
	if (now - last_used >= CONTEXT_TOUCH_USECS)
	{
		if (last_slot < 0)
			context_intern(now);	/* (an inline one is tried again each second) */
		else
		{
			/* say it is in use, so that it is not the one replaced */
			pg_atomic_write_u64(&contexts[last_slot].used, (uint64) now);
			last_used = now;
		}
	}
	if (last_slot >= 0)
	{
		uint64		gen = last_gen;

		put_int(buf, KEY_CONTEXT_INTERNED);
		put_int(buf, last_slot);
		appendBinaryStringInfo(buf, (char *) &gen, sizeof(gen));
	}
	else
	{
		put_int(buf, KEY_CONTEXT_INLINE);
		appendBinaryStringInfo(buf, last_bytes.data, last_bytes.len);
	}
}

/* A setting's record, by name (ignoring case, as SET does). */
static struct config_generic *
guc_named(const char *name)
{
	struct config_generic **vars = get_guc_variables();
	int			n = GetNumConfigOptions();
	int			i;

	for (i = 0; i < n; i++)
		if (pg_strcasecmp(vars[i]->name, name) == 0)
			return vars[i];
	elog(ERROR, "cachepg: setting \"%s\" not found", name);
	return NULL;				/* keep compiler quiet */
}

/* timezone_abbreviations has no exported C global: find its variable once */
static char **tz_abbrev_var = NULL;

static char *
tz_abbreviations(void)
{
	if (tz_abbrev_var == NULL)
	{
		struct config_generic *g = guc_named("timezone_abbreviations");

		if (g->vartype != PGC_STRING)
			elog(ERROR, "cachepg: setting timezone_abbreviations is not a string");
		tz_abbrev_var = ((struct config_string *) g)->variable;
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
		/* a search path too long to remember: built every time, inline */
		StringInfoData tmp;
		uint64		h;

		initStringInfo(&tmp);
		serialize_context(&tmp, &c, strs);
		h = cachepg_hash(tmp.data, tmp.len);
		put_int(buf, KEY_CONTEXT_INLINE);
		appendBinaryStringInfo(buf, tmp.data, tmp.len);
		pfree(tmp.data);
		return h;
	}
	if (last_valid && memcmp(&c, &last_context, sizeof(c)) == 0)
	{
		for (i = 0; i < CONTEXT_NSTRS; i++)
			if (!same_str(strs[i], last_strs[i]))
				break;
		if (i == CONTEXT_NSTRS)
		{
			put_last_context(buf);
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
	last_slot = -1;
	last_used = 0;				/* intern it now */
	put_last_context(buf);
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

/*
 * Reading a key back, for a refresh: the caller it was built for, as
 * settings a background worker can take on.  Settings are given as the
 * strings SET would take; the refresh rebuilds the key from what it set and
 * compares it with the stored one, so anything not reproduced exactly
 * (a schema dropped or no longer usable, a setting that reads back
 * differently) is caught there.
 */
typedef struct KeyReader
{
	const char *data;
	int			len;
	int			pos;
} KeyReader;

static const void *
get_bytes(KeyReader *r, int n)
{
	const char *p = r->data + r->pos;

	if (n < 0 || n > r->len - r->pos)
		elog(ERROR, "cachepg: stored key is truncated");
	r->pos += n;
	return p;
}

static int32
get_int(KeyReader *r)
{
	int32		v;

	memcpy(&v, get_bytes(r, sizeof(v)), sizeof(v));
	return v;
}

/* A put_str string as a palloc'd C string (NULL for a NULL one). */
static char *
get_str(KeyReader *r)
{
	int32		len = get_int(r);

	if (len < 0)
		return NULL;
	return pnstrdup(get_bytes(r, len), len);
}

/* The name SET takes for a bool, int or enum setting holding value v. */
static char *
setting_text(const char *name, int v)
{
	struct config_generic *g = guc_named(name);

	switch (g->vartype)
	{
		case PGC_BOOL:
			return pstrdup(v ? "on" : "off");
		case PGC_INT:
			return psprintf("%d", v);
		case PGC_ENUM:
			return pstrdup(config_enum_lookup_by_value((struct config_enum *) g, v));
		default:
			elog(ERROR, "cachepg: setting \"%s\" is not a bool, integer or enum", name);
	}
	return NULL;				/* keep compiler quiet */
}

static void
add_setting(KeyCaller *c, const char *name, char *value)
{
	c->names = lappend(c->names, (char *) name);
	c->values = lappend(c->values, value);
}

/*
 * The hash of the caller's context now (database, role, search path and
 * the settings keys hold): what a statement parsed and planned earlier
 * must still have for the key of its text to describe it.
 */
uint64
cachepg_context_hash(void)
{
	static StringInfoData scratch;

	if (scratch.data == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		initStringInfo(&scratch);
		MemoryContextSwitchTo(old);
	}
	resetStringInfo(&scratch);
	return put_context(&scratch);
}

/*
 * The hash of the settings parse analysis reads that PostgreSQL's plan
 * cache does not watch (it re-analyzes a statement when its search path
 * changes, not when the datestyle that turned a literal into a constant
 * does): the context's settings, without database, role and search path.
 */
uint64
cachepg_parse_settings_hash(void)
{
	Context		c;
	char	   *strs[CONTEXT_NSTRS];
	uint64		h;
	int			i;

	(void) read_context(&c, strs);
	h = cachepg_hash((const char *) c.ints, sizeof(c.ints));
	h = hash_combine64(h, (uint64) (uintptr_t) c.timezone);
	for (i = 0; i < CONTEXT_NSTRS; i++)
		if (strs[i] != NULL)
			h = hash_combine64(h, cachepg_hash(strs[i], strlen(strs[i])));
	return h;
}

/*
 * Decode a full key: form, database, role, the settings that reproduce its
 * context (search_path as the schema names of its resolved path), the query
 * text and the parameters.  False when its interned context was replaced
 * or a schema of its path is gone.
 */
bool
cachepg_key_decode(const char *key, int keylen, KeyCaller *c)
{
	static const char *const datestyles[] = {"Postgres", "ISO", "SQL", "German"};
	static const char *const dateorders[] = {"YMD", "DMY", "MDY"};
	static const char *const int_settings[] = {
		NULL, NULL, "IntervalStyle", "extra_float_digits", "bytea_output",
		"standard_conforming_strings", "transform_null_equals", "array_nulls",
		"xmloption", "xmlbinary", "gin_fuzzy_search_limit",
		"quote_all_identifiers", "row_security"
	};
	static const char *const str_settings[CONTEXT_NSTRS] = {
		"lc_monetary", "lc_numeric", "lc_time", "default_text_search_config",
		"timezone_abbreviations"
	};
	KeyReader	kr = {key, keylen, 0};
	KeyReader	r;
	char	   *ctx;
	int32		mode;
	StringInfoData path;
	int32		ints[lengthof(((Context *) NULL)->ints)];
	int32		npath;
	char	   *tz;
	int			i;

	StaticAssertStmt(lengthof(int_settings) == lengthof(ints),
					 "every context integer needs a setting");
	memset(c, 0, sizeof(*c));
	c->form = get_int(&kr);
	mode = get_int(&kr);
	if (mode == KEY_CONTEXT_INTERNED)
	{
		int32		slot = get_int(&kr);
		uint64		gen;
		int			len = -1;

		memcpy(&gen, get_bytes(&kr, sizeof(gen)), sizeof(gen));

		if (slot < 0 || slot >= CONTEXT_SLOTS)
			elog(ERROR, "cachepg: stored key has a bad context");
		ctx = palloc(CONTEXT_MAX);
		LWLockAcquire(contexts_lock, LW_SHARED);
		if (pg_atomic_read_u64(&contexts[slot].gen) == gen)
		{
			len = contexts[slot].len;
			memcpy(ctx, contexts[slot].bytes, len);
		}
		LWLockRelease(contexts_lock);
		if (len < 0)
			return false;		/* its context was replaced */
		r.data = ctx;
		r.len = len;
		r.pos = 0;
	}
	else if (mode == KEY_CONTEXT_INLINE)
		r = kr;
	else
		elog(ERROR, "cachepg: stored key has a bad context");
	c->database = (Oid) get_int(&r);
	c->user = (Oid) get_int(&r);
	npath = get_int(&r);
	initStringInfo(&path);
	for (i = 0; i < npath; i++)
	{
		Oid			nsp = (Oid) get_int(&r);
		char	   *name = get_namespace_name(nsp);

		if (name == NULL)
			return false;
		appendStringInfo(&path, "%s%s", i > 0 ? ", " : "", quote_identifier(name));
	}
	add_setting(c, "search_path", path.data);
	tz = get_str(&r);
	if (tz != NULL)
		add_setting(c, "TimeZone", tz);
	memcpy(ints, get_bytes(&r, sizeof(ints)), sizeof(ints));
	if (ints[0] < 0 || ints[0] >= lengthof(datestyles) ||
		ints[1] < 0 || ints[1] >= lengthof(dateorders))
		elog(ERROR, "cachepg: stored key has an unknown DateStyle");
	add_setting(c, "DateStyle", psprintf("%s, %s", datestyles[ints[0]], dateorders[ints[1]]));
	for (i = 2; i < lengthof(ints); i++)
		add_setting(c, int_settings[i], setting_text(int_settings[i], ints[i]));
	for (i = 0; i < CONTEXT_NSTRS; i++)
	{
		char	   *v = get_str(&r);

		if (v != NULL)
			add_setting(c, str_settings[i], v);
	}

	/* the query text, then the parameters, after the context */
	if (mode == KEY_CONTEXT_INLINE)
		kr = r;
	r = kr;
	c->sqllen = get_int(&r);
	c->sql = pnstrdup(get_bytes(&r, c->sqllen), c->sqllen);
	c->nparams = get_int(&r);
	if (c->nparams < 0 || c->nparams > FUNC_MAX_ARGS * 1024)
		elog(ERROR, "cachepg: stored key has %d parameters", c->nparams);
	c->params = palloc0(sizeof(CacheParam) * Max(c->nparams, 1));
	c->argtypes = palloc(sizeof(Oid) * Max(c->nparams, 1));
	for (i = 0; i < c->nparams; i++)
	{
		CacheParam *p = &c->params[i];
		int16		typlen;
		bool		typbyval;

		p->type = (Oid) get_int(&r);
		p->typmod = get_int(&r);
		p->collation = (Oid) get_int(&r);
		p->isnull = get_int(&r) != 0;
		c->argtypes[i] = p->type;
		if (p->isnull)
			continue;
		get_typlenbyval(p->type, &typlen, &typbyval);
		if (typbyval)
		{
			Datum		aligned = 0;	/* fetch_att reads an aligned value */

			memcpy(&aligned, get_bytes(&r, typlen), typlen);
			p->value = fetch_att(&aligned, true, typlen);
		}
		else if (typlen > 0)
		{
			char	   *v = palloc(typlen);

			memcpy(v, get_bytes(&r, typlen), typlen);
			p->value = PointerGetDatum(v);
		}
		else if (typlen == -1)
		{
			int32		len = get_int(&r);
			struct varlena *v = palloc(len + VARHDRSZ);

			SET_VARSIZE(v, len + VARHDRSZ);
			memcpy(VARDATA(v), get_bytes(&r, len), len);
			p->value = PointerGetDatum(v);
		}
		else
			p->value = CStringGetDatum(get_str(&r));
	}
	return true;
}

/* Whether a stored key holds its context inline (not interned). */
bool
cachepg_key_context_inline(const char *key, int keylen)
{
	int32		v[2];

	if (keylen < (int) sizeof(v))
		return false;
	memcpy(v, key, sizeof(v));
	return v[1] == KEY_CONTEXT_INLINE;
}

/*
 * Whether a stored key's context can still be asked for: an interned
 * context whose slot went to another context cannot.  Lock-free (the
 * reclaimer calls it under a store lock).
 */
bool
cachepg_key_context_live(const char *key, int keylen)
{
	int32		v[3];
	uint64		gen;

	if (keylen < (int) (sizeof(v) + sizeof(gen)))
		return true;
	memcpy(v, key, sizeof(v));
	if (v[1] != KEY_CONTEXT_INTERNED || v[2] < 0 || v[2] >= CONTEXT_SLOTS ||
		contexts == NULL)
		return true;
	memcpy(&gen, key + sizeof(v), sizeof(gen));
	return pg_atomic_read_u64(&contexts[v[2]].gen) == gen;
}
