/*
** row_cache.h: rows a table's scans read at one snapshot, for the writes
** that follow (tito_table's old rows).
**
** SQLite updates or deletes several rows of a virtual table in two passes:
** its cursor reads them, then xUpdate names each by key, and tito must
** read each old row again (its index entries and events come from it). On
** TiKV that is a round trip per row. The rows the scan read are the old
** rows, as long as nothing wrote them since and the write reads the same
** snapshot: the table keeps them here (a bounded copy, keyed by row key,
** tagged with the store's snapshot number), and its write path asks the
** store whether the transaction wrote the key (kv.h xWritten) before it
** trusts one. One snapshot at a time: rows of a new one replace the rest.
*/
#ifndef TITO_ROW_CACHE_H
#define TITO_ROW_CACHE_H
#include <stdint.h>
#include "buf.h"

#define ROW_CACHE_MAX_ROWS 4096
#define ROW_CACHE_MAX_BYTES (4 << 20)

typedef struct tito_row_cache tito_row_cache;

tito_row_cache *tito_row_cache_new(void); /* NULL when out of memory */
void tito_row_cache_free(tito_row_cache *);
void tito_row_cache_clear(tito_row_cache *);

/* Keep row key k's value v read at snapshot iSnap (not 0). Rows of another
** snapshot are dropped first; past the limits, or out of memory, the row
** is simply not kept. A key kept twice keeps the later value. */
void tito_row_cache_put(tito_row_cache *, unsigned iSnap, const uint8_t *k,
                        int nk, const uint8_t *v, int nv);

/* Row key k's value read at snapshot iSnap, or NULL (*pnv its length;
** valid until the next put or clear). */
const uint8_t *tito_row_cache_get(tito_row_cache *, unsigned iSnap,
                                  const uint8_t *k, int nk, int *pnv);

/* A scan that read index entries only (the row key is all SQLite asked
** for, as for a DELETE) names the row keys it yielded, in order, without
** their values. When a write then misses one of them, the table reads it
** and the next ones named after it with one multi-get. */
void tito_row_cache_name(tito_row_cache *, unsigned iSnap, const uint8_t *k,
                         int nk);
/* Up to nMax keys named (not read) from key k on, in the order named,
** copied back to back into *pOut (cleared first) with their lengths in
** anKey; returns how many (0 when k was not named at iSnap). */
int tito_row_cache_named_from(tito_row_cache *, unsigned iSnap,
                              const uint8_t *k, int nk, int nMax,
                              tito_buf *pOut, int *anKey);

#endif /* TITO_ROW_CACHE_H */
