/*
 * transparent.c
 *		Transparent caching: plain SELECTs cached with no rewrite, by a hint
 *		comment, a table policy or cachepg.mode = force.
 *
 * The planner hook decides whether a top-level SELECT is to be cached and
 * gives it a plan whose top node is the "cachepg" custom scan.  That node
 * is one more caller of the pipeline the SQL functions use (run.c): the
 * same key (of the statement's own text, comments stripped, and its bound
 * parameters), storability rules, freshness protocol, privilege checks,
 * single flight and refresh.  On a hit it copies the stored rows out; on a
 * miss the pipeline prepares the text through SPI and runs it on the
 * statement's own snapshot, held to the rules of an older snapshot: it
 * stores only when that snapshot saw every committed write to what it read
 * and nobody was writing it, and serves only entries that snapshot could
 * have computed.
 *
 * Which plan: a statement whose parameters are known (none, or bound for a
 * custom plan) gets a small plan, just the node, and is never planned
 * unless it misses; a generic plan, an EXPLAIN, or a transaction that has
 * written gets the statement's real plan below the node.  The node runs
 * that plan itself, at full speed, when the cache can neither serve nor
 * store the result (the transaction has written, the cache or the mode was
 * turned off since).  Statements the storability rules refuse are
 * remembered and planned normally from then on.
 *
 * Only top-level statements are cached: not statements inside functions
 * (PL/pgSQL, SQL functions, DO, CALL), nor the query of CREATE TABLE AS,
 * COPY or a view; cursors (DECLARE), EXPLAIN and prepared statements
 * (PREPARE/EXECUTE, and the extended protocol's) are.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "common/hashfn.h"
#include "access/skey.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "commands/explain.h"
#include "commands/prepare.h"
#include "executor/tstoreReceiver.h"
#include "parser/analyze.h"
#include "tcop/tcopprot.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "parser/scanner.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "cachepg.h"
#include "key.h"
#include "marks.h"
#include "run.h"
#include "store.h"
#include "transparent.h"

PG_FUNCTION_INFO_V1(cachepg_table_policy);

/* cachepg.mode */
int			cachepg_mode = CACHEPG_MODE_MANUAL;

/* Why a statement is cached (custom_private), most specific first. */
#define HOW_HINT	1
#define HOW_POLICY	2
#define HOW_FORCE	3
#define HOW_MASK	0x0f
#define HOW_EXPLICIT 0x10		/* the ttl was given (hint, policy) */
#define HOW_CURSOR	0x20		/* DECLARE: served hits only, never loaded */
#define HOW_DEFAULT_TTL 0x40	/* cachepg.default_ttl when it runs */

/* A small plan's cost: any plan of the statement is preferred as generic. */
#define SMALL_PLAN_COST 1.0e9

/* Where the planner is called from. */
static int	plan_depth = 0;		/* nested planning (inlining, policies) */
static int	exec_depth = 0;		/* executor running (functions' statements) */
static int	utility_block = 0;	/* a utility other than EXPLAIN/DECLARE/EXECUTE */
static int	explain_depth = 0;	/* EXPLAIN: plan the statement for real */

/*
 * The statement of the utility command being run (EXPLAIN, DECLARE): the
 * query it plans has no location of its own within that text.
 */
static const char *utility_text = NULL;
static int	utility_location = 0;
static int	utility_len = 0;
static int	declare_depth = 0;	/* DECLARE CURSOR */
static const char *prepared_text = NULL;	/* EXECUTE's prepared statement */

static post_parse_analyze_hook_type prev_post_parse = NULL;
static bool mode_changed = false;	/* cachepg_mode_assign */

static planner_hook_type prev_planner = NULL;
static ProcessUtility_hook_type prev_utility = NULL;
static ExecutorStart_hook_type prev_start = NULL;
static ExecutorRun_hook_type prev_run = NULL;
static ExecutorFinish_hook_type prev_finish = NULL;

/* ----------------------------------------------------------------
 * Reading a statement's text: hints, the statement inside a wrapper,
 * comments stripped
 * ----------------------------------------------------------------
 */

typedef struct Token
{
	int			start;
	int			len;
	int			code;			/* core_yylex's token */
} Token;

/* What a statement's text says. */
typedef struct Statement
{
	char	   *sql;			/* the SELECT itself, comments stripped */
	int			hint;			/* HINT_* */
	int			hint_ttl;
} Statement;

#define HINT_NONE	0
#define HINT_ON		1			/* cache with cachepg.default_ttl */
#define HINT_TTL	2			/* cache with hint_ttl */
#define HINT_OFF	3

static bool
token_is(const char *text, const Token *t, const char *word)
{
	return t->len == (int) strlen(word) &&
		pg_strncasecmp(text + t->start, word, t->len) == 0;
}

/* Whether a token begins a SELECT, VALUES, TABLE or WITH statement. */
static bool
begins_select(const char *text, const Token *t)
{
	return t->code == '(' || token_is(text, t, "select") ||
		token_is(text, t, "values") || token_is(text, t, "table") ||
		token_is(text, t, "with");
}

/* Index of the first token from i at parenthesis depth 0 that is word. */
static int
find_word(const char *text, const Token *toks, int n, int i, const char *word)
{
	int			depth = 0;

	for (; i < n; i++)
	{
		if (toks[i].code == '(')
			depth++;
		else if (toks[i].code == ')')
			depth--;
		else if (depth == 0 && token_is(text, &toks[i], word))
			return i;
	}
	return -1;
}

/* sqlcommenter's URL encoding (%XX), in place. */
static void
url_decode(char *s)
{
	char	   *out = s;

	for (; *s; s++)
	{
		if (s[0] == '%' && isxdigit((unsigned char) s[1]) &&
			isxdigit((unsigned char) s[2]))
		{
			char		hex[3] = {s[1], s[2], '\0'};

			*out++ = (char) strtol(hex, NULL, 16);
			s += 2;
		}
		else
			*out++ = *s;
	}
	*out = '\0';
}

/* A hint's value: "off", "on" or "ttl=N"; anything else is ignored. */
static void
read_hint_value(const char *value, Statement *st)
{
	const char *p = value;
	char	   *end;
	long		ttl;

	while (isspace((unsigned char) *p))
		p++;
	if (pg_strncasecmp(p, "off", 3) == 0 && strspn(p + 3, " \t\r\n") == strlen(p + 3))
		st->hint = HINT_OFF;
	else if (pg_strncasecmp(p, "on", 2) == 0 && strspn(p + 2, " \t\r\n") == strlen(p + 2))
	{
		if (st->hint == HINT_NONE)
			st->hint = HINT_ON;
	}
	else if (pg_strncasecmp(p, "ttl", 3) == 0)
	{
		p += 3;
		while (isspace((unsigned char) *p))
			p++;
		if (*p++ != '=')
			goto bad;
		while (isspace((unsigned char) *p))
			p++;
		if (!isdigit((unsigned char) *p))
			goto bad;
		errno = 0;
		ttl = strtol(p, &end, 10);
		if (errno != 0 || ttl > INT_MAX || strspn(end, " \t\r\n") != strlen(end))
			goto bad;
		if (st->hint != HINT_OFF)
		{
			st->hint = HINT_TTL;
			st->hint_ttl = (int) ttl;
		}
	}
	else
		goto bad;
	return;
bad:
	ereport(DEBUG1,
			(errmsg("cachepg ignored a hint it cannot read: \"%s\"", value)));
}

