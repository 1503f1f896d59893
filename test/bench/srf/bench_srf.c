/*
 * bench_srf.c
 *		The floor for a cached hit: a set-returning function that hands back
 *		N rows (id int, name text) built once per backend into a static
 *		buffer, through the same materialize-mode machinery cachepg uses.
 *		No lookup, no key, no checks: no hit can be cheaper.  Built only for
 *		test/bench; not part of cachepg.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(bench_srf);

#define MAX_ROWS 1000

static Datum names[MAX_ROWS];
static bool built = false;

Datum
bench_srf(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			n = PG_GETARG_INT32(0);
	int			i;

	if (n < 0 || n > MAX_ROWS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n must be between 0 and %d", MAX_ROWS)));
	if (!built)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		for (i = 0; i < MAX_ROWS; i++)
			names[i] = CStringGetTextDatum(psprintf("name %d", i + 1));
		MemoryContextSwitchTo(old);
		built = true;
	}
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	for (i = 0; i < n; i++)
	{
		Datum		values[2] = {Int32GetDatum(i + 1), names[i]};
		bool		nulls[2] = {false, false};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
