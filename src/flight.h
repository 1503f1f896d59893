/*
 * flight.h
 *		Single-flight loads: one loader per key, the others wait for it.
 */
#ifndef CACHEPG_FLIGHT_H
#define CACHEPG_FLIGHT_H

#include "datatype/timestamp.h"

/* How a load ended, as its waiters learn it. */
typedef enum FlightOutcome
{
	FLIGHT_STORED,				/* the result is in the cache: look again */
	FLIGHT_NOT_STORED,			/* it will not be: run the query yourself */
	FLIGHT_FAILED,				/* the loader failed or died: one takes over */
	FLIGHT_TIMED_OUT			/* cachepg.load_wait_timeout ran out */
} FlightOutcome;

/* What cachepg_flight_begin decided. */
typedef enum FlightRole
{
	FLIGHT_LOADER,				/* this backend loads the key */
	FLIGHT_ALONE,				/* it runs the query without registering */
	FLIGHT_WAITER				/* another backend loads it: wait */
} FlightRole;

/* The load a waiter waits for. */
typedef struct FlightWait
{
	int			loader;			/* its flight slot */
	uint64		seq;			/* loads its slot had ended when found */
	uint64		hash;
} FlightWait;

extern Size cachepg_flight_shmem_size(void);
extern void cachepg_flight_request(void);
extern void cachepg_flight_startup(void);

extern FlightRole cachepg_flight_begin(uint64 hash, FlightWait *w);
extern FlightOutcome cachepg_flight_wait(FlightWait *w, TimestampTz deadline);
extern void cachepg_flight_end(FlightOutcome outcome);
extern bool cachepg_flight_loading(void);

#endif
