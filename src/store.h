/*
 * store.h
 *		The shared-memory result store: a fixed slot index and a DSA arena
 *		carved out of one region of cachepg.memory bytes.
 *
 * The store knows nothing about SQL: an entry is a key (opaque bytes whose
 * 64-bit hash is a hint) plus an opaque payload, with a few fields the
 * views and management functions need.
 */
#ifndef CACHEPG_STORE_H
#define CACHEPG_STORE_H

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "port/atomics.h"

/* Counters shown by cache_stats(); all pg_atomic_uint64 in shared memory. */
typedef enum CacheCounter
{
	CC_HITS,
	CC_MISSES,
	CC_STORES,
	CC_EVICTIONS,
	CC_EXPIRATIONS,
	CC_UNCACHEABLE,
	CC_TOO_LARGE,
	CC_STORE_FAILURES,
	CC_INVALIDATIONS,
	CC_BYPASSED,
	CC_NOT_WATCHED,
	CC_WRITE_CONFLICTS,
	CC_STANDBY,
	CC_NOT_ADMITTED,
	CC_KEY_STORES,
	CC_KEY_INVALIDATIONS,
	CC_COALESCED,
	CC_STALE_HITS,
	CC_REFRESHES,
	CC_REFRESH_FAILURES,
	CC_RECLAIMED,
	CC_NUM
} CacheCounter;

/* Identity of an entry besides its key bytes. */
typedef struct CacheEntryInfo
{
	uint64		hash;			/* hash of the full key */
	TimestampTz expires;		/* 0: never */
	Oid			dbid;
	Oid			roleid;
	uint32		showlen;		/* leading blob bytes the views need */
	int32		ttl_s;			/* the ttl it was stored with, 0: none */
	int32		stale_s;		/* served this long past expires, refreshing */
	uint32		load_ms;		/* how long computing it took */
	uint16		kg_sql;			/* cache_invalidate() generation buckets of */
	uint16		kg_q;			/* its text and of its text + parameters */
	uint8		form;
	uint8		flags;			/* ENTRY_* */
} CacheEntryInfo;

/*
 * cache_invalidate() generations, one per bucket of query-text hashes: an
 * entry records those of its text and of its text and parameters when its
 * load begins and is served only while they are unchanged.  Texts sharing
 * a bucket are invalidated together, which only costs a reload.
 */
#define CACHEPG_KEYGENS 1024

static inline uint16
cachepg_keygen_bucket(uint64 hash)
{
	return (uint16) (hash % CACHEPG_KEYGENS);
}

/*
 * Whether an entry is past its ttl by window_s seconds or more (never, for
 * an entry with no ttl): the store's own stale window, or the smaller one
 * a caller accepts.
 */
static inline bool
cachepg_entry_past(const CacheEntryInfo *info, TimestampTz now, int32 window_s)
{
	return info->expires != 0 &&
		now >= info->expires + (int64) Max(window_s, 0) * USECS_PER_SEC;
}

/* Recomputed in the background after a write invalidates it. */
#define ENTRY_REFRESH_ON_WRITE 0x01
/* Stored under a ttl the caller gave (a refresh keeps its storing rules). */
#define ENTRY_TTL_EXPLICIT 0x02

/* One row of the cache_entries view. */
typedef struct CacheEntryView
{
	CacheEntryInfo info;
	TimestampTz created;
	uint64		hits;
	uint32		size;
	char	   *blobcopy;		/* palloc'd copy of the first info.showlen
								 * bytes of the blob, or NULL */
} CacheEntryView;

extern bool cachepg_store_ready(void);
extern void cachepg_require_store(void);
extern Size cachepg_store_shmem_size(void);
extern void cachepg_store_request(Size size);
extern void cachepg_store_startup(void);

extern void cachepg_count(CacheCounter c, uint64 n);
extern uint64 cachepg_counter(CacheCounter c);
extern void cachepg_stats_reset(void);
extern TimestampTz cachepg_stats_reset_time(void);
extern void cachepg_usage(uint64 *entries, uint64 *bytes, uint64 *capacity,
						  uint64 *slots);

extern char *cachepg_lookup(uint64 hash, TimestampTz now, Size *size,
							 int32 *slotno, CacheEntryInfo *info);
extern bool cachepg_stored(uint64 hash);
extern bool cachepg_seen_before(uint64 hash);
extern char *cachepg_lookup_any(uint64 hash, Size *size, CacheEntryInfo *info);
extern bool cachepg_claim_refresh(int32 slotno, const CacheEntryInfo *info,
								  TimestampTz now, bool ahead, double fraction);
extern uint64 cachepg_served(int32 slotno, uint64 hash);
extern bool cachepg_insert(const CacheEntryInfo *info, const char *blob,
						   Size size, Size payload);
extern uint64 cachepg_metadata_bytes(void);
extern Size cachepg_store_max_size(void);
extern uint64 cachepg_keygen(uint16 bucket);
extern void cachepg_keygen_bump(uint64 hash);
extern void cachepg_remove_hash(uint64 hash);

/* Callback for cachepg_remove_matching: decide from the info and blob. */
typedef bool (*cachepg_match_fn) (const CacheEntryInfo *info,
								  const char *blob, Size size, void *arg);
extern uint64 cachepg_remove_matching(cachepg_match_fn match, void *arg);
extern uint64 cachepg_sweep(int32 count, TimestampTz now,
							cachepg_match_fn stale, void *arg);
extern List *cachepg_snapshot_entries(bool with_blobs);

#endif
