/*
 * flight.c
 *		Single-flight loads: one loader per key, the others wait for it.
 *
 * Each backend has one flight slot (by pgprocno) in a fixed array that is
 * never freed, holding the hash of the key it is loading (0: none), a
 * sequence number bumped when that load ends, how it ended, and a
 * condition variable its waiters sleep on.  Finding the loader of a key
 * and registering as one are done under a partition lock chosen by the
 * hash, so two backends cannot both become the loader of one key; the
 * finder scans the slots, which is cheap next to the miss it is about to
 * have (a slot changes to a given hash only under that hash's lock).
 *
 * A load registers only at the top level: a backend that is loading runs
 * any nested call without waiting, since a condition-variable sleep is
 * invisible to the deadlock detector (two loaders each waiting for the
 * other's key would hang).  For the same reason a waiter stops waiting as
 * soon as it sees its loader wait for a heavyweight lock the waiter holds:
 * a third session may queue for it between them (a reader in a
 * transaction, an ALTER TABLE behind it, the loader behind that), and
 * then only running the query itself ends the wait.  Every other wait
 * ends at a deadline.  A load
 * that ends in any way (stored, not storable, error, cancel, FATAL, exit)
 * ends its flight and wakes its waiters; a crash reinitialises shared
 * memory.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/condition_variable.h"
#include "storage/ipc.h"
#include "storage/lock.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"

#include "flight.h"

#define FLIGHT_PARTITIONS 16
#define FLIGHT_POLL_MS 20

typedef struct Flight
{
	pg_atomic_uint64 hash;		/* key being loaded, 0: none */
	pg_atomic_uint64 ended;		/* loads ended << 2 | FlightOutcome of the
								 * last one, written at once */
	ConditionVariable cv;
} Flight;

typedef struct FlightShared
{
	int			nslots;
	Flight		slots[FLEXIBLE_ARRAY_MEMBER];
} FlightShared;

static FlightShared *flights = NULL;
static LWLockPadded *flight_locks = NULL;

/* This backend's registered load: the hash it holds, 0 if none. */
static uint64 my_hash = 0;
static bool exit_registered = false;

Size
cachepg_flight_shmem_size(void)
{
	return add_size(offsetof(FlightShared, slots),
					mul_size(sizeof(Flight), MaxBackends));
}

/* shmem_request_hook: the partition locks (the memory is counted by the caller). */
void
cachepg_flight_request(void)
{
	RequestNamedLWLockTranche("cachepg_flight", FLIGHT_PARTITIONS);
}

void
cachepg_flight_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	flights = ShmemInitStruct("cachepg_flight", cachepg_flight_shmem_size(), &found);
	if (!found)
	{
		int			i;

		flights->nslots = MaxBackends;
		for (i = 0; i < flights->nslots; i++)
		{
			pg_atomic_init_u64(&flights->slots[i].hash, 0);
			pg_atomic_init_u64(&flights->slots[i].ended, FLIGHT_FAILED);
			ConditionVariableInit(&flights->slots[i].cv);
		}
	}
	LWLockRelease(AddinShmemInitLock);
	flight_locks = GetNamedLWLockTranche("cachepg_flight");
}

static inline uint64
flight_hash(uint64 hash)
{
	return hash != 0 ? hash : 1;
}

static inline LWLock *
flight_lock(uint64 h)
{
	return &flight_locks[(h >> 32) % FLIGHT_PARTITIONS].lock;
}

/* A backend that exits (FATAL, terminate) while loading wakes its waiters. */
static void
flight_exit(int code, Datum arg)
{
	cachepg_flight_end(FLIGHT_FAILED);
}

/*
 * Become the loader of hash, or find who is.  FLIGHT_ALONE when this
 * backend has no slot or already holds a flight (it runs the query and
 * nobody waits for it).
 */
