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
 * Admission (TinyLFU, as in Caffeine): every lookup counts its key in a
 * count-min sketch of 4-bit counters (16 per bucket, that is per slot
 * rounded up to a power of two), all halved after 10 * max_entries
 * lookups so that old popularity fades.  When the store is
 * full, a new entry is admitted only if its key was asked for more often
 * than the entry CLOCK would evict; so a scan of one-time keys cannot flush
 * the hot set (cachepg.admission = off: admit everything, plain CLOCK).
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
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/dsa.h"
#include "utils/freepage.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "cachepg.h"
#include "store.h"

#define CACHEPG_PARTITIONS	64
#define CACHEPG_MAX_EVICTIONS_PER_STORE 64

/*
 * The frequency sketch: 64-byte blocks of 128 4-bit counters; a key has one
 * counter in each quarter of one block.
 */
#define SKETCH_BLOCK 64
#define SKETCH_MAX 15
#define SKETCH_LOCAL_BATCH 64
#define EVICTION_SAMPLES 4

typedef struct CacheSlot
{
	CacheEntryInfo info;
	TimestampTz created;
	dsa_pointer blob;
	uint32		size;
	uint32		payload;		/* bytes of size that are not metadata */
	int32		next;			/* next slot in bucket chain or free list */
	bool		in_use;			/* linked into a bucket chain */
	pg_atomic_uint32 usage;		/* CLOCK reference bit */
	pg_atomic_uint32 hits;
	pg_atomic_uint32 refresh_at;	/* when a refresh was last asked for, in
									 * seconds since the region was made */
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
	pg_atomic_uint64 payload;
	pg_atomic_uint64 reset_time;
	int32		counter_rows;	/* rows of counters after the sketch */
	uint64		sketch_blocks;	/* a power of two */
	uint64		sketch_period;	/* lookups between halvings */
	pg_atomic_uint64 sketch_lookups;
	pg_atomic_uint32 sketch_aging;	/* 1 while one backend halves it */
	pg_atomic_uint64 doorkeeper_adds;	/* keys added since it was cleared */
	pg_atomic_uint32 doorkeeper_clearing;	/* 1 while one backend clears it */
	pg_atomic_uint64 sweep_hand;	/* next slot the reclaimer looks at */
	TimestampTz base_time;		/* when the region was made */
	Size		max_blob;		/* the largest blob the arena can ever hold */
	pg_atomic_uint64 keygens[CACHEPG_KEYGENS];
} CacheShared;

static CacheShared *shared = NULL;
static CacheSlot *slots = NULL;
static int32 *buckets = NULL;
static uint8 *sketch = NULL;
static pg_atomic_uint64 *doorkeeper = NULL;

/*
 * The cache_stats() counters, one row per process that can have a PGPROC
 * plus a last, shared row for the others: a hit then adds to a cache line
 * no other backend writes.  cache_stats() sums the rows.
 */
typedef union CounterRow
{
	pg_atomic_uint64 c[CC_NUM];
	char		pad[TYPEALIGN(PG_CACHE_LINE_SIZE, CC_NUM * sizeof(pg_atomic_uint64))];
} CounterRow;

static CounterRow *counter_rows = NULL;
static uint32 sketch_local = 0;	/* lookups not yet added to the shared count */
static bool exit_flush = false; /* sketch_flush registered for exit */
static LWLockPadded *locks = NULL;
static dsa_area *area = NULL;

static Size arena_max_blob(Size size);

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

/* 16 counters (8 bytes) per bucket, in whole blocks. */
static Size
sketch_size(void)
{
	return Max(mul_size(bucket_count(cachepg_max_entries), 8), SKETCH_BLOCK);
}

/*
 * The doorkeeper: a Bloom filter of keys seen lately (8 bits per slot, two
 * bits a key), cleared once it took as many keys as there are slots, so
 * that a key counts as seen for about as long as the cache could hold it
 * (false positives stay near 5%).
 */
static Size
doorkeeper_words(void)
{
	return Max((Size) cachepg_max_entries / 8, 8);
}

/* One row per backend, bgworker and auxiliary process, plus a shared one. */
static int
counter_row_count(void)
{
	return MaxBackends + NUM_AUXILIARY_PROCS + 1;
}

