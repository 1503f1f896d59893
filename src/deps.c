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
 * What a hit re-checks (README, "A hit") is what PostgreSQL checked while
 * it parsed, planned and ran the statement, noted through its own hooks by
 * a CheckRecorder (below) with the role each check was made as, and
 * replayed by cachepg_deps_permitted().
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_cast.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_language.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "parser/scansup.h"
#include "storage/lmgr.h"
#include "storage/predicate.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/regproc.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
#include "utils/varlena.h"

#include "cachepg.h"
#include "deps.h"
#include "keydeps.h"
#include "marks.h"
#include "watch.h"

typedef struct WalkContext
{
	CacheDeps  *deps;
	bool		final_plan;		/* walking the final plan, after inlining */
	List	   *types_seen;		/* types whose composite layouts were noted */
	List	   *sqlfuncs_seen;	/* SQL function bodies already scanned */
	bool		attribute_only; /* only note direct calls and aggregates: */
	List	   *direct;			/* functions the plan calls itself */
	List	   *aggsupport;		/* (support function, aggregate owner) pairs */
	List	   *rtable;			/* final plan: scans note their keys (keydeps.c) */
	ParamListInfo params;
} WalkContext;

static void analyze_relation(CacheDeps *deps, RangeTblEntry *rte);
static bool query_walker(Node *node, WalkContext *ctx);

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

/*
 * A user function with a body (C code aside), inlined, folded away or run:
 * its body looked names up that no node of the plan shows (types, calls,
 * columns read in function syntax), so the result depends on every name
 * of its database.  A procedural one stays compiled in the session.
 */
static void
note_body(CacheDeps *deps, Oid funcid, Oid lang)
{
	if (funcid < FirstNormalObjectId || lang == ClanguageId ||
		lang == INTERNALlanguageId)
		return;
	deps->names_unknown = true;
	if (lang != SQLlanguageId)
		deps->ran_pl = true;
}

/*
 * Note an object the result used by its schema and name (see NameRef).  An
 * object of a temporary schema (a function or type called pg_temp.x) makes
 * the result this session's own.
 */
static void
add_name(CacheDeps *deps, Oid nspid, const char *name, bool shadowable,
		 bool called)
{
	ListCell   *lc;
	NameRef    *ref;

	if (name == NULL)
		return;
	if (OidIsValid(nspid) && isAnyTempNamespace(nspid))
	{
		refuse(deps, VERDICT_NEVER,
			   psprintf("temporary object \"%s\"", name));
		return;
	}
	foreach(lc, deps->names)
	{
		ref = lfirst(lc);
		if (ref->nspid == nspid && ref->called == called &&
			strcmp(NameStr(ref->name), name) == 0)
		{
			ref->shadowable |= shadowable;
			return;
		}
	}
	ref = palloc0(sizeof(NameRef));
	ref->nspid = nspid;
	ref->shadowable = shadowable;
	ref->called = called;
	namestrcpy(&ref->name, name);
	deps->names = lappend(deps->names, ref);
}

static void
note_name(CacheDeps *deps, Oid nspid, const char *name, bool shadowable)
{
	add_name(deps, nspid, name, shadowable, false);
}

static void
note_relation_name(CacheDeps *deps, Oid relid)
{
	char	   *name = get_rel_name(relid);

	if (name != NULL)
		note_name(deps, get_rel_namespace(relid), name, true);
}

static void
note_type_name(CacheDeps *deps, Oid typid)
{
	HeapTuple	tp = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));

	if (HeapTupleIsValid(tp))
	{
		Form_pg_type t = (Form_pg_type) GETSTRUCT(tp);

		note_name(deps, t->typnamespace, NameStr(t->typname), true);
		ReleaseSysCache(tp);
	}
}

/* What body a function has: BODY_NONE (built-in or C), _SQL or _PL. */
#define BODY_NONE	0
#define BODY_SQL	1
#define BODY_PL		2

static int
user_body(Oid funcid)
{
	HeapTuple	tp;
	Oid			lang;

	if (funcid < FirstNormalObjectId)
		return BODY_NONE;
	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tp))
		return BODY_NONE;
	lang = ((Form_pg_proc) GETSTRUCT(tp))->prolang;
	ReleaseSysCache(tp);
	if (lang == ClanguageId || lang == INTERNALlanguageId)
		return BODY_NONE;
	return lang == SQLlanguageId ? BODY_SQL : BODY_PL;
}

/*
 * Whether a user-defined operator's function, or a support function of an
 * operator family it belongs to (which sorts, hashes and searches call
 * without any check the plan or the executor shows), is a user function
 * with a body.  Extensions' C operators are not.
 */
static int
operator_runs_body(Oid opno)
{
	CatCList   *amops;
	int			body = user_body(get_opcode(opno));
	int			i,
				j;

	amops = SearchSysCacheList1(AMOPOPID, ObjectIdGetDatum(opno));
	for (i = 0; i < amops->n_members && body != BODY_PL; i++)
	{
		Form_pg_amop amop = (Form_pg_amop) GETSTRUCT(&amops->members[i]->tuple);
		CatCList   *procs = SearchSysCacheList1(AMPROCNUM,
												ObjectIdGetDatum(amop->amopfamily));

		for (j = 0; j < procs->n_members && body != BODY_PL; j++)
			body = Max(body, user_body(((Form_pg_amproc) GETSTRUCT(&procs->members[j]->tuple))->amproc));
		ReleaseSysCacheList(procs);
	}
	ReleaseSysCacheList(amops);
	return body;
}

static void
note_operator_name(CacheDeps *deps, Oid opno)
{
	HeapTuple	tp = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));

	/*
	 * A user-defined operator may sort, group or search through operator
	 * class support functions that nothing shows (nor checks)
	 */
	if (opno >= FirstNormalObjectId && !deps->session_code)
	{
		int			body = operator_runs_body(opno);

		if (body != BODY_NONE)
			deps->names_unknown = true;
		if (body == BODY_PL)
			deps->session_code = true;
	}

	if (HeapTupleIsValid(tp))
	{
		Form_pg_operator o = (Form_pg_operator) GETSTRUCT(tp);

		note_name(deps, o->oprnamespace, NameStr(o->oprname), false);
		ReleaseSysCache(tp);
	}
}

static void
note_function_name(CacheDeps *deps, Oid funcid)
{
	char	   *name = get_func_name(funcid);

	if (name != NULL)
		note_name(deps, get_func_namespace(funcid), name, false);
}

/* Whether a type is an OID alias type (regclass, regtype, ...). */
static bool
reg_type(Oid typid)
{
	switch (typid)
	{
		case REGCLASSOID:
		case REGTYPEOID:
		case REGPROCOID:
		case REGPROCEDUREOID:
		case REGOPEROID:
		case REGOPERATOROID:
		case REGNAMESPACEOID:
		case REGROLEOID:
		case REGCONFIGOID:
		case REGDICTIONARYOID:
		case REGCOLLATIONOID:
			return true;
		default:
			return false;
	}
}

