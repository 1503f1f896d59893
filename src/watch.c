/*
 * watch.c
 *		Which tables are watched: the trigger function, its triggers, and
 *		cache_watch / cache_unwatch.
 *
 * A watched table carries three triggers calling cache_trigger(): a BEFORE
 * statement trigger for INSERT, UPDATE and DELETE, an ALWAYS-enabled BEFORE
 * TRUNCATE trigger, and (tables holding rows) a row trigger that fires for
 * the replica role, since logical replication apply fires row triggers
 * only.  They mark the table written (marks.c).  A result is stored only
 * if every table it depends on is watched, as of changes that ended before
 * its marks were read.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/hash.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_class.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "marks.h"
#include "watch.h"

PG_FUNCTION_INFO_V1(cachepg_trigger);
PG_FUNCTION_INFO_V1(cachepg_watch);
PG_FUNCTION_INFO_V1(cachepg_unwatch);
PG_FUNCTION_INFO_V1(cachepg_row_wanted);

static int	watch_tree(Oid relid, bool by_owner, ArrayType *keys);

/* Our functions' OIDs in this database, remembered until pg_proc changes. */
static Oid	cached_trigger_fn = InvalidOid;
static Oid	cached_wanted_fn = InvalidOid;

/* The OID of the function of extension cachepg with this name and arity. */
static Oid
extension_function(const char *name, int nargs)
{
	Oid			ext = get_extension_oid("cachepg", true);
	Oid			result = InvalidOid;
	CatCList   *list;
	int			i;

	if (!OidIsValid(ext))
		return InvalidOid;
	list = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum(name));
	for (i = 0; i < list->n_members; i++)
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(&list->members[i]->tuple);

		if (proc->pronargs == nargs &&
			getExtensionOfObject(ProcedureRelationId, proc->oid) == ext)
		{
			result = proc->oid;
			break;
		}
	}
	ReleaseSysCacheList(list);
	return result;
}

/* cache_trigger() of this database, or InvalidOid (a miss asks per table). */
static Oid
trigger_function(void)
{
	if (!OidIsValid(cached_trigger_fn))
		cached_trigger_fn = extension_function("cache_trigger", 0);
	return cached_trigger_fn;
}

/* cache_row_wanted(regclass), the row trigger's WHEN clause, or InvalidOid. */
static Oid
wanted_function(void)
{
	if (!OidIsValid(cached_wanted_fn))
		cached_wanted_fn = extension_function("cache_row_wanted", 1);
	return cached_wanted_fn;
}

static void forget_hashers(void);

static void
proc_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	cached_trigger_fn = InvalidOid;
	cached_wanted_fn = InvalidOid;
	forget_hashers();			/* a hash function may have been replaced */
}

#define TRIG_WRITE		"cachepg_write"
#define TRIG_TRUNCATE	"cachepg_truncate"
#define TRIG_ROWS		"cachepg_rows"
#define TRIG_REPLICA	"cachepg_replica"	/* before 1.3: BEFORE ROW, replica
											 * role only; cache_watch drops it */

/*
 * Whether a row trigger's WHEN clause is ours: none, or
 * cache_row_wanted('rel'::regclass) for this very table.  A miss asks this
 * of every table it read, so the answer is remembered by the clause's text
 * (with the table and the function it was given for): the same text gives
 * the same answer.
 */
typedef struct QualMemo
{
	Oid			tgoid;
	Oid			relid;
	Oid			wanted;
	bool		ours;
	char	   *qual;			/* TopMemoryContext */
} QualMemo;

static HTAB *qual_memo = NULL;

static bool
rows_qual_ours(const Trigger *t, Relation rel, Oid wanted)
{
	QualMemo   *m;
	bool		found;
	bool		ours = false;
	Node	   *qual;
	char	   *copy;

	if (t->tgqual == NULL)
		return true;
	if (qual_memo == NULL)
		qual_memo = cachepg_local_hash("cachepg trigger clauses", 64, sizeof(Oid), sizeof(QualMemo));
	m = hash_search(qual_memo, &t->tgoid, HASH_FIND, NULL);
	if (m != NULL && m->relid == RelationGetRelid(rel) && m->wanted == wanted &&
		strcmp(m->qual, t->tgqual) == 0)
		return m->ours;

	/* no catalog access here: the caller holds a trigger of the relcache */
	qual = stringToNode(t->tgqual);
	if (OidIsValid(wanted) && IsA(qual, FuncExpr))
	{
		FuncExpr   *f = (FuncExpr *) qual;

		if (f->funcid == wanted && list_length(f->args) == 1 &&
			IsA(linitial(f->args), Const))
		{
			Const	   *c = linitial_node(Const, f->args);

			ours = c->consttype == REGCLASSOID && !c->constisnull &&
				DatumGetObjectId(c->constvalue) == RelationGetRelid(rel);
		}
	}
	copy = MemoryContextStrdup(TopMemoryContext, t->tgqual);
	m = hash_search(qual_memo, &t->tgoid, HASH_ENTER, &found);
	if (found)
		pfree(m->qual);
	m->relid = RelationGetRelid(rel);
	m->wanted = wanted;
	m->ours = ours;
	m->qual = copy;
	return ours;
}

