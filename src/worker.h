/*
 * worker.h
 *		Requests to watch tables, served by a background worker per database.
 */
#ifndef CACHEPG_WORKER_H
#define CACHEPG_WORKER_H

extern Size cachepg_worker_shmem_size(void);
extern void cachepg_worker_startup(void);
extern void cachepg_request_watch(Oid relid);
extern void cachepg_worker_counts(uint64 *done, uint64 *failed);

#endif
