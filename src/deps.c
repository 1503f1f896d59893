/*
 * deps.c
 *		Dependencies of a result and the rules that decide whether it may be
 *		stored (DESIGN invariant 4), plus the re-check a hit performs.
 *
 * Relations come from the final plan's range table: views expanded, SQL
 * functions inlined, every relation the executor would open or check
 * permissions on.  Functions come from the rewritten query tree (the plan
 * tree has no generic walker), where a function the planner may inline
 * still shows with its declared volatility, which bounds its body's.
 *
 * Rules: volatile functions, functions whose result depends on inputs the
 * key does not hold, FOR UPDATE/SHARE, TABLESAMPLE, sequences, foreign,
 * catalog and row-security tables are VERDICT_UNSAFE; time-dependent
 * functions and literals ('now', 'today', ..., also inside the bodies of
 * SQL functions the planner may inline) are VERDICT_NEEDS_TTL; temporary
 * relations are VERDICT_NEVER.
 *
 * What a hit re-checks is exactly what executing the stored query would
 * check as the caller, and nothing more (README, "A hit"): the final
 * plan's range-table permissions (columns included; views' tables as their
 * owner, partitions reached through a parent not at all), EXECUTE on the
 * functions the executor checks as the current user (not type I/O nor
 * aggregate support functions, which it checks as nobody or as the
 * aggregate's owner), and USAGE on the schemas the statement's own names
 * were looked up in, as noted by the namespace-search hook while it was
 * parsed and planned.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_class.h"
#include "commands/dbcommands.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_language.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "parser/parsetree.h"
#include "parser/scansup.h"
#include "storage/lmgr.h"
#include "storage/predicate.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
#include "utils/varlena.h"

#include "cachepg.h"
#include "deps.h"
#include "invalidate.h"

typedef struct WalkContext
{
	CacheDeps  *deps;
	bool		final_plan;		/* walking the final plan, after inlining */
	List	   *types_seen;		/* types whose composite layouts were noted */
	List	   *sqlfuncs_seen;	/* SQL function bodies already scanned */
} WalkContext;

static void analyze_relation(CacheDeps *deps, RangeTblEntry *rte);

/* Lower the verdict to v (keeping the first reason of the worst verdict). */
static void
refuse(CacheDeps *deps, CacheVerdict v, const char *reason)
{
	if (v > deps->verdict)
	{
		deps->verdict = v;
		deps->reason = reason;
	}
}

static bool
name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

/* Built-in stable functions whose answer moves with the clock. */
static const char *const time_functions[] = {
	"now", "transaction_timestamp", "statement_timestamp", "age",
	"date_in", "timestamp_in", "timestamptz_in", "time_in", "timetz_in",
	NULL
};

/* Built-in stable functions with inputs the key lacks (settings, catalogs, session). */
static const char *const session_functions[] = {
	"current_setting", "format_type", "col_description", "obj_description",
	"shobj_description", "inet_client_addr", "inet_client_port",
	"inet_server_addr", "inet_server_port", "regclassin", "regprocin",
	"regprocedurein", "regoperin", "regoperatorin", "regtypein",
	"regconfigin", "regdictionaryin", "regnamespacein", "regrolein",
	"regcollationin", "regclass", "session_user", "row_security_active",
	"mxid_age", NULL
};

static const char *const session_prefixes[] = {
	"pg_", "has_", "to_reg", "txid_", NULL
};

static bool sql_body_mentions_time(Oid funcid, WalkContext *ctx);

/* Judge one function the query calls (or an aggregate's support function). */
static bool
function_checker(Oid funcid, void *context)
{
	WalkContext *ctx = (WalkContext *) context;
	CacheDeps  *deps = ctx->deps;
	HeapTuple	tp;
	Form_pg_proc proc;

	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for function %u", funcid);
	proc = (Form_pg_proc) GETSTRUCT(tp);
	if (proc->provolatile == PROVOLATILE_VOLATILE)
		refuse(deps, VERDICT_UNSAFE, "a volatile function");
	else if (proc->provolatile == PROVOLATILE_STABLE)
	{
		const char *name = NameStr(proc->proname);

		if (funcid >= FirstGenbkiObjectId)
		{
			/*
			 * Not inlined (it is still in the final plan): its body may read
			 * tables the plan does not show.
			 */
			if (ctx->final_plan)
				deps->hidden = true;
		}
		else if (name_in(name, time_functions))
			refuse(deps, VERDICT_NEEDS_TTL, "a time-dependent function");
		else if (name_in(name, session_functions) || strstr(name, "_to_xml"))
			refuse(deps, VERDICT_UNSAFE, "a function with inputs the cache key does not hold");
		else
		{
			const char *const *p;

			for (p = session_prefixes; *p; p++)
				if (strncmp(name, *p, strlen(*p)) == 0)
					refuse(deps, VERDICT_UNSAFE, "a function with inputs the cache key does not hold");
		}
	}
	ReleaseSysCache(tp);

	/*
	 * The parser folds 'now'::timestamptz into a constant when it analyses
	 * a SQL function's body for inlining: the plan then shows a constant
	 * that a direct run would compute anew.
	 */
	if (funcid >= FirstNormalObjectId && sql_body_mentions_time(funcid, ctx))
		refuse(deps, VERDICT_NEEDS_TTL,
			   "a time literal such as 'now' in the body of a SQL function");
	return false;
}

