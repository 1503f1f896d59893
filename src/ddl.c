/*
 * ddl.c
 *		What each DDL statement invalidates: utility and object-access hooks.
 *
 * Before a utility statement runs, the tables it changes are marked as
 * written (marks.c), exactly like a write; statements that cannot change
 * any query's result pass, and a target that cannot be told (a new name
 * that may shadow another through search_path, a function, anything not
 * recognised) marks the global slot, on which every entry depends.
 * Temporary objects change nothing another session can be served: no
 * mark.  Catalog changes that reach no recognisable statement come through
 * the object-access hook.  The same hook routes the privilege checks
 * PostgreSQL makes to deps.c's recorder.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parse_func.h"
#include "tcop/utility.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "deps.h"
#include "ddl.h"
#include "marks.h"
#include "twophase.h"
#include "watch.h"

static ProcessUtility_hook_type prev_utility = NULL;
static object_access_hook_type prev_object_access = NULL;

/* The database a DROP DATABASE under way drops. */
static Oid	dropping_db = InvalidOid;

/*
 * A CREATE ... IF NOT EXISTS under way: it marks only if it does create
 * something (object_access), so one that finds its object exists changes
 * nothing.  Saved and restored around each utility statement.
 */
static bool creating_if_missing = false;

/*
 * A new name can shadow another through search_path: everything, now, or
 * (IF NOT EXISTS) when the object is created.
 */
static void
mark_creation(bool if_not_exists)
{
	if (if_not_exists)
		creating_if_missing = true;
	else
		cachepg_mark_global();
}

static Oid
rv_relid(RangeVar *rv)
{
	return rv ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid;
}

/*
 * A temporary table, view, sequence or index: only this session sees it.
 * (A composite type in pg_temp may be used by permanent tables.)
 */
static bool
is_temp_relation(Oid relid)
{
	return OidIsValid(relid) && get_rel_persistence(relid) == RELPERSISTENCE_TEMP &&
		get_rel_relkind(relid) != RELKIND_COMPOSITE_TYPE;
}

/*
 * Mark a DDL target, or everything when it cannot be resolved.  A temporary
 * relation changes nothing any other session can be served: no mark (and
 * no slot taken).
 */
static void
mark_target(RangeVar *rv)
{
	Oid			relid = rv_relid(rv);

	if (is_temp_relation(relid))
		return;
	if (OidIsValid(relid))
		cachepg_mark_relation(relid);
	else
		cachepg_mark_global();
}

/* Whether a name list is qualified with pg_temp (this session's own). */
static bool
names_temp_schema(List *names)
{
	return list_length(names) >= 2 &&
		strcmp(strVal(list_nth(names, list_length(names) - 2)), "pg_temp") == 0;
}

/*
 * DROP: dropping only this session's temporary objects (or nothing that
 * exists) changes no shared result; anything else marks everything.
 * Dropping an index changes no result.
 */
static void
mark_drop(DropStmt *stmt)
{
	ListCell   *lc;

	switch (stmt->removeType)
	{
		case OBJECT_INDEX:
			return;
		case OBJECT_TRIGGER:
		case OBJECT_POLICY:
			/* (table name..., object name): only that table's results change */
			foreach(lc, stmt->objects)
			{
				List	   *names = lfirst(lc);

				mark_target(makeRangeVarFromNameList(list_truncate(list_copy(names),
																	list_length(names) - 1)));
			}
			return;
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_SEQUENCE:
		case OBJECT_FOREIGN_TABLE:
			foreach(lc, stmt->objects)
			{
				Oid			relid = RangeVarGetRelid(makeRangeVarFromNameList(lfirst(lc)),
													 NoLock, true);

				if (OidIsValid(relid) && !is_temp_relation(relid))
				{
					cachepg_mark_global();
					return;
				}
			}
			return;
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
		case OBJECT_AGGREGATE:
			foreach(lc, stmt->objects)
			{
				Oid			fn = LookupFuncWithArgs(stmt->removeType,
													lfirst_node(ObjectWithArgs, lc), true);

				if (OidIsValid(fn) && !isTempNamespace(get_func_namespace(fn)))
				{
					cachepg_mark_global();
					return;
				}
			}
			return;
		default:
			cachepg_mark_global();
			return;
	}
}

