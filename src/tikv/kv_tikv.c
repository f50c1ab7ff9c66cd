/*
** kv_tikv.c: src/kv.h implemented with txn.h (see kv_tikv.h).
**
** A transaction may outlive its handle's use of it: iterators opened inside
** it keep a reference, so xCommit/xRollback while an iterator is open do not
** free memory the iterator still reads.
*/
#include "kv_tikv.h"
#include "stats.h"
#include "txn.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct txn_ref {
  tikv_txn *pTxn;
  int nRef;
} txn_ref;

typedef struct kv_tikv {
  tito_kv base;
  tikv_client *pClient;
  txn_ref *pRef;       /* the open transaction, or NULL */
  int bPrepared;       /* xPrepare committed it */
  int rcFailed;        /* xPrepare failed with this code: the transaction is
                       ** over and every use repeats it (zErr) until
                       ** xRollback / xCommit */
  txn_ref *pRead;      /* the snapshot of an xReadBegin bracket, or NULL */
  int nReadDepth;      /* open xReadBegin brackets */
  uint8_t *pLastVal;   /* value returned by the last xGet */
  char *zErr;          /* last error message (malloc'd) */
} kv_tikv;

typedef struct kv_tikv_iter {
  tikv_scan *pScan;
  txn_ref *pRef;       /* the transaction the scan reads */
  struct kv_tikv *pKv; /* its handle, where errors are reported */
} kv_tikv_iter;

static void ref_release(txn_ref *r) {
  if (r && --r->nRef == 0) {
    tikv_txn_free(r->pTxn);
    free(r);
  }
}

/* Keep the message of a failed call (rc != OK and != NOTFOUND). */
static int kv_set_err(kv_tikv *p, int rc, char *zErr) {
  if (rc != TITO_OK && rc != TITO_NOTFOUND) {
    free(p->zErr);
    p->zErr = zErr;
  } else {
    free(zErr);
  }
  return rc;
}

/* A new transaction object in a new reference (lazy: no Tso yet). */
static int ref_new(kv_tikv *p, int flags, txn_ref **ppRef) {
  txn_ref *r = calloc(1, sizeof(*r));
  if (!r) return kv_set_err(p, TITO_NOMEM, strdup("out of memory"));
  char *zErr = NULL;
  int rc = tikv_txn_begin(p->pClient, flags, &r->pTxn, &zErr);
  if (rc) {
    free(r);
    return kv_set_err(p, rc, zErr);
  }
  r->nRef = 1;
  *ppRef = r;
  return TITO_OK;
}

/* The open transaction, or a new one: inside a read bracket it adopts the
** bracket's snapshot, else it takes its start_ts lazily (first read or
** write). */
static int kv_txn(kv_tikv *p, txn_ref **ppRef) {
  if (p->rcFailed) return p->rcFailed;
  if (!p->pRef) {
    if (p->pRead) {
      p->pRef = p->pRead;
      p->pRef->nRef++;
    } else {
      int rc = ref_new(p, TIKV_TXN_LAZY_TS, &p->pRef);
      if (rc) return rc;
    }
    p->bPrepared = 0;
  }
  *ppRef = p->pRef;
  return TITO_OK;
}

/* The open transaction for a write, its snapshot fixed (first write). */
static int kv_write_txn(kv_tikv *p, txn_ref **ppRef) {
  int rc = kv_txn(p, ppRef);
  if (rc) return rc;
  char *zErr = NULL;
  rc = tikv_txn_snapshot((*ppRef)->pTxn, &zErr);
  return kv_set_err(p, rc, zErr);
}

/* The transaction a read uses, with a reference the caller releases: the
** open one, the bracket's snapshot (made on first use), or a fresh
** snapshot. */
static int kv_read_txn(kv_tikv *p, txn_ref **ppRef) {
  if (p->rcFailed) return p->rcFailed;
  txn_ref *r = p->pRef;
  if (!r && p->nReadDepth > 0) {
    if (!p->pRead) {
      int rc = ref_new(p, TIKV_TXN_LAZY_TS, &p->pRead);
      if (rc) return rc;
    }
    r = p->pRead;
  }
  if (r) {
    r->nRef++;
    *ppRef = r;
    return TITO_OK;
  }
  return ref_new(p, 0, ppRef);
}

