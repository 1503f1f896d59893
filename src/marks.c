/*
 * marks.c
 *		Per-table generations and in-flight writers: the freshness protocol.
 *
 * Every (database, relation) that a stored result depends on has a slot in
 * shared memory with a generation, a count of transactions writing it right
 * now, and the newest committed writer's XID.  Slot 0 is the global slot:
 * every entry depends on it; cache_clear() and changes to roles mark it.
 * Each database has two marks of its own among the name slots: its global
 * mark, which DDL whose target cannot be known marks, and one that moves
 * with every name marked in it.
 *
 * Name slots are marks too, one per (database, schema, name) hashed: DDL
 * that creates, changes, renames or drops an object of a name in a schema
 * marks it, and an entry depends on the name slots of every object it
 * used, in that object's schema and in each schema of its search path
 * (where a new object of that name could be found first), plus the slot
 * of each such schema's own name (ddl.c, deps.c).
 *
 * The protocol (README, "Freshness"):
 *
 * - A writer marks a slot once per transaction: it remembers the slot, then
 *   raises the in-flight count, then bumps the generation (mark_slot).  It
 *   marks the table it writes and every ancestor (a write through a parent
 *   fires only the parent's statement triggers), before its commit can be
 *   visible: from a BEFORE statement trigger, the row trigger, or the DDL
 *   hooks (ddl.c).
 * - When the transaction is over and its outcome and invalidation messages
 *   are visible to everyone (the last phase of releasing the top-level
 *   resource owner, commit and abort alike), it bumps the generation again,
 *   records its XID as the newest committed writer, and drops the count.
 *   Nothing there can fail: only atomics.  A prepared transaction hands its
 *   marks to twophase.c, which releases them when it ends.
 * - A loader reads each slot's generation, then (after a barrier) its
 *   in-flight count, before it takes its snapshot; it stores only if nobody
 *   was writing and no generation moved until the store.  A writer raises
 *   the count before it bumps, so a generation read before the bump is
 *   caught at the store, and one read after it sees the count.
 * - A hit is served only while every generation it was computed under is
 *   current; an older snapshot only if it sees every committed writer
 *   (last XID before its xmin).
 *
 * Locking: generations, counts and XIDs are atomics, read and written
 * without locks.  The map from (database, relation) to slot and each slot's
 * owner are under the cachepg_watch LWLock (shared to look up, exclusive to
 * assign).  A slot whose relation's drop committed (or whose database was
 * dropped) may be given to another table once nobody writes it; it then
 * takes a new generation, and generations only grow (one global counter),
 * so a stale (slot, generation) pair never matches again.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/parallel.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_inherits.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "cachepg.h"
#include "marks.h"
#include "store.h"
#include "watch.h"
#include "worker.h"

PG_FUNCTION_INFO_V1(cachepg_invalidate_table);
PG_FUNCTION_INFO_V1(cachepg_tables);

/* One mark: what writers of something do to it, and what readers read. */
typedef struct Mark
{
	pg_atomic_uint64 gen;
	pg_atomic_uint64 last_xid;	/* FullTransactionId of the newest committed
								 * writer */
	pg_atomic_uint32 inflight;	/* transactions writing it now */
} Mark;

/*
 * A table's slot: its two marks (MARK_TABLE: any write or DDL;
 * MARK_UNKEYED: a write whose keys are unknown, TRUNCATE or DDL).
 */
/* Entries a table keeps for a refresh after writes (cachepg.refresh_on_write). */
#define REFRESH_PER_TABLE 8