/*
 * One comment's text: "cachepg: <value>", or sqlcommenter's
 * key='value',... pairs (URL-encoded) with the key cachepg.
 */
static void
read_comment(const char *body, int len, Statement *st)
{
	char	   *c = pnstrdup(body, len);
	char	   *p = c;

	while (isspace((unsigned char) *p))
		p++;
	if (pg_strncasecmp(p, "cachepg", 7) == 0)
	{
		char	   *q = p + 7;

		while (isspace((unsigned char) *q))
			q++;
		if (*q == ':')
		{
			read_hint_value(q + 1, st);
			pfree(c);
			return;
		}
	}
	/* sqlcommenter: key='value'[,key='value']... */
	while (*p)
	{
		char	   *key = p;
		char	   *value;
		char	   *out;

		while (*p && *p != '=' && *p != ',')
			p++;
		if (*p != '=' || p[1] != '\'')
			break;
		*p = '\0';
		p += 2;
		value = out = p;
		while (*p && *p != '\'')
		{
			if (*p == '\\' && p[1] != '\0')
				p++;			/* an escaped character */
			*out++ = *p++;
		}
		if (*p != '\'')
			break;
		*out = '\0';
		p++;
		while (isspace((unsigned char) *key))
			key++;
		url_decode(key);
		if (strcmp(key, "cachepg") == 0)
		{
			url_decode(value);
			read_hint_value(value, st);
		}
		while (isspace((unsigned char) *p))
			p++;
		if (*p == ',')
			p++;
		else
			break;
	}
	pfree(c);
}

/* The comments in text between two tokens (whitespace and comments only). */
static void
read_gap(const char *text, int from, int to, Statement *st)
{
	int			i = from;

	while (i < to)
	{
		if (text[i] == '-' && i + 1 < to && text[i + 1] == '-')
		{
			while (i < to && text[i] != '\n')
				i++;
		}
		else if (text[i] == '/' && i + 1 < to && text[i + 1] == '*')
		{
			int			depth = 1;
			int			body = i + 2;

			i += 2;
			while (i < to && depth > 0)
			{
				if (text[i] == '/' && i + 1 < to && text[i + 1] == '*')
				{
					depth++;
					i += 2;
				}
				else if (text[i] == '*' && i + 1 < to && text[i + 1] == '/')
				{
					depth--;
					i += 2;
				}
				else
					i++;
			}
			if (depth == 0)
				read_comment(text + body, i - 2 - body, st);
		}
		else
			i++;
	}
}

/*
 * Where a query tree's statement is in its source text (*len bytes): its
 * own location, or that of the utility statement that planned it.
 */
static const char *
statement_text(const char *query_string, const Query *parse, int *len)
{
	int			loc = Max(parse->stmt_location, 0);

	*len = parse->stmt_len;
	if (loc == 0 && *len == 0 && query_string == utility_text)
	{
		loc = utility_location;
		*len = utility_len;
	}
	if (*len <= 0)
		*len = strlen(query_string + loc);
	return query_string + loc;
}

/*
 * Read the statement of a query tree from its source text: its hints (only
 * comments of its own text count, never string literals), and the text of
 * the SELECT itself with comments stripped (a traceparent in a comment
 * must not make every key unique) and whitespace between tokens made one
 * space.  The text may be a wrapper: DECLARE ... FOR, PREPARE ... AS,
 * EXPLAIN [options].  False when the SELECT cannot be found, or it is a
 * SELECT INTO.
 */
static bool
read_statement(const char *query_string, const Query *parse, Statement *st)
{
	int			len;
	const char *start = statement_text(query_string, parse, &len);
	char	   *text = pnstrdup(start, len);
	core_yyscan_t scanner;
	core_yy_extra_type extra;
	core_YYSTYPE lval;
	YYLTYPE		lloc;
	Token	   *toks;
	int			n = 0;
	int			max = 64;
	int			i;
	int			prev_end = 0;
	StringInfoData sql;

	memset(st, 0, sizeof(*st));
	toks = palloc(sizeof(Token) * max);
	scanner = scanner_init(text, &extra, &ScanKeywords, ScanKeywordTokens);
	extra.escape_string_warning = false;
	for (;;)
	{
		int			code = core_yylex(&lval, &lloc, scanner);

		if (code == 0)
			break;
		if (n == max)
		{
			max *= 2;
			toks = repalloc(toks, sizeof(Token) * max);
		}
		toks[n].start = lloc;
		/* flex ends the current token's text with a zero byte */
		toks[n].len = strlen(extra.scanbuf + lloc);
		toks[n].code = code;
		read_gap(text, prev_end, lloc, st);
		prev_end = lloc + toks[n].len;
		n++;
	}
	read_gap(text, prev_end, len, st);
	scanner_finish(scanner);
	if (n > 0 && toks[n - 1].code == ';')
		n--;

	/*
	 * A backslash in a plain string literal means what
	 * standard_conforming_strings said when the statement was parsed, which
	 * may not be what it says now that the text would be read again.
	 */
	for (i = 0; i < n; i++)
	{
		const char *t = text + toks[i].start;

		if ((t[0] == '\'' || ((t[0] == 'n' || t[0] == 'N') && t[1] == '\'')) &&
			memchr(t, '\\', toks[i].len) != NULL)
			return false;
	}

	/* the SELECT inside a wrapper */
	i = 0;
	while (i < n)
	{
		int			j;

		if (token_is(text, &toks[i], "declare"))
			j = find_word(text, toks, n, i, "for");
		else if (token_is(text, &toks[i], "prepare"))
			j = find_word(text, toks, n, i, "as");
		else if (token_is(text, &toks[i], "explain"))
		{
			j = i;
			while (j + 1 < n && (token_is(text, &toks[j + 1], "analyze") ||
								 token_is(text, &toks[j + 1], "analyse") ||
								 token_is(text, &toks[j + 1], "verbose")))
				j++;
			if (j + 2 < n && toks[j + 1].code == '(' &&
				!begins_select(text, &toks[j + 2]))
			{
				/* the options, to the matching parenthesis */
				int			depth = 0;

				for (j = j + 1; j < n; j++)
				{
					depth += (toks[j].code == '(') - (toks[j].code == ')');
					if (depth == 0)
						break;
				}
				if (j >= n)
					j = -1;
			}
		}
		else
			break;
		if (j < 0)
			return false;
		i = j + 1;
	}
	if (i >= n || !begins_select(text, &toks[i]) ||
		find_word(text, toks, n, i, "into") >= 0)
		return false;

	initStringInfo(&sql);
	for (; i < n; i++)
	{
		if (sql.len > 0 && (i == 0 || toks[i - 1].start + toks[i - 1].len < toks[i].start))
			appendStringInfoChar(&sql, ' ');
		appendBinaryStringInfo(&sql, text + toks[i].start, toks[i].len);
	}
	st->sql = sql.data;
	pfree(toks);
	pfree(text);
	return true;
}