/*
 * Our trigger of this name on rel: calling our function, for every row or
 * statement of the events it must see (no column list), at the right time:
 * BEFORE each statement (write, truncate), AFTER each row (rows), or the
 * BEFORE row trigger of versions before 1.3 (replica).
 */
static const Trigger *
find_trigger(Relation rel, const char *name, Oid fn)
{
	TriggerDesc *td = rel->trigdesc;
	bool		truncate = strcmp(name, TRIG_TRUNCATE) == 0;
	bool		rows = strcmp(name, TRIG_ROWS) == 0;
	bool		for_row = rows || strcmp(name, TRIG_REPLICA) == 0;
	int16		events = truncate ? TRIGGER_TYPE_TRUNCATE :
		(TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE | TRIGGER_TYPE_DELETE);
	Oid			wanted = rows ? wanted_function() : InvalidOid;
	int			i;

	/* no catalog access below: the trigger descriptor may be rebuilt */
	td = rel->trigdesc;
	for (i = 0; td && i < td->numtriggers; i++)
	{
		const Trigger *t = &td->triggers[i];

		if (strcmp(t->tgname, name) == 0 && t->tgfoid == fn &&
			(t->tgtype & events) == events && t->tgnattr == 0 &&
			(rows ? TRIGGER_FOR_AFTER(t->tgtype) : TRIGGER_FOR_BEFORE(t->tgtype)) &&
			(TRIGGER_FOR_ROW(t->tgtype) ? for_row : !for_row) &&
			(rows ? rows_qual_ours(t, rel, wanted) : t->tgqual == NULL))
			return t;
	}
	return NULL;
}

static bool
fires_for_replica(const Trigger *t)
{
	return t != NULL && (t->tgenabled == TRIGGER_FIRES_ON_REPLICA ||
						 t->tgenabled == TRIGGER_FIRES_ALWAYS);
}

/*
 * Whether every write to rel reaches our trigger function: an enabled
 * BEFORE statement trigger for ordinary sessions, an ALWAYS truncate
 * trigger, and (tables holding rows) a row trigger that fires at least for
 * the replica role (logical replication apply fires row triggers only).
 * Views and materialized views have no rows of their own to write (a
 * REFRESH counts as a write).
 */
bool
cachepg_relation_watched(Relation rel)
{
	Oid			fn;
	const Trigger *t;

	switch (rel->rd_rel->relkind)
	{
		case RELKIND_VIEW:
		case RELKIND_MATVIEW:
			return true;
		case RELKIND_RELATION:
		case RELKIND_PARTITIONED_TABLE:
			break;
		default:
			return false;
	}
	fn = trigger_function();
	if (!OidIsValid(fn))
		return false;
	t = find_trigger(rel, TRIG_WRITE, fn);
	if (t == NULL ||
		(t->tgenabled != TRIGGER_FIRES_ON_ORIGIN && t->tgenabled != TRIGGER_FIRES_ALWAYS))
		return false;
	t = find_trigger(rel, TRIG_TRUNCATE, fn);
	if (t == NULL || t->tgenabled != TRIGGER_FIRES_ALWAYS)
		return false;
	if (rel->rd_rel->relkind == RELKIND_RELATION &&
		!fires_for_replica(find_trigger(rel, TRIG_ROWS, fn)) &&
		!fires_for_replica(find_trigger(rel, TRIG_REPLICA, fn)))
		return false;
	return true;
}

/*
 * The hash operator family that defines a key column's equality, and the
 * type its hash function takes: those of the column type's default hash
 * operator class.  False when the type has none.  Remembered by type (a
 * miss asks for every candidate condition, a writer for every key column)
 * until operator classes or their support functions change.
 */
typedef struct KeyFamily
{
	Oid			type;
	bool		ok;
	Oid			family;
	Oid			intype;
} KeyFamily;

static HTAB *families = NULL;
static uint64 family_changes = 0;	/* pg_opclass or pg_amproc changes seen */

static void
family_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	family_changes++;
	forget_hashers();
}

