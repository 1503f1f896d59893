/*
 * run.c
 *		The SQL entry points: cache_get_or_run[_as|_jsonb], cache_invalidate,
 *		cache_clear.
 *
 * A call builds the key (key.c) and looks it up (store.c).  A hit neither
 * parses nor plans: it compares the full key, re-checks the relations and
 * privileges the result came from (deps.c) and copies the stored rows out
 * (result.c).  A miss prepares the query through SPI, rejects anything but
 * one read-only SELECT before it runs, judges storability on the plan, runs
 * it on a fresh snapshot streaming rows at once into the caller's result and
 * into the serializer, and publishes the entry if everything allows it.
 *
 * Whatever happens to the cache, the query's own rows are returned: not
 * preloaded, disabled, uncacheable, too large or out of memory only mean
 * "not stored".
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "tcop/dest.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "blob.h"
#include "cachepg.h"
#include "ddl.h"
#include "deps.h"
#include "flight.h"
#include "keydeps.h"
#include "marks.h"
#include "twophase.h"
#include "watch.h"
#include "key.h"
#include "result.h"
#include "run.h"
#include "store.h"
#include "worker.h"

PG_FUNCTION_INFO_V1(cachepg_get_or_run);
PG_FUNCTION_INFO_V1(cachepg_get_or_run_as);
PG_FUNCTION_INFO_V1(cachepg_get_or_run_jsonb);
PG_FUNCTION_INFO_V1(cachepg_invalidate);
PG_FUNCTION_INFO_V1(cachepg_clear);
PG_FUNCTION_INFO_V1(cachepg_explain);

/* One call, as the caller made it. */
typedef struct CacheCall
{
	int			form;
	char	   *sql;
	int			sqllen;
	int			ttl;
	bool		ttl_explicit;
	int			stale_s;		/* cachepg.stale_while_revalidate to record */
	uint32		entry_flags;	/* ENTRY_* to record */
	bool		refresh;		/* a background refresh: rows go nowhere */
	bool		hit_only;		/* a hit, or nothing (CALL_MISSED) */
	bool		doorkeeper;		/* loaded only if seen lately (at least the
								 * second time), else nothing (CALL_MISSED) */
	List	   *reads;			/* relations the caller's statement reads
								 * (FROM, views, CTEs): each must be among
								 * the result's */
	bool		check_relations;	/* the caller's analysed statement named: */
	List	   *relations;		/* these relations (cachepg_query_relations) */
	bool		other_relations;	/* set when they are not */
	bool		refused;		/* set when the storability rules refuse it */
	CacheParam *params;
	Oid		   *argtypes;
	int			nparams;
	TupleDesc	caller;			/* record/typed/query forms: the rows' shape */
	Tuplestorestate *ts;		/* record/typed/query forms: where rows go */
	Snapshot	snapshot;		/* query form: the statement's own snapshot,
								 * which a load runs on (NULL: a fresh one) */
	Datum		jsonb;			/* jsonb form: the answer */
	bool		jsonb_null;
	MemoryContext cxt;			/* where results must live */
} CacheCall;

/* Receives the query's rows: into the caller's result and the serializer. */
typedef struct CacheReceiver
{
	DestReceiver pub;
	CacheCall  *call;
	AttrNumber *map;
	ResultWriter *writer;
	MemoryContext rowcxt;
	bool		got_row;
} CacheReceiver;

/*
 * A call's result was not stored: say why when cachepg.notice_not_stored
 * asks for it (cache_explain() says it on demand).
 */
static void
not_stored(const char *reason)
{
	if (cachepg_notice_not_stored)
		ereport(NOTICE,
				(errmsg("cachepg did not store this result: %s", reason)));
}

static bool notice_not_loaded = false;
static bool notice_disabled = false;
static bool notice_sequence = false;

/*
 * A transparent statement (transparent.c) is cached or not without a
 * word: the notices the functions send about configuration are held back
 * while one runs (a call of the functions inside it speaks for itself).
 */
static bool quiet = false;

/* A call's query text, argument argno (never NULL), in a fresh call. */
static void
collect_sql(FunctionCallInfo fcinfo, int argno, CacheCall *call)
{
	memset(call, 0, sizeof(*call));
	call->cxt = CurrentMemoryContext;
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("query text must not be null")));
	call->sql = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	call->sqllen = strlen(call->sql);
}

/* The query parameters after ttl: separate arguments or a VARIADIC array. */
static void
collect_params(FunctionCallInfo fcinfo, int first, CacheCall *call)
{
	int			nargs = PG_NARGS() - first;
	int			i;

	call->nparams = 0;
	if (nargs <= 0)
		return;

	if (get_fn_expr_variadic(fcinfo->flinfo))
	{
		ArrayType  *arr;
		Oid			elemtype;
		int16		typlen;
		bool		typbyval;
		char		typalign;
		Datum	   *values;
		bool	   *nulls;

		if (PG_ARGISNULL(first))
			return;
		arr = PG_GETARG_ARRAYTYPE_P(first);
		elemtype = ARR_ELEMTYPE(arr);
		get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
		deconstruct_array(arr, elemtype, typlen, typbyval, typalign,
						  &values, &nulls, &call->nparams);
		call->params = palloc0(sizeof(CacheParam) * Max(call->nparams, 1));
		call->argtypes = palloc(sizeof(Oid) * Max(call->nparams, 1));
		for (i = 0; i < call->nparams; i++)
		{
			call->params[i].type = elemtype;
			call->params[i].typmod = -1;
			call->params[i].collation = get_typcollation(elemtype);
			call->params[i].isnull = nulls[i];
			call->params[i].value = values[i];
			call->argtypes[i] = elemtype;
		}
		return;
	}

	call->nparams = nargs;
	call->params = palloc0(sizeof(CacheParam) * nargs);
	call->argtypes = palloc(sizeof(Oid) * nargs);
	for (i = 0; i < nargs; i++)
	{
		CacheParam *p = &call->params[i];
		Node	   *expr = NULL;

		p->type = get_fn_expr_argtype(fcinfo->flinfo, first + i);
		if (fcinfo->flinfo->fn_expr && IsA(fcinfo->flinfo->fn_expr, FuncExpr))
			expr = list_nth(((FuncExpr *) fcinfo->flinfo->fn_expr)->args, first + i);
		p->typmod = expr ? exprTypmod(expr) : -1;
		p->collation = expr ? exprCollation(expr) : InvalidOid;
		p->isnull = PG_ARGISNULL(first + i);
		p->value = p->isnull ? (Datum) 0 : PG_GETARG_DATUM(first + i);
		if (p->type == UNKNOWNOID)
		{
			/* an untyped literal: take it as text */
			p->type = TEXTOID;
			p->typmod = -1;
			p->collation = DEFAULT_COLLATION_OID;
			if (!p->isnull)
				p->value = CStringGetTextDatum(DatumGetCString(p->value));
		}
		else if (!OidIsValid(p->type))
			ereport(ERROR,
					(errcode(ERRCODE_INDETERMINATE_DATATYPE),
					 errmsg("could not determine the data type of query parameter $%d", i + 1)));
		call->argtypes[i] = p->type;
	}
}

/* The common arguments: sql, ttl, parameters. */
static void
collect_call(FunctionCallInfo fcinfo, int form, int first, CacheCall *call)
{
	collect_sql(fcinfo, first, call);
	call->form = form;
	if (PG_ARGISNULL(first + 1))
	{
		call->ttl = cachepg_default_ttl;
		call->ttl_explicit = false;
	}
	else
	{
		call->ttl = PG_GETARG_INT32(first + 1);
		call->ttl_explicit = true;
		if (call->ttl < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ttl must not be negative"),
					 errdetail("The ttl is %d.", call->ttl),
					 errhint("Use 0 for no expiry, NULL for cachepg.default_ttl.")));
	}
	collect_params(fcinfo, first + 2, call);
	call->stale_s = cachepg_stale_while_revalidate;
	call->entry_flags = (cachepg_refresh_on_write ? ENTRY_REFRESH_ON_WRITE : 0) |
		(call->ttl_explicit ? ENTRY_TTL_EXPLICIT : 0);
}

/*
 * Whether this call may look up and store at all; explains once per
 * session why not when the reason is the configuration.
 */
static bool
cache_usable(void)
{
	if (!cachepg_store_ready())
	{
		if (!notice_not_loaded && !quiet)
			ereport(NOTICE,
					(errmsg("cachepg is not loaded through shared_preload_libraries, so query results are not cached"),
					 errhint("Add cachepg to shared_preload_libraries and restart the server.")));
		notice_not_loaded = true;
		return false;
	}
	if (!cachepg_enabled)
	{
		if (cachepg_notice_not_stored)
			not_stored("cachepg.enabled is off");
		else if (!notice_disabled && !quiet)
			ereport(NOTICE,
					(errmsg("cachepg.enabled is off, so query results are not cached")));
		notice_disabled = true;
		cachepg_count(CC_BYPASSED, 1);
		return false;
	}
	/*
	 * On a hot standby no trigger fires, so nothing could ever invalidate
	 * an entry: queries run uncached (until invalidation travels in WAL).
	 */
	if (RecoveryInProgress())
	{
		cachepg_count(CC_STANDBY, 1);
		not_stored("the server is a hot standby");
		return false;
	}
	return true;
}

/* Whether the composite types in a stored result still have their layout. */
static bool
layout_unchanged(TupleDesc stored, const char *layout, uint32 len)
{
	StringInfoData now;
	bool		same;

	if (len == 0)
		return true;
	initStringInfo(&now);
	same = cachepg_result_layout(stored, &now) && now.len == (int) len &&
		memcmp(now.data, layout, len) == 0;
	pfree(now.data);
	return same;
}

