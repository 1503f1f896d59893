/*
 * invalidate.c
 *		Automatic invalidation: generations and in-flight writers per table,
 *		the trigger function, end-of-transaction release, prepared
 *		transactions, DDL through utility and object-access hooks, and
 *		cache_watch / cache_unwatch / cache_invalidate_table.
 *
 * The protocol (README, "Freshness"): a write statement first marks its
 * table and every ancestor as written by this transaction (in-flight
 * counter up once per transaction, generation bumped); when the transaction
 * is over and its outcome visible to everyone, including its invalidation
 * messages, the generation is bumped again, the newest committed writer's
 * XID recorded and the counter dropped.  A loader reads (generation, then
 * in-flight count) before its snapshot and stores only if nobody was writing
 * and the generation did not move until the store; a hit is served only
 * while every generation it was computed under is still current.  DDL takes
 * the same path: its target is marked, or the global slot when the target
 * is unclear.
 *
 * Nothing here that runs at end of transaction can fail: it only touches
 * atomics and frees a list.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/parallel.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/twophase.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parse_func.h"
#include "replication/logicalworker.h"
#include "storage/lwlock.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "cachepg.h"
#include "deps.h"
#include "invalidate.h"
#include "store.h"

PG_FUNCTION_INFO_V1(cachepg_trigger);
PG_FUNCTION_INFO_V1(cachepg_watch);
PG_FUNCTION_INFO_V1(cachepg_unwatch);
PG_FUNCTION_INFO_V1(cachepg_invalidate_table);
PG_FUNCTION_INFO_V1(cachepg_tables);

typedef struct WatchSlot
{
	Oid			dbid;
	Oid			relid;			/* InvalidOid: the global slot */
	pg_atomic_uint64 gen;
	pg_atomic_uint64 last_xid;	/* FullTransactionId of the newest committed
								 * writer */
	pg_atomic_uint32 inflight;	/* transactions writing it now */
	pg_atomic_uint32 dropped;	/* 1: its relation's drop committed, so the
								 * slot may be given to another table */
} WatchSlot;

typedef struct WatchKey
{
	Oid			dbid;
	Oid			relid;
} WatchKey;

typedef struct WatchEntry
{
	WatchKey	key;
	int32		slot;
} WatchEntry;

/* The marks a prepared transaction holds until COMMIT/ROLLBACK PREPARED. */
#define PREPARED_MAX_SLOTS 32
typedef struct PreparedMarks
{
	int			state;			/* PM_* */
	uint64		fxid;			/* the prepared transaction */
	int			nslots;
	int32		slots[PREPARED_MAX_SLOTS];
} PreparedMarks;

#define PM_FREE		0
#define PM_RESERVED	1			/* PREPARE TRANSACTION under way */
#define PM_PREPARED	2			/* holds the counts of slots[] */
#define PM_RELEASING 3			/* being released by a sweep */

typedef struct WatchShared
{
	pg_atomic_uint64 gen_counter;
	int32		nslots;			/* used, under the map lock */
	int32		maxslots;
	pg_atomic_uint32 ndropped;	/* slots flagged dropped */
	slock_t		mutex;			/* prepared records, unknown_prepared */
	bool		unknown_prepared;	/* prepared xacts from before a restart
									 * may hold writes we never saw */
	int			nprepared;
	PreparedMarks prepared[FLEXIBLE_ARRAY_MEMBER];
} WatchShared;

static WatchShared *wshared = NULL;
static WatchSlot *wslots = NULL;
static HTAB *wmap = NULL;
static LWLock *wlock = NULL;

/* This backend: slots this transaction marked; the record it reserved. */
static List *xact_slots = NIL;
static uint64 xact_fxid = 0;
static int	reserved_record = -1;

/*
 * Relations with a slot this transaction dropped, and (from pre-commit on)
 * the slots of those whose drop it is committing: their slots become free
 * once the commit is visible.  Both in TopMemoryContext.
 */
static List *xact_dropped = NIL;
static List *xact_freed = NIL;

/* The database a DROP DATABASE under way drops. */
static Oid	dropping_db = InvalidOid;

static void set_record_state(PreparedMarks *pm, int state);
static void sweep_prepared(void);

/*
 * This backend: what it learnt of a relation, until the next relcache
 * invalidation: its ancestors (a miss asks for those of every table it
 * read) and, once it was written, the slots a write marks (its own and its
 * ancestors').  Both live in TopMemoryContext.
 */
typedef struct RelInfo
{
	Oid			relid;
	List	   *ancestors;
	int			nslots;
	int32	   *slots;			/* NULL until a write needs them */
} RelInfo;
static HTAB *relinfo = NULL;

static ProcessUtility_hook_type prev_utility = NULL;
static object_access_hook_type prev_object_access = NULL;

static int
max_slots(void)
{
	return cachepg_max_tables + 1;	/* slot 0 is global */
}

static Size
header_size(void)
{
	return MAXALIGN(add_size(offsetof(WatchShared, prepared),
							 mul_size(sizeof(PreparedMarks), max_prepared_xacts)));
}

/* Shared memory for the watch state; part of cachepg.memory. */
Size
cachepg_watch_shmem_size(void)
{
	return add_size(add_size(header_size(),
							 MAXALIGN(mul_size(sizeof(WatchSlot), max_slots()))),
					hash_estimate_size(max_slots(), sizeof(WatchEntry)));
}

void
cachepg_watch_request(void)
{
	RequestNamedLWLockTranche("cachepg_watch", 1);
}

void
cachepg_watch_startup(void)
{
	bool		found;
	HASHCTL		info;
	int			i;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	wshared = ShmemInitStruct("cachepg_watch", header_size() +
							  MAXALIGN(mul_size(sizeof(WatchSlot), max_slots())),
							  &found);
	wslots = (WatchSlot *) ((char *) wshared + header_size());
	wlock = &(GetNamedLWLockTranche("cachepg_watch"))->lock;
	if (!found)
	{
		pg_atomic_init_u64(&wshared->gen_counter, 1);
		wshared->maxslots = max_slots();
		wshared->nslots = 1;
		pg_atomic_init_u32(&wshared->ndropped, 0);
		SpinLockInit(&wshared->mutex);
		/* after a restart, recovered prepared transactions are unknown */
		wshared->unknown_prepared = (max_prepared_xacts > 0);
		wshared->nprepared = max_prepared_xacts;
		memset(wshared->prepared, 0, sizeof(PreparedMarks) * max_prepared_xacts);	/* PM_FREE */
		for (i = 0; i < wshared->maxslots; i++)
		{
			wslots[i].dbid = InvalidOid;
			wslots[i].relid = InvalidOid;
			pg_atomic_init_u64(&wslots[i].gen, 1);
			pg_atomic_init_u64(&wslots[i].last_xid, 0);
			pg_atomic_init_u32(&wslots[i].inflight, 0);
			pg_atomic_init_u32(&wslots[i].dropped, 0);
		}
	}
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(WatchKey);
	info.entrysize = sizeof(WatchEntry);
	wmap = ShmemInitHash("cachepg_watch_map", max_slots(), max_slots(), &info,
						 HASH_ELEM | HASH_BLOBS);
	LWLockRelease(AddinShmemInitLock);
}

