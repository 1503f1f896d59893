/*
 * ddl.c
 *		What each DDL statement invalidates: utility and object-access hooks.
 *
 * Before a utility statement runs, the tables it changes are marked as
 * written (marks.c), exactly like a write; statements that cannot change
 * any query's result pass.  Relations, types, functions, operators and
 * schemas are marked through the object-access hook as PostgreSQL creates,
 * changes, renames or drops each of them (cascades included): their names
 * (MARK_NAME, old and new), and for relations their tables.  So a statement
 * that changes nothing (IF [NOT] EXISTS that skips) marks nothing, a new
 * object marks only its name in its schema, and a replaced function only
 * the results that used a function of that name.  Only a target that
 * cannot be told (operator classes, casts, collations, a function other
 * objects are built on, anything not recognised) marks the database's
 * global slot, and changes to roles the global slot of every database.
 * Temporary objects change nothing another session can be served: no
 * mark.  The same hook routes the privilege checks PostgreSQL makes to
 * deps.c's recorder.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "utils/syscache.h"
#include "catalog/dependency.h"
#include "catalog/pg_auth_members.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_depend.h"
#include "catalog/objectaddress.h"
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
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "deps.h"
#include "store.h"
#include "ddl.h"
#include "marks.h"
#include "twophase.h"
#include "watch.h"

static ProcessUtility_hook_type prev_utility = NULL;
static object_access_hook_type prev_object_access = NULL;

/* The database a DROP DATABASE under way drops. */
static Oid	dropping_db = InvalidOid;

/*
 * Temporary tables this session made children of permanent ones (in
 * TopMemoryContext): reading the parent here reads the child too, which no
 * other session does, so while one of them still exists and is such a
 * child, this session is served no entry.
 */
static List *temp_children = NIL;

static bool temp_child_of_permanent(Oid relid);

static void
note_temp_child(Oid relid)
{
	(void) cachepg_session_has_temp_children();	/* forget those gone */
	if (temp_child_of_permanent(relid))
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		temp_children = list_append_unique_oid(temp_children, relid);
		MemoryContextSwitchTo(old);
	}
}

/*
 * Whether this session has a temporary child of a permanent table now:
 * those it made that are gone (dropped, discarded, rolled back) or no
 * longer children are forgotten.
 */
bool
cachepg_session_has_temp_children(void)
{
	ListCell   *lc;

	foreach(lc, temp_children)
	{
		Oid			relid = lfirst_oid(lc);

		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)) ||
			!temp_child_of_permanent(relid))
			temp_children = foreach_delete_current(temp_children, lc);
	}
	return temp_children != NIL;
}

/* Whether relid is a temporary table with a permanent ancestor. */
static bool
temp_child_of_permanent(Oid relid)
{
	List	   *parents;
	ListCell   *lc;

	if (!OidIsValid(relid) || get_rel_persistence(relid) != RELPERSISTENCE_TEMP)
		return false;
	parents = cachepg_relation_ancestors(relid);
	foreach(lc, parents)
		if (get_rel_persistence(lfirst_oid(lc)) != RELPERSISTENCE_TEMP)
			return true;
	return false;
}

/* The roles a DROP ROLE under way drops (in TopMemoryContext). */
static List *dropped_roles = NIL;

/* An entry of the database given by arg. */
static bool
database_match(const CacheEntryInfo *info, const char *blob, Size size, void *arg)
{
	return info->dbid == *(Oid *) arg;
}

