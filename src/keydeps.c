/*
 * keydeps.c
 *		Which keys of a table a result depends on, from the final plan.
 *
 * A result depends on table T "by key" when every scan of T in the final
 * plan carries, among its top-level ANDed conditions (index conditions or
 * filter), col = <constant or parameter> or col = ANY(<constant or
 * parameter array>) on a key column of T: then only a write of a row with
 * one of those values can change it.  Only Const and PARAM_EXTERN values
 * count: PARAM_EXEC ones (nested-loop and initplan parameters) carry values
 * from other rows.
 *
 * A value is kept as the hash a writer computes for an equal column value
 * (watch.c): the hash function of the column type's default hash operator
 * class, under the column's collation.  So the operator must belong to
 * that family as its equality (values equal under it then hash alike, also
 * across types: int4 = int8, numeric scales), and its collation must be the
 * column's or a deterministic one (equality is then byte equality, which
 * any collation's hash respects).  Anything else pins nothing.
 *
 * Which columns are key columns is known only when the marks are read
 * (cachepg_keydeps_marks); the plan is walked once, at analysis, for every
 * candidate condition.
 */
#include "postgres.h"

#include "access/hash.h"
#include "access/relation.h"
#include "access/stratnum.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "cachepg.h"
#include "keydeps.h"
#include "marks.h"
#include "watch.h"

/* One candidate condition of a scan: column attno pinned to these values. */
typedef struct KeyCond
{
	AttrNumber	attno;
	int			nhashes;
	uint32	   *hashes;
} KeyCond;

/* One scan of a relation in the final plan, and its candidate conditions. */
typedef struct ScanConds
{
	Oid			relid;
	bool		unkeyable;		/* a scan no condition can pin (sampling, ...) */
	List	   *conds;			/* KeyCond */
} ScanConds;

static Node *
strip_relabel(Node *n)
{
	while (n && IsA(n, RelabelType))
		n = (Node *) ((RelabelType *) n)->arg;
	return n;
}

/*
 * The table column a node denotes in a scan, or NULL: a Var of the scanned
 * relation, or (index-only scans) an index column that is one.
 */
static Var *
scan_column(Node *n, Index scanrelid, List *indextlist)
{
	Var		   *v;

	n = strip_relabel(n);
	if (n == NULL || !IsA(n, Var))
		return NULL;
	v = (Var *) n;
	if (v->varlevelsup != 0)
		return NULL;
	if (v->varno == INDEX_VAR && indextlist != NIL)
	{
		TargetEntry *tle;

		if (v->varattno <= 0 || v->varattno > list_length(indextlist))
			return NULL;
		tle = list_nth_node(TargetEntry, indextlist, v->varattno - 1);
		if (!IsA(tle->expr, Var))
			return NULL;
		v = (Var *) tle->expr;
	}
	if (v->varno != scanrelid || v->varattno <= 0)
		return NULL;
	return v;
}

/*
 * The value of a Const or PARAM_EXTERN node, or false: other nodes (a
 * PARAM_EXEC carries another row's value) pin nothing.
 */
static bool
pinned_value(Node *n, ParamListInfo params, Datum *value, bool *isnull)
{
	n = strip_relabel(n);
	if (n == NULL)
		return false;
	if (IsA(n, Const))
	{
		*value = ((Const *) n)->constvalue;
		*isnull = ((Const *) n)->constisnull;
		return true;
	}
	if (IsA(n, Param) && ((Param *) n)->paramkind == PARAM_EXTERN &&
		params != NULL && params->paramFetch == NULL)
	{
		Param	   *p = (Param *) n;

		if (p->paramid < 1 || p->paramid > params->numParams ||
			params->params[p->paramid - 1].ptype != p->paramtype)
			return false;
		*value = params->params[p->paramid - 1].value;
		*isnull = params->params[p->paramid - 1].isnull;
		return true;
	}
	return false;
}

/*
 * The hash function for values of valtype equal, under opno, to values of
 * column col; InvalidOid when opno is not that family's equality or the
 * collations do not allow it.
 */