bool
cachepg_key_family(Oid coltype, Oid *opfamily, Oid *opcintype)
{
	static uint64 families_as_of = 0;
	KeyFamily  *kf;
	KeyFamily	found;
	uint64		before = family_changes;
	Oid			opclass;

	if (families == NULL || families_as_of != family_changes)
	{
		if (families != NULL)
			hash_destroy(families);
		families = cachepg_local_hash("cachepg key families", 32, sizeof(Oid),
									  sizeof(KeyFamily));
		families_as_of = family_changes;
		before = family_changes;
	}
	kf = hash_search(families, &coltype, HASH_FIND, NULL);
	if (kf == NULL)
	{
		memset(&found, 0, sizeof(found));
		found.type = coltype;
		opclass = GetDefaultOpClass(coltype, HASH_AM_OID);
		/* arrays, records and ranges hash only if their elements do */
		if (OidIsValid(opclass) &&
			OidIsValid(lookup_type_cache(coltype, TYPECACHE_HASH_PROC)->hash_proc))
		{
			found.family = get_opclass_family(opclass);
			found.intype = get_opclass_input_type(opclass);
			found.ok = OidIsValid(get_opfamily_proc(found.family, found.intype,
													found.intype, HASHSTANDARD_PROC));
		}
		/* remembered only if no change arrived while it was looked up */
		if (family_changes != before)
			kf = &found;
		else
		{
			kf = hash_search(families, &coltype, HASH_ENTER, NULL);
			*kf = found;
		}
	}
	*opfamily = kf->family;
	*opcintype = kf->intype;
	return kf->ok;
}

/* The column of rel with this name, if it is live and hashable; else 0. */
static AttrNumber
key_attnum(Relation rel, const char *name)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Oid			family,
					intype;

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return cachepg_key_family(att->atttypid, &family, &intype) ?
				att->attnum : 0;
	}
	return 0;
}

/*
 * The key columns of rel, for key-level invalidation: the columns named by
 * the arguments of its row trigger, when that trigger fires for every
 * session (ALWAYS), so that every row written reaches it.  Names that are
 * not (or no longer) a hashable column count for nothing, for readers and
 * writers alike.  Returns their number; *keys is palloc'd.
 */
int
cachepg_key_columns(Relation rel, AttrNumber **keys)
{
	Oid			fn = trigger_function();
	const Trigger *t;
	int			n = 0;
	int			nargs;
	char	  **args;
	int			i;

	*keys = NULL;
	if (rel->rd_rel->relkind != RELKIND_RELATION || !OidIsValid(fn))
		return 0;
	t = find_trigger(rel, TRIG_ROWS, fn);
	if (t == NULL || t->tgenabled != TRIGGER_FIRES_ALWAYS || t->tgnargs == 0)
		return 0;
	/* copied first: looking the columns up may rebuild the descriptor */
	nargs = t->tgnargs;
	args = palloc(sizeof(char *) * nargs);
	for (i = 0; i < nargs; i++)
		args[i] = pstrdup(t->tgargs[i]);
	*keys = palloc(sizeof(AttrNumber) * nargs);
	for (i = 0; i < nargs; i++)
	{
		AttrNumber	a = key_attnum(rel, args[i]);

		if (a > 0)
			(*keys)[n++] = a;
	}
	return n;
}

/*
 * What the row trigger needs to hash a table's key columns, by trigger,
 * until the next relcache invalidation, each in a memory context of its
 * own.  An invalidation only flags an entry: the trigger may be using it
 * (hashing can read the catalogs); flagged entries are freed when an entry
 * is next built, which no trigger is in the middle of.
 */
typedef struct KeyHashers
{
	Oid			tgoid;
	Oid			relid;
	bool		valid;
	MemoryContext cxt;
	int			n;
	AttrNumber *attnums;
	Oid		   *collations;
	FmgrInfo   *procs;
} KeyHashers;

static HTAB *hashers = NULL;
static int	hashing = 0;		/* row triggers hashing keys right now */

