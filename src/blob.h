/*
 * blob.h
 *		Layout of a stored entry's bytes, shared by run.c (which writes and
 *		serves them) and views.c (which shows them).
 *
 * A blob is this header, the key bytes (key.h), a summary of the
 * relations read and their granularity, the composite layouts and
 * the rows (result.c), the rows at a MAXALIGN'd offset, then the
 * dependencies (deps.c) and the generations it was computed under
 * (marks.h): the dependencies are complete only once the query ran.
 */
#ifndef CACHEPG_BLOB_H
#define CACHEPG_BLOB_H

typedef struct BlobHeader
{
	uint32		keylen;
	uint32		depsumoff;		/* (relid, keys or -1) pairs, for the view */
	uint32		ndepsum;
	uint32		sqloff;			/* query text part, offset within the key */
	uint32		sqllen;
	uint32		paramlen;
	int32		nparams;
	uint32		depoff;			/* offsets from the start of the blob */
	uint32		deplen;
	uint32		markoff;		/* generations (marks.h CacheMark) */
	int32		nmarks;
	uint32		typeoff;		/* composite layouts (result.c), may be empty */
	uint32		typelen;
	uint32		rowoff;
	uint32		flags;
	uint32		nameoff;		/* names a temporary object would shadow */
	uint32		namelen;		/* (deps.c), NUL-terminated */
	uint64		keygen_sql;		/* cache_invalidate() generations of the */
	uint64		keygen_q;		/* text and of text + parameters (store.h) */
} BlobHeader;

/* Stored only because the caller opted in (cachepg.store_uncacheable). */
#define BLOB_OPTED_IN 0x01
/* Looked names up out of sight (deps.c names_unknown). */
#define BLOB_NAMES_UNKNOWN 0x02
/* Stored under a cachepg.depends_on declaration (a refresh declares again). */
#define BLOB_DECLARED 0x04

#define BLOB_KEYOFF MAXALIGN(sizeof(BlobHeader))

/*
 * The i-th (relation, keys) pair of a dependency summary (keys -1: the
 * whole table), stored unaligned.
 */
static inline Oid
depsum_at(const char *depsum, uint32 i, int32 *keys)
{
	int32		sum[2];

	memcpy(sum, depsum + i * sizeof(sum), sizeof(sum));
	*keys = sum[1];
	return (Oid) sum[0];
}

/* The query text of a blob: a length word, then the bytes. */
static inline const char *
blob_sql(const char *blob, int32 *len)
{
	const char *k = blob + BLOB_KEYOFF + ((const BlobHeader *) blob)->sqloff;

	memcpy(len, k, sizeof(int32));
	return k + sizeof(int32);
}

#endif
