/*
 * result.c
 *		Rows <-> bytes.
 *
 * A serialized result is a small header (column count, bytes of column
 * descriptions, row count), one description per column (type, typmod, name
 * length, name: 9 bytes plus the name) and the rows as MinimalTuples,
 * each at a MAXALIGN'd offset so a copy of the bytes can be read in place.
 * Values are made self-contained before they are stored: TOAST pointers and
 * expanded objects are replaced by their flat values (compressed inline
 * values stay compressed; they carry everything they need).
 *
 * This file knows nothing of shared memory; it reads and writes byte
 * buffers and fills tuplestores.
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "result.h"

typedef struct RowsHeader
{
	uint32		natts;
	uint32		colslen;		/* bytes of column descriptions */
	uint64		nrows;
} RowsHeader;

/* A column description: type, typmod, name length, then the name's bytes. */
#define COLUMN_FIXED (sizeof(Oid) + sizeof(int32) + 1)

#define ROWS_START(h) \
	(MAXALIGN(sizeof(RowsHeader)) + MAXALIGN((h)->colslen))

/* Start a result of shape desc at the (MAXALIGN'd) end of buf. */
void
cachepg_result_begin(ResultWriter *w, StringInfo buf, TupleDesc desc, Size limit)
{
	RowsHeader	h = {0};
	int			start;
	int			i;

	w->buf = buf;
	w->limit = limit;
	w->too_large = false;
	w->nrows = 0;
	w->desc = desc;
	w->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "cachepg row",
									  ALLOCSET_SMALL_SIZES);
	while (buf->len % MAXIMUM_ALIGNOF)
		appendStringInfoChar(buf, '\0');
	w->hdr = buf->len;
	h.natts = desc->natts;
	appendBinaryStringInfo(buf, (char *) &h, sizeof(h));
	while (buf->len % MAXIMUM_ALIGNOF)
		appendStringInfoChar(buf, '\0');
	start = buf->len;
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		uint8		namelen = (uint8) strnlen(NameStr(att->attname), NAMEDATALEN - 1);

		appendBinaryStringInfo(buf, (char *) &att->atttypid, sizeof(Oid));
		appendBinaryStringInfo(buf, (char *) &att->atttypmod, sizeof(int32));
		appendBinaryStringInfo(buf, (char *) &namelen, 1);
		appendBinaryStringInfo(buf, NameStr(att->attname), namelen);
	}
	((RowsHeader *) (buf->data + w->hdr))->colslen = buf->len - start;
	while (buf->len % MAXIMUM_ALIGNOF)
		appendStringInfoChar(buf, '\0');
	w->rows = buf->len;
	if ((Size) buf->len > limit)
		w->too_large = true;
}

/*
 * Replace out-of-line and expanded values by flat copies (in the current
 * memory context), so the row no longer points anywhere else.
 */
void
cachepg_result_detoast(TupleDesc desc, Datum *values, bool *nulls)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!nulls[i] && att->attlen == -1 &&
			VARATT_IS_EXTERNAL(DatumGetPointer(values[i])))
			values[i] = PointerGetDatum(detoast_external_attr((struct varlena *)
															  DatumGetPointer(values[i])));
	}
}

/* Append one row (already detoasted); past the limit, stop storing. */
void
cachepg_result_add(ResultWriter *w, Datum *values, bool *nulls)
{
	MemoryContext old;
	MinimalTuple mt;
	Size		len;

	if (w->too_large)
		return;
	old = MemoryContextSwitchTo(w->rowcxt);
	mt = heap_form_minimal_tuple(w->desc, values, nulls);
	MemoryContextSwitchTo(old);
	len = MAXALIGN(mt->t_len);
	if ((Size) w->buf->len + len > w->limit)
	{
		w->too_large = true;
		/* the partial result is useless: give its memory back */
		w->buf->len = w->hdr;
		w->buf->data[w->hdr] = '\0';
	}
	else
	{
		appendBinaryStringInfo(w->buf, (char *) mt, mt->t_len);
		while (w->buf->len % MAXIMUM_ALIGNOF)
			appendStringInfoChar(w->buf, '\0');
		w->nrows++;
	}
	MemoryContextReset(w->rowcxt);
}

/* Bytes of the rows themselves (MinimalTuples, aligned), past their header. */
Size
cachepg_result_row_bytes(const ResultWriter *w)
{
	return w->rowbytes;
}

void
cachepg_result_end(ResultWriter *w)
{
	w->rowbytes = w->too_large ? 0 : w->buf->len - w->rows;
	if (!w->too_large)
		((RowsHeader *) (w->buf->data + w->hdr))->nrows = w->nrows;
	MemoryContextDelete(w->rowcxt);
}

/*
 * Append the current physical layout of every composite type reachable from
 * typid (through domains, arrays and ranges) to out.  Composite values carry
 * their layout implicitly, so a stored value may only be served while the
 * layout is unchanged.  Returns false for anonymous records, whose typmods
 * mean something only inside the backend that made them: never storable.
 */