/*
 * A constant of an OID alias type ('t'::regclass) was looked up by name
 * when the statement was parsed: note the object it names.  Arrays of them,
 * and the kinds not followed here, count as names looked up out of sight.
 */
static void
note_reg_const(CacheDeps *deps, Const *c)
{
	Oid			oid;

	if (c->constisnull)
		return;
	oid = DatumGetObjectId(c->constvalue);
	switch (c->consttype)
	{
		case REGCLASSOID:
			note_relation_name(deps, oid);
			break;
		case REGTYPEOID:
			note_type_name(deps, oid);
			break;
		case REGPROCOID:
		case REGPROCEDUREOID:
			note_function_name(deps, oid);
			break;
		case REGOPEROID:
		case REGOPERATOROID:
			note_operator_name(deps, oid);
			break;
		case REGNAMESPACEOID:
			{
				char	   *name = get_namespace_name(oid);

				if (name != NULL)
					note_name(deps, InvalidOid, name, false);
				break;
			}
		case REGCONFIGOID:
		case REGDICTIONARYOID:
		case REGCOLLATIONOID:
			deps->names_unknown = true;
			break;
		default:
			if (reg_type(get_element_type(c->consttype)))
				deps->names_unknown = true;
			break;
	}
}

/* Judge one function the query calls (or an aggregate's support function). */
static bool
function_checker(Oid funcid, void *context)
{
	WalkContext *ctx = (WalkContext *) context;
	CacheDeps  *deps = ctx->deps;
	HeapTuple	tp;
	Form_pg_proc proc;

	if (ctx->attribute_only)
		return false;
	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(tp))
	{
		/* dropped since it was planned: the query still runs, uncached */
		refuse(deps, VERDICT_NEVER, "a function dropped while it was planned");
		return false;
	}
	proc = (Form_pg_proc) GETSTRUCT(tp);
	note_name(deps, proc->pronamespace, NameStr(proc->proname), false);

	note_body(deps, funcid, proc->prolang);
	if (proc->provolatile == PROVOLATILE_VOLATILE)
		refuse(deps, VERDICT_UNSAFE,
			   psprintf("volatile function %s()", NameStr(proc->proname)));
	else if (proc->provolatile == PROVOLATILE_STABLE)
	{
		const char *name = NameStr(proc->proname);
		const char *session = psprintf("function %s(), whose result depends on inputs the cache key does not hold",
									   name);

		if (funcid >= FirstGenbkiObjectId)
		{
			/*
			 * Not inlined (it is still in the final plan): its body may read
			 * tables the plan does not show.
			 */
			if (ctx->final_plan && !deps->hidden)
			{
				deps->hidden = true;
				deps->hidden_fn = pstrdup(name);
			}
		}
		else if (name_in(name, time_functions))
			refuse(deps, VERDICT_NEEDS_TTL,
				   psprintf("time-dependent function %s()", name));
		else if (name_in(name, session_functions) || strstr(name, "_to_xml"))
			refuse(deps, VERDICT_UNSAFE, session);
		else
		{
			const char *const *p;

			for (p = session_prefixes; *p; p++)
				if (strncmp(name, *p, strlen(*p)) == 0)
					refuse(deps, VERDICT_UNSAFE, session);
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

/*
 * The functions a plan calls itself (calls and operators), as opposed to
 * those an aggregate calls as its support functions: the executor checks
 * EXECUTE on the first as the caller, on the second as the aggregate's
 * owner (cachepg_checks_note).
 */
static void
note_direct(Node *node, WalkContext *ctx)
{
	Oid			fn = InvalidOid;

	switch (nodeTag(node))
	{
		case T_FuncExpr:
			fn = ((FuncExpr *) node)->funcid;
			break;
		case T_OpExpr:
		case T_DistinctExpr:
		case T_NullIfExpr:
			set_opfuncid((OpExpr *) node);
			fn = ((OpExpr *) node)->opfuncid;
			break;
		case T_ScalarArrayOpExpr:
			set_sa_opfuncid((ScalarArrayOpExpr *) node);
			fn = ((ScalarArrayOpExpr *) node)->opfuncid;
			break;
		default:
			break;
	}
	if (OidIsValid(fn))
		ctx->direct = list_append_unique_oid(ctx->direct, fn);
}

static int	user_body(Oid funcid);

/* check_functions_in_node: a user SQL function (one the planner inlines). */
static bool
sql_body_checker(Oid funcid, void *context)
{
	return user_body(funcid) == BODY_SQL;
}

/* Whether an expression calls a user SQL function anywhere. */
static bool
calls_sql_body(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (check_functions_in_node(node, sql_body_checker, NULL))
		return true;
	return expression_tree_walker(node, calls_sql_body, context);
}

/* The type a domain is declared over (one level). */
static Oid
domain_base(Oid typid)
{
	HeapTuple	tp = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	Oid			base = InvalidOid;

	if (HeapTupleIsValid(tp))
	{
		base = ((Form_pg_type) GETSTRUCT(tp))->typbasetype;
		ReleaseSysCache(tp);
	}
	return base;
}

/*
 * The CHECK constraints of a domain and of the domains it is based on run
 * when a value is coerced to it, planned and called by the type cache out
 * of the plan's sight: judge their functions as if the final plan called
 * them (a user function's body makes the result depend on every name; one
 * that may read tables needs cachepg.depends_on; a volatile one is unsafe).
 */
static void
note_domain_checks(WalkContext *ctx, Oid typid)
{
	while (OidIsValid(typid) && get_typtype(typid) == TYPTYPE_DOMAIN)
	{
		Relation	rel = table_open(ConstraintRelationId, AccessShareLock);
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tup;
		bool		final_plan = ctx->final_plan;

		bool		names_unknown = ctx->deps->names_unknown;

		ScanKeyInit(&key, Anum_pg_constraint_contypid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(typid));
		scan = systable_beginscan(rel, ConstraintTypidIndexId, true, NULL, 1, &key);
		ctx->final_plan = true;
		ctx->deps->names_unknown = false;
		while ((tup = systable_getnext(scan)) != NULL)
		{
			bool		isnull;
			Datum		bin;

			if (((Form_pg_constraint) GETSTRUCT(tup))->contype != CONSTRAINT_CHECK)
				continue;
			bin = heap_getattr(tup, Anum_pg_constraint_conbin, RelationGetDescr(rel), &isnull);
			if (!isnull)
			{
				Node	   *check = stringToNode(TextDatumGetCString(bin));

				query_walker(check, ctx);

				/*
				 * The type cache keeps the expression planned for the
				 * session, a user SQL function inlined into it as PL/pgSQL
				 * keeps its functions compiled (those run, and count, as
				 * any procedural function the statement ran)
				 */
				if (calls_sql_body(check, NULL))
					ctx->deps->session_code = true;
			}
		}
		ctx->final_plan = final_plan;
		ctx->deps->names_unknown |= names_unknown;
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
		typid = domain_base(typid);
	}
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
	note_type_name(ctx->deps, typid);
	if (get_typtype(typid) == TYPTYPE_DOMAIN)
		note_domain_checks(ctx, typid);
	if (reg_type(typid))
	{
		/* its output is a name looked up now (relations renamed, paths) */
		ctx->deps->names_unknown = true;
		return;
	}
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

static Oid
func_owner(Oid funcid)
{
	HeapTuple	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	Oid			owner;

	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for function %u", funcid);
	owner = ((Form_pg_proc) GETSTRUCT(tp))->proowner;
	ReleaseSysCache(tp);
	return owner;
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

	/* a built-in aggregate's support functions need judging only for owners */
	if (aggfnoid < FirstGenbkiObjectId && !ctx->attribute_only)
		return;
	tp = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggfnoid));
	if (HeapTupleIsValid(tp))
	{
		Form_pg_aggregate agg = (Form_pg_aggregate) GETSTRUCT(tp);
		Oid			fns[] = {agg->aggtransfn, agg->aggfinalfn, agg->aggcombinefn,
			agg->aggserialfn, agg->aggdeserialfn, agg->aggmtransfn,
		agg->aggminvtransfn, agg->aggmfinalfn};
		int			i;

		Oid			owner = ctx->attribute_only ? func_owner(aggfnoid) : InvalidOid;

		for (i = 0; i < lengthof(fns); i++)
			if (OidIsValid(fns[i]))
			{
				function_checker(fns[i], ctx);
				if (ctx->attribute_only)
					ctx->aggsupport = lappend(ctx->aggsupport,
											  list_make2_oid(fns[i], owner));
			}
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

		/*
		 * The final plan's range table no longer shows TABLESAMPLE, nor the
		 * relations the planner removed (whose names still had to resolve).
		 */
		foreach(lc, ((Query *) node)->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

			if (rte->tablesample)
				refuse(ctx->deps, VERDICT_UNSAFE, "TABLESAMPLE");
			if (rte->rtekind == RTE_RELATION && !ctx->attribute_only)
				note_relation_name(ctx->deps, rte->relid);
		}
		return query_tree_walker((Query *) node, query_walker, ctx,
								 QTW_EXAMINE_SORTGROUP);
	}
	check_functions_in_node(node, function_checker, ctx);
	if (ctx->attribute_only)
		note_direct(node, ctx);
	else
	{
		/* operators are resolved by name, like the functions behind them */
		switch (nodeTag(node))
		{
			case T_OpExpr:
			case T_DistinctExpr:
			case T_NullIfExpr:
				note_operator_name(ctx->deps, ((OpExpr *) node)->opno);
				break;
			case T_ScalarArrayOpExpr:
				note_operator_name(ctx->deps, ((ScalarArrayOpExpr *) node)->opno);
				break;
			case T_RowCompareExpr:
				{
					ListCell   *lc;

					foreach(lc, ((RowCompareExpr *) node)->opnos)
						note_operator_name(ctx->deps, lfirst_oid(lc));
					break;
				}
			case T_Const:
				note_reg_const(ctx->deps, (Const *) node);
				break;
			case T_SortGroupClause:
				/* ORDER BY ... USING op names its operator */
				if (OidIsValid(((SortGroupClause *) node)->sortop))
					note_operator_name(ctx->deps, ((SortGroupClause *) node)->sortop);
				if (OidIsValid(((SortGroupClause *) node)->eqop))
					note_operator_name(ctx->deps, ((SortGroupClause *) node)->eqop);
				break;
			default:
				break;
		}
	}
	if (typed_node(node) && !ctx->attribute_only)
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
 * Whether a user-defined SQL function named name (cacheid PROCNAMEARGSNSP),
 * or implementing an operator named name (OPERNAMENSP), does.
 */
static bool
named_functions_mention_time(int cacheid, const char *name, WalkContext *ctx)
{
	CatCList   *list = SearchSysCacheList1(cacheid, CStringGetDatum(name));
	bool		found = false;
	int			i;

	for (i = 0; !found && i < list->n_members; i++)
	{
		HeapTuple	tup = &list->members[i]->tuple;
		Oid			fn = cacheid == OPERNAMENSP ?
			((Form_pg_operator) GETSTRUCT(tup))->oprcode :
			((Form_pg_proc) GETSTRUCT(tup))->oid;

		if (fn >= FirstNormalObjectId)
			found = sql_body_mentions_time(fn, ctx);
	}
	ReleaseSysCacheList(list);
	return found;
}

/* Whether a user-defined SQL function implementing a cast does. */
static bool
casts_mention_time(WalkContext *ctx)
{
	Relation	rel = table_open(CastRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tup;
	List	   *fns = NIL;
	ListCell   *lc;
	bool		found = false;

	while ((tup = systable_getnext(scan)) != NULL)
	{
		Oid			fn = ((Form_pg_cast) GETSTRUCT(tup))->castfunc;

		if (fn >= FirstNormalObjectId)
			fns = lappend_oid(fns, fn);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	foreach(lc, fns)
		if (!found)
			found = sql_body_mentions_time(lfirst_oid(lc), ctx);
	return found;
}

/* Collects the user-defined functions a query or expression tree calls. */
static bool
collect_user_function(Oid funcid, void *context)
{
	if (funcid >= FirstNormalObjectId)
		*(List **) context = list_append_unique_oid(*(List **) context, funcid);
	return false;
}

static bool
user_function_walker(Node *node, List **fns)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, user_function_walker, fns, 0);
	check_functions_in_node(node, collect_user_function, fns);
	return expression_tree_walker(node, user_function_walker, fns);
}

/*
 * Whether the text of a SQL function body calls, as far as its words tell,
 * a user-defined SQL function that mentions a time literal: by a name
 * (unquoted, folded to lower case, or quoted), an operator, or a cast.
 * Conservative: any function or operator of that name counts, and any
 * user-defined cast function when the body casts at all.
 */
static bool
text_calls_time(const char *src, WalkContext *ctx)
{
	static const char opchars[] = "+-*/<>=~!@#%^&|`?";
	const char *p = src;
	bool		casts = false;

	while (*p)
	{
		const char *start = p;
		char	   *word = NULL;

		if (isalpha((unsigned char) *p) || *p == '_')
		{
			while (isalnum((unsigned char) *p) || *p == '_' || *p == '$')
				p++;
			word = downcase_truncate_identifier(start, p - start, false);
			if (strcmp(word, "cast") == 0)
				casts = true;
			else if (named_functions_mention_time(PROCNAMEARGSNSP, word, ctx))
				return true;
		}
		else if (*p == '"')
		{
			StringInfoData id;

			initStringInfo(&id);
			for (p++; *p && !(*p == '"' && p[1] != '"'); p++)
			{
				if (*p == '"')
					p++;		/* a doubled quote */
				appendStringInfoChar(&id, *p);
			}
			if (*p)
				p++;
			if (id.len > 0 && named_functions_mention_time(PROCNAMEARGSNSP, id.data, ctx))
				return true;
		}
		else if (p[0] == ':' && p[1] == ':')
		{
			casts = true;
			p += 2;
		}
		else if (strchr(opchars, *p))
		{
			char	   *op;

			while (*p && strchr(opchars, *p))
				p++;
			op = pnstrdup(start, p - start);
			if (named_functions_mention_time(OPERNAMENSP, op, ctx))
				return true;
		}
		else
			p++;
	}
	return casts && casts_mention_time(ctx);
}

/*
 * Whether a user-defined SQL function's body mentions a time literal that
 * the parser would fold when the planner inlines the function, or calls a
 * user-defined SQL function that does (the planner inlines such calls one
 * into the other).  A body written as text is read by its words
 * (conservatively: a false alarm only asks for a ttl); a BEGIN ATOMIC body
 * was analysed when it was created (its literals were folded then, for a
 * direct call as well), so only the functions it calls are followed.
 */
static bool
sql_body_mentions_time(Oid funcid, WalkContext *ctx)
{
	HeapTuple	tp;
	Datum		d;
	bool		isnull;
	bool		found = false;

	check_stack_depth();
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
	d = SysCacheGetAttr(PROCOID, tp, Anum_pg_proc_prosqlbody, &isnull);
	if (!isnull)
	{
		List	   *fns = NIL;
		ListCell   *lc;

		user_function_walker((Node *) stringToNode(TextDatumGetCString(d)), &fns);
		ReleaseSysCache(tp);
		foreach(lc, fns)
			if (!found)
				found = sql_body_mentions_time(lfirst_oid(lc), ctx);
		return found;
	}
	d = SysCacheGetAttr(PROCOID, tp, Anum_pg_proc_prosrc, &isnull);
	if (!isnull)
	{
		char	   *src = TextDatumGetCString(d);

		ReleaseSysCache(tp);
		found = mentions_time_literal(src) || text_calls_time(src, ctx);
		pfree(src);
		return found;
	}
	ReleaseSysCache(tp);
	return false;
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
	if (ctx->rtable != NIL)
		cachepg_keydeps_note(plan, ctx->rtable, ctx->params, &ctx->deps->scans);
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
			break;
		case T_WindowAgg:
			exprs = lappend(exprs, ((WindowAgg *) plan)->startOffset);
			exprs = lappend(exprs, ((WindowAgg *) plan)->endOffset);
			exprs = lappend(exprs, ((WindowAgg *) plan)->runCondition);
			break;
		case T_Limit:
			exprs = lappend(exprs, ((Limit *) plan)->limitOffset);
			exprs = lappend(exprs, ((Limit *) plan)->limitCount);
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
	int			tries;

	if (rv->catalogname && strcmp(rv->catalogname, get_database_name(MyDatabaseId)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cross-database references are not implemented: \"%s\" in cachepg.depends_on",
						NameListToString(names))));
	/* as RangeVarGetRelidExtended: a concurrent drop and re-create retries */
	for (tries = 0; tries < 3; tries++)
	{
		Oid			relid = InvalidOid;

		if (rv->schemaname == NULL)
			relid = RelnameGetRelid(rv->relname);
		else
		{
			Oid			nsp = get_namespace_oid(rv->schemaname, true);

			if (OidIsValid(nsp))
				relid = get_relname_relid(rv->relname, nsp);
		}
		if (!OidIsValid(relid))
			break;
		LockRelationOid(relid, AccessShareLock);
		if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
			return relid;
		UnlockRelationOid(relid, AccessShareLock);	/* dropped meanwhile */
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_TABLE),
			 errmsg("relation \"%s\" in cachepg.depends_on does not exist",
					NameListToString(names))));
	return InvalidOid;			/* keep compiler quiet */
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
		deps->declared = lappend_oid(deps->declared, rte->relid);
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
		refuse(deps, VERDICT_NEVER,
			   psprintf("temporary relation \"%s\"", NameStr(rel->relname)));
	else if (rel->relkind == RELKIND_FOREIGN_TABLE)
		refuse(deps, VERDICT_UNSAFE,
			   psprintf("foreign table \"%s\"", NameStr(rel->relname)));
	else if (rel->relkind == RELKIND_SEQUENCE)
	{
		refuse(deps, VERDICT_UNSAFE,
			   psprintf("sequence \"%s\"", NameStr(rel->relname)));
		if (!OidIsValid(deps->sequence))
			deps->sequence = rte->relid;
	}
	else if (IsCatalogRelationOid(rte->relid))
		refuse(deps, VERDICT_UNSAFE,
			   psprintf("system catalog \"%s\"", NameStr(rel->relname)));
	else if (rel->relrowsecurity)
		refuse(deps, VERDICT_UNSAFE,
			   psprintf("table \"%s\" with row-level security", NameStr(rel->relname)));
	if (rel->relpersistence != RELPERSISTENCE_TEMP)
		note_name(deps, rel->relnamespace, NameStr(rel->relname), true);
	ReleaseSysCache(tp);
	deps->rtes = lappend(deps->rtes, rte);
	deps->relids = list_append_unique_oid(deps->relids, rte->relid);
}