static inline bool
ready(void)
{
	return wshared != NULL;
}

/* A new generation: globally increasing, so a value never comes back. */
static void
bump(int32 slot)
{
	pg_atomic_exchange_u64(&wslots[slot].gen,
						   pg_atomic_add_fetch_u64(&wshared->gen_counter, 1));
}

/* Flag a slot as free to reassign, or not, keeping the count of those that are. */
static void
set_dropped(int32 s, bool dropped)
{
	if (pg_atomic_exchange_u32(&wslots[s].dropped, dropped ? 1 : 0) != (dropped ? 1 : 0))
	{
		if (dropped)
			pg_atomic_fetch_add_u32(&wshared->ndropped, 1);
		else
			pg_atomic_fetch_sub_u32(&wshared->ndropped, 1);
	}
}

/*
 * A slot for key, under the exclusive map lock: a new one while there are,
 * else one whose relation's drop committed and that nobody is writing.  A
 * slot given to another table gets a new generation, and generations never
 * come back, so an entry or load that remembered it for the dropped table
 * can never match again.  -1 when every slot is in use.
 */
static int32
slot_assign(const WatchKey *key)
{
	int32		s = -1;
	int32		i;
	WatchEntry *e;
	bool		found;

	if (wshared->nslots < wshared->maxslots)
		s = wshared->nslots;
	else if (pg_atomic_read_u32(&wshared->ndropped) > 0)
		for (i = 1; i < wshared->nslots && s < 0; i++)
			if (pg_atomic_read_u32(&wslots[i].dropped) != 0 &&
				pg_atomic_read_u32(&wslots[i].inflight) == 0)
			{
				WatchKey	old;

				memset(&old, 0, sizeof(old));
				old.dbid = wslots[i].dbid;
				old.relid = wslots[i].relid;
				hash_search(wmap, &old, HASH_REMOVE, NULL);
				s = i;
			}
	if (s < 0)
		return -1;
	e = hash_search(wmap, key, HASH_ENTER_NULL, &found);
	if (e == NULL)
		return -1;				/* cannot happen: the map has room for every slot */
	if (s == wshared->nslots)
		wshared->nslots++;
	wslots[s].dbid = key->dbid;
	wslots[s].relid = key->relid;
	set_dropped(s, false);
	bump(s);
	e->slot = s;
	return s;
}

/*
 * The slot of (this database, relid), created if missing and create is
 * set.  -1 when there is none (or the table is full; writers then fall
 * back to the global slot).  A slot whose relation's drop committed is
 * still returned for its OID (a backend may look a dropped relation up
 * from an older view of the catalogs) but stays free for reassignment,
 * which moves its generation: whoever still uses it then misses.
 */
static int32
slot_lookup(Oid relid, bool create)
{
	WatchKey	key;
	WatchEntry *e;
	int32		s = -1;

	memset(&key, 0, sizeof(key));
	key.dbid = MyDatabaseId;
	key.relid = relid;

	LWLockAcquire(wlock, LW_SHARED);
	e = hash_search(wmap, &key, HASH_FIND, NULL);
	if (e)
		s = e->slot;
	LWLockRelease(wlock);
	if (s >= 0 && create && pg_atomic_read_u32(&wslots[s].dropped) != 0 &&
		(AcceptInvalidationMessages(), SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid))))
	{
		/*
		 * The OID came back for a live relation: take the slot back before
		 * it is given to another table (a new generation: nothing of the
		 * dropped one matches).
		 */
		LWLockAcquire(wlock, LW_EXCLUSIVE);
		e = hash_search(wmap, &key, HASH_FIND, NULL);
		if (e && e->slot == s && pg_atomic_read_u32(&wslots[s].dropped) != 0)
		{
			set_dropped(s, false);
			bump(s);
		}
		s = e ? e->slot : -1;
		LWLockRelease(wlock);
		return s >= 0 ? s : slot_lookup(relid, create);
	}
	if (s >= 0 || !create)
		return s;

	LWLockAcquire(wlock, LW_EXCLUSIVE);
	e = hash_search(wmap, &key, HASH_FIND, NULL);
	s = e ? e->slot : slot_assign(&key);
	LWLockRelease(wlock);
	return s;
}

int32
cachepg_slot_for(Oid relid)
{
	return slot_lookup(relid, true);
}

static List *scan_ancestors(Oid relid);

