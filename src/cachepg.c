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
#include "utils/guc.h"

#include "cachepg.h"
#include "store.h"

PG_MODULE_MAGIC;

int			cachepg_memory_kb = 64 * 1024;
int			cachepg_max_entries = 16384;
int			cachepg_max_entry_size_kb = 1024;
int			cachepg_default_ttl = 60;
bool		cachepg_enabled = true;
bool		cachepg_store_uncacheable = false;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void		_PG_init(void);

static void
cachepg_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	cachepg_store_request();
}

static void
cachepg_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	cachepg_store_startup();
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
	}
	MarkGUCPrefixReserved("cachepg");

	if (!process_shared_preload_libraries_in_progress)
		return;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = cachepg_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = cachepg_shmem_startup;
}
