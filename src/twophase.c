/*
 * twophase.c
 *		The marks of prepared transactions (marks.c).
 *
 * A prepared transaction's writes stay in flight until COMMIT or ROLLBACK
 * PREPARED, which may run in any backend, or in logical replication apply,
 * long after the preparing backend moved on.  So at PREPARE TRANSACTION the
 * transaction's marks move into a shared record (reserved before the
 * prepare can fail), and the backend that finishes a prepared transaction
 * sweeps the records of those that are over, releasing their marks once
 * their outcome is visible.  A transaction that marked more slots than a
 * record holds keeps the global slot instead.
 *
 * After a restart, recovered prepared transactions may hold writes no
 * record remembers: until none is left, nothing is stored.
 *
 * Locking: the records and unknown_prepared are under one spinlock, held
 * only to read or flip a state; a record being released is PM_RELEASING,
 * so two sweeps never release it twice.
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/twophase.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "replication/logicalworker.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/resowner.h"

#include "marks.h"
#include "twophase.h"

/* The marks a prepared transaction holds until COMMIT/ROLLBACK PREPARED. */
#define PREPARED_MAX_SLOTS 32
typedef struct PreparedMarks
{
	int			state;			/* PM_* */
	uint64		fxid;			/* the prepared transaction */
	int			nslots;
	uint32		slots[PREPARED_MAX_SLOTS];	/* marks.c's mark ids */
} PreparedMarks;

#define PM_FREE		0
#define PM_RESERVED	1			/* PREPARE TRANSACTION under way */
#define PM_PREPARED	2			/* holds the counts of slots[] */
#define PM_RELEASING 3			/* being released by a sweep */

typedef struct PreparedShared
{
	slock_t		mutex;			/* records, unknown_prepared */
	bool		unknown_prepared;	/* prepared xacts from before a restart
									 * may hold writes we never saw */
	int			nprepared;
	PreparedMarks prepared[FLEXIBLE_ARRAY_MEMBER];
} PreparedShared;

static PreparedShared *pshared = NULL;

/* This backend: the record it reserved for PREPARE TRANSACTION. */
static int	reserved_record = -1;

Size
cachepg_twophase_shmem_size(void)
{
	return MAXALIGN(add_size(offsetof(PreparedShared, prepared),
							 mul_size(sizeof(PreparedMarks), max_prepared_xacts)));
}

void
cachepg_twophase_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	pshared = ShmemInitStruct("cachepg_twophase", cachepg_twophase_shmem_size(), &found);
	if (!found)
	{
		SpinLockInit(&pshared->mutex);
		/* after a restart, recovered prepared transactions are unknown */
		pshared->unknown_prepared = (max_prepared_xacts > 0);
		pshared->nprepared = max_prepared_xacts;
		memset(pshared->prepared, 0, sizeof(PreparedMarks) * max_prepared_xacts);	/* PM_FREE */
	}
	LWLockRelease(AddinShmemInitLock);
}

static void
set_record_state(PreparedMarks *pm, int state)
{
	SpinLockAcquire(&pshared->mutex);
	pm->state = state;
	SpinLockRelease(&pshared->mutex);
}

/*
 * PREPARE TRANSACTION is about to start: reserve a record for the marks
 * (this may fail, which aborts the prepare cleanly).  A transaction that
 * marked more slots than a record holds keeps the global slot instead.
 */
static void
reserve_record(void)
{
	uint32	   *ids;
	int			n;
	int			i;

	/* everything that can fail, before the prepare: after it, nothing may */
	n = cachepg_marks_for_prepare(PREPARED_MAX_SLOTS, &ids);
	if (n == 0)
		return;
	SpinLockAcquire(&pshared->mutex);
	for (i = 0; i < pshared->nprepared; i++)
		if (pshared->prepared[i].state == PM_FREE)
		{
			pshared->prepared[i].state = PM_RESERVED;
			pshared->prepared[i].fxid = U64FromFullTransactionId(GetTopFullTransactionIdIfAny());
			pshared->prepared[i].nslots = n;
			memcpy(pshared->prepared[i].slots, ids, sizeof(uint32) * n);
			reserved_record = i;
			break;
		}
	SpinLockRelease(&pshared->mutex);
	pfree(ids);
	if (reserved_record < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("cachepg has no room to remember the writes of this prepared transaction")));
}

/* The prepare succeeded: the prepared transaction now owns the counts. */
static void
hand_over_marks(void)
{
	PreparedMarks *pm;

	if (reserved_record < 0)
		return;
	pm = &pshared->prepared[reserved_record];
	set_record_state(pm, PM_PREPARED);
	reserved_record = -1;
	cachepg_marks_hand_over();
}