/* xGet (bProbe 0) or xProbe (1; ppVal may then be NULL): the value, kept
** until the next read, in *ppVal. */
static int kvt_read(tito_kv *pKv, const uint8_t *pKey, int nKey,
                    const uint8_t **ppVal, int *pnVal, int bProbe) {
  kv_tikv *p = (kv_tikv *)pKv;
  txn_ref *r = NULL;
  int rc = kv_read_txn(p, &r);
  if (rc) return rc;
  uint8_t *v = NULL;
  size_t nv = 0;
  char *zErr = NULL;
  if (bProbe) {
    rc = tikv_txn_probe(r->pTxn, pKey, (size_t)nKey, ppVal ? &v : NULL, &nv,
                        &zErr);
  } else {
    rc = tikv_txn_get(r->pTxn, pKey, (size_t)nKey, &v, &nv, &zErr);
  }
  ref_release(r);
  if (rc == TITO_OK && ppVal) {
    free(p->pLastVal);
    p->pLastVal = v;
    *ppVal = v;
    *pnVal = (int)nv;
  }
  return kv_set_err(p, rc, zErr);
}

static int kvt_get(tito_kv *pKv, const uint8_t *pKey, int nKey,
                   const uint8_t **ppVal, int *pnVal) {
  return kvt_read(pKv, pKey, nKey, ppVal, pnVal, 0);
}

static int kvt_probe(tito_kv *pKv, const uint8_t *pKey, int nKey,
                     const uint8_t **ppVal, int *pnVal) {
  return kvt_read(pKv, pKey, nKey, ppVal, pnVal, 1);
}

static int kvt_written(tito_kv *pKv, const uint8_t *pKey, int nKey) {
  kv_tikv *p = (kv_tikv *)pKv;
  return p->pRef ? tikv_txn_buffered(p->pRef->pTxn, pKey, (size_t)nKey) : 0;
}

typedef struct mg_ctx {
  tito_kv_row_fn xRow;
  void *pCtx;
} mg_ctx;

static int kvt_row(void *pCtx, int iKey, const uint8_t *pVal, size_t nVal) {
  mg_ctx *m = pCtx;
  return m->xRow(m->pCtx, iKey, pVal, (int)nVal);
}

static int kvt_multi_get(tito_kv *pKv, int nKey, const uint8_t *const *apKey,
                         const int *anKey, tito_kv_row_fn xRow, void *pCtx) {
  kv_tikv *p = (kv_tikv *)pKv;
  size_t *an = malloc((nKey > 0 ? nKey : 1) * sizeof(size_t));
  if (!an) return kv_set_err(p, TITO_NOMEM, strdup("out of memory"));
  for (int i = 0; i < nKey; i++) an[i] = (size_t)anKey[i];
  txn_ref *r = NULL;
  int rc = kv_read_txn(p, &r);
  if (rc) {
    free(an);
    return rc;
  }
  mg_ctx m = {xRow, pCtx};
  char *zErr = NULL;
  rc = tikv_txn_batch_get(r->pTxn, nKey, apKey, an, kvt_row, &m, &zErr);
  ref_release(r);
  free(an);
  return kv_set_err(p, rc, zErr);
}

