/*
 * store.c
 *		The shared region: slot index, DSA arena, CLOCK eviction, TTL, stats.
 *
 * One region of exactly cachepg.memory bytes holds a header, a fixed array
 * of entry slots, a bucket array (chains of slot numbers) and, in all the
 * remaining space, a DSA area created in place whose size limit is its
 * initial size, so it can never grow past the region.  Payloads ("blobs")
 * live in the DSA area; slots keep dsa_pointers only.
 *
 * Buckets are guarded by CACHEPG_PARTITIONS LWLocks (bucket mod partitions),
 * so lookups of different keys rarely meet and readers of one key share.
 * Free slots form a list under a spinlock.  Eviction is CLOCK (second
 * chance) over the slot array, preferring expired entries; it only ever
 * try-locks a partition, so it cannot deadlock and never waits behind a
 * reader.  No function here calls out of the store (SPI, catalog) or can
 * raise an error while it holds a partition lock: allocations made under a
 * lock use MCXT_ALLOC_NO_OOM and report failure instead.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/dsa.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "cachepg.h"
#include "store.h"

#define CACHEPG_PARTITIONS	64
#define CACHEPG_MAX_EVICTIONS_PER_STORE 64

typedef struct CacheSlot
{
	CacheEntryInfo info;
	TimestampTz created;
	dsa_pointer blob;
	uint32		size;
	int32		next;			/* next slot in bucket chain or free list */
	bool		in_use;			/* linked into a bucket chain */
	pg_atomic_uint32 usage;		/* CLOCK reference bit */
	pg_atomic_uint64 hits;
} CacheSlot;

typedef struct CacheShared
{
	int			dsa_tranche;
	int32		nslots;
	uint32		bucket_mask;
	Size		dsa_offset;		/* from the start of the region */
	Size		dsa_size;
	slock_t		freelock;
	int32		freehead;
	pg_atomic_uint64 clock_hand;
	pg_atomic_uint64 entries;
	pg_atomic_uint64 bytes;
	pg_atomic_uint64 reset_time;
	pg_atomic_uint64 counters[CC_NUM];
} CacheShared;

static CacheShared *shared = NULL;
static CacheSlot *slots = NULL;
static int32 *buckets = NULL;
static LWLockPadded *locks = NULL;
static dsa_area *area = NULL;

/* Region layout, derived from the settings. */
static Size
header_size(void)
{
	return MAXALIGN(sizeof(CacheShared));
}

static uint32
bucket_count(int nslots)
{
	uint32		n = 1;

	while (n < (uint32) nslots)
		n <<= 1;
	return n;
}

static Size
index_size(void)
{
	return header_size() +
		MAXALIGN(mul_size(sizeof(CacheSlot), cachepg_max_entries)) +
		MAXALIGN(mul_size(sizeof(int32), bucket_count(cachepg_max_entries)));
}

/* The store's part of cachepg.memory, set by cachepg_store_request(). */
static Size region_size = 0;

Size
cachepg_store_shmem_size(void)
{
	return region_size;
}

/*
 * Called from shmem_request_hook with the bytes of cachepg.memory the other
 * parts left: reserve the region and the partition locks.  Refuses a size
 * too small for the index plus a minimal arena.
 */
void
cachepg_store_request(Size size)
{
	Size		need = index_size() + dsa_minimum_size() + 64 * 1024;

	region_size = size;
	if (size < need)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cachepg.memory is too small for cachepg.max_entries and cachepg.max_tables"),
				 errdetail("The index of %d entries and a minimal arena need %zu kB besides what the table state takes.",
						   cachepg_max_entries, need / 1024 + 1),
				 errhint("Raise cachepg.memory or lower cachepg.max_entries or cachepg.max_tables.")));
	RequestAddinShmemSpace(size);
	RequestNamedLWLockTranche("cachepg", CACHEPG_PARTITIONS);
}

