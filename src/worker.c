/*
 * worker.c
 *		Watching tables for readers: a queue of requests in shared memory and
 *		a background worker per database that installs the triggers.
 *
 * A reader never creates triggers in its own transaction (that would queue
 * behind writers, fail for non-owners and read-only transactions, and
 * vanish on rollback).  With cachepg.auto_watch on, a load that found an
 * unwatched table queues (database, table) and starts a worker for that
 * database if none runs.  The worker installs the triggers in its own
 * transaction per table with a short lock_timeout, so writers never queue
 * behind it for long; a table it could not lock is simply asked for again
 * by the next reader.  It exits after a second with nothing to do.
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "cachepg.h"
#include "invalidate.h"
#include "worker.h"

#define MAX_REQUESTS 64
#define MAX_WORKERS 4

typedef struct WatchRequest
{
	Oid			dbid;
	Oid			relid;
} WatchRequest;

typedef struct WorkerShared
{
	slock_t		mutex;
	int			nrequests;
	WatchRequest requests[MAX_REQUESTS];
	Oid			running[MAX_WORKERS];	/* databases with a worker */
	pg_atomic_uint64 watched;	/* tables the workers watched */
	pg_atomic_uint64 failed;	/* attempts that failed (lock timeout, ...) */
} WorkerShared;

static WorkerShared *worker_shared = NULL;

PGDLLEXPORT void cachepg_worker_main(Datum arg);

Size
cachepg_worker_shmem_size(void)
{
	return MAXALIGN(sizeof(WorkerShared));
}

void
cachepg_worker_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	worker_shared = ShmemInitStruct("cachepg_worker", cachepg_worker_shmem_size(), &found);
	if (!found)
	{
		memset(worker_shared, 0, sizeof(WorkerShared));
		SpinLockInit(&worker_shared->mutex);
		pg_atomic_init_u64(&worker_shared->watched, 0);
		pg_atomic_init_u64(&worker_shared->failed, 0);
	}
	LWLockRelease(AddinShmemInitLock);
}

void
cachepg_worker_counts(uint64 *watched, uint64 *failed)
{
	*watched = pg_atomic_read_u64(&worker_shared->watched);
	*failed = pg_atomic_read_u64(&worker_shared->failed);
}

/*
 * Ask for relid (of this database) to be watched.  Never fails: a full
 * queue or no free worker slot only means a later reader asks again.
 */
void
cachepg_request_watch(Oid relid)
{
	BackgroundWorker bgw;
	BackgroundWorkerHandle *handle;
	bool		queued = false;
	int			slot = -1;
	int			i;

	if (worker_shared == NULL || !IsUnderPostmaster)
		return;
	SpinLockAcquire(&worker_shared->mutex);
	for (i = 0; i < worker_shared->nrequests; i++)
		if (worker_shared->requests[i].dbid == MyDatabaseId &&
			worker_shared->requests[i].relid == relid)
			queued = true;
	if (!queued && worker_shared->nrequests < MAX_REQUESTS)
	{
		worker_shared->requests[worker_shared->nrequests].dbid = MyDatabaseId;
		worker_shared->requests[worker_shared->nrequests].relid = relid;
		worker_shared->nrequests++;
	}
	for (i = 0; i < MAX_WORKERS; i++)
		if (worker_shared->running[i] == MyDatabaseId)
			break;
	if (i == MAX_WORKERS)
	{
		for (i = 0; i < MAX_WORKERS; i++)
			if (worker_shared->running[i] == InvalidOid)
			{
				worker_shared->running[i] = MyDatabaseId;
				slot = i;
				break;
			}
	}
	SpinLockRelease(&worker_shared->mutex);
	if (slot < 0)
		return;

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(bgw.bgw_library_name, BGW_MAXLEN, "cachepg");
	snprintf(bgw.bgw_function_name, BGW_MAXLEN, "cachepg_worker_main");
	snprintf(bgw.bgw_name, BGW_MAXLEN, "cachepg watcher for database %u", MyDatabaseId);
	snprintf(bgw.bgw_type, BGW_MAXLEN, "cachepg watcher");
	bgw.bgw_main_arg = Int32GetDatum(slot);
	bgw.bgw_notify_pid = 0;
	if (!RegisterDynamicBackgroundWorker(&bgw, &handle))
	{
		SpinLockAcquire(&worker_shared->mutex);
		worker_shared->running[slot] = InvalidOid;
		SpinLockRelease(&worker_shared->mutex);
	}
}

/* Next request for this database, or InvalidOid. */
static Oid
next_request(Oid dbid)
{
	Oid			relid = InvalidOid;
	int			i;

	SpinLockAcquire(&worker_shared->mutex);
	for (i = 0; i < worker_shared->nrequests; i++)
		if (worker_shared->requests[i].dbid == dbid)
		{
			relid = worker_shared->requests[i].relid;
			worker_shared->requests[i] = worker_shared->requests[--worker_shared->nrequests];
			break;
		}
	SpinLockRelease(&worker_shared->mutex);
	return relid;
}

static void
worker_exit(int code, Datum arg)
{
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->running[DatumGetInt32(arg)] = InvalidOid;
	SpinLockRelease(&worker_shared->mutex);
}

/* Watch one table in a transaction of its own; errors are logged, not raised. */
static void
watch_in_own_transaction(Oid relid)
{
	MemoryContext cxt = CurrentMemoryContext;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "cachepg: watching a table");
	PG_TRY();
	{
		(void) set_config_option("lock_timeout", "100", PGC_SUSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
		if (get_rel_relkind(relid) != '\0' && cachepg_watch_relation(relid, false) >= 0)
			pg_atomic_fetch_add_u64(&worker_shared->watched, 1);
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		pg_atomic_fetch_add_u64(&worker_shared->failed, 1);
		ereport(LOG,
				(errmsg("cachepg could not watch relation %u: %s", relid, edata->message)));
		FreeErrorData(edata);
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
}

void
cachepg_worker_main(Datum arg)
{
	int			slot = DatumGetInt32(arg);
	Oid			dbid;
	int			idle = 0;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	SpinLockAcquire(&worker_shared->mutex);
	dbid = worker_shared->running[slot];
	SpinLockRelease(&worker_shared->mutex);
	on_shmem_exit(worker_exit, Int32GetDatum(slot));
	if (!OidIsValid(dbid))
		proc_exit(0);
	BackgroundWorkerInitializeConnectionByOid(dbid, InvalidOid, 0);

	while (idle < 10)
	{
		Oid			relid = next_request(dbid);

		CHECK_FOR_INTERRUPTS();
		if (OidIsValid(relid))
		{
			idle = 0;
			watch_in_own_transaction(relid);
			continue;
		}
		idle++;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 100L, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	proc_exit(0);
}