static KeyHashers *
key_hashers(const Trigger *trig, Relation rel)
{
	Oid			tgoid = trig->tgoid;
	KeyHashers *kh;
	KeyHashers	built;
	HASH_SEQ_STATUS st;
	bool		found;
	AttrNumber *keys;
	int			n;
	int			i;

	if (hashers == NULL)
		hashers = cachepg_local_hash("cachepg key hashers", 16, sizeof(Oid), sizeof(KeyHashers));
	kh = hash_search(hashers, &tgoid, HASH_FIND, NULL);
	if (kh != NULL && kh->valid)
		return kh;

	/* built apart: the catalog lookups may run the callback */
	n = cachepg_key_columns(rel, &keys);
	memset(&built, 0, sizeof(built));
	built.cxt = AllocSetContextCreate(TopMemoryContext, "cachepg key hashers",
									  ALLOCSET_SMALL_SIZES);
	built.attnums = MemoryContextAlloc(built.cxt, sizeof(AttrNumber) * Max(n, 1));
	built.collations = MemoryContextAlloc(built.cxt, sizeof(Oid) * Max(n, 1));
	built.procs = MemoryContextAllocZero(built.cxt, sizeof(FmgrInfo) * Max(n, 1));
	PG_TRY();
	{
		for (i = 0; i < n; i++)
		{
			Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), keys[i] - 1);
			Oid			family,
						intype;

			if (!cachepg_key_family(att->atttypid, &family, &intype))
				continue;
			fmgr_info_cxt(get_opfamily_proc(family, intype, intype, HASHSTANDARD_PROC),
						  &built.procs[built.n], built.cxt);
			built.attnums[built.n] = att->attnum;
			built.collations[built.n] = att->attcollation;
			built.n++;
		}
	}
	PG_CATCH();
	{
		MemoryContextDelete(built.cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();

	/*
	 * Free what invalidations flagged, unless a trigger further up may be
	 * hashing with it (then this trigger's old entry goes with the new one).
	 */
	hash_seq_init(&st, hashers);
	while ((kh = hash_seq_search(&st)) != NULL)
		if (!kh->valid && hashing == 0)
		{
			MemoryContextDelete(kh->cxt);
			hash_search(hashers, &kh->tgoid, HASH_REMOVE, NULL);
		}
	kh = hash_search(hashers, &tgoid, HASH_ENTER, &found);
	if (found)
		MemoryContextSetParent(kh->cxt, built.cxt);
	built.tgoid = tgoid;
	built.relid = RelationGetRelid(rel);
	built.valid = true;
	*kh = built;
	return kh;
}

/*
 * The hash of a key value, as readers compute it for the values they are
 * pinned to (deps.c): the column type's default hash function, under the
 * column's collation.
 */
static uint32
key_hash(FmgrInfo *proc, Oid collation, Datum value)
{
	return DatumGetUInt32(FunctionCall1Coll(proc, collation, value));
}

/* Mark the keys of one row version. */
static void
mark_row_keys(KeyHashers *kh, HeapTuple tuple, TupleDesc desc)
{
	int			i;

	for (i = 0; i < kh->n; i++)
	{
		bool		isnull;
		Datum		v = heap_getattr(tuple, kh->attnums[i], desc, &isnull);

		/* a NULL never equals a value a reader is pinned to */
		if (!isnull)
			cachepg_mark_key(kh->relid, kh->attnums[i],
							 key_hash(&kh->procs[i], kh->collations[i], v));
	}
}

/* Flag every entry: hash functions or their families changed. */
static void
forget_hashers(void)
{
	HASH_SEQ_STATUS st;
	KeyHashers *kh;

	if (hashers == NULL)
		return;
	hash_seq_init(&st, hashers);
	while ((kh = hash_seq_search(&st)) != NULL)
		kh->valid = false;
}

static void
relcache_callback(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS st;
	KeyHashers *kh;

	if (hashers == NULL)
		return;
	hash_seq_init(&st, hashers);
	while ((kh = hash_seq_search(&st)) != NULL)
		if (!OidIsValid(relid) || kh->relid == relid)
			kh->valid = false;
}

/*
 * cache_trigger(): the function of our triggers; runs whether or not
 * cachepg.enabled is on.
 *
 * - BEFORE each INSERT, UPDATE or DELETE statement: the table and its
 *   ancestors are written (table-level entries).
 * - BEFORE TRUNCATE: every entry of the table, key-level ones included.
 * - AFTER each row (before the commit, at the end of the statement): the
 *   keys of the row's old and new versions; and the table is written, for
 *   the replica role, where no statement trigger fires.  The row trigger's
 *   WHEN clause (cache_row_wanted) counts the rows and, past
 *   cachepg.max_keys, has the table's writes count as unkeyed instead.
 * - BEFORE each row, the trigger of versions before 1.3 (replica role):
 *   the table, keys unknown.
 */
Datum
cachepg_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Oid			relid;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("cache_trigger() must be called as a trigger")));
	relid = RelationGetRelid(td->tg_relation);
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		cachepg_mark_relation(relid);
	else if (!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		cachepg_mark_written(relid);
	else if (TRIGGER_FIRED_BEFORE(td->tg_event))
	{
		cachepg_mark_relation(relid);
		return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ?
							   td->tg_newtuple : td->tg_trigtuple);
	}
	else
	{
		KeyHashers *kh;

		cachepg_mark_written(relid);
		if (cachepg_marks_escalated(relid))
			return PointerGetDatum(NULL);
		kh = key_hashers(td->tg_trigger, td->tg_relation);
		if (kh->n == 0)
			return PointerGetDatum(NULL);
		hashing++;
		PG_TRY();
		{
			mark_row_keys(kh, td->tg_trigtuple, RelationGetDescr(td->tg_relation));
			if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
				mark_row_keys(kh, td->tg_newtuple, RelationGetDescr(td->tg_relation));
		}
		PG_FINALLY();
		{
			hashing--;
		}
		PG_END_TRY();
	}
	return PointerGetDatum(NULL);
}