/*
 * Whether the statement's text (or the utility statement's around it) says
 * "cachepg" anywhere, in any case: only then can it hold a hint.
 */
static bool
mentions_cachepg(const char *query_string, const Query *parse)
{
	int			len;
	const char *p = statement_text(query_string, parse, &len);
	const char *end = p + len;

	for (; p + 7 <= end; p++)
		if ((*p == 'c' || *p == 'C') && pg_strncasecmp(p, "cachepg", 7) == 0)
			return true;
	return false;
}

/* ----------------------------------------------------------------
 * Table policies: a table's ttl, read from the extension's table
 * cache_policy into a backend-local map, read again after a relcache
 * invalidation of a table that has one or of cache_policy itself
 * (cache_table_policy() sends both).
 * ----------------------------------------------------------------
 */

typedef struct Policy
{
	Oid			relid;
	int			ttl;
} Policy;

static HTAB *policies = NULL;
static bool policies_valid = false;
static Oid	policy_table = InvalidOid;
static uint64 policy_names_gen = 0;	/* when cachepg was found missing */

static void
policy_inval(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == policy_table ||
		(policies != NULL && hash_search(policies, &relid, HASH_FIND, NULL) != NULL))
		policies_valid = false;
}

/* The relation holding the policies in this database, or InvalidOid. */
static Oid
find_policy_table(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nsp = InvalidOid;

	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("cachepg"));
	rel = table_open(ExtensionRelationId, AccessShareLock);
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return OidIsValid(nsp) ? get_relname_relid("cache_policy", nsp) : InvalidOid;
}

static void
load_policies(void)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;

	if (policies == NULL)
		policies = cachepg_local_hash("cachepg table policies", 64, sizeof(Oid),
									  sizeof(Policy));
	else
	{
		HASH_SEQ_STATUS seq;
		Policy	   *p;

		hash_seq_init(&seq, policies);
		while ((p = hash_seq_search(&seq)) != NULL)
			hash_search(policies, &p->relid, HASH_REMOVE, NULL);
	}
	policies_valid = true;
	policy_table = find_policy_table();
	if (!OidIsValid(policy_table))
	{
		/* looked for again once DDL changed a name of this database */
		policy_names_gen = cachepg_marks_db_names_gen();
		return;
	}
	rel = table_open(policy_table, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull[2];
		Datum		relid = heap_getattr(tup, 1, RelationGetDescr(rel), &isnull[0]);
		Datum		ttl = heap_getattr(tup, 2, RelationGetDescr(rel), &isnull[1]);
		Policy	   *p;

		if (isnull[0] || isnull[1])
			continue;
		p = hash_search(policies, &relid, HASH_ENTER, NULL);
		p->ttl = DatumGetInt32(ttl);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/*
 * Whether cachepg (1.6 or later) is installed in this database: transparent
 * caching is used only there (elsewhere no table can be watched).  Reads
 * the policies when they changed; *any says whether there is one.
 */
static bool
policies_ready(bool *any)
{
	if (!policies_valid ||
		(!OidIsValid(policy_table) && policy_names_gen != cachepg_marks_db_names_gen()))
		load_policies();
	*any = OidIsValid(policy_table) && hash_get_num_entries(policies) > 0;
	return OidIsValid(policy_table);
}

/* A table's policy ttl, or -1. */
static int
policy_ttl(Oid relid)
{
	Policy	   *p;
	bool		any;

	if (!policies_ready(&any) || !any)
		return -1;
	p = hash_search(policies, &relid, HASH_FIND, NULL);
	return p ? p->ttl : -1;
}

/* The smallest policy ttl of relids now, or -1 if one has none. */
static int
policies_ttl(List *relids)
{
	ListCell   *lc;
	int			min = -1;

	foreach(lc, relids)
	{
		int			ttl = policy_ttl(lfirst_oid(lc));

		if (ttl < 0)
			return -1;
		if (min < 0 || ttl < min)
			min = ttl;
	}
	return min;
}

/*
 * cache_table_policy(tbl regclass, ttl integer): cache every eligible
 * top-level SELECT that reads only tables with a policy, with the smallest
 * of their ttls; a NULL ttl removes the table's policy.  For the table's
 * owner or cachepg_admin.  Plans of the table are made again (a relcache
 * invalidation), and every backend reads the policies again.
 */
Datum
cachepg_table_policy(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char		kind;
	Oid			admin = get_role_oid("cachepg_admin", true);
	Oid			table = find_policy_table();
	Oid			save_user;
	int			save_sec;
	char	   *sql;
	Oid			argtypes[2] = {REGCLASSOID, INT4OID};
	Datum		args[2];
	HeapTuple	tp;
	Oid			owner;
	int			nest;
	int			rc;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table must not be null")));
	relid = PG_GETARG_OID(0);
	kind = get_rel_relkind(relid);
	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE &&
		kind != RELKIND_MATVIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table or materialized view",
						kind ? get_rel_name(relid) : "?")));
	if (get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a temporary table, whose results are never stored",
						get_rel_name(relid))));
	if (!pg_class_ownercheck(relid, GetUserId()) &&
		!(OidIsValid(admin) && has_privs_of_role(GetUserId(), admin)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s or a member of cachepg_admin",
						get_rel_name(relid))));
	if (!PG_ARGISNULL(1) && PG_GETARG_INT32(1) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ttl must not be negative"),
				 errhint("Use 0 for no expiry, NULL to remove the policy.")));
	if (!OidIsValid(table))
		elog(ERROR, "cachepg's table cache_policy is missing");

	sql = psprintf(PG_ARGISNULL(1) ?
				   "DELETE FROM %s.cache_policy WHERE relid OPERATOR(pg_catalog.=) $1" :
				   "INSERT INTO %s.cache_policy AS p VALUES ($1, $2) "
				   "ON CONFLICT (relid) DO UPDATE SET ttl = excluded.ttl",
				   quote_identifier(get_namespace_name(get_rel_namespace(table))));
	args[0] = ObjectIdGetDatum(relid);
	args[1] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);

	/* written as the table's owner (the extension's), as nobody else can */
	tp = SearchSysCache1(RELOID, ObjectIdGetDatum(table));
	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for relation %u", table);
	owner = ((Form_pg_class) GETSTRUCT(tp))->relowner;
	ReleaseSysCache(tp);
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(owner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	/* nothing of the caller's may be found by name */
	nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(sql, PG_ARGISNULL(1) ? 1 : 2,
							   argtypes, args, NULL,
							   false, 0);
	if (rc != SPI_OK_INSERT && rc != SPI_OK_DELETE)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	AtEOXact_GUC(true, nest);
	SetUserIdAndSecContext(save_user, save_sec);

	CacheInvalidateRelcacheByRelid(relid);
	CacheInvalidateRelcacheByRelid(table);
	PG_RETURN_VOID();
}

