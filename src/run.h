/*
 * run.h
 *		The pipeline's entry points for background callers (worker.c).
 */
#ifndef CACHEPG_RUN_H
#define CACHEPG_RUN_H

extern bool cachepg_refresh(uint64 hash, uint8 want, const char **why);
extern uint64 cachepg_reclaim(int32 count);

#endif