/* An entry computed as a role given by arg (any database). */
static bool
role_match(const CacheEntryInfo *info, const char *blob, Size size, void *arg)
{
	return info->roleid == *(Oid *) arg;
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
 * Mark a DDL target.  A temporary relation changes nothing any other
 * session can be served: no mark (and no slot taken).  Nor does a relation
 * that does not exist (the statement fails, or skips under IF EXISTS); one
 * made meanwhile is marked by object_access as the statement changes it.
 */
static void
mark_target(RangeVar *rv)
{
	Oid			relid = rv_relid(rv);
	char		kind = OidIsValid(relid) ? get_rel_relkind(relid) : '\0';

	/* an index (ALTER INDEX ... ATTACH PARTITION) is never a dependency */
	if (OidIsValid(relid) && !is_temp_relation(relid) &&
		kind != RELKIND_INDEX && kind != RELKIND_PARTITIONED_INDEX)
		cachepg_mark_relation(relid);
}

/*
 * The objects whose names object_access marks when they are created,
 * changed or moved to another schema.
 */
static bool
named_by_hook(ObjectType type)
{
	switch (type)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_SEQUENCE:
		case OBJECT_FOREIGN_TABLE:
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
		case OBJECT_AGGREGATE:
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
		case OBJECT_OPERATOR:
		case OBJECT_SCHEMA:
			return true;
		default:
			return false;
	}
}

/*
 * DROP: the objects the hook sees dropped (object_access) are marked as
 * they go, so dropping nothing that exists marks nothing; triggers,
 * policies and rules mark their table; anything else, everything in this
 * database.
 */
static void
mark_drop(DropStmt *stmt)
{
	ListCell   *lc;

	if (named_by_hook(stmt->removeType) || stmt->removeType == OBJECT_INDEX ||
		stmt->removeType == OBJECT_STATISTIC_EXT)
		return;					/* object_access */
	switch (stmt->removeType)
	{
		case OBJECT_TRIGGER:
		case OBJECT_RULE:
		case OBJECT_POLICY:
			/* (table name..., object name): only that table's results change */
			foreach(lc, stmt->objects)
			{
				List	   *names = lfirst(lc);

				mark_target(makeRangeVarFromNameList(list_truncate(list_copy(names),
																	list_length(names) - 1)));
			}
			return;
		default:
			cachepg_mark_global();
			return;
	}
}

/*
 * Whether an ALTER TABLE changes anything: not when each of its commands
 * is an ADD COLUMN IF NOT EXISTS of a column the table has, or a DROP
 * COLUMN or DROP CONSTRAINT IF EXISTS of one it has not (as migrations run
 * at every start); PostgreSQL then skips them without touching the table.
 */
static bool
alter_changes(AlterTableStmt *at)
{
	Oid			relid = rv_relid(at->relation);
	ListCell   *lc;

	if (!OidIsValid(relid))
		return true;
	foreach(lc, at->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->subtype == AT_AddColumn && cmd->missing_ok &&
			get_attnum(relid, ((ColumnDef *) cmd->def)->colname) != InvalidAttrNumber)
			continue;
		if (cmd->subtype == AT_DropColumn && cmd->missing_ok &&
			get_attnum(relid, cmd->name) == InvalidAttrNumber)
			continue;
		if (cmd->subtype == AT_DropConstraint && cmd->missing_ok &&
			!OidIsValid(get_relation_constraint_oid(relid, cmd->name, true)))
			continue;
		return true;
	}
	return false;
}

/* Whether a role is a member of another or has members. */
static bool
role_has_memberships(Oid role)
{
	bool		found = false;
	int			i;
	static const struct
	{
		AttrNumber	att;
		Oid			index;
	}			keys[] = {
		{Anum_pg_auth_members_roleid, AuthMemRoleMemIndexId},
		{Anum_pg_auth_members_member, AuthMemMemRoleIndexId},
	};

	for (i = 0; i < lengthof(keys) && !found; i++)
	{
		Relation	rel = table_open(AuthMemRelationId, AccessShareLock);
		ScanKeyData key;
		SysScanDesc scan;

		ScanKeyInit(&key, keys[i].att, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(role));
		scan = systable_beginscan(rel, keys[i].index, true, NULL, 1, &key);
		found = HeapTupleIsValid(systable_getnext(scan));
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
	}
	return found;
}

/* The renames object_access sees, with the object's old and new names. */
static bool
renamed_by_hook(ObjectType type)
{
	/* an attribute of a composite type: its type's relation is altered */
	return named_by_hook(type) || type == OBJECT_INDEX || type == OBJECT_ATTRIBUTE;
}