/*
 * cache_row_wanted(regclass) RETURNS boolean: the row trigger's WHEN
 * clause, evaluated as each row is written.  Counts the rows this
 * transaction writes to the table; past cachepg.max_keys the table's
 * writes count as unkeyed, and the trigger is no longer queued for its
 * rows (so COPY and bulk writes pay for the first rows only).
 */
Datum
cachepg_row_wanted(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cachepg_marks_count_row(PG_GETARG_OID(0)));
}

/* Run one utility statement (SPI is connected). */
static void
run_sql(const char *sql)
{
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "cachepg: could not run \"%s\"", sql);
}

/* Run one utility statement built from a format (SPI is connected). */
static void
run_ddl(const char *fmt, const char *rel, const char *schema)
{
	char	   *sql = psprintf(fmt, rel, schema);

	run_sql(sql);
	pfree(sql);
}

static const char *const trigger_names[] = {TRIG_WRITE, TRIG_TRUNCATE, TRIG_ROWS, TRIG_REPLICA};

/* Whether any of our triggers on rel is disabled: the owner unwatched it. */
static bool
opted_out(Relation rel, Oid fn)
{
	int			i;

	for (i = 0; i < lengthof(trigger_names); i++)
	{
		const Trigger *t = find_trigger(rel, trigger_names[i], fn);

		if (t && t->tgenabled == TRIGGER_DISABLED)
			return true;
	}
	return false;
}

/* Add a column to a list of key names, once, if it is live and hashable. */
static List *
add_key(List *keys, Relation rel, AttrNumber attno)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attno - 1);
	ListCell   *lc;
	Oid			family,
				intype;

	if (attno <= 0 || att->attisdropped ||
		!cachepg_key_family(att->atttypid, &family, &intype))
		return keys;
	foreach(lc, keys)
		if (strcmp(lfirst(lc), NameStr(att->attname)) == 0)
			return keys;
	return lappend(keys, pstrdup(NameStr(att->attname)));
}

/*
 * The default key columns of rel: its primary key's columns, the columns
 * of single-column unique indexes (no expression, no predicate), and the
 * single-column foreign keys.
 */
static List *
default_keys(Relation rel)
{
	List	   *keys = NIL;
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;

	foreach(lc, indexes)
	{
		Relation	ind = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index fi = ind->rd_index;
		int			i;

		if (fi->indisprimary)
			for (i = 0; i < fi->indnkeyatts; i++)
				keys = add_key(keys, rel, fi->indkey.values[i]);
		else if (fi->indisunique && fi->indnkeyatts == 1 && fi->indisvalid &&
				 RelationGetIndexPredicate(ind) == NIL)
			keys = add_key(keys, rel, fi->indkey.values[0]);
		index_close(ind, AccessShareLock);
	}
	foreach(lc, RelationGetFKeyList(rel))
	{
		ForeignKeyCacheInfo *fk = lfirst(lc);

		if (fk->nkeys == 1)
			keys = add_key(keys, rel, fk->conkey[0]);
	}
	return keys;
}

/*
 * The key columns asked for, checked against rel: each must be a column
 * with a default hash operator class.
 */
static List *
explicit_keys(Relation rel, ArrayType *arr)
{
	Datum	   *names;
	bool	   *nulls;
	int			n;
	int			i;
	List	   *keys = NIL;
	Oid			family,
				intype;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &names, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		char	   *name;
		AttrNumber	a;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("key column names must not be null")));
		name = TextDatumGetCString(names[i]);
		a = get_attnum(RelationGetRelid(rel), name);
		if (a == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" does not exist",
							name, RelationGetRelationName(rel))));
		if (a < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("system column \"%s\" cannot be a key column", name)));
		if (!cachepg_key_family(get_atttype(RelationGetRelid(rel), a), &family, &intype))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("column \"%s\" of relation \"%s\" cannot be a key column",
							name, RelationGetRelationName(rel)),
					 errdetail("Its type %s has no default hash operator class.",
							   format_type_be(get_atttype(RelationGetRelid(rel), a)))));
		keys = add_key(keys, rel, a);
	}
	return keys;
}

/* Whether a row trigger's arguments are exactly these key names. */
static bool
same_keys(const Trigger *t, List *keys)
{
	ListCell   *lc;
	int			i = 0;

	if (t->tgnargs != list_length(keys))
		return false;
	foreach(lc, keys)
		if (strcmp(t->tgargs[i++], lfirst(lc)) != 0)
			return false;
	return true;
}