/*
 * Before a utility statement runs: mark what it can change.  Statements
 * that cannot change any query's result pass; a new non-temporary object
 * can shadow a name through search_path, so it marks everything, as does
 * anything not recognised.
 */
static void
before_utility(Node *tree)
{
	switch (nodeTag(tree))
	{
		case T_TransactionStmt:
		case T_VariableSetStmt:
		case T_VariableShowStmt:
		case T_ExplainStmt:
		case T_VacuumStmt:
		case T_CheckPointStmt:
		case T_NotifyStmt:
		case T_ListenStmt:
		case T_UnlistenStmt:
		case T_PrepareStmt:
		case T_ExecuteStmt:
		case T_DeallocateStmt:
		case T_DeclareCursorStmt:
		case T_FetchStmt:
		case T_ClosePortalStmt:
		case T_CopyStmt:		/* COPY FROM fires the write triggers */
		case T_TruncateStmt:	/* fires the truncate trigger */
		case T_LockStmt:
		case T_DiscardStmt:
		case T_DoStmt:
		case T_CallStmt:
		case T_ConstraintsSetStmt:
		case T_ReindexStmt:
		case T_ClusterStmt:
		case T_CommentStmt:
		case T_LoadStmt:
		case T_IndexStmt:
		case T_CreateRoleStmt:
		case T_AlterRoleSetStmt:
		case T_AlterSystemStmt:
		case T_CreatedbStmt:
		case T_AlterDatabaseSetStmt:
		case T_CreateExtensionStmt:	/* its script's statements come here */
		case T_AlterExtensionStmt:
		case T_SecLabelStmt:
		case T_CreateTableSpaceStmt:
		case T_AlterTableSpaceOptionsStmt:
		case T_CreateStatsStmt:
		case T_AlterStatsStmt:
		case T_AlterSeqStmt:	/* a sequence is never a dependency */
			break;
		case T_GrantStmt:

			/*
			 * Hits re-check privileges on tables, and on functions the
			 * executor calls.  But USAGE on schemas and EXECUTE on inlined
			 * functions are checked when a statement is analysed and
			 * planned, and a session reuses the plans of function bodies it
			 * ran before, so a load may not have seen those checks: a
			 * change to them (and to what a function's search path skips)
			 * marks everything.
			 */
			switch (((GrantStmt *) tree)->objtype)
			{
				case OBJECT_SCHEMA:
				case OBJECT_FUNCTION:
				case OBJECT_PROCEDURE:
				case OBJECT_ROUTINE:
				case OBJECT_PARAMETER_ACL:	/* a function's SET clause */
					cachepg_mark_global();
					break;
				default:
					break;
			}
			break;
		case T_GrantRoleStmt:
		case T_AlterRoleStmt:	/* INHERIT, SUPERUSER, BYPASSRLS */
			cachepg_mark_global();	/* memberships carry the above too */
			break;
		case T_CreateStmt:
			if (((CreateStmt *) tree)->relation->relpersistence != RELPERSISTENCE_TEMP)
				mark_creation(((CreateStmt *) tree)->if_not_exists);
			break;
		case T_CreateSeqStmt:
			if (((CreateSeqStmt *) tree)->sequence->relpersistence != RELPERSISTENCE_TEMP)
				mark_creation(((CreateSeqStmt *) tree)->if_not_exists);
			break;
		case T_CreateSchemaStmt:
			mark_creation(((CreateSchemaStmt *) tree)->if_not_exists);
			break;
		case T_ViewStmt:
			break;				/* after it ran: it may turn out temporary */
		case T_RuleStmt:
			if (!is_temp_relation(rv_relid(((RuleStmt *) tree)->relation)))
				cachepg_mark_global();
			break;
		case T_CreateFunctionStmt:
			/* a permanent view may call a pg_temp function: replacing one counts */
			if (!names_temp_schema(((CreateFunctionStmt *) tree)->funcname) ||
				((CreateFunctionStmt *) tree)->replace)
				cachepg_mark_global();
			break;
		case T_DropStmt:
			mark_drop((DropStmt *) tree);
			break;
		case T_DropdbStmt:
			dropping_db = get_database_oid(((DropdbStmt *) tree)->dbname, true);
			break;
		case T_CreateTableAsStmt:
			if (((CreateTableAsStmt *) tree)->into->rel->relpersistence != RELPERSISTENCE_TEMP)
				mark_creation(((CreateTableAsStmt *) tree)->if_not_exists);
			break;
		case T_RefreshMatViewStmt:
			mark_target(((RefreshMatViewStmt *) tree)->relation);
			break;
		case T_AlterTableStmt:
			{
				AlterTableStmt *at = (AlterTableStmt *) tree;
				ListCell   *lc;

				if (is_temp_relation(rv_relid(at->relation)))
					break;		/* a temporary child changes only this session */
				if (at->objtype == OBJECT_TYPE)
				{
					/*
					 * CASCADE alters the typed tables and the columns of that
					 * type too, and inlined functions may have folded a value
					 * of the type away: everything.
					 */
					cachepg_mark_global();
					break;
				}
				mark_target(at->relation);
				foreach(lc, at->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (cmd->subtype == AT_AttachPartition ||
						cmd->subtype == AT_DetachPartition ||
						cmd->subtype == AT_DetachPartitionFinalize)
						mark_target(((PartitionCmd *) cmd->def)->name);
					else if (cmd->subtype == AT_AddInherit ||
							 cmd->subtype == AT_DropInherit)
						mark_target((RangeVar *) cmd->def);	/* the parent */
				}
				break;
			}
		case T_RenameStmt:
			{
				RenameStmt *rs = (RenameStmt *) tree;

				/* a column rename changes only its table's results */
				if (rs->relation && is_temp_relation(rv_relid(rs->relation)))
					break;
				if (rs->relation && (rs->renameType == OBJECT_COLUMN ||
									 rs->renameType == OBJECT_TABCONSTRAINT ||
									 rs->renameType == OBJECT_TRIGGER ||
									 rs->renameType == OBJECT_POLICY))
					mark_target(rs->relation);
				else
				{
					/* the new name may shadow another through search_path */
					cachepg_mark_global();
				}
				break;
			}
		case T_CreateTrigStmt:
			mark_target(((CreateTrigStmt *) tree)->relation);
			break;
		case T_CreatePolicyStmt:
			mark_target(((CreatePolicyStmt *) tree)->table);
			break;
		case T_AlterPolicyStmt:
			mark_target(((AlterPolicyStmt *) tree)->table);
			break;
		default:
			cachepg_mark_global();
			break;
	}
}

