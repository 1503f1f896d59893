/*
 * run.h
 *		The pipeline's entry points for callers other than the SQL functions:
 *		transparent statements (transparent.c) and the background worker
 *		(worker.c).
 */
#ifndef CACHEPG_RUN_H
#define CACHEPG_RUN_H

#include "access/tupdesc.h"
#include "nodes/params.h"
#include "nodes/parsenodes.h"
#include "utils/tuplestore.h"

/* What became of a call. */
typedef enum CallOutcome
{
	CALL_HIT,					/* served from the cache */
	CALL_STORED,				/* ran, and its result was stored */
	CALL_NOT_STORED,			/* ran, not stored */
	CALL_UNCACHED,				/* ran without the cache */
	CALL_MISSED,				/* hit_only or sights: no hit, nothing ran */
	CALL_OTHER_RELATIONS		/* the text names other relations than
								 * expected: nothing ran */
} CallOutcome;

extern CallOutcome cachepg_run_statement(const char *sql, int ttl,
										 bool ttl_explicit,
										 ParamListInfo params, TupleDesc desc,
										 Tuplestorestate *ts,
										 bool hit_only, bool doorkeeper,
										 List *reads, List *relations,
										 bool *refused);
extern List *cachepg_query_relations(Query *query, List **rtes);
extern bool cachepg_statement_seen(const char *sql, ParamListInfo params,
								   bool sight);
extern bool cachepg_loading(void);
extern bool cachepg_refresh(uint64 hash, uint8 want, const char **why);
extern uint64 cachepg_reclaim(int32 count);

#endif