/*
 * Install our triggers on relid alone where they are missing, and enable
 * them as required.  The caller has checked the privileges.  Unless
 * by_owner, a table already watched, or whose owner disabled our triggers
 * (cache_unwatch), is left alone.  keys: the key columns asked for, or
 * NULL for the defaults.  Returns whether anything had to be done.
 */
static bool
watch_one(Oid relid, Oid fn, const char *schema, bool by_owner, ArrayType *keys_asked)
{
	Relation	rel = relation_open(relid, ShareRowExclusiveLock);
	char	   *name;
	char		kind = rel->rd_rel->relkind;
	bool		v13 = OidIsValid(wanted_function());
	const Trigger *t;
	bool		has_write,
				has_trunc,
				has_rows,
				has_repl;
	bool		write_ok,
				trunc_ok,
				rows_ok = true;
	List	   *keys = NIL;
	bool		skip;
	StringInfoData sql;
	ListCell   *lc;

	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
	{
		relation_close(rel, ShareRowExclusiveLock);
		return false;
	}
	/* the keys first: a trigger is read only where no catalog access follows */
	if (kind == RELKIND_RELATION)
		keys = keys_asked ? explicit_keys(rel, keys_asked) : default_keys(rel);
	name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									  RelationGetRelationName(rel));
	t = find_trigger(rel, TRIG_WRITE, fn);
	has_write = t != NULL;
	write_ok = t != NULL && t->tgenabled == TRIGGER_FIRES_ALWAYS;
	t = find_trigger(rel, TRIG_TRUNCATE, fn);
	has_trunc = t != NULL;
	trunc_ok = t != NULL && t->tgenabled == TRIGGER_FIRES_ALWAYS;
	t = find_trigger(rel, TRIG_REPLICA, fn);
	has_repl = t != NULL;
	if (kind == RELKIND_RELATION && !v13)
		rows_ok = fires_for_replica(t);
	t = find_trigger(rel, TRIG_ROWS, fn);
	has_rows = t != NULL;
	if (kind == RELKIND_RELATION && v13)
		rows_ok = t != NULL && same_keys(t, keys) && t->tgqual != NULL &&
			t->tgenabled == (keys != NIL ? TRIGGER_FIRES_ALWAYS : TRIGGER_FIRES_ON_REPLICA) &&
			!has_repl;
	skip = by_owner ? (write_ok && trunc_ok && rows_ok) :
		(cachepg_relation_watched(rel) || opted_out(rel, fn));
	relation_close(rel, NoLock);
	if (skip)
		return false;

	schema = quote_identifier(schema);
	if (!has_write)
		run_ddl("CREATE TRIGGER " TRIG_WRITE " BEFORE INSERT OR UPDATE OR DELETE ON %s "
				"FOR EACH STATEMENT EXECUTE FUNCTION %s.cache_trigger()", name, schema);
	run_ddl("ALTER TABLE ONLY %s ENABLE ALWAYS TRIGGER " TRIG_WRITE, name, NULL);
	if (!has_trunc)
		run_ddl("CREATE TRIGGER " TRIG_TRUNCATE " BEFORE TRUNCATE ON %s "
				"FOR EACH STATEMENT EXECUTE FUNCTION %s.cache_trigger()", name, schema);
	run_ddl("ALTER TABLE ONLY %s ENABLE ALWAYS TRIGGER " TRIG_TRUNCATE, name, NULL);
	if (kind != RELKIND_RELATION || rows_ok)
		return true;
	if (!v13)
	{
		/* an installation of a version before 1.3: its row trigger */
		if (keys_asked != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("key columns need cachepg 1.3"),
					 errhint("Run ALTER EXTENSION cachepg UPDATE.")));
		if (!has_repl)
			run_ddl("CREATE TRIGGER " TRIG_REPLICA " BEFORE INSERT OR UPDATE OR DELETE ON %s "
					"FOR EACH ROW EXECUTE FUNCTION %s.cache_trigger()", name, schema);
		run_ddl("ALTER TABLE ONLY %s ENABLE REPLICA TRIGGER " TRIG_REPLICA, name, NULL);
		return true;
	}

	/*
	 * The row trigger: AFTER each row, so that it sees the row as written
	 * (after BEFORE triggers and generated columns), and so that COPY
	 * still inserts in batches; keys as its arguments.
	 */
	if (has_repl)
		run_ddl("DROP TRIGGER " TRIG_REPLICA " ON %s", name, NULL);
	if (has_rows)
		run_ddl("DROP TRIGGER " TRIG_ROWS " ON %s", name, NULL);
	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE TRIGGER " TRIG_ROWS " AFTER INSERT OR UPDATE OR DELETE ON %s "
					 "FOR EACH ROW WHEN (%s.cache_row_wanted(%s::pg_catalog.regclass)) "
					 "EXECUTE FUNCTION %s.cache_trigger(",
					 name, schema, quote_literal_cstr(name), schema);
	foreach(lc, keys)
		appendStringInfo(&sql, "%s%s", lc == list_head(keys) ? "" : ", ",
						 quote_literal_cstr(lfirst(lc)));
	appendStringInfoString(&sql, ")");
	run_sql(sql.data);
	/* with keys, for every session; without, for the replica role only */
	run_ddl(keys != NIL ? "ALTER TABLE ONLY %s ENABLE ALWAYS TRIGGER " TRIG_ROWS :
			"ALTER TABLE ONLY %s ENABLE REPLICA TRIGGER " TRIG_ROWS, name, NULL);
	return true;
}

