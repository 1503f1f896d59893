/*
 * keydeps.h
 *		Which keys of a table a result depends on (keydeps.c).
 */
#ifndef CACHEPG_KEYDEPS_H
#define CACHEPG_KEYDEPS_H

#include "nodes/params.h"
#include "nodes/plannodes.h"
#include "utils/relcache.h"

extern void cachepg_keydeps_note(Plan *plan, List *rtable, ParamListInfo params,
								 List **scans);
extern List *cachepg_keydeps_slots(List *scans, Relation rel, bool *keyed);

#endif
