/*
 * result.h
 *		Rows <-> bytes: a self-contained serialization of a query result.
 */
#ifndef CACHEPG_RESULT_H
#define CACHEPG_RESULT_H

#include "access/tupdesc.h"
#include "lib/stringinfo.h"
#include "utils/tuplestore.h"

/* Appends a result to a caller-owned buffer, giving up past a size limit. */
typedef struct ResultWriter
{
	StringInfo	buf;
	Size		limit;			/* max total buf->len */
	bool		too_large;
	int			hdr;			/* offset of the rows header in buf */
	int			rows;			/* offset of the first row */
	Size		rowbytes;		/* bytes of rows, once ended */
	uint64		nrows;
	TupleDesc	desc;
	MemoryContext rowcxt;
} ResultWriter;

extern void cachepg_result_begin(ResultWriter *w, StringInfo buf,
								 TupleDesc desc, Size limit);
extern void cachepg_result_detoast(TupleDesc desc, Datum *values, bool *nulls);
extern void cachepg_result_add(ResultWriter *w, Datum *values, bool *nulls);
extern void cachepg_result_end(ResultWriter *w);
extern Size cachepg_result_row_bytes(const ResultWriter *w);

extern bool cachepg_result_layout(TupleDesc desc, StringInfo out);
extern TupleDesc cachepg_result_desc(const char *rows, bool *stale);
extern void cachepg_result_check_desc(TupleDesc query, TupleDesc caller,
									  AttrNumber **map);
extern void cachepg_result_check_names(TupleDesc query);
extern void cachepg_result_to_store(const char *rows, TupleDesc stored,
									TupleDesc caller, const AttrNumber *map,
									Tuplestorestate *ts);
extern Datum cachepg_result_first_datum(const char *rows, TupleDesc stored,
										bool *isnull);

#endif
