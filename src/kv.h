/*
** kv.h: the transactional key-value interface that every store implements.
**
** The engine (model, index maintenance, outbox) reaches a store only
** through this interface. Two backends implement it: the embedded default
** (src/kv_embedded.c, keys in a table of the SQLite database itself) and
** TiKV (src/tikv/, Percolator transactions through PD).
**
** Keys are byte strings compared with memcmp (shorter prefix first). Values
** are opaque byte strings. A handle carries at most one open transaction.
**
** Transaction protocol (driven by the SQLite layer):
**   xBegin           the first write of a SQLite transaction
**   xSavepoint(i)    mark i; xRollbackTo(i) undoes every write after mark i
**                    (the marks > i are dropped, i stays); xRelease(i) drops
**                    marks >= i and keeps the writes
**   xPrepare         make the transaction durable or fail (SQLite's xSync:
**                    the only step whose error reaches the user)
**   xCommit          forget the transaction (cannot fail)
**   xRollback        undo everything since xBegin (cannot fail)
** Reads (xGet, xMultiGet, xScan) may be called in or out of a transaction;
** inside one they see its own writes. A write outside xBegin opens the
** transaction itself.
**
** Savepoints belong to the transaction, not to a caller: several callers
** (the tables of one store) may share a handle and each announce the same
** savepoint. xSavepoint(i) when mark i is already set changes nothing (the
** mark keeps its first position, so a caller joining late cannot move it
** past another caller's writes); otherwise it drops marks >= i and sets i.
** xRollbackTo(i) of a mark never set undoes back to the oldest mark above
** i (the state at i is the state there), or nothing if there is none.
**
** Snapshots. Inside a transaction every read sees one snapshot, fixed at the
** transaction's first read or write, plus the transaction's own writes. A
** transaction never reuses the snapshot of an earlier one: after xCommit or
** xRollback the handle starts afresh. Outside a transaction each read takes
** a fresh snapshot, unless the caller brackets a statement with
** xReadBegin/xReadEnd: every read between them (outside a transaction)
** shares one snapshot, taken at the first read (none if nothing is read).
** xBegin inside a bracket adopts the bracket's snapshot, if taken. The
** embedded store's snapshot is SQLite's own (a statement reads one state
** of the database), so there the bracket costs and changes nothing.
**
** xPrepare failure. A failed xPrepare ends the transaction: its writes are
** not committed (TITO_UNKNOWN: they may have been; read to find out) and
** are never committed later. Until xRollback or xCommit (both then just
** forget it), every call that would use the transaction (xPrepare again,
** reads, writes, savepoints) returns the same code with the same message:
** a COMMIT retried after a failure cannot commit nothing and report
** success. TITO_CONFLICT means the whole transaction may be retried from
** its first read (its snapshot is stale); TITO_EXISTS is a uniqueness
** violation found at commit; TITO_UNAVAILABLE means the store could not be
** reached (nothing committed). The embedded store's xPrepare never fails:
** its durability is SQLite's own COMMIT, which SQLite itself keeps
** retryable (SQLITE_BUSY leaves the writes in place).
**
** Lifetimes: a value returned by xGet stays valid until the next call on the
** same handle. Key and value returned by an iterator stay valid until the
** next xIterNext or xIterClose of that iterator. Several iterators may be
** open at once, also while writes are made through the handle; an iterator
** need not see writes made after it was opened.
**
** Counters: xStats reports the store's process-wide counters (name, value)
** for a statistics table; the names are the backend's (see its header).
*/
#ifndef TITO_KV_H
#define TITO_KV_H

#include <stdint.h>

/* Result codes of the engine and its stores. */
#define TITO_OK          0
#define TITO_ERROR       1  /* anything else; xErrmsg says what */
#define TITO_NOMEM       2  /* out of memory */
#define TITO_NOTFOUND    3  /* xGet: the key is absent */
#define TITO_EXISTS      4  /* xInsert: the key is already present */
#define TITO_CONFLICT    5  /* write conflict: the transaction may be retried */
#define TITO_UNKNOWN     6  /* commit outcome unknown: never retry blindly */
#define TITO_UNAVAILABLE 7  /* the store cannot be reached or timed out */
#define TITO_READONLY    8  /* the store refuses writes */