/*
 * Every name the statement wrote in function syntax, whatever it resolved
 * to: f(t) may have been read as the column t.f, which a new function f
 * would take over.
 */
static bool
raw_call_walker(Node *node, CacheDeps *deps)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		List	   *names = ((FuncCall *) node)->funcname;
		char	   *schema;
		char	   *name;
		Oid			nspid = InvalidOid;

		DeconstructQualifiedName(names, &schema, &name);
		if (schema != NULL)
		{
			nspid = get_namespace_oid(schema, true);
			if (!OidIsValid(nspid))
				nspid = PG_CATALOG_NAMESPACE;	/* it did not resolve anyway */
		}
		add_name(deps, nspid, name, false, true);
	}
	return raw_expression_tree_walker(node, raw_call_walker, deps);
}

void
cachepg_deps_analyze(CacheDeps *deps, const char *sql, Node *raw, Query *query,
					 PlannedStmt *pstmt, ParamListInfo params)
{
	WalkContext ctx;
	ListCell   *lc;

	deps->verdict = VERDICT_STORE;
	deps->reason = NULL;
	deps->rtes = NIL;
	deps->relids = NIL;
	deps->typrels = NIL;
	deps->checks = NIL;
	deps->sequence = InvalidOid;
	deps->hidden = false;
	deps->hidden_fn = NULL;
	deps->names = NIL;
	deps->names_unknown = false;
	deps->ran_pl = false;
	deps->session_code = false;
	deps->scans = NIL;
	deps->declared = NIL;
	memset(&ctx, 0, sizeof(ctx));
	ctx.deps = deps;
	ctx.final_plan = false;
	ctx.types_seen = NIL;
	ctx.sqlfuncs_seen = NIL;
	ctx.attribute_only = false;
	ctx.direct = NIL;
	ctx.aggsupport = NIL;

	foreach(lc, pstmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_RELATION)
			analyze_relation(deps, rte);
	}
	if (pstmt->rowMarks != NIL || query->rowMarks != NIL)
		refuse(deps, VERDICT_UNSAFE, "FOR UPDATE/SHARE");
	query_walker((Node *) query, &ctx);
	raw_call_walker(raw, deps);
	if (mentions_time_literal(sql))
		refuse(deps, VERDICT_NEEDS_TTL, "a time literal such as 'now' or 'today'");

	/* the final plan: what inlining left, time functions inlined bodies call */
	ctx.final_plan = true;
	ctx.rtable = pstmt->rtable;
	ctx.params = params;
	plan_walker(pstmt->planTree, &ctx);
	foreach(lc, pstmt->subplans)
		plan_walker((Plan *) lfirst(lc), &ctx);
	if (deps->hidden && !declared_relations(deps))
		refuse(deps, VERDICT_UNSAFE,
			   psprintf("function %s(), which may read tables out of the planner's sight (declare them in cachepg.depends_on)",
						deps->hidden_fn));
	/* a body that is not inlined looks names up when it runs */
	if (deps->hidden)
		deps->names_unknown = true;
	foreach(lc, deps->typrels)
		note_relation_name(deps, lfirst_oid(lc));
}