/* The i-th of an entry's marks (stored unaligned). */
static inline CacheMark
mark_at(const char *data, int32 i)
{
	CacheMark	m;

	memcpy(&m, data + i * sizeof(CacheMark), sizeof(CacheMark));
	return m;
}

/* Whether every generation an entry was computed under is still current. */
static bool
marks_current(const char *data, int32 n)
{
	int32		i;

	for (i = 0; i < n; i++)
	{
		CacheMark	m = mark_at(data, i);

		if (!cachepg_mark_current(&m))
			return false;
	}
	return true;
}

/*
 * The snapshot a call's hits and loads are held to when it is older than
 * one taken now (README, "Freshness"): a transparent statement's own
 * (taken when its portal started, before any mark could be read), or a
 * REPEATABLE READ or SERIALIZABLE transaction's.  NULL: a fresh snapshot,
 * taken after the marks were read.
 */
static Snapshot
older_snapshot(const CacheCall *call)
{
	if (call != NULL && call->snapshot != NULL)
		return call->snapshot;
	return IsolationUsesXactSnapshot() ? GetTransactionSnapshot() : NULL;
}

/* Whether a snapshot sees every committed write to the tables of the marks. */
static bool
marks_seen_by(const char *data, int32 n, Snapshot snapshot)
{
	int32		i;

	for (i = 0; i < n; i++)
	{
		CacheMark	m = mark_at(data, i);

		if (!cachepg_mark_seen_by(&m, snapshot))
			return false;
	}
	return true;
}

/*
 * Whether no cache_invalidate() of the entry's text or its text and
 * parameters came since the entry's load began (cache_clear() moves the
 * global generation instead).
 */
static bool
keygens_current(const BlobHeader *h, uint16 kg_sql, uint16 kg_q)
{
	return cachepg_keygen(kg_sql) == h->keygen_sql &&
		cachepg_keygen(kg_q) == h->keygen_q;
}

/* Count one event for every table an entry's marks name (cache_tables). */
static void
count_tables(const char *data, int32 n, int stat)
{
	int32		i;

	for (i = 0; i < n; i++)
	{
		CacheMark	m = mark_at(data, i);

		if (m.kind == MARK_TABLE || m.kind == MARK_UNKEYED)
			cachepg_slot_count(m.slot, stat);
	}
}

/*
 * Whether an entry to be recomputed after writes (cachepg.refresh_on_write)
 * may be waiting for the end of one: it is registered with a table it read
 * that is being written now.
 * A reader or the reclaimer that finds it stale then leaves it for the
 * worker, which the writer's end asks for it (a reader that comes after
 * that end may drop it and load the result itself).
 */
static bool
refresh_pending(const CacheEntryInfo *info, const char *blob)
{
	const BlobHeader *h = (const BlobHeader *) blob;
	int32		i;

	if (!(info->flags & ENTRY_REFRESH_ON_WRITE))
		return false;
	for (i = 0; i < h->nmarks; i++)
	{
		CacheMark	m = mark_at(blob + h->markoff, i);

		if ((m.kind == MARK_TABLE || m.kind == MARK_UNKEYED) &&
			cachepg_slot_written_now(m.slot) &&
			cachepg_slot_refresh_pending(m.slot, info->hash))
			return true;
	}
	return false;
}

/*
 * The entry of key if this caller may be served it now (a copy of its
 * bytes, *stored its row shape, *info its metadata), else NULL: absent,
 * expired (past its ttl, and past both its stale window and this caller's
 * cachepg.stale_while_revalidate), another key, shadowed by a temporary
 * object, invalidated (then removed), denied, or newer than an old
 * snapshot may see.
 */
static char *
valid_entry(CacheKey *key, TimestampTz now, Snapshot older, TupleDesc *stored,
			int32 *slotno, CacheEntryInfo *info, bool *stale_hit)
{
	Size		size;
	char	   *blob;
	BlobHeader *h;
	bool		stale;
	RecheckResult recheck;
	const char *checks;

	*stored = NULL;
	blob = cachepg_lookup(key->hash, now, &size, slotno, info);
	if (blob == NULL)
		return NULL;
	if (cachepg_entry_past(info, now, Min(info->stale_s, cachepg_stale_while_revalidate)))
	{
		/* past its ttl, and this caller takes no result that old */
		pfree(blob);
		return NULL;
	}
	*stale_hit = cachepg_entry_past(info, now, 0);
	h = (BlobHeader *) blob;
	if (h->keylen != (uint32) key->buf.len ||
		memcmp(blob + BLOB_KEYOFF, key->buf.data, key->buf.len) != 0 ||
		((h->flags & BLOB_OPTED_IN) && !cachepg_store_uncacheable) ||
		cachepg_session_has_temp_children() ||
		((h->flags & BLOB_NAMES_UNKNOWN) && cachepg_session_has_temp_objects()) ||
		cachepg_deps_shadowed(blob + h->nameoff, h->namelen) != NULL)
	{
		/*
		 * another key, one only callers who opted in may be served, or a
		 * temporary object of this session takes one of its names (or
		 * makes its parent tables read more)
		 */
		pfree(blob);
		return NULL;
	}
	/* locks first, then the generations, then the privileges */
	if (!keygens_current(h, cachepg_keygen_bucket(key->sqlhash),
						 cachepg_keygen_bucket(key->qhash)) ||
		cachepg_deps_lock(blob + h->depoff, &checks) == RECHECK_STALE ||
		!marks_current(blob + h->markoff, h->nmarks) ||
		(*stored = cachepg_result_desc(blob + h->rowoff, &stale)) == NULL ||
		!layout_unchanged(*stored, blob + h->typeoff, h->typelen) ||
		(recheck = cachepg_deps_permitted(checks, blob + h->depoff + h->deplen)) == RECHECK_STALE)
	{
		if (!refresh_pending(info, blob))
			cachepg_remove_hash(key->hash);
		pfree(blob);
		return NULL;
	}
	if (recheck == RECHECK_DENIED)
	{
		/*
		 * A check PostgreSQL made for this result fails now: run the query,
		 * which raises PostgreSQL's own error (or lets a function handle
		 * it), exactly as a direct run would.
		 */
		pfree(blob);
		return NULL;
	}
	if (older != NULL && !marks_seen_by(blob + h->markoff, h->nmarks, older))
	{
		/* fresh for others, but newer than what this snapshot may see */
		pfree(blob);
		return NULL;
	}
	return blob;
}

static bool
relations_walker(Node *node, List **rtes)
{
	if (node == NULL)
		return false;
	if (IsA(node, RangeTblEntry))
	{
		if (((RangeTblEntry *) node)->rtekind == RTE_RELATION)
			*rtes = lappend(*rtes, node);
		return false;
	}
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, relations_walker, rtes,
								 QTW_EXAMINE_RTES_BEFORE);
	return expression_tree_walker(node, relations_walker, rtes);
}

/*
 * The relations an analysed statement names at any depth, sorted and
 * unique (*rtes, if asked for, gets their range table entries): a
 * transparent statement's text read again must name exactly these, or it
 * means something else than what the client prepared.
 */
List *
cachepg_query_relations(Query *query, List **rtes)
{
	List	   *found = NIL;
	List	   *relids = NIL;
	ListCell   *lc;

	(void) relations_walker((Node *) query, &found);
	foreach(lc, found)
		relids = list_append_unique_oid(relids, ((RangeTblEntry *) lfirst(lc))->relid);
	list_sort(relids, list_oid_cmp);
	if (rtes != NULL)
		*rtes = found;
	return relids;
}

/* Whether every relation of reads is one an entry depends on. */
static bool
reads_within(List *reads, const char *blob)
{
	const BlobHeader *h = (const BlobHeader *) blob;
	ListCell   *lc;

	foreach(lc, reads)
	{
		uint32		i;
		int32		keys;

		for (i = 0; i < h->ndepsum; i++)
			if (depsum_at(blob + h->depsumoff, i, &keys) == lfirst_oid(lc))
				break;
		if (i == h->ndepsum)
			return false;
	}
	return true;
}

/*
 * Register an entry with each table it read, to be recomputed after the
 * next write to one of them (cachepg.refresh_on_write).
 */
static void
want_refresh(const char *blob, uint64 hash)
{
	const BlobHeader *h = (const BlobHeader *) blob;
	int32		i;

	for (i = 0; i < h->nmarks; i++)
	{
		CacheMark	m = mark_at(blob + h->markoff, i);

		if (m.kind == MARK_TABLE || m.kind == MARK_UNKEYED)
			cachepg_slot_want_refresh(m.slot, hash);
	}
}

/*
 * Serve a hit; false means miss.  A result served past its ttl (stale while
 * revalidating), or close to it (refreshing ahead), asks the background
 * worker to recompute it, once.
 */
static bool
serve_hit(CacheCall *call, CacheKey *key)
{
	int32		slotno;
	TupleDesc	stored;
	CacheEntryInfo info;
	bool		stale_hit;
	TimestampTz now = GetCurrentTimestamp();
	char	   *blob = valid_entry(key, now, older_snapshot(call), &stored,
								   &slotno, &info, &stale_hit);
	BlobHeader *h = (BlobHeader *) blob;
	bool		first_hit;

	if (blob == NULL)
		return false;
	if (!reads_within(call->reads, blob))
	{
		/* the entry's text names other relations than the caller's does */
		pfree(blob);
		return false;
	}
	if (call->form == CACHEPG_FORM_JSONB)
	{
		bool		isnull;
		Datum		d = cachepg_result_first_datum(blob + h->rowoff, stored, &isnull);

		call->jsonb_null = isnull;
		if (!isnull)
			call->jsonb = PointerGetDatum(PG_DETOAST_DATUM_COPY(d));
	}
	else
	{
		AttrNumber *map;

		cachepg_result_check_desc(stored, call->caller, &map);
		cachepg_result_to_store(blob + h->rowoff, stored, call->caller, map,
								call->ts);
	}
	count_tables(blob + h->markoff, h->nmarks, SLOT_HITS);
	first_hit = cachepg_served(slotno, key->hash) == 0;
	if (stale_hit)
	{
		cachepg_count(CC_STALE_HITS, 1);
		if (cachepg_claim_refresh(slotno, &info, now, false, 0))
			cachepg_request_refresh(key->hash, REFRESH_IF_LIVE);
	}
	else if (info.expires != 0 && cachepg_refresh_ahead > 0 &&
			 cachepg_claim_refresh(slotno, &info, now, true, cachepg_refresh_ahead))
		cachepg_request_refresh(key->hash, REFRESH_IF_LIVE);
	/* read since stored: worth recomputing after a write to its tables */
	if ((info.flags & ENTRY_REFRESH_ON_WRITE) && first_hit)
		want_refresh(blob, key->hash);
	pfree(blob);
	return true;
}