/* This backend's entry for relid, with its ancestors. */
static RelInfo *
rel_info(Oid relid)
{
	RelInfo    *ri;

	if (relinfo == NULL)
	{
		HASHCTL		info;

		memset(&info, 0, sizeof(info));
		info.keysize = sizeof(Oid);
		info.entrysize = sizeof(RelInfo);
		info.hcxt = TopMemoryContext;
		relinfo = hash_create("cachepg relations", 64, &info,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	ri = hash_search(relinfo, &relid, HASH_FIND, NULL);
	if (ri == NULL)
	{
		/* scan first: the catalog access may run the relcache callback */
		List	   *scanned = scan_ancestors(relid);
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
		List	   *kept = list_copy(scanned);

		MemoryContextSwitchTo(old);
		list_free(scanned);
		ri = hash_search(relinfo, &relid, HASH_ENTER, NULL);
		ri->ancestors = kept;
		ri->nslots = 0;
		ri->slots = NULL;
	}
	return ri;
}

/*
 * The relations whose writes must count as writes of relid: its
 * inheritance and partition ancestors, every level.  A palloc'd list the
 * caller owns.
 */
List *
cachepg_relation_ancestors(Oid relid)
{
	return list_copy(rel_info(relid)->ancestors);
}

/* The ancestors of relid, every level, from pg_inherits. */
static List *
scan_ancestors(Oid relid)
{
	List	   *result = NIL;
	List	   *todo = list_make1_oid(relid);
	Relation	inh = table_open(InheritsRelationId, AccessShareLock);

	while (todo != NIL)
	{
		Oid			r = linitial_oid(todo);
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tup;

		todo = list_delete_first(todo);
		ScanKeyInit(&key, Anum_pg_inherits_inhrelid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(r));
		scan = systable_beginscan(inh, InheritsRelidSeqnoIndexId, true,
								  NULL, 1, &key);
		while ((tup = systable_getnext(scan)) != NULL)
		{
			Oid			parent = ((Form_pg_inherits) GETSTRUCT(tup))->inhparent;

			if (!list_member_oid(result, parent))
			{
				result = lappend_oid(result, parent);
				todo = lappend_oid(todo, parent);
			}
		}
		systable_endscan(scan);
	}
	table_close(inh, AccessShareLock);
	return result;
}

/* Mark one slot as written by this transaction (once per transaction). */
static void
mark_slot(int32 slot)
{
	MemoryContext old;

	if (list_member_int(xact_slots, slot))
		return;
	/* remember first: after the increment nothing may fail */
	old = MemoryContextSwitchTo(TopMemoryContext);
	xact_slots = lappend_int(xact_slots, slot);
	MemoryContextSwitchTo(old);
	pg_atomic_fetch_add_u32(&wslots[slot].inflight, 1);
	bump(slot);
}

/*
 * Whether this backend can mark: a transaction is open, and it is not a
 * parallel worker (whose commit comes before its leader's).
 */
static bool
can_mark(void)
{
	return ready() && IsTransactionState() && !IsParallelWorker();
}

/*
 * cache_clear(): every entry, and every load under way, is stale from now
 * on (the global slot, on which all of them depend, moves).
 */
void
cachepg_invalidate_all(void)
{
	if (ready())
		bump(CACHEPG_GLOBAL_SLOT);
}

void
cachepg_mark_global(void)
{
	if (can_mark())
		mark_slot(CACHEPG_GLOBAL_SLOT);
}

/*
 * The slots a write to relid marks: its own and its ancestors'.  Looking a
 * slot up may read the catalogs (slot_lookup), which may run the relcache
 * callback and reset this backend's relation entries: the slots are
 * computed from a copy, then attached to the entry looked up again, if its
 * ancestors are still the ones the slots were computed for.
 */
static RelInfo *
slots_of(Oid relid)
{
	RelInfo    *ri = rel_info(relid);

	while (ri->slots == NULL)
	{
		List	   *rels = lcons_oid(relid, list_copy(ri->ancestors));
		int			n = list_length(rels);
		int32	   *slots = MemoryContextAlloc(TopMemoryContext, sizeof(int32) * n);
		ListCell   *lc;
		int			i = 0;

		foreach(lc, rels)
		{
			int32		s = cachepg_slot_for(lfirst_oid(lc));

			slots[i++] = s >= 0 ? s : CACHEPG_GLOBAL_SLOT;
		}
		ri = rel_info(relid);
		rels = list_delete_first(rels); /* the ancestors the slots are for */
		if (ri->slots == NULL && equal(ri->ancestors, rels))
		{
			ri->nslots = n;
			ri->slots = slots;
		}
		else
			pfree(slots);
		list_free(rels);
	}
	return ri;
}

/* A write (or DDL) to relid begins: mark it and its ancestors. */
void
cachepg_mark_relation(Oid relid)
{
	RelInfo    *ri;
	int			i;

	if (!can_mark())
		return;
	ri = slots_of(relid);
	for (i = 0; i < ri->nslots; i++)
		mark_slot(ri->slots[i]);
}

/* Record fxid as the slot's newest committed writer, if it is newer. */
static void
raise_last_xid(int32 slot, uint64 fxid)
{
	uint64		cur = pg_atomic_read_u64(&wslots[slot].last_xid);

	while (cur < fxid &&
		   !pg_atomic_compare_exchange_u64(&wslots[slot].last_xid, &cur, fxid))
		;
}

/* End of a writer: bump again, record a committed XID, drop the count. */
static void
release_slots(const int32 *slots, int n, uint64 fxid)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		WatchSlot  *ws = &wslots[slots[i]];

		if (fxid != 0)
			raise_last_xid(slots[i], fxid);
		bump(slots[i]);
		pg_atomic_fetch_sub_u32(&ws->inflight, 1);
	}
}

static void
release_xact_slots(bool commit)
{
	ListCell   *lc;

	foreach(lc, xact_slots)
	{
		int32		s = lfirst_int(lc);

		release_slots(&s, 1, commit ? xact_fxid : 0);
	}
	list_free(xact_slots);
	xact_slots = NIL;
	xact_fxid = 0;
}

/*
 * After the transaction's outcome and its invalidation messages are visible
 * to everyone (the last phase of releasing the top-level resource owner,
 * at commit and abort alike, FATAL exits included): release its marks.
 */
static void
resource_release(ResourceReleasePhase phase, bool isCommit, bool isTopLevel,
				 void *arg)
{
	if (phase != RESOURCE_RELEASE_AFTER_LOCKS || !isTopLevel || !ready())
		return;
	if (reserved_record >= 0)
	{
		/* PREPARE TRANSACTION failed after reserving: the marks stay ours */
		set_record_state(&wshared->prepared[reserved_record], PM_FREE);
		reserved_record = -1;
	}
	if (xact_slots != NIL)
	{
		if (cachepg_test_delay_release_ms > 0)
			pg_usleep((long) cachepg_test_delay_release_ms * 1000L);
		release_xact_slots(isCommit);
	}
	if (xact_freed != NIL)
	{
		ListCell   *lc;

		/* after the release: a freed slot is reused only once nobody writes it */
		if (isCommit)
			foreach(lc, xact_freed)
				set_dropped(lfirst_int(lc), true);
		list_free(xact_freed);
		xact_freed = NIL;
	}
	list_free(xact_dropped);
	xact_dropped = NIL;
	/* logical replication apply finishes prepared transactions without SQL */
	if (wshared->nprepared > 0 && IsLogicalWorker())
		sweep_prepared();
}

static void
set_record_state(PreparedMarks *pm, int state)
{
	SpinLockAcquire(&wshared->mutex);
	pm->state = state;
	SpinLockRelease(&wshared->mutex);
}

/*
 * PREPARE TRANSACTION is about to start: reserve a record for the marks
 * (this may fail, which aborts the prepare cleanly).  A transaction that
 * marked more slots than a record holds keeps the global slot instead.
 */
static void
reserve_record(void)
{
	int			i;

	if (xact_slots == NIL)
		return;
	if (list_length(xact_slots) > PREPARED_MAX_SLOTS)
	{
		mark_slot(CACHEPG_GLOBAL_SLOT);
		xact_slots = list_delete_int(xact_slots, CACHEPG_GLOBAL_SLOT);
		release_xact_slots(false);
		xact_slots = lappend_int(NIL, CACHEPG_GLOBAL_SLOT);
	}
	SpinLockAcquire(&wshared->mutex);
	for (i = 0; i < wshared->nprepared; i++)
		if (wshared->prepared[i].state == PM_FREE)
		{
			wshared->prepared[i].state = PM_RESERVED;
			wshared->prepared[i].fxid = U64FromFullTransactionId(GetTopFullTransactionIdIfAny());
			reserved_record = i;
			break;
		}
	SpinLockRelease(&wshared->mutex);
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
	ListCell   *lc;

	if (reserved_record < 0)
		return;
	pm = &wshared->prepared[reserved_record];
	pm->nslots = 0;
	foreach(lc, xact_slots)
		pm->slots[pm->nslots++] = lfirst_int(lc);
	set_record_state(pm, PM_PREPARED);
	reserved_record = -1;
	list_free(xact_slots);
	xact_slots = NIL;
	xact_fxid = 0;
}

/*
 * Release the marks of prepared transactions that are over (COMMIT or
 * ROLLBACK PREPARED, from SQL or from logical replication apply).  Run by
 * the backend that finished them, after their outcome and invalidation
 * messages are visible.
 */
