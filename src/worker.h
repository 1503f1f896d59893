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
/* When a refresh request wants the entry recomputed (worker.c, run.c). */
#define REFRESH_IF_LIVE 0x01	/* valid and expiring (SWR, refresh ahead) */
#define REFRESH_IF_DEAD 0x02	/* a write made it stale (refresh_on_write) */

extern void cachepg_request_refresh(uint64 hash, uint8 want);
extern void cachepg_register_reclaimer(void);
extern void cachepg_worker_counts(uint64 *done, uint64 *failed);

#endif