/* Exactly one SELECT/VALUES/TABLE, nothing that writes: else an error. */
static CachedPlanSource *
check_statement(SPIPlanPtr plan)
{
	List	   *sources = SPI_plan_get_plan_sources(plan);
	CachedPlanSource *ps;
	Query	   *q;

	if (list_length(sources) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cachepg caches exactly one statement, got %d",
						list_length(sources))));
	ps = linitial(sources);
	if (ps->raw_parse_tree == NULL || !IsA(ps->raw_parse_tree->stmt, SelectStmt) ||
		list_length(ps->query_list) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cachepg caches only SELECT, VALUES and TABLE statements"),
				 errdetail("The statement is %s.", GetCommandTagName(ps->commandTag))));
	q = linitial_node(Query, ps->query_list);
	if (q->commandType != CMD_SELECT || q->utilityStmt != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cachepg caches only SELECT, VALUES and TABLE statements"),
				 errdetail("The statement is %s.", GetCommandTagName(ps->commandTag))));
	if (q->hasModifyingCTE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cachepg does not run queries with data-modifying statements in WITH")));
	return ps;
}

static bool
receive_slot(TupleTableSlot *slot, DestReceiver *self)
{
	CacheReceiver *r = (CacheReceiver *) self;
	CacheCall  *call = r->call;
	TupleDesc	desc = slot->tts_tupleDescriptor;
	MemoryContext old;
	Datum	   *values;
	bool	   *nulls;

	slot_getallattrs(slot);
	old = MemoryContextSwitchTo(r->rowcxt);
	values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	nulls = palloc(sizeof(bool) * Max(desc->natts, 1));
	memcpy(values, slot->tts_values, sizeof(Datum) * desc->natts);
	memcpy(nulls, slot->tts_isnull, sizeof(bool) * desc->natts);
	if (r->writer)
	{
		cachepg_result_detoast(desc, values, nulls);
		cachepg_result_add(r->writer, values, nulls);
	}
	if (call->form == CACHEPG_FORM_JSONB)
	{
		if (!r->got_row)
		{
			call->jsonb_null = nulls[0];
			if (!nulls[0])
			{
				MemoryContextSwitchTo(call->cxt);
				call->jsonb = PointerGetDatum(PG_DETOAST_DATUM_COPY(values[0]));
			}
		}
	}
	else if (call->ts == NULL)
		;						/* a refresh: the rows go only to the entry */
	else if (r->map == NULL)
		tuplestore_putvalues(call->ts, call->caller, values, nulls);
	else
	{
		Datum	   *cv = palloc0(sizeof(Datum) * call->caller->natts);
		bool	   *cn = palloc(sizeof(bool) * call->caller->natts);
		int			i;

		for (i = 0; i < call->caller->natts; i++)
		{
			cn[i] = (r->map[i] == 0) ? true : nulls[r->map[i] - 1];
			if (!cn[i])
				cv[i] = values[r->map[i] - 1];
		}
		tuplestore_putvalues(call->ts, call->caller, cv, cn);
	}
	r->got_row = true;
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->rowcxt);
	return true;
}

static void
receive_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
receive_nothing(DestReceiver *self)
{
}

/*
 * Whether the verdict lets this call store (see README, "What is stored");
 * *opted_in is set when only cachepg.store_uncacheable allows it.
 */
static bool
may_store(const CacheDeps *deps, const CacheCall *call, bool *opted_in)
{
	*opted_in = false;
	if (deps->verdict == VERDICT_STORE ||
		(deps->verdict == VERDICT_NEEDS_TTL && call->ttl_explicit && call->ttl > 0))
		return true;
	if (deps->verdict != VERDICT_NEVER && cachepg_store_uncacheable)
	{
		*opted_in = true;
		return true;
	}
	return false;
}

/*
 * Whether the caller may read r: SELECT on it or on an ancestor it is read
 * through (a partition), or ownership.
 */
static bool
may_read(Oid r)
{
	List	   *rels = lcons_oid(r, cachepg_relation_ancestors(r));
	ListCell   *lc;

	if (pg_class_ownercheck(r, GetUserId()))
		return true;
	foreach(lc, rels)
		if (pg_class_aclcheck(lfirst_oid(lc), GetUserId(), ACL_SELECT) == ACLCHECK_OK)
			return true;
	return false;
}

/* What can be done about a relation that is not watched. */
typedef enum UnwatchedKind
{
	UNWATCHED_GONE,				/* dropped meanwhile */
	UNWATCHED_UNWATCHABLE,		/* not a table: nothing can watch it */
	UNWATCHED_WORKER,			/* the background worker will watch it */
	UNWATCHED_OWNER				/* only its owner can (cache_watch) */
} UnwatchedKind;

static UnwatchedKind
unwatched_kind(Oid r)
{
	char		kind = get_rel_relkind(r);

	if (kind == '\0')
		return UNWATCHED_GONE;
	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
		return UNWATCHED_UNWATCHABLE;
	return cachepg_auto_watch && may_read(r) ? UNWATCHED_WORKER : UNWATCHED_OWNER;
}

/*
 * Say which tables kept a result from being stored, and ask the worker to
 * watch those the caller may read (when auto_watch is on).  Called after
 * the query ran, so the caller's privileges were checked.
 */
static void
report_unwatched(List *unwatched)
{
	ListCell   *lc;

	cachepg_count(CC_NOT_WATCHED, 1);
	foreach(lc, unwatched)
	{
		Oid			r = lfirst_oid(lc);
		char	   *name = get_rel_name(r);
		UnwatchedKind kind = unwatched_kind(r);

		if (kind == UNWATCHED_GONE)
			continue;
		if (kind == UNWATCHED_UNWATCHABLE)
		{
			if (quiet)
				continue;
			/* nothing can watch it: promise nothing */
			ereport(NOTICE,
					(errmsg("cachepg did not store this result: \"%s\" cannot be watched", name)));
			continue;
		}
		/* quiet by default when a worker will watch it: that resolves itself */
		if ((kind == UNWATCHED_OWNER && !quiet) || cachepg_notice_not_stored)
			ereport(NOTICE,
					(errmsg("cachepg did not store this result: table \"%s\" is not watched", name),
					 kind == UNWATCHED_WORKER ?
					 errhint("A background worker will watch it shortly; the table's owner can also run SELECT cache_watch('%s').", name) :
					 errhint("The table's owner can run SELECT cache_watch('%s').", name)));
		if (kind == UNWATCHED_WORKER)
			cachepg_request_watch(r);
	}
}

/*
 * Re-analysis of a plan source (DDL committed after we analyzed it) deletes
 * its query context: count such deletions of the contexts we watch.  The
 * count may also move when SPI frees its plans; a caller compares it only
 * around its own execution.
 */
static uint64 reanalyses = 0;

static void
count_reanalysis(void *arg)
{
	reanalyses++;
}

static void
watch_reanalysis(CachedPlanSource *ps)
{
	MemoryContextCallback *cb = MemoryContextAlloc(ps->query_context,
												   sizeof(MemoryContextCallback));

	cb->func = count_reanalysis;
	cb->arg = NULL;
	MemoryContextRegisterResetCallback(ps->query_context, cb);
}

/* cachepg_prepared_block_stores(), whose query is not the caller's. */
static bool
prepared_block_stores(CheckRecorder *checks)
{
	bool		block;
	bool		paused = checks->paused;

	checks->paused = true;
	block = cachepg_prepared_block_stores();
	checks->paused = paused;
	return block;
}

/* The largest entry stored: cachepg.max_entry_size, or what the arena holds. */
static Size
entry_limit(void)
{
	return Min((Size) cachepg_max_entry_size_kb * 1024, cachepg_store_max_size());
}

/* Whether this transaction may store at all: it wrote nothing. */
static bool
xact_may_store(void)
{
	if (TransactionIdIsValid(GetTopTransactionIdIfAny()))
	{
		cachepg_count(CC_WRITE_CONFLICTS, 1);
		not_stored("this transaction has written (it holds a transaction ID)");
		return false;
	}
	return true;
}

/*
 * One miss, from its plan to its store.  The phases below fill it in, in
 * the order of the freshness protocol (README, "Freshness").
 */
typedef struct Load
{
	CacheCall  *call;
	CacheKey   *key;			/* NULL: the cache is not used for this call */
	CheckRecorder *checks;
	SPIPlanPtr	plan;			/* the caller's statement */
	SPIPlanPtr	exec_plan;		/* what runs: the statement, or its jsonb wrap */
	CachedPlanSource *ps;
	CachedPlanSource *exec_ps;
	AttrNumber *map;			/* statement columns -> caller's columns */
	ParamListInfo params;
	CacheDeps	deps;
	bool		store;			/* still hoping to store the result */
	bool		opted_in;
	StringInfoData layout;
	StringInfoData marks;
	StringInfoData depsum;		/* what cache_entries shows: (relid, keys) */
	int			nkeymarks;
	CacheMark	global;			/* every database's */
	bool		global_ok;
	CacheMark	dbglobal;		/* this database's */
	bool		dbglobal_ok;
	CacheMark	dbnames;		/* any name in this database */
	bool		dbnames_ok;
	uint64		keygen_sql;
	uint64		keygen_q;
	uint64		reanalyses_before;
	List	   *unwatched;
	StringInfoData blob;
	BlobHeader	hdr;
	ResultWriter writer;
	bool		loader;			/* this load holds the key's flight */
	TimestampTz started;
} Load;

