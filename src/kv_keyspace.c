/*
** kv_keyspace.c: a store seen through a keyspace (kv_keyspace.h).
**
** Every key handed to the inner store is prefix | key, built in a scratch
** buffer of the handle (or of the iterator); keys coming back lose the
** prefix. A scan without a lower bound starts at the prefix, one without
** an upper bound stops at the prefix's end, so it never leaves the
** keyspace.
*/
#include "kv_keyspace.h"
#include <string.h>
#include "buf.h"
#include "keycodec.h"
#include "kv_skip.h"
#include "sqlite_api.h"

typedef struct KsKv {
  tito_kv base;
  tito_kv *pInner;
  tito_buf prefix;   /* the keyspace field */
  tito_buf end;      /* the smallest key above the keyspace */
  tito_buf k1, k2;   /* scratch: translated keys */
  tito_buf k3;       /* scratch: a key passed over by xSkip */
} KsKv;

typedef struct KsIter {
  KsKv *p;
  tito_kv_iter *pInner;
} KsIter;

void tito_kv_keyspace_prefix(const char *zKeyspace, tito_buf *pOut) {
  tito_value v;
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_TEXT;
  v.z = (const uint8_t *)zKeyspace;
  v.n = (int)strlen(zKeyspace);
  tito_key_append(pOut, &v, 0);
}

/* prefix | pKey into pOut; TITO_OK or TITO_NOMEM. */
static int ksKey(KsKv *p, tito_buf *pOut, const uint8_t *pKey, int nKey) {
  pOut->n = 0;
  tito_buf_append(pOut, p->prefix.a, p->prefix.n);
  tito_buf_append(pOut, pKey, nKey);
  return pOut->rc ? TITO_NOMEM : TITO_OK;
}

static int ksGet(tito_kv *pKv, const uint8_t *pKey, int nKey,
                 const uint8_t **ppVal, int *pnVal) {
  KsKv *p = (KsKv *)pKv;
  if (ksKey(p, &p->k1, pKey, nKey)) return TITO_NOMEM;
  return p->pInner->pMethods->xGet(p->pInner, p->k1.a, p->k1.n, ppVal, pnVal);
}

static int ksProbe(tito_kv *pKv, const uint8_t *pKey, int nKey,
                   const uint8_t **ppVal, int *pnVal) {
  KsKv *p = (KsKv *)pKv;
  if (ksKey(p, &p->k1, pKey, nKey)) return TITO_NOMEM;
  return tito_kv_probe(p->pInner, p->k1.a, p->k1.n, ppVal, pnVal);
}

static int ksWritten(tito_kv *pKv, const uint8_t *pKey, int nKey) {
  KsKv *p = (KsKv *)pKv;
  if (p->pInner->pMethods->xWritten == 0) return 1; /* cannot tell: "yes" */
  if (ksKey(p, &p->k1, pKey, nKey)) return 1;
  return p->pInner->pMethods->xWritten(p->pInner, p->k1.a, p->k1.n);
}

static int ksMultiGet(tito_kv *pKv, int nKey, const uint8_t *const *apKey,
                      const int *anKey, tito_kv_row_fn xRow, void *pCtx) {
  KsKv *p = (KsKv *)pKv;
  const uint8_t **ap;
  int *an, i, rc;
  tito_buf all = TITO_BUF_INIT;
  if (nKey <= 0) return TITO_OK;
  ap = sqlite3_malloc64(sizeof(*ap) * (sqlite3_uint64)nKey);
  an = sqlite3_malloc64(sizeof(*an) * (sqlite3_uint64)nKey);
  for (i = 0; ap && an && i < nKey; i++) {
    tito_buf_append(&all, p->prefix.a, p->prefix.n);
    tito_buf_append(&all, apKey[i], anKey[i]);
    an[i] = p->prefix.n + anKey[i];
  }
  if (ap == 0 || an == 0 || all.rc) {
    rc = TITO_NOMEM;
  } else {
    int off = 0;
    for (i = 0; i < nKey; i++) {
      ap[i] = all.a + off;
      off += an[i];
    }
    rc = p->pInner->pMethods->xMultiGet(p->pInner, nKey,
                                        (const uint8_t *const *)ap, an, xRow,
                                        pCtx);
  }
  sqlite3_free(ap);
  sqlite3_free(an);
  tito_buf_free(&all);
  return rc;
}

/* The inner store's bounds of the range [pLo, pHi) (NULL: unbounded),
** kept inside the keyspace (scratch k1 and k2). */
static int ksBounds(KsKv *p, const uint8_t *pLo, int nLo, const uint8_t *pHi,
                    int nHi, const uint8_t **ppLo, int *pnLo,
                    const uint8_t **ppHi, int *pnHi) {
  *ppLo = p->prefix.a;
  *pnLo = p->prefix.n;
  *ppHi = p->end.n ? p->end.a : 0;
  *pnHi = p->end.n;
  if (pLo) {
    if (ksKey(p, &p->k1, pLo, nLo)) return TITO_NOMEM;
    *ppLo = p->k1.a;
    *pnLo = p->k1.n;
  }
  if (pHi) {
    if (ksKey(p, &p->k2, pHi, nHi)) return TITO_NOMEM;
    *ppHi = p->k2.a;
    *pnHi = p->k2.n;
  }
  return TITO_OK;
}

