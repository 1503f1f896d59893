/*
 * views.c
 *		cache_stats(), cache_stats_reset() and the rows of cache_entries.
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "blob.h"
#include "cachepg.h"
#include "key.h"
#include "store.h"
#include "worker.h"

PG_FUNCTION_INFO_V1(cachepg_stats);
PG_FUNCTION_INFO_V1(cachepg_stats_reset_fn);
PG_FUNCTION_INFO_V1(cachepg_entries);

/* cache_stats(): one row of counters and memory use. */
Datum
cachepg_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[31];
	bool		nulls[31] = {0};
	uint64		entries,
				bytes,
				capacity,
				nslots,
				hits,
				misses,
				watched,
				watch_failed;
	int			i = 0;

	cachepg_require_store();
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	cachepg_usage(&entries, &bytes, &capacity, &nslots);
	hits = cachepg_counter(CC_HITS);
	misses = cachepg_counter(CC_MISSES);

	values[i++] = Int64GetDatum(hits);
	values[i++] = Int64GetDatum(misses);
	if (hits + misses > 0)
		values[i++] = Float8GetDatum((double) hits / (double) (hits + misses));
	else
		nulls[i++] = true;
	values[i++] = Int64GetDatum(cachepg_counter(CC_STORES));
	values[i++] = Int64GetDatum(cachepg_counter(CC_EVICTIONS));
	values[i++] = Int64GetDatum(cachepg_counter(CC_EXPIRATIONS));
	values[i++] = Int64GetDatum(cachepg_counter(CC_UNCACHEABLE));
	values[i++] = Int64GetDatum(cachepg_counter(CC_TOO_LARGE));
	values[i++] = Int64GetDatum(cachepg_counter(CC_STORE_FAILURES));
	values[i++] = Int64GetDatum(cachepg_counter(CC_INVALIDATIONS));
	values[i++] = Int64GetDatum(cachepg_counter(CC_BYPASSED));
	values[i++] = Int64GetDatum(cachepg_counter(CC_NOT_WATCHED));
	values[i++] = Int64GetDatum(cachepg_counter(CC_WRITE_CONFLICTS));
	values[i++] = Int64GetDatum(cachepg_counter(CC_STANDBY));
	cachepg_worker_counts(&watched, &watch_failed);
	values[i++] = Int64GetDatum(watched);
	values[i++] = Int64GetDatum(watch_failed);
	values[i++] = Int64GetDatum(entries);
	values[i++] = Int64GetDatum(nslots);
	values[i++] = Int64GetDatum(bytes);
	values[i++] = Int64GetDatum(capacity);
	values[i++] = Int64GetDatum((int64) cachepg_memory_kb * 1024);
	values[i++] = TimestampTzGetDatum(cachepg_stats_reset_time());
	values[i++] = Int64GetDatum(cachepg_counter(CC_NOT_ADMITTED));
	values[i++] = Int64GetDatum(cachepg_metadata_bytes());
	values[i++] = Int64GetDatum(cachepg_counter(CC_KEY_STORES));
	values[i++] = Int64GetDatum(cachepg_counter(CC_KEY_INVALIDATIONS));
	values[i++] = Int64GetDatum(cachepg_counter(CC_COALESCED));
	values[i++] = Int64GetDatum(cachepg_counter(CC_STALE_HITS));
	values[i++] = Int64GetDatum(cachepg_counter(CC_REFRESHES));
	values[i++] = Int64GetDatum(cachepg_counter(CC_REFRESH_FAILURES));
	values[i++] = Int64GetDatum(cachepg_counter(CC_RECLAIMED));
	Assert(i == lengthof(values));

	/*
	 * An installation not yet updated declares an older cache_stats(): 1.3
	 * and 1.4 have the leading 26 columns, 1.2 the leading 24, 1.1 the leading 22; 1.0 has the first 11,
	 * then the 6 from entries to stats_reset.
	 */
	if (desc->natts == 17)
	{
		memmove(&values[11], &values[16], 6 * sizeof(Datum));
		memmove(&nulls[11], &nulls[16], 6 * sizeof(bool));
	}
	else if (desc->natts != 22 && desc->natts != 24 && desc->natts != 26 &&
			 desc->natts != lengthof(values))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cache_stats() is declared with %d columns, which this version of cachepg does not know",
						desc->natts),
				 errhint("Run ALTER EXTENSION cachepg UPDATE.")));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* cache_stats_reset(): zero the counters (entries stay). */