/*
 * The names of what PostgreSQL checked privileges on while it parsed,
 * planned and ran the statement (cachepg_deps_finish): SQL functions the
 * planner inlined at any depth, schemas, relations read inside function
 * bodies.  Called once the statement ran.  Returns the name of a temporary
 * relation among them (one a function body read), or NULL.
 */
const char *
cachepg_deps_note_checked(CacheDeps *deps)
{
	ListCell   *lc;
	const char *temp = NULL;

	foreach(lc, deps->checks)
	{
		PrivCheck  *c = lfirst(lc);

		if (c->kind == PRIV_FUNCTION)
		{
			HeapTuple	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(c->oid));

			if (HeapTupleIsValid(tp))
			{
				Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tp);

				note_name(deps, proc->pronamespace, NameStr(proc->proname), false);
				note_body(deps, c->oid, proc->prolang);
				ReleaseSysCache(tp);
			}
		}
		else if (c->kind == PRIV_RELATION)
		{
			HeapTuple	tp = SearchSysCache1(RELOID, ObjectIdGetDatum(c->oid));
			Form_pg_class rel;

			if (!HeapTupleIsValid(tp))
			{
				/* made and dropped meanwhile: take no risk */
				if (temp == NULL)
					temp = "(dropped)";
				continue;
			}
			rel = (Form_pg_class) GETSTRUCT(tp);
			if (rel->relpersistence != RELPERSISTENCE_TEMP)
				note_name(deps, rel->relnamespace, NameStr(rel->relname), true);
			else if (temp == NULL)
				temp = pstrdup(NameStr(rel->relname));
			ReleaseSysCache(tp);
		}
		else if (c->kind == PRIV_SCHEMA)
			note_name(deps, InvalidOid, get_namespace_name(c->oid), false);
	}
	return temp;
}

