/*
 * twophase.h
 *		The marks of prepared transactions (twophase.c).
 */
#ifndef CACHEPG_TWOPHASE_H
#define CACHEPG_TWOPHASE_H

extern Size cachepg_twophase_shmem_size(void);
extern void cachepg_twophase_startup(void);
extern void cachepg_twophase_init(void);
extern void cachepg_twophase_sweep(void);
extern bool cachepg_prepared_block_stores(void);

#endif