/*
 * Phase 1, plan: read the global marks, the database's name mark and the
 * cache_invalidate() generations (DDL that ended is then seen by the
 * planner; DDL, cache_clear() and cache_invalidate() calls that start from
 * now on keep this load from being stored), prepare the statement, check
 * it, and learn from the final plan what the result depends on.  Names
 * resolve while the statement is planned, before the marks of the names
 * it used can be known: a name marked in this database from now until the
 * store (the database's name mark moves) keeps it from being stored.
 */
static void
load_plan(Load *ld)
{
	CacheCall  *call = ld->call;
	int			i;

	if (call->nparams > 0)
	{
		ld->params = makeParamList(call->nparams);
		for (i = 0; i < call->nparams; i++)
		{
			ld->params->params[i].value = call->params[i].value;
			ld->params->params[i].isnull = call->params[i].isnull;
			ld->params->params[i].pflags = PARAM_FLAG_CONST;
			ld->params->params[i].ptype = call->params[i].type;
		}
	}
	if (ld->key != NULL)
	{
		ld->global_ok = cachepg_read_mark(MARK_TABLE, CACHEPG_GLOBAL_SLOT, &ld->global);
		ld->dbglobal_ok = cachepg_read_mark(MARK_NAME, cachepg_db_mark(false), &ld->dbglobal);
		ld->dbnames_ok = cachepg_read_mark(MARK_NAME, cachepg_db_mark(true), &ld->dbnames);
		ld->keygen_sql = cachepg_keygen(cachepg_keygen_bucket(ld->key->sqlhash));
		ld->keygen_q = cachepg_keygen(cachepg_keygen_bucket(ld->key->qhash));
		AcceptInvalidationMessages();
	}

	ld->plan = SPI_prepare(call->sql, call->nparams, call->argtypes);
	if (ld->plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	ld->ps = check_statement(ld->plan);

	if (call->form == CACHEPG_FORM_JSONB)
		cachepg_result_check_names(ld->ps->resultDesc);
	else if (call->caller != NULL)	/* NULL: cache_explain() */
		cachepg_result_check_desc(ld->ps->resultDesc, call->caller, &ld->map);

	ld->exec_plan = ld->plan;
	if (call->form == CACHEPG_FORM_JSONB)
	{
		RawStmt    *raw = ld->ps->raw_parse_tree;
		int			loc = Max(raw->stmt_location, 0);
		int			len = raw->stmt_len > 0 ? raw->stmt_len : call->sqllen - loc;
		char	   *wrapped;
		bool		paused;

		/*
		 * The statement alone (no trailing ';'), then a newline to end a
		 * comment.  "q.*" names the subquery's whole row whatever its
		 * columns are called (a plain "q" would mean a column named q).
		 */
		wrapped = psprintf("SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(q.*)), '[]'::pg_catalog.jsonb) FROM (\n%.*s\n) q",
						   len, call->sql + loc);
		paused = ld->checks->paused;
		ld->checks->paused = true;	/* cachepg's own text, not the caller's */
		ld->exec_plan = SPI_prepare(wrapped, call->nparams, call->argtypes);
		ld->checks->paused = paused;
		if (ld->exec_plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	}
	ld->exec_ps = linitial(SPI_plan_get_plan_sources(ld->exec_plan));

	if (ld->key != NULL)
	{
		CachedPlan *cplan = SPI_plan_get_cached_plan(ld->plan);

		cachepg_deps_analyze(&ld->deps, call->sql, ld->ps->raw_parse_tree->stmt,
							 linitial_node(Query, ld->ps->query_list),
							 linitial_node(PlannedStmt, cplan->stmt_list), ld->params);
		ReleaseCachedPlan(cplan, NULL);
		watch_reanalysis(ld->ps);
		if (ld->exec_ps != ld->ps)
			watch_reanalysis(ld->exec_ps);
		ld->reanalyses_before = reanalyses;
		initStringInfo(&ld->layout);
		if (call->form != CACHEPG_FORM_JSONB &&
			!cachepg_result_layout(ld->ps->resultDesc, &ld->layout))
		{
			ld->deps.verdict = VERDICT_NEVER;
			ld->deps.reason = "an anonymous record type in its result";
		}
	}
}

/* Why the storability rules refuse a result (README, "What is stored"). */
static const char *
verdict_reason(const CacheDeps *deps)
{
	if (deps->verdict == VERDICT_NEEDS_TTL)
		return psprintf("it uses %s, so it is stored only under an explicit ttl",
						deps->reason);
	return psprintf("it uses %s", deps->reason);
}

/* Say why a result the rules refuse is not stored. */
static void
report_uncacheable(const CacheDeps *deps)
{
	cachepg_count(CC_UNCACHEABLE, 1);
	ereport(DEBUG1,
			(errmsg("cachepg: result not stored: the query uses %s",
					deps->reason)));
	not_stored(verdict_reason(deps));
	if (OidIsValid(deps->sequence) && !notice_sequence && !quiet)
	{
		/* a common surprise, so said once per session */
		ereport(NOTICE,
				(errmsg("cachepg does not store results that read sequence \"%s\"",
						get_rel_name(deps->sequence)),
				 errdetail("A sequence changes without any write that cachepg's triggers could see.")));
		notice_sequence = true;
	}
}

/* Both marks of a relation's slot, read before its granularity is known. */
typedef struct RelMarks
{
	Oid			relid;
	CacheMark	mark[2];		/* MARK_TABLE, MARK_UNKEYED */
	bool		clear[2];		/* nobody was writing */
} RelMarks;

/*
 * Append one mark to the entry's; false when a writer was in flight or
 * the older snapshot the load runs on (if any) missed a committed write.
 */
static bool
keep_mark(Load *ld, const CacheMark *m, bool clear, Snapshot older)
{
	appendBinaryStringInfo(&ld->marks, (const char *) m, sizeof(*m));
	return clear && (older == NULL || cachepg_mark_seen_by(m, older));
}

/*
 * The granularity of each relation the result read: the key slots it
 * depends on, or table-level (keydeps.c).  Relations are locked since
 * planning.  Returns the relations that are table-level, with their
 * ancestors; *keyslots gets a list of key slot lists, parallel to the
 * relations read, NIL for table-level ones.
 */
static List *
granularity(Load *ld, List **keyslots)
{
	List	   *table_level = NIL;
	ListCell   *lc;

	*keyslots = NIL;
	initStringInfo(&ld->depsum);
	foreach(lc, ld->deps.relids)
	{
		Oid			r = lfirst_oid(lc);
		Relation	rel = NULL;
		bool		keyed = false;
		List	   *slots = NIL;
		int32		sum[2];

		if (!list_member_oid(ld->deps.declared, r) &&
			(rel = try_relation_open(r, AccessShareLock)) != NULL)
		{
			slots = cachepg_keydeps_slots(ld->deps.scans, rel, &keyed);
			relation_close(rel, AccessShareLock);
		}
		if (!keyed)
			table_level = list_concat_unique_oid(lappend_oid(table_level, r),
												 cachepg_relation_ancestors(r));
		*keyslots = lappend(*keyslots, slots);
		sum[0] = (int32) r;
		sum[1] = keyed ? list_length(slots) : -1;
		appendBinaryStringInfo(&ld->depsum, (char *) sum, sizeof(sum));
	}
	return table_level;
}

/*
 * Phase 2, read marks: whether the result may be stored, and the marks of
 * everything it depends on, read before the snapshot is taken.
 *
 * Both marks of every relation are read first; then, once changes that
 * ended before that are seen (AcceptInvalidationMessages), every relation,
 * ancestor and descendant must carry our triggers, and the key columns of
 * each relation read decide its granularity: a relation read by key keeps
 * its unkeyed mark and the marks of its key slots, read now; any other
 * keeps its table mark, and so do its ancestors.  A change of triggers or
 * keys that ends later moves both marks of its table.
 */
static void
load_read_marks(Load *ld)
{
	Snapshot	old_snapshot = older_snapshot(ld->call);
	List	   *rels;
	List	   *all;
	List	   *table_level;
	List	   *keyslots;
	RelMarks   *rm;
	int			n;
	int			i;
	bool		ok = true;
	ListCell   *lc;
	ListCell   *lc2;

	ld->store = false;
	if (ld->key == NULL)
		return;
	if (!may_store(&ld->deps, ld->call, &ld->opted_in))
	{
		report_uncacheable(&ld->deps);
		ld->call->refused = true;
		return;
	}
	if (!xact_may_store())
		return;
	if (prepared_block_stores(ld->checks))
	{
		cachepg_count(CC_WRITE_CONFLICTS, 1);
		not_stored("a prepared transaction may have written what it read");
		return;
	}
	initStringInfo(&ld->marks);
	if (!keep_mark(ld, &ld->global, ld->global_ok, old_snapshot) ||
		!keep_mark(ld, &ld->dbglobal, ld->dbglobal_ok, old_snapshot) ||
		!ld->dbnames_ok)
	{
		cachepg_count(CC_WRITE_CONFLICTS, 1);
		not_stored("DDL was under way");
		return;
	}

	rels = cachepg_deps_relations(&ld->deps);
	all = list_concat_unique_oid(list_copy(rels), ld->deps.typrels);
	rm = palloc(sizeof(RelMarks) * Max(list_length(all), 1));
	n = 0;
	foreach(lc, all)
	{
		int32		slot = cachepg_slot_for(lfirst_oid(lc));

		if (slot < 0)
		{
			cachepg_count(CC_STORE_FAILURES, 1);
			not_stored("every slot of cachepg.max_tables is in use");
			return;
		}
		cachepg_slot_count(slot, SLOT_MISSES);
		rm[n].relid = lfirst_oid(lc);
		rm[n].clear[MARK_TABLE] = cachepg_read_mark(MARK_TABLE, slot, &rm[n].mark[MARK_TABLE]);
		rm[n].clear[MARK_UNKEYED] = cachepg_read_mark(MARK_UNKEYED, slot, &rm[n].mark[MARK_UNKEYED]);
		n++;
	}

	AcceptInvalidationMessages();
	ld->unwatched = cachepg_deps_unwatched(&ld->deps, rels, ld->opted_in);
	if (ld->unwatched != NIL)
		return;

	table_level = granularity(ld, &keyslots);
	for (i = 0; i < n; i++)
	{
		int			kind = list_member_oid(table_level, rm[i].relid) ? MARK_TABLE : MARK_UNKEYED;

		ok &= keep_mark(ld, &rm[i].mark[kind], rm[i].clear[kind], old_snapshot);
	}
	ld->nkeymarks = 0;
	forboth(lc, ld->deps.relids, lc2, keyslots)
	{
		ListCell   *lc3;

		foreach(lc3, (List *) lfirst(lc2))
		{
			CacheMark	m;
			bool		clear = cachepg_read_mark(MARK_KEY, lfirst_int(lc3), &m);

			ok &= keep_mark(ld, &m, clear, old_snapshot);
			ld->nkeymarks++;
		}
	}
	if (!ok)
	{
		cachepg_count(CC_WRITE_CONFLICTS, 1);
		not_stored("a write or DDL to what it read was under way");
		return;
	}
	ld->store = true;
}

/*
 * Phase 3, begin the entry: its header, key and composite layouts, and a
 * writer the rows stream into as they are sent to the caller.
 */
static void
load_begin_entry(Load *ld)
{
	MemoryContext old = MemoryContextSwitchTo(ld->call->cxt);
	BlobHeader *hdr = &ld->hdr;
	StringInfo	blob = &ld->blob;

	initStringInfo(blob);
	memset(hdr, 0, sizeof(*hdr));
	appendBinaryStringInfo(blob, (char *) hdr, sizeof(*hdr));
	while (blob->len < (int) BLOB_KEYOFF)
		appendStringInfoChar(blob, '\0');
	appendBinaryStringInfo(blob, ld->key->buf.data, ld->key->buf.len);
	hdr->keylen = ld->key->buf.len;
	hdr->depsumoff = blob->len;
	appendBinaryStringInfo(blob, ld->depsum.data, ld->depsum.len);
	hdr->ndepsum = ld->depsum.len / (2 * sizeof(int32));
	hdr->sqloff = ld->key->sqloff;
	hdr->sqllen = ld->key->sqllen;
	hdr->paramlen = ld->key->paramlen;
	hdr->nparams = ld->call->nparams;
	hdr->keygen_sql = ld->keygen_sql;
	hdr->keygen_q = ld->keygen_q;
	hdr->typeoff = blob->len;
	appendBinaryStringInfo(blob, ld->layout.data, ld->layout.len);
	hdr->typelen = ld->layout.len;
	hdr->flags = (ld->opted_in ? BLOB_OPTED_IN : 0) |
		(cachepg_depends_on != NULL && cachepg_depends_on[0] != '\0' ? BLOB_DECLARED : 0);
	cachepg_result_begin(&ld->writer, blob, ld->exec_ps->resultDesc, entry_limit());
	hdr->rowoff = ld->writer.hdr;
	MemoryContextSwitchTo(old);
}

/*
 * Phase 4, run: on a snapshot taken now (READ COMMITTED: a fresh one),
 * rows going at once to the caller and, when storing, to the entry.
 */
static void
load_run(Load *ld)
{
	CacheCall  *call = ld->call;
	CacheReceiver recv;
	SPIExecuteOptions opts;
	int			rc;

	memset(&recv, 0, sizeof(recv));
	recv.pub.receiveSlot = receive_slot;
	recv.pub.rStartup = receive_startup;
	recv.pub.rShutdown = receive_nothing;
	recv.pub.rDestroy = receive_nothing;
	recv.pub.mydest = DestTuplestore;
	recv.call = call;
	recv.map = ld->map;
	recv.writer = ld->store ? &ld->writer : NULL;
	recv.rowcxt = AllocSetContextCreate(CurrentMemoryContext, "cachepg receiver",
										ALLOCSET_DEFAULT_SIZES);

	memset(&opts, 0, sizeof(opts));
	opts.params = ld->params;
	/* a fresh snapshot in READ COMMITTED, or the statement's own */
	opts.read_only = (call->snapshot != NULL);
	opts.dest = (DestReceiver *) &recv;
	rc = SPI_execute_plan_extended(ld->exec_plan, &opts);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan_extended failed: %s", SPI_result_code_string(rc));
	MemoryContextDelete(recv.rowcxt);
	if (ld->unwatched != NIL)
		report_unwatched(ld->unwatched);
}

/*
 * Phase 5, check: finish the entry (the dependencies after the rows: the
 * schemas the statement looked names up in are known only once it ran),
 * and say whether it may be published.
 */
static bool
load_check(Load *ld)
{
	BlobHeader *hdr = &ld->hdr;
	StringInfo	blob = &ld->blob;
	bool		handled_error;
	bool		names_ok = true;
	const char *temp;
	ListCell   *lc;

	cachepg_result_end(&ld->writer);
	handled_error = !cachepg_deps_finish(&ld->deps, ld->checks);
	/*
	 * The names of what PostgreSQL checked while it ran (SQL functions
	 * inlined at any depth, relations read in function bodies), and the
	 * marks of all the names: read now, which is as good as before the
	 * snapshot since no name of this database was marked from before the
	 * statement was planned (checked below).
	 */
	if ((temp = cachepg_deps_note_checked(&ld->deps)) != NULL)
	{
		/* a function body read a temporary table */
		cachepg_count(CC_UNCACHEABLE, 1);
		not_stored(psprintf("it uses temporary relation \"%s\"", temp));
		return false;
	}
	if (ld->deps.names_unknown)
	{
		/*
		 * Function bodies looked names up: the entry depends on every name
		 * of its database (read before planning, clear until now: checked
		 * below).  A session with temporary objects may have found its
		 * own, and one that compiled PL/pgSQL bodies before a name was
		 * marked may run them resolved the old way: neither stores.
		 */
		keep_mark(ld, &ld->dbnames, true, NULL);
		hdr->flags |= BLOB_NAMES_UNKNOWN;
		if (cachepg_session_has_temp_objects())
		{
			cachepg_count(CC_UNCACHEABLE, 1);
			not_stored("it runs function bodies or reg* output that look names up, and this session has temporary objects");
			return false;
		}
		if ((ld->deps.ran_pl || ld->deps.session_code) &&
			cachepg_deps_compiled_before_ddl(&ld->deps))
		{
			cachepg_count(CC_WRITE_CONFLICTS, 1);
			not_stored("this session compiled a procedural function it runs before DDL in this database (a new connection stores it)");
			return false;
		}
	}
	foreach(lc, cachepg_deps_name_slots(&ld->deps))
	{
		CacheMark	m;
		bool		clear = cachepg_read_mark(MARK_NAME, lfirst_int(lc), &m);

		if (!keep_mark(ld, &m, clear, older_snapshot(ld->call)))
			names_ok = false;
	}
	hdr->nameoff = blob->len;
	cachepg_deps_shadowable(&ld->deps, blob);
	hdr->namelen = blob->len - hdr->nameoff;
	hdr->depoff = blob->len;
	cachepg_deps_serialize(&ld->deps, blob);
	hdr->deplen = blob->len - hdr->depoff;
	hdr->markoff = blob->len;
	appendBinaryStringInfo(blob, ld->marks.data, ld->marks.len);
	hdr->nmarks = ld->marks.len / sizeof(CacheMark);
	if (cachepg_test_store_lock > 0)
	{
		/* for tests: hold the loader between its run and its store */
		DirectFunctionCall1(pg_advisory_lock_shared_int8,
							Int64GetDatum((int64) cachepg_test_store_lock));
		DirectFunctionCall1(pg_advisory_unlock_shared_int8,
							Int64GetDatum((int64) cachepg_test_store_lock));
	}
	if (ld->writer.too_large || (Size) blob->len > entry_limit())
	{
		cachepg_count(CC_TOO_LARGE, 1);
		not_stored("it is larger than cachepg.max_entry_size or the cache");
		return false;
	}
	if (handled_error ||
		cachepg_deps_permitted(cachepg_deps_checks(blob->data + hdr->depoff),
							   blob->data + hdr->depoff + hdr->deplen) != RECHECK_OK)
	{
		/*
		 * An error was handled while computing it, or a hit could not
		 * replay the checks that were made (so would never be served).
		 */
		cachepg_count(CC_UNCACHEABLE, 1);
		ereport(DEBUG1,
				(errmsg("cachepg: result not stored: an error was handled while computing it, or its privilege checks cannot be replayed")));
		not_stored("an error was handled while computing it, or its privilege checks cannot be replayed");
		return false;
	}
	if (!names_ok ||
		!marks_current(blob->data + hdr->markoff, hdr->nmarks) ||
		!cachepg_mark_current(&ld->dbnames) ||
		!keygens_current(hdr, cachepg_keygen_bucket(ld->key->sqlhash),
						 cachepg_keygen_bucket(ld->key->qhash)) ||
		!xact_may_store() || reanalyses != ld->reanalyses_before)
	{
		/*
		 * A write started (or ended) while the query ran, the entry was
		 * invalidated or the cache cleared, or DDL made it be planned
		 * again, from a tree its dependencies did not come from.
		 */
		cachepg_count(CC_WRITE_CONFLICTS, 1);
		not_stored("a write, DDL or invalidation touched what it read while it ran");
		return false;
	}
	return true;
}

/* Phase 6, store: publish the entry; false if the store did not take it. */
static bool
load_store(Load *ld)
{
	BlobHeader *hdr = &ld->hdr;
	CacheEntryInfo info;

	memcpy(ld->blob.data, hdr, sizeof(*hdr));
	memset(&info, 0, sizeof(info));
	info.hash = ld->key->hash;
	info.kg_sql = cachepg_keygen_bucket(ld->key->sqlhash);
	info.kg_q = cachepg_keygen_bucket(ld->key->qhash);
	info.dbid = MyDatabaseId;
	info.roleid = GetUserId();
	info.form = ld->call->form;
	info.showlen = hdr->depsumoff + hdr->ndepsum * 2 * sizeof(int32);
	info.expires = ld->call->ttl > 0 ?
		TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
									(int64) ld->call->ttl * 1000) : 0;
	info.ttl_s = ld->call->ttl;
	info.stale_s = ld->call->ttl > 0 ? ld->call->stale_s : 0;
	info.load_ms = (uint32) Min(TimestampDifferenceMilliseconds(ld->started, GetCurrentTimestamp()),
								(long) PG_INT32_MAX);
	info.flags = ld->call->entry_flags;
	/*
	 * payload: rows, query text and parameters, dependencies and the
	 * generations of their tables (the global one, first, is bookkeeping)
	 */
	if (ld->nkeymarks > 0)
		cachepg_count(CC_KEY_STORES, 1);
	count_tables(ld->blob.data + hdr->markoff, hdr->nmarks, SLOT_STORES);
	if (!cachepg_insert(&info, ld->blob.data, ld->blob.len,
						cachepg_result_row_bytes(&ld->writer) + hdr->sqllen +
						hdr->paramlen + hdr->deplen +
						(hdr->nmarks - 1) * sizeof(CacheMark)))
	{
		not_stored("the cache did not admit it (full, or its key is asked for less than what it would evict)");
		return false;
	}
	return true;
}

/*
 * The miss path: plan, read marks, run on a snapshot taken after that, and
 * store when nothing moved (key != NULL means the cache may be used for
 * this call).
 */
static bool
load(CacheCall *call, CacheKey *key, CheckRecorder *checks, bool loader)
{
	Load		ld;
	bool		stored = false;

	memset(&ld, 0, sizeof(ld));
	ld.call = call;
	ld.key = key;
	ld.checks = checks;
	ld.loader = loader;
	ld.started = GetCurrentTimestamp();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	load_plan(&ld);
	if (key != NULL && call->check_relations &&
		!equal(call->relations,
			   cachepg_query_relations(linitial_node(Query, ld.ps->query_list), NULL)))
	{
		/*
		 * The caller's statement, analysed earlier, reads relations its text
		 * does not name now (a new object shadows one): not ours to run.
		 */
		call->other_relations = true;
		if (loader)
			cachepg_flight_end(FLIGHT_NOT_STORED);
		SPI_finish();
		return false;
	}
	load_read_marks(&ld);
	/* a result that will not be stored keeps nobody waiting */
	if (!ld.store && loader)
		cachepg_flight_end(FLIGHT_NOT_STORED);
	if (!ld.store && call->refresh)
	{
		/* a refresh runs a query only to store its result */
		SPI_finish();
		return false;
	}
	/* nothing to note for a result that will not be stored (nor an outer one) */
	if (!ld.store && (checks->prev == NULL || checks->prev->paused))
		checks->paused = true;
	if (ld.store)
		load_begin_entry(&ld);
	load_run(&ld);
	if (ld.store)
	{
		if (load_check(&ld))
			stored = load_store(&ld);
		pfree(ld.blob.data);
	}
	if (loader)
		cachepg_flight_end(stored ? FLIGHT_STORED : FLIGHT_NOT_STORED);
	SPI_finish();
	return stored;
}

/* Queries this backend is running for calls (nested calls count too). */
static int	load_depth = 0;

/* Whether this backend is running a query for a call (the planner asks). */
bool
cachepg_loading(void)
{
	return load_depth > 0;
}

/*
 * The miss path, with the privilege checks PostgreSQL makes noted while the
 * statement is parsed, planned and run (deps.c), whatever happens.  A
 * loader that fails in any way wakes its waiters, one of whom takes over.
 */
static bool
run_query(CacheCall *call, CacheKey *key, bool loader)
{
	CheckRecorder checks;
	bool		stored = false;

	cachepg_checks_push(&checks);
	/* nothing will be stored: unless an outer load needs the checks */
	checks.paused = (key == NULL) && (checks.prev == NULL || checks.prev->paused);
	load_depth++;
	PG_TRY();
	{
		stored = load(call, key, &checks, loader);
	}
	PG_FINALLY();
	{
		load_depth--;
		if (loader)
			cachepg_flight_end(FLIGHT_FAILED);	/* unless it ended already */
		cachepg_checks_pop(&checks);
	}
	PG_END_TRY();
	return stored;
}

/*
 * After a miss: become the key's one loader (*loader), or wait for the
 * backend that is loading it and be served its result (true).  A backend
 * that is running a query for a call never waits (the deadlock detector
 * cannot see these waits); every other wait ends at
 * cachepg.load_wait_timeout, counted from the first.  After a loader that
 * failed, a waiter looks again and may take over (once: if that one fails
 * too, the query itself errors, and the others run it at once rather than
 * in turn); after one whose result was not stored, or that this caller may
 * not be served (an older snapshot), it runs the query itself.
 */
static bool
wait_for_loader(CacheCall *call, CacheKey *key, bool *loader)
{
	TimestampTz deadline = 0;
	FlightWait	w;
	int			failures = 0;

	*loader = false;
	/*
	 * A transaction that has written stores nothing (so need not keep
	 * others waiting) and holds locks others may queue for: it runs the
	 * query itself.
	 */
	if (load_depth > 0 || TransactionIdIsValid(GetTopTransactionIdIfAny()))
		return false;
	for (;;)
	{
		FlightOutcome outcome;

		switch (cachepg_flight_begin(key->hash, &w))
		{
			case FLIGHT_LOADER:
				*loader = true;
				return false;
			case FLIGHT_ALONE:
				return false;
			case FLIGHT_WAITER:
				break;
		}
		if (cachepg_load_wait_timeout <= 0)
			return false;
		if (deadline == 0)
			deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
												   cachepg_load_wait_timeout);
		outcome = cachepg_flight_wait(&w, deadline);
		if ((outcome == FLIGHT_STORED || outcome == FLIGHT_FAILED) &&
			serve_hit(call, key))
		{
			cachepg_count(CC_COALESCED, 1);
			return true;
		}
		/*
		 * After a loader that failed, one waiter takes over; if that one
		 * fails too (the query itself errors), the others run it at once
		 * rather than one after another.
		 */
		if (outcome != FLIGHT_FAILED || ++failures > 1)
			return false;
	}
}