static void
sweep_prepared(void)
{
	int			i;

	for (i = 0; i < wshared->nprepared; i++)
	{
		PreparedMarks *pm = &wshared->prepared[i];
		TransactionId xid;
		bool		claimed = false;

		uint64		fxid;

		SpinLockAcquire(&wshared->mutex);
		fxid = pm->fxid;
		claimed = (pm->state == PM_PREPARED);
		SpinLockRelease(&wshared->mutex);
		if (!claimed)
			continue;
		xid = XidFromFullTransactionId(FullTransactionIdFromU64(fxid));
		if (TransactionIdIsInProgress(xid))
			continue;
		/* claim it, unless another sweep took it (and it was reused) meanwhile */
		SpinLockAcquire(&wshared->mutex);
		claimed = (pm->state == PM_PREPARED && pm->fxid == fxid);
		if (claimed)
			pm->state = PM_RELEASING;
		SpinLockRelease(&wshared->mutex);
		if (!claimed)
			continue;
		release_slots(pm->slots, pm->nslots,
					  TransactionIdDidCommit(xid) ? fxid : 0);
		set_record_state(pm, PM_FREE);
	}
}

/*
 * Before commit, while catalogs can still be read: of the relations this
 * transaction dropped, those still gone as it commits (a subtransaction
 * may have rolled a drop back) give their slots up at commit.
 */
static void
free_dropped_slots(void)
{
	ListCell   *lc;
	List	   *freed = NIL;
	MemoryContext old;

	foreach(lc, xact_dropped)
	{
		Oid			relid = lfirst_oid(lc);
		int32		s;

		if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
			continue;
		s = slot_lookup(relid, false);
		if (s > CACHEPG_GLOBAL_SLOT)
			freed = lappend_int(freed, s);
	}
	old = MemoryContextSwitchTo(TopMemoryContext);
	xact_freed = list_copy(freed);
	MemoryContextSwitchTo(old);
	list_free(freed);
}

static void
xact_callback(XactEvent event, void *arg)
{
	if (!ready())
		return;
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			xact_fxid = U64FromFullTransactionId(GetTopFullTransactionIdIfAny());
			free_dropped_slots();
			break;
		case XACT_EVENT_PRE_PREPARE:
			/* a prepared drop keeps its slot (COMMIT PREPARED is elsewhere) */
			list_free(xact_dropped);
			xact_dropped = NIL;
			reserve_record();
			break;
		case XACT_EVENT_PREPARE:
			hand_over_marks();
			break;
		default:
			break;
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

	if (!ready())
		return true;
	SpinLockAcquire(&wshared->mutex);
	unknown = wshared->unknown_prepared;
	SpinLockRelease(&wshared->mutex);
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

		SpinLockAcquire(&wshared->mutex);
		for (j = 0; j < wshared->nprepared; j++)
			if (wshared->prepared[j].state != PM_FREE &&
				XidFromFullTransactionId(FullTransactionIdFromU64(wshared->prepared[j].fxid)) == xid)
				known = true;
		SpinLockRelease(&wshared->mutex);
		if (!known)
			return true;
	}
	/*
	 * None is left, but those that finished wrote without marks: count them
	 * as a committed write to everything, so that no snapshot older than
	 * now stores or is served (nothing was stored while the flag was set,
	 * and newer snapshots see their outcome).
	 */
	raise_last_xid(CACHEPG_GLOBAL_SLOT, U64FromFullTransactionId(ReadNextFullTransactionId()));
	SpinLockAcquire(&wshared->mutex);
	wshared->unknown_prepared = false;
	SpinLockRelease(&wshared->mutex);
	return false;
}

/*
 * Read a slot for a load: its generation, then (after a barrier) whether
 * anybody is writing it.  A writer raises the count before it bumps the
 * generation, so a generation read before the bump is caught at the store,
 * one read after it sees the count.
 */
bool
cachepg_read_mark(int32 slot, CacheMark *mark)
{
	mark->slot = slot;
	mark->pad = 0;
	mark->gen = pg_atomic_read_u64(&wslots[slot].gen);
	pg_memory_barrier();
	return pg_atomic_read_u32(&wslots[slot].inflight) == 0;
}

bool
cachepg_mark_current(const CacheMark *mark)
{
	if (mark->slot < 0 || mark->slot >= wshared->maxslots)
		return false;
	pg_memory_barrier();
	return pg_atomic_read_u64(&wslots[mark->slot].gen) == mark->gen;
}

/*
 * Whether a snapshot sees every committed write of this slot's table: the
 * newest committed writer's XID precedes its xmin (a writer the snapshot
 * does not see was running when it was taken, so its XID is at least xmin).
 */
bool
cachepg_mark_seen_by(const CacheMark *mark, Snapshot snapshot)
{
	uint64		last = pg_atomic_read_u64(&wslots[mark->slot].last_xid);
	FullTransactionId next = ReadNextFullTransactionId();
	uint32		epoch = EpochFromFullTransactionId(next);
	FullTransactionId xmin;

	if (last == 0)
		return true;
	if (snapshot->xmin > XidFromFullTransactionId(next))
		epoch--;
	xmin = FullTransactionIdFromEpochAndXid(epoch, snapshot->xmin);
	return last < U64FromFullTransactionId(xmin);
}

static Oid	cached_trigger_fn = InvalidOid;

/*
 * The OID of our trigger function in this database (the cache_trigger()
 * that belongs to extension cachepg), or InvalidOid.
 */
static Oid
trigger_function(void)
{
	Oid			ext;
	Oid			result = InvalidOid;
	CatCList   *list;
	int			i;

	/* remembered until pg_proc changes: a miss checks it for every table */
	if (OidIsValid(cached_trigger_fn))
		return cached_trigger_fn;
	ext = get_extension_oid("cachepg", true);
	if (!OidIsValid(ext))
		return InvalidOid;
	list = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum("cache_trigger"));
	for (i = 0; i < list->n_members; i++)
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(&list->members[i]->tuple);

		if (proc->pronargs == 0 &&
			getExtensionOfObject(ProcedureRelationId, proc->oid) == ext)
		{
			result = proc->oid;
			break;
		}
	}
	ReleaseSysCacheList(list);
	cached_trigger_fn = result;
	return result;
}

static void
proc_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	cached_trigger_fn = InvalidOid;
}

#define TRIG_WRITE		"cachepg_write"
#define TRIG_TRUNCATE	"cachepg_truncate"
#define TRIG_REPLICA	"cachepg_replica"

/*
 * Our trigger of this name on rel: calling our function, BEFORE, for every
 * row or statement of the events it must see (no column list, no WHEN).
 */
static const Trigger *
find_trigger(Relation rel, const char *name, Oid fn)
{
	TriggerDesc *td = rel->trigdesc;
	int16		events = strcmp(name, TRIG_TRUNCATE) == 0 ? TRIGGER_TYPE_TRUNCATE :
		(TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE | TRIGGER_TYPE_DELETE);
	int			i;

	for (i = 0; td && i < td->numtriggers; i++)
	{
		const Trigger *t = &td->triggers[i];

		if (strcmp(t->tgname, name) == 0 && t->tgfoid == fn &&
			TRIGGER_FOR_BEFORE(t->tgtype) && (t->tgtype & events) == events &&
			t->tgnattr == 0 && t->tgqual == NULL)
			return t;
	}
	return NULL;
}