FlightRole
cachepg_flight_begin(uint64 hash, FlightWait *w)
{
	uint64		h = flight_hash(hash);
	LWLock	   *lock;
	int			me;
	int			i;

	if (flights == NULL || MyProc == NULL || my_hash != 0 ||
		MyProc->pgprocno >= flights->nslots)
		return FLIGHT_ALONE;
	me = MyProc->pgprocno;
	if (!exit_registered)
	{
		before_shmem_exit(flight_exit, (Datum) 0);
		exit_registered = true;
	}
	lock = flight_lock(h);
	LWLockAcquire(lock, LW_EXCLUSIVE);
	for (i = 0; i < flights->nslots; i++)
		if (pg_atomic_read_u64(&flights->slots[i].hash) == h)
		{
			w->loader = i;
			w->seq = pg_atomic_read_u64(&flights->slots[i].ended) >> 2;
			w->hash = h;
			LWLockRelease(lock);
			return FLIGHT_WAITER;
		}
	pg_atomic_write_u64(&flights->slots[me].hash, h);
	my_hash = h;
	LWLockRelease(lock);
	return FLIGHT_LOADER;
}

/*
 * Whether the load w waits for has ended; *outcome says how (a slot that
 * already ended a later load tells nothing of this one: FLIGHT_FAILED, so
 * the waiter looks and takes over if need be).
 */
static bool
flight_ended(FlightWait *w, FlightOutcome *outcome)
{
	uint64		ended = pg_atomic_read_u64(&flights->slots[w->loader].ended);
	uint64		seq = ended >> 2;

	if (seq == w->seq)
		return false;
	*outcome = (seq == w->seq + 1) ? (FlightOutcome) (ended & 3) : FLIGHT_FAILED;
	return true;
}

/*
 * Whether the backend of flight slot i waits for a heavyweight lock that
 * this backend holds in some mode (then it may be queued behind a request
 * that conflicts with ours, so that only our finishing lets it go on).
 * Advisory locks do not count: a query that takes them is volatile, so
 * never stored, and its loader keeps nobody waiting (cachepg.test_store_lock
 * holds a loader on one).  A loader queued behind a lock this backend does
 * not hold (DDL on a hot table) is waited for, up to the deadline.
 */
static bool
loader_waits_for_my_lock(int i)
{
	PGPROC	   *proc = &ProcGlobal->allProcs[i];
	LOCK	   *lock = proc->waitLock;
	LOCKTAG		tag;
	LOCKMODE	mode;

	/* read without a lock: a hint, checked again at the next wake-up */
	if (lock == NULL)
		return false;
	memcpy(&tag, &lock->tag, sizeof(tag));
	if (tag.locktag_type == LOCKTAG_ADVISORY || tag.locktag_lockmethodid != DEFAULT_LOCKMETHOD)
		return false;
	for (mode = AccessShareLock; mode <= MaxLockMode; mode++)
		if (LockHeldByMe(&tag, mode))
			return true;
	return false;
}

/*
 * Sleep until the load ends or the deadline passes.  Cancels, timeouts and
 * termination of this backend interrupt the sleep as usual.
 */
FlightOutcome
cachepg_flight_wait(FlightWait *w, TimestampTz deadline)
{
	Flight	   *f = &flights->slots[w->loader];
	FlightOutcome outcome = FLIGHT_TIMED_OUT;

	ConditionVariablePrepareToSleep(&f->cv);
	for (;;)
	{
		long		ms;

		if (flight_ended(w, &outcome))
			break;
		ms = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
		if (ms <= 0 || loader_waits_for_my_lock(w->loader))
		{
			outcome = FLIGHT_TIMED_OUT;
			break;
		}
		/* wake up now and then to see whether the loader waits for a lock */
		(void) ConditionVariableTimedSleep(&f->cv, Min(ms, FLIGHT_POLL_MS),
										   PG_WAIT_EXTENSION);
	}
	ConditionVariableCancelSleep();
	return outcome;
}

/* End this backend's flight, if it holds one, and wake its waiters. */
void
cachepg_flight_end(FlightOutcome outcome)
{
	Flight	   *f;
	LWLock	   *lock;

	if (my_hash == 0)
		return;
	f = &flights->slots[MyProc->pgprocno];
	lock = flight_lock(my_hash);
	LWLockAcquire(lock, LW_EXCLUSIVE);
	pg_atomic_write_u64(&f->ended,
						(((pg_atomic_read_u64(&f->ended) >> 2) + 1) << 2) | (uint64) outcome);
	pg_atomic_write_u64(&f->hash, 0);
	LWLockRelease(lock);
	my_hash = 0;
	ConditionVariableBroadcast(&f->cv);
}

/* Whether this backend holds a flight. */
bool
cachepg_flight_loading(void)
{
	return my_hash != 0;
}