/* The body shared by the functions and transparent statements. */
static CallOutcome
get_or_run(CacheCall *call)
{
	CacheKey	key;
	bool		loader = false;

	if (!cache_usable())
	{
		(void) run_query(call, NULL, false);
		return CALL_UNCACHED;
	}
	/*
	 * A REVOKE USAGE committed meanwhile changes the search path the key
	 * holds: see it, as a direct query's name lookups would.
	 */
	AcceptInvalidationMessages();
	cachepg_build_key(&key, call->form, call->sql, call->sqllen,
					  call->params, call->nparams, true);
	if (serve_hit(call, &key))
	{
		cachepg_count(CC_HITS, 1);
		return CALL_HIT;
	}
	/* not worth loading yet: nobody waits for this caller */
	if (!call->hit_only && call->doorkeeper && !cachepg_seen_before(key.hash))
		call->hit_only = true;
	if (!call->hit_only && wait_for_loader(call, &key, &loader))
	{
		cachepg_count(CC_HITS, 1);
		return CALL_HIT;
	}
	cachepg_count(CC_MISSES, 1);
	if (call->hit_only)
		return CALL_MISSED;
	if (run_query(call, &key, loader))
		return CALL_STORED;
	return call->other_relations ? CALL_OTHER_RELATIONS : CALL_NOT_STORED;
}