/* Called from shmem_startup_hook: carve and initialise the region once. */
void
cachepg_store_startup(void)
{
	bool		found;
	char	   *base;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	base = ShmemInitStruct("cachepg", cachepg_store_shmem_size(), &found);
	shared = (CacheShared *) base;
	slots = (CacheSlot *) (base + header_size());
	buckets = (int32 *) (base + header_size() +
						 MAXALIGN(mul_size(sizeof(CacheSlot), cachepg_max_entries)));
	locks = GetNamedLWLockTranche("cachepg");

	if (!found)
	{
		dsa_area   *a;
		int			i;

		memset(shared, 0, sizeof(CacheShared));
		shared->nslots = cachepg_max_entries;
		shared->bucket_mask = bucket_count(cachepg_max_entries) - 1;
		shared->dsa_offset = index_size();
		shared->dsa_size = cachepg_store_shmem_size() - shared->dsa_offset;
		shared->dsa_tranche = LWLockNewTrancheId();
		SpinLockInit(&shared->freelock);
		pg_atomic_init_u64(&shared->clock_hand, 0);
		pg_atomic_init_u64(&shared->entries, 0);
		pg_atomic_init_u64(&shared->bytes, 0);
		pg_atomic_init_u64(&shared->reset_time, (uint64) GetCurrentTimestamp());
		for (i = 0; i < CC_NUM; i++)
			pg_atomic_init_u64(&shared->counters[i], 0);
		for (i = 0; i < shared->nslots; i++)
		{
			memset(&slots[i], 0, sizeof(CacheSlot));
			slots[i].blob = InvalidDsaPointer;
			slots[i].next = (i + 1 < shared->nslots) ? i + 1 : -1;
			pg_atomic_init_u32(&slots[i].usage, 0);
			pg_atomic_init_u64(&slots[i].hits, 0);
		}
		shared->freehead = 0;
		for (i = 0; i <= (int) shared->bucket_mask; i++)
			buckets[i] = -1;

		/* The arena may never grow beyond its place in the region. */
		a = dsa_create_in_place(base + shared->dsa_offset, shared->dsa_size,
								shared->dsa_tranche, NULL);
		dsa_set_size_limit(a, shared->dsa_size);
		dsa_pin(a);
		dsa_detach(a);
	}
	LWLockRelease(AddinShmemInitLock);
}

bool
cachepg_store_ready(void)
{
	return shared != NULL;
}

/* For functions that only make sense with the shared region. */
void
cachepg_require_store(void)
{
	if (!cachepg_store_ready())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cachepg must be loaded via shared_preload_libraries")));
}

/* Attach this backend to the arena on first use, for its whole life. */
static dsa_area *
store_area(void)
{
	if (area == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		LWLockRegisterTranche(shared->dsa_tranche, "cachepg_dsa");
		area = dsa_attach_in_place((char *) shared + shared->dsa_offset, NULL);
		dsa_pin_mapping(area);
		MemoryContextSwitchTo(old);
	}
	return area;
}

static inline uint32
bucket_of(uint64 hash)
{
	return (uint32) hash & shared->bucket_mask;
}

static inline LWLock *
lock_of(uint64 hash)
{
	return &locks[bucket_of(hash) % CACHEPG_PARTITIONS].lock;
}

/* Find the slot holding hash in its chain; caller holds the partition lock. */
static int32
chain_find(uint64 hash)
{
	int32		i;

	for (i = buckets[bucket_of(hash)]; i >= 0; i = slots[i].next)
		if (slots[i].info.hash == hash)
			return i;
	return -1;
}

/* Unlink slot s from its chain; caller holds its partition lock exclusively. */
static void
chain_unlink(int32 s)
{
	int32	   *link = &buckets[bucket_of(slots[s].info.hash)];

	while (*link != s)
	{
		Assert(*link >= 0);
		link = &slots[*link].next;
	}
	*link = slots[s].next;
	slots[s].in_use = false;
}

/* Return an unlinked slot and its blob to the free pools (no lock held). */
static void
slot_release(int32 s)
{
	uint32		size = slots[s].size;

	dsa_free(store_area(), slots[s].blob);
	slots[s].blob = InvalidDsaPointer;
	pg_atomic_sub_fetch_u64(&shared->bytes, size);
	pg_atomic_sub_fetch_u64(&shared->entries, 1);
	SpinLockAcquire(&shared->freelock);
	slots[s].next = shared->freehead;
	shared->freehead = s;
	SpinLockRelease(&shared->freelock);
}

static int32
slot_pop(void)
{
	int32		s;

	SpinLockAcquire(&shared->freelock);
	s = shared->freehead;
	if (s >= 0)
		shared->freehead = slots[s].next;
	SpinLockRelease(&shared->freelock);
	return s;
}

static inline bool
is_expired(CacheSlot *slot, TimestampTz now)
{
	return slot->info.expires != 0 && slot->info.expires <= now;
}

/*
 * Remove one entry to make room: CLOCK over the slots, expired entries
 * first (counted as expirations), referenced ones get a second chance.
 * Bounded to two sweeps; returns false when nothing could be removed.
 */