static bool
type_layout(Oid typid, StringInfo out)
{
	char		typtype;
	Oid			elem;

	check_stack_depth();
	typid = getBaseType(typid);
	if (typid == RECORDOID || typid == RECORDARRAYOID)
		return false;
	elem = get_element_type(typid);
	if (OidIsValid(elem))
		return type_layout(elem, out);
	typtype = get_typtype(typid);
	if (typtype == TYPTYPE_RANGE)
		return type_layout(get_range_subtype(typid), out);
	if (typtype == TYPTYPE_MULTIRANGE)
		return type_layout(get_multirange_range(typid), out);
	if (typtype == TYPTYPE_COMPOSITE)
	{
		TupleDesc	td = lookup_rowtype_tupdesc_copy(typid, -1);
		int			i;

		appendBinaryStringInfo(out, (char *) &typid, sizeof(typid));
		appendBinaryStringInfo(out, (char *) &td->natts, sizeof(td->natts));
		for (i = 0; i < td->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(td, i);
			int32		v[6];

			v[0] = (int32) att->atttypid;
			v[1] = att->atttypmod;
			v[2] = att->attlen;
			v[3] = att->attalign;
			v[4] = att->attbyval;
			v[5] = att->attisdropped;
			appendBinaryStringInfo(out, (char *) v, sizeof(v));
			if (!att->attisdropped && !type_layout(att->atttypid, out))
				return false;
		}
		FreeTupleDesc(td);
	}
	return true;
}

/* The layout of every composite type in a result; false: not storable. */
bool
cachepg_result_layout(TupleDesc desc, StringInfo out)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (!type_layout(TupleDescAttr(desc, i)->atttypid, out))
			return false;
	return true;
}

/*
 * Stored shapes seen lately, as TupleDescs: building one looks up every
 * column's type, which costs a hit more than the rest of its checks.  Any
 * change to pg_type marks them all stale; they are freed at the next lookup
 * (never in the callback: a hit may be using one while invalidations are
 * processed).
 */
#define DESC_CACHE_SIZE 16

typedef struct DescCacheEntry
{
	Size		len;
	char	   *cols;			/* the stored column descriptions */
	TupleDesc	desc;
} DescCacheEntry;

static DescCacheEntry desc_cache[DESC_CACHE_SIZE];
static int	desc_next = 0;
static bool desc_stale = false;
static bool desc_callback = false;

static void
desc_cache_invalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	desc_stale = true;
}

static void
desc_cache_reset(void)
{
	int			i;

	for (i = 0; i < DESC_CACHE_SIZE; i++)
		if (desc_cache[i].desc)
		{
			pfree(desc_cache[i].cols);
			FreeTupleDesc(desc_cache[i].desc);
			desc_cache[i].desc = NULL;
		}
	desc_stale = false;
}

/* Build the shape from the column descriptions; NULL if a type is gone. */
static TupleDesc
build_desc(const char *c, int natts)
{
	TupleDesc	desc = CreateTemplateTupleDesc(natts);
	int			i;

	for (i = 0; i < natts; i++)
	{
		Oid			typid;
		int32		typmod;
		uint8		namelen;
		NameData	name;

		memcpy(&typid, c, sizeof(Oid));
		memcpy(&typmod, c + sizeof(Oid), sizeof(int32));
		namelen = (uint8) c[sizeof(Oid) + sizeof(int32)];
		memset(&name, 0, sizeof(name));
		memcpy(NameStr(name), c + COLUMN_FIXED, Min(namelen, NAMEDATALEN - 1));
		c += COLUMN_FIXED + namelen;
		if (!SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(typid)))
		{
			FreeTupleDesc(desc);
			return NULL;
		}
		TupleDescInitEntry(desc, i + 1, NameStr(name), typid, typmod, 0);
	}
	return desc;
}

/*
 * The stored result's shape as a TupleDesc, owned by this file's cache and
 * valid until the next call.  *stale is set (and NULL returned) when a
 * column type no longer exists.
 */
TupleDesc
cachepg_result_desc(const char *rows, bool *stale)
{
	const RowsHeader *h = (const RowsHeader *) rows;
	const char *cols = rows + MAXALIGN(sizeof(RowsHeader));
	Size		len = h->colslen;
	DescCacheEntry *e;
	MemoryContext old;
	TupleDesc	desc;
	int			i;

	if (!desc_callback)
	{
		CacheRegisterSyscacheCallback(TYPEOID, desc_cache_invalidate, (Datum) 0);
		desc_callback = true;
	}
	if (desc_stale)
		desc_cache_reset();
	*stale = false;
	for (i = 0; i < DESC_CACHE_SIZE; i++)
	{
		e = &desc_cache[i];
		if (e->desc && e->len == len && memcmp(e->cols, cols, len) == 0)
			return e->desc;
	}

	/* built here (catalog lookups allocate), kept as a copy */
	desc = build_desc(cols, h->natts);
	if (desc == NULL)
	{
		*stale = true;
		return NULL;
	}
	e = &desc_cache[desc_next];
	desc_next = (desc_next + 1) % DESC_CACHE_SIZE;
	if (e->desc)
	{
		pfree(e->cols);
		FreeTupleDesc(e->desc);
		e->desc = NULL;
	}
	e->cols = MemoryContextAlloc(TopMemoryContext, len);
	memcpy(e->cols, cols, len);
	old = MemoryContextSwitchTo(TopMemoryContext);
	e->desc = CreateTupleDescCopy(desc);
	MemoryContextSwitchTo(old);
	FreeTupleDesc(desc);
	e->len = len;
	return e->desc;
}