/* Remember that the executor checks EXECUTE on funcid as the caller. */
static void
note_exec_function(CacheDeps *deps, Oid funcid)
{
	if (OidIsValid(funcid) && !list_member_oid(deps->funcs, funcid))
		deps->funcs = lappend_oid(deps->funcs, funcid);
}

/*
 * The functions whose EXECUTE the executor checks as the current user when
 * it initialises this expression node (execExpr.c, nodeAgg.c,
 * nodeWindowAgg.c): calls, operators, the comparison and hash functions of
 * ScalarArrayOpExpr, aggregates and window functions themselves, and the
 * equality operators of a multi-column DISTINCT aggregate.  Not type I/O
 * functions (never checked), row comparisons (not checked) nor aggregate
 * support functions (checked as the aggregate's owner).
 */
static void
note_exec_functions(Node *node, CacheDeps *deps)
{
	switch (nodeTag(node))
	{
		case T_FuncExpr:
			note_exec_function(deps, ((FuncExpr *) node)->funcid);
			break;
		case T_OpExpr:
		case T_DistinctExpr:
		case T_NullIfExpr:
			set_opfuncid((OpExpr *) node);
			note_exec_function(deps, ((OpExpr *) node)->opfuncid);
			break;
		case T_ScalarArrayOpExpr:
			{
				ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) node;

				set_sa_opfuncid(saop);
				note_exec_function(deps, OidIsValid(saop->negfuncid) ?
								   saop->negfuncid : saop->opfuncid);
				note_exec_function(deps, saop->hashfuncid);
				break;
			}
		case T_Aggref:
			{
				Aggref	   *agg = (Aggref *) node;
				ListCell   *lc;

				note_exec_function(deps, agg->aggfnoid);
				if (list_length(agg->aggdistinct) > 1)
					foreach(lc, agg->aggdistinct)
						note_exec_function(deps, get_opcode(lfirst_node(SortGroupClause, lc)->eqop));
				break;
			}
		case T_WindowFunc:
			note_exec_function(deps, ((WindowFunc *) node)->winfnoid);
			break;
		default:
			break;
	}
}

/* The equality functions a grouping plan node checks (execGrouping.c). */
static void
note_exec_operators(CacheDeps *deps, const Oid *ops, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		note_exec_function(deps, get_opcode(ops[i]));
}

/*
 * A composite type a result or expression uses: a change to its layout
 * (ALTER TYPE ... ADD/DROP ATTRIBUTE, ALTER TABLE of a row type) changes
 * what the query returns, so its relation counts as a dependency for
 * invalidation.  Domains and arrays lead to their base and element types,
 * composites to the types of their attributes.
 */
static void
note_type(WalkContext *ctx, Oid typid)
{
	Oid			elem;
	Oid			relid;
	TupleDesc	desc;
	int			i;

	if (!OidIsValid(typid) || typid == RECORDOID ||
		list_member_oid(ctx->types_seen, typid))
		return;
	ctx->types_seen = lappend_oid(ctx->types_seen, typid);
	if (get_typtype(typid) == TYPTYPE_DOMAIN)
	{
		note_type(ctx, getBaseType(typid));
		return;
	}
	elem = get_element_type(typid);
	if (OidIsValid(elem))
	{
		note_type(ctx, elem);
		return;
	}
	relid = get_typ_typrelid(typid);
	if (!OidIsValid(relid))
		return;
	ctx->deps->typrels = list_append_unique_oid(ctx->deps->typrels, relid);
	desc = lookup_rowtype_tupdesc_noerror(typid, -1, true);
	if (desc == NULL)
		return;
	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped)
			note_type(ctx, TupleDescAttr(desc, i)->atttypid);
	ReleaseTupleDesc(desc);
}

