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

#include "access/relation.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "marks.h"
#include "watch.h"

PG_FUNCTION_INFO_V1(cachepg_trigger);
PG_FUNCTION_INFO_V1(cachepg_watch);
PG_FUNCTION_INFO_V1(cachepg_unwatch);

static Oid	cached_trigger_fn = InvalidOid;

/*
 * The OID of our trigger function in this database (the cache_trigger()
 * that belongs to extension cachepg), or InvalidOid.
 */
static Oid
trigger_function(void)
{
	Oid			ext;
	Oid			result = InvalidOid;
	CatCList   *list;
	int			i;

	/* remembered until pg_proc changes: a miss checks it for every table */
	if (OidIsValid(cached_trigger_fn))
		return cached_trigger_fn;
	ext = get_extension_oid("cachepg", true);
	if (!OidIsValid(ext))
		return InvalidOid;
	list = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum("cache_trigger"));
	for (i = 0; i < list->n_members; i++)
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(&list->members[i]->tuple);

		if (proc->pronargs == 0 &&
			getExtensionOfObject(ProcedureRelationId, proc->oid) == ext)
		{
			result = proc->oid;
			break;
		}
	}
	ReleaseSysCacheList(list);
	cached_trigger_fn = result;
	return result;
}

static void
proc_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	cached_trigger_fn = InvalidOid;
}

#define TRIG_WRITE		"cachepg_write"
#define TRIG_TRUNCATE	"cachepg_truncate"
#define TRIG_REPLICA	"cachepg_replica"

/*
 * Our trigger of this name on rel: calling our function, BEFORE, for every
 * row or statement of the events it must see (no column list, no WHEN).
 */
static const Trigger *
find_trigger(Relation rel, const char *name, Oid fn)
{
	TriggerDesc *td = rel->trigdesc;
	int16		events = strcmp(name, TRIG_TRUNCATE) == 0 ? TRIGGER_TYPE_TRUNCATE :
		(TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE | TRIGGER_TYPE_DELETE);
	int			i;

	for (i = 0; td && i < td->numtriggers; i++)
	{
		const Trigger *t = &td->triggers[i];

		if (strcmp(t->tgname, name) == 0 && t->tgfoid == fn &&
			TRIGGER_FOR_BEFORE(t->tgtype) && (t->tgtype & events) == events &&
			t->tgnattr == 0 && t->tgqual == NULL)
			return t;
	}
	return NULL;
}

/*
 * Whether every write to rel reaches our trigger function: an enabled
 * BEFORE statement trigger for ordinary sessions, an ALWAYS truncate
 * trigger, and (tables holding rows) a row trigger for the replica role.
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
	if (t == NULL || TRIGGER_FOR_ROW(t->tgtype) ||
		(t->tgenabled != TRIGGER_FIRES_ON_ORIGIN && t->tgenabled != TRIGGER_FIRES_ALWAYS))
		return false;
	t = find_trigger(rel, TRIG_TRUNCATE, fn);
	if (t == NULL || t->tgenabled != TRIGGER_FIRES_ALWAYS)
		return false;
	if (rel->rd_rel->relkind == RELKIND_RELATION)
	{
		t = find_trigger(rel, TRIG_REPLICA, fn);
		if (t == NULL || !TRIGGER_FOR_ROW(t->tgtype) ||
			(t->tgenabled != TRIGGER_FIRES_ON_REPLICA && t->tgenabled != TRIGGER_FIRES_ALWAYS))
			return false;
	}
	return true;
}

/*
 * cache_trigger(): BEFORE statement (and, for the replica role, BEFORE row)
 * trigger on watched tables.  Marks the table and its ancestors before the
 * statement touches a row.  Runs whether or not cachepg.enabled is on.
 */
Datum
cachepg_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("cache_trigger() must be called as a trigger")));
	cachepg_mark_relation(RelationGetRelid(td->tg_relation));
	if (TRIGGER_FIRED_FOR_ROW(td->tg_event))
		return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ?
							   td->tg_newtuple : td->tg_trigtuple);
	return PointerGetDatum(NULL);
}

/* Run one utility statement built from a format (SPI is connected). */
static void
run_ddl(const char *fmt, const char *rel, const char *schema)
{
	char	   *sql = psprintf(fmt, rel, schema);

	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "cachepg: could not run \"%s\"", sql);
	pfree(sql);
}