typedef struct WatchSlot
{
	Oid			dbid;
	Oid			relid;			/* InvalidOid: the global slot */
	Mark		marks[2];		/* MARK_TABLE, MARK_UNKEYED */
	pg_atomic_uint32 dropped;	/* 1: its relation's drop committed, so the
								 * slot may be given to another table */
	pg_atomic_uint64 stats[SLOT_NSTATS];	/* cache_tables' counters */
	/* entries to recompute after a write (cachepg.refresh_on_write), 0: none */
	pg_atomic_uint64 refresh[REFRESH_PER_TABLE];
	pg_atomic_uint32 refresh_next;	/* the one replaced next when full */
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

typedef struct WatchShared
{
	pg_atomic_uint64 gen_counter;
	pg_atomic_uint64 hash_epoch;	/* moves with every global mark: DDL that
									 * may change how a type hashes */
	int32		nslots;			/* used, under the map lock */
	int32		maxslots;
	pg_atomic_uint32 ndropped;	/* slots flagged dropped */
} WatchShared;

static WatchShared *wshared = NULL;
static WatchSlot *wslots = NULL;
static Mark *keymarks = NULL;	/* cachepg.key_slots of them */
static Mark *namemarks = NULL;	/* CACHEPG_NAME_SLOTS of them */
static HTAB *wmap = NULL;
static LWLock *wlock = NULL;

/*
 * This backend: the marks this transaction holds (MarkId), its XID at
 * pre-commit, and the rows it wrote to each table (KeyedRows), counted
 * against cachepg.max_keys.  In TopMemoryContext, emptied at its end.
 */
typedef uint32 MarkId;
#define MARK_ID(kind, idx) (((uint32) (kind) << 30) | (uint32) (idx))
#define MARK_ID_KIND(id)	((int) ((id) >> 30))
#define MARK_ID_INDEX(id)	((int32) ((id) & 0x3FFFFFFF))

typedef struct KeyedRows
{
	Oid			relid;
	int64		rows;
	bool		escalated;		/* its writes count as unkeyed */
} KeyedRows;

static HTAB *xact_marks = NULL;
static int	xact_nmarks = 0;
static uint64 xact_hash_epoch = 0;	/* as of its first key mark; 0: none */
static uint64 xact_fxid = 0;
static HTAB *xact_rows = NULL;
static bool xact_rows_used = false;

/*
 * Relations with a slot this transaction dropped, and (from pre-commit on)
 * the slots of those whose drop it is committing: their slots become free
 * once the commit is visible.  Both in TopMemoryContext.
 */
static List *xact_dropped = NIL;
static List *xact_freed = NIL;

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


static int
max_slots(void)
{
	return cachepg_max_tables + 1;	/* slot 0 is global */
}


/* Shared memory for the table state; part of cachepg.memory. */
Size
cachepg_marks_shmem_size(void)
{
	return add_size(add_size(add_size(MAXALIGN(sizeof(WatchShared)),
									  MAXALIGN(mul_size(sizeof(WatchSlot), max_slots()))),
							 MAXALIGN(mul_size(sizeof(Mark), cachepg_key_slots + CACHEPG_NAME_SLOTS))),
					hash_estimate_size(max_slots(), sizeof(WatchEntry)));
}

void
cachepg_marks_request(void)
{
	RequestNamedLWLockTranche("cachepg_watch", 1);
}

static void
init_mark(Mark *m)
{
	pg_atomic_init_u64(&m->gen, 1);
	pg_atomic_init_u64(&m->last_xid, 0);
	pg_atomic_init_u32(&m->inflight, 0);
}

void
cachepg_marks_startup(void)
{
	bool		found;
	HASHCTL		info;
	int			i,
				j;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	wshared = ShmemInitStruct("cachepg_watch", MAXALIGN(sizeof(WatchShared)) +
							  MAXALIGN(mul_size(sizeof(WatchSlot), max_slots())) +
							  MAXALIGN(mul_size(sizeof(Mark), cachepg_key_slots + CACHEPG_NAME_SLOTS)),
							  &found);
	wslots = (WatchSlot *) ((char *) wshared + MAXALIGN(sizeof(WatchShared)));
	keymarks = (Mark *) ((char *) wslots + MAXALIGN(mul_size(sizeof(WatchSlot), max_slots())));
	namemarks = keymarks + cachepg_key_slots;
	wlock = &(GetNamedLWLockTranche("cachepg_watch"))->lock;
	if (!found)
	{
		pg_atomic_init_u64(&wshared->gen_counter, 1);
		pg_atomic_init_u64(&wshared->hash_epoch, 1);
		wshared->maxslots = max_slots();
		wshared->nslots = 1;
		pg_atomic_init_u32(&wshared->ndropped, 0);
		for (i = 0; i < wshared->maxslots; i++)
		{
			wslots[i].dbid = InvalidOid;
			wslots[i].relid = InvalidOid;
			init_mark(&wslots[i].marks[MARK_TABLE]);
			init_mark(&wslots[i].marks[MARK_UNKEYED]);
			pg_atomic_init_u32(&wslots[i].dropped, 0);
			for (j = 0; j < SLOT_NSTATS; j++)
				pg_atomic_init_u64(&wslots[i].stats[j], 0);
			for (j = 0; j < REFRESH_PER_TABLE; j++)
				pg_atomic_init_u64(&wslots[i].refresh[j], 0);
			pg_atomic_init_u32(&wslots[i].refresh_next, 0);
		}
		for (i = 0; i < cachepg_key_slots + CACHEPG_NAME_SLOTS; i++)
			init_mark(&keymarks[i]);
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

/* The mark of a kind and index (a table's slot, or a key slot). */
static inline Mark *
mark_of(int kind, int32 idx)
{
	if (kind == MARK_KEY)
		return &keymarks[idx];
	if (kind == MARK_NAME)
		return &namemarks[idx];
	return &wslots[idx].marks[kind];
}

/* Whether a (kind, index) names a mark. */
static inline bool
mark_valid(int kind, int32 idx)
{
	if (kind == MARK_KEY)
		return idx >= 0 && idx < cachepg_key_slots;
	if (kind == MARK_NAME)
		return idx >= 0 && idx < CACHEPG_NAME_SLOTS;
	return (kind == MARK_TABLE || kind == MARK_UNKEYED) &&
		idx >= 0 && idx < wshared->maxslots;
}

/* A new generation: globally increasing, so a value never comes back. */
static void
bump_mark(Mark *m)
{
	pg_atomic_exchange_u64(&m->gen, pg_atomic_add_fetch_u64(&wshared->gen_counter, 1));
}

/* Both marks of a table's slot move. */
static void
bump(int32 slot)
{
	bump_mark(&wslots[slot].marks[MARK_TABLE]);
	bump_mark(&wslots[slot].marks[MARK_UNKEYED]);
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
				pg_atomic_read_u32(&wslots[i].marks[MARK_TABLE].inflight) == 0 &&
				pg_atomic_read_u32(&wslots[i].marks[MARK_UNKEYED].inflight) == 0)
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
	for (i = 0; i < REFRESH_PER_TABLE; i++)
		pg_atomic_write_u64(&wslots[s].refresh[i], 0);
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
/*
 * A backend-local hash of fixed-size (binary) keys in TopMemoryContext, for
 * the state this backend keeps between calls (here and in watch.c).
 */
HTAB *
cachepg_local_hash(const char *name, long nelem, Size keysize, Size entrysize)
{
	HASHCTL		info;

	memset(&info, 0, sizeof(info));
	info.keysize = keysize;
	info.entrysize = entrysize;
	info.hcxt = TopMemoryContext;
	return hash_create(name, nelem, &info, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

static RelInfo *
rel_info(Oid relid)
{
	RelInfo    *ri;

	if (relinfo == NULL)
		relinfo = cachepg_local_hash("cachepg relations", 64, sizeof(Oid), sizeof(RelInfo));
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

/* Whether this transaction holds a mark. */
static bool
holds(MarkId id)
{
	return xact_nmarks > 0 && hash_search(xact_marks, &id, HASH_FIND, NULL) != NULL;
}

/*
 * Mark a table's slot or a key slot as written by this transaction (once
 * per transaction): remember it, raise the count, bump the generation.
 */
static bool
mark_slot_kind(int kind, int32 idx)
{
	MarkId		id = MARK_ID(kind, idx);
	bool		found;
	Mark	   *m = mark_of(kind, idx);

	if (xact_marks == NULL)
		xact_marks = cachepg_local_hash("cachepg marks held", 64, sizeof(MarkId), sizeof(MarkId));
	/* remember first: after the increment nothing may fail */
	hash_search(xact_marks, &id, HASH_ENTER, &found);
	if (found)
		return false;
	xact_nmarks++;
	pg_atomic_fetch_add_u32(&m->inflight, 1);
	bump_mark(m);
	if (kind == MARK_TABLE)
	{
		cachepg_count(CC_INVALIDATIONS, 1);
		cachepg_slot_count(idx, SLOT_INVALIDATIONS);
	}
	return true;
}

/* Mark both marks of a table's slot. */
static void
mark_slot(int32 slot)
{
	mark_slot_kind(MARK_TABLE, slot);
	mark_slot_kind(MARK_UNKEYED, slot);
}

/*
 * Whether this backend can mark: a transaction is open, and it is not a
 * parallel worker (whose commit comes before its leader's).
 */
bool
cachepg_marks_can_mark(void)
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

/*
 * This database's two marks, which are name slots (so they always exist,
 * whatever the table of slots holds): its global mark, and the mark that
 * moves with every name marked in it ("any name").  Names that share their
 * slots only invalidate more.
 */
int32
cachepg_db_mark(bool any_name)
{
	return cachepg_name_slot(InvalidOid, any_name ? "\001any name" : "\001database");
}

/*
 * DDL whose target cannot be known (or that may change how a type hashes:
 * an operator class, a cast, a C function): every entry of this database
 * is stale.  Writers in flight that marked keys hashed the old way, so
 * they mark their tables unkeyed before they commit (see
 * pre_commit_escalate).
 */
void
cachepg_mark_global(void)
{
	if (cachepg_marks_can_mark())
	{
		mark_slot_kind(MARK_NAME, cachepg_db_mark(false));
		if (mark_slot_kind(MARK_NAME, cachepg_db_mark(true)))
			cachepg_count(CC_INVALIDATIONS, 1);
		pg_atomic_fetch_add_u64(&wshared->hash_epoch, 1);
	}
}

/*
 * A change to roles (memberships, attributes, parameter privileges):
 * every entry of every database is stale.
 */
void
cachepg_mark_cluster(void)
{
	if (cachepg_marks_can_mark())
	{
		mark_slot(CACHEPG_GLOBAL_SLOT);
		pg_atomic_fetch_add_u64(&wshared->hash_epoch, 1);
	}
}

/*
 * The name slot of an object named name in schema nspid of this database
 * (nspid InvalidOid: a schema named name).  Different names may share a
 * slot: that only invalidates more.
 */
int32
cachepg_name_slot(Oid nspid, const char *name)
{
	uint32		h;

	h = hash_combine(hash_bytes_uint32((uint32) MyDatabaseId),
					 hash_bytes_uint32((uint32) nspid));
	if (name != NULL)
		h = hash_combine(h, hash_bytes((const unsigned char *) name, strlen(name)));
	return (int32) (h % (uint32) CACHEPG_NAME_SLOTS);
}

/*
 * DDL creates, changes, renames or drops an object named name in schema
 * nspid (InvalidOid: the schema name itself), before it commits: entries
 * that used such a name there, or could find one there first, are stale,
 * and so are loads under way in this database (their plans may have
 * resolved names before this mark: see load_plan in run.c).
 */
void
cachepg_mark_name(Oid nspid, const char *name)
{
	if (!cachepg_marks_can_mark() || name == NULL)
		return;
	mark_slot_kind(MARK_NAME, cachepg_name_slot(nspid, name));
	/* a transaction's DDL counts once, however many names it marks */
	if (mark_slot_kind(MARK_NAME, cachepg_db_mark(true)))
		cachepg_count(CC_INVALIDATIONS, 1);
}

/* The generation counter now: every mark made later has a greater one. */
uint64
cachepg_marks_now(void)
{
	return ready() ? pg_atomic_read_u64(&wshared->gen_counter) : 0;
}

/* The generation of this database's "any name" mark. */
uint64
cachepg_marks_db_names_gen(void)
{
	return ready() ? pg_atomic_read_u64(&namemarks[cachepg_db_mark(true)].gen) : 0;
}

/* Count one event for a table's slot (cache_tables). */
void
cachepg_slot_count(int32 slot, int stat)
{
	if (ready() && slot > CACHEPG_GLOBAL_SLOT && slot < wshared->maxslots)
		pg_atomic_fetch_add_u64(&wslots[slot].stats[stat], 1);
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

/* Mark relid and its ancestors, one kind or (kind < 0) both. */
static void
mark_tree(Oid relid, int kind)
{
	RelInfo    *ri;
	int			i;

	if (!cachepg_marks_can_mark())
		return;
	ri = slots_of(relid);
	for (i = 0; i < ri->nslots; i++)
	{
		if (kind < 0)
			mark_slot(ri->slots[i]);
		else
			mark_slot_kind(kind, ri->slots[i]);
	}
}

/*
 * DDL or TRUNCATE of relid begins: mark it and its ancestors for every
 * entry, key-level ones included.
 */
void
cachepg_mark_relation(Oid relid)
{
	mark_tree(relid, -1);
}

/*
 * DDL changes or drops relid (ddl.c): mark it and its ancestors, those
 * that have a slot.  A relation without one is read by no entry and no
 * load that could still store: the DDL marks the relation's name too,
 * which moves this database's name mark, and a load stores only if that
 * did not move since before it planned (run.c).  So DDL takes no slot.
 */
void
cachepg_mark_relation_ddl(Oid relid)
{
	List	   *rels;
	ListCell   *lc;

	if (!cachepg_marks_can_mark())
		return;
	rels = lcons_oid(relid, cachepg_relation_ancestors(relid));
	foreach(lc, rels)
	{
		int32		s = slot_lookup(lfirst_oid(lc), false);

		if (s >= 0)
			mark_slot(s);
	}
	list_free(rels);
}

/*
 * A write of rows of relid begins (or went on): mark it and its ancestors
 * for table-level entries.  Key-level entries learn of the rows from
 * cachepg_mark_key(), or from cachepg_mark_unkeyed().
 */
void
cachepg_mark_written(Oid relid)
{
	mark_tree(relid, MARK_TABLE);
}

/*
 * The keys of rows this transaction writes to relid are not known: its
 * key-level entries are stale too.  Only relid: a row is written where it
 * lives, and a key-level entry depends on the table it scanned.
 */
void
cachepg_mark_unkeyed(Oid relid)
{
	int32		s;

	if (!cachepg_marks_can_mark())
		return;
	cachepg_mark_written(relid);
	s = cachepg_slot_for(relid);
	mark_slot_kind(MARK_UNKEYED, s >= 0 ? s : CACHEPG_GLOBAL_SLOT);
}

/*
 * The key slot of a value of column attno of relid, by the hash of its
 * column type's default hash operator class (under the column's
 * collation).  Different keys may share a slot: that only invalidates
 * more.  -1 when key-level invalidation is off (cachepg.key_slots = 0).
 */
int32
cachepg_key_slot(Oid relid, AttrNumber attno, uint32 valuehash)
{
	uint32		h;

	if (cachepg_key_slots <= 0)
		return -1;
	h = hash_combine(hash_bytes_uint32((uint32) MyDatabaseId),
					 hash_bytes_uint32((uint32) relid));
	h = hash_combine(h, hash_bytes_uint32((uint32) attno));
	h = hash_combine(h, valuehash);
	return (int32) (h % (uint32) cachepg_key_slots);
}

/* A row with this key of relid is being written (before commit). */
void
cachepg_mark_key(Oid relid, AttrNumber attno, uint32 valuehash)
{
	int32		k = cachepg_key_slot(relid, attno, valuehash);

	if (!cachepg_marks_can_mark())
		return;
	if (k < 0)
	{
		cachepg_mark_unkeyed(relid);
		return;
	}
	if (!holds(MARK_ID(MARK_KEY, k)))
	{
		if (xact_hash_epoch == 0)
			xact_hash_epoch = pg_atomic_read_u64(&wshared->hash_epoch);
		mark_slot_kind(MARK_KEY, k);
		cachepg_count(CC_KEY_INVALIDATIONS, 1);
	}
}

/*
 * Whether this transaction is writing relid: it holds the table mark of
 * relid or of an ancestor (a write through a parent fires the parent's
 * statement trigger).
 */
static bool
writing(Oid relid)
{
	RelInfo    *ri;
	int			i;

	if (xact_nmarks == 0 || get_rel_relkind(relid) != RELKIND_RELATION)
		return false;
	ri = slots_of(relid);
	for (i = 0; i < ri->nslots; i++)
		if (holds(MARK_ID(MARK_TABLE, ri->slots[i])))
			return true;
	return false;
}

/*
 * Count a row this transaction writes to relid (from the row trigger's
 * WHEN clause, as the row is written).  Past cachepg.max_keys rows, the
 * table's writes count as unkeyed from now on, and false says that its
 * rows need no key: the trigger then does not even fire for them.
 */
bool
cachepg_marks_count_row(Oid relid)
{
	static KeyedRows *last = NULL;
	KeyedRows  *kr;
	bool		found;

	if (!cachepg_marks_can_mark())
		return true;
	if (xact_rows == NULL)
		xact_rows = cachepg_local_hash("cachepg rows written", 64, sizeof(Oid), sizeof(KeyedRows));
	if (!xact_rows_used)
		last = NULL;
	if (last != NULL && last->relid == relid)
		kr = last;
	else
	{
		kr = hash_search(xact_rows, &relid, HASH_ENTER, &found);
		if (!found)
		{
			kr->rows = 0;
			kr->escalated = false;
		}
		last = kr;
	}
	xact_rows_used = true;
	if (kr->escalated)
		return false;
	/*
	 * Only a transaction writing the table escalates: one that marked it
	 * written already (its statement trigger, or its row trigger's first
	 * rows).  Anybody can call the WHEN function, and an unkeyed mark
	 * invalidates and blocks every key-level result of the table.
	 */
	if (++kr->rows > cachepg_max_keys && writing(relid))
	{
		cachepg_mark_unkeyed(relid);
		kr->escalated = true;
		return false;
	}
	return true;
}

/* Whether this transaction's writes to relid already count as unkeyed. */
bool
cachepg_marks_escalated(Oid relid)
{
	KeyedRows  *kr;

	if (!xact_rows_used)
		return false;
	kr = hash_search(xact_rows, &relid, HASH_FIND, NULL);
	return kr != NULL && kr->escalated;
}

/* Record fxid as the mark's newest committed writer, if it is newer. */
static void
raise_last_xid(Mark *m, uint64 fxid)
{
	uint64		cur = pg_atomic_read_u64(&m->last_xid);

	while (cur < fxid &&
		   !pg_atomic_compare_exchange_u64(&m->last_xid, &cur, fxid))
		;
}

/* Whether slot is a table's (not the global one, within the table of slots). */
static inline bool
table_slot(int32 slot)
{
	return slot > CACHEPG_GLOBAL_SLOT && slot < wshared->maxslots;
}

/*
 * Register an entry (its hash) of a table's slot to be recomputed after the
 * next write to the table ends (cachepg.refresh_on_write).  A table keeps
 * the REFRESH_PER_TABLE entries registered last: when full, the oldest
 * registration gives way.  Lock-free; a lost race loses a registration.
 */
void
cachepg_slot_want_refresh(int32 slot, uint64 hash)
{
	int			i;

	if (!table_slot(slot) || hash == 0 || cachepg_slot_refresh_pending(slot, hash))
		return;
	i = pg_atomic_fetch_add_u32(&wslots[slot].refresh_next, 1) % REFRESH_PER_TABLE;
	pg_atomic_write_u64(&wslots[slot].refresh[i], hash);
}

/* Whether an entry is registered with this table for a refresh after writes. */
bool
cachepg_slot_refresh_pending(int32 slot, uint64 hash)
{
	int			i;

	if (!table_slot(slot))
		return false;
	for (i = 0; i < REFRESH_PER_TABLE; i++)
		if (pg_atomic_read_u64(&wslots[slot].refresh[i]) == hash)
			return true;
	return false;
}

/* Whether a transaction is writing the table of this slot now. */
bool
cachepg_slot_written_now(int32 slot)
{
	return table_slot(slot) &&
		pg_atomic_read_u32(&wslots[slot].marks[MARK_TABLE].inflight) > 0;
}

/*
 * A write to the table of slot ended (its marks are released, its commit
 * visible): ask for the registered entries to be recomputed.  Takes only a
 * spinlock and never raises an error (it runs as a transaction ends).
 */
static void
drain_refresh(int32 slot)
{
	WatchSlot  *w = &wslots[slot];
	int			i;

	if (proc_exit_inprogress)
		return;
	for (i = 0; i < REFRESH_PER_TABLE; i++)
		if (pg_atomic_read_u64(&w->refresh[i]) != 0)
		{
			uint64		hash = pg_atomic_exchange_u64(&w->refresh[i], 0);

			if (hash != 0)
				cachepg_request_refresh(hash, REFRESH_IF_DEAD);
		}
}

/* End of a writer: bump again, record a committed XID, drop the count. */
static void
release_mark(MarkId id, uint64 fxid)
{
	Mark	   *m = mark_of(MARK_ID_KIND(id), MARK_ID_INDEX(id));

	if (fxid != 0)
		raise_last_xid(m, fxid);
	bump_mark(m);
	pg_atomic_fetch_sub_u32(&m->inflight, 1);
}

/* Release marks a prepared transaction held (twophase.c). */
void
cachepg_marks_release(const uint32 *ids, int n, uint64 fxid)
{
	int			i;

	for (i = 0; i < n; i++)
		release_mark(ids[i], fxid);
}

/*
 * Release every mark this transaction holds whose kind is kind, or all
 * (-1).  Releasing all ends the transaction's writes: then the entries
 * registered with the tables it wrote are asked to be recomputed
 * (cachepg.refresh_on_write), once every mark is released, so their load
 * sees no writer of this transaction in flight and takes its snapshot
 * after the commit.  (Prepared transactions, released by
 * cachepg_marks_release, ask for none.)
 */
static void
release_xact_marks(int kind, uint64 fxid)
{
	HASH_SEQ_STATUS st;
	MarkId	   *id;

	if (xact_nmarks == 0)
		return;
	hash_seq_init(&st, xact_marks);
	while ((id = hash_seq_search(&st)) != NULL)
		if (kind < 0 || MARK_ID_KIND(*id) == kind)
			release_mark(*id, fxid);
	/* then forget them (and, at the end, ask for the refreshes) */
	hash_seq_init(&st, xact_marks);
	while ((id = hash_seq_search(&st)) != NULL)
		if (kind < 0 || MARK_ID_KIND(*id) == kind)
		{
			if (kind < 0 && MARK_ID_KIND(*id) == MARK_TABLE &&
				MARK_ID_INDEX(*id) != CACHEPG_GLOBAL_SLOT)
				drain_refresh(MARK_ID_INDEX(*id));
			hash_search(xact_marks, id, HASH_REMOVE, NULL);
			xact_nmarks--;
		}
}

/* Forget the rows counted: a new transaction counts anew. */
static void
forget_rows(void)
{
	HASH_SEQ_STATUS st;
	KeyedRows  *kr;

	if (!xact_rows_used)
		return;
	hash_seq_init(&st, xact_rows);
	while ((kr = hash_seq_search(&st)) != NULL)
		hash_search(xact_rows, &kr->relid, HASH_REMOVE, NULL);
	xact_rows_used = false;
}

/* Every table this transaction writes counts as written unkeyed too. */
static void
mark_written_unkeyed(void)
{
	HASH_SEQ_STATUS st;
	MarkId	   *id;
	List	   *tables = NIL;
	ListCell   *lc;

	hash_seq_init(&st, xact_marks);
	while ((id = hash_seq_search(&st)) != NULL)
		if (MARK_ID_KIND(*id) == MARK_TABLE)
			tables = lappend_int(tables, MARK_ID_INDEX(*id));
	foreach(lc, tables)
		mark_slot_kind(MARK_UNKEYED, lfirst_int(lc));
	list_free(tables);
}

/*
 * For PREPARE TRANSACTION (twophase.c): the marks this transaction holds,
 * which the caller takes over with cachepg_marks_hand_over().  Key marks
 * are not kept: every table written counts as written unkeyed instead,
 * and the key marks are released (as an abort: the rows are not visible).
 * Past max marks, only the global slot is kept.  Returns the count; *ids
 * is palloc'd.
 */
int
cachepg_marks_for_prepare(int max, uint32 **ids)
{
	HASH_SEQ_STATUS st;
	MarkId	   *id;
	int			n = 0;

	*ids = NULL;
	if (xact_nmarks == 0)
		return 0;
	mark_written_unkeyed();
	release_xact_marks(MARK_KEY, 0);
	if (xact_nmarks > max)
	{
		/* hold the global slot, release the others, keep holding it */
		mark_slot(CACHEPG_GLOBAL_SLOT);
		hash_seq_init(&st, xact_marks);
		while ((id = hash_seq_search(&st)) != NULL)
			if (MARK_ID_INDEX(*id) != CACHEPG_GLOBAL_SLOT)
			{
				release_mark(*id, 0);
				hash_search(xact_marks, id, HASH_REMOVE, NULL);
				xact_nmarks--;
			}
	}
	*ids = palloc(sizeof(uint32) * xact_nmarks);
	hash_seq_init(&st, xact_marks);
	while ((id = hash_seq_search(&st)) != NULL)
		(*ids)[n++] = *id;
	return n;
}

/* The prepared transaction now owns this transaction's counts. */
void
cachepg_marks_hand_over(void)
{
	HASH_SEQ_STATUS st;
	MarkId	   *id;

	if (xact_nmarks > 0)
	{
		hash_seq_init(&st, xact_marks);
		while ((id = hash_seq_search(&st)) != NULL)
			hash_search(xact_marks, id, HASH_REMOVE, NULL);
		xact_nmarks = 0;
	}
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
	if (xact_nmarks > 0)
	{
		if (cachepg_test_delay_release_ms > 0)
			pg_usleep((long) cachepg_test_delay_release_ms * 1000L);
		release_xact_marks(-1, isCommit ? xact_fxid : 0);
	}
	xact_fxid = 0;
	xact_hash_epoch = 0;
	forget_rows();
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


/*
 * Before commit: if DDL that may change how a type hashes ran since this
 * transaction marked its first key, its keys were hashed the old way, and
 * readers planning now hash the new one: every table it wrote counts as
 * written unkeyed.
 */
static void
pre_commit_escalate(void)
{
	if (xact_hash_epoch != 0 && xact_hash_epoch != pg_atomic_read_u64(&wshared->hash_epoch))
		mark_written_unkeyed();
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
			pre_commit_escalate();
			free_dropped_slots();
			break;
		case XACT_EVENT_PRE_PREPARE:
			/* a prepared drop keeps its slot (COMMIT PREPARED is elsewhere) */
			list_free(xact_dropped);
			xact_dropped = NIL;
			break;
		default:
			break;
	}
}

/*
 * A relation with a slot is being dropped (ddl.c, which marks it): give its
 * slot up if the drop commits.
 */
void
cachepg_marks_note_drop(Oid relid)
{
	if (!cachepg_marks_can_mark() || slot_lookup(relid, false) < 0)
		return;
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		xact_dropped = list_append_unique_oid(xact_dropped, relid);
		MemoryContextSwitchTo(old);
	}
}

/* A dropped database's tables give their slots up (nobody is connected). */
void
cachepg_marks_free_database(Oid dbid)
{
	int32		i,
				n;

	if (!ready())
		return;
	LWLockAcquire(wlock, LW_SHARED);
	n = wshared->nslots;
	for (i = 1; i < n; i++)
		if (wslots[i].dbid == dbid)
			set_dropped(i, true);
	LWLockRelease(wlock);
}

/*
 * Read a mark for a load: its generation, then (after a barrier) whether
 * anybody is writing it.  A writer raises the count before it bumps the
 * generation, so a generation read before the bump is caught at the store,
 * one read after it sees the count.
 */
bool
cachepg_read_mark(int kind, int32 idx, CacheMark *mark)
{
	Mark	   *m = mark_of(kind, idx);

	mark->slot = idx;
	mark->kind = kind;
	mark->gen = pg_atomic_read_u64(&m->gen);
	pg_memory_barrier();
	return pg_atomic_read_u32(&m->inflight) == 0;
}

/*
 * Whether a mark an entry was computed under is current.  A table's
 * unkeyed mark is not, for the transaction writing that table: its own
 * rows are marked by key only at the end of each statement, after a
 * statement (a writable CTE, a function) may have read them.
 */
bool
cachepg_mark_current(const CacheMark *mark)
{
	if (!mark_valid(mark->kind, mark->slot))
		return false;
	if (mark->kind == MARK_UNKEYED && holds(MARK_ID(MARK_TABLE, mark->slot)))
		return false;
	pg_memory_barrier();
	return pg_atomic_read_u64(&mark_of(mark->kind, mark->slot)->gen) == mark->gen;
}

/*
 * Whether a snapshot sees every committed write of this mark: the newest
 * committed writer's XID precedes its xmin (a writer the snapshot does not
 * see was running when it was taken, so its XID is at least xmin).
 */
bool
cachepg_mark_seen_by(const CacheMark *mark, Snapshot snapshot)
{
	uint64		last = pg_atomic_read_u64(&mark_of(mark->kind, mark->slot)->last_xid);
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

/* The names of rel's key columns, as a text[]. */
static ArrayType *
key_names(Relation rel)
{
	AttrNumber *keys;
	int			n = cachepg_key_columns(rel, &keys);
	Datum	   *names = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		names[i] = CStringGetTextDatum(NameStr(TupleDescAttr(RelationGetDescr(rel),
															  keys[i] - 1)->attname));
	return construct_array(names, n, TEXTOID, -1, false, TYPALIGN_INT);
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
		Datum		values[10];
		bool		nulls[10] = {0};
		uint64		last;
		int			j;

		if (i != CACHEPG_GLOBAL_SLOT && !OidIsValid(rels[i]))
			continue;
		if (i == CACHEPG_GLOBAL_SLOT)
			nulls[0] = true;
		else
			values[0] = ObjectIdGetDatum(rels[i]);
		values[1] = Int64GetDatum((int64) pg_atomic_read_u64(&wslots[i].marks[MARK_TABLE].gen));
		values[2] = Int32GetDatum((int32) pg_atomic_read_u32(&wslots[i].marks[MARK_TABLE].inflight));
		last = pg_atomic_read_u64(&wslots[i].marks[MARK_TABLE].last_xid);
		if (last == 0)
			nulls[3] = true;
		else
			values[3] = Int64GetDatum((int64) last);
		nulls[4] = nulls[5] = true;
		if (i != CACHEPG_GLOBAL_SLOT)
		{
			Relation	rel = try_relation_open(rels[i], AccessShareLock);

			if (rel)
			{
				nulls[4] = false;
				values[4] = BoolGetDatum(cachepg_relation_watched(rel));
				if (rel->rd_rel->relkind == RELKIND_RELATION)
				{
					nulls[5] = false;
					values[5] = PointerGetDatum(key_names(rel));
				}
				relation_close(rel, AccessShareLock);
			}
		}
		for (j = 0; j < SLOT_NSTATS; j++)
			values[6 + j] = Int64GetDatum((int64) pg_atomic_read_u64(&wslots[i].stats[j]));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(rels);
	return (Datum) 0;
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

/* Install the callbacks; from _PG_init while preloading. */
void
cachepg_marks_init(void)
{
	RegisterXactCallback(xact_callback, NULL);
	RegisterResourceReleaseCallback(resource_release, NULL);
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
}

/*
 * Writes nobody marked (prepared transactions recovered after a restart)
 * ended: count them as a committed write, as of fxid, to everything.
 */
void
cachepg_marks_all_written(uint64 fxid)
{
	raise_last_xid(&wslots[CACHEPG_GLOBAL_SLOT].marks[MARK_TABLE], fxid);
	raise_last_xid(&wslots[CACHEPG_GLOBAL_SLOT].marks[MARK_UNKEYED], fxid);
}