/* A table or partitioned table that exists and is not a catalog, or an error. */
static void
check_watchable(Oid relid)
{
	char		kind = get_rel_relkind(relid);

	if (kind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (IsCatalogRelationOid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a system catalog", get_rel_name(relid)),
				 errdetail("Catalogs cannot carry triggers; results that read them are not stored.")));
	if (kind == RELKIND_SEQUENCE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a sequence", get_rel_name(relid)),
				 errdetail("A sequence changes without any write that triggers could see; results that read one are not stored.")));
	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", get_rel_name(relid)),
				 errdetail("Only tables and partitioned tables are watched; views and materialized views need no triggers.")));
	if (get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a temporary table", get_rel_name(relid)),
				 errdetail("Results that read temporary tables are never stored.")));
}

/*
 * The tables of relid's tree (itself, partitions, inheritance children),
 * locked against concurrent trigger changes; by_owner: the caller must own
 * every one of them.
 */
static List *
tree_of(Oid relid, bool by_owner)
{
	List	   *rels;
	ListCell   *lc;

	check_watchable(relid);
	rels = find_all_inheritors(relid, ShareRowExclusiveLock, NULL);
	foreach(lc, rels)
	{
		Oid			r = lfirst_oid(lc);

		if (by_owner && !pg_class_ownercheck(r, GetUserId()))
			aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(get_rel_relkind(r)),
						   get_rel_name(r));
	}
	return rels;
}

static Oid
require_trigger_function(void)
{
	Oid			fn = trigger_function();

	if (!OidIsValid(fn))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"cachepg\" is not installed in this database")));
	return fn;
}

/*
 * Watch relid and every descendant.  Returns the number of relations whose
 * triggers were installed or fixed.  by_owner: cache_watch, for the owner;
 * otherwise the background worker or the DDL hook, which leave alone tables
 * whose owner disabled our triggers.
 */
int
cachepg_watch_relation(Oid relid, bool by_owner)
{
	return watch_tree(relid, by_owner, NULL);
}

/* Watch relid's tree; keys: the key columns asked for, or NULL (defaults). */
static int
watch_tree(Oid relid, bool by_owner, ArrayType *keys)
{
	Oid			fn = require_trigger_function();
	char	   *schema = get_namespace_name(get_func_namespace(fn));
	List	   *rels = tree_of(relid, by_owner);
	ListCell   *lc;
	int			n = 0;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	foreach(lc, rels)
		if (watch_one(lfirst_oid(lc), fn, schema, by_owner, keys))
			n++;
	SPI_finish();
	return n;
}

/*
 * cache_watch(tbl regclass, keys text[] DEFAULT NULL) RETURNS integer:
 * install or fix our triggers on the table and its descendants, with these
 * key columns (NULL: the defaults; '{}': none, so table-level only).
 */
Datum
cachepg_watch(PG_FUNCTION_ARGS)
{
	ArrayType  *keys = NULL;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table must not be null")));
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
	{
		keys = PG_GETARG_ARRAYTYPE_P(1);
		if (ARR_NDIM(keys) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("keys must be a one-dimensional array of column names")));
	}
	PG_RETURN_INT32(watch_tree(PG_GETARG_OID(0), true, keys));
}

/*
 * cache_unwatch(regclass) RETURNS integer: disable our triggers on the
 * table and its descendants (they stay, disabled, so that auto-watch
 * leaves the table alone; cache_watch enables them again).
 */