/* Whether any of our triggers on rel is disabled: the owner unwatched it. */
static bool
opted_out(Relation rel, Oid fn)
{
	static const char *const names[] = {TRIG_WRITE, TRIG_TRUNCATE, TRIG_REPLICA};
	int			i;

	for (i = 0; i < lengthof(names); i++)
	{
		const Trigger *t = find_trigger(rel, names[i], fn);

		if (t && t->tgenabled == TRIGGER_DISABLED)
			return true;
	}
	return false;
}

/*
 * Install our triggers on relid alone where they are missing, and enable
 * them as required.  The caller has checked the privileges.  Unless
 * by_owner, a table whose owner disabled our triggers (cache_unwatch) is
 * left alone.  Returns whether anything had to be done.
 */
static bool
watch_one(Oid relid, Oid fn, const char *schema, bool by_owner)
{
	Relation	rel = relation_open(relid, ShareRowExclusiveLock);
	char	   *name;
	char		kind = rel->rd_rel->relkind;
	bool		has_write,
				has_trunc,
				has_repl;
	bool		skip;

	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
	{
		relation_close(rel, ShareRowExclusiveLock);
		return false;
	}
	skip = cachepg_relation_watched(rel) || (!by_owner && opted_out(rel, fn));
	has_write = find_trigger(rel, TRIG_WRITE, fn) != NULL;
	has_trunc = find_trigger(rel, TRIG_TRUNCATE, fn) != NULL;
	has_repl = find_trigger(rel, TRIG_REPLICA, fn) != NULL;
	name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									  RelationGetRelationName(rel));
	relation_close(rel, NoLock);
	if (skip)
		return false;

	schema = quote_identifier(schema);
	if (!has_write)
		run_ddl("CREATE TRIGGER " TRIG_WRITE " BEFORE INSERT OR UPDATE OR DELETE ON %s "
				"FOR EACH STATEMENT EXECUTE FUNCTION %s.cache_trigger()", name, schema);
	run_ddl("ALTER TABLE ONLY %s ENABLE TRIGGER " TRIG_WRITE, name, NULL);
	if (!has_trunc)
		run_ddl("CREATE TRIGGER " TRIG_TRUNCATE " BEFORE TRUNCATE ON %s "
				"FOR EACH STATEMENT EXECUTE FUNCTION %s.cache_trigger()", name, schema);
	run_ddl("ALTER TABLE ONLY %s ENABLE ALWAYS TRIGGER " TRIG_TRUNCATE, name, NULL);
	if (kind == RELKIND_RELATION)
	{
		if (!has_repl)
			run_ddl("CREATE TRIGGER " TRIG_REPLICA " BEFORE INSERT OR UPDATE OR DELETE ON %s "
					"FOR EACH ROW EXECUTE FUNCTION %s.cache_trigger()", name, schema);
		run_ddl("ALTER TABLE ONLY %s ENABLE REPLICA TRIGGER " TRIG_REPLICA, name, NULL);
	}
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
	Oid			fn = require_trigger_function();
	char	   *schema = get_namespace_name(get_func_namespace(fn));
	List	   *rels = tree_of(relid, by_owner);
	ListCell   *lc;
	int			n = 0;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	foreach(lc, rels)
		if (watch_one(lfirst_oid(lc), fn, schema, by_owner))
			n++;
	SPI_finish();
	return n;
}

/* cache_watch(regclass) RETURNS integer */
Datum
cachepg_watch(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(cachepg_watch_relation(PG_GETARG_OID(0), true));
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
		static const char *const names[] = {TRIG_WRITE, TRIG_TRUNCATE, TRIG_REPLICA};
		Relation	rel = relation_open(lfirst_oid(lc), NoLock);
		char	   *name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													  RelationGetRelationName(rel));
		bool		enabled[lengthof(names)];
		bool		changed = false;
		int			i;

		for (i = 0; i < lengthof(names); i++)
		{
			const Trigger *t = find_trigger(rel, names[i], fn);

			enabled[i] = (t != NULL && t->tgenabled != TRIGGER_DISABLED);
		}
		/* ALTER TABLE refuses a table this session still has open */
		relation_close(rel, NoLock);
		for (i = 0; i < lengthof(names); i++)
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


/* Install the callbacks; from _PG_init while preloading. */
void
cachepg_watch_init(void)
{
	CacheRegisterSyscacheCallback(PROCOID, proc_callback, (Datum) 0);
}
