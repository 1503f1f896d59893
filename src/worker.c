/*
 * worker.c
 *		Background work: a queue of requests in shared memory served by a
 *		worker per database (watching tables, refreshing entries), and the
 *		reclaimer, one worker for the whole server.
 *
 * A reader never creates triggers in its own transaction (that would queue
 * behind writers, fail for non-owners and read-only transactions, and
 * vanish on rollback).  With cachepg.auto_watch on, a load that found an
 * unwatched table queues (database, table) and starts a worker for that
 * database if none runs.  The worker installs the triggers in its own
 * transaction per table with a short lock_timeout, so writers never queue
 * behind it for long; a table it could not lock is simply asked for again
 * by the next reader.
 *
 * A hit on an entry past its ttl (stale while revalidate) or close to it
 * (refresh ahead) queues (database, entry hash), within
 * cachepg.refresh_budget refreshes a second; the database's worker
 * recomputes the entry in a transaction of its own (run.c), and drops it,
 * logging why, when that fails.  A worker exits after ten seconds with
 * nothing to do; at most cachepg.max_workers run at once.
 *
 * The reclaimer frees, a slice of the index every 100 ms, entries past
 * their ttl and stale window and entries a write or DDL made stale, so
 * dead entries do not hold memory until a lookup or eviction meets them.
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "cachepg.h"
#include "marks.h"
#include "run.h"
#include "store.h"
#include "watch.h"
#include "worker.h"

#define MAX_REQUESTS 256

/*
 * A worker with nothing to do for this many 100 ms ticks exits (long enough
 * that refreshes of entries with short ttls do not start one each time).
 */
#define WORKER_IDLE_TICKS 100

/* A table to watch (relid) or an entry to refresh (hash, relid invalid). */
typedef struct WorkRequest
{
	Oid			dbid;
	Oid			relid;
	uint64		hash;
	uint8		want;			/* REFRESH_IF_* */
	TimestampTz queued;
} WorkRequest;

typedef struct WorkerSlot
{
	Oid			dbid;			/* InvalidOid: free */
	int			pid;			/* 0 until the worker runs */
	Latch	   *latch;			/* the running worker's, set on a request */
	TimestampTz launched;
} WorkerSlot;

typedef struct WorkerShared
{
	slock_t		mutex;
	int			nrequests;
	WorkRequest requests[MAX_REQUESTS];
	double		tokens;			/* refreshes that may still start now */
	TimestampTz tokens_at;		/* when tokens was last topped up */
	pg_atomic_uint64 done;		/* watch requests handled */
	pg_atomic_uint64 failed;	/* watch requests that failed (lock timeout, ...) */
	int			nworkers;
	WorkerSlot	workers[FLEXIBLE_ARRAY_MEMBER];
} WorkerShared;

/* A worker that has not started this long after its launch never will. */
#define WORKER_START_TIMEOUT_MS 10000

static WorkerShared *worker_shared = NULL;

PGDLLEXPORT void cachepg_worker_main(Datum arg);
PGDLLEXPORT void cachepg_reclaimer_main(Datum arg);

Size
cachepg_worker_shmem_size(void)
{
	return MAXALIGN(add_size(offsetof(WorkerShared, workers),
							 mul_size(sizeof(WorkerSlot), cachepg_max_workers)));
}