/*
 * The name slots (marks.h, MARK_NAME) a result depends on: for each object
 * it used, its name in its own schema and in every schema of the search
 * path (where a new object of that name may be found first, or may be a
 * better match for a function or an operator), and its schema's name (a
 * qualified name stops resolving when the schema is renamed or dropped).
 * Temporary schemas are left out: their objects never mark.
 */
List *
cachepg_deps_name_slots(const CacheDeps *deps)
{
	Oid			pathbuf[32];
	Oid		   *path = pathbuf;
	int			npath;
	List	   *slots = NIL;
	ListCell   *lc;
	int			i;

	npath = fetch_search_path_array(path, lengthof(pathbuf));
	if (npath > (int) lengthof(pathbuf))
	{
		path = palloc(sizeof(Oid) * npath);
		npath = fetch_search_path_array(path, npath);
	}
	foreach(lc, deps->names)
	{
		NameRef    *ref = lfirst(lc);
		const char *name = NameStr(ref->name);

		/*
		 * A relation or type of pg_catalog searched first (as it is unless
		 * the path names it later) cannot be shadowed, and pg_catalog
		 * cannot be renamed; functions and operators can still meet a
		 * better match elsewhere.
		 */
		if (ref->nspid == PG_CATALOG_NAMESPACE && ref->shadowable &&
			npath > 0 && path[0] == PG_CATALOG_NAMESPACE)
			continue;
		if (!ref->called || OidIsValid(ref->nspid))
			slots = list_append_unique_int(slots, cachepg_name_slot(ref->nspid, name));
		if (!OidIsValid(ref->nspid) && !ref->called)
			continue;			/* a schema's own name */
		if (OidIsValid(ref->nspid) && ref->nspid != PG_CATALOG_NAMESPACE)
		{
			char	   *nspname = get_namespace_name(ref->nspid);

			/*
			 * Dropped meanwhile: the drop marked names, so this load does
			 * not store (see load_check in run.c)
			 */
			if (nspname != NULL)
				slots = list_append_unique_int(slots,
											   cachepg_name_slot(InvalidOid, nspname));
		}
		for (i = 0; i < npath; i++)
			if (path[i] != ref->nspid)
				slots = list_append_unique_int(slots, cachepg_name_slot(path[i], name));
	}
	return slots;
}

/*
 * The names that a temporary relation or type would shadow (a session with
 * a temporary schema looks those up there first), NUL-terminated.
 */
void
cachepg_deps_shadowable(const CacheDeps *deps, StringInfo buf)
{
	ListCell   *lc;

	foreach(lc, deps->names)
	{
		NameRef    *ref = lfirst(lc);

		if (ref->shadowable)
			appendBinaryStringInfo(buf, NameStr(ref->name), strlen(NameStr(ref->name)) + 1);
	}
}

/*
 * When this backend first ran each user function of a procedural language
 * as it is defined now (PL/pgSQL compiles it then, and keeps its DECLARE
 * types and plans, resolved as of then, for the session; it compiles it
 * again only when the function's pg_proc row is another, which is what is
 * kept here too): the generation counter as of then.  In TopMemoryContext.
 * Functions PostgreSQL calls without the executor's EXECUTE check (the
 * support functions of an operator class) are not seen: a result that uses
 * a user-defined operator counts as run by anything this backend compiled
 * since it began (backend_began).
 */
typedef struct FirstRun
{
	Oid			fn;
	TransactionId xmin;			/* its pg_proc row, as PL/pgSQL checks */
	ItemPointerData tid;
	uint64		gen;			/* 0: not a procedural function */
} FirstRun;