static bool
evict_one(void)
{
	TimestampTz now = GetCurrentTimestamp();
	int			steps;

	for (steps = 0; steps < 2 * shared->nslots; steps++)
	{
		int32		s = (int32) (pg_atomic_fetch_add_u64(&shared->clock_hand, 1) %
								 (uint64) shared->nslots);
		CacheSlot  *slot = &slots[s];
		uint64		hash;
		LWLock	   *lock;
		CacheCounter why;

		if (!slot->in_use)
			continue;
		hash = slot->info.hash;
		lock = lock_of(hash);
		if (!LWLockConditionalAcquire(lock, LW_EXCLUSIVE))
			continue;
		if (!slot->in_use || slot->info.hash != hash)
		{
			LWLockRelease(lock);
			continue;
		}
		if (is_expired(slot, now))
			why = CC_EXPIRATIONS;
		else if (pg_atomic_read_u32(&slot->usage) != 0)
		{
			pg_atomic_write_u32(&slot->usage, 0);
			LWLockRelease(lock);
			continue;
		}
		else
			why = CC_EVICTIONS;
		chain_unlink(s);
		LWLockRelease(lock);
		slot_release(s);
		cachepg_count(why, 1);
		return true;
	}
	return false;
}

/*
 * Look up hash.  On a live entry return a palloc'd copy of its blob (the
 * caller compares the full key) and set *size and *slotno (for
 * cachepg_served); NULL on a miss.  An expired entry found here is removed
 * at once.
 */