/* ----------------------------------------------------------------
 * Statements the storability rules refused, planned normally from then
 * on: by the hash of their text and what can change the verdict besides
 * the catalogs (forgotten at any relcache or pg_proc invalidation).
 * ----------------------------------------------------------------
 */

static HTAB *refused = NULL;

#define REFUSED_MAX 4096

static uint64
refused_key(const char *sql, bool ttl_given)
{
	uint64		h = cachepg_hash(sql, strlen(sql));

	/* the role and search path name what the text reads */
	h = hash_combine64(h, (uint64) GetUserId());
	if (namespace_search_path != NULL)
		h = hash_combine64(h, cachepg_hash(namespace_search_path,
										   strlen(namespace_search_path)));
	return h ^ ((uint64) ttl_given << 1) ^ (uint64) cachepg_store_uncacheable;
}

static bool
was_refused(const Statement *st, bool ttl_given)
{
	uint64		key = refused_key(st->sql, ttl_given);

	return refused != NULL && hash_search(refused, &key, HASH_FIND, NULL) != NULL;
}

static void
note_refused(const char *sql, bool ttl_given)
{
	uint64		key = refused_key(sql, ttl_given);

	if (refused == NULL || hash_get_num_entries(refused) >= REFUSED_MAX)
	{
		if (refused != NULL)
			hash_destroy(refused);
		refused = cachepg_local_hash("cachepg refused statements", 256,
									 sizeof(uint64), sizeof(uint64));
	}
	hash_search(refused, &key, HASH_ENTER, NULL);
}

static void
forget_refused(void)
{
	if (refused != NULL && hash_get_num_entries(refused) > 0)
	{
		hash_destroy(refused);
		refused = NULL;
	}
}

static void
refused_relcache_inval(Datum arg, Oid relid)
{
	forget_refused();
}

static void
refused_syscache_inval(Datum arg, int cacheid, uint32 hashvalue)
{
	forget_refused();
}

/* ----------------------------------------------------------------
 * The plan
 * ----------------------------------------------------------------
 */

static CustomScanMethods scan_methods;
static CustomExecMethods exec_methods;

/* What the node needs to know (custom_private, in this order). */
typedef struct NodeInfo
{
	char	   *sql;
	int			ttl;
	int			how;			/* HOW_* and flags */
	List	   *relids;			/* HOW_POLICY: the tables */
	uint64		settings;		/* cachepg_parse_settings_hash() when planned */
	Query	   *query;			/* a small plan: the statement, to plan it
								 * if the cache cannot be used after all */
	List	   *reads;			/* OIDs of the relations it reads (FROM,
								 * views, CTEs), as its analysis named them */
	List	   *relations;		/* every relation its analysis named */
} NodeInfo;

static List *
info_to_private(const NodeInfo *ni)
{
	return lappend(lappend(list_make5(makeString(ni->sql), makeInteger(ni->ttl),
									  makeInteger(ni->how), ni->relids,
									  list_make2_int((int32) (ni->settings >> 32),
													 (int32) (ni->settings & 0xFFFFFFFF))),
						   ni->query),
				   list_make2(ni->reads, ni->relations));
}

static void
info_from_private(List *priv, NodeInfo *ni)
{
	List	   *settings = (List *) list_nth(priv, 4);

	ni->sql = strVal(linitial(priv));
	ni->ttl = intVal(lsecond(priv));
	ni->how = intVal(lthird(priv));
	ni->relids = (List *) lfourth(priv);
	ni->settings = ((uint64) (uint32) linitial_int(settings) << 32) |
		(uint64) (uint32) lsecond_int(settings);
	ni->query = (Query *) list_nth(priv, 5);
	ni->reads = (List *) linitial((List *) list_nth(priv, 6));
	ni->relations = (List *) lsecond((List *) list_nth(priv, 6));
}

/*
 * Whether this statement is to be cached, and how (hint, policy, mode);
 * fills in *ni.  It was analysed under settings (their hash).
 */
static bool
choose(Query *parse, const Statement *st, uint64 settings, NodeInfo *ni)
{
	List	   *rtes;
	List	   *tables = NIL;
	ListCell   *lc;

	memset(ni, 0, sizeof(*ni));
	ni->sql = st->sql;
	ni->settings = settings;
	ni->relations = cachepg_query_relations(parse, &rtes);
	if (declare_depth > 0)
		ni->how |= HOW_CURSOR;
	switch (st->hint)
	{
		case HINT_OFF:
			return false;
		case HINT_TTL:
			ni->how |= HOW_HINT | HOW_EXPLICIT;
			ni->ttl = st->hint_ttl;
			return true;
		case HINT_ON:
			ni->how |= HOW_HINT | HOW_DEFAULT_TTL;
			ni->ttl = cachepg_default_ttl;
			return true;
	}
	/* every table it reads has a policy (a view's tables are read too) */
	foreach(lc, rtes)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->relkind != RELKIND_VIEW)
			tables = list_append_unique_oid(tables, rte->relid);
	}
	if (tables != NIL && (ni->ttl = policies_ttl(tables)) >= 0)
	{
		ni->how |= HOW_POLICY | HOW_EXPLICIT;
		ni->relids = tables;
		return true;
	}
	if (cachepg_mode == CACHEPG_MODE_FORCE)
	{
		ni->how |= HOW_FORCE | HOW_DEFAULT_TTL;
		ni->ttl = cachepg_default_ttl;
		return true;
	}
	return false;
}

/* Whether FOR UPDATE/SHARE appears at any level of a statement. */
static bool
row_marks_walker(Node *node, void *arg)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return ((Query *) node)->rowMarks != NIL ||
			query_tree_walker((Query *) node, row_marks_walker, arg, 0);
	return expression_tree_walker(node, row_marks_walker, arg);
}

