/*
 * invalidate.h
 *		Generations, in-flight writers and watch state of the tables cached
 *		results depend on (DESIGN invariants 1 and 2).
 *
 * Every (database, relation) that a stored result depends on has a slot in
 * shared memory with a generation (bumped, from one global counter, when a
 * write starts and again when the writing transaction ends), a count of
 * transactions writing it right now, and the newest committed writer's XID.
 * Slot 0 is the global slot: every entry depends on it, and DDL whose
 * target is unclear marks it.  A slot whose table's drop committed (or
 * whose database was dropped) may be given to another table once nobody
 * writes it; it then takes a new generation, and generations only grow, so
 * a stale (slot, generation) pair never matches again.
 */
#ifndef CACHEPG_INVALIDATE_H
#define CACHEPG_INVALIDATE_H

#include "utils/rel.h"
#include "utils/snapshot.h"

#define CACHEPG_GLOBAL_SLOT 0

/* What an entry remembers of one slot it depends on. */
typedef struct CacheMark
{
	int32		slot;
	int32		pad;
	uint64		gen;
} CacheMark;

extern Size cachepg_watch_shmem_size(void);
extern void cachepg_watch_request(void);
extern void cachepg_watch_startup(void);
extern void cachepg_invalidate_init(void);

/* writers */
extern void cachepg_mark_relation(Oid relid);
extern void cachepg_mark_global(void);
extern void cachepg_invalidate_all(void);

/* loaders and hits */
extern int32 cachepg_slot_for(Oid relid);
extern bool cachepg_read_mark(int32 slot, CacheMark *mark);
extern bool cachepg_mark_current(const CacheMark *mark);
extern bool cachepg_mark_seen_by(const CacheMark *mark, Snapshot snapshot);
extern bool cachepg_relation_watched(Relation rel);
extern List *cachepg_relation_ancestors(Oid relid);
extern bool cachepg_prepared_block_stores(void);

/* watching */
extern int	cachepg_watch_relation(Oid relid, bool check_owner);

#endif