static int ksScan(tito_kv *pKv, const uint8_t *pLo, int nLo,
                  const uint8_t *pHi, int nHi, int flags, int64_t nLimit,
                  tito_kv_iter **ppIter) {
  KsKv *p = (KsKv *)pKv;
  KsIter *it;
  const uint8_t *lo, *hi;
  int nl, nh, rc;
  *ppIter = 0;
  if (ksBounds(p, pLo, nLo, pHi, nHi, &lo, &nl, &hi, &nh)) return TITO_NOMEM;
  it = sqlite3_malloc(sizeof(*it));
  if (it == 0) return TITO_NOMEM;
  it->p = p;
  rc = p->pInner->pMethods->xScan(p->pInner, lo, nl, hi, nh, flags, nLimit,
                                  &it->pInner);
  if (rc != TITO_OK) {
    sqlite3_free(it);
    return rc;
  }
  *ppIter = (tito_kv_iter *)it;
  return TITO_OK;
}

static int ksIterNext(tito_kv_iter *pIter) {
  KsIter *it = (KsIter *)pIter;
  return it->p->pInner->pMethods->xIterNext(it->pInner);
}

static int ksIterEof(tito_kv_iter *pIter) {
  KsIter *it = (KsIter *)pIter;
  return it->p->pInner->pMethods->xIterEof(it->pInner);
}

static const uint8_t *ksIterKey(tito_kv_iter *pIter, int *pnKey) {
  KsIter *it = (KsIter *)pIter;
  int n = 0;
  const uint8_t *k = it->p->pInner->pMethods->xIterKey(it->pInner, &n);
  /* Scans are bounded to the keyspace: every key starts with it. */
  *pnKey = n - it->p->prefix.n;
  return k + it->p->prefix.n;
}

static const uint8_t *ksIterValue(tito_kv_iter *pIter, int *pnVal) {
  KsIter *it = (KsIter *)pIter;
  return it->p->pInner->pMethods->xIterValue(it->pInner, pnVal);
}

static void ksIterClose(tito_kv_iter *pIter) {
  KsIter *it = (KsIter *)pIter;
  if (it == 0) return;
  it->p->pInner->pMethods->xIterClose(it->pInner);
  sqlite3_free(it);
}

static int ksPut(tito_kv *pKv, const uint8_t *pKey, int nKey,
                 const uint8_t *pVal, int nVal) {
  KsKv *p = (KsKv *)pKv;
  if (ksKey(p, &p->k1, pKey, nKey)) return TITO_NOMEM;
  return p->pInner->pMethods->xPut(p->pInner, p->k1.a, p->k1.n, pVal, nVal);
}

static int ksInsert(tito_kv *pKv, const uint8_t *pKey, int nKey,
                    const uint8_t *pVal, int nVal) {
  KsKv *p = (KsKv *)pKv;
  if (ksKey(p, &p->k1, pKey, nKey)) return TITO_NOMEM;
  return p->pInner->pMethods->xInsert(p->pInner, p->k1.a, p->k1.n, pVal,
                                      nVal);
}

static int ksDelete(tito_kv *pKv, const uint8_t *pKey, int nKey) {
  KsKv *p = (KsKv *)pKv;
  if (ksKey(p, &p->k1, pKey, nKey)) return TITO_NOMEM;
  return p->pInner->pMethods->xDelete(p->pInner, p->k1.a, p->k1.n);
}

static int ksDeleteRange(tito_kv *pKv, const uint8_t *pLo, int nLo,
                         const uint8_t *pHi, int nHi) {
  KsKv *p = (KsKv *)pKv;
  const uint8_t *lo, *hi;
  int nl, nh;
  if (ksBounds(p, pLo, nLo, pHi, nHi, &lo, &nl, &hi, &nh)) return TITO_NOMEM;
  return p->pInner->pMethods->xDeleteRange(p->pInner, lo, nl, hi, nh);
}

static int ksBegin(tito_kv *pKv) {
  KsKv *p = (KsKv *)pKv;
  return p->pInner->pMethods->xBegin(p->pInner);
}

static int ksSavepoint(tito_kv *pKv, int i) {
  KsKv *p = (KsKv *)pKv;
  return p->pInner->pMethods->xSavepoint(p->pInner, i);
}

static int ksRelease(tito_kv *pKv, int i) {
  KsKv *p = (KsKv *)pKv;
  return p->pInner->pMethods->xRelease(p->pInner, i);
}

