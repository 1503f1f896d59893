/*
 * watch.h
 *		Which tables are watched (watch.c).
 */
#ifndef CACHEPG_WATCH_H
#define CACHEPG_WATCH_H

#include "access/attnum.h"
#include "utils/relcache.h"

extern void cachepg_watch_init(void);
extern bool cachepg_relation_watched(Relation rel);
extern int	cachepg_watch_relation(Oid relid, bool check_owner);
extern void cachepg_watch_renamed_column(Oid relid, const char *oldname,
										const char *newname);
extern int	cachepg_key_columns(Relation rel, AttrNumber **keys);
extern bool cachepg_key_family(Oid coltype, Oid *opfamily, Oid *opcintype);

#endif