/*
 * Whether every write to rel reaches our trigger function: an enabled
 * BEFORE statement trigger for ordinary sessions, an ALWAYS truncate
 * trigger, and (tables holding rows) a row trigger for the replica role.
 * Views and materialized views have no rows of their own to write (a
 * REFRESH counts as a write).
 */
bool
cachepg_relation_watched(Relation rel)
{
	Oid			fn;
	const Trigger *t;

	switch (rel->rd_rel->relkind)
	{
		case RELKIND_VIEW:
		case RELKIND_MATVIEW:
			return true;
		case RELKIND_RELATION:
		case RELKIND_PARTITIONED_TABLE:
			break;
		default:
			return false;
	}
	fn = trigger_function();
	if (!OidIsValid(fn))
		return false;
	t = find_trigger(rel, TRIG_WRITE, fn);
	if (t == NULL || TRIGGER_FOR_ROW(t->tgtype) ||
		(t->tgenabled != TRIGGER_FIRES_ON_ORIGIN && t->tgenabled != TRIGGER_FIRES_ALWAYS))
		return false;
	t = find_trigger(rel, TRIG_TRUNCATE, fn);
	if (t == NULL || t->tgenabled != TRIGGER_FIRES_ALWAYS)
		return false;
	if (rel->rd_rel->relkind == RELKIND_RELATION)
	{
		t = find_trigger(rel, TRIG_REPLICA, fn);
		if (t == NULL || !TRIGGER_FOR_ROW(t->tgtype) ||
			(t->tgenabled != TRIGGER_FIRES_ON_REPLICA && t->tgenabled != TRIGGER_FIRES_ALWAYS))
			return false;
	}
	return true;
}

/*
 * cache_trigger(): BEFORE statement (and, for the replica role, BEFORE row)
 * trigger on watched tables.  Marks the table and its ancestors before the
 * statement touches a row.  Runs whether or not cachepg.enabled is on.
 */
Datum
cachepg_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("cache_trigger() must be called as a trigger")));
	cachepg_mark_relation(RelationGetRelid(td->tg_relation));
	if (TRIGGER_FIRED_FOR_ROW(td->tg_event))
		return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ?
							   td->tg_newtuple : td->tg_trigtuple);
	return PointerGetDatum(NULL);
}

/* Run one utility statement built from a format (SPI is connected). */
static void
run_ddl(const char *fmt, const char *rel, const char *schema)
{
	char	   *sql = psprintf(fmt, rel, schema);

	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "cachepg: could not run \"%s\"", sql);
	pfree(sql);
}

/* Whether any of our triggers on rel is disabled: the owner unwatched it. */
static bool
opted_out(Relation rel, Oid fn)
{
	static const char *const names[] = {TRIG_WRITE, TRIG_TRUNCATE, TRIG_REPLICA};
	int			i;

	for (i = 0; i < lengthof(names); i++)
	{
		const Trigger *t = find_trigger(rel, names[i], fn);

		if (t && t->tgenabled == TRIGGER_DISABLED)
			return true;
	}
	return false;
}

/*
 * Install our triggers on relid alone where they are missing, and enable
 * them as required.  The caller has checked the privileges.  Unless
 * by_owner, a table whose owner disabled our triggers (cache_unwatch) is
 * left alone.  Returns whether anything had to be done.
 */
static bool
watch_one(Oid relid, Oid fn, const char *schema, bool by_owner)
{
	Relation	rel = relation_open(relid, ShareRowExclusiveLock);
	char	   *name;
	char		kind = rel->rd_rel->relkind;
	bool		has_write,
				has_trunc,
				has_repl;
	bool		skip;

	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
	{
		relation_close(rel, ShareRowExclusiveLock);
		return false;
	}
	skip = cachepg_relation_watched(rel) || (!by_owner && opted_out(rel, fn));
	has_write = find_trigger(rel, TRIG_WRITE, fn) != NULL;
	has_trunc = find_trigger(rel, TRIG_TRUNCATE, fn) != NULL;
	has_repl = find_trigger(rel, TRIG_REPLICA, fn) != NULL;
	name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									  RelationGetRelationName(rel));
	relation_close(rel, NoLock);
	if (skip)
		return false;

	schema = quote_identifier(schema);
	if (!has_write)
		run_ddl("CREATE TRIGGER " TRIG_WRITE " BEFORE INSERT OR UPDATE OR DELETE ON %s "
				"FOR EACH STATEMENT EXECUTE FUNCTION %s.cache_trigger()", name, schema);
	run_ddl("ALTER TABLE ONLY %s ENABLE TRIGGER " TRIG_WRITE, name, NULL);
	if (!has_trunc)
		run_ddl("CREATE TRIGGER " TRIG_TRUNCATE " BEFORE TRUNCATE ON %s "
				"FOR EACH STATEMENT EXECUTE FUNCTION %s.cache_trigger()", name, schema);
	run_ddl("ALTER TABLE ONLY %s ENABLE ALWAYS TRIGGER " TRIG_TRUNCATE, name, NULL);
	if (kind == RELKIND_RELATION)
	{
		if (!has_repl)
			run_ddl("CREATE TRIGGER " TRIG_REPLICA " BEFORE INSERT OR UPDATE OR DELETE ON %s "
					"FOR EACH ROW EXECUTE FUNCTION %s.cache_trigger()", name, schema);
		run_ddl("ALTER TABLE ONLY %s ENABLE REPLICA TRIGGER " TRIG_REPLICA, name, NULL);
	}
	return true;
}

/* A table or partitioned table that exists and is not a catalog, or an error. */
static void
check_watchable(Oid relid)
{
	char		kind = get_rel_relkind(relid);

	if (kind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (IsCatalogRelationOid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a system catalog", get_rel_name(relid)),
				 errdetail("Catalogs cannot carry triggers; results that read them are not stored.")));
	if (kind == RELKIND_SEQUENCE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a sequence", get_rel_name(relid)),
				 errdetail("A sequence changes without any write that triggers could see; results that read one are not stored.")));
	if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", get_rel_name(relid)),
				 errdetail("Only tables and partitioned tables are watched; views and materialized views need no triggers.")));
	if (get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a temporary table", get_rel_name(relid)),
				 errdetail("Results that read temporary tables are never stored.")));
}

/*
 * The tables of relid's tree (itself, partitions, inheritance children),
 * locked against concurrent trigger changes; by_owner: the caller must own
 * every one of them.
 */
static List *
tree_of(Oid relid, bool by_owner)
{
	List	   *rels;
	ListCell   *lc;

	check_watchable(relid);
	rels = find_all_inheritors(relid, ShareRowExclusiveLock, NULL);
	foreach(lc, rels)
	{
		Oid			r = lfirst_oid(lc);

		if (by_owner && !pg_class_ownercheck(r, GetUserId()))
			aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(get_rel_relkind(r)),
						   get_rel_name(r));
	}
	return rels;
}

static Oid
require_trigger_function(void)
{
	Oid			fn = trigger_function();

	if (!OidIsValid(fn))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"cachepg\" is not installed in this database")));
	return fn;
}