static HTAB *first_runs = NULL;
static uint64 backend_began = 0;

static void
note_first_run(Oid fn)
{
	FirstRun   *fr;
	bool		found;
	HeapTuple	tp;
	Oid			lang;

	if (first_runs == NULL)
		first_runs = cachepg_local_hash("cachepg first runs", 64, sizeof(Oid),
										sizeof(FirstRun));
	tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	if (!HeapTupleIsValid(tp))
		return;
	lang = ((Form_pg_proc) GETSTRUCT(tp))->prolang;
	fr = hash_search(first_runs, &fn, HASH_ENTER, &found);
	if (!found || fr->xmin != HeapTupleHeaderGetRawXmin(tp->t_data) ||
		!ItemPointerEquals(&fr->tid, &tp->t_self))
	{
		/* first run, or the definition changed: compiled anew now */
		fr->xmin = HeapTupleHeaderGetRawXmin(tp->t_data);
		fr->tid = tp->t_self;
		fr->gen = (lang == ClanguageId || lang == INTERNALlanguageId ||
				   lang == SQLlanguageId) ? 0 : cachepg_marks_now();
	}
	ReleaseSysCache(tp);
}

/*
 * Whether a procedural function this result ran was compiled in this
 * backend before a name of its database was marked: its DECLARE types and
 * plans may resolve otherwise than in a new session (PostgreSQL compiles
 * and plans them again only when the function or an object they used
 * changes, not for a new object a name now finds first).
 */
bool
cachepg_deps_compiled_before_ddl(const CacheDeps *deps)
{
	ListCell   *lc;
	uint64		names = cachepg_marks_db_names_gen();

	if (deps->session_code && (backend_began == 0 || names > backend_began))
		return true;
	if (first_runs == NULL)
		return false;
	foreach(lc, deps->checks)
	{
		PrivCheck  *c = lfirst(lc);
		FirstRun   *fr;

		if (c->kind != PRIV_FUNCTION)
			continue;
		fr = hash_search(first_runs, &c->oid, HASH_FIND, NULL);
		if (fr != NULL && fr->gen != 0 && names > fr->gen)
			return true;
	}
	return false;
}

/*
 * Whether this session's temporary schema holds any object now (every
 * object depends on its schema in pg_depend: one index probe).
 */