/*
 * The settings a statement was analysed under.  Parse analysis turns
 * literals into constants under the datestyle, time zone and other
 * settings of the moment, and PostgreSQL's plan cache keeps the result
 * until an invalidation (it watches the search path, not those).  cachepg
 * keys and runs a statement's text under the settings of now, so it
 * caches a statement only if that text, analysed now, is what the client's
 * statement is: its analysis was under the same settings.  Each analysis is
 * noted: the last one, and every one for a statement that lives on
 * (PREPARE and the extended protocol's Parse, analysed with variable
 * parameters) by its text, where one text analysed under two settings is
 * marked ambiguous.
 */
typedef struct Analysed
{
	uint64		text;			/* hash of the statement's text */
	uint64		settings;		/* cachepg_parse_settings_hash() */
	bool		ambiguous;
} Analysed;

#define ANALYSED_MAX 16384

static HTAB *analysed = NULL;

/*
 * The last analysis of a client's statement, for the planning that
 * follows it at once (simple protocol, Parse then Bind, DECLARE, EXPLAIN,
 * a re-analysis by the plan cache): forgotten once used, and at the end of
 * every utility command and executor start.
 */
static bool last_valid = false;
static uint64 last_text = 0;
static uint64 last_settings = 0;

static uint64
text_hash(const char *query_string, const Query *parse)
{
	int			len;
	const char *text = statement_text(query_string, parse, &len);

	return cachepg_hash(text, len);
}

/* Whether a text is a client's statement: theirs, not a function's. */
static bool
client_text(const char *text)
{
	return text != NULL && (text == debug_query_string || text == utility_text ||
							text == prepared_text);
}

/* post_parse_analyze_hook: note the settings of an analysis. */
static void
transparent_post_parse(ParseState *pstate, Query *query, JumbleState *jstate)
{
	bool		any;
	uint64		text;
	uint64		settings;
	Analysed   *a;

	if (prev_post_parse)
		prev_post_parse(pstate, query, jstate);
	/* only what could be cached transparently, where it could */
	if (!client_text(pstate->p_sourcetext) || !IsTransactionState() ||
		!(query->commandType == CMD_SELECT ||
		  (query->commandType == CMD_UTILITY &&
		   (IsA(query->utilityStmt, DeclareCursorStmt) ||
			IsA(query->utilityStmt, ExplainStmt)))) ||
		!policies_ready(&any))
		return;
	text = text_hash(pstate->p_sourcetext, query);
	settings = cachepg_parse_settings_hash();
	last_valid = true;
	last_text = text;
	last_settings = settings;
	a = analysed ? hash_search(analysed, &text, HASH_FIND, NULL) : NULL;
	if (a != NULL)
	{
		/* analysed again (also by the plan cache): under other settings? */
		if (a->settings != settings)
			a->ambiguous = true;
		return;
	}
	/* a statement that lives on (PREPARE, Parse): analysed with parameters */
	if (pstate->p_paramref_hook == NULL)
		return;
	if (analysed == NULL || hash_get_num_entries(analysed) >= ANALYSED_MAX)
	{
		/*
		 * (Full: start again.  A statement analysed before is then known
		 * to no one and, unless analysed again, not cached.)
		 */
		if (analysed != NULL)
			hash_destroy(analysed);
		analysed = cachepg_local_hash("cachepg analysed statements", 256,
									  sizeof(uint64), sizeof(Analysed));
	}
	a = hash_search(analysed, &text, HASH_ENTER, NULL);
	a->settings = settings;
	a->ambiguous = false;
}

/*
 * Whether the statement being planned was analysed under the settings of
 * now (now: their hash): just now (the last analysis, which this uses up),
 * or, for one that lives on, when the plan cache last analysed it.
 */
static bool
analysed_as_now(const char *query_string, const Query *parse, uint64 now)
{
	uint64		text = text_hash(query_string, parse);
	Analysed   *a;

	if (last_valid && last_text == text)
	{
		last_valid = false;
		return last_settings == now;
	}
	a = analysed ? hash_search(analysed, &text, HASH_FIND, NULL) : NULL;
	return a != NULL && !a->ambiguous && a->settings == now;
}

static bool
extern_param_walker(Node *node, void *arg)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param))
		return ((Param *) node)->paramkind == PARAM_EXTERN;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, extern_param_walker, arg, 0);
	return expression_tree_walker(node, extern_param_walker, arg);
}

/*
 * The node: its output columns are the statement's (names, types,
 * typmods, collations: what Describe and RowDescription show), read from a
 * scan tuple of the same shape.
 */
static CustomScan *
make_node(List *targetList, const NodeInfo *ni, Plan *child)
{
	CustomScan *cs = makeNode(CustomScan);
	List	   *scan_tlist = NIL;
	List	   *tlist = NIL;
	AttrNumber	resno = 1;
	ListCell   *lc;

	foreach(lc, targetList)
	{
		TargetEntry *te = lfirst_node(TargetEntry, lc);
		Oid			type = exprType((Node *) te->expr);
		int32		typmod = exprTypmod((Node *) te->expr);
		Oid			coll = exprCollation((Node *) te->expr);
		char	   *name = te->resname ? pstrdup(te->resname) : NULL;

		if (te->resjunk)
			continue;
		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry((Expr *) makeNullConst(type, typmod, coll),
											 resno, name, false));
		tlist = lappend(tlist,
						makeTargetEntry((Expr *) makeVar(INDEX_VAR, resno, type, typmod, coll, 0),
										resno, name, false));
		/* where the column comes from, for RowDescription */
		((TargetEntry *) llast(tlist))->resorigtbl = te->resorigtbl;
		((TargetEntry *) llast(tlist))->resorigcol = te->resorigcol;
		resno++;
	}
	cs->scan.plan.targetlist = tlist;
	cs->scan.scanrelid = 0;
	cs->custom_scan_tlist = scan_tlist;
	/* rows come from a tuplestore, or the plan below as it supports */
	cs->flags = (child == NULL || ExecSupportsBackwardScan(child)) ?
		CUSTOMPATH_SUPPORT_BACKWARD_SCAN : 0;
	cs->custom_private = info_to_private(ni);
	cs->methods = &scan_methods;
	/* not in any parallel subtree: no per-node shared state is keyed by it */
	cs->scan.plan.plan_node_id = -1;
	if (child != NULL)
	{
		cs->custom_plans = list_make1(child);
		cs->scan.plan.startup_cost = child->startup_cost;
		cs->scan.plan.total_cost = child->total_cost;
		cs->scan.plan.plan_rows = child->plan_rows;
		cs->scan.plan.plan_width = child->plan_width;
	}
	else
	{
		cs->scan.plan.startup_cost = 0;
		cs->scan.plan.total_cost = SMALL_PLAN_COST;
		cs->scan.plan.plan_rows = 1;
		cs->scan.plan.plan_width = 0;
	}
	return cs;
}

/*
 * The relations of a statement's FROM clauses, views and referenced CTEs,
 * at any depth: those the planner keeps in the plan's range table, whose
 * privileges the executor checks.  (Relations of subqueries in expressions
 * are left out: the planner may fold them away, and a hit checks what the
 * statement's load checked, as the functions' hits do.)
 */