/*
 * Watch relid and every descendant.  Returns the number of relations whose
 * triggers were installed or fixed.  by_owner: cache_watch, for the owner;
 * otherwise the background worker or the DDL hook, which leave alone tables
 * whose owner disabled our triggers.
 */
int
cachepg_watch_relation(Oid relid, bool by_owner)
{
	Oid			fn = require_trigger_function();
	char	   *schema = get_namespace_name(get_func_namespace(fn));
	List	   *rels = tree_of(relid, by_owner);
	ListCell   *lc;
	int			n = 0;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	foreach(lc, rels)
		if (watch_one(lfirst_oid(lc), fn, schema, by_owner))
			n++;
	SPI_finish();
	return n;
}

/* cache_watch(regclass) RETURNS integer */
Datum
cachepg_watch(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(cachepg_watch_relation(PG_GETARG_OID(0), true));
}

/*
 * cache_unwatch(regclass) RETURNS integer: disable our triggers on the
 * table and its descendants (they stay, disabled, so that auto-watch
 * leaves the table alone; cache_watch enables them again).
 */
Datum
cachepg_unwatch(PG_FUNCTION_ARGS)
{
	Oid			fn = require_trigger_function();
	List	   *rels = tree_of(PG_GETARG_OID(0), true);
	ListCell   *lc;
	int			n = 0;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	foreach(lc, rels)
	{
		static const char *const names[] = {TRIG_WRITE, TRIG_TRUNCATE, TRIG_REPLICA};
		Relation	rel = relation_open(lfirst_oid(lc), NoLock);
		char	   *name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													  RelationGetRelationName(rel));
		bool		enabled[lengthof(names)];
		bool		changed = false;
		int			i;

		for (i = 0; i < lengthof(names); i++)
		{
			const Trigger *t = find_trigger(rel, names[i], fn);

			enabled[i] = (t != NULL && t->tgenabled != TRIGGER_DISABLED);
		}
		/* ALTER TABLE refuses a table this session still has open */
		relation_close(rel, NoLock);
		for (i = 0; i < lengthof(names); i++)
			if (enabled[i])
			{
				run_ddl("ALTER TABLE ONLY %s DISABLE TRIGGER %s", name, names[i]);
				changed = true;
			}
		if (changed)
			n++;
	}
	SPI_finish();
	PG_RETURN_INT32(n);
}

/*
 * cache_invalidate_table(regclass) RETURNS void: every entry that depends
 * on the table (or a descendant's ancestor chain through it) is stale now.
 */
Datum
cachepg_invalidate_table(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	int32		s;

	cachepg_require_store();
	s = cachepg_slot_for(relid);
	bump(s >= 0 ? s : CACHEPG_GLOBAL_SLOT);
	cachepg_count(CC_INVALIDATIONS, 1);
	PG_RETURN_VOID();
}

