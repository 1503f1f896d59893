/*
 * transparent.h
 *		Transparent caching of plain SELECTs (transparent.c).
 */
#ifndef CACHEPG_TRANSPARENT_H
#define CACHEPG_TRANSPARENT_H

/* cachepg.mode */
#define CACHEPG_MODE_MANUAL	0
#define CACHEPG_MODE_FORCE	1

extern int	cachepg_mode;

extern void cachepg_mode_assign(int newval, void *extra);
extern void cachepg_transparent_init(void);

#endif