static void
statement_relations(Query *q, List **rtes)
{
	ListCell   *lc;

	foreach(lc, q->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_RELATION)
			*rtes = lappend(*rtes, rte);
		else if (rte->rtekind == RTE_SUBQUERY)
			statement_relations(rte->subquery, rtes);
	}
	foreach(lc, q->cteList)
	{
		CommonTableExpr *cte = lfirst_node(CommonTableExpr, lc);

		if (cte->cterefcount > 0 && IsA(cte->ctequery, Query))
			statement_relations((Query *) cte->ctequery, rtes);
	}
}

/*
 * The plan of a statement to be cached.  A small plan, the node alone, is
 * for a statement whose parameters are known now, outside EXPLAIN, DECLARE
 * and transactions that have written (and, under force, for one stored
 * now).  Its range table lists every relation the statement reads, so the
 * executor checks the same privileges, and the plan cache takes the same
 * locks and drops it on the same invalidations, as for its real plan; it
 * keeps the statement itself, to be planned if the cache cannot be used
 * when it runs.
 */
static PlannedStmt *
plan_statement(Query *parse, const char *query_string, int cursorOptions,
			   ParamListInfo boundParams, NodeInfo *ni)
{
	PlannedStmt *pstmt;
	CustomScan *cs;
	List	   *tlist;
	List	   *rtes = NIL;
	ListCell   *lc;
	bool		small;

	statement_relations(parse, &rtes);
	foreach(lc, rtes)
		ni->reads = list_append_unique_oid(ni->reads, ((RangeTblEntry *) lfirst(lc))->relid);
	small = explain_depth == 0 && declare_depth == 0 &&
		!TransactionIdIsValid(GetTopTransactionIdIfAny()) &&
		(boundParams != NULL || !query_tree_walker(parse, extern_param_walker, NULL, 0));
	/*
	 * Under force, a statement is loaded (and its result stored) only from
	 * the second time it is seen lately (the store's doorkeeper): one-off
	 * statements run their plan, at full speed.  A custom plan (its
	 * parameters bound, planned for this execution alone) of a statement
	 * neither stored nor seen is its own plan alone, as without cachepg;
	 * any other gets the node, which decides when it runs (a plan without
	 * parameters may be kept for every later execution).
	 */
	if (small && (ni->how & HOW_MASK) == HOW_FORCE && boundParams != NULL &&
		!cachepg_statement_seen(ni->sql, boundParams, true))
		return prev_planner ?
			prev_planner(parse, query_string, cursorOptions, boundParams) :
			standard_planner(parse, query_string, cursorOptions, boundParams);
	if (small && (ni->how & HOW_MASK) == HOW_FORCE && boundParams == NULL)
		small = cachepg_statement_seen(ni->sql, NULL, false);
	if (small)
	{
		ni->query = parse;
		pstmt = makeNode(PlannedStmt);
		pstmt->commandType = CMD_SELECT;
		pstmt->queryId = parse->queryId;
		pstmt->canSetTag = parse->canSetTag;
		pstmt->planTree = (Plan *) make_node(parse->targetList, ni, NULL);
		pstmt->rtable = rtes;
		foreach(lc, rtes)
			pstmt->relationOids = lappend_oid(pstmt->relationOids,
											  ((RangeTblEntry *) lfirst(lc))->relid);
		pstmt->stmt_location = parse->stmt_location;
		pstmt->stmt_len = parse->stmt_len;
		return pstmt;
	}
	/* the planner rewrites the tree it is given: the columns first */
	tlist = copyObject(parse->targetList);
	pstmt = prev_planner ?
		prev_planner(parse, query_string, cursorOptions, boundParams) :
		standard_planner(parse, query_string, cursorOptions, boundParams);
	cs = make_node(tlist, ni, pstmt->planTree);
	pstmt->planTree = (Plan *) cs;
	return pstmt;
}

/*
 * planner_hook: a top-level SELECT to be cached gets the cachepg node on
 * top; anything else is planned as it would be without cachepg.
 */
static PlannedStmt *
transparent_planner(Query *parse, const char *query_string, int cursorOptions,
					ParamListInfo boundParams)
{
	PlannedStmt *result;
	bool		consider;

	/*
	 * The client's own statement: its text is what the client sent (simple
	 * protocol, or the extended protocol's statement being bound), a
	 * DECLARE's or EXPLAIN's, or the prepared statement EXECUTE runs; never
	 * one a function runs, even outside the executor (parameters of
	 * EXECUTE, deferred triggers at COMMIT).
	 */
	consider = plan_depth == 0 && exec_depth == 0 && utility_block == 0 &&
		cachepg_enabled && MyBackendType == B_BACKEND &&
		!cachepg_loading() && query_string != NULL &&
		(query_string == debug_query_string || query_string == utility_text ||
		 query_string == prepared_text) &&
		parse->commandType == CMD_SELECT && parse->utilityStmt == NULL &&
		!parse->hasModifyingCTE && parse->rowMarks == NIL &&
		cachepg_store_ready() && !RecoveryInProgress();
	plan_depth++;
	PG_TRY();
	{
		Statement	st;
		NodeInfo	ni;
		bool		any_policy = false;
		uint64		settings = 0;

		/*
		 * Most statements of most sessions: no hint in the text, no policy,
		 * manual mode.  Decided without reading the statement.
		 */
		if (consider)
			consider = policies_ready(&any_policy) &&
				(any_policy || cachepg_mode == CACHEPG_MODE_FORCE ||
				 mentions_cachepg(query_string, parse)) &&
				!query_tree_walker(parse, row_marks_walker, NULL, 0);
		/* a statement analysed under other settings is planned as it is */
		if (consider)
		{
			settings = cachepg_parse_settings_hash();
			consider = analysed_as_now(query_string, parse, settings);
		}
		if (consider && read_statement(query_string, parse, &st) &&
			choose(parse, &st, settings, &ni) &&
			!was_refused(&st, (ni.how & HOW_EXPLICIT) != 0 && ni.ttl > 0))
			result = plan_statement(parse, query_string, cursorOptions,
									boundParams, &ni);
		else
			result = prev_planner ?
				prev_planner(parse, query_string, cursorOptions, boundParams) :
				standard_planner(parse, query_string, cursorOptions, boundParams);
	}
	PG_FINALLY();
	{
		plan_depth--;
	}
	PG_END_TRY();
	return result;
}

/* ----------------------------------------------------------------
 * The node
 * ----------------------------------------------------------------
 */