/* cache_tables(): the slots of this database (and the global one). */
Datum
cachepg_tables(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		n,
				i;
	Oid		   *rels;

	cachepg_require_store();
	InitMaterializedSRF(fcinfo, 0);
	/* who owns which slot, read under the lock (a slot may be reassigned) */
	rels = palloc(sizeof(Oid) * wshared->maxslots);
	LWLockAcquire(wlock, LW_SHARED);
	n = wshared->nslots;
	for (i = 0; i < n; i++)
		rels[i] = (i == CACHEPG_GLOBAL_SLOT ||
				   (wslots[i].dbid == MyDatabaseId &&
					pg_atomic_read_u32(&wslots[i].dropped) == 0)) ?
			wslots[i].relid : InvalidOid;
	LWLockRelease(wlock);
	for (i = 0; i < n; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {0};
		uint64		last;

		if (i != CACHEPG_GLOBAL_SLOT && !OidIsValid(rels[i]))
			continue;
		if (i == CACHEPG_GLOBAL_SLOT)
			nulls[0] = true;
		else
			values[0] = ObjectIdGetDatum(rels[i]);
		values[1] = Int64GetDatum((int64) pg_atomic_read_u64(&wslots[i].gen));
		values[2] = Int32GetDatum((int32) pg_atomic_read_u32(&wslots[i].inflight));
		last = pg_atomic_read_u64(&wslots[i].last_xid);
		if (last == 0)
			nulls[3] = true;
		else
			values[3] = Int64GetDatum((int64) last);
		nulls[4] = true;
		if (i != CACHEPG_GLOBAL_SLOT)
		{
			Relation	rel = try_relation_open(rels[i], AccessShareLock);

			if (rel)
			{
				nulls[4] = false;
				values[4] = BoolGetDatum(cachepg_relation_watched(rel));
				relation_close(rel, AccessShareLock);
			}
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(rels);
	return (Datum) 0;
}

/* ---- DDL ---- */

static Oid
rv_relid(RangeVar *rv)
{
	return rv ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid;
}

/*
 * A temporary table, view, sequence or index: only this session sees it.
 * (A composite type in pg_temp may be used by permanent tables.)
 */
static bool
is_temp_relation(Oid relid)
{
	return OidIsValid(relid) && get_rel_persistence(relid) == RELPERSISTENCE_TEMP &&
		get_rel_relkind(relid) != RELKIND_COMPOSITE_TYPE;
}

/*
 * Mark a DDL target, or everything when it cannot be resolved.  A temporary
 * relation changes nothing any other session can be served: no mark (and
 * no slot taken).
 */
static void
mark_target(RangeVar *rv)
{
	Oid			relid = rv_relid(rv);

	if (is_temp_relation(relid))
		return;
	if (OidIsValid(relid))
		cachepg_mark_relation(relid);
	else
		cachepg_mark_global();
}

/* Whether a name list is qualified with pg_temp (this session's own). */
static bool
names_temp_schema(List *names)
{
	return list_length(names) >= 2 &&
		strcmp(strVal(list_nth(names, list_length(names) - 2)), "pg_temp") == 0;
}

/*
 * DROP: dropping only this session's temporary objects (or nothing that
 * exists) changes no shared result; anything else marks everything.
 * Dropping an index changes no result.
 */
static void
mark_drop(DropStmt *stmt)
{
	ListCell   *lc;

	switch (stmt->removeType)
	{
		case OBJECT_INDEX:
			return;
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_SEQUENCE:
		case OBJECT_FOREIGN_TABLE:
			foreach(lc, stmt->objects)
			{
				Oid			relid = RangeVarGetRelid(makeRangeVarFromNameList(lfirst(lc)),
													 NoLock, true);

				if (OidIsValid(relid) && !is_temp_relation(relid))
				{
					cachepg_mark_global();
					return;
				}
			}
			return;
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
		case OBJECT_AGGREGATE:
			foreach(lc, stmt->objects)
			{
				Oid			fn = LookupFuncWithArgs(stmt->removeType,
													lfirst_node(ObjectWithArgs, lc), true);

				if (OidIsValid(fn) && !isTempNamespace(get_func_namespace(fn)))
				{
					cachepg_mark_global();
					return;
				}
			}
			return;
		default:
			cachepg_mark_global();
			return;
	}
}

/*
 * Before a utility statement runs: mark what it can change.  Statements
 * that cannot change any query's result pass; a new non-temporary object
 * can shadow a name through search_path, so it marks everything, as does
 * anything not recognised.
 */
static void
before_utility(Node *tree)
{
	switch (nodeTag(tree))
	{
		case T_TransactionStmt:
		case T_VariableSetStmt:
		case T_VariableShowStmt:
		case T_ExplainStmt:
		case T_VacuumStmt:
		case T_CheckPointStmt:
		case T_NotifyStmt:
		case T_ListenStmt:
		case T_UnlistenStmt:
		case T_PrepareStmt:
		case T_ExecuteStmt:
		case T_DeallocateStmt:
		case T_DeclareCursorStmt:
		case T_FetchStmt:
		case T_ClosePortalStmt:
		case T_CopyStmt:		/* COPY FROM fires the write triggers */
		case T_TruncateStmt:	/* fires the truncate trigger */
		case T_LockStmt:
		case T_DiscardStmt:
		case T_DoStmt:
		case T_CallStmt:
		case T_ConstraintsSetStmt:
		case T_ReindexStmt:
		case T_ClusterStmt:
		case T_CommentStmt:
		case T_LoadStmt:
		case T_IndexStmt:
		case T_CreateRoleStmt:
		case T_AlterRoleSetStmt:
		case T_AlterSystemStmt:
		case T_CreatedbStmt:
		case T_AlterDatabaseSetStmt:
		case T_CreateExtensionStmt:	/* its script's statements come here */
		case T_AlterExtensionStmt:
		case T_SecLabelStmt:
		case T_CreateTableSpaceStmt:
		case T_AlterTableSpaceOptionsStmt:
		case T_CreateStatsStmt:
		case T_AlterStatsStmt:
		case T_AlterSeqStmt:	/* a sequence is never a dependency */
			break;
		case T_GrantStmt:

			/*
			 * Hits re-check privileges on tables, and on functions the
			 * executor calls.  But USAGE on schemas and EXECUTE on inlined
			 * functions are checked when a statement is analysed and
			 * planned, and a session reuses the plans of function bodies it
			 * ran before, so a load may not have seen those checks: a
			 * change to them (and to what a function's search path skips)
			 * marks everything.
			 */
			switch (((GrantStmt *) tree)->objtype)
			{
				case OBJECT_SCHEMA:
				case OBJECT_FUNCTION:
				case OBJECT_PROCEDURE:
				case OBJECT_ROUTINE:
				case OBJECT_PARAMETER_ACL:	/* a function's SET clause */
					cachepg_mark_global();
					break;
				default:
					break;
			}
			break;
		case T_GrantRoleStmt:
		case T_AlterRoleStmt:	/* INHERIT, SUPERUSER, BYPASSRLS */
			cachepg_mark_global();	/* memberships carry the above too */
			break;
		case T_CreateStmt:
			if (((CreateStmt *) tree)->relation->relpersistence != RELPERSISTENCE_TEMP)
				cachepg_mark_global();
			break;
		case T_CreateSeqStmt:
			if (((CreateSeqStmt *) tree)->sequence->relpersistence != RELPERSISTENCE_TEMP)
				cachepg_mark_global();
			break;
		case T_ViewStmt:
			break;				/* after it ran: it may turn out temporary */
		case T_RuleStmt:
			if (!is_temp_relation(rv_relid(((RuleStmt *) tree)->relation)))
				cachepg_mark_global();
			break;
		case T_CreateFunctionStmt:
			/* a permanent view may call a pg_temp function: replacing one counts */
			if (!names_temp_schema(((CreateFunctionStmt *) tree)->funcname) ||
				((CreateFunctionStmt *) tree)->replace)
				cachepg_mark_global();
			break;
		case T_DropStmt:
			mark_drop((DropStmt *) tree);
			break;
		case T_DropdbStmt:
			dropping_db = get_database_oid(((DropdbStmt *) tree)->dbname, true);
			break;
		case T_CreateTableAsStmt:
			if (((CreateTableAsStmt *) tree)->into->rel->relpersistence != RELPERSISTENCE_TEMP)
				cachepg_mark_global();
			break;
		case T_RefreshMatViewStmt:
			mark_target(((RefreshMatViewStmt *) tree)->relation);
			break;
		case T_AlterTableStmt:
			{
				AlterTableStmt *at = (AlterTableStmt *) tree;
				ListCell   *lc;

				if (is_temp_relation(rv_relid(at->relation)))
					break;		/* a temporary child changes only this session */
				if (at->objtype == OBJECT_TYPE)
				{
					/*
					 * CASCADE alters the typed tables and the columns of that
					 * type too, and inlined functions may have folded a value
					 * of the type away: everything.
					 */
					cachepg_mark_global();
					break;
				}
				mark_target(at->relation);
				foreach(lc, at->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (cmd->subtype == AT_AttachPartition ||
						cmd->subtype == AT_DetachPartition ||
						cmd->subtype == AT_DetachPartitionFinalize)
						mark_target(((PartitionCmd *) cmd->def)->name);
					else if (cmd->subtype == AT_AddInherit ||
							 cmd->subtype == AT_DropInherit)
						mark_target((RangeVar *) cmd->def);	/* the parent */
				}
				break;
			}
		case T_RenameStmt:
			{
				RenameStmt *rs = (RenameStmt *) tree;

				/* a column rename changes only its table's results */
				if (rs->relation && is_temp_relation(rv_relid(rs->relation)))
					break;
				if (rs->relation && (rs->renameType == OBJECT_COLUMN ||
									 rs->renameType == OBJECT_TABCONSTRAINT ||
									 rs->renameType == OBJECT_TRIGGER ||
									 rs->renameType == OBJECT_POLICY))
					mark_target(rs->relation);
				else
				{
					/* the new name may shadow another through search_path */
					cachepg_mark_global();
				}
				break;
			}
		case T_CreateTrigStmt:
			mark_target(((CreateTrigStmt *) tree)->relation);
			break;
		case T_CreatePolicyStmt:
			mark_target(((CreatePolicyStmt *) tree)->table);
			break;
		case T_AlterPolicyStmt:
			mark_target(((AlterPolicyStmt *) tree)->table);
			break;
		default:
			cachepg_mark_global();
			break;
	}
}

/*
 * Whether a direct parent of relid is watched: a new child of a watched
 * table (created, attached or inherited later) gets our triggers at once,
 * in the transaction that made it a child.
 */
static void
watch_new_child(Oid relid)
{
	List	   *parents;
	ListCell   *lc;

	if (!OidIsValid(relid) || is_temp_relation(relid))
		return;					/* nobody else reads through a temporary child */
	parents = cachepg_relation_ancestors(relid);
	foreach(lc, parents)
	{
		Relation	rel = relation_open(lfirst_oid(lc), AccessShareLock);
		bool		watched = cachepg_relation_watched(rel);

		relation_close(rel, AccessShareLock);
		if (watched)
		{
			cachepg_watch_relation(relid, false);
			return;
		}
	}
}

/* A dropped database's tables give their slots up (nobody is connected). */
static void
free_database_slots(Oid dbid)
{
	int32		i,
				n;

	LWLockAcquire(wlock, LW_SHARED);
	n = wshared->nslots;
	for (i = 1; i < n; i++)
		if (wslots[i].dbid == dbid)
			set_dropped(i, true);
	LWLockRelease(wlock);
}

static void
after_utility(Node *tree)
{
	switch (nodeTag(tree))
	{
		case T_TransactionStmt:
			{
				TransactionStmt *ts = (TransactionStmt *) tree;

				if (ts->kind == TRANS_STMT_COMMIT_PREPARED ||
					ts->kind == TRANS_STMT_ROLLBACK_PREPARED)
					sweep_prepared();
				break;
			}
		case T_ViewStmt:

			/*
			 * A new or replaced view may shadow a name through search_path;
			 * one over temporary tables is temporary even without TEMP.  A
			 * mark made before commit is as good as one made before the
			 * statement: loads that read the generation earlier see it
			 * move, later ones see the writer in flight.
			 */
			if (!is_temp_relation(rv_relid(((ViewStmt *) tree)->view)))
				cachepg_mark_global();
			break;
		case T_DropdbStmt:
			if (OidIsValid(dropping_db))
				free_database_slots(dropping_db);
			dropping_db = InvalidOid;
			break;
		case T_CreateStmt:
			{
				CreateStmt *cs = (CreateStmt *) tree;

				if (cs->inhRelations != NIL || cs->partbound != NULL)
					watch_new_child(rv_relid(cs->relation));
				break;
			}
		case T_AlterTableStmt:
			{
				AlterTableStmt *at = (AlterTableStmt *) tree;
				ListCell   *lc;

				foreach(lc, at->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (cmd->subtype == AT_AttachPartition)
						watch_new_child(rv_relid(((PartitionCmd *) cmd->def)->name));
					else if (cmd->subtype == AT_AddInherit)
						watch_new_child(rv_relid(at->relation));
				}
				break;
			}
		default:
			break;
	}
}

static void
utility_hook(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
			 ProcessUtilityContext context, ParamListInfo params,
			 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *tree = pstmt->utilityStmt;
	bool		active = ready() && IsUnderPostmaster && !RecoveryInProgress();

	if (active)
		before_utility(tree);
	if (prev_utility)
		prev_utility(pstmt, queryString, readOnlyTree, context, params,
					 queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
	if (active)
		after_utility(tree);
}

/*
 * Whether a function lives in this session's temporary schema (no other
 * session can call it).  Read with SnapshotSelf: at OAT_POST_CREATE the
 * new row is not visible to the catalog caches yet.
 */
static bool
function_is_temp(Oid funcid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		temp = false;
	Oid			tempns,
				temptoastns;

	GetTempNamespaceState(&tempns, &temptoastns);
	if (!OidIsValid(tempns))
		return false;
	rel = table_open(ProcedureRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_proc_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(funcid));
	scan = systable_beginscan(rel, ProcedureOidIndexId, true, SnapshotSelf, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		temp = isTempNamespace(((Form_pg_proc) GETSTRUCT(tup))->pronamespace);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return temp;
}

/*
 * Object access: catalog changes to relations that reach us without a
 * recognisable utility statement mark the relation; any change to a
 * function (CREATE OR REPLACE, ALTER, DROP) marks everything, since
 * entries do not record which of them an inlined body came from.
 */
static void
object_access(ObjectAccessType access, Oid classId, Oid objectId, int subId,
			  void *arg)
{
	if (prev_object_access)
		prev_object_access(access, classId, objectId, subId, arg);
	if (access == OAT_NAMESPACE_SEARCH)
	{
		/*
		 * A schema passed its USAGE check, for an explicitly qualified name
		 * or for a search path being computed (a function's own SET
		 * search_path, say) (deps.c)
		 */
		cachepg_checks_note(PRIV_SCHEMA, objectId);
		return;
	}
	if (access == OAT_FUNCTION_EXECUTE)
	{
		/* the executor granted EXECUTE on a function (deps.c) */
		cachepg_checks_note(PRIV_FUNCTION, objectId);
		return;
	}
	if (!IsUnderPostmaster || !can_mark())
		return;
	if (classId == RelationRelationId && access == OAT_DROP)
	{
		/* only a relation some result was computed from has a slot */
		if (slot_lookup(objectId, false) >= 0)
		{
			MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

			xact_dropped = list_append_unique_oid(xact_dropped, objectId);
			MemoryContextSwitchTo(old);
			cachepg_mark_relation(objectId);
		}
	}
	else if (classId == RelationRelationId && access == OAT_POST_ALTER &&
			 !((ObjectAccessPostAlter *) arg)->is_internal)
	{
		/*
		 * Internal alters are the file swaps of VACUUM FULL and CLUSTER
		 * (same rows) or part of a statement the utility hook marked.
		 * Indexes, sequences, TOAST and temporary relations are never a
		 * dependency.
		 */
		char		kind = get_rel_relkind(objectId);

		if ((kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE ||
			 kind == RELKIND_VIEW || kind == RELKIND_MATVIEW ||
			 kind == RELKIND_FOREIGN_TABLE) &&
			get_rel_persistence(objectId) != RELPERSISTENCE_TEMP)
			cachepg_mark_relation(objectId);
	}
	else if (classId == ProcedureRelationId &&
			 (access == OAT_POST_CREATE || access == OAT_POST_ALTER || access == OAT_DROP) &&
			 !function_is_temp(objectId))
		cachepg_mark_global();
}

/*
 * Relcache invalidation: forget cached ancestor lists.  Nothing is marked
 * here: every change is marked by the backend that makes it (triggers, the
 * utility and object-access hooks), never through these messages.  A full
 * reset only says that this backend fell behind the message queue (any
 * session's burst of catalog changes, temporary tables included, can cause
 * one elsewhere); it used to move the global generation, which flushed
 * every database's entries at random.
 */
static void
relcache_callback(Datum arg, Oid relid)
{
	/*
	 * Any relation may be another's ancestor (ATTACH invalidates the parent
	 * and the partition, not the partition's children): start over.
	 * Rebuilding costs one pg_inherits scan per table.
	 */
	if (relinfo != NULL)
	{
		HASH_SEQ_STATUS st;
		RelInfo    *ri;

		hash_seq_init(&st, relinfo);
		while ((ri = hash_seq_search(&st)) != NULL)
		{
			list_free(ri->ancestors);
			if (ri->slots)
				pfree(ri->slots);
			hash_search(relinfo, &ri->relid, HASH_REMOVE, NULL);
		}
	}
}

/* Install callbacks and hooks; from _PG_init while preloading. */
void
cachepg_invalidate_init(void)
{
	RegisterXactCallback(xact_callback, NULL);
	RegisterResourceReleaseCallback(resource_release, NULL);
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(PROCOID, proc_callback, (Datum) 0);
	prev_utility = ProcessUtility_hook;
	ProcessUtility_hook = utility_hook;
	prev_object_access = object_access_hook;
	object_access_hook = object_access;
}
