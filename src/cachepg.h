/*
 * cachepg.h
 *		Settings shared by the parts of cachepg.
 */
#ifndef CACHEPG_H
#define CACHEPG_H

/* GUC variables, defined in cachepg.c */
extern int	cachepg_memory_kb;
extern int	cachepg_max_entries;
extern int	cachepg_max_entry_size_kb;
extern int	cachepg_default_ttl;
extern bool cachepg_enabled;
extern bool cachepg_store_uncacheable;
extern bool cachepg_notice_not_stored;
extern bool cachepg_auto_watch;
extern bool cachepg_admission;
extern int	cachepg_max_tables;
extern int	cachepg_key_slots;
extern int	cachepg_max_keys;
extern char *cachepg_depends_on;
extern int	cachepg_test_delay_release_ms;
extern int	cachepg_test_store_lock;
extern int	cachepg_load_wait_timeout;
extern int	cachepg_stale_while_revalidate;
extern double cachepg_refresh_ahead;
extern bool cachepg_refresh_on_write;
extern int	cachepg_refresh_budget;
extern int	cachepg_max_workers;
extern int	cachepg_test_refresh_delay_ms;

#endif