static int kvt_scan(tito_kv *pKv, const uint8_t *pLo, int nLo,
                    const uint8_t *pHi, int nHi, int flags, int64_t nLimit,
                    tito_kv_iter **ppIter) {
  kv_tikv *p = (kv_tikv *)pKv;
  *ppIter = NULL;
  kv_tikv_iter *it = calloc(1, sizeof(*it));
  if (!it) return kv_set_err(p, TITO_NOMEM, strdup("out of memory"));
  int rc = kv_read_txn(p, &it->pRef);
  if (rc) {
    free(it);
    return rc;
  }
  it->pKv = p;
  /* TODO(tikv tables): size the first KvScan page by a hint instead. */
  if (flags & TITO_SCAN_HINT) nLimit = 0;
  int f = ((flags & TITO_SCAN_REVERSE) ? TIKV_SCAN_REVERSE : 0) |
          ((flags & TITO_SCAN_KEYONLY) ? TIKV_SCAN_KEYONLY : 0);
  char *zErr = NULL;
  rc = tikv_txn_scan(it->pRef->pTxn, pLo, pLo ? (size_t)nLo : 0, pHi,
                     pHi ? (size_t)nHi : 0, f, nLimit, &it->pScan, &zErr);
  if (rc) {
    ref_release(it->pRef);
    free(it);
    return kv_set_err(p, rc, zErr);
  }
  *ppIter = (tito_kv_iter *)it;
  return TITO_OK;
}

static int kvt_iter_next(tito_kv_iter *pIter) {
  kv_tikv_iter *it = (kv_tikv_iter *)pIter;
  char *zErr = NULL;
  int rc = tikv_scan_next(it->pScan, &zErr);
  return kv_set_err(it->pKv, rc, zErr); /* the message goes to xErrmsg */
}

static int kvt_iter_eof(tito_kv_iter *pIter) {
  return tikv_scan_eof(((kv_tikv_iter *)pIter)->pScan);
}

static const uint8_t *kvt_iter_key(tito_kv_iter *pIter, int *pn) {
  size_t n = 0;
  const uint8_t *k = tikv_scan_key(((kv_tikv_iter *)pIter)->pScan, &n);
  *pn = (int)n;
  return k;
}

static const uint8_t *kvt_iter_value(tito_kv_iter *pIter, int *pn) {
  size_t n = 0;
  const uint8_t *v = tikv_scan_value(((kv_tikv_iter *)pIter)->pScan, &n);
  *pn = (int)n;
  return v;
}

static void kvt_iter_close(tito_kv_iter *pIter) {
  kv_tikv_iter *it = (kv_tikv_iter *)pIter;
  if (!it) return;
  tikv_scan_close(it->pScan);
  ref_release(it->pRef);
  free(it);
}

static int kvt_put(tito_kv *pKv, const uint8_t *pKey, int nKey,
                   const uint8_t *pVal, int nVal) {
  kv_tikv *p = (kv_tikv *)pKv;
  txn_ref *r = NULL;
  int rc = kv_write_txn(p, &r);
  if (rc) return rc;
  char *zErr = NULL;
  rc = tikv_txn_put(r->pTxn, pKey, (size_t)nKey, pVal, (size_t)nVal, &zErr);
  return kv_set_err(p, rc, zErr);
}

static int kvt_insert(tito_kv *pKv, const uint8_t *pKey, int nKey,
                      const uint8_t *pVal, int nVal) {
  kv_tikv *p = (kv_tikv *)pKv;
  txn_ref *r = NULL;
  int rc = kv_write_txn(p, &r);
  if (rc) return rc;
  char *zErr = NULL;
  rc = tikv_txn_insert(r->pTxn, pKey, (size_t)nKey, pVal, (size_t)nVal, 1,
                       &zErr);
  return kv_set_err(p, rc, zErr);
}

static int kvt_delete(tito_kv *pKv, const uint8_t *pKey, int nKey) {
  kv_tikv *p = (kv_tikv *)pKv;
  txn_ref *r = NULL;
  int rc = kv_write_txn(p, &r);
  if (rc) return rc;
  char *zErr = NULL;
  rc = tikv_txn_delete(r->pTxn, pKey, (size_t)nKey, &zErr);
  return kv_set_err(p, rc, zErr);
}