typedef struct CachepgState
{
	CustomScanState css;
	NodeInfo	ni;
	Plan	   *child_plan;		/* the statement's plan, or NULL */
	PlanState  *child;			/* once started */
	int			eflags;
	bool		started;
	bool		via_child;		/* rows come from the child */
	Tuplestorestate *ts;		/* else from here */
	TupleTableSlot *mslot;		/* reads ts */
	const char *outcome;		/* for EXPLAIN ANALYZE */
	uint64		context;		/* cachepg_context_hash() when it began */
} CachepgState;

static Node *
create_state(CustomScan *cs)
{
	CachepgState *st = (CachepgState *) newNode(sizeof(CachepgState), T_CustomScanState);

	st->css.methods = &exec_methods;
	info_from_private(cs->custom_private, &st->ni);
	st->child_plan = cs->custom_plans ? linitial(cs->custom_plans) : NULL;
	return (Node *) st;
}

static void
start_child(CachepgState *st)
{
	if (st->child == NULL)
	{
		st->child = ExecInitNode(st->child_plan, st->css.ss.ps.state, st->eflags);
		st->css.custom_ps = list_make1(st->child);
	}
}

static void
begin_scan(CustomScanState *node, EState *estate, int eflags)
{
	CachepgState *st = (CachepgState *) node;

	st->eflags = eflags;
	st->context = cachepg_context_hash();
	/* EXPLAIN shows the plan below (not run if the cache serves) */
	if (st->child_plan != NULL &&
		((eflags & EXEC_FLAG_EXPLAIN_ONLY) || estate->es_instrument))
		start_child(st);
}

/*
 * Whether the reason the statement was cached for still holds, for this
 * caller: the mode or policy that chose it; the settings it was planned
 * (and analysed) under; the caller's context when its portal began (a
 * cursor declared, or a portal bound, before a SET ROLE or a SET keeps
 * its statement's meaning); parameters as the protocol binds them.
 */
static bool
still_chosen(CachepgState *st, ParamListInfo params)
{
	int			i;

	if (!cachepg_enabled || st->ni.settings != cachepg_parse_settings_hash() ||
		st->context != cachepg_context_hash())
		return false;
	switch (st->ni.how & HOW_MASK)
	{
		case HOW_FORCE:
			if (cachepg_mode != CACHEPG_MODE_FORCE)
				return false;
			break;
		case HOW_POLICY:
			if ((st->ni.ttl = policies_ttl(st->ni.relids)) < 0)
				return false;
			break;
	}
	if (st->ni.how & HOW_DEFAULT_TTL)
		st->ni.ttl = cachepg_default_ttl;
	if (params != NULL)
	{
		if (params->paramFetch != NULL)
			return false;
		for (i = 0; i < params->numParams; i++)
			if (!OidIsValid(params->params[i].ptype))
				return false;
	}
	return true;
}

/*
 * A small plan's statement, planned and run as it would have been without
 * cachepg (the cache cannot be used for it now), its rows into ts.
 */
static void
run_statement_plan(CachepgState *st, ParamListInfo params)
{
	EState	   *estate = st->css.ss.ps.state;
	Query	   *query = copyObject(st->ni.query);
	PlannedStmt *plan;
	DestReceiver *dest = CreateDestReceiver(DestTuplestore);
	QueryDesc  *qd;

	/* its text is now the statement alone */
	query->stmt_location = 0;
	query->stmt_len = 0;
	plan = pg_plan_query(query, st->ni.sql, CURSOR_OPT_PARALLEL_OK, params);
	SetTuplestoreDestReceiverParams(dest, st->ts, CurrentMemoryContext,
									false, NULL, NULL);
	qd = CreateQueryDesc(plan, st->ni.sql, GetActiveSnapshot(), InvalidSnapshot,
						 dest, params, estate->es_queryEnv, 0);
	ExecutorStart(qd, 0);
	ExecutorRun(qd, ForwardScanDirection, 0, true);
	ExecutorFinish(qd);
	ExecutorEnd(qd);
	FreeQueryDesc(qd);
	dest->rDestroy(dest);
}

static void
start_scan(CachepgState *st)
{
	EState	   *estate = st->css.ss.ps.state;
	ParamListInfo params = estate->es_param_list_info;
	TupleDesc	desc = st->css.ss.ss_ScanTupleSlot->tts_tupleDescriptor;
	bool		chosen = still_chosen(st, params);
	bool		written = TransactionIdIsValid(GetTopTransactionIdIfAny());
	bool		ttl_given = (st->ni.how & HOW_EXPLICIT) != 0 && st->ni.ttl > 0;
	bool		refused_now = false;
	CallOutcome outcome;

	st->started = true;
	st->outcome = "not used";
	if (!chosen && st->child_plan != NULL)
	{
		st->via_child = true;
		return;
	}
	st->ts = tuplestore_begin_heap((st->eflags & EXEC_FLAG_BACKWARD) != 0, false, work_mem);
	st->mslot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsMinimalTuple);
	if (!chosen)
	{
		run_statement_plan(st, params);
		return;
	}

	/*
	 * A transaction that has written stores nothing, and a cursor (whose
	 * client may read a few rows of a large result) loads nothing: a hit,
	 * or the plan.  Under cachepg.mode = force, a statement is loaded the
	 * second time it is seen lately; the first time, the plan runs.
	 */
	outcome = cachepg_run_statement(st->ni.sql, st->ni.ttl,
									(st->ni.how & HOW_EXPLICIT) != 0, params,
									desc, st->ts,
									st->child_plan != NULL &&
									(written || (st->ni.how & HOW_CURSOR)),
									(st->ni.how & HOW_MASK) == HOW_FORCE &&
									st->child_plan != NULL,
									st->ni.reads, st->ni.relations,
									&refused_now);
	if (refused_now)
		note_refused(st->ni.sql, ttl_given);
	switch (outcome)
	{
		case CALL_HIT:
			st->outcome = "hit";
			break;
		case CALL_STORED:
			st->outcome = "miss, stored";
			break;
		case CALL_NOT_STORED:
			st->outcome = "miss, not stored";
			break;
		case CALL_UNCACHED:
			break;
		case CALL_OTHER_RELATIONS:
			/* its text now names other relations: the statement's own plan */
			st->outcome = "not used: its text now names other relations";
			if (st->child_plan != NULL)
				st->via_child = true;
			else
				run_statement_plan(st, params);
			break;
		case CALL_MISSED:
			st->outcome = written ? "miss, the transaction has written" :
				(st->ni.how & HOW_CURSOR) ? "miss, a cursor runs its plan" :
				"miss, not loaded at first sight";
			st->via_child = true;
			break;
	}
}

