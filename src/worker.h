/*
 * worker.h
 *		Background work: watching tables and refreshing entries (a worker per
 *		database), reclaiming dead entries (one worker).
 */
#ifndef CACHEPG_WORKER_H
#define CACHEPG_WORKER_H

extern Size cachepg_worker_shmem_size(void);
extern void cachepg_worker_startup(void);
extern void cachepg_request_watch(Oid relid);
extern void cachepg_request_refresh(uint64 hash, bool on_write);
extern void cachepg_register_reclaimer(void);
extern void cachepg_worker_counts(uint64 *done, uint64 *failed);

#endif
