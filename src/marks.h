/*
 * marks.h
 *		Generations and in-flight writers of the tables cached results
 *		depend on (DESIGN invariants 1 and 2); the protocol is described at
 *		the top of marks.c.
 */
#ifndef CACHEPG_MARKS_H
#define CACHEPG_MARKS_H

#include "access/attnum.h"
#include "nodes/pg_list.h"
#include "utils/hsearch.h"
#include "utils/snapshot.h"

#define CACHEPG_GLOBAL_SLOT 0

/* The kinds of marks */
#define MARK_TABLE		0		/* a table's: any write, TRUNCATE or DDL */
#define MARK_UNKEYED	1		/* a table's: a write whose keys are not
								 * known, TRUNCATE or DDL */
#define MARK_KEY		2		/* a key slot's: a row with such a key */
#define MARK_NAME		3		/* a name slot's: DDL of an object of such
								 * a name in such a schema */

/* Name slots: (database, schema, name) hashed; a fixed number. */
#define CACHEPG_NAME_SLOTS 8192

/* What cache_tables counts per table (slot_count). */
#define SLOT_HITS			0
#define SLOT_MISSES			1
#define SLOT_STORES			2
#define SLOT_INVALIDATIONS	3
#define SLOT_NSTATS			4

/* What an entry remembers of one mark it depends on. */
typedef struct CacheMark
{
	int32		slot;			/* a table's slot, or a key slot */
	int32		kind;			/* MARK_* */
	uint64		gen;
} CacheMark;

extern Size cachepg_marks_shmem_size(void);
extern void cachepg_marks_request(void);
extern void cachepg_marks_startup(void);
extern void cachepg_marks_init(void);
extern HTAB *cachepg_local_hash(const char *name, long nelem, Size keysize,
								Size entrysize);

/* writers: triggers (watch.c), DDL (ddl.c), cache_clear() */
extern bool cachepg_marks_can_mark(void);
extern void cachepg_mark_relation(Oid relid);
extern void cachepg_mark_relation_ddl(Oid relid);
extern void cachepg_mark_written(Oid relid);
extern void cachepg_mark_unkeyed(Oid relid);
extern void cachepg_mark_key(Oid relid, AttrNumber attno, uint32 valuehash);
extern bool cachepg_marks_count_row(Oid relid);
extern bool cachepg_marks_escalated(Oid relid);
extern void cachepg_mark_global(void);
extern void cachepg_mark_cluster(void);
extern void cachepg_mark_name(Oid nspid, const char *name);
extern void cachepg_invalidate_all(void);
extern void cachepg_marks_note_drop(Oid relid);
extern void cachepg_marks_free_database(Oid dbid);

/* prepared transactions (twophase.c) */
extern int	cachepg_marks_for_prepare(int max, uint32 **ids);
extern void cachepg_marks_hand_over(void);
extern void cachepg_marks_release(const uint32 *ids, int n, uint64 fxid);
extern void cachepg_marks_all_written(uint64 fxid);

/* loaders and hits */
extern int32 cachepg_slot_for(Oid relid);
extern bool cachepg_read_mark(int kind, int32 idx, CacheMark *mark);
extern int32 cachepg_key_slot(Oid relid, AttrNumber attno, uint32 valuehash);
extern int32 cachepg_name_slot(Oid nspid, const char *name);
extern int32 cachepg_db_mark(bool any_name);
extern void cachepg_slot_count(int32 slot, int stat);
extern void cachepg_slot_want_refresh(int32 slot, uint64 hash);
extern bool cachepg_slot_written_now(int32 slot);
extern bool cachepg_slot_refresh_pending(int32 slot, uint64 hash);
extern uint64 cachepg_marks_now(void);
extern uint64 cachepg_marks_db_names_gen(void);
extern bool cachepg_mark_current(const CacheMark *mark);
extern bool cachepg_mark_seen_by(const CacheMark *mark, Snapshot snapshot);
extern List *cachepg_relation_ancestors(Oid relid);

#endif