Datum
cachepg_unwatch(PG_FUNCTION_ARGS)
{
	Oid			fn = require_trigger_function();
	List	   *rels = tree_of(PG_GETARG_OID(0), true);
	ListCell   *lc;
	int			n = 0;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	foreach(lc, rels)
	{
		const char *const *names = trigger_names;
		Relation	rel = relation_open(lfirst_oid(lc), NoLock);
		char	   *name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													  RelationGetRelationName(rel));
		bool		enabled[lengthof(trigger_names)];
		bool		changed = false;
		int			i;

		for (i = 0; i < lengthof(trigger_names); i++)
		{
			const Trigger *t = find_trigger(rel, names[i], fn);

			enabled[i] = (t != NULL && t->tgenabled != TRIGGER_DISABLED);
		}
		/* ALTER TABLE refuses a table this session still has open */
		relation_close(rel, NoLock);
		for (i = 0; i < lengthof(trigger_names); i++)
			if (enabled[i])
			{
				run_ddl("ALTER TABLE ONLY %s DISABLE TRIGGER %s", name, names[i]);
				changed = true;
			}
		if (changed)
			n++;
	}
	SPI_finish();
	PG_RETURN_INT32(n);
}


/*
 * Rename one argument of a row trigger in place, in pg_trigger: the key
 * names are all it holds, and DDL here (DROP and CREATE TRIGGER) would
 * need privileges and an idle table that RENAME COLUMN does not.
 */
static void
rename_trigger_arg(Oid relid, Oid tgoid, const char *oldname, const char *newname)
{
	Relation	tgrel = table_open(TriggerRelationId, RowExclusiveLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&key, Anum_pg_trigger_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(tgoid));
	scan = systable_beginscan(tgrel, TriggerOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		Form_pg_trigger trig = (Form_pg_trigger) GETSTRUCT(tup);
		bool		isnull;
		Datum		d = heap_getattr(tup, Anum_pg_trigger_tgargs, RelationGetDescr(tgrel), &isnull);
		bytea	   *old = DatumGetByteaPP(d);
		const char *p = VARDATA_ANY(old);
		const char *end = p + VARSIZE_ANY_EXHDR(old);
		StringInfoData args;
		bytea	   *new;
		Datum		values[Natts_pg_trigger] = {0};
		bool		nulls[Natts_pg_trigger] = {0};
		bool		replace[Natts_pg_trigger] = {0};
		HeapTuple	newtup;
		int			i;

		/* tgargs: the arguments, each ending with a zero byte */
		initStringInfo(&args);
		for (i = 0; i < trig->tgnargs && p < end; i++)
		{
			const char *arg = strcmp(p, oldname) == 0 ? newname : p;

			appendBinaryStringInfo(&args, arg, strlen(arg) + 1);
			p += strlen(p) + 1;
		}
		new = (bytea *) palloc(VARHDRSZ + args.len);
		SET_VARSIZE(new, VARHDRSZ + args.len);
		memcpy(VARDATA(new), args.data, args.len);
		values[Anum_pg_trigger_tgargs - 1] = PointerGetDatum(new);
		replace[Anum_pg_trigger_tgargs - 1] = true;
		newtup = heap_modify_tuple(tup, RelationGetDescr(tgrel), values, nulls, replace);
		CatalogTupleUpdate(tgrel, &newtup->t_self, newtup);
		CacheInvalidateRelcacheByRelid(relid);
	}
	systable_endscan(scan);
	table_close(tgrel, RowExclusiveLock);
}

/*
 * ALTER TABLE ... RENAME COLUMN renamed a column of relid (and of its
 * tree): where it was a key column, the row trigger names it anew (keys
 * are column names).  Other renames (ALTER TYPE ... RENAME ATTRIBUTE of
 * typed tables) leave the old name, which then names no column: readers
 * and writers alike count that key out.
 */
void
cachepg_watch_renamed_column(Oid relid, const char *oldname, const char *newname)
{
	Oid			fn = trigger_function();
	List	   *rels;
	ListCell   *lc;

	if (!OidIsValid(relid) || !OidIsValid(fn) || !OidIsValid(wanted_function()))
		return;
	rels = find_all_inheritors(relid, NoLock, NULL);
	foreach(lc, rels)
	{
		Relation	rel = relation_open(lfirst_oid(lc), NoLock);
		const Trigger *trig = find_trigger(rel, TRIG_ROWS, fn);
		Oid			tgoid = InvalidOid;
		int			i;

		for (i = 0; trig != NULL && i < trig->tgnargs; i++)
			if (strcmp(trig->tgargs[i], oldname) == 0)
				tgoid = trig->tgoid;
		relation_close(rel, NoLock);
		if (OidIsValid(tgoid))
			rename_trigger_arg(lfirst_oid(lc), tgoid, oldname, newname);
	}
	CommandCounterIncrement();
}

/* Install the callbacks; from _PG_init while preloading. */
void
cachepg_watch_init(void)
{
	CacheRegisterSyscacheCallback(PROCOID, proc_callback, (Datum) 0);
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(CLAOID, family_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AMPROCNUM, family_callback, (Datum) 0);
	/* a binary-coercible cast can give a type another default operator class */
	CacheRegisterSyscacheCallback(CASTSOURCETARGET, family_callback, (Datum) 0);
}
