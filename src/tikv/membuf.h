/*
** membuf.h: the write buffer of one TiKV transaction.
**
** Every write of a transaction stays here, in key order, until commit turns
** the entries into prewrite mutations. An entry is a put (value), a delete,
** or an insert (a put that the store must not already hold: prewritten with
** Op Insert). Savepoints record marks in an undo log, so rolling back to a
** mark restores the exact earlier state of every entry it touched.
**
** A merge iterator combines the buffer with a stream of store results in key
** order, forward or reverse (read-your-writes): a buffered delete hides the
** store's key, a buffered put or insert overrides or adds it.
**
** Memory comes from malloc: this library does not link SQLite. Not thread
** safe: a transaction is used by one thread at a time.
*/
#ifndef TITO_TIKV_MEMBUF_H
#define TITO_TIKV_MEMBUF_H
#include <stddef.h>
#include <stdint.h>

/* What a buffer entry says about its key. */
#define MEMBUF_NONE   0 /* not in the buffer (the store decides) */
#define MEMBUF_PUT    1 /* set to a value */
#define MEMBUF_DEL    2 /* deleted */
#define MEMBUF_INSERT 3 /* set to a value; the store must not hold the key */

typedef struct membuf membuf;

membuf *membuf_new(void);                   /* NULL when out of memory */
void membuf_free(membuf *);
void membuf_clear(membuf *);                /* drops every entry and mark */

/* Writes. Each returns TITO_OK or TITO_NOMEM. membuf_insert returns
** TITO_EXISTS (and changes nothing) when the buffer itself holds a put or an
** insert of the key; over a buffered delete it records a plain put (the
** transaction deleted the store's row, so no existence check applies);
** otherwise it records an insert. */
int membuf_put(membuf *, const uint8_t *k, size_t nk, const uint8_t *v,
               size_t nv);
int membuf_delete(membuf *, const uint8_t *k, size_t nk);
int membuf_insert(membuf *, const uint8_t *k, size_t nk, const uint8_t *v,
                  size_t nv);

/* The buffered state of one key: MEMBUF_NONE/PUT/DEL/INSERT. For PUT and
** INSERT, *ppV and *pnV (if not NULL) receive the value, valid until the next
** write or rollback on the buffer. */
int membuf_lookup(membuf *, const uint8_t *k, size_t nk, const uint8_t **ppV,
                  size_t *pnV);

/* Counts of entries that are not MEMBUF_NONE, and their key+value bytes. */
int64_t membuf_count(const membuf *);
int64_t membuf_bytes(const membuf *);

/* Savepoints, numbered as src/kv.h numbers them: membuf_savepoint(i) sets
** mark i (dropping marks >= i first; nothing happens when mark i is already
** set, as when a second caller announces the same savepoint), rollback_to(i) undoes every write after
** mark i and keeps mark i, release(i) drops marks >= i and keeps the writes.
** A rollback_to(i) for a mark the buffer never saw goes to the first mark
** after i (SQLite sets a catch-up mark at the level where a store joins a
** transaction: the state at i equals the state at that mark), or does
** nothing when there is none; release of an unknown mark does nothing. */
int membuf_savepoint(membuf *, int iSave);
int membuf_rollback_to(membuf *, int iSave);
int membuf_release(membuf *, int iSave);

/* Walk the entries (NONE excluded) in ascending key order. xVisit returning
** non-zero stops the walk and is returned. */
typedef int (*membuf_visit_fn)(void *pCtx, int op, const uint8_t *k,
                               size_t nk, const uint8_t *v, size_t nv);
int membuf_foreach(membuf *, membuf_visit_fn, void *pCtx);

/*
** The store side of a merge: xNext delivers the store's next pair in scan
** order (ascending, or descending for a reverse merge), all inside the
** merge's bounds. It returns TITO_OK with the pair, TITO_NOTFOUND at the end,
** or an error code (the merge then fails with it). The pair stays valid until
** the next xNext call.
*/
typedef struct membuf_source {
  void *p;
  int (*xNext)(void *p, const uint8_t **ppK, size_t *pnK, const uint8_t **ppV,
               size_t *pnV);
} membuf_source;

typedef struct membuf_merge membuf_merge;

/* Open a merge of the buffer's entries in [lo, hi) with the source (a bound with
** n == 0 is unbounded). nLimit > 0 stops after that many results. The
** merge sees buffer writes made while it is open (reading the buffer afresh
** at each step) and copies what it returns, so those writes are safe. The
** first result is ready after open (check membuf_merge_eof). */
int membuf_merge_open(membuf *, const uint8_t *lo, size_t nlo,
                      const uint8_t *hi, size_t nhi, int bReverse,
                      int64_t nLimit, membuf_source src, membuf_merge **pp);
int membuf_merge_next(membuf_merge *);    /* TITO_OK or the source's error */
int membuf_merge_eof(membuf_merge *);
const uint8_t *membuf_merge_key(membuf_merge *, size_t *pn);
const uint8_t *membuf_merge_value(membuf_merge *, size_t *pn);
void membuf_merge_close(membuf_merge *);

#endif