/* Flags for xScan. */
#define TITO_SCAN_REVERSE 0x01 /* largest key first */
#define TITO_SCAN_KEYONLY 0x02 /* the caller will not read values */
#define TITO_SCAN_HINT    0x04 /* nLimit is only how many rows the caller
                               ** expects to read (SQL's LIMIT): a store may
                               ** size its first batch by it, never stop */

typedef struct tito_kv tito_kv;
typedef struct tito_kv_iter tito_kv_iter;
typedef struct tito_kv_methods tito_kv_methods;

/* Called by xStats once per counter; a non-zero return stops the walk and
** is returned. zName is valid only during the call. */
typedef int (*tito_kv_stat_fn)(void *pCtx, const char *zName, int64_t iValue);

/* Called by xMultiGet once for each key found, in no particular order. */
typedef int (*tito_kv_row_fn)(void *pCtx, int iKey, const uint8_t *pVal,
                              int nVal);

struct tito_kv_methods {
  /* Point read. TITO_NOTFOUND if absent. */
  int (*xGet)(tito_kv *, const uint8_t *pKey, int nKey, const uint8_t **ppVal,
              int *pnVal);
  /* Batch read: xRow(pCtx, i, value) for every apKey[i] that exists. A
  ** non-zero return from xRow stops the batch and is returned. */
  int (*xMultiGet)(tito_kv *, int nKey, const uint8_t *const *apKey,
                   const int *anKey, tito_kv_row_fn xRow, void *pCtx);
  /* Ordered scan of [pLo, pHi): pLo inclusive, pHi exclusive, either may be
  ** NULL (unbounded). nLimit <= 0 means no limit. Reverse scans return the
  ** same keys largest first. */
  int (*xScan)(tito_kv *, const uint8_t *pLo, int nLo, const uint8_t *pHi,
               int nHi, int flags, int64_t nLimit, tito_kv_iter **ppIter);
  int (*xIterNext)(tito_kv_iter *);
  int (*xIterEof)(tito_kv_iter *);
  const uint8_t *(*xIterKey)(tito_kv_iter *, int *pnKey);
  const uint8_t *(*xIterValue)(tito_kv_iter *, int *pnVal);
  void (*xIterClose)(tito_kv_iter *);

  /* Writes. xInsert writes only if the key is absent (TITO_EXISTS
  ** otherwise, and nothing changes). xDeleteRange removes [pLo, pHi). */
  int (*xPut)(tito_kv *, const uint8_t *pKey, int nKey, const uint8_t *pVal,
              int nVal);
  int (*xInsert)(tito_kv *, const uint8_t *pKey, int nKey,
                 const uint8_t *pVal, int nVal);
  int (*xDelete)(tito_kv *, const uint8_t *pKey, int nKey);
  int (*xDeleteRange)(tito_kv *, const uint8_t *pLo, int nLo,
                      const uint8_t *pHi, int nHi);

  /* Transactions, see the header comment. */
  int (*xBegin)(tito_kv *);
  int (*xSavepoint)(tito_kv *, int iSave);
  int (*xRelease)(tito_kv *, int iSave);
  int (*xRollbackTo)(tito_kv *, int iSave);
  int (*xPrepare)(tito_kv *);
  void (*xCommit)(tito_kv *);
  void (*xRollback)(tito_kv *);

  /* The message of the last error on this handle ("" if none). */
  const char *(*xErrmsg)(tito_kv *);
  void (*xClose)(tito_kv *);

  /* Statement snapshot outside a transaction, see the header comment.
  ** Brackets nest (only the outermost one counts). */
  int (*xReadBegin)(tito_kv *);
  void (*xReadEnd)(tito_kv *);
  /* Every counter of the store, see tito_kv_stat_fn. */
  int (*xStats)(tito_kv *, tito_kv_stat_fn xStat, void *pCtx);
  /* Optional (NULL: callers use tito_kv_skip of kv_skip.h, which scans
  ** keys): pass over up to nSkip keys of [pLo, pHi) in scan order
  ** (flags TITO_SCAN_REVERSE: largest first) without reading values, as
  ** xScan would see them. *pnSkipped gets how many were passed over;
  ** when that is not 0, *ppLast / *pnLast get the last of them (valid
  ** until the next call on the handle). */
  int (*xSkip)(tito_kv *, const uint8_t *pLo, int nLo, const uint8_t *pHi,
               int nHi, int flags, int64_t nSkip, int64_t *pnSkipped,
               const uint8_t **ppLast, int *pnLast);
  /* Optional (NULL: the store needs none, as the embedded store, whose
  ** writers SQLite's write lock serializes): a condition of the open
  ** transaction's commit (opening it, as a write would). Key pKey holds
  ** exactly pVal[0..nVal) (pVal NULL: is absent) at the commit point, or
  ** xPrepare fails with TITO_CONFLICT, "<zWhat> changed since the
  ** transaction began", and nothing is committed. A fence on a key the
  ** transaction writes is not checked (its write conflicts instead). A
  ** writer fences what it wrote by: a model's catalog entry. The engine
  ** also takes a store with fences to be one whose writers run
  ** concurrently (an index build then writes the rows it reads again,
  ** index_build.c, and counts them after its first commit,
  ** index_backfill.c). */
  int (*xFence)(tito_kv *, const uint8_t *pKey, int nKey, const uint8_t *pVal,
                int nVal, const char *zWhat);
  /* Optional (NULL: callers xPut, or xInsert, each key): xPut of n keys
  ** in the order given (a later one wins), or with bIfAbsent xInsert of
  ** each (TITO_EXISTS when at least one was present; the others are
  ** written), for a store that writes many at once faster (the embedded
  ** store: fewer statement steps; an index build writes its sorted runs
  ** with it). On error some may be written: the transaction decides, as
  ** for a failed xPut. */
  int (*xPutMany)(tito_kv *, int n, const uint8_t *const *apKey,
                  const int *anKey, const uint8_t *const *apVal,
                  const int *anVal, int bIfAbsent);
  /* Optional (NULL: xGet; see tito_kv_probe): xGet of a key the caller
  ** expects to be absent (a write's check that a key or unique entry is
  ** free), with the same answer; ppVal NULL asks only whether it exists.
  ** A store may learn from an absent key which range around it holds no
  ** key at the snapshot, and answer later reads there without a round
  ** trip (TiKV: src/tikv/gaps.h). */
  int (*xProbe)(tito_kv *, const uint8_t *pKey, int nKey,
                const uint8_t **ppVal, int *pnVal);
  /* Optional (NULL: the store cannot tell): 1 if the open transaction has
  ** written or deleted the key (its own write, still to commit), else 0.
  ** With a snapshot of its own, a key the transaction did not write reads
  ** what it read earlier in the transaction (row_cache.h relies on it). */
  int (*xWritten)(tito_kv *, const uint8_t *pKey, int nKey);
};

/* Every backend's handle starts with this. */
struct tito_kv {
  const tito_kv_methods *pMethods;
};

/* xProbe, or xGet where the store has none (its value then ignored when
** ppVal is NULL). */
static inline int tito_kv_probe(tito_kv *p, const uint8_t *pKey, int nKey,
                                const uint8_t **ppVal, int *pnVal) {
  const uint8_t *v;
  int n;
  if (p->pMethods->xProbe) {
    return p->pMethods->xProbe(p, pKey, nKey, ppVal, pnVal);
  }
  return p->pMethods->xGet(p, pKey, nKey, ppVal ? ppVal : &v,
                           pnVal ? pnVal : &n);
}

#endif /* TITO_KV_H */