static Oid
pin_hash_proc(Oid opno, Oid inputcollid, Var *col, Oid valtype)
{
	Oid			family,
				intype;

	if (!cachepg_key_family(col->vartype, &family, &intype))
		return InvalidOid;
	if (get_op_opfamily_strategy(opno, family) != HTEqualStrategyNumber)
		return InvalidOid;
	if (OidIsValid(inputcollid) && inputcollid != col->varcollid &&
		!get_collation_isdeterministic(inputcollid))
		return InvalidOid;

	/*
	 * Across types (name = text, say), the two types' hash functions agree
	 * on equal values only where equality is byte equality: one may hash
	 * under the collation (a sort key) and the other not.
	 */
	if (valtype != intype &&
		((OidIsValid(col->varcollid) && !get_collation_isdeterministic(col->varcollid)) ||
		 (OidIsValid(inputcollid) && !get_collation_isdeterministic(inputcollid))))
		return InvalidOid;
	return get_opfamily_proc(family, valtype, valtype, HASHSTANDARD_PROC);
}

static uint32
pin_hash(Oid proc, Oid collation, Datum value)
{
	return DatumGetUInt32(OidFunctionCall1Coll(proc, collation, value));
}

/* The candidate condition a qual is, or NULL. */
static KeyCond *
cond_of(Node *qual, Index scanrelid, List *indextlist, ParamListInfo params)
{
	KeyCond    *kc;
	Var		   *col = NULL;
	Node	   *val = NULL;
	Oid			ltype,
				rtype,
				valtype,
				proc;
	Datum		value;
	bool		isnull;

	if (IsA(qual, OpExpr) && list_length(((OpExpr *) qual)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) qual;

		op_input_types(op->opno, &ltype, &rtype);
		if ((col = scan_column(linitial(op->args), scanrelid, indextlist)) != NULL)
		{
			val = lsecond(op->args);
			valtype = rtype;
		}
		else if ((col = scan_column(lsecond(op->args), scanrelid, indextlist)) != NULL)
		{
			val = linitial(op->args);
			valtype = ltype;
		}
		else
			return NULL;
		if (!pinned_value(val, params, &value, &isnull))
			return NULL;
		proc = pin_hash_proc(op->opno, op->inputcollid, col, valtype);
		if (!OidIsValid(proc))
			return NULL;
		kc = palloc0(sizeof(KeyCond));
		kc->attno = col->varattno;
		if (!isnull)			/* a NULL equals nothing: no row matches */
		{
			kc->hashes = palloc(sizeof(uint32));
			kc->hashes[kc->nhashes++] = pin_hash(proc, col->varcollid, value);
		}
		return kc;
	}
	if (IsA(qual, ScalarArrayOpExpr) && ((ScalarArrayOpExpr *) qual)->useOr &&
		list_length(((ScalarArrayOpExpr *) qual)->args) == 2)
	{
		ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) qual;
		ArrayType  *arr;
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int16		typlen;
		bool		typbyval;
		char		typalign;
		int			i;

		col = scan_column(linitial(sa->args), scanrelid, indextlist);
		if (col == NULL || !pinned_value(lsecond(sa->args), params, &value, &isnull))
			return NULL;
		op_input_types(sa->opno, &ltype, &rtype);
		proc = pin_hash_proc(sa->opno, sa->inputcollid, col, rtype);
		if (!OidIsValid(proc))
			return NULL;
		kc = palloc0(sizeof(KeyCond));
		kc->attno = col->varattno;
		if (isnull)
			return kc;			/* = ANY(NULL) is never true */
		arr = DatumGetArrayTypeP(value);
		get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
		deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign,
						  &elems, &nulls, &n);
		if (n > cachepg_max_keys)
			return NULL;
		kc->hashes = palloc(sizeof(uint32) * Max(n, 1));
		for (i = 0; i < n; i++)
			if (!nulls[i])
				kc->hashes[kc->nhashes++] = pin_hash(proc, col->varcollid, elems[i]);
		return kc;
	}
	return NULL;
}

/* Add the candidate conditions among a list of ANDed quals. */
static void
add_conds(ScanConds *sc, List *quals, Index scanrelid, List *indextlist,
		  ParamListInfo params)
{
	ListCell   *lc;

	foreach(lc, quals)
	{
		Node	   *q = lfirst(lc);
		KeyCond    *kc;

		if (is_andclause(q))
		{
			add_conds(sc, ((BoolExpr *) q)->args, scanrelid, indextlist, params);
			continue;
		}
		kc = cond_of(q, scanrelid, indextlist, params);
		if (kc)
			sc->conds = lappend(sc->conds, kc);
	}
}