/*
 * GRANT and REVOKE: hits re-check privileges on tables, and on functions
 * the executor calls.  But USAGE on schemas and EXECUTE on inlined
 * functions are checked when a statement is analysed and planned, and a
 * session reuses the plans of function bodies it ran before, so a load may
 * not have seen those checks: a change to them marks the schema's or the
 * function's name (every result that used an object of that schema, or a
 * function of that name).  A parameter's privileges (a function's SET
 * clause) are the whole cluster's.
 */
static void
mark_grant(GrantStmt *stmt)
{
	ListCell   *lc;

	switch (stmt->objtype)
	{
		case OBJECT_SCHEMA:
			foreach(lc, stmt->objects)
				cachepg_mark_name(InvalidOid, strVal(lfirst(lc)));
			break;
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
			if (stmt->targtype == ACL_TARGET_ALL_IN_SCHEMA)
			{
				foreach(lc, stmt->objects)
					cachepg_mark_name(InvalidOid, strVal(lfirst(lc)));
			}
			else if (stmt->targtype == ACL_TARGET_OBJECT)
			{
				foreach(lc, stmt->objects)
				{
					Oid			fn = LookupFuncWithArgs(stmt->objtype,
														lfirst_node(ObjectWithArgs, lc), true);

					if (OidIsValid(fn))
						cachepg_mark_name(get_func_namespace(fn), get_func_name(fn));
				}
			}
			else
				cachepg_mark_global();
			break;
		case OBJECT_PARAMETER_ACL:
			cachepg_mark_cluster();
			break;
		default:
			break;
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
			mark_grant((GrantStmt *) tree);
			break;
		case T_GrantRoleStmt:
		case T_AlterRoleStmt:	/* INHERIT, SUPERUSER, BYPASSRLS */
			cachepg_mark_cluster(); /* memberships carry the above too */
			break;
		case T_AlterDefaultPrivilegesStmt:	/* only objects made later */
			break;
		case T_DropRoleStmt:
			{
				ListCell   *lc;

				/*
				 * Their entries go once the roles are gone (after_utility).
				 * A role that is a member or has members takes memberships
				 * away with it: privileges change in every database.
				 */
				list_free(dropped_roles);
				dropped_roles = NIL;
				foreach(lc, ((DropRoleStmt *) tree)->roles)
				{
					Oid			role = get_rolespec_oid(lfirst(lc), true);
					MemoryContext old;

					if (!OidIsValid(role))
						continue;
					if (role_has_memberships(role))
						cachepg_mark_cluster();
					old = MemoryContextSwitchTo(TopMemoryContext);
					dropped_roles = lappend_oid(dropped_roles, role);
					MemoryContextSwitchTo(old);
				}
				break;
			}
		case T_ReassignOwnedStmt:	/* databases too: pg_database_owner */
			cachepg_mark_cluster();
			break;
		case T_CreateStmt:
		case T_CreateSeqStmt:
		case T_CreateSchemaStmt:
		case T_CreateTableAsStmt:
		case T_CreateFunctionStmt:
		case T_AlterFunctionStmt:
		case T_CompositeTypeStmt:
		case T_CreateEnumStmt:
		case T_CreateRangeStmt:
		case T_CreateDomainStmt:
		case T_AlterEnumStmt:
		case T_AlterOperatorStmt:
		case T_AlterTypeStmt:
		case T_ViewStmt:		/* and after it ran (after_utility) */
			break;				/* object_access marks what they make or change */
		case T_AlterObjectSchemaStmt:
			if (!named_by_hook(((AlterObjectSchemaStmt *) tree)->objectType))
				cachepg_mark_global();	/* collations, text search, ... */
			break;
		case T_AlterOwnerStmt:
			if (((AlterOwnerStmt *) tree)->objectType == OBJECT_DATABASE)
				cachepg_mark_cluster(); /* pg_database_owner's members */
			else if (!named_by_hook(((AlterOwnerStmt *) tree)->objectType))
				cachepg_mark_global();
			break;
		case T_DefineStmt:
			switch (((DefineStmt *) tree)->kind)
			{
				case OBJECT_AGGREGATE:
				case OBJECT_OPERATOR:
				case OBJECT_TYPE:
					break;		/* object_access */
				default:
					cachepg_mark_global();	/* collations, text search */
					break;
			}
			break;
		case T_RuleStmt:
			mark_target(((RuleStmt *) tree)->relation);
			break;
		case T_DropStmt:
			mark_drop((DropStmt *) tree);
			break;
		case T_DropdbStmt:
			dropping_db = get_database_oid(((DropdbStmt *) tree)->dbname, true);
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
				if (alter_changes(at))
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
				else if (rs->renameType == OBJECT_ROLE ||
						 rs->renameType == OBJECT_DATABASE)
					cachepg_mark_cluster(); /* current_user, current_database() */
				else if (!renamed_by_hook(rs->renameType))
					cachepg_mark_global();
				/* else object_access marks the old name and the new */
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
			 * A replaced view changes what reads through it (a new one was
			 * marked by name as it was made); one over temporary tables is
			 * temporary even without TEMP.  A mark made before commit is as
			 * good as one made before the statement: loads that read the
			 * generation earlier see it move, later ones see the writer in
			 * flight.
			 */
			{
				Oid			view = rv_relid(((ViewStmt *) tree)->view);

				if (OidIsValid(view) && !is_temp_relation(view))
				{
					cachepg_mark_relation_ddl(view);
					cachepg_mark_name(get_rel_namespace(view), get_rel_name(view));
				}
				break;
			}
		case T_DropRoleStmt:
			{
				ListCell   *lc;

				/* nobody can be served their entries any more: free them */
				foreach(lc, dropped_roles)
					cachepg_remove_matching(role_match, &lfirst_oid(lc));
				list_free(dropped_roles);
				dropped_roles = NIL;
				break;
			}
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
			{
				/* a database made later may take its OID: nothing is left */
				cachepg_marks_free_database(dropping_db);
				cachepg_remove_matching(database_match, &dropping_db);
			}
			dropping_db = InvalidOid;
			break;
		case T_CreateStmt:
			{
				CreateStmt *cs = (CreateStmt *) tree;

				if (cs->inhRelations != NIL || cs->partbound != NULL)
				{
					Oid			child = rv_relid(cs->relation);

					note_temp_child(child);
					watch_new_child(child);
				}
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
					{
						note_temp_child(rv_relid(at->relation));
						watch_new_child(rv_relid(at->relation));
					}
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

/*
 * The schema and name of a catalog object (schema InvalidOid for a schema
 * itself) as snapshot sees it: SnapshotSelf as this command leaves it, NULL
 * (the catalog snapshot) as it was before this command.  False when it has
 * none.
 */
static bool
object_name(Oid classId, Oid objectId, Snapshot snapshot, Oid *nspid,
			NameData *name)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;
	AttrNumber	nspatt = get_object_attnum_namespace(classId);

	rel = table_open(classId, AccessShareLock);
	ScanKeyInit(&key, get_object_attnum_oid(classId), BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(objectId));
	scan = systable_beginscan(rel, get_object_oid_index(classId), true,
							  snapshot, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, get_object_attnum_name(classId),
									 RelationGetDescr(rel), &isnull);

		if (!isnull)
		{
			namestrcpy(name, NameStr(*DatumGetName(d)));
			*nspid = InvalidOid;
			if (nspatt != InvalidAttrNumber)
			{
				d = heap_getattr(tup, nspatt, RelationGetDescr(rel), &isnull);
				if (!isnull)
					*nspid = DatumGetObjectId(d);
			}
			found = true;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/* Whether a schema name is a temporary schema's (pg_temp_N, pg_toast_temp_N). */
static bool
temp_schema_name(const char *name)
{
	return strncmp(name, "pg_temp_", 8) == 0 || strncmp(name, "pg_toast_temp_", 14) == 0;
}

/*
 * Mark the name of an object as snapshot sees it (object_name), unless it
 * is a temporary object (or a temporary schema): no other session can find
 * it.
 */
static void
mark_object_name(Oid classId, Oid objectId, Snapshot snapshot)
{
	Oid			nspid;
	NameData	name;

	if (!object_name(classId, objectId, snapshot, &nspid, &name))
		return;
	if (OidIsValid(nspid) ? isAnyTempNamespace(nspid) : temp_schema_name(NameStr(name)))
		return;
	cachepg_mark_name(nspid, NameStr(name));
}

/*
 * Whether other catalog objects are built on a function (a type's I/O, a
 * cast, an operator class's support, a domain's or a table's CHECK): a
 * change to it may change results that never name it.  Calls, operators,
 * aggregates and views name it (their results record its name).
 */
static bool
function_built_on(Oid funcid)
{
	Relation	rel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		built_on = false;

	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(ProcedureRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(funcid));
	scan = systable_beginscan(rel, DependReferenceIndexId, true, NULL, 2, key);
	while (!built_on && (tup = systable_getnext(scan)) != NULL)
	{
		Oid			dependent = ((Form_pg_depend) GETSTRUCT(tup))->classid;

		built_on = !(dependent == ProcedureRelationId ||
					 dependent == OperatorRelationId ||
					 dependent == RewriteRelationId ||
					 dependent == TriggerRelationId ||
					 dependent == AttrDefaultRelationId);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return built_on;
}

/*
 * A catalog row as this command leaves it (SnapshotSelf: an object just
 * created is not in the catalog caches yet), copied; NULL when none.
 */
static HeapTuple
row_as_left(Oid classId, Oid objectId)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	rel = table_open(classId, AccessShareLock);
	ScanKeyInit(&key, get_object_attnum_oid(classId), BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(objectId));
	scan = systable_beginscan(rel, get_object_oid_index(classId), true,
							  SnapshotSelf, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		tup = heap_copytuple(tup);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return tup;
}

/* A relation's kind as this command leaves it; '\0' when none. */
static char
relation_kind(Oid relid)
{
	HeapTuple	tup = row_as_left(RelationRelationId, relid);

	return tup ? ((Form_pg_class) GETSTRUCT(tup))->relkind : '\0';
}

/*
 * Mark the name of a relation (an index) as this command leaves it, if
 * another schema has a relation or type of that name, which it may hide
 * through the search path.
 */
static void
mark_shadowing_name(Oid relid)
{
	Oid			nspid;
	NameData	name;
	int			i;
	bool		shadows = false;
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

	if (!object_name(RelationRelationId, relid, SnapshotSelf, &nspid, &name) ||
		isAnyTempNamespace(nspid))
		return;
	for (i = 0; i < lengthof(names) && !shadows; i++)
	{
		Relation	rel = table_open(names[i].catalog, AccessShareLock);
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tup;

		ScanKeyInit(&key, names[i].nameatt, BTEqualStrategyNumber, F_NAMEEQ,
					NameGetDatum(&name));
		scan = systable_beginscan(rel, names[i].index, true, NULL, 1, &key);
		while (!shadows && (tup = systable_getnext(scan)) != NULL)
		{
			bool		isnull;
			Oid			other = DatumGetObjectId(heap_getattr(tup, names[i].nspatt,
															  RelationGetDescr(rel), &isnull));

			shadows = (other != nspid && !isTempNamespace(other));
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
	}
	if (shadows)
		cachepg_mark_name(nspid, NameStr(name));
}

/*
 * Whether a type just created (read with SnapshotSelf) is a relation's row
 * type or the array type of one: the relation's own creation marks the
 * name (and is internal for the transient heaps of CLUSTER and the like).
 */
static bool
relation_type(Oid typid)
{
	HeapTuple	tup = row_as_left(TypeRelationId, typid);
	Form_pg_type t;

	if (tup == NULL)
		return false;
	t = (Form_pg_type) GETSTRUCT(tup);
	return OidIsValid(t->typrelid) ||
		(OidIsValid(t->typelem) && t->typelem != typid && relation_type(t->typelem));
}

/* The relations whose changes change what reads them. */
static bool
relation_read(Oid relid)
{
	char		kind = get_rel_relkind(relid);

	return (kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE ||
			kind == RELKIND_VIEW || kind == RELKIND_MATVIEW ||
			kind == RELKIND_FOREIGN_TABLE) &&
		get_rel_persistence(relid) != RELPERSISTENCE_TEMP;
}

/*
 * Object access: relations, types, functions, operators and schemas mark
 * their names as PostgreSQL creates, alters (renames included: the old
 * name and the new) and drops each of them, cascades included; relations
 * also mark their tables (a drop with its ancestors, whose results read
 * its rows).  A function other objects are built on marks everything in
 * this database.
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
	if (classId != RelationRelationId && classId != TypeRelationId &&
		classId != ProcedureRelationId && classId != OperatorRelationId &&
		classId != NamespaceRelationId)
		return;

	/*
	 * TOAST tables resolve no name in a query.  An index matters only when
	 * its name hides another schema's relation or type through the search
	 * path (the query then fails): a new or renamed one that does marks
	 * its name, others mark nothing, and a dropped one nothing (no entry
	 * was computed through it).  A regclass constant naming one depends on
	 * every name (deps.c).
	 */
	if (classId == RelationRelationId)
	{
		char		kind = relation_kind(objectId);

		if (kind == RELKIND_TOASTVALUE)
			return;
		if (kind == RELKIND_INDEX || kind == RELKIND_PARTITIONED_INDEX)
		{
			if (access == OAT_POST_CREATE || access == OAT_POST_ALTER)
				mark_shadowing_name(objectId);
			return;
		}
	}

	switch (access)
	{
		case OAT_POST_CREATE:

			/*
			 * Internal objects are the transient heaps of CLUSTER, VACUUM
			 * FULL and REFRESH MATERIALIZED VIEW and the like, never found
			 * by a name a query wrote.
			 */
			if (arg != NULL && ((ObjectAccessPostCreate *) arg)->is_internal)
				break;
			if (classId == TypeRelationId && relation_type(objectId))
				break;			/* its relation marks the name */
			/* a CREATE OR REPLACE FUNCTION comes here too */
			if (classId == ProcedureRelationId && function_built_on(objectId))
				cachepg_mark_global();
			mark_object_name(classId, objectId, SnapshotSelf);
			break;
		case OAT_POST_ALTER:
			if (classId == RelationRelationId)
			{
				/*
				 * Internal alters are the file swaps of VACUUM FULL and
				 * CLUSTER (same rows) or part of a statement the utility
				 * hook marked.
				 */
				if (((ObjectAccessPostAlter *) arg)->is_internal)
					break;
				if (relation_read(objectId))
					cachepg_mark_relation_ddl(objectId);
			}
			else if (classId == ProcedureRelationId && function_built_on(objectId))
				cachepg_mark_global();
			mark_object_name(classId, objectId, NULL);
			mark_object_name(classId, objectId, SnapshotSelf);
			break;
		case OAT_DROP:
			if (arg != NULL &&
				(((ObjectAccessDrop *) arg)->dropflags & PERFORM_DELETION_INTERNAL))
				break;			/* a transient heap (see OAT_POST_CREATE) */
			if (classId == RelationRelationId)
			{
				if (subId != 0)
				{
					/* a column, also one a cascade drops */
					if (relation_read(objectId))
						cachepg_mark_relation_ddl(objectId);
					break;
				}
				if (relation_read(objectId))
				{
					/* its slot is given up if the drop commits */
					cachepg_mark_relation_ddl(objectId);
					cachepg_marks_note_drop(objectId);
				}
			}
			else if (classId == ProcedureRelationId && function_built_on(objectId))
				cachepg_mark_global();
			mark_object_name(classId, objectId, NULL);
			break;
		default:
			break;
	}
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