/* A call of the functions: it speaks for itself, even inside a statement. */
static void
function_call(CacheCall *call)
{
	bool		was_quiet = quiet;

	quiet = false;
	PG_TRY();
	{
		(void) get_or_run(call);
	}
	PG_FINALLY();
	{
		quiet = was_quiet;
	}
	PG_END_TRY();
}

/* A transparent statement's call: its text and bound parameters. */
static void
statement_call(CacheCall *call, const char *sql, int ttl, bool ttl_explicit,
			   ParamListInfo params)
{
	int			i;

	memset(call, 0, sizeof(*call));
	call->cxt = CurrentMemoryContext;
	call->form = CACHEPG_FORM_QUERY;
	call->sql = (char *) sql;
	call->sqllen = strlen(sql);
	call->ttl = ttl;
	call->ttl_explicit = ttl_explicit;
	call->stale_s = cachepg_stale_while_revalidate;
	call->entry_flags = (cachepg_refresh_on_write ? ENTRY_REFRESH_ON_WRITE : 0) |
		(ttl_explicit ? ENTRY_TTL_EXPLICIT : 0);
	call->nparams = params ? params->numParams : 0;
	call->params = palloc0(sizeof(CacheParam) * Max(call->nparams, 1));
	call->argtypes = palloc(sizeof(Oid) * Max(call->nparams, 1));
	for (i = 0; i < call->nparams; i++)
	{
		ParamExternData *prm = &params->params[i];

		call->params[i].type = prm->ptype;
		call->params[i].typmod = -1;
		call->params[i].collation = InvalidOid;
		call->params[i].isnull = prm->isnull;
		call->params[i].value = prm->isnull ? (Datum) 0 : prm->value;
		call->argtypes[i] = prm->ptype;
	}
}

