/*
 * cachepg.c
 *		Module load: GUCs and shared-memory hooks.
 *
 * The shared region and its locks can only be had while the library is
 * preloaded (shared_preload_libraries).  Loaded any other way, the SQL
 * functions still run queries and return their rows; they just never cache.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/guc.h"

#include "cachepg.h"
#include "deps.h"
#include "ddl.h"
#include "flight.h"
#include "key.h"
#include "marks.h"
#include "twophase.h"
#include "watch.h"
#include "store.h"
#include "transparent.h"
#include "worker.h"

PG_MODULE_MAGIC;

int			cachepg_memory_kb = 64 * 1024;
int			cachepg_max_entries = 16384;
int			cachepg_max_entry_size_kb = 1024;
int			cachepg_default_ttl = 60;
bool		cachepg_enabled = true;
bool		cachepg_store_uncacheable = false;
bool		cachepg_notice_not_stored = false;
bool		cachepg_auto_watch = true;
bool		cachepg_admission = true;
int			cachepg_max_tables = 4096;
int			cachepg_key_slots = 65536;
int			cachepg_max_keys = 1000;
char	   *cachepg_depends_on = NULL;
int			cachepg_test_delay_release_ms = 0;
int			cachepg_test_store_lock = 0;
int			cachepg_load_wait_timeout = 10000;
int			cachepg_stale_while_revalidate = 0;
double		cachepg_refresh_ahead = 0.1;
bool		cachepg_refresh_on_write = false;
int			cachepg_refresh_budget = 100;
int			cachepg_max_workers = 4;
int			cachepg_test_refresh_delay_ms = 0;

static const struct config_enum_entry mode_options[] = {
	{"manual", CACHEPG_MODE_MANUAL, false},
	{"force", CACHEPG_MODE_FORCE, false},
	{NULL, 0, false}
};

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void		_PG_init(void);

/* Shared memory besides the store's; part of cachepg.memory. */
static Size
side_size(void)
{
	return add_size(add_size(add_size(cachepg_marks_shmem_size(), cachepg_twophase_shmem_size()),
							 cachepg_worker_shmem_size()),
					add_size(cachepg_flight_shmem_size(), cachepg_key_shmem_size()));
}

static void
cachepg_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	cachepg_marks_request();
	cachepg_flight_request();
	cachepg_key_request();
	/* the table state and the worker queue come out of cachepg.memory too */
	RequestAddinShmemSpace(side_size());
	cachepg_store_request((Size) cachepg_memory_kb * 1024 -
						  Min((Size) cachepg_memory_kb * 1024, side_size()));
}

static void
cachepg_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	cachepg_store_startup();
	cachepg_marks_startup();
	cachepg_twophase_startup();
	cachepg_worker_startup();
	cachepg_flight_startup();
	cachepg_key_startup();
}