/*
 * Whether a direct parent of relid is watched: a new child of a watched
 * table (created, attached or inherited later) gets our triggers at once,
 * in the transaction that made it a child.
 */
static void
watch_new_child(Oid relid)
{
	List	   *parents;
	ListCell   *lc;

	if (!OidIsValid(relid) || is_temp_relation(relid))
		return;					/* nobody else reads through a temporary child */
	parents = cachepg_relation_ancestors(relid);
	foreach(lc, parents)
	{
		Relation	rel = relation_open(lfirst_oid(lc), AccessShareLock);
		bool		watched = cachepg_relation_watched(rel);

		relation_close(rel, AccessShareLock);
		if (watched)
		{
			cachepg_watch_relation(relid, false);
			return;
		}
	}
}

static void
after_utility(Node *tree)
{
	switch (nodeTag(tree))
	{
		case T_TransactionStmt:
			{
				TransactionStmt *ts = (TransactionStmt *) tree;

				if (ts->kind == TRANS_STMT_COMMIT_PREPARED ||
					ts->kind == TRANS_STMT_ROLLBACK_PREPARED)
					cachepg_twophase_sweep();
				break;
			}
		case T_ViewStmt:

			/*
			 * A new or replaced view may shadow a name through search_path;
			 * one over temporary tables is temporary even without TEMP.  A
			 * mark made before commit is as good as one made before the
			 * statement: loads that read the generation earlier see it
			 * move, later ones see the writer in flight.
			 */
			if (!is_temp_relation(rv_relid(((ViewStmt *) tree)->view)))
				cachepg_mark_global();
			break;
		case T_RenameStmt:
			{
				RenameStmt *rs = (RenameStmt *) tree;

				/* a key column keeps being one under its new name */
				if (rs->renameType == OBJECT_COLUMN && rs->relation &&
					(rs->relationType == OBJECT_TABLE ||
					 rs->relationType == OBJECT_FOREIGN_TABLE))
					cachepg_watch_renamed_column(rv_relid(rs->relation), rs->subname,
												 rs->newname);
				break;
			}
		case T_DropdbStmt:
			if (OidIsValid(dropping_db))
				cachepg_marks_free_database(dropping_db);
			dropping_db = InvalidOid;
			break;
		case T_CreateStmt:
			{
				CreateStmt *cs = (CreateStmt *) tree;

				if (cs->inhRelations != NIL || cs->partbound != NULL)
					watch_new_child(rv_relid(cs->relation));
				break;
			}
		case T_AlterTableStmt:
			{
				AlterTableStmt *at = (AlterTableStmt *) tree;
				ListCell   *lc;

				foreach(lc, at->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (cmd->subtype == AT_AttachPartition)
						watch_new_child(rv_relid(((PartitionCmd *) cmd->def)->name));
					else if (cmd->subtype == AT_AddInherit)
						watch_new_child(rv_relid(at->relation));
				}
				break;
			}
		default:
			break;
	}
}