/*
 * Whether an entry of this transparent statement, as this caller would
 * key it, is stored now, or (sight) it was seen lately, counting as seen
 * from now on: for the planner, a hint only (the node checks).
 */
bool
cachepg_statement_seen(const char *sql, ParamListInfo params, bool sight)
{
	CacheCall	call;
	CacheKey	key;

	statement_call(&call, sql, 0, false, params);
	cachepg_build_key(&key, call.form, call.sql, call.sqllen, call.params,
					  call.nparams, true);
	return (sight && cachepg_seen_before(key.hash)) || cachepg_stored(key.hash);
}

/*
 * A transparent statement (transparent.c): run the statement sql (its own
 * text, comments stripped) with the bound parameters through the same
 * pipeline as the functions, its rows going into ts in the shape desc.
 * Its hits and loads are held to the statement's own snapshot, the active
 * one.  hit_only serves a hit or does nothing (CALL_MISSED), and so does,
 * with doorkeeper, a miss of a key not seen lately.  reads and relations
 * are what the caller's analysed statement reads (see CacheCall).
 * *refused says the storability rules refuse it.
 */
CallOutcome
cachepg_run_statement(const char *sql, int ttl, bool ttl_explicit,
					  ParamListInfo params, TupleDesc desc,
					  Tuplestorestate *ts, bool hit_only,
					  bool doorkeeper, List *reads, List *relations,
					  bool *refused)
{
	CacheCall	call;
	CallOutcome outcome = CALL_UNCACHED;
	bool		was_quiet = quiet;

	statement_call(&call, sql, ttl, ttl_explicit, params);
	call.caller = desc;
	call.ts = ts;
	call.snapshot = GetActiveSnapshot();
	call.hit_only = hit_only;
	call.doorkeeper = doorkeeper;
	call.reads = reads;
	call.check_relations = true;
	call.relations = relations;
	quiet = true;
	PG_TRY();
	{
		outcome = get_or_run(&call);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		char	   *spi;

		quiet = was_quiet;
		MemoryContextSwitchTo(call.cxt);
		edata = CopyErrorData();
		FlushErrorState();

		/*
		 * The statement's own error, as a direct run reports it: without
		 * the line SPI adds to the context (the innermost lines, such as a
		 * PL/pgSQL function's, stay), nor a position in the text SPI ran.
		 */
		if (edata->context != NULL)
		{
			spi = strrchr(edata->context, '\n');
			spi = spi ? spi + 1 : edata->context;
			if (strncmp(spi, "SQL statement \"", 15) == 0)
			{
				if (spi == edata->context)
					edata->context = NULL;
				else
					spi[-1] = '\0';
			}
		}
		edata->internalquery = NULL;
		edata->internalpos = 0;
		ReThrowError(edata);
	}
	PG_END_TRY();
	quiet = was_quiet;
	*refused = call.refused;
	return outcome;
}

/* cache_get_or_run(sql, ttl [, params...]) RETURNS SETOF record */
Datum
cachepg_get_or_run(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CacheCall	call;

	collect_call(fcinfo, CACHEPG_FORM_RECORD, 0, &call);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	call.caller = rsinfo->setDesc;
	call.ts = rsinfo->setResult;
	function_call(&call);
	return (Datum) 0;
}

/* cache_get_or_run_as(NULL::rowtype, sql, ttl [, params...]) RETURNS SETOF anyelement */
Datum
cachepg_get_or_run_as(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CacheCall	call;

	collect_call(fcinfo, CACHEPG_FORM_TYPED, 1, &call);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	call.caller = rsinfo->setDesc;
	call.ts = rsinfo->setResult;
	function_call(&call);
	return (Datum) 0;
}

/* cache_get_or_run_jsonb(sql, ttl [, params...]) RETURNS jsonb */
Datum
cachepg_get_or_run_jsonb(PG_FUNCTION_ARGS)
{
	CacheCall	call;

	collect_call(fcinfo, CACHEPG_FORM_JSONB, 0, &call);
	function_call(&call);
	if (call.jsonb_null)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(call.jsonb);
}

typedef struct InvalidateMatch
{
	CacheKey	key;
	bool		with_params;
} InvalidateMatch;

static bool
invalidate_match(const CacheEntryInfo *info, const char *blob, Size size,
				 void *arg)
{
	InvalidateMatch *m = (InvalidateMatch *) arg;
	const BlobHeader *h = (const BlobHeader *) blob;
	uint32		len = m->key.sqllen + (m->with_params ? m->key.paramlen : 0);
	uint32		have = h->sqllen + (m->with_params ? h->paramlen : 0);

	if (info->dbid != MyDatabaseId)
		return false;
	if (m->with_params ? info->kg_q != cachepg_keygen_bucket(m->key.qhash) :
		info->kg_sql != cachepg_keygen_bucket(m->key.sqlhash))
		return false;
	return have == len &&
		memcmp(blob + BLOB_KEYOFF + h->sqloff, m->key.buf.data + m->key.sqloff, len) == 0;
}

/*
 * cache_invalidate(sql [, params...]) RETURNS bigint: drop the entries of
 * this query text in this database, for every role, setting and form; with
 * parameters, only those for these parameter values.
 */
Datum
cachepg_invalidate(PG_FUNCTION_ARGS)
{
	CacheCall	call;
	InvalidateMatch m;

	cachepg_require_store();
	collect_sql(fcinfo, 0, &call);
	collect_params(fcinfo, 1, &call);
	m.with_params = PG_NARGS() > 1;
	cachepg_build_key(&m.key, 0, call.sql, call.sqllen, call.params,
					  call.nparams, false);
	/* first, so that a load under way cannot store or serve what it had */
	cachepg_keygen_bump(m.with_params ? m.key.qhash : m.key.sqlhash);
	PG_RETURN_INT64((int64) cachepg_remove_matching(invalidate_match, &m));
}

static bool
match_all(const CacheEntryInfo *info, const char *blob, Size size, void *arg)
{
	return true;
}

/* cache_clear() RETURNS bigint: drop every entry of every database. */
Datum
cachepg_clear(PG_FUNCTION_ARGS)
{
	cachepg_require_store();
	/* first, so that a load under way cannot store or serve what it had */
	cachepg_invalidate_all();
	PG_RETURN_INT64((int64) cachepg_remove_matching(match_all, NULL));
}

/* A relation's schema-qualified, quoted name; NULL if it is gone. */
static char *
qualified_name(Oid relid)
{
	char	   *name = get_rel_name(relid);
	char	   *nsp = name ? get_namespace_name(get_rel_namespace(relid)) : NULL;

	return nsp ? quote_qualified_identifier(nsp, name) : NULL;
}

/* Why results reading a table that is not watched are not stored. */
static const char *
unwatched_reason(Oid relid)
{
	char	   *name = get_rel_name(relid);

	switch (unwatched_kind(relid))
	{
		case UNWATCHED_GONE:
			return "a relation it read was dropped";
		case UNWATCHED_UNWATCHABLE:
			return psprintf("\"%s\" cannot be watched", name);
		case UNWATCHED_WORKER:
			return psprintf("table \"%s\" is not watched yet (a background worker will watch it shortly)", name);
		default:
			return psprintf("table \"%s\" is not watched (its owner can run SELECT cache_watch('%s'))",
							name, name);
	}
}

/*
 * cache_explain(sql [, params...]) RETURNS TABLE (cacheable, reason,
 * dependencies, ttl, stored): what a cache_get_or_run() call of this query
 * would do, planned but never run nor stored.  reason is the first rule
 * that keeps it from being stored (README, "What is stored"); the
 * dependencies are the relations it reads and whether by key or whole;
 * stored says whether an entry of it (any form) may be served to this
 * caller now.
 */