/*
 * The caller's row shape must match the query's: same number of live
 * columns, same types in order.  Errors name the first column that differs.
 * *map gets, for each caller column, the 1-based query column (0 for a
 * dropped column), or NULL when the shapes are identical.
 */
void
cachepg_result_check_desc(TupleDesc query, TupleDesc caller, AttrNumber **map)
{
	AttrNumber *m = palloc0(sizeof(AttrNumber) * Max(caller->natts, 1));
	bool		identity = (caller->natts == query->natts);
	int			q = 0;
	int			i;

	for (i = 0; i < caller->natts; i++)
	{
		Form_pg_attribute ca = TupleDescAttr(caller, i);
		Form_pg_attribute qa;

		if (ca->attisdropped)
		{
			identity = false;
			continue;
		}
		if (q >= query->natts)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("query result has no column for \"%s\"",
							NameStr(ca->attname)),
					 errdetail("The query returns %d columns, the result type expects more.",
							   query->natts)));
		qa = TupleDescAttr(query, q);
		if (qa->atttypid != ca->atttypid)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" has type %s in the query result but type %s in the result type",
							NameStr(ca->attname),
							format_type_be(qa->atttypid),
							format_type_be(ca->atttypid)),
					 errdetail("Query column %d is \"%s\".", q + 1,
							   NameStr(qa->attname))));
		m[i] = q + 1;
		if (m[i] != i + 1)
			identity = false;
		q++;
	}
	if (q < query->natts)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("query result column \"%s\" has no place in the result type",
						NameStr(TupleDescAttr(query, q)->attname)),
				 errdetail("The query returns %d columns, the result type has %d.",
						   query->natts, q)));
	if (identity)
	{
		pfree(m);
		m = NULL;
	}
	*map = m;
}

/* jsonb objects keep one value per key: duplicate column names would be lost. */
void
cachepg_result_check_names(TupleDesc query)
{
	int			i,
				j;

	for (i = 0; i < query->natts; i++)
		for (j = 0; j < i; j++)
			if (strcmp(NameStr(TupleDescAttr(query, i)->attname),
					   NameStr(TupleDescAttr(query, j)->attname)) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("query result has more than one column named \"%s\"",
								NameStr(TupleDescAttr(query, i)->attname)),
						 errhint("Give the columns distinct aliases: a jsonb object keeps one value per key.")));
}

/* Copy stored rows into the caller's tuplestore, remapped when map != NULL. */
void
cachepg_result_to_store(const char *rows, TupleDesc stored, TupleDesc caller,
						const AttrNumber *map, Tuplestorestate *ts)
{
	const RowsHeader *h = (const RowsHeader *) rows;
	const char *p = rows + ROWS_START(h);
	TupleTableSlot *slot = MakeSingleTupleTableSlot(stored, &TTSOpsMinimalTuple);
	Datum	   *values = NULL;
	bool	   *nulls = NULL;
	uint64		r;

	if (map)
	{
		values = palloc0(sizeof(Datum) * caller->natts);
		nulls = palloc(sizeof(bool) * caller->natts);
	}
	for (r = 0; r < h->nrows; r++)
	{
		MinimalTuple mt = (MinimalTuple) p;

		ExecStoreMinimalTuple(mt, slot, false);
		if (map == NULL)
			tuplestore_puttupleslot(ts, slot);
		else
		{
			int			i;

			slot_getallattrs(slot);
			for (i = 0; i < caller->natts; i++)
			{
				if (map[i] == 0)
				{
					values[i] = (Datum) 0;
					nulls[i] = true;
				}
				else
				{
					values[i] = slot->tts_values[map[i] - 1];
					nulls[i] = slot->tts_isnull[map[i] - 1];
				}
			}
			tuplestore_putvalues(ts, caller, values, nulls);
		}
		ExecClearTuple(slot);
		p += MAXALIGN(mt->t_len);
	}
	ExecDropSingleTupleTableSlot(slot);
}

/* The first column of the first row (the jsonb form stores exactly one). */
Datum
cachepg_result_first_datum(const char *rows, TupleDesc stored, bool *isnull)
{
	const RowsHeader *h = (const RowsHeader *) rows;
	MinimalTuple mt = (MinimalTuple) (rows + ROWS_START(h));
	HeapTupleData tup;

	if (h->nrows == 0)
	{
		*isnull = true;
		return (Datum) 0;
	}
	tup.t_len = mt->t_len + MINIMAL_TUPLE_OFFSET;
	tup.t_data = (HeapTupleHeader) ((char *) mt - MINIMAL_TUPLE_OFFSET);
	ItemPointerSetInvalid(&tup.t_self);
	tup.t_tableOid = InvalidOid;
	return heap_getattr(&tup, 1, stored, isnull);
}