/* The expression nodes whose result type may be a stored composite. */
static bool
typed_node(Node *node)
{
	switch (nodeTag(node))
	{
		case T_Var:
		case T_Const:
		case T_Param:
		case T_FuncExpr:
		case T_OpExpr:
		case T_Aggref:
		case T_WindowFunc:
		case T_RowExpr:
		case T_FieldSelect:
		case T_FieldStore:
		case T_RelabelType:
		case T_CoerceViaIO:
		case T_ArrayCoerceExpr:
		case T_ConvertRowtypeExpr:
		case T_CoerceToDomain:
		case T_ArrayExpr:
		case T_CaseExpr:
		case T_CoalesceExpr:
		case T_MinMaxExpr:
		case T_SubscriptingRef:
			return true;
		default:
			return false;
	}
}

/*
 * A user-defined aggregate is catalogued IMMUTABLE whatever its support
 * functions do: judge those instead (their EXECUTE is the aggregate
 * owner's business, not the caller's).
 */
static void
check_aggregate(Oid aggfnoid, WalkContext *ctx)
{
	HeapTuple	tp;

	if (aggfnoid < FirstGenbkiObjectId)
		return;
	tp = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggfnoid));
	if (HeapTupleIsValid(tp))
	{
		Form_pg_aggregate agg = (Form_pg_aggregate) GETSTRUCT(tp);
		Oid			fns[] = {agg->aggtransfn, agg->aggfinalfn, agg->aggcombinefn,
			agg->aggserialfn, agg->aggdeserialfn, agg->aggmtransfn,
		agg->aggminvtransfn, agg->aggmfinalfn};
		int			i;

		for (i = 0; i < lengthof(fns); i++)
			if (OidIsValid(fns[i]))
				function_checker(fns[i], ctx);
		ReleaseSysCache(tp);
	}
}

static bool
query_walker(Node *node, WalkContext *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		ListCell   *lc;

		/* the final plan's range table no longer shows TABLESAMPLE */
		foreach(lc, ((Query *) node)->rtable)
			if (lfirst_node(RangeTblEntry, lc)->tablesample)
				refuse(ctx->deps, VERDICT_UNSAFE, "TABLESAMPLE");
		return query_tree_walker((Query *) node, query_walker, ctx, 0);
	}
	check_functions_in_node(node, function_checker, ctx);
	note_exec_functions(node, ctx->deps);
	if (typed_node(node))
		note_type(ctx, exprType(node));
	if (IsA(node, SQLValueFunction))
	{
		switch (((SQLValueFunction *) node)->op)
		{
			case SVFOP_SESSION_USER:
				refuse(ctx->deps, VERDICT_UNSAFE, "SESSION_USER");
				break;
			case SVFOP_CURRENT_ROLE:
			case SVFOP_CURRENT_USER:
			case SVFOP_USER:
			case SVFOP_CURRENT_CATALOG:
			case SVFOP_CURRENT_SCHEMA:
				break;			/* role, database and path are in the key */
			default:
				refuse(ctx->deps, VERDICT_NEEDS_TTL, "a time-dependent function");
				break;
		}
	}
	else if (IsA(node, NextValueExpr))
		refuse(ctx->deps, VERDICT_UNSAFE, "a sequence");
	else if (IsA(node, Aggref))
		check_aggregate(((Aggref *) node)->aggfnoid, ctx);
	else if (IsA(node, WindowFunc) && ((WindowFunc *) node)->winagg)
		check_aggregate(((WindowFunc *) node)->winfnoid, ctx);
	return expression_tree_walker(node, query_walker, ctx);
}

/* The next word (letters, digits, '_') at or after *p; false at the end. */
static bool
next_word(const char **p, const char **start, int *len)
{
	while (**p && !isalnum((unsigned char) **p) && **p != '_')
		(*p)++;
	*start = *p;
	while (**p && (isalnum((unsigned char) **p) || **p == '_'))
		(*p)++;
	*len = *p - *start;
	return *len > 0;
}

/*
 * The parser folds 'now', 'today', 'tomorrow' and 'yesterday' into
 * constants before we can see them: look for those words in the text.
 * Any occurrence counts (an identifier too): a false alarm only asks for
 * an explicit ttl.
 */
static bool
mentions_time_literal(const char *sql)
{
	static const char *const words[] = {"now", "today", "tomorrow", "yesterday", NULL};
	const char *p = sql;
	const char *start;
	int			len;

	while (next_word(&p, &start, &len))
	{
		const char *const *w;

		for (w = words; *w; w++)
			if ((int) strlen(*w) == len && pg_strncasecmp(start, *w, len) == 0)
				return true;
	}
	return false;
}