/*
 * Release the marks of prepared transactions that are over (COMMIT or
 * ROLLBACK PREPARED, from SQL or from logical replication apply).  Run by
 * the backend that finished them, after their outcome and invalidation
 * messages are visible.
 */
void
cachepg_twophase_sweep(void)
{
	int			i;

	for (i = 0; i < pshared->nprepared; i++)
	{
		PreparedMarks *pm = &pshared->prepared[i];
		TransactionId xid;
		bool		claimed = false;

		uint64		fxid;

		SpinLockAcquire(&pshared->mutex);
		fxid = pm->fxid;
		claimed = (pm->state == PM_PREPARED);
		SpinLockRelease(&pshared->mutex);
		if (!claimed)
			continue;
		xid = XidFromFullTransactionId(FullTransactionIdFromU64(fxid));
		if (TransactionIdIsInProgress(xid))
			continue;
		/* claim it, unless another sweep took it (and it was reused) meanwhile */
		SpinLockAcquire(&pshared->mutex);
		claimed = (pm->state == PM_PREPARED && pm->fxid == fxid);
		if (claimed)
			pm->state = PM_RELEASING;
		SpinLockRelease(&pshared->mutex);
		if (!claimed)
			continue;
		cachepg_marks_release(pm->slots, pm->nslots,
							  TransactionIdDidCommit(xid) ? fxid : 0);
		set_record_state(pm, PM_FREE);
	}
}

/*
 * Whether prepared transactions from before a restart, whose writes we
 * never saw, still exist; until none remain nothing is stored.  Checked
 * with SPI (the caller is connected) only while the flag is set.
 */
bool
cachepg_prepared_block_stores(void)
{
	bool		unknown;
	uint64		i;

	if (pshared == NULL)
		return true;
	SpinLockAcquire(&pshared->mutex);
	unknown = pshared->unknown_prepared;
	SpinLockRelease(&pshared->mutex);
	if (!unknown)
		return false;

	if (SPI_execute("SELECT transaction FROM pg_catalog.pg_prepared_xacts", true, 0) != SPI_OK_SELECT)
		return true;
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		TransactionId xid = DatumGetTransactionId(SPI_getbinval(SPI_tuptable->vals[i],
																SPI_tuptable->tupdesc, 1, &isnull));
		bool		known = false;
		int			j;

		SpinLockAcquire(&pshared->mutex);
		for (j = 0; j < pshared->nprepared; j++)
			if (pshared->prepared[j].state != PM_FREE &&
				XidFromFullTransactionId(FullTransactionIdFromU64(pshared->prepared[j].fxid)) == xid)
				known = true;
		SpinLockRelease(&pshared->mutex);
		if (!known)
			return true;
	}
	/*
	 * None is left, but those that finished wrote without marks: count them
	 * as a committed write to everything, by the newest XID assigned so
	 * far, so that no snapshot older than now stores or is served (nothing
	 * was stored while the flag was set, and newer snapshots see their
	 * outcome).  Not the next XID: a snapshot taken once every assigned one
	 * ended has that as its xmin, and must count as seeing them.
	 */
	cachepg_marks_all_written(U64FromFullTransactionId(ReadNextFullTransactionId()) - 1);
	SpinLockAcquire(&pshared->mutex);
	pshared->unknown_prepared = false;
	SpinLockRelease(&pshared->mutex);
	return false;
}

static void
xact_callback(XactEvent event, void *arg)
{
	if (pshared == NULL)
		return;
	if (event == XACT_EVENT_PRE_PREPARE)
		reserve_record();
	else if (event == XACT_EVENT_PREPARE)
		hand_over_marks();
}

/*
 * At the end of a top-level transaction, once its outcome is visible: a
 * PREPARE TRANSACTION that failed after reserving a record frees it (the
 * marks stayed this transaction's); logical replication apply finishes
 * prepared transactions without SQL, so it sweeps after each.
 */
static void
resource_release(ResourceReleasePhase phase, bool isCommit, bool isTopLevel,
				 void *arg)
{
	if (phase != RESOURCE_RELEASE_AFTER_LOCKS || !isTopLevel || pshared == NULL)
		return;
	if (reserved_record >= 0)
	{
		set_record_state(&pshared->prepared[reserved_record], PM_FREE);
		reserved_record = -1;
	}
	if (pshared->nprepared > 0 && IsLogicalWorker())
		cachepg_twophase_sweep();
}

void
cachepg_twophase_init(void)
{
	RegisterXactCallback(xact_callback, NULL);
	RegisterResourceReleaseCallback(resource_release, NULL);
}