bool
cachepg_session_has_temp_objects(void)
{
	Oid			tempns,
				temptoastns;
	Relation	rel;
	ScanKeyData key[2];
	SysScanDesc scan;
	bool		found;

	GetTempNamespaceState(&tempns, &temptoastns);
	if (!OidIsValid(tempns))
		return false;
	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(NamespaceRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(tempns));
	scan = systable_beginscan(rel, DependReferenceIndexId, true, NULL, 2, key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * Whether this session has a temporary relation or type of one of the
 * names an entry used (cachepg_deps_shadowable): the name it returns, or
 * NULL when it may be served the entry.
 */
const char *
cachepg_deps_shadowed(const char *names, uint32 len)
{
	Oid			tempns,
				temptoastns;
	const char *p = names;

	GetTempNamespaceState(&tempns, &temptoastns);
	if (!OidIsValid(tempns))
		return NULL;
	while (p < names + len)
	{
		if (OidIsValid(get_relname_relid(p, tempns)) ||
			GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, PointerGetDatum(p),
							ObjectIdGetDatum(tempns)))
			return p;
		p += strlen(p) + 1;
	}
	return NULL;
}

static bool
same_check(const PrivCheck *a, char kind, Oid oid, Oid userid, AclMode perms,
		   const Bitmapset *cols)
{
	return a->kind == kind && a->oid == oid && a->userid == userid &&
		a->perms == perms && bms_equal(a->cols, cols);
}

/* Append a check to a list unless it is there already. */
static List *
add_check(List *checks, char kind, Oid oid, Oid userid, AclMode perms,
		  const Bitmapset *cols)
{
	ListCell   *lc;
	PrivCheck  *c;

	foreach(lc, checks)
		if (same_check(lfirst(lc), kind, oid, userid, perms, cols))
			return checks;
	c = palloc0(sizeof(PrivCheck));
	c->kind = kind;
	c->oid = oid;
	c->userid = userid;
	c->perms = perms;
	c->cols = bms_copy(cols);
	return lappend(checks, c);
}

static CheckRecorder *recorder = NULL;

/* Note a check made as userid in the active recorder, if it records. */
static void
record_check(char kind, Oid oid, Oid userid, AclMode perms, const Bitmapset *cols)
{
	MemoryContext old;

	if (recorder == NULL || recorder->paused)
		return;
	old = MemoryContextSwitchTo(recorder->cxt);
	recorder->checks = add_check(recorder->checks, kind, oid, userid, perms, cols);
	MemoryContextSwitchTo(old);
}

/* A schema or function check made as userid. */
static void
note_check(char kind, Oid oid, Oid userid)
{
	record_check(kind, oid, userid, 0, NULL);
}

/*
 * The checks a hit of this result makes: those noted while the statement
 * was parsed, planned and run; false when the result is not to be stored
 * because it came through an error the query handled itself (a check that
 * failed, whose later success would change the result, is not a check a
 * hit can make).
 */
bool
cachepg_deps_finish(CacheDeps *deps, CheckRecorder *r)
{
	deps->checks = r->checks;
	return !r->tainted;
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

static void
put_int(StringInfo buf, int32 v)
{
	appendBinaryStringInfo(buf, (char *) &v, sizeof(v));
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
 * Serialized dependencies: the count and OIDs of the relations to lock,
 * then the count of checks and per check its kind, object, role,
 * permissions and selected columns (count and members).
 */
void
cachepg_deps_serialize(const CacheDeps *deps, StringInfo buf)
{
	ListCell   *lc;

	put_int(buf, list_length(deps->rtes));
	foreach(lc, deps->rtes)
		put_int(buf, (int32) lfirst_node(RangeTblEntry, lc)->relid);
	put_int(buf, list_length(deps->checks));
	foreach(lc, deps->checks)
	{
		PrivCheck  *c = lfirst(lc);
		int			x = -1;

		put_int(buf, c->kind);
		put_int(buf, (int32) c->oid);
		put_int(buf, (int32) c->userid);
		put_int(buf, (int32) c->perms);
		put_int(buf, bms_num_members(c->cols));
		while ((x = bms_next_member(c->cols, x)) >= 0)
			put_int(buf, x);
	}
}

/*
 * What a hit does first instead of planning, as the plan cache would: lock
 * every relation the result was computed from AccessShareLock (which also
 * processes pending invalidations) and check each still exists without row
 * security (else RECHECK_STALE; a SERIALIZABLE caller also takes the
 * predicate locks a direct read would).  *checks is set to the start of
 * the privilege checks, for cachepg_deps_permitted().
 */
RecheckResult
cachepg_deps_lock(const char *data, const char **checks)
{
	const char *p = data;
	int32		n,
				i;

	n = get_int(&p);
	for (i = 0; i < n; i++)
	{
		Oid			relid = (Oid) get_int(&p);
		HeapTuple	tp;
		bool		ok;

		LockRelationOid(relid, AccessShareLock);
		tp = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
		if (!HeapTupleIsValid(tp))
			return RECHECK_STALE;
		ok = !((Form_pg_class) GETSTRUCT(tp))->relrowsecurity;
		ReleaseSysCache(tp);
		if (!ok)
			return RECHECK_STALE;
		if (IsolationIsSerializable())
		{
			/* what a direct read would take, so write skew is still seen */
			Relation	rel = relation_open(relid, NoLock);

			PredicateLockRelation(rel, GetTransactionSnapshot());
			relation_close(rel, NoLock);
		}
	}
	*checks = p;
	return RECHECK_OK;
}

/* Where the privilege checks of serialized dependencies start. */
const char *
cachepg_deps_checks(const char *data)
{
	int32		n;

	memcpy(&n, data, sizeof(n));
	return data + sizeof(int32) * (1 + n);
}

/* Whether a relation and every user column in cols (offset as in an RTE) exist. */
static bool
columns_exist(Oid relid, const Bitmapset *cols)
{
	int			x = -1;

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		return false;
	while ((x = bms_next_member(cols, x)) >= 0)
	{
		AttrNumber	attno = x + FirstLowInvalidHeapAttributeNumber;
		HeapTuple	tp;
		bool		ok;

		if (attno <= 0)
			continue;			/* system columns and the whole row */
		tp = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attno));
		if (!HeapTupleIsValid(tp))
			return false;
		ok = !((Form_pg_attribute) GETSTRUCT(tp))->attisdropped;
		ReleaseSysCache(tp);
		if (!ok)
			return false;
	}
	return true;
}

/*
 * Then, once the entry's generations are known to be current: make again
 * every privilege check PostgreSQL made when the result was computed, as
 * the same roles (from checks up to end).  A check that fails raises
 * nothing: RECHECK_DENIED sends the caller to run the query itself, which
 * raises PostgreSQL's own error (or lets the query handle it).  Something
 * a check names that is gone makes the entry stale.  On a hit inside
 * another load, the checks count for that load too.
 */
RecheckResult
cachepg_deps_permitted(const char *checks, const char *end)
{
	const char *p = checks;
	List	   *rtable = NIL;
	int32		n,
				i;

	n = get_int(&p);
	for (i = 0; i < n; i++)
	{
		char		kind = (char) get_int(&p);
		Oid			oid = (Oid) get_int(&p);
		Oid			userid = (Oid) get_int(&p);
		AclMode		perms = (AclMode) get_int(&p);
		int32		ncols = get_int(&p);
		int32		c;

		switch (kind)
		{
			case PRIV_SCHEMA:
			case PRIV_FUNCTION:
				{
					bool		schema = (kind == PRIV_SCHEMA);

					if (!SearchSysCacheExists1(schema ? NAMESPACEOID : PROCOID,
											   ObjectIdGetDatum(oid)))
						return RECHECK_STALE;
					if ((schema ? pg_namespace_aclcheck(oid, userid, ACL_USAGE) :
						 pg_proc_aclcheck(oid, userid, ACL_EXECUTE)) != ACLCHECK_OK)
						return RECHECK_DENIED;
					note_check(kind, oid, userid);
					break;
				}
			case PRIV_RELATION:
				{
					RangeTblEntry *rte = makeNode(RangeTblEntry);

					rte->rtekind = RTE_RELATION;
					rte->relid = oid;
					rte->requiredPerms = perms;
					rte->checkAsUser = userid;
					for (c = 0; c < ncols; c++)
						rte->selectedCols = bms_add_member(rte->selectedCols, get_int(&p));
					/* one a function read may not be among those locked */
					LockRelationOid(oid, AccessShareLock);
					if (!columns_exist(oid, rte->selectedCols))
						return RECHECK_STALE;
					rtable = lappend(rtable, rte);
					break;
				}
			default:
				elog(ERROR, "cachepg: unknown privilege check kind %d", kind);
		}
	}
	Assert(p == end);
	if (rtable != NIL && !ExecCheckRTPerms(rtable, false))
		return RECHECK_DENIED;
	return RECHECK_OK;
}

/*
 * The checks PostgreSQL makes while a statement is parsed, planned and run
 * (including inside the functions it calls), noted through its hooks:
 * OAT_NAMESPACE_SEARCH after USAGE on a schema was granted (for an
 * explicitly qualified name, or a search path being computed),
 * OAT_FUNCTION_EXECUTE after the executor granted EXECUTE, the planner hook
 * for SQL functions it inlined, and ExecutorCheckPerms_hook after
 * ExecCheckRTPerms granted a range table's permissions.  Each is noted
 * with the role it was checked as: the current user, a view's owner, or an
 * aggregate's owner.  Recorders nest (a load inside a load's functions);
 * an inner one's checks count for the outer one too.
 */
static ExecutorCheckPerms_hook_type prev_check_perms = NULL;
static planner_hook_type prev_planner = NULL;
static ExecutorStart_hook_type prev_executor_start = NULL;

void
cachepg_checks_push(CheckRecorder *r)
{
	r->userid = GetUserId();
	r->checks = NIL;
	r->paused = false;
	r->tainted = false;
	r->cxt = CurrentMemoryContext;
	r->prev = recorder;
	recorder = r;
}

void
cachepg_checks_pop(CheckRecorder *r)
{
	ListCell   *lc;

	Assert(recorder == r);
	recorder = r->prev;
	foreach(lc, r->checks)
	{
		PrivCheck  *c = lfirst(lc);

		record_check(c->kind, c->oid, c->userid, c->perms, c->cols);
	}
}

/*
 * The aggregates' support functions of the plans the executor is starting:
 * it checks EXECUTE on them as each aggregate's owner (nodeAgg.c,
 * nodeWindowAgg.c), through the same hook as the caller's own calls.
 */
typedef struct StartFrame
{
	List	   *aggsupport;		/* (support function, owner) pairs */
	List	   *direct;			/* functions the plan calls itself */
	struct StartFrame *prev;
} StartFrame;

static StartFrame *start_frame = NULL;

/* A schema (PRIV_SCHEMA) or function (PRIV_FUNCTION) check just made. */
void
cachepg_checks_note(char kind, Oid oid)
{
	bool		support = false;
	ListCell   *lc;

	if (kind == PRIV_FUNCTION && oid >= FirstNormalObjectId)
		note_first_run(oid);
	if (recorder == NULL || recorder->paused)
		return;
	if (kind == PRIV_FUNCTION && start_frame != NULL)
		foreach(lc, start_frame->aggsupport)
			if (linitial_oid((List *) lfirst(lc)) == oid)
			{
				support = true;
				note_check(kind, oid, lsecond_oid((List *) lfirst(lc)));
			}

	/*
	 * The same function may also have been checked as the caller, through a
	 * path the walk of the plan does not show (a domain's CHECK, a hash
	 * function): unless the caller could not have passed that check.
	 */
	if (!support || list_member_oid(start_frame->direct, oid) ||
		pg_proc_aclcheck(oid, GetUserId(), ACL_EXECUTE) == ACLCHECK_OK)
		note_check(kind, oid, GetUserId());
}

static bool
note_range_table(List *rangeTable, bool ereport_on_violation)
{
	ListCell   *lc;

	foreach(lc, rangeTable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_RELATION && rte->requiredPerms != 0)
			record_check(PRIV_RELATION, rte->relid,
						 OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId(),
						 rte->requiredPerms, rte->selectedCols);
	}
	return prev_check_perms ? prev_check_perms(rangeTable, ereport_on_violation) : true;
}