/*
 * Whether the body of a user-defined SQL function mentions a time literal,
 * or calls (by any word of its body that names one) a user-defined SQL
 * function whose body does: the planner inlines such calls one into the
 * other and folds the literal.  Conservative: a word that merely names a
 * function counts.
 */
static bool
sql_body_mentions_time(Oid funcid, WalkContext *ctx)
{
	HeapTuple	tp;
	Datum		d;
	bool		isnull;
	char	   *src;
	const char *p;
	const char *start;
	int			len;
	bool		found = false;

	if (list_member_oid(ctx->sqlfuncs_seen, funcid))
		return false;
	ctx->sqlfuncs_seen = lappend_oid(ctx->sqlfuncs_seen, funcid);
	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tp))
		return false;
	if (((Form_pg_proc) GETSTRUCT(tp))->prolang != SQLlanguageId)
	{
		ReleaseSysCache(tp);
		return false;
	}
	d = SysCacheGetAttr(PROCOID, tp, Anum_pg_proc_prosrc, &isnull);
	src = isnull ? pstrdup("") : TextDatumGetCString(d);
	ReleaseSysCache(tp);

	found = mentions_time_literal(src);
	for (p = src; !found && next_word(&p, &start, &len);)
	{
		char	   *word = downcase_truncate_identifier(start, len, false);
		CatCList   *list = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum(word));
		int			i;

		for (i = 0; !found && i < list->n_members; i++)
		{
			Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(&list->members[i]->tuple);

			if (proc->oid >= FirstNormalObjectId && proc->prolang == SQLlanguageId)
				found = sql_body_mentions_time(proc->oid, ctx);
		}
		ReleaseSysCacheList(list);
		pfree(word);
	}
	pfree(src);
	return found;
}

/* The expressions run-time partition pruning evaluates. */
static List *
pruning_exprs(PartitionPruneInfo *ppi)
{
	List	   *result = NIL;
	ListCell   *lc;

	if (ppi == NULL)
		return NIL;
	foreach(lc, ppi->prune_infos)
	{
		ListCell   *lc2;

		foreach(lc2, (List *) lfirst(lc))
		{
			PartitionedRelPruneInfo *pinfo = lfirst(lc2);
			List	   *steps = list_concat_copy(pinfo->initial_pruning_steps,
												 pinfo->exec_pruning_steps);
			ListCell   *lc3;

			foreach(lc3, steps)
				if (IsA(lfirst(lc3), PartitionPruneStepOp))
					result = lappend(result, ((PartitionPruneStepOp *) lfirst(lc3))->exprs);
		}
	}
	return result;
}

