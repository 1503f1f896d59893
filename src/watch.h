/*
 * watch.h
 *		Which tables are watched (watch.c).
 */
#ifndef CACHEPG_WATCH_H
#define CACHEPG_WATCH_H

#include "utils/relcache.h"

extern void cachepg_watch_init(void);
extern bool cachepg_relation_watched(Relation rel);
extern int	cachepg_watch_relation(Oid relid, bool check_owner);

#endif