Datum
cachepg_stats_reset_fn(PG_FUNCTION_ARGS)
{
	cachepg_require_store();
	cachepg_stats_reset();
	PG_RETURN_VOID();
}

static const char *
form_name(int form)
{
	switch (form)
	{
		case CACHEPG_FORM_RECORD:
			return "record";
		case CACHEPG_FORM_TYPED:
			return "typed";
		case CACHEPG_FORM_JSONB:
			return "jsonb";
		case CACHEPG_FORM_QUERY:
			return "statement";
	}
	return "?";
}

/*
 * An entry's dependencies as cache_entries shows them: each relation it
 * read, with the number of keys it depends on, or "table".
 */
static char *
dependencies(const char *blob)
{
	const BlobHeader *h = (const BlobHeader *) blob;
	StringInfoData s;
	uint32		i;

	initStringInfo(&s);
	for (i = 0; i < h->ndepsum; i++)
	{
		int32		keys;
		Oid			relid = depsum_at(blob + h->depsumoff, i, &keys);

		if (i > 0)
			appendStringInfoString(&s, ", ");
		appendStringInfoString(&s, DatumGetCString(DirectFunctionCall1(regclassout,
																	   ObjectIdGetDatum(relid))));
		if (keys < 0)
			appendStringInfoString(&s, " (table)");
		else
			appendStringInfo(&s, " (%d key%s)", keys, keys == 1 ? "" : "s");
	}
	return s.data;
}

/*
 * The rows of the cache_entries view.  Query texts of other roles' entries
 * are shown only to superusers and members of pg_read_all_stats, as
 * pg_stat_statements does.
 */
Datum
cachepg_entries(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		see_all;
	List	   *entries;
	ListCell   *lc;

	cachepg_require_store();
	InitMaterializedSRF(fcinfo, 0);
	see_all = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
	entries = cachepg_snapshot_entries(true);
	foreach(lc, entries)
	{
		CacheEntryView *v = lfirst(lc);
		Datum		values[11];
		bool		nulls[11] = {0};
		const BlobHeader *h = (const BlobHeader *) v->blobcopy;

		values[0] = ObjectIdGetDatum(v->info.dbid);
		values[1] = ObjectIdGetDatum(v->info.roleid);
		values[2] = CStringGetTextDatum(form_name(v->info.form));
		if (h == NULL)
			nulls[3] = true;
		else if (see_all || v->info.roleid == GetUserId())
		{
			int32		len;
			const char *sql = blob_sql(v->blobcopy, &len);

			values[3] = PointerGetDatum(cstring_to_text_with_len(sql, len));
		}
		else
			values[3] = CStringGetTextDatum("<insufficient privilege>");
		if (h)
			values[4] = Int32GetDatum(h->nparams);
		else
			nulls[4] = true;
		values[5] = Int64GetDatum(v->size);
		values[6] = Int64GetDatum(v->hits);
		values[7] = TimestampTzGetDatum(v->created);
		if (v->info.expires == 0)
			nulls[8] = true;
		else
			values[8] = TimestampTzGetDatum(v->info.expires);
		values[9] = BoolGetDatum(v->info.expires != 0 &&
								 v->info.expires <= GetCurrentTimestamp());
		/* shown as the query is; relation names only of this database */
		if (h == NULL || !(see_all || v->info.roleid == GetUserId()))
			nulls[10] = true;
		else if (v->info.dbid != MyDatabaseId)
			values[10] = CStringGetTextDatum("<another database>");
		else
			values[10] = CStringGetTextDatum(dependencies(v->blobcopy));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