/* Walk the expressions of one plan node and its children. */
static void
plan_walker(Plan *plan, WalkContext *ctx)
{
	ListCell   *lc;
	List	   *children = NIL;
	List	   *exprs = NIL;

	if (plan == NULL)
		return;
	exprs = list_make2(plan->targetlist, plan->qual);
	switch (nodeTag(plan))
	{
		case T_Result:
			exprs = lappend(exprs, ((Result *) plan)->resconstantqual);
			break;
		case T_IndexScan:
			exprs = lappend(exprs, ((IndexScan *) plan)->indexqualorig);
			exprs = lappend(exprs, ((IndexScan *) plan)->indexorderbyorig);
			break;
		case T_IndexOnlyScan:
			exprs = lappend(exprs, ((IndexOnlyScan *) plan)->recheckqual);
			exprs = lappend(exprs, ((IndexOnlyScan *) plan)->indexorderby);
			break;
		case T_BitmapIndexScan:
			exprs = lappend(exprs, ((BitmapIndexScan *) plan)->indexqualorig);
			break;
		case T_BitmapHeapScan:
			exprs = lappend(exprs, ((BitmapHeapScan *) plan)->bitmapqualorig);
			break;
		case T_TidScan:
			exprs = lappend(exprs, ((TidScan *) plan)->tidquals);
			break;
		case T_TidRangeScan:
			exprs = lappend(exprs, ((TidRangeScan *) plan)->tidrangequals);
			break;
		case T_FunctionScan:
			exprs = lappend(exprs, ((FunctionScan *) plan)->functions);
			break;
		case T_ValuesScan:
			exprs = lappend(exprs, ((ValuesScan *) plan)->values_lists);
			break;
		case T_TableFuncScan:
			exprs = lappend(exprs, ((TableFuncScan *) plan)->tablefunc);
			break;
		case T_SampleScan:
			exprs = lappend(exprs, ((SampleScan *) plan)->tablesample);
			break;
		case T_ForeignScan:
			exprs = lappend(exprs, ((ForeignScan *) plan)->fdw_exprs);
			exprs = lappend(exprs, ((ForeignScan *) plan)->fdw_scan_tlist);
			exprs = lappend(exprs, ((ForeignScan *) plan)->fdw_recheck_quals);
			break;
		case T_CustomScan:
			exprs = lappend(exprs, ((CustomScan *) plan)->custom_exprs);
			exprs = lappend(exprs, ((CustomScan *) plan)->custom_scan_tlist);
			children = ((CustomScan *) plan)->custom_plans;
			break;
		case T_NestLoop:
		case T_MergeJoin:
		case T_HashJoin:
			exprs = lappend(exprs, ((Join *) plan)->joinqual);
			if (IsA(plan, MergeJoin))
				exprs = lappend(exprs, ((MergeJoin *) plan)->mergeclauses);
			if (IsA(plan, HashJoin))
				exprs = lappend(exprs, ((HashJoin *) plan)->hashclauses);
			break;
		case T_Hash:
			exprs = lappend(exprs, ((Hash *) plan)->hashkeys);
			break;
		case T_Memoize:
			exprs = lappend(exprs, ((Memoize *) plan)->param_exprs);
			note_exec_operators(ctx->deps, ((Memoize *) plan)->hashOperators,
								((Memoize *) plan)->numKeys);
			break;
		case T_WindowAgg:
			{
				WindowAgg  *wa = (WindowAgg *) plan;

				exprs = lappend(exprs, wa->startOffset);
				exprs = lappend(exprs, wa->endOffset);
				exprs = lappend(exprs, wa->runCondition);
				note_exec_operators(ctx->deps, wa->partOperators, wa->partNumCols);
				note_exec_operators(ctx->deps, wa->ordOperators, wa->ordNumCols);
				break;
			}
		case T_Limit:
			exprs = lappend(exprs, ((Limit *) plan)->limitOffset);
			exprs = lappend(exprs, ((Limit *) plan)->limitCount);
			if (((Limit *) plan)->limitOption == LIMIT_OPTION_WITH_TIES)
				note_exec_operators(ctx->deps, ((Limit *) plan)->uniqOperators,
									((Limit *) plan)->uniqNumCols);
			break;
		case T_Agg:
			note_exec_operators(ctx->deps, ((Agg *) plan)->grpOperators,
								((Agg *) plan)->numCols);
			break;
		case T_Group:
			note_exec_operators(ctx->deps, ((Group *) plan)->grpOperators,
								((Group *) plan)->numCols);
			break;
		case T_Unique:
			note_exec_operators(ctx->deps, ((Unique *) plan)->uniqOperators,
								((Unique *) plan)->numCols);
			break;
		case T_SetOp:
			note_exec_operators(ctx->deps, ((SetOp *) plan)->dupOperators,
								((SetOp *) plan)->numCols);
			break;
		case T_RecursiveUnion:
			note_exec_operators(ctx->deps, ((RecursiveUnion *) plan)->dupOperators,
								((RecursiveUnion *) plan)->numCols);
			break;
		case T_SubqueryScan:
			children = list_make1(((SubqueryScan *) plan)->subplan);
			break;
		case T_Append:
			children = ((Append *) plan)->appendplans;
			exprs = list_concat(exprs, pruning_exprs(((Append *) plan)->part_prune_info));
			break;
		case T_MergeAppend:
			children = ((MergeAppend *) plan)->mergeplans;
			exprs = list_concat(exprs, pruning_exprs(((MergeAppend *) plan)->part_prune_info));
			break;
		case T_BitmapAnd:
			children = ((BitmapAnd *) plan)->bitmapplans;
			break;
		case T_BitmapOr:
			children = ((BitmapOr *) plan)->bitmapplans;
			break;
		default:
			break;
	}
	foreach(lc, exprs)
		query_walker((Node *) lfirst(lc), ctx);
	foreach(lc, children)
		plan_walker((Plan *) lfirst(lc), ctx);
	plan_walker(plan->lefttree, ctx);
	plan_walker(plan->righttree, ctx);
}

/*
 * The relation a name in cachepg.depends_on denotes.  Resolved without the
 * caller's USAGE on its schema: the declaration names a table that a
 * function (often SECURITY DEFINER) reads, not one the caller reads, and
 * a direct call needs no privilege on it either.
 */
