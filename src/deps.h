/*
 * deps.h
 *		What a result depends on, and whether it may be stored.
 */
#ifndef CACHEPG_DEPS_H
#define CACHEPG_DEPS_H

#include "lib/stringinfo.h"
#include "nodes/plannodes.h"

/* Storability verdicts, from most to least permissive. */
typedef enum CacheVerdict
{
	VERDICT_STORE,				/* safe to store */
	VERDICT_NEEDS_TTL,			/* time-dependent: only under an explicit ttl */
	VERDICT_UNSAFE,				/* refused unless cachepg.store_uncacheable */
	VERDICT_NEVER				/* never stored (temporary relations) */
} CacheVerdict;

typedef struct CacheDeps
{
	CacheVerdict verdict;
	const char *reason;			/* why not VERDICT_STORE */
	List	   *rtes;			/* RTE_RELATION entries to re-check on a hit */
	List	   *funcs;			/* OIDs of functions whose EXECUTE to re-check */
	List	   *relids;			/* relations read or declared (unique) */
	List	   *typrels;		/* relations of composite types used */
	List	   *namespaces;		/* schemas whose USAGE to re-check */
	Oid			sequence;		/* a sequence read, if any */
	bool		hidden;			/* calls functions that may read more */
} CacheDeps;

/* Notes the schemas a statement names while it is parsed, planned and run. */
typedef struct NameRecorder
{
	Oid			userid;			/* the caller: lookups as others do not count */
	bool		paused;			/* while cachepg parses text of its own */
	List	   *namespaces;
	MemoryContext cxt;
	struct NameRecorder *prev;
} NameRecorder;

extern void cachepg_deps_analyze(CacheDeps *deps, const char *sql,
								 Query *query, PlannedStmt *pstmt);
extern void cachepg_deps_serialize(const CacheDeps *deps, StringInfo buf);
extern bool cachepg_deps_recheck(const char *data, int len);
extern List *cachepg_deps_relations(const CacheDeps *deps);
extern void cachepg_names_push(NameRecorder *r);
extern void cachepg_names_pop(NameRecorder *r);
extern void cachepg_names_note(Oid nsp);
extern List *cachepg_deps_unwatched(const CacheDeps *deps, List *rels,
									 bool opted_in);

#endif
