/*
 * ddl.h
 *		What DDL invalidates (ddl.c).
 */
#ifndef CACHEPG_DDL_H
#define CACHEPG_DDL_H

extern void cachepg_ddl_init(void);

#endif