static Oid
declared_relid(const char *item)
{
	List	   *names = stringToQualifiedNameList(item);
	RangeVar   *rv = makeRangeVarFromNameList(names);
	Oid			relid = InvalidOid;

	if (rv->catalogname && strcmp(rv->catalogname, get_database_name(MyDatabaseId)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cross-database references are not implemented: \"%s\" in cachepg.depends_on",
						NameListToString(names))));
	if (rv->schemaname == NULL)
		relid = RelnameGetRelid(rv->relname);
	else
	{
		Oid			nsp = get_namespace_oid(rv->schemaname, true);

		if (OidIsValid(nsp))
			relid = get_relname_relid(rv->relname, nsp);
	}
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s\" in cachepg.depends_on does not exist",
						NameListToString(names))));
	LockRelationOid(relid, AccessShareLock);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s\" in cachepg.depends_on does not exist",
						NameListToString(names))));
	return relid;
}

/*
 * The relations cachepg.depends_on names (for functions that read tables
 * out of the planner's sight); false when it is not declared.  'none'
 * declares that they read none.
 */
static bool
declared_relations(CacheDeps *deps)
{
	const char *p = cachepg_depends_on;
	StringInfoData item;

	if (p == NULL || p[0] == '\0')
		return false;
	if (pg_strcasecmp(p, "none") == 0)
		return true;

	/* comma-separated names, each possibly qualified and quoted */
	initStringInfo(&item);
	for (;;)
	{
		bool		quoted = false;
		RangeTblEntry *rte;

		resetStringInfo(&item);
		for (; *p && (quoted || *p != ','); p++)
		{
			if (*p == '"')
				quoted = !quoted;
			appendStringInfoChar(&item, *p);
		}
		if (quoted || strspn(item.data, " \t\n") == (size_t) item.len)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid list syntax in cachepg.depends_on"),
					 errhint("Give comma-separated table names, or 'none'.")));
		rte = makeNode(RangeTblEntry);
		rte->rtekind = RTE_RELATION;
		rte->relid = declared_relid(item.data);
		rte->relkind = get_rel_relkind(rte->relid);
		if (rte->relkind != RELKIND_RELATION &&
			rte->relkind != RELKIND_PARTITIONED_TABLE &&
			rte->relkind != RELKIND_MATVIEW)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("\"%s\" in cachepg.depends_on is not a table", item.data),
					 errhint("Declare the tables behind a view, not the view.")));
		/* locked and predicate-locked on a hit like the relations read */
		analyze_relation(deps, rte);
		if (*p == '\0')
			break;
		p++;
	}
	pfree(item.data);
	return true;
}

/* Judge one relation of the final plan and remember what to re-check. */
static void
analyze_relation(CacheDeps *deps, RangeTblEntry *rte)
{
	HeapTuple	tp;
	Form_pg_class rel;

	tp = SearchSysCache1(RELOID, ObjectIdGetDatum(rte->relid));
	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for relation %u", rte->relid);
	rel = (Form_pg_class) GETSTRUCT(tp);
	if (rel->relpersistence == RELPERSISTENCE_TEMP)
		refuse(deps, VERDICT_NEVER, "a temporary relation");
	else if (rel->relkind == RELKIND_FOREIGN_TABLE)
		refuse(deps, VERDICT_UNSAFE, "a foreign table");
	else if (rel->relkind == RELKIND_SEQUENCE)
	{
		refuse(deps, VERDICT_UNSAFE, "a sequence");
		if (!OidIsValid(deps->sequence))
			deps->sequence = rte->relid;
	}
	else if (IsCatalogRelationOid(rte->relid))
		refuse(deps, VERDICT_UNSAFE, "a system catalog");
	else if (rel->relrowsecurity)
		refuse(deps, VERDICT_UNSAFE, "a table with row-level security");
	ReleaseSysCache(tp);
	deps->rtes = lappend(deps->rtes, rte);
	deps->relids = list_append_unique_oid(deps->relids, rte->relid);
}