static int kvt_delete_range(tito_kv *pKv, const uint8_t *pLo, int nLo,
                            const uint8_t *pHi, int nHi) {
  kv_tikv *p = (kv_tikv *)pKv;
  txn_ref *r = NULL;
  int rc = kv_write_txn(p, &r);
  if (rc) return rc;
  tikv_scan *s = NULL;
  char *zErr = NULL;
  rc = tikv_txn_scan(r->pTxn, pLo, pLo ? (size_t)nLo : 0, pHi,
                     pHi ? (size_t)nHi : 0, TIKV_SCAN_KEYONLY, 0, &s, &zErr);
  while (rc == TITO_OK && !tikv_scan_eof(s)) {
    size_t nk = 0;
    const uint8_t *k = tikv_scan_key(s, &nk);
    rc = tikv_txn_delete(r->pTxn, k, nk, &zErr);
    if (rc == TITO_OK) rc = tikv_scan_next(s, &zErr);
  }
  tikv_scan_close(s);
  return kv_set_err(p, rc, zErr);
}

static int kvt_begin(tito_kv *pKv) {
  txn_ref *r = NULL;
  return kv_txn((kv_tikv *)pKv, &r);
}

static int kvt_savepoint(tito_kv *pKv, int iSave) {
  kv_tikv *p = (kv_tikv *)pKv;
  txn_ref *r = NULL;
  int rc = kv_txn(p, &r);
  if (rc) return rc;
  rc = tikv_txn_savepoint(r->pTxn, iSave);
  return rc ? kv_set_err(p, rc, strdup("out of memory")) : TITO_OK;
}

static int kvt_release(tito_kv *pKv, int iSave) {
  kv_tikv *p = (kv_tikv *)pKv;
  if (p->rcFailed) return p->rcFailed;
  return p->pRef ? tikv_txn_release(p->pRef->pTxn, iSave) : TITO_OK;
}

static int kvt_rollback_to(tito_kv *pKv, int iSave) {
  kv_tikv *p = (kv_tikv *)pKv;
  if (p->rcFailed) return p->rcFailed;
  return p->pRef ? tikv_txn_rollback_to(p->pRef->pTxn, iSave) : TITO_OK;
}

/* Drop the open transaction (buffer forgotten unless committed). A bracket
** that lent it its snapshot takes a fresh one at its next read: the ended
** transaction's snapshot is never read again through this handle. */
static void kv_end_txn(kv_tikv *p) {
  if (p->pRef) {
    tikv_txn_rollback(p->pRef->pTxn);
    if (p->pRead == p->pRef) {
      ref_release(p->pRead);
      p->pRead = NULL;
    }
    ref_release(p->pRef);
    p->pRef = NULL;
  }
  p->bPrepared = 0;
  p->rcFailed = TITO_OK;
}

/* Commit now. A failure ends the transaction: its buffer is gone, so the
** handle remembers the failure and repeats it (see kv.h). */
static int kv_commit_now(kv_tikv *p) {
  char *zErr = NULL;
  int rc = tikv_txn_commit(p->pRef->pTxn, &zErr);
  if (rc == TITO_OK) {
    p->bPrepared = 1;
  } else {
    if (!zErr) zErr = strdup("commit failed");
    p->rcFailed = rc;
    if (p->pRead == p->pRef) {
      ref_release(p->pRead);
      p->pRead = NULL;
    }
    ref_release(p->pRef);
    p->pRef = NULL;
  }
  return kv_set_err(p, rc, zErr);
}

static int kvt_prepare(tito_kv *pKv) {
  kv_tikv *p = (kv_tikv *)pKv;
  if (p->rcFailed) return p->rcFailed;
  if (!p->pRef || p->bPrepared) return TITO_OK;
  return kv_commit_now(p);
}

static void kvt_commit(tito_kv *pKv) {
  kv_tikv *p = (kv_tikv *)pKv;
  /* xCommit without xPrepare: commit now; the result cannot be reported
  ** except through xErrmsg. */
  if (p->pRef && !p->bPrepared && !p->rcFailed) kv_commit_now(p);
  kv_end_txn(p);
}