static Size
index_size(void)
{
	return header_size() +
		MAXALIGN(mul_size(sizeof(CacheSlot), cachepg_max_entries)) +
		MAXALIGN(mul_size(sizeof(int32), bucket_count(cachepg_max_entries))) +
		MAXALIGN(sketch_size()) +
		mul_size(sizeof(pg_atomic_uint64), doorkeeper_words()) +
		PG_CACHE_LINE_SIZE + mul_size(sizeof(CounterRow), counter_row_count());
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
				 errmsg("cachepg.memory is too small for cachepg.max_entries, cachepg.max_tables and cachepg.key_slots"),
				 errdetail("The index of %d entries and a minimal arena need %zu kB besides what the table and key state takes.",
						   cachepg_max_entries, need / 1024 + 1),
				 errhint("Raise cachepg.memory or lower cachepg.max_entries, cachepg.max_tables or cachepg.key_slots.")));
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
	sketch = (uint8 *) buckets +
		MAXALIGN(mul_size(sizeof(int32), bucket_count(cachepg_max_entries)));
	doorkeeper = (pg_atomic_uint64 *) (sketch + MAXALIGN(sketch_size()));
	counter_rows = (CounterRow *) TYPEALIGN(PG_CACHE_LINE_SIZE,
											doorkeeper + doorkeeper_words());
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
		pg_atomic_init_u64(&shared->payload, 0);
		pg_atomic_init_u64(&shared->reset_time, (uint64) GetCurrentTimestamp());
		shared->counter_rows = counter_row_count();
		for (i = 0; i < shared->counter_rows; i++)
		{
			int			c;

			for (c = 0; c < CC_NUM; c++)
				pg_atomic_init_u64(&counter_rows[i].c[c], 0);
		}
		shared->sketch_blocks = sketch_size() / SKETCH_BLOCK;
		shared->sketch_period = (uint64) shared->nslots * 10;
		pg_atomic_init_u64(&shared->sketch_lookups, 0);
		pg_atomic_init_u32(&shared->sketch_aging, 0);
		pg_atomic_init_u64(&shared->sweep_hand, 0);
		shared->base_time = GetCurrentTimestamp();
		for (i = 0; i < CACHEPG_KEYGENS; i++)
			pg_atomic_init_u64(&shared->keygens[i], 1);
		memset(sketch, 0, sketch_size());
		for (i = 0; i < (int) doorkeeper_words(); i++)
			pg_atomic_init_u64(&doorkeeper[i], 0);
		pg_atomic_init_u64(&shared->doorkeeper_adds, 0);
		pg_atomic_init_u32(&shared->doorkeeper_clearing, 0);
		for (i = 0; i < shared->nslots; i++)
		{
			memset(&slots[i], 0, sizeof(CacheSlot));
			slots[i].blob = InvalidDsaPointer;
			slots[i].next = (i + 1 < shared->nslots) ? i + 1 : -1;
			pg_atomic_init_u32(&slots[i].usage, 0);
			pg_atomic_init_u32(&slots[i].hits, 0);
			pg_atomic_init_u32(&slots[i].refresh_at, 0);
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
		shared->max_blob = arena_max_blob(shared->dsa_size);
		if ((Size) cachepg_max_entry_size_kb * 1024 > shared->max_blob)
			ereport(WARNING,
					(errmsg("cachepg.max_entry_size (%d kB) is larger than the cache's arena can hold (%zu kB)",
							cachepg_max_entry_size_kb, shared->max_blob / 1024),
					 errdetail("Results larger than %zu kB are returned but never stored.",
							   shared->max_blob / 1024),
					 errhint("Raise cachepg.memory or lower cachepg.max_entry_size.")));
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * The largest single allocation an in-place DSA area of this size can
 * satisfy, conservatively: a large allocation is a run of whole pages in
 * the area's one segment, after the area's control data (at least
 * dsa_minimum_size()), its page map (8 bytes a page) and one page holding
 * the allocation's span.
 */
static Size
arena_max_blob(Size size)
{
	Size		pages = size / FPM_PAGE_SIZE;
	Size		overhead = dsa_minimum_size() + pages * sizeof(dsa_pointer) +
		2 * FPM_PAGE_SIZE;

	return size > overhead ? ((size - overhead) / FPM_PAGE_SIZE) * FPM_PAGE_SIZE : 0;
}

/* The largest blob worth serializing: one the arena could hold when empty. */
Size
cachepg_store_max_size(void)
{
	return shared ? shared->max_blob : MaxAllocHugeSize;
}

/* The cache_invalidate() generation of a text (or text + parameters) hash. */
uint64
cachepg_keygen(uint16 bucket)
{
	return pg_atomic_read_u64(&shared->keygens[bucket % CACHEPG_KEYGENS]);
}

void
cachepg_keygen_bump(uint64 hash)
{
	pg_atomic_fetch_add_u64(&shared->keygens[hash % CACHEPG_KEYGENS], 1);
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
	pg_atomic_sub_fetch_u64(&shared->payload, slots[s].payload);
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

/* Past its ttl and its stale window: good for nothing. */
static inline bool
is_expired(CacheSlot *slot, TimestampTz now)
{
	return cachepg_entry_past(&slot->info, now, slot->info.stale_s);
}

/*
 * The four counters of a hash, as nibble numbers within its block: one in
 * each quarter.  The hash goes through a 64-bit finalizer first (splitmix64)
 * so that every bit of it moves every bit used here: the bucket index took
 * the low bits as they are.
 */
static inline uint8 *
sketch_counters(uint64 hash, int *n)
{
	uint64		h = hash;
	int			i;

	h = (h ^ (h >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	h = (h ^ (h >> 27)) * UINT64CONST(0x94D049BB133111EB);
	h ^= h >> 31;

	for (i = 0; i < 4; i++)
		n[i] = i * 32 + ((h >> (i * 5)) & 31);
	return sketch + ((h >> 32) & (shared->sketch_blocks - 1)) * SKETCH_BLOCK;
}

/* Counter n of a block, from the byte holding it. */
static inline int
nibble_of(uint8 byte, int n)
{
	return (n & 1) ? byte >> 4 : byte & 15;
}

static inline int
nibble(const uint8 *block, int n)
{
	return nibble_of(block[n >> 1], n);
}

/* How often hash was looked up lately (a count-min estimate, 0..15). */
static int
sketch_estimate(uint64 hash)
{
	int			n[4];
	uint8	   *block = sketch_counters(hash, n);
	int			m = SKETCH_MAX;
	int			i;

	for (i = 0; i < 4; i++)
		m = Min(m, nibble(block, n[i]));
	return m;
}

/* Halve every counter; one backend at a time, the others skip it. */
static void
sketch_age(void)
{
	uint32		expected = 0;
	uint64	   *w = (uint64 *) sketch;
	Size		n = sketch_size() / sizeof(uint64);
	Size		i;

	if (!pg_atomic_compare_exchange_u32(&shared->sketch_aging, &expected, 1))
		return;
	/* another backend may have halved it since this one looked */
	if (pg_atomic_read_u64(&shared->sketch_lookups) < shared->sketch_period)
	{
		pg_atomic_write_u32(&shared->sketch_aging, 0);
		return;
	}
	for (i = 0; i < n; i++)
		w[i] = (w[i] >> 1) & UINT64CONST(0x7777777777777777);
	pg_atomic_write_u64(&shared->sketch_lookups, 0);
	pg_atomic_write_u32(&shared->sketch_aging, 0);
}

/* Add this backend's pending lookups to the shared count (also at exit). */
static void
sketch_flush(int code, Datum arg)
{
	uint32		pending = sketch_local;

	sketch_local = 0;
	if (pending > 0 &&
		pg_atomic_add_fetch_u64(&shared->sketch_lookups, pending) >= shared->sketch_period)
		sketch_age();
}

/*
 * Count one lookup of hash.  The counters are updated without locks: a
 * lost increment only blurs an estimate.  A saturated counter is only
 * read, so hot keys do not bounce its cache line between backends; the
 * shared lookup count is updated once per SKETCH_LOCAL_BATCH lookups, and
 * at backend exit, so that short sessions count too.
 */
static void
sketch_count(uint64 hash)
{
	int			n[4];
	uint8	   *block = sketch_counters(hash, n);
	int			v[4];
	int			m = SKETCH_MAX;
	int			i;

	for (i = 0; i < 4; i++)
	{
		v[i] = nibble(block, n[i]);
		m = Min(m, v[i]);
	}
	/*
	 * Conservative update: only the counters at the minimum (the estimate)
	 * go up, so collisions inflate estimates less.  One read, one write per
	 * byte: a racing update is lost, never carried into the next nibble.
	 */
	if (m < SKETCH_MAX)
		for (i = 0; i < 4; i++)
			if (v[i] == m)
			{
				uint8		byte = block[n[i] >> 1];

				if (nibble_of(byte, n[i]) == m)
					block[n[i] >> 1] = byte + ((n[i] & 1) ? 16 : 1);
			}
	if (!exit_flush)
	{
		before_shmem_exit(sketch_flush, (Datum) 0);
		exit_flush = true;
	}
	if (++sketch_local >= SKETCH_LOCAL_BATCH)
		sketch_flush(0, (Datum) 0);
}

/*
 * Unlink slot s and free it if it still holds hash (and, for an expiration,
 * is still expired).  Only try-locks: it never waits behind a reader.
 */
static bool
evict_slot(int32 s, uint64 hash, CacheCounter why, TimestampTz now)
{
	LWLock	   *lock = lock_of(hash);

	if (!LWLockConditionalAcquire(lock, LW_EXCLUSIVE))
		return false;
	if (!slots[s].in_use || slots[s].info.hash != hash ||
		(why == CC_EXPIRATIONS && !is_expired(&slots[s], now)))
	{
		LWLockRelease(lock);
		return false;
	}
	chain_unlink(s);
	LWLockRelease(lock);
	slot_release(s);
	cachepg_count(why, 1);
	return true;
}

/*
 * Remove one entry to make room.  CLOCK walks the slots: an expired entry
 * goes at once (counted as an expiration), a referenced one gets a second
 * chance, an unreferenced one is a candidate.  Without admission (freq < 0)
 * the first candidate is evicted: plain CLOCK.  With admission, the least
 * frequent of EVICTION_SAMPLES candidates is the victim, and it stays, with
 * *rejected set, if its key was asked for at least as often as the
 * newcomer's (freq).  The slots are read without locks and re-checked under
 * the partition lock.  Returns false when nothing was removed.
 */
static bool
evict_one(int freq, bool *rejected)
{
	TimestampTz now = GetCurrentTimestamp();
	int			samples = (freq >= 0) ? EVICTION_SAMPLES : 1;
	int			attempt;

	for (attempt = 0; attempt < 3; attempt++)
	{
		int32		victim = -1;
		uint64		victim_hash = 0;
		int			victim_freq = INT_MAX;
		int			found = 0;
		int			steps;

		for (steps = 0; steps < 2 * shared->nslots && found < samples; steps++)
		{
			int32		s = (int32) (pg_atomic_fetch_add_u64(&shared->clock_hand, 1) %
									 (uint64) shared->nslots);
			CacheSlot  *slot = &slots[s];
			uint64		hash;
			int			f;

			if (!slot->in_use)
				continue;
			hash = slot->info.hash;
			if (is_expired(slot, now))
			{
				if (evict_slot(s, hash, CC_EXPIRATIONS, now))
					return true;
				continue;
			}
			if (pg_atomic_read_u32(&slot->usage) != 0)
			{
				pg_atomic_write_u32(&slot->usage, 0);
				continue;
			}
			f = (freq >= 0) ? sketch_estimate(hash) : 0;
			found++;
			if (f < victim_freq)
			{
				victim = s;
				victim_hash = hash;
				victim_freq = f;
			}
		}
		if (victim < 0)
			return false;
		if (freq >= 0 && victim_freq >= freq)
		{
			*rejected = true;
			return false;
		}
		if (evict_slot(victim, victim_hash, CC_EVICTIONS, now))
			return true;
	}
	return false;
}

/*
 * A palloc'd copy of slot s's blob, with its size and info; NULL when it
 * cannot be allocated.  Caller holds the slot's partition lock.
 */
static char *
slot_copy(dsa_area *a, int32 s, Size *size, CacheEntryInfo *info)
{
	char	   *copy = MemoryContextAllocExtended(CurrentMemoryContext, slots[s].size,
												  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);

	if (copy != NULL)
	{
		memcpy(copy, dsa_get_address(a, slots[s].blob), slots[s].size);
		*size = slots[s].size;
		*info = slots[s].info;
	}
	return copy;
}

/* Whether an entry of hash is stored (a hint: the caller checks it). */
bool
cachepg_stored(uint64 hash)
{
	LWLock	   *lock = lock_of(hash);
	bool		stored;

	LWLockAcquire(lock, LW_SHARED);
	stored = chain_find(hash) >= 0;
	LWLockRelease(lock);
	return stored;
}

/*
 * Whether hash was seen lately (by this function); it is from now on.
 * Lock-free: two racing first sights may both say no, and a bit lost to
 * a concurrent clear only makes a key wait one sight more.
 */
bool
cachepg_seen_before(uint64 hash)
{
	uint64		h = hash;
	uint64		nbits = (uint64) doorkeeper_words() * 64;
	uint64		b[2];
	bool		seen = true;
	int			i;

	/* (the sketch's finalizer: the bucket index took the low bits as they are) */
	h = (h ^ (h >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	h = (h ^ (h >> 27)) * UINT64CONST(0x94D049BB133111EB);
	h ^= h >> 31;
	b[0] = (h & 0xFFFFFFFF) % nbits;
	b[1] = (h >> 32) % nbits;
	for (i = 0; i < 2; i++)
	{
		uint64		bit = UINT64CONST(1) << (b[i] % 64);

		if ((pg_atomic_read_u64(&doorkeeper[b[i] / 64]) & bit) == 0)
		{
			seen = false;
			pg_atomic_fetch_or_u64(&doorkeeper[b[i] / 64], bit);
		}
	}
	if (!seen &&
		pg_atomic_add_fetch_u64(&shared->doorkeeper_adds, 1) >= (uint64) shared->nslots)
	{
		uint32		expected = 0;

		if (pg_atomic_compare_exchange_u32(&shared->doorkeeper_clearing, &expected, 1))
		{
			Size		w;

			for (w = 0; w < doorkeeper_words(); w++)
				pg_atomic_write_u64(&doorkeeper[w], 0);
			pg_atomic_write_u64(&shared->doorkeeper_adds, 0);
			pg_atomic_write_u32(&shared->doorkeeper_clearing, 0);
		}
	}
	return seen;
}

/*
 * Look up hash.  On a live entry return a palloc'd copy of its blob (the
 * caller compares the full key) and set *size, *slotno (for cachepg_served
 * and cachepg_claim_refresh) and *info (an entry past its ttl but within
 * its stale window is returned too: the caller decides); NULL on a miss.
 * An expired entry found here is removed at once.
 */
char *
cachepg_lookup(uint64 hash, TimestampTz now, Size *size, int32 *slotno,
			   CacheEntryInfo *info)
{
	LWLock	   *lock = lock_of(hash);
	dsa_area   *a = store_area();	/* attach before locking: it may fail */
	char	   *copy = NULL;
	bool		expired = false;
	int32		s;

	sketch_count(hash);
	LWLockAcquire(lock, LW_SHARED);
	s = chain_find(hash);
	if (s >= 0)
	{
		CacheSlot  *slot = &slots[s];

		if (is_expired(slot, now))
			expired = true;
		else if ((copy = slot_copy(a, s, size, info)) != NULL)
		{
			*slotno = s;
			if (pg_atomic_read_u32(&slot->usage) == 0)
				pg_atomic_write_u32(&slot->usage, 1);
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
 * The entry of hash whatever its age (for a refresh, which needs its key):
 * a palloc'd copy of its blob and its info, or NULL.
 */
char *
cachepg_lookup_any(uint64 hash, Size *size, CacheEntryInfo *info)
{
	LWLock	   *lock = lock_of(hash);
	dsa_area   *a = store_area();
	char	   *copy = NULL;
	int32		s;

	LWLockAcquire(lock, LW_SHARED);
	s = chain_find(hash);
	if (s >= 0)
		copy = slot_copy(a, s, size, info);
	LWLockRelease(lock);
	return copy;
}

/* A refresh asked for this many seconds ago and not done is asked for again. */
#define REFRESH_RETRY_S 5

/*
 * Whether the caller that was just served the entry in slotno (info, as
 * cachepg_lookup copied it) should ask for its refresh: it is stale, or
 * (ahead) within the last fraction of its ttl, or closer to expiry than
 * twice its load time; and no refresh was asked for it lately.  One caller
 * wins the claim.
 */
bool
cachepg_claim_refresh(int32 slotno, const CacheEntryInfo *info, TimestampTz now,
					  bool ahead, double fraction)
{
	CacheSlot  *slot = &slots[slotno];
	uint32		last;
	uint32		nows = (uint32) ((now - shared->base_time) / USECS_PER_SEC) + 1;

	if (info->expires == 0)
		return false;
	if (ahead)
	{
		int64		window = (int64) (fraction * info->ttl_s * USECS_PER_SEC);

		window = Max(window, (int64) info->load_ms * 2000);
		window = Min(window, (int64) info->ttl_s * USECS_PER_SEC / 2);
		if (fraction <= 0 || now < info->expires - window)
			return false;
	}
	/*
	 * Claimed without a lock: if the slot was reused meanwhile, the claim
	 * lands on another entry and at worst delays its own refresh.
	 */
	last = pg_atomic_read_u32(&slot->refresh_at);
	if (last != 0 && nows - last < REFRESH_RETRY_S)
		return false;
	return pg_atomic_compare_exchange_u32(&slot->refresh_at, &last, nows) &&
		slot->info.hash == info->hash;
}

/*
 * Count a hit actually served from the entry cachepg_lookup found (after the
 * caller's checks); returns the hits it had before.  No lock: if the slot
 * was reused meanwhile the hash no longer matches and the count is dropped
 * (1 is returned); these are statistics only.
 */
uint64
cachepg_served(int32 slotno, uint64 hash)
{
	if (slots[slotno].info.hash == hash)
		return pg_atomic_fetch_add_u32(&slots[slotno].hits, 1);
	return 1;
}

/*
 * Publish a new entry, replacing any entry with the same hash.  Evicts to
 * make room, at most CACHEPG_MAX_EVICTIONS_PER_STORE times; returns false
 * (and counts a store failure, or a newcomer not admitted) when that is not
 * enough or admission keeps the entries in place.
 */
bool
cachepg_insert(const CacheEntryInfo *info, const char *blob, Size size,
			   Size payload)
{
	dsa_area   *a = store_area();
	dsa_pointer p = InvalidDsaPointer;
	int32		s = -1;
	int32		old;
	int			evictions = 0;
	int			freq = cachepg_admission ? sketch_estimate(info->hash) : -1;
	bool		rejected = false;
	LWLock	   *lock;

	if (size > shared->max_blob)
	{
		/* could never fit: evict nothing for it */
		cachepg_count(CC_TOO_LARGE, 1);
		return false;
	}
	for (;;)
	{
		if (!DsaPointerIsValid(p))
			p = dsa_allocate_extended(a, size, DSA_ALLOC_NO_OOM | DSA_ALLOC_HUGE);
		if (DsaPointerIsValid(p) && (s = slot_pop()) >= 0)
			break;
		if (evictions++ >= CACHEPG_MAX_EVICTIONS_PER_STORE ||
			!evict_one(freq, &rejected))
		{
			if (DsaPointerIsValid(p))
				dsa_free(a, p);
			cachepg_count(rejected ? CC_NOT_ADMITTED : CC_STORE_FAILURES, 1);
			return false;
		}
	}

	memcpy(dsa_get_address(a, p), blob, size);
	slots[s].info = *info;
	slots[s].created = GetCurrentTimestamp();
	slots[s].blob = p;
	slots[s].size = (uint32) size;
	slots[s].payload = (uint32) payload;
	pg_atomic_write_u32(&slots[s].usage, 0);
	pg_atomic_write_u32(&slots[s].hits, 0);
	pg_atomic_write_u32(&slots[s].refresh_at, 0);
	pg_atomic_add_fetch_u64(&shared->bytes, size);
	pg_atomic_add_fetch_u64(&shared->payload, payload);
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
 * Whether slot s still holds the entry (hash, blob) and it is dead: past
 * its ttl and stale window (*expired), or stale() says so.  Caller holds
 * the slot's partition lock.
 */
static bool
slot_dead(dsa_area *a, int32 s, uint64 hash, dsa_pointer blob, TimestampTz now,
		  cachepg_match_fn stale, void *arg, bool *expired)
{
	CacheSlot  *slot = &slots[s];

	*expired = false;
	if (!slot->in_use || slot->info.hash != hash || slot->blob != blob)
		return false;
	*expired = is_expired(slot, now);
	return *expired ||
		stale(&slot->info, dsa_get_address(a, slot->blob), slot->size, arg);
}

/*
 * Background reclaim: look at the next count slots (a hand going round the
 * index) and free those past their ttl and stale window, or for which
 * stale() says yes (under the partition lock: it must not allocate or
 * raise errors).  Only try-locks, so it never waits behind a reader.
 * Returns the number freed.
 */
uint64
cachepg_sweep(int32 count, TimestampTz now, cachepg_match_fn stale, void *arg)
{
	dsa_area   *a = store_area();
	uint64		freed = 0;
	int32		i;

	for (i = 0; i < count; i++)
	{
		int32		s = (int32) (pg_atomic_fetch_add_u64(&shared->sweep_hand, 1) %
								 (uint64) shared->nslots);
		CacheSlot  *slot = &slots[s];
		uint64		hash;
		dsa_pointer blob;
		LWLock	   *lock;
		bool		dead;
		bool		expired;

		if (!slot->in_use)
			continue;
		hash = slot->info.hash;
		lock = lock_of(hash);
		/* judged under a shared lock; unlinked under an exclusive one */
		if (!LWLockConditionalAcquire(lock, LW_SHARED))
			continue;
		blob = slot->blob;
		dead = slot_dead(a, s, hash, blob, now, stale, arg, &expired);
		LWLockRelease(lock);
		if (!dead || !LWLockConditionalAcquire(lock, LW_EXCLUSIVE))
			continue;
		/* the same entry still: the same key in the same slot, the same blob */
		dead = slot_dead(a, s, hash, blob, now, stale, arg, &expired);
		if (dead)
			chain_unlink(s);
		LWLockRelease(lock);
		if (dead)
		{
			slot_release(s);
			if (expired)
				cachepg_count(CC_EXPIRATIONS, 1);
			freed++;
		}
	}
	cachepg_count(CC_RECLAIMED, freed);
	return freed;
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
			v->hits = pg_atomic_read_u32(&slot->hits);
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
	int			row;

	if (shared == NULL || n == 0)
		return;
	row = (MyProc != NULL && MyProc->pgprocno < shared->counter_rows - 1) ?
		MyProc->pgprocno : shared->counter_rows - 1;
	pg_atomic_fetch_add_u64(&counter_rows[row].c[c], n);
}

uint64
cachepg_counter(CacheCounter c)
{
	uint64		sum = 0;
	int			i;

	for (i = 0; i < shared->counter_rows; i++)
		sum += pg_atomic_read_u64(&counter_rows[i].c[c]);
	return sum;
}

/* Zero the counters; increments racing with this may survive it. */
void
cachepg_stats_reset(void)
{
	int			i;
	int			c;

	for (i = 0; i < shared->counter_rows; i++)
		for (c = 0; c < CC_NUM; c++)
			pg_atomic_write_u64(&counter_rows[i].c[c], 0);
	pg_atomic_write_u64(&shared->reset_time, (uint64) GetCurrentTimestamp());
}

TimestampTz
cachepg_stats_reset_time(void)
{
	return (TimestampTz) pg_atomic_read_u64(&shared->reset_time);
}

/*
 * Bytes of bookkeeping: the whole index (slots, buckets, sketch) plus every
 * stored byte that is not payload (rows, query text, parameters,
 * dependencies and their generations).  The arena allocator's own rounding
 * is not counted: PostgreSQL 15's DSA does not report it.
 */
uint64
cachepg_metadata_bytes(void)
{
	/* read without a lock: the two counters may be a store apart */
	int64		blob_overhead = (int64) pg_atomic_read_u64(&shared->bytes) -
		(int64) pg_atomic_read_u64(&shared->payload);

	return (uint64) index_size() + Max(blob_overhead, 0);
}

void
cachepg_usage(uint64 *entries, uint64 *bytes, uint64 *capacity, uint64 *nslots)
{
	*entries = pg_atomic_read_u64(&shared->entries);
	*bytes = pg_atomic_read_u64(&shared->bytes);
	*capacity = shared->dsa_size;
	*nslots = shared->nslots;
}