void
cachepg_deps_analyze(CacheDeps *deps, const char *sql, Query *query,
					 PlannedStmt *pstmt)
{
	WalkContext ctx;
	ListCell   *lc;

	deps->verdict = VERDICT_STORE;
	deps->reason = NULL;
	deps->rtes = NIL;
	deps->funcs = NIL;
	deps->relids = NIL;
	deps->typrels = NIL;
	deps->namespaces = NIL;
	deps->sequence = InvalidOid;
	deps->hidden = false;
	ctx.deps = deps;
	ctx.final_plan = false;
	ctx.types_seen = NIL;
	ctx.sqlfuncs_seen = NIL;

	foreach(lc, pstmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_RELATION)
			analyze_relation(deps, rte);
	}
	if (pstmt->rowMarks != NIL || query->rowMarks != NIL)
		refuse(deps, VERDICT_UNSAFE, "FOR UPDATE/SHARE");
	query_walker((Node *) query, &ctx);
	if (mentions_time_literal(sql))
		refuse(deps, VERDICT_NEEDS_TTL, "a time literal such as 'now' or 'today'");

	/* the final plan: what inlining left, time functions inlined bodies call */
	ctx.final_plan = true;
	plan_walker(pstmt->planTree, &ctx);
	foreach(lc, pstmt->subplans)
		plan_walker((Plan *) lfirst(lc), &ctx);
	if (deps->hidden && !declared_relations(deps))
		refuse(deps, VERDICT_UNSAFE,
			   "a function that may read tables out of the planner's sight (declare them in cachepg.depends_on)");
}

/*
 * The relations a result depends on for invalidation: those it read and
 * those declared, and all their ancestors (a write through a parent fires
 * only the parent's statement triggers).
 */
List *
cachepg_deps_relations(const CacheDeps *deps)
{
	List	   *result = list_copy(deps->relids);
	ListCell   *lc;

	foreach(lc, deps->relids)
	{
		List	   *anc = cachepg_relation_ancestors(lfirst_oid(lc));
		ListCell   *lc2;

		foreach(lc2, anc)
			result = list_append_unique_oid(result, lfirst_oid(lc2));
	}
	return result;
}

/*
 * The relations a result depends on that do not carry our triggers: the
 * relations it read or declared and all their descendants (a write straight
 * into a child fires only the child's triggers), and all their ancestors
 * (a write through a parent fires only the parent's), as listed by
 * cachepg_deps_relations.  Under the opt-in (cachepg.store_uncacheable),
 * relations that cannot carry them (foreign tables, sequences, catalogs)
 * are the caller's risk and do not count.
 */
List *
cachepg_deps_unwatched(const CacheDeps *deps, List *rels, bool opted_in)
{
	List	   *all = list_copy(rels);
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, deps->relids)
	{
		List	   *tree = find_all_inheritors(lfirst_oid(lc), AccessShareLock, NULL);

		all = list_concat_unique_oid(all, tree);
	}
	foreach(lc, all)
	{
		Oid			r = lfirst_oid(lc);
		Relation	rel = try_relation_open(r, AccessShareLock);

		if (rel == NULL ||
			(!cachepg_relation_watched(rel) &&
			 !(opted_in && (rel->rd_rel->relkind == RELKIND_FOREIGN_TABLE ||
							rel->rd_rel->relkind == RELKIND_SEQUENCE ||
							IsCatalogRelationOid(r)))))
			result = lappend_oid(result, r);
		if (rel)
			relation_close(rel, AccessShareLock);
	}
	return result;
}

/*
 * Serialized dependencies: relation count, then per relation (relid,
 * relkind, required permissions, check-as user, selected column count and
 * members), then function count and OIDs, then schema count and OIDs.
 */
static void
append_oids(StringInfo buf, List *oids)
{
	int32		n = list_length(oids);
	ListCell   *lc;

	appendBinaryStringInfo(buf, (char *) &n, sizeof(n));
	foreach(lc, oids)
	{
		Oid			o = lfirst_oid(lc);

		appendBinaryStringInfo(buf, (char *) &o, sizeof(o));
	}
}

void
cachepg_deps_serialize(const CacheDeps *deps, StringInfo buf)
{
	ListCell   *lc;
	int32		n;

	n = list_length(deps->rtes);
	appendBinaryStringInfo(buf, (char *) &n, sizeof(n));
	foreach(lc, deps->rtes)
	{
		RangeTblEntry *rte = lfirst(lc);
		int32		v[5];
		int			x = -1;

		v[0] = (int32) rte->relid;
		v[1] = (int32) rte->relkind;
		v[2] = (int32) rte->requiredPerms;
		v[3] = (int32) rte->checkAsUser;
		v[4] = bms_num_members(rte->selectedCols);
		appendBinaryStringInfo(buf, (char *) v, sizeof(v));
		while ((x = bms_next_member(rte->selectedCols, x)) >= 0)
		{
			int32		m = x;

			appendBinaryStringInfo(buf, (char *) &m, sizeof(m));
		}
	}
	append_oids(buf, deps->funcs);
	append_oids(buf, deps->namespaces);
}

