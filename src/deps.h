/*
 * deps.h
 *		What a result depends on, and whether it may be stored.
 */
#ifndef CACHEPG_DEPS_H
#define CACHEPG_DEPS_H

#include "lib/stringinfo.h"
#include "nodes/params.h"
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
	List	   *rtes;			/* RTE_RELATION entries to lock on a hit */
	List	   *relids;			/* relations read or declared (unique) */
	List	   *typrels;		/* relations of composite types used */
	List	   *checks;			/* PrivCheck: what a hit re-checks */
	List	   *scans;			/* scans of the final plan (keydeps.c) */
	List	   *declared;		/* relations cachepg.depends_on named */
	Oid			sequence;		/* a sequence read, if any */
	bool		hidden;			/* calls functions that may read more */
	const char *hidden_fn;		/* the first of those */
	List	   *names;			/* NameRef: every object used, by name */
	bool		names_unknown;	/* names are also looked up out of sight */
	bool		ran_pl;			/* ran a user function of a procedural
								 * language (PL/pgSQL keeps it compiled) */
	bool		session_code;	/* runs user code a session keeps prepared
								 * out of the plan's sight: a procedural
								 * function of a user-defined operator (or
								 * of its operator class), a domain's CHECK
								 * with a user function */
} CacheDeps;

/*
 * An object a result used, as DDL marks it (marks.h, MARK_NAME): its schema
 * (InvalidOid for a schema itself) and name, and whether a temporary
 * object of that name would be found first (a relation or a type).
 */
typedef struct NameRef
{
	Oid			nspid;
	bool		shadowable;
	bool		called;			/* a name in function syntax, resolved to
								 * whatever it was (nspid InvalidOid: not
								 * qualified) */
	NameData	name;
} NameRef;

/*
 * One privilege check PostgreSQL made while it parsed, planned and ran the
 * statement, and that a hit makes again: USAGE on a schema a name was
 * looked up in, EXECUTE on a function, or a range-table entry's
 * permissions (columns included), each as the role it was checked as.
 */
typedef struct PrivCheck
{
	char		kind;			/* PRIV_* */
	Oid			oid;
	Oid			userid;
	AclMode		perms;			/* PRIV_RELATION */
	Bitmapset  *cols;			/* PRIV_RELATION: selected columns */
} PrivCheck;

#define PRIV_SCHEMA		'n'
#define PRIV_FUNCTION	'f'
#define PRIV_RELATION	'r'

/* Collects the checks made while a statement is loaded (see deps.c). */
typedef struct CheckRecorder
{
	Oid			userid;			/* the caller */
	bool		paused;			/* while cachepg runs statements of its own */
	bool		tainted;		/* an error was handled while loading */
	List	   *checks;
	MemoryContext cxt;
	struct CheckRecorder *prev;
} CheckRecorder;

/* What cachepg_deps_lock() or cachepg_deps_permitted() found. */
typedef enum RecheckResult
{
	RECHECK_OK,
	RECHECK_STALE,				/* something the entry depends on is gone */
	RECHECK_DENIED				/* a check a direct run makes would fail */
} RecheckResult;

extern void cachepg_deps_init(void);
extern void cachepg_deps_analyze(CacheDeps *deps, const char *sql,
								 Node *raw, Query *query, PlannedStmt *pstmt,
								 ParamListInfo params);
extern const char *cachepg_deps_note_checked(CacheDeps *deps);
extern bool cachepg_session_has_temp_objects(void);
extern bool cachepg_deps_compiled_before_ddl(const CacheDeps *deps);
extern bool cachepg_deps_finish(CacheDeps *deps, CheckRecorder *r);
extern void cachepg_deps_serialize(const CacheDeps *deps, StringInfo buf);
extern RecheckResult cachepg_deps_lock(const char *data, const char **checks);
extern RecheckResult cachepg_deps_permitted(const char *checks, const char *end);
extern const char *cachepg_deps_checks(const char *data);
extern List *cachepg_deps_relations(const CacheDeps *deps);
extern List *cachepg_deps_name_slots(const CacheDeps *deps);
extern void cachepg_deps_shadowable(const CacheDeps *deps, StringInfo buf);
extern const char *cachepg_deps_shadowed(const char *names, uint32 len);
extern List *cachepg_deps_unwatched(const CacheDeps *deps, List *rels,
									 bool opted_in);

extern void cachepg_checks_push(CheckRecorder *r);
extern void cachepg_checks_pop(CheckRecorder *r);
extern void cachepg_checks_note(char kind, Oid oid);

#endif
