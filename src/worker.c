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
#include "utils/timestamp.h"

#include "cachepg.h"
#include "watch.h"
#include "worker.h"

#define MAX_REQUESTS 64
#define MAX_WORKERS 4

typedef struct WatchRequest
{
	Oid			dbid;
	Oid			relid;
	TimestampTz queued;
} WatchRequest;

typedef struct WorkerSlot
{
	Oid			dbid;			/* InvalidOid: free */
	int			pid;			/* 0 until the worker runs */
	TimestampTz launched;
} WorkerSlot;

typedef struct WorkerShared
{
	slock_t		mutex;
	int			nrequests;
	WatchRequest requests[MAX_REQUESTS];
	WorkerSlot	workers[MAX_WORKERS];
	pg_atomic_uint64 done;		/* requests handled */
	pg_atomic_uint64 failed;	/* requests that failed (lock timeout, ...) */
} WorkerShared;

/* A worker that has not started this long after its launch never will. */
#define WORKER_START_TIMEOUT_MS 10000

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
		pg_atomic_init_u64(&worker_shared->done, 0);
		pg_atomic_init_u64(&worker_shared->failed, 0);
	}
	LWLockRelease(AddinShmemInitLock);
}

void
cachepg_worker_counts(uint64 *done, uint64 *failed)
{
	*done = pg_atomic_read_u64(&worker_shared->done);
	*failed = pg_atomic_read_u64(&worker_shared->failed);
}

/*
 * Ask for relid (of this database) to be watched.  Never fails and never
 * waits: a full queue drops its oldest request, and a request no worker
 * serves (no free worker slot) is asked for again by a later reader.
 */
void
cachepg_request_watch(Oid relid)
{
	BackgroundWorker bgw;
	BackgroundWorkerHandle *handle;
	TimestampTz now = GetCurrentTimestamp();
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
	if (!queued)
	{
		int			at = worker_shared->nrequests;

		if (at == MAX_REQUESTS)
		{
			/* full: replace the oldest (its database may have no worker) */
			at = 0;
			for (i = 1; i < MAX_REQUESTS; i++)
				if (worker_shared->requests[i].queued < worker_shared->requests[at].queued)
					at = i;
		}
		else
			worker_shared->nrequests++;
		worker_shared->requests[at].dbid = MyDatabaseId;
		worker_shared->requests[at].relid = relid;
		worker_shared->requests[at].queued = now;
	}
	for (i = 0; i < MAX_WORKERS; i++)
	{
		WorkerSlot *w = &worker_shared->workers[i];

		/* a worker launched long ago that never started is gone */
		if (OidIsValid(w->dbid) && w->pid == 0 &&
			TimestampDifferenceExceeds(w->launched, now, WORKER_START_TIMEOUT_MS))
			w->dbid = InvalidOid;
		if (w->dbid == MyDatabaseId)
			break;
	}
	if (i == MAX_WORKERS)
	{
		for (i = 0; i < MAX_WORKERS; i++)
			if (!OidIsValid(worker_shared->workers[i].dbid))
			{
				worker_shared->workers[i].dbid = MyDatabaseId;
				worker_shared->workers[i].pid = 0;
				worker_shared->workers[i].launched = now;
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
		if (worker_shared->workers[slot].pid == 0)
			worker_shared->workers[slot].dbid = InvalidOid;
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
	WorkerSlot *w = &worker_shared->workers[DatumGetInt32(arg)];

	SpinLockAcquire(&worker_shared->mutex);
	if (w->pid == MyProcPid)
		w->dbid = InvalidOid;
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
		if (get_rel_relkind(relid) != '\0')
			(void) cachepg_watch_relation(relid, false);
		PopActiveSnapshot();
		CommitTransactionCommand();
		pg_atomic_fetch_add_u64(&worker_shared->done, 1);
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
	WorkerSlot *w = &worker_shared->workers[slot];
	Oid			dbid;
	int			idle = 0;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	SpinLockAcquire(&worker_shared->mutex);
	dbid = w->dbid;
	if (OidIsValid(dbid) && w->pid == 0)
		w->pid = MyProcPid;
	else
		dbid = InvalidOid;		/* the slot was given up on, or reused */
	SpinLockRelease(&worker_shared->mutex);
	if (!OidIsValid(dbid))
		proc_exit(0);
	on_shmem_exit(worker_exit, Int32GetDatum(slot));
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