static int ksRollbackTo(tito_kv *pKv, int i) {
  KsKv *p = (KsKv *)pKv;
  return p->pInner->pMethods->xRollbackTo(p->pInner, i);
}

static int ksPrepare(tito_kv *pKv) {
  KsKv *p = (KsKv *)pKv;
  return p->pInner->pMethods->xPrepare(p->pInner);
}

static void ksCommit(tito_kv *pKv) {
  KsKv *p = (KsKv *)pKv;
  p->pInner->pMethods->xCommit(p->pInner);
}

static void ksRollback(tito_kv *pKv) {
  KsKv *p = (KsKv *)pKv;
  p->pInner->pMethods->xRollback(p->pInner);
}

static const char *ksErrmsg(tito_kv *pKv) {
  KsKv *p = (KsKv *)pKv;
  return p->pInner->pMethods->xErrmsg(p->pInner);
}

static void ksClose(tito_kv *pKv) {
  KsKv *p = (KsKv *)pKv;
  if (p == 0) return;
  if (p->pInner) p->pInner->pMethods->xClose(p->pInner);
  tito_buf_free(&p->prefix);
  tito_buf_free(&p->end);
  tito_buf_free(&p->k1);
  tito_buf_free(&p->k2);
  tito_buf_free(&p->k3);
  sqlite3_free(p);
}

static int ksReadBegin(tito_kv *pKv) {
  KsKv *p = (KsKv *)pKv;
  return p->pInner->pMethods->xReadBegin(p->pInner);
}

static void ksReadEnd(tito_kv *pKv) {
  KsKv *p = (KsKv *)pKv;
  p->pInner->pMethods->xReadEnd(p->pInner);
}

static int ksStats(tito_kv *pKv, tito_kv_stat_fn xStat, void *pCtx) {
  KsKv *p = (KsKv *)pKv;
  return p->pInner->pMethods->xStats(p->pInner, xStat, pCtx);
}

/* xSkip: the inner store's, on translated bounds; the last key loses the
** prefix. */
static int ksSkip(tito_kv *pKv, const uint8_t *pLo, int nLo,
                  const uint8_t *pHi, int nHi, int flags, int64_t nSkip,
                  int64_t *pnSkipped, const uint8_t **ppLast, int *pnLast) {
  KsKv *p = (KsKv *)pKv;
  const uint8_t *lo, *hi;
  int nl, nh, rc;
  if (ksBounds(p, pLo, nLo, pHi, nHi, &lo, &nl, &hi, &nh)) return TITO_NOMEM;
  rc = tito_kv_skip(p->pInner, lo, nl, hi, nh, flags, nSkip, pnSkipped,
                    &p->k3);
  if (rc == TITO_OK && *pnSkipped > 0) {
    *ppLast = p->k3.a + p->prefix.n;
    *pnLast = p->k3.n - p->prefix.n;
  }
  return rc;
}

/* xFence: the inner store's, on the translated key (none needed if it
** has none). */
static int ksFence(tito_kv *pKv, const uint8_t *pKey, int nKey,
                   const uint8_t *pVal, int nVal, const char *zWhat) {
  KsKv *p = (KsKv *)pKv;
  if (p->pInner->pMethods->xFence == 0) return TITO_OK;
  if (ksKey(p, &p->k1, pKey, nKey)) return TITO_NOMEM;
  return p->pInner->pMethods->xFence(p->pInner, p->k1.a, p->k1.n, pVal, nVal,
                                     zWhat);
}

static const tito_kv_methods ksMethods = {
    ksGet,       ksMultiGet,  ksScan,        ksIterNext,  ksIterEof,
    ksIterKey,   ksIterValue, ksIterClose,   ksPut,       ksInsert,
    ksDelete,    ksDeleteRange, ksBegin,     ksSavepoint, ksRelease,
    ksRollbackTo, ksPrepare,  ksCommit,      ksRollback,  ksErrmsg,
    ksClose,     ksReadBegin, ksReadEnd,     ksStats,     ksSkip,
    ksFence,     0, /* xPutMany: xPut each (the inner store, TiKV, buffers puts) */
    ksProbe,
    ksWritten,
};

int tito_kv_keyspace_wrap(tito_kv *pInner, const char *zKeyspace,
                          tito_kv **ppKv) {
  KsKv *p = sqlite3_malloc(sizeof(*p));
  *ppKv = 0;
  if (p == 0) {
    pInner->pMethods->xClose(pInner);
    return TITO_NOMEM;
  }
  memset(p, 0, sizeof(*p));
  p->base.pMethods = &ksMethods;
  p->pInner = pInner;
  tito_kv_keyspace_prefix(zKeyspace, &p->prefix);
  if (p->prefix.rc == TITO_OK) {
    tito_key_prefix_end(p->prefix.a, p->prefix.n, &p->end);
  }
  if (p->prefix.rc || p->end.rc) {
    ksClose(&p->base);
    return TITO_NOMEM;
  }
  *ppKv = &p->base;
  return TITO_OK;
}