static int32
get_int(const char **p)
{
	int32		v;

	memcpy(&v, *p, sizeof(v));
	*p += sizeof(v);
	return v;
}

/*
 * What a hit does instead of planning and executing, as the plan cache and
 * the executor would: lock every relation AccessShareLock (which also
 * processes pending invalidations), check each still exists without row
 * security, then check what executing the query checks as the caller (the
 * range-table permissions, columns included; EXECUTE on the functions) and
 * what parsing it checks (USAGE on the schemas its names were looked up
 * in).  A missing privilege raises the error a direct run would.  Returns
 * false when the entry is stale (something is gone).
 */
bool
cachepg_deps_recheck(const char *data, int len)
{
	const char *p = data;
	List	   *rtable = NIL;
	int32		n,
				i;

	n = get_int(&p);
	for (i = 0; i < n; i++)
	{
		RangeTblEntry *rte = makeNode(RangeTblEntry);
		HeapTuple	tp;
		int32		ncols,
					c;
		bool		ok;

		rte->rtekind = RTE_RELATION;
		rte->relid = (Oid) get_int(&p);
		rte->relkind = (char) get_int(&p);
		rte->requiredPerms = (AclMode) get_int(&p);
		rte->checkAsUser = (Oid) get_int(&p);
		ncols = get_int(&p);
		for (c = 0; c < ncols; c++)
			rte->selectedCols = bms_add_member(rte->selectedCols, get_int(&p));

		LockRelationOid(rte->relid, AccessShareLock);
		tp = SearchSysCache1(RELOID, ObjectIdGetDatum(rte->relid));
		if (!HeapTupleIsValid(tp))
			return false;
		if (IsolationIsSerializable())
		{
			/* what a direct read would take, so write skew is still seen */
			Relation	rel = relation_open(rte->relid, NoLock);

			PredicateLockRelation(rel, GetTransactionSnapshot());
			relation_close(rel, NoLock);
		}
		ok = !((Form_pg_class) GETSTRUCT(tp))->relrowsecurity;
		ReleaseSysCache(tp);
		if (!ok)
			return false;
		rtable = lappend(rtable, rte);
	}
	ExecCheckRTPerms(rtable, true);

	n = get_int(&p);
	for (i = 0; i < n; i++)
	{
		Oid			f = (Oid) get_int(&p);

		if (!SearchSysCacheExists1(PROCOID, ObjectIdGetDatum(f)))
			return false;
		if (pg_proc_aclcheck(f, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV,
						   get_func_prokind(f) == PROKIND_AGGREGATE ?
						   OBJECT_AGGREGATE : OBJECT_FUNCTION,
						   get_func_name(f));
	}

	n = get_int(&p);
	for (i = 0; i < n; i++)
	{
		Oid			nsp = (Oid) get_int(&p);
		char	   *name = get_namespace_name(nsp);

		if (name == NULL)
			return false;
		if (pg_namespace_aclcheck(nsp, GetUserId(), ACL_USAGE) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_SCHEMA, name);
	}
	Assert(p - data == len);
	return true;
}

/*
 * The schemas the caller's statement looks names up in, as the parser
 * checks them (LookupExplicitNamespace: an explicitly qualified name needs
 * USAGE on its schema).  Names resolved through search_path need no note:
 * the key holds the path, which lists only schemas the role may use.  A
 * recorder is active while the statement is parsed, planned and run, and
 * notes only lookups made as the caller (not inside SECURITY DEFINER
 * functions).
 */
static NameRecorder *recorder = NULL;

void
cachepg_names_push(NameRecorder *r)
{
	r->userid = GetUserId();
	r->namespaces = NIL;
	r->paused = false;
	r->cxt = CurrentMemoryContext;
	r->prev = recorder;
	recorder = r;
}

void
cachepg_names_pop(NameRecorder *r)
{
	Assert(recorder == r);
	recorder = r->prev;
}

/* From the object-access hook: an explicit lookup in schema nsp passed. */
void
cachepg_names_note(Oid nsp)
{
	MemoryContext old;

	if (recorder == NULL || recorder->paused || GetUserId() != recorder->userid ||
		list_member_oid(recorder->namespaces, nsp))
		return;
	old = MemoryContextSwitchTo(recorder->cxt);
	recorder->namespaces = lappend_oid(recorder->namespaces, nsp);
	MemoryContextSwitchTo(old);
}
