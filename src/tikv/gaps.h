/*
** gaps.h: key ranges a transaction's snapshot is known to hold no key in.
**
** An insert must find its key absent at the snapshot. Asking TiKV one key
** at a time costs a round trip per row; asking "the first key at or after
** k" (a one-pair KvScan, txn.c) answers for k and also says that nothing
** lies between k and the key found (or the region's end). The snapshot
** never changes, so each such gap stays true for the whole transaction and
** the inserts that fall inside it need no round trip: a bulk load of
** ascending keys, or of any keys into an empty range, asks a few times in
** all. The transaction's own writes are the write buffer's business, not
** this set's.
**
** A sorted array of disjoint half-open ranges [lo, hi) (hi empty:
** unbounded), merged as they are added; past GAPS_MAX ranges the set starts
** over (forgetting costs round trips, never answers). malloc'd; not thread
** safe, like the transaction that owns it.
*/
#ifndef TITO_TIKV_GAPS_H
#define TITO_TIKV_GAPS_H
#include <stddef.h>
#include <stdint.h>

#define GAPS_MAX 4096

typedef struct tikv_gaps tikv_gaps;

tikv_gaps *tikv_gaps_new(void); /* NULL when out of memory */
void tikv_gaps_free(tikv_gaps *);

/* Is key k inside a known gap? */
int tikv_gaps_has(const tikv_gaps *, const uint8_t *k, size_t n);

/* Learn that [lo, hi) holds no key (nhi 0: no key at or above lo).
** TITO_OK or TITO_NOMEM (the set is then empty, still usable). */
int tikv_gaps_add(tikv_gaps *, const uint8_t *lo, size_t nlo,
                  const uint8_t *hi, size_t nhi);

/* Ranges held now (tests). */
int tikv_gaps_count(const tikv_gaps *);

#endif /* TITO_TIKV_GAPS_H */