static TupleTableSlot *
exec_scan(CustomScanState *node)
{
	CachepgState *st = (CachepgState *) node;
	TupleTableSlot *out = node->ss.ss_ScanTupleSlot;

	if (!st->started)
		start_scan(st);
	if (st->via_child)
	{
		TupleTableSlot *slot;
		int			natts = out->tts_tupleDescriptor->natts;

		start_child(st);
		slot = ExecProcNode(st->child);
		ExecClearTuple(out);
		if (TupIsNull(slot))
			return out;
		/* the statement's columns; junk ones (sort keys) come after them */
		slot_getsomeattrs(slot, natts);
		memcpy(out->tts_values, slot->tts_values, sizeof(Datum) * natts);
		memcpy(out->tts_isnull, slot->tts_isnull, sizeof(bool) * natts);
		return ExecStoreVirtualTuple(out);
	}
	if (!tuplestore_gettupleslot(st->ts,
								 ScanDirectionIsForward(node->ss.ps.state->es_direction),
								 false, st->mslot))
		return ExecClearTuple(st->mslot);
	return st->mslot;
}

static void
end_scan(CustomScanState *node)
{
	CachepgState *st = (CachepgState *) node;

	if (st->child != NULL)
		ExecEndNode(st->child);
	if (st->ts != NULL)
		tuplestore_end(st->ts);
}

static void
rescan(CustomScanState *node)
{
	CachepgState *st = (CachepgState *) node;

	if (st->child != NULL)
		ExecReScan(st->child);
	if (st->ts != NULL)
		tuplestore_rescan(st->ts);
}

static void
explain_scan(CustomScanState *node, List *ancestors, ExplainState *es)
{
	CachepgState *st = (CachepgState *) node;
	static const char *const how[] = {"", "hint", "table policy", "cachepg.mode = force"};

	ExplainPropertyText("Cached By", how[st->ni.how & HOW_MASK], es);
	if ((st->ni.how & HOW_MASK) != HOW_FORCE)
		ExplainPropertyInteger("TTL", "s", st->ni.ttl, es);
	if (es->analyze && st->started)
		ExplainPropertyText("Cache", st->outcome, es);
}

/* ----------------------------------------------------------------
 * Where the planner is called from
 * ----------------------------------------------------------------
 */

static void
transparent_utility(PlannedStmt *pstmt, const char *queryString,
					bool readOnlyTree, ProcessUtilityContext context,
					ParamListInfo params, QueryEnvironment *queryEnv,
					DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;
	bool		explain = IsA(stmt, ExplainStmt);
	bool		declare = IsA(stmt, DeclareCursorStmt);
	bool		block = !(explain || declare || IsA(stmt, ExecuteStmt));
	Node	   *execute = stmt;
	const char *save_text = utility_text;
	int			save_location = utility_location;
	int			save_len = utility_len;
	const char *save_prepared = prepared_text;

	utility_block += block;
	explain_depth += explain;
	declare_depth += declare;
	/* EXECUTE plans its prepared statement, whose text is its own */
	if (explain && IsA(((ExplainStmt *) stmt)->query, Query))
		execute = ((Query *) ((ExplainStmt *) stmt)->query)->utilityStmt;
	if (execute != NULL && IsA(execute, ExecuteStmt))
	{
		PreparedStatement *ps = FetchPreparedStatement(((ExecuteStmt *) execute)->name, false);

		prepared_text = ps ? ps->plansource->query_string : NULL;
	}
	utility_text = queryString;
	utility_location = Max(pstmt->stmt_location, 0);
	utility_len = pstmt->stmt_len;
	PG_TRY();
	{
		if (prev_utility)
			prev_utility(pstmt, queryString, readOnlyTree, context, params,
						 queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		if (mode_changed && IsA(stmt, VariableSetStmt) &&
			context == PROCESS_UTILITY_TOPLEVEL)
			ResetPlanCache();
		mode_changed = false;
		last_valid = false;
		utility_block -= block;
		explain_depth -= explain;
		declare_depth -= declare;
		prepared_text = save_prepared;
		utility_text = save_text;
		utility_location = save_location;
		utility_len = save_len;
	}
	PG_END_TRY();
}

static void
transparent_start(QueryDesc *queryDesc, int eflags)
{
	last_valid = false;
	exec_depth++;
	PG_TRY();
	{
		if (prev_start)
			prev_start(queryDesc, eflags);
		else
			standard_ExecutorStart(queryDesc, eflags);
	}
	PG_FINALLY();
	{
		exec_depth--;
	}
	PG_END_TRY();
}

static void
transparent_run(QueryDesc *queryDesc, ScanDirection direction, uint64 count,
				bool execute_once)
{
	exec_depth++;
	PG_TRY();
	{
		if (prev_run)
			prev_run(queryDesc, direction, count, execute_once);
		else
			standard_ExecutorRun(queryDesc, direction, count, execute_once);
	}
	PG_FINALLY();
	{
		exec_depth--;
	}
	PG_END_TRY();
}

static void
transparent_finish(QueryDesc *queryDesc)
{
	exec_depth++;
	PG_TRY();
	{
		if (prev_finish)
			prev_finish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	}
	PG_FINALLY();
	{
		exec_depth--;
	}
	PG_END_TRY();
}

/*
 * cachepg.mode's assign hook: a change by SET or RESET (transparent_utility)
 * has the session's plans made again, as DISCARD PLANS does, for plans
 * made under the other mode; a plan with the node checks the mode when it
 * runs anyway.  (Not for a change by a function's SET clause or the end of
 * SET LOCAL, which would make them again at every call.)
 */
void
cachepg_mode_assign(int newval, void *extra)
{
	if (newval != cachepg_mode)
		mode_changed = true;
}

/* Install the hooks and the node; from _PG_init while preloading. */
void
cachepg_transparent_init(void)
{
	scan_methods.CustomName = "cachepg";
	scan_methods.CreateCustomScanState = create_state;
	RegisterCustomScanMethods(&scan_methods);
	exec_methods.CustomName = "cachepg";
	exec_methods.BeginCustomScan = begin_scan;
	exec_methods.ExecCustomScan = exec_scan;
	exec_methods.EndCustomScan = end_scan;
	exec_methods.ReScanCustomScan = rescan;
	exec_methods.ExplainCustomScan = explain_scan;

	prev_planner = planner_hook;
	planner_hook = transparent_planner;
	prev_utility = ProcessUtility_hook;
	ProcessUtility_hook = transparent_utility;
	prev_post_parse = post_parse_analyze_hook;
	post_parse_analyze_hook = transparent_post_parse;
	prev_start = ExecutorStart_hook;
	ExecutorStart_hook = transparent_start;
	prev_run = ExecutorRun_hook;
	ExecutorRun_hook = transparent_run;
	prev_finish = ExecutorFinish_hook;
	ExecutorFinish_hook = transparent_finish;

	CacheRegisterRelcacheCallback(policy_inval, (Datum) 0);
	CacheRegisterRelcacheCallback(refused_relcache_inval, (Datum) 0);
	CacheRegisterSyscacheCallback(PROCOID, refused_syscache_inval, (Datum) 0);
}