/*
 * This backend's SQL-language functions by the hash of their OID, sorted,
 * until pg_proc changes: the plan lists the functions it inlined only by
 * that hash.
 */
typedef struct FuncHash
{
	uint32		hash;
	Oid			fn;
} FuncHash;

static FuncHash *sql_functions = NULL;
static int	n_sql_functions = 0;
static bool sql_functions_valid = false;

static void
forget_sql_functions(Datum arg, int cacheid, uint32 hashvalue)
{
	sql_functions_valid = false;
}

static int
cmp_func_hash(const void *a, const void *b)
{
	uint32		x = ((const FuncHash *) a)->hash;
	uint32		y = ((const FuncHash *) b)->hash;

	return x < y ? -1 : x > y ? 1 : 0;
}

static void
load_sql_functions(void)
{
	Relation	rel = table_open(ProcedureRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tup;
	int			size = 64;
	FuncHash   *fns = MemoryContextAlloc(TopMemoryContext, size * sizeof(FuncHash));
	int			n = 0;

	while ((tup = systable_getnext(scan)) != NULL)
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tup);

		/* what record_plan_function_dependency records */
		if (proc->prolang != SQLlanguageId || proc->oid < FirstUnpinnedObjectId)
			continue;
		if (n == size)
		{
			size *= 2;
			fns = repalloc(fns, size * sizeof(FuncHash));
		}
		fns[n].fn = proc->oid;
		fns[n].hash = GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(proc->oid));
		n++;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	qsort(fns, n, sizeof(FuncHash), cmp_func_hash);
	if (sql_functions)
		pfree(sql_functions);
	sql_functions = fns;
	n_sql_functions = n;
	sql_functions_valid = true;
}

/*
 * The planner checks EXECUTE on a SQL function before it inlines it
 * (inline_function, at any depth of inlining), with no hook to note it; it
 * does list the function among the plan's invalidation items, by the hash
 * of its OID.  So every SQL function whose hash the plan lists is noted as
 * checked by the current user (it was inlined, or the plan calls it and the
 * executor checks it too).  A hash two functions share notes both.
 */
static PlannedStmt *
note_planning(Query *parse, const char *query_string, int cursorOptions,
			  ParamListInfo boundParams)
{
	PlannedStmt *result;
	ListCell   *lc;
	if (backend_began == 0)
		backend_began = cachepg_marks_now();	/* before its first plan */
	result = prev_planner ?
		prev_planner(parse, query_string, cursorOptions, boundParams) :
		standard_planner(parse, query_string, cursorOptions, boundParams);
	if (recorder == NULL || recorder->paused)
		return result;
	foreach(lc, result->invalItems)
	{
		PlanInvalItem *item = lfirst_node(PlanInvalItem, lc);
		FuncHash	key;
		FuncHash   *hit;

		if (item->cacheId != PROCOID)
			continue;
		if (!sql_functions_valid)
			load_sql_functions();
		key.hash = item->hashValue;
		hit = bsearch(&key, sql_functions, n_sql_functions, sizeof(FuncHash), cmp_func_hash);
		if (hit == NULL)
			continue;
		while (hit > sql_functions && hit[-1].hash == key.hash)
			hit--;
		for (; hit < sql_functions + n_sql_functions && hit->hash == key.hash; hit++)
			note_check(PRIV_FUNCTION, hit->fn, GetUserId());
	}
	return result;
}

/*
 * Executor start: note which functions of this plan are aggregates'
 * support functions, so that the checks made while it starts are noted as
 * the right roles.
 */
static void
start_plan(QueryDesc *queryDesc, int eflags)
{
	if (prev_executor_start)
		prev_executor_start(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

static void
note_executor_start(QueryDesc *queryDesc, int eflags)
{
	StartFrame	frame;
	MemoryContext walkcxt;
	MemoryContext old;
	CacheDeps	d;
	WalkContext ctx;
	ListCell   *lc;

	if (recorder == NULL || recorder->paused)
	{
		start_plan(queryDesc, eflags);
		return;
	}

	/* the walk's lists live only while the plan starts */
	walkcxt = AllocSetContextCreate(CurrentMemoryContext, "cachepg executor start",
									ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(walkcxt);
	memset(&d, 0, sizeof(d));
	memset(&ctx, 0, sizeof(ctx));
	ctx.deps = &d;
	ctx.final_plan = true;
	ctx.attribute_only = true;
	plan_walker(queryDesc->plannedstmt->planTree, &ctx);
	foreach(lc, queryDesc->plannedstmt->subplans)
		plan_walker((Plan *) lfirst(lc), &ctx);
	MemoryContextSwitchTo(old);
	frame.aggsupport = ctx.aggsupport;
	frame.direct = ctx.direct;
	frame.prev = start_frame;
	start_frame = &frame;
	PG_TRY();
	{
		start_plan(queryDesc, eflags);
	}
	PG_FINALLY();
	{
		start_frame = frame.prev;
		MemoryContextDelete(walkcxt);
	}
	PG_END_TRY();
}

/*
 * A subtransaction aborted while loading (a PL/pgSQL exception handler
 * caught an error): the result may depend on a check that failed, which
 * no replay can make again, so it is not stored.
 */
static void
note_subxact(SubXactEvent event, SubTransactionId mySubid,
			 SubTransactionId parentSubid, void *arg)
{
	CheckRecorder *r;

	if (event == SUBXACT_EVENT_ABORT_SUB)
		for (r = recorder; r != NULL; r = r->prev)
			r->tainted = true;
}

/* Install the planner and executor hooks; from _PG_init while preloading. */
void
cachepg_deps_init(void)
{
	prev_check_perms = ExecutorCheckPerms_hook;
	ExecutorCheckPerms_hook = note_range_table;
	prev_planner = planner_hook;
	planner_hook = note_planning;
	prev_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = note_executor_start;
	RegisterSubXactCallback(note_subxact, NULL);
	CacheRegisterSyscacheCallback(PROCOID, forget_sql_functions, (Datum) 0);
}