void
cachepg_worker_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	worker_shared = ShmemInitStruct("cachepg_worker", cachepg_worker_shmem_size(), &found);
	if (!found)
	{
		memset(worker_shared, 0, cachepg_worker_shmem_size());
		SpinLockInit(&worker_shared->mutex);
		worker_shared->nworkers = cachepg_max_workers;
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
 * Queue a request of this database and make sure a worker serves it.
 * Never fails and never waits: a full queue drops its oldest request, and
 * a request no worker serves (no free worker slot) is asked for again by a
 * later reader.  A refresh (relid invalid) also needs a token of
 * cachepg.refresh_budget; without one it is not queued.  Raises no error
 * (it runs as a writer's transaction ends, cachepg.refresh_on_write).
 */
static void ensure_worker(void);

static void
request(Oid relid, uint64 hash, uint8 want)
{
	TimestampTz now = GetCurrentTimestamp();
	bool		queued = false;
	int			i;

	if (worker_shared == NULL || !IsUnderPostmaster)
		return;
	SpinLockAcquire(&worker_shared->mutex);
	for (i = 0; i < worker_shared->nrequests; i++)
		if (worker_shared->requests[i].dbid == MyDatabaseId &&
			worker_shared->requests[i].relid == relid &&
			worker_shared->requests[i].hash == hash)
		{
			/* one refresh serves both: it recomputes if either wants it */
			worker_shared->requests[i].want |= want;
			queued = true;
		}
	if (!queued && !OidIsValid(relid))
	{
		double		rate = cachepg_refresh_budget;
		double		elapsed = (double) (now - worker_shared->tokens_at) / USECS_PER_SEC;

		worker_shared->tokens = Min(worker_shared->tokens + Max(elapsed, 0) * rate,
									Max(rate, 1));
		worker_shared->tokens_at = now;
		if (worker_shared->tokens < 1)
		{
			SpinLockRelease(&worker_shared->mutex);
			return;
		}
		worker_shared->tokens -= 1;
	}
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
		worker_shared->requests[at].hash = hash;
		worker_shared->requests[at].want = want;
		worker_shared->requests[at].queued = now;
	}
	SpinLockRelease(&worker_shared->mutex);
	ensure_worker();
}

/*
 * Make sure a worker serves this database's requests: wake the running
 * one, or launch one if a worker slot is free.  Raises no error.
 */
static void
ensure_worker(void)
{
	BackgroundWorker bgw;
	Latch	   *wake = NULL;
	TimestampTz now = GetCurrentTimestamp();
	int			slot = -1;
	int			i;

	SpinLockAcquire(&worker_shared->mutex);
	for (i = 0; i < worker_shared->nworkers; i++)
	{
		WorkerSlot *w = &worker_shared->workers[i];

		/* a worker launched long ago that never started is gone */
		if (OidIsValid(w->dbid) && w->pid == 0 &&
			TimestampDifferenceExceeds(w->launched, now, WORKER_START_TIMEOUT_MS))
			w->dbid = InvalidOid;
		if (w->dbid == MyDatabaseId)
		{
			wake = w->latch;
			break;
		}
	}
	if (i == worker_shared->nworkers)
	{
		for (i = 0; i < worker_shared->nworkers; i++)
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
	if (wake != NULL)
		SetLatch(wake);
	if (slot < 0)
		return;

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(bgw.bgw_library_name, BGW_MAXLEN, "cachepg");
	snprintf(bgw.bgw_function_name, BGW_MAXLEN, "cachepg_worker_main");
	snprintf(bgw.bgw_name, BGW_MAXLEN, "cachepg worker for database %u", MyDatabaseId);
	snprintf(bgw.bgw_type, BGW_MAXLEN, "cachepg worker");
	bgw.bgw_main_arg = Int32GetDatum(slot);
	bgw.bgw_notify_pid = 0;
	if (!RegisterDynamicBackgroundWorker(&bgw, NULL))
	{
		SpinLockAcquire(&worker_shared->mutex);
		if (worker_shared->workers[slot].pid == 0)
			worker_shared->workers[slot].dbid = InvalidOid;
		SpinLockRelease(&worker_shared->mutex);
	}
}

/* Ask for relid (of this database) to be watched. */
void
cachepg_request_watch(Oid relid)
{
	request(relid, 0, 0);
}

/*
 * Ask for the entry of hash (of this database) to be recomputed: want says
 * when (REFRESH_IF_LIVE: it is still valid, expiring; REFRESH_IF_DEAD: a
 * write made it stale).
 */
void
cachepg_request_refresh(uint64 hash, uint8 want)
{
	request(InvalidOid, hash, want);
}

/* Put a request taken off the queue back, as it was (no budget, no merge). */
static void
requeue(const WorkRequest *req)
{
	SpinLockAcquire(&worker_shared->mutex);
	if (worker_shared->nrequests < MAX_REQUESTS)
		worker_shared->requests[worker_shared->nrequests++] = *req;
	SpinLockRelease(&worker_shared->mutex);
}

/* The oldest request for this database, taken off the queue; false if none. */
static bool
next_request(Oid dbid, WorkRequest *req)
{
	int			found = -1;
	int			i;

	SpinLockAcquire(&worker_shared->mutex);
	for (i = 0; i < worker_shared->nrequests; i++)
		if (worker_shared->requests[i].dbid == dbid &&
			(found < 0 || worker_shared->requests[i].queued < worker_shared->requests[found].queued))
			found = i;
	if (found >= 0)
	{
		*req = worker_shared->requests[found];
		worker_shared->requests[found] = worker_shared->requests[--worker_shared->nrequests];
	}
	SpinLockRelease(&worker_shared->mutex);
	return found >= 0;
}

/* This worker gives its slot up (unless it was given to another); mutex held. */
static void
leave_slot(WorkerSlot *w)
{
	if (w->pid == MyProcPid)
	{
		w->dbid = InvalidOid;
		w->latch = NULL;
	}
}

static void
worker_exit(int code, Datum arg)
{
	SpinLockAcquire(&worker_shared->mutex);
	leave_slot(&worker_shared->workers[DatumGetInt32(arg)]);
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

/*
 * An idle worker gives its slot up, unless a request for its database came
 * (a requester that saw the slot taken only set this worker's latch).
 */
static bool
give_up_slot(WorkerSlot *w, Oid dbid)
{
	bool		pending = false;
	int			i;

	SpinLockAcquire(&worker_shared->mutex);
	for (i = 0; i < worker_shared->nrequests; i++)
		if (worker_shared->requests[i].dbid == dbid)
			pending = true;
	if (!pending)
		leave_slot(w);
	SpinLockRelease(&worker_shared->mutex);
	return !pending;
}

/*
 * Refresh one entry in a transaction of its own.  A refresh that fails or
 * cannot be done drops the entry (so it is logged once) and never reaches
 * a caller: callers go on being served the entry until then, or miss.
 */
static void
refresh_in_own_transaction(uint64 hash, uint8 want)
{
	MemoryContext cxt = CurrentMemoryContext;
	const char *why = NULL;
	ErrorData  *volatile edata = NULL;
	const char *volatile failed = NULL;

	if (cachepg_test_refresh_delay_ms > 0)
	{
		(void) WaitLatch(MyLatch, WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 cachepg_test_refresh_delay_ms, PG_WAIT_EXTENSION);
		CHECK_FOR_INTERRUPTS();
	}
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	/* a refresh only reads: a query that now writes fails */
	XactReadOnly = true;
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "cachepg: refreshing a cached result");
	PG_TRY();
	{
		if (!cachepg_refresh(hash, want, &why))
			failed = why;
		QueryCancelPending = false; /* (its timeout ended with it) */
		PopActiveSnapshot();
		/* what it stored is in shared memory: nothing to commit */
		AbortCurrentTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		/* a timeout that fired late must not cancel the next refresh */
		disable_timeout(STATEMENT_TIMEOUT, false);
		QueryCancelPending = false;
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		failed = edata->message;
	}
	PG_END_TRY();
	if (failed != NULL)
	{
		cachepg_remove_hash(hash);
		cachepg_count(CC_REFRESH_FAILURES, 1);
		ereport(LOG,
				(errmsg("cachepg dropped a cached result it could not refresh: %s", failed)));
	}
	if (edata != NULL)
		FreeErrorData(edata);
	/* session advisory locks a mislabelled function took end with it */
	LockReleaseSession(USER_LOCKMETHOD);
	pgstat_report_activity(STATE_IDLE, NULL);
}

void
cachepg_worker_main(Datum arg)
{
	int			slot = DatumGetInt32(arg);
	WorkerSlot *w = &worker_shared->workers[slot];
	Oid			dbid;
	int			idle = 0;
	uint64		names_gen;

	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	SpinLockAcquire(&worker_shared->mutex);
	dbid = w->dbid;
	if (OidIsValid(dbid) && w->pid == 0)
	{
		w->pid = MyProcPid;
		w->latch = MyLatch;
	}
	else
		dbid = InvalidOid;		/* the slot was given up on, or reused */
	SpinLockRelease(&worker_shared->mutex);
	if (!OidIsValid(dbid))
		proc_exit(0);
	on_shmem_exit(worker_exit, Int32GetDatum(slot));
	BackgroundWorkerInitializeConnectionByOid(dbid, InvalidOid, 0);
	/* a refresh stores more often on fresh snapshots (as autovacuum does) */
	SetConfigOption("default_transaction_isolation", "read committed",
					PGC_SUSET, PGC_S_OVERRIDE);
	names_gen = cachepg_marks_db_names_gen();

	for (;;)
	{
		WorkRequest req;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (next_request(dbid, &req))
		{
			idle = 0;
			if (OidIsValid(req.relid))
				watch_in_own_transaction(req.relid);
			else if (cachepg_marks_db_names_gen() != names_gen)
			{
				/*
				 * A name of this database changed since this process
				 * started: procedural functions it compiled may resolve
				 * names the old way, and the pipeline does not store what
				 * they compute (deps.c).  A new process serves the rest.
				 */
				requeue(&req);
				SpinLockAcquire(&worker_shared->mutex);
				leave_slot(w);
				SpinLockRelease(&worker_shared->mutex);
				ensure_worker();
				break;
			}
			else
				refresh_in_own_transaction(req.hash, req.want);
			continue;
		}
		if (++idle >= WORKER_IDLE_TICKS && give_up_slot(w, dbid))
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 100L, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	proc_exit(0);
}

/* Registered at preload: the reclaimer, restarted after a crash. */
void
cachepg_register_reclaimer(void)
{
	BackgroundWorker bgw;

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = 10;
	snprintf(bgw.bgw_library_name, BGW_MAXLEN, "cachepg");
	snprintf(bgw.bgw_function_name, BGW_MAXLEN, "cachepg_reclaimer_main");
	snprintf(bgw.bgw_name, BGW_MAXLEN, "cachepg reclaimer");
	snprintf(bgw.bgw_type, BGW_MAXLEN, "cachepg reclaimer");
	RegisterBackgroundWorker(&bgw);
}

/* Slots looked at per 100 ms: the whole index every 5 s, within bounds. */
#define RECLAIM_TICK_MS 100
#define RECLAIM_MIN_SLOTS 256
#define RECLAIM_MAX_SLOTS 20000

/*
 * The reclaimer: no database, only shared memory.  Each tick looks at a
 * bounded slice of the index (a few microseconds a thousand slots), so its
 * CPU per second is bounded whatever the cache holds.  SIGTERM ends it at
 * once, SIGHUP rereads the configuration.
 */
void
cachepg_reclaimer_main(Datum arg)
{
	int32		per_tick = Min(Max(cachepg_max_entries / 50, RECLAIM_MIN_SLOTS),
							   RECLAIM_MAX_SLOTS);

	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	while (!ShutdownRequestPending)
	{
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (cachepg_store_ready())
			(void) cachepg_reclaim(per_tick);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 RECLAIM_TICK_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	proc_exit(0);
}