char *
cachepg_lookup(uint64 hash, TimestampTz now, Size *size, int32 *slotno)
{
	LWLock	   *lock = lock_of(hash);
	dsa_area   *a = store_area();	/* attach before locking: it may fail */
	char	   *copy = NULL;
	bool		expired = false;
	int32		s;

	LWLockAcquire(lock, LW_SHARED);
	s = chain_find(hash);
	if (s >= 0)
	{
		CacheSlot  *slot = &slots[s];

		if (is_expired(slot, now))
			expired = true;
		else
		{
			copy = MemoryContextAllocExtended(CurrentMemoryContext, slot->size,
											  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
			if (copy != NULL)
			{
				memcpy(copy, dsa_get_address(a, slot->blob), slot->size);
				*size = slot->size;
				*slotno = s;
				pg_atomic_write_u32(&slot->usage, 1);
			}
		}
	}
	LWLockRelease(lock);

	if (expired)
	{
		LWLockAcquire(lock, LW_EXCLUSIVE);
		s = chain_find(hash);
		if (s >= 0 && is_expired(&slots[s], now))
			chain_unlink(s);
		else
			s = -1;
		LWLockRelease(lock);
		if (s >= 0)
		{
			slot_release(s);
			cachepg_count(CC_EXPIRATIONS, 1);
		}
	}
	return copy;
}

/*
 * Count a hit actually served from the entry cachepg_lookup found (after the
 * caller's checks).  No lock: if the slot was reused meanwhile the hash no
 * longer matches and the count is dropped; these are statistics only.
 */
void
cachepg_served(int32 slotno, uint64 hash)
{
	if (slots[slotno].info.hash == hash)
		pg_atomic_fetch_add_u64(&slots[slotno].hits, 1);
}

/*
 * Publish a new entry, replacing any entry with the same hash.  Evicts to
 * make room, at most CACHEPG_MAX_EVICTIONS_PER_STORE times; returns false
 * (and counts a store failure) when that is not enough.
 */
bool
cachepg_insert(const CacheEntryInfo *info, const char *blob, Size size)
{
	dsa_area   *a = store_area();
	dsa_pointer p;
	int32		s = -1;
	int32		old;
	int			evictions = 0;
	LWLock	   *lock;

	for (;;)
	{
		p = dsa_allocate_extended(a, size, DSA_ALLOC_NO_OOM | DSA_ALLOC_HUGE);
		if (DsaPointerIsValid(p))
			break;
		if (evictions++ >= CACHEPG_MAX_EVICTIONS_PER_STORE || !evict_one())
		{
			cachepg_count(CC_STORE_FAILURES, 1);
			return false;
		}
	}
	while ((s = slot_pop()) < 0)
	{
		if (evictions++ >= CACHEPG_MAX_EVICTIONS_PER_STORE || !evict_one())
		{
			dsa_free(a, p);
			cachepg_count(CC_STORE_FAILURES, 1);
			return false;
		}
	}

	memcpy(dsa_get_address(a, p), blob, size);
	slots[s].info = *info;
	slots[s].created = GetCurrentTimestamp();
	slots[s].blob = p;
	slots[s].size = (uint32) size;
	pg_atomic_write_u32(&slots[s].usage, 0);
	pg_atomic_write_u64(&slots[s].hits, 0);
	pg_atomic_add_fetch_u64(&shared->bytes, size);
	pg_atomic_add_fetch_u64(&shared->entries, 1);

	lock = lock_of(info->hash);
	LWLockAcquire(lock, LW_EXCLUSIVE);
	old = chain_find(info->hash);
	if (old >= 0)
		chain_unlink(old);
	slots[s].next = buckets[bucket_of(info->hash)];
	buckets[bucket_of(info->hash)] = s;
	slots[s].in_use = true;
	LWLockRelease(lock);

	if (old >= 0)
		slot_release(old);
	cachepg_count(CC_STORES, 1);
	return true;
}

/* Drop the entry with this hash, if any (a stale or mismatching entry). */
void
cachepg_remove_hash(uint64 hash)
{
	LWLock	   *lock = lock_of(hash);
	int32		s;

	LWLockAcquire(lock, LW_EXCLUSIVE);
	s = chain_find(hash);
	if (s >= 0)
		chain_unlink(s);
	LWLockRelease(lock);
	if (s >= 0)
		slot_release(s);
}

/*
 * Remove every entry for which match() says yes; match runs under the
 * entry's partition lock and must not allocate or raise errors.
 */
uint64
cachepg_remove_matching(cachepg_match_fn match, void *arg)
{
	dsa_area   *a = store_area();
	uint64		removed = 0;
	int32		s;

	for (s = 0; s < shared->nslots; s++)
	{
		CacheSlot  *slot = &slots[s];
		uint64		hash;
		LWLock	   *lock;
		bool		hit;

		if (!slot->in_use)
			continue;
		hash = slot->info.hash;
		lock = lock_of(hash);
		LWLockAcquire(lock, LW_EXCLUSIVE);
		hit = slot->in_use && slot->info.hash == hash &&
			match(&slot->info, dsa_get_address(a, slot->blob), slot->size, arg);
		if (hit)
			chain_unlink(s);
		LWLockRelease(lock);
		if (hit)
		{
			slot_release(s);
			removed++;
		}
	}
	cachepg_count(CC_INVALIDATIONS, removed);
	return removed;
}

/*
 * A consistent copy of every live entry's metadata (and the start of its
 * blob, info.showlen bytes, if asked),
 * for the views.  Each entry is copied under its partition lock in shared
 * mode; copies that cannot be allocated are left without a blob.
 */
List *
cachepg_snapshot_entries(bool with_blobs)
{
	dsa_area   *a = store_area();
	List	   *result = NIL;
	CacheEntryView *v = NULL;
	int32		s;

	for (s = 0; s < shared->nslots; s++)
	{
		CacheSlot  *slot = &slots[s];
		uint64		hash;
		LWLock	   *lock;
		bool		live;

		if (!slot->in_use)
			continue;
		if (v == NULL)
			v = palloc0(sizeof(CacheEntryView));
		hash = slot->info.hash;
		lock = lock_of(hash);
		LWLockAcquire(lock, LW_SHARED);
		live = slot->in_use && slot->info.hash == hash;
		if (live)
		{
			v->info = slot->info;
			v->created = slot->created;
			v->hits = pg_atomic_read_u64(&slot->hits);
			v->size = slot->size;
			v->blobcopy = NULL;
			if (with_blobs)
			{
				Size		len = Min(slot->size, slot->info.showlen);

				v->blobcopy = MemoryContextAllocExtended(CurrentMemoryContext, len,
														 MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
				if (v->blobcopy)
					memcpy(v->blobcopy, dsa_get_address(a, slot->blob), len);
			}
		}
		LWLockRelease(lock);
		if (live)
		{
			result = lappend(result, v);
			v = NULL;
		}
	}
	return result;
}

void
cachepg_count(CacheCounter c, uint64 n)
{
	if (shared != NULL && n > 0)
		pg_atomic_fetch_add_u64(&shared->counters[c], n);
}

uint64
cachepg_counter(CacheCounter c)
{
	return pg_atomic_read_u64(&shared->counters[c]);
}

void
cachepg_stats_reset(void)
{
	int			i;

	for (i = 0; i < CC_NUM; i++)
		pg_atomic_write_u64(&shared->counters[i], 0);
	pg_atomic_write_u64(&shared->reset_time, (uint64) GetCurrentTimestamp());
}

TimestampTz
cachepg_stats_reset_time(void)
{
	return (TimestampTz) pg_atomic_read_u64(&shared->reset_time);
}

void
cachepg_usage(uint64 *entries, uint64 *bytes, uint64 *capacity, uint64 *nslots)
{
	*entries = pg_atomic_read_u64(&shared->entries);
	*bytes = pg_atomic_read_u64(&shared->bytes);
	*capacity = shared->dsa_size;
	*nslots = shared->nslots;
}
