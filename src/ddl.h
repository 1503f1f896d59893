/*
 * ddl.h
 *		What DDL invalidates (ddl.c).
 */
#ifndef CACHEPG_DDL_H
#define CACHEPG_DDL_H

extern void cachepg_ddl_init(void);
extern bool cachepg_session_has_temp_children(void);

#endif