Datum
cachepg_explain(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	CacheCall	call;
	CacheKey	key;
	CheckRecorder checks;
	Load		ld;
	Datum		values[5];
	bool		nulls[5] = {0};
	const char *reason = NULL;
	bool		stored = false;
	List	   *deps = NIL;
	static const int forms[] = {CACHEPG_FORM_RECORD, CACHEPG_FORM_TYPED, CACHEPG_FORM_JSONB};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	collect_sql(fcinfo, 0, &call);
	call.form = CACHEPG_FORM_RECORD;
	call.ttl = cachepg_default_ttl;
	collect_params(fcinfo, 1, &call);

	if (!cachepg_store_ready())
		reason = "cachepg is not loaded through shared_preload_libraries";
	else if (!cachepg_enabled)
		reason = "cachepg.enabled is off";
	else if (RecoveryInProgress())
		reason = "the server is a hot standby";

	memset(&ld, 0, sizeof(ld));
	ld.call = &call;
	ld.key = NULL;
	if (reason == NULL)
	{
		int			i;

		AcceptInvalidationMessages();
		for (i = 0; i < lengthof(forms) && !stored; i++)
		{
			TupleDesc	shape;
			int32		slotno;
			CacheEntryInfo info;
			bool		stale_hit;
			char	   *blob;

			cachepg_build_key(&key, forms[i], call.sql, call.sqllen,
							  call.params, call.nparams, true);
			blob = valid_entry(&key, GetCurrentTimestamp(), older_snapshot(NULL),
							   &shape, &slotno, &info, &stale_hit);
			if (blob != NULL)
			{
				stored = true;
				pfree(blob);
			}
		}
		ld.key = &key;
	}

	cachepg_checks_push(&checks);
	checks.paused = true;		/* nothing is stored */
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		ld.checks = &checks;
		load_plan(&ld);
		if (ld.key != NULL)
		{
			List	   *keyslots;
			bool		opted_in;
			List	   *unwatched;
			int			i;

			if (!may_store(&ld.deps, &call, &opted_in))
				reason = verdict_reason(&ld.deps);
			else if (TransactionIdIsValid(GetTopTransactionIdIfAny()))
				reason = "this transaction has written (it holds a transaction ID)";
			else if ((unwatched = cachepg_deps_unwatched(&ld.deps,
														 cachepg_deps_relations(&ld.deps),
														 opted_in)) != NIL)
				reason = unwatched_reason(linitial_oid(unwatched));
			else if (opted_in)
				reason = NULL;	/* stored, at the caller's risk */
			granularity(&ld, &keyslots);
			for (i = 0; i < ld.depsum.len / (int) (2 * sizeof(int32)); i++)
			{
				int32		keys;
				char	   *name = qualified_name(depsum_at(ld.depsum.data, i, &keys));
				MemoryContext old;

				if (name == NULL)
					continue;
				/* SPI_finish frees what was allocated since SPI_connect */
				old = MemoryContextSwitchTo(call.cxt);
				deps = lappend(deps, keys < 0 ?
							   psprintf("%s (table)", name) :
							   psprintf("%s (%d key%s)", name, keys, keys == 1 ? "" : "s"));
				MemoryContextSwitchTo(old);
			}
		}
		if (reason != NULL)
			reason = MemoryContextStrdup(call.cxt, reason);
		SPI_finish();
	}
	PG_FINALLY();
	{
		cachepg_checks_pop(&checks);
	}
	PG_END_TRY();

	values[0] = BoolGetDatum(reason == NULL);
	if (reason == NULL)
		nulls[1] = true;
	else
		values[1] = CStringGetTextDatum(reason);
	if (ld.key == NULL)
		nulls[2] = true;
	else
	{
		Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(deps), 1));
		ListCell   *lc;
		int			n = 0;

		foreach(lc, deps)
			elems[n++] = CStringGetTextDatum((char *) lfirst(lc));
		values[2] = PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
	}
	values[3] = Int32GetDatum(call.ttl);
	values[4] = BoolGetDatum(stored);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

static bool entry_dead(const CacheEntryInfo *info, const char *blob, Size size,
					   void *arg);

/*
 * For a refresh of an entry stored under a cachepg.depends_on declaration:
 * a declaration naming every relation the entry depends on (the declared
 * ones are among them), or 'none'.  The caller's own text is not kept;
 * naming relations the query reads anyway adds nothing.
 */
static char *
declared_again(const char *blob)
{
	const BlobHeader *h = (const BlobHeader *) blob;
	StringInfoData buf;
	uint32		i;

	initStringInfo(&buf);
	for (i = 0; i < h->ndepsum; i++)
	{
		int32		keys;
		char	   *name = qualified_name(depsum_at(blob + h->depsumoff, i, &keys));

		if (name != NULL)		/* (gone: the refresh fails on its own) */
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", name);
	}
	return buf.len > 0 ? buf.data : "none";
}

/*
 * Background refresh (worker.c calls this in a transaction of its own, in
 * the entry's database): recompute the entry of hash as its caller would,
 * through the same pipeline and freshness protocol as a caller's load.
 * The worker connected as no role: the query runs as the entry's role
 * inside a security-restricted operation, with the entry's settings in a
 * GUC nest level of its own, as autovacuum and REFRESH MATERIALIZED VIEW
 * run owners' code.  The key rebuilt from what was set must equal the
 * stored one byte for byte, else the entry cannot be reproduced and is
 * dropped.  Returns false when the entry should be dropped (the caller
 * logs why); an error (privileges revoked, the query fails) propagates to
 * the caller, which drops the entry too.  Entries stored at the caller's
 * risk (cachepg.store_uncacheable) are not refreshed.
 */
bool
cachepg_refresh(uint64 hash, uint8 want, const char **why)
{
	CacheEntryInfo info;
	Size		size;
	char	   *blob = cachepg_lookup_any(hash, &size, &info);
	BlobHeader *h;
	KeyCaller	kc;
	CacheCall	call;
	CacheKey	key;
	Oid			save_user;
	int			save_sec;
	int			nest;
	bool		same;
	bool		dead;
	bool		stored = false;
	FlightWait	w;
	FlightRole	role;
	ListCell   *lc1,
			   *lc2;

	*why = NULL;
	if (blob == NULL || info.dbid != MyDatabaseId || !cachepg_enabled)
		return true;			/* gone, or replaced meanwhile; or off */
	h = (BlobHeader *) blob;
	if (h->flags & BLOB_OPTED_IN)
		return true;			/* stored at the caller's risk: not refreshed */
	if (!cachepg_key_context_live(blob + BLOB_KEYOFF, h->keylen))
	{
		/* its settings context was replaced: nobody can ask for it again */
		cachepg_remove_hash(hash);
		return true;
	}
	dead = entry_dead(&info, blob, size, NULL);
	if (!(want & (dead ? REFRESH_IF_DEAD : REFRESH_IF_LIVE)))
	{
		/*
		 * Expiring, but a write or DDL made it stale: its next caller loads
		 * it (its query may mean something else now).  Or a write to its
		 * tables spared it (other keys): it waits for the next one.
		 */
		if (!dead)
			want_refresh(blob, hash);
		return true;
	}
	if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(info.roleid)))
	{
		*why = "its role was dropped";
		return false;
	}
	if (!cachepg_key_decode(blob + BLOB_KEYOFF, h->keylen, &kc))
	{
		*why = "its settings context was replaced, or a schema of its search_path was dropped";
		return false;
	}

	GetUserIdAndSecContext(&save_user, &save_sec);
	nest = NewGUCNestLevel();
	SetUserIdAndSecContext(kc.user, save_sec | SECURITY_RESTRICTED_OPERATION);
	forboth(lc1, kc.names, lc2, kc.values)
		(void) set_config_option((char *) lfirst(lc1), (char *) lfirst(lc2),
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
	/*
	 * The worker's own settings never apply to someone else's entry: no
	 * opt-in, and the entry's declared dependencies, not the worker's.
	 */
	(void) set_config_option("cachepg.store_uncacheable", "off",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	(void) set_config_option("cachepg.depends_on",
							 (h->flags & BLOB_DECLARED) ? declared_again(blob) : "",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);

	memset(&call, 0, sizeof(call));
	call.form = kc.form;
	call.sql = kc.sql;
	call.sqllen = kc.sqllen;
	call.params = kc.params;
	call.argtypes = kc.argtypes;
	call.nparams = kc.nparams;
	call.ttl = info.ttl_s;
	call.ttl_explicit = (info.flags & ENTRY_TTL_EXPLICIT) != 0;
	call.stale_s = info.stale_s;
	call.entry_flags = info.flags;
	call.refresh = true;
	call.cxt = CurrentMemoryContext;
	cachepg_build_key(&key, call.form, call.sql, call.sqllen, call.params,
					  call.nparams, true);
	same = key.hash == hash && key.buf.len == (int) h->keylen &&
		memcmp(key.buf.data, blob + BLOB_KEYOFF, h->keylen) == 0;
	if (!same)
	{
		/* (stored with its context inline, rebuilt interned: left alone) */
		if (!cachepg_key_context_inline(blob + BLOB_KEYOFF, h->keylen))
			*why = "its caller's settings cannot be reproduced";
	}
	else if ((role = cachepg_flight_begin(hash, &w)) != FLIGHT_WAITER)
	{
		/*
		 * (a caller loading it already: nothing to do).  A refresh taking
		 * much longer than the load it repeats is cancelled, and its entry
		 * dropped.
		 */
		enable_timeout_after(STATEMENT_TIMEOUT,
							 (int) Min(Max((int64) info.load_ms * 10, 60000), INT_MAX));
		stored = run_query(&call, &key, role == FLIGHT_LOADER);
		disable_timeout(STATEMENT_TIMEOUT, false);
		if (stored)
			cachepg_count(CC_REFRESHES, 1);
		else if (want & REFRESH_IF_DEAD)
			want_refresh(blob, hash);	/* a write raced it: try after the next */
	}

	AtEOXact_GUC(true, nest);
	SetUserIdAndSecContext(save_user, save_sec);
	return *why == NULL;
}

/* For the reclaimer: an entry that can never be served again. */
static bool
entry_dead(const CacheEntryInfo *info, const char *blob, Size size, void *arg)
{
	const BlobHeader *h = (const BlobHeader *) blob;

	return !keygens_current(h, info->kg_sql, info->kg_q) ||
		!cachepg_key_context_live(blob + BLOB_KEYOFF, h->keylen) ||
		!marks_current(blob + h->markoff, h->nmarks);
}

/*
 * For the reclaimer: dead, and not waiting for a refresh after a write
 * (the worker replaces or drops those).
 */
static bool
entry_reclaimable(const CacheEntryInfo *info, const char *blob, Size size,
				  void *arg)
{
	return entry_dead(info, blob, size, arg) && !refresh_pending(info, blob);
}

/*
 * Background reclaim (the reclaimer worker): free, among the next count
 * slots, the entries past their ttl and stale window and those a write,
 * DDL or cache_invalidate() made stale, which nobody could be served.
 */
uint64
cachepg_reclaim(int32 count)
{
	return cachepg_sweep(count, GetCurrentTimestamp(), entry_reclaimable, NULL);
}