static void
utility_hook(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
			 ProcessUtilityContext context, ParamListInfo params,
			 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *tree = pstmt->utilityStmt;
	bool		active = IsUnderPostmaster && !RecoveryInProgress();
	bool		outer_creating = creating_if_missing;

	creating_if_missing = false;
	PG_TRY();
	{
		if (active)
			before_utility(tree);
		if (prev_utility)
			prev_utility(pstmt, queryString, readOnlyTree, context, params,
						 queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
		if (active)
			after_utility(tree);
	}
	PG_FINALLY();
	{
		creating_if_missing = outer_creating;
	}
	PG_END_TRY();
}

/*
 * Whether a new or changed function or relation lives in this session's
 * temporary schema (no other session can use it).  Read with SnapshotSelf:
 * at OAT_POST_CREATE the new row is not visible to the catalog caches yet.
 */
static bool
object_is_temp(Oid classId, Oid objectId)
{
	bool		is_proc = (classId == ProcedureRelationId);
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		temp = false;
	Oid			tempns,
				temptoastns;

	GetTempNamespaceState(&tempns, &temptoastns);
	if (!OidIsValid(tempns))
		return false;
	rel = table_open(classId, AccessShareLock);
	ScanKeyInit(&key, is_proc ? Anum_pg_proc_oid : Anum_pg_class_oid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(objectId));
	scan = systable_beginscan(rel, is_proc ? ProcedureOidIndexId : ClassOidIndexId,
							  true, SnapshotSelf, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		temp = isTempNamespace(is_proc ? ((Form_pg_proc) GETSTRUCT(tup))->pronamespace :
							   ((Form_pg_class) GETSTRUCT(tup))->relnamespace);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return temp;
}

/*
 * Whether a relation just created (read with SnapshotSelf: its row is not
 * visible to the catalog caches yet) takes a name that a relation or type
 * of another schema has: then it can shadow that one through search_path,
 * whatever statement created it (CREATE INDEX, EXPLAIN ANALYZE CREATE
 * TABLE AS, ...).
 */
static bool
new_relation_shadows(Oid relid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	NameData	name;
	Oid			nsp = InvalidOid;
	bool		shadows = false;
	int			i;
	static const struct
	{
		Oid			catalog;
		Oid			index;
		AttrNumber	nameatt;
		AttrNumber	nspatt;
	}			names[] = {
		{RelationRelationId, ClassNameNspIndexId, Anum_pg_class_relname, Anum_pg_class_relnamespace},
		{TypeRelationId, TypeNameNspIndexId, Anum_pg_type_typname, Anum_pg_type_typnamespace},
	};

	rel = table_open(RelationRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_class_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, ClassOidIndexId, true, SnapshotSelf, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);

		if (form->relkind != RELKIND_TOASTVALUE && !isTempNamespace(form->relnamespace))
		{
			name = form->relname;
			nsp = form->relnamespace;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!OidIsValid(nsp))
		return false;

	for (i = 0; i < lengthof(names) && !shadows; i++)
	{
		rel = table_open(names[i].catalog, AccessShareLock);
		ScanKeyInit(&key, names[i].nameatt, BTEqualStrategyNumber, F_NAMEEQ,
					NameGetDatum(&name));
		scan = systable_beginscan(rel, names[i].index, true, NULL, 1, &key);
		while (!shadows && (tup = systable_getnext(scan)) != NULL)
		{
			bool		isnull;
			Oid			other = DatumGetObjectId(heap_getattr(tup, names[i].nspatt,
															  RelationGetDescr(rel), &isnull));

			shadows = (other != nsp && !isTempNamespace(other));
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
	}
	return shadows;
}

/*
 * Object access: catalog changes to relations that reach us without a
 * recognisable utility statement mark the relation; any change to a
 * function (CREATE OR REPLACE, ALTER, DROP) marks everything, since
 * entries do not record which of them an inlined body came from.
 */
static void
object_access(ObjectAccessType access, Oid classId, Oid objectId, int subId,
			  void *arg)
{
	if (prev_object_access)
		prev_object_access(access, classId, objectId, subId, arg);
	if (access == OAT_NAMESPACE_SEARCH)
	{
		/*
		 * A schema passed its USAGE check, for an explicitly qualified name
		 * or for a search path being computed (a function's own SET
		 * search_path, say) (deps.c)
		 */
		cachepg_checks_note(PRIV_SCHEMA, objectId);
		return;
	}
	if (access == OAT_FUNCTION_EXECUTE)
	{
		/* the executor granted EXECUTE on a function (deps.c) */
		cachepg_checks_note(PRIV_FUNCTION, objectId);
		return;
	}
	if (!IsUnderPostmaster || !cachepg_marks_can_mark())
		return;
	if (access == OAT_POST_CREATE &&
		((classId == NamespaceRelationId && creating_if_missing) ||
		 (classId == RelationRelationId &&
		  ((creating_if_missing && !object_is_temp(classId, objectId)) ||
		   new_relation_shadows(objectId)))))
	{
		/*
		 * A CREATE ... IF NOT EXISTS did create (as if marked before it),
		 * or any statement made a relation whose name another schema's
		 * relation or type has.
		 */
		cachepg_mark_global();
		return;
	}
	if (classId == RelationRelationId && access == OAT_DROP)
	{
		/* only a relation some result was computed from has a slot */
		cachepg_marks_note_drop(objectId);
	}
	else if (classId == RelationRelationId && access == OAT_POST_ALTER &&
			 !((ObjectAccessPostAlter *) arg)->is_internal)
	{
		/*
		 * Internal alters are the file swaps of VACUUM FULL and CLUSTER
		 * (same rows) or part of a statement the utility hook marked.
		 * Indexes, sequences, TOAST and temporary relations are never a
		 * dependency.
		 */
		char		kind = get_rel_relkind(objectId);

		if ((kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE ||
			 kind == RELKIND_VIEW || kind == RELKIND_MATVIEW ||
			 kind == RELKIND_FOREIGN_TABLE) &&
			get_rel_persistence(objectId) != RELPERSISTENCE_TEMP)
			cachepg_mark_relation(objectId);
	}
	else if (classId == ProcedureRelationId &&
			 (access == OAT_POST_CREATE || access == OAT_POST_ALTER || access == OAT_DROP) &&
			 !object_is_temp(classId, objectId))
		cachepg_mark_global();
}

/* Install the hooks; from _PG_init while preloading. */
void
cachepg_ddl_init(void)
{
	prev_utility = ProcessUtility_hook;
	ProcessUtility_hook = utility_hook;
	prev_object_access = object_access_hook;
	object_access_hook = object_access;
}