static void
add_scan(List **scans, List *rtable, Index scanrelid, bool unkeyable,
		 List *quals, List *indextlist, ParamListInfo params)
{
	RangeTblEntry *rte;
	ScanConds  *sc;

	if (scanrelid == 0 || scanrelid > list_length(rtable))
		return;
	rte = rt_fetch(scanrelid, rtable);
	if (rte->rtekind != RTE_RELATION)
		return;
	sc = palloc0(sizeof(ScanConds));
	sc->relid = rte->relid;
	sc->unkeyable = unkeyable;
	if (!unkeyable)
		add_conds(sc, quals, scanrelid, indextlist, params);
	*scans = lappend(*scans, sc);
}

/*
 * Note one plan node, if it scans a relation: its candidate conditions.
 * Called for every node of the final plan (deps.c walks it).
 */
void
cachepg_keydeps_note(Plan *plan, List *rtable, ParamListInfo params, List **scans)
{
	Index		scanrelid;
	int			i;

	switch (nodeTag(plan))
	{
		case T_SeqScan:
		case T_TidScan:
		case T_TidRangeScan:
			add_scan(scans, rtable, ((Scan *) plan)->scanrelid, false,
					 plan->qual, NIL, params);
			break;
		case T_IndexScan:
			add_scan(scans, rtable, ((Scan *) plan)->scanrelid, false,
					 list_concat_copy(((IndexScan *) plan)->indexqualorig, plan->qual),
					 NIL, params);
			break;
		case T_IndexOnlyScan:
			{
				IndexOnlyScan *ios = (IndexOnlyScan *) plan;

				add_scan(scans, rtable, ios->scan.scanrelid, false,
						 list_concat_copy(ios->recheckqual, plan->qual),
						 ios->indextlist, params);
				break;
			}
		case T_BitmapHeapScan:
			add_scan(scans, rtable, ((Scan *) plan)->scanrelid, false,
					 list_concat_copy(((BitmapHeapScan *) plan)->bitmapqualorig, plan->qual),
					 NIL, params);
			break;
		case T_SampleScan:
			add_scan(scans, rtable, ((Scan *) plan)->scanrelid, true, NIL, NIL, NULL);
			break;
		case T_ForeignScan:
		case T_CustomScan:
			{
				Bitmapset  *relids = IsA(plan, ForeignScan) ?
				((ForeignScan *) plan)->fs_relids : ((CustomScan *) plan)->custom_relids;

				scanrelid = ((Scan *) plan)->scanrelid;
				if (scanrelid > 0)
					add_scan(scans, rtable, scanrelid, true, NIL, NIL, NULL);
				i = -1;
				while ((i = bms_next_member(relids, i)) >= 0)
					add_scan(scans, rtable, (Index) i, true, NIL, NIL, NULL);
				break;
			}
		default:
			break;
	}
}

/*
 * The key slots a result depends on for relation relid, when it depends on
 * it by key (*keyed); rel is open.  Every scan of relid must pin one of
 * its key columns; a relation with no rows of its own (a partitioned
 * table, a view) depends on none.  Past cachepg.max_keys keys, or with
 * key-level invalidation off, the dependency is table-level.
 */
List *
cachepg_keydeps_slots(List *scans, Relation rel, bool *keyed)
{
	Oid			relid = RelationGetRelid(rel);
	AttrNumber *keys;
	int			nkeys;
	List	   *slots = NIL;
	bool		scanned = false;
	ListCell   *lc;

	*keyed = false;
	if (cachepg_key_slots <= 0)
		return NIL;
	nkeys = cachepg_key_columns(rel, &keys);
	foreach(lc, scans)
	{
		ScanConds  *sc = lfirst(lc);
		KeyCond    *best = NULL;
		ListCell   *lc2;
		int			i;

		if (sc->relid != relid)
			continue;
		scanned = true;
		if (sc->unkeyable)
			return NIL;
		foreach(lc2, sc->conds)
		{
			KeyCond    *kc = lfirst(lc2);

			for (i = 0; i < nkeys; i++)
				if (keys[i] == kc->attno && (best == NULL || kc->nhashes < best->nhashes))
					best = kc;
		}
		if (best == NULL)
			return NIL;
		for (i = 0; i < best->nhashes; i++)
			slots = list_append_unique_int(slots,
										   cachepg_key_slot(relid, best->attno, best->hashes[i]));
		if (list_length(slots) > cachepg_max_keys)
			return NIL;
	}
	if (!scanned && rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE &&
		rel->rd_rel->relkind != RELKIND_VIEW)
		return NIL;
	*keyed = true;
	return slots;
}