static void kvt_rollback(tito_kv *pKv) { kv_end_txn((kv_tikv *)pKv); }

static int kvt_read_begin(tito_kv *pKv) {
  ((kv_tikv *)pKv)->nReadDepth++;
  return TITO_OK;
}

static void kvt_read_end(tito_kv *pKv) {
  kv_tikv *p = (kv_tikv *)pKv;
  if (p->nReadDepth > 0 && --p->nReadDepth == 0 && p->pRead) {
    ref_release(p->pRead);
    p->pRead = NULL;
  }
}

/* Process-wide client counters: "<counter>" rows, then for each RPC method
** used "rpc.<Method>" (calls) and "rpc_us.<Method>" (total microseconds). */
static int kvt_stats(tito_kv *pKv, tito_kv_stat_fn xStat, void *pCtx) {
  (void)pKv;
  tikv_stat_row a[TIKV_STATS_MAX_ROWS];
  int n = tikv_stats_snapshot(a, TIKV_STATS_MAX_ROWS);
  for (int i = 0; i < n; i++) {
    int rc = xStat(pCtx, a[i].zName, a[i].n);
    if (rc == 0 && strncmp(a[i].zName, "rpc.", 4) == 0) {
      char z[80];
      snprintf(z, sizeof z, "rpc_us.%s", a[i].zName + 4);
      rc = xStat(pCtx, z, a[i].us);
    }
    if (rc) return rc;
  }
  return TITO_OK;
}

static const char *kvt_errmsg(tito_kv *pKv) {
  kv_tikv *p = (kv_tikv *)pKv;
  return p->zErr ? p->zErr : "";
}

static void kvt_close(tito_kv *pKv) {
  kv_tikv *p = (kv_tikv *)pKv;
  if (!p) return;
  kv_end_txn(p);
  ref_release(p->pRead);
  tikv_client_close(p->pClient);
  free(p->pLastVal);
  free(p->zErr);
  free(p);
}

static int kvt_fence(tito_kv *pKv, const uint8_t *pKey, int nKey,
                     const uint8_t *pVal, int nVal, const char *zWhat) {
  kv_tikv *p = (kv_tikv *)pKv;
  char *zErr = NULL;
  txn_ref *r = NULL;
  int rc = kv_write_txn(p, &r);
  if (rc) return rc;
  rc = tikv_txn_fence(r->pTxn, pKey, (size_t)nKey, pVal,
                      pVal ? (size_t)nVal : 0, zWhat, &zErr);
  return kv_set_err(p, rc, zErr);
}

static const tito_kv_methods kvt_methods = {
    kvt_get,        kvt_multi_get,   kvt_scan,        kvt_iter_next,
    kvt_iter_eof,   kvt_iter_key,    kvt_iter_value,  kvt_iter_close,
    kvt_put,        kvt_insert,      kvt_delete,      kvt_delete_range,
    kvt_begin,      kvt_savepoint,   kvt_release,     kvt_rollback_to,
    kvt_prepare,    kvt_commit,      kvt_rollback,    kvt_errmsg,
    kvt_close,      kvt_read_begin,  kvt_read_end,    kvt_stats,
    NULL, /* xSkip: callers scan keys only (kv_skip.h) */
    kvt_fence,
    NULL, /* xPutMany: puts are buffered until commit anyway */
    kvt_probe,
    kvt_written,
};

int tito_kv_tikv_open(const tikv_config *pConfig, tito_kv **pp, char **pzErr) {
  *pp = NULL;
  kv_tikv *p = calloc(1, sizeof(*p));
  if (!p) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  int rc = tikv_client_open(pConfig, &p->pClient, pzErr);
  if (rc) {
    free(p);
    return rc;
  }
  p->base.pMethods = &kvt_methods;
  *pp = &p->base;
  return TITO_OK;
}