void
_PG_init(void)
{
	DefineCustomBoolVariable("cachepg.enabled",
							 "Look up and store query results in the cache.",
							 "When off, every call runs its query and nothing is stored.",
							 &cachepg_enabled, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("cachepg.default_ttl",
							"Seconds a result lives when the call passes a NULL ttl (0: until evicted).",
							NULL, &cachepg_default_ttl, 60, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("cachepg.max_entry_size",
							"Largest result stored; larger ones are returned, not stored.",
							NULL, &cachepg_max_entry_size_kb, 1024, 1, 512 * 1024,
							PGC_SUSET, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomBoolVariable("cachepg.store_uncacheable",
							 "Store results the storability rules refuse (volatile or session-dependent functions, FOR UPDATE, TABLESAMPLE, foreign, catalog and row-security tables, time-dependent results without a ttl), at the caller's risk.",
							 "Temporary relations are never stored.",
							 &cachepg_store_uncacheable, false, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("cachepg.notice_not_stored",
							 "Send a NOTICE, with the reason, for every call whose result was not stored.",
							 "Off by default: conditions cachepg resolves itself (a table being watched) stay quiet; cache_explain() says why a query is not stored.",
							 &cachepg_notice_not_stored, false, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("cachepg.auto_watch",
							 "Have a background worker watch the tables a reader wanted cached.",
							 "When off, only cache_watch() installs the triggers.",
							 &cachepg_auto_watch, true, PGC_SUSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("cachepg.admission",
							 "When the cache is full, store a new result only if its key was asked for more often than the entry it would evict.",
							 "Frequencies come from a small sketch of recent lookups (TinyLFU). When off, every new result evicts (CLOCK).",
							 &cachepg_admission, true, PGC_SUSET, 0,
							 NULL, NULL, NULL);
	DefineCustomStringVariable("cachepg.depends_on",
							   "Tables that functions in the next queries read out of the planner's sight.",
							   "A comma-separated list of table names, or 'none'; empty means undeclared. "
							   "Results of queries calling such functions are stored only when this is declared.",
							   &cachepg_depends_on, "", PGC_USERSET, 0,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("cachepg.max_keys",
							"Most keys a result depends on, and most rows a transaction writes to one table, before invalidation falls back to the whole table.",
							"A result pinned to more keys of a table depends on the whole table; a transaction that writes more rows to a table invalidates every result of that table.",
							&cachepg_max_keys, 1000, 0, 100000,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("cachepg.load_wait_timeout",
							"Longest wait for another session loading the same key before running the query here.",
							"While one session loads a key, the others wait for its result (0: never wait).",
							&cachepg_load_wait_timeout, 10000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("cachepg.stale_while_revalidate",
							"Seconds past its ttl during which a result is still served while a background worker recomputes it.",
							"Recorded with each result when stored; a caller is served a result past its ttl only within the smaller of its recorded window and this setting. Results invalidated by writes or DDL are never served.",
							&cachepg_stale_while_revalidate, 0, 0, INT_MAX / 2,
							PGC_USERSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomRealVariable("cachepg.refresh_ahead",
							 "Fraction of a result's ttl before its expiry within which a hit has it recomputed in the background (0: off).",
							 "The window is at least twice the time the result took to compute, and at most half its ttl.",
							 &cachepg_refresh_ahead, 0.1, 0.0, 0.5,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("cachepg.refresh_on_write",
							 "Recompute a result in the background after a write invalidates it, if it was read since it was stored.",
							 "Recorded with each result when stored.",
							 &cachepg_refresh_on_write, false, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("cachepg.refresh_budget",
							"Most background refreshes started per second, over the whole server.",
							NULL, &cachepg_refresh_budget, 100, 0, 100000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("cachepg.mode",
							 "Which top-level SELECTs are cached with no rewrite: manual (those with a cachepg hint comment, or reading only tables with a cache policy) or force (every eligible one, with cachepg.default_ttl).",
							 NULL, &cachepg_mode, CACHEPG_MODE_MANUAL, mode_options,
							 PGC_USERSET, 0, NULL, cachepg_mode_assign, NULL);
	DefineCustomIntVariable("cachepg.test_delay_release_ms",
							"For testing only: wait this long between a writer's commit becoming visible and the release of its marks.",
							NULL, &cachepg_test_delay_release_ms, 0, 0, 60000,
							PGC_SUSET, GUC_UNIT_MS | GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
	DefineCustomIntVariable("cachepg.test_refresh_delay_ms",
							"For testing only: the background worker waits this long before each refresh.",
							NULL, &cachepg_test_refresh_delay_ms, 0, 0, 60000,
							PGC_SIGHUP, GUC_UNIT_MS | GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
	DefineCustomIntVariable("cachepg.test_store_lock",
							"For testing only: before storing a result, wait for the shared advisory lock with this key (0: off).",
							NULL, &cachepg_test_store_lock, 0, 0, INT_MAX,
							PGC_SUSET, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);

	if (process_shared_preload_libraries_in_progress)
	{
		DefineCustomIntVariable("cachepg.memory",
								"Shared memory for the whole cache: index, metadata and results.",
								NULL, &cachepg_memory_kb, 64 * 1024, 1024, INT_MAX / 2,
								PGC_POSTMASTER, GUC_UNIT_KB, NULL, NULL, NULL);
		DefineCustomIntVariable("cachepg.max_entries",
								"Number of entry slots in the index (part of cachepg.memory).",
								NULL, &cachepg_max_entries, 16384, 16, INT_MAX / 1024,
								PGC_POSTMASTER, 0, NULL, NULL, NULL);
		DefineCustomIntVariable("cachepg.max_tables",
								"Number of tables whose writes are tracked (part of cachepg.memory).",
								"When full, writes to further tables invalidate every entry.",
								&cachepg_max_tables, 4096, 16, INT_MAX / 1024,
								PGC_POSTMASTER, 0, NULL, NULL, NULL);
		DefineCustomIntVariable("cachepg.max_workers",
								"Most background workers cachepg runs at once (one per database with work), besides its reclaimer.",
								NULL, &cachepg_max_workers, 4, 1, 64,
								PGC_POSTMASTER, 0, NULL, NULL, NULL);
		DefineCustomIntVariable("cachepg.key_slots",
								"Number of key slots for key-level invalidation (part of cachepg.memory, 24 bytes each).",
								"Keys that share a slot invalidate each other's results; 0 turns key-level invalidation off.",
								&cachepg_key_slots, 65536, 0, 1 << 28,
								PGC_POSTMASTER, 0, NULL, NULL, NULL);
	}
	MarkGUCPrefixReserved("cachepg");

	if (!process_shared_preload_libraries_in_progress)
		return;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = cachepg_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = cachepg_shmem_startup;
	cachepg_marks_init();
	cachepg_twophase_init();
	cachepg_watch_init();
	cachepg_ddl_init();
	cachepg_deps_init();
	cachepg_transparent_init();
	cachepg_register_reclaimer();
}
