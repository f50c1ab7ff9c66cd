/*
** scan.c: reading one model's rows along one key path (see scan.h).
**
** A scan holds a list of key ranges (one per IN value, usually one) of the
** row range or of an index range, or a list of point keys (a whole primary
** key, or a whole unique-index key). It visits them in order:
**   - rows and covering index entries come straight from the store's
**     iterator;
**   - a non-covering index scan collects a batch of entries, then reads
**     their rows with one multi-get (no N+1 reads), in entry order;
**   - a scan whose ranges are wider than the order the planner promised is
**     read whole and sorted (see cursorMaterialize), which only happens
**     when a seek value had to be dropped.
** Every key and value it reads is treated as untrusted: bytes that do not
** decode are SQLITE_CORRUPT with a message naming the table.
*/
#include "scan.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "keycodec.h"
#include "kv_skip.h"
#include "rowcodec.h"

/* One key range or point key. */
typedef struct scan_range {
  int oLo, nLo; /* offset/length of the low bound in ranges (nLo 0: none) */
  int oHi, nHi; /* high bound (exclusive; nHi 0: none) */
} scan_range;

/* The key fields of a path. */
typedef struct path_fields {
  int n;
  const int *aiCol;      /* column of each field (-1: rowid) */
  const uint8_t *abDesc; /* per field DESC, or NULL */
} path_fields;

struct tito_scan {
  tito_table *pTab;
  tito_scan_plan plan;
  path_fields f;         /* the fields of plan.iPath */
  int bPoint;            /* ranges are point keys (oLo/nLo) */
  int bAll;              /* tito_scan_add_all: one range, the whole path */
  tito_buf ranges;       /* bytes of every bound */
  scan_range *aRange;    /* ranges to visit, in order */
  int nRange, nRangeAlloc;
  int iRange;            /* range being visited */
  tito_kv_iter *pIter;   /* scan of aRange[iRange] */
  int bEof;
  int64_t nYield;        /* rows yielded so far (plan.bLimit) */
  /* The current row. */
  tito_buf rowKey;       /* its row key */
  tito_buf rowVal;       /* its row value (a copy) when not in place */
  const uint8_t *pVal;   /* its row value */
  int nVal;
  int bEntry;            /* the current row is an index entry alone (a
                         ** covering or key-only scan): decode pEntryKey */
  const uint8_t *pEntryKey; /* covering or key-only index scan: the entry */
  int nEntryKey;
  const uint8_t *pEntryVal;
  int nEntryVal;
  int bDecoded;          /* aVal holds the decoded row */
  /* An entry is decoded a column at a time, as SQLite asks for them
  ** (aiSrc says where each column is held); what is decoded so far: */
  int bRowKey;           /* rowKey is the entry's row key */
  int bEntryBegun;       /* scratch is reserved for this entry */
  int nKeyDone;          /* index fields decoded into aVal */
  int offKeyDone;        /* offset of the next field in pEntryKey */
  int bIncDone;          /* INCLUDE columns decoded */
  int bPkDone;           /* primary key columns decoded */
  int *aiSrc;            /* per column of an index path: field number, or
                         ** SRC_INCLUDE, SRC_PK, SRC_NONE */
  tito_value *aVal;      /* nCol values */
  tito_value *aTmp;      /* nCol + 1 values: an entry's INCLUDE columns and
                         ** owner, or a row key's fields, being decoded */
  tito_buf scratch;      /* text decoded from keys */
  /* A widened ordered scan, read whole and sorted; records' offsets in
  ** aSorted. */
  int bSorted;
  tito_buf sorted;
  int *aSorted;
  int nSorted, nSortedAlloc, iSorted;
  tito_buf entryKey, entryVal; /* a unique entry read by a point read */
  uint64_t nRowWrite;    /* the table's write count when the row was read */
  uint64_t nReadWrite;   /* the same, when the batch or sorted list was read */
  /* Batched row reads of a non-covering index scan: row keys back to back
  ** in batchKeys, values in batchVals. */
  int bBatch;
  int bPointBatch;       /* the batch is of point row keys (a key IN list) */
  tito_buf batchKeys, batchVals;
  int *aBatch;           /* per entry: key off, key len, val off (-1), len */
  const uint8_t **apBatchKey;
  int *anBatchKey;
  int nBatch, nBatchAlloc, iBatch, nBatchWant;
  /* A key read with the first multi-get (tito_scan_read_also): 0 none, 1
  ** to read, 2 read and absent, 3 read, its value in extraVal. */
  int eExtra;
  tito_buf extraKey, extraVal;
  /* Counting: rows passed over unread (see "COUNTING"). */
  int bTouched;          /* the current row's key or values were asked for */
  int nUntouched;        /* rows passed over unread, one after the other */
  int bCounting;         /* rows are counted by the store, not read */
  tito_buf cntStart;     /* the chunk starts after this key of the current
                         ** range (empty: at the range's start) */
  tito_buf cntEnd;       /* the chunk's last key */
  int64_t nChunk;        /* keys in the chunk */
  int64_t iChunk;        /* the current (virtual) row within it */
  int64_t nChunkWant;    /* the next chunk's size */
  /* Scratch of range building. */
  tito_buf bBase, bKey, bLo, bHi, bT;
  char *zErr;            /* last error message */
};

/* ---------------------------------------------------------------- errors */

static void scanSetError(tito_scan *p, const char *zFmt, ...) {
  va_list ap;
  va_start(ap, zFmt);
  sqlite3_free(p->zErr);
  p->zErr = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
}

const char *tito_scan_errmsg(tito_scan *p) {
  return p->zErr ? p->zErr : "";
}

static tito_kv *scanKv(tito_scan *p) { return p->pTab->pKv; }

/* Record an error of the store. */
static int scanKvError(tito_scan *p, int rc) {
  tito_kv *pKv = scanKv(p);
  if (rc == TITO_NOMEM) return SQLITE_NOMEM;
  scanSetError(p, "tito: %s", pKv->pMethods->xErrmsg(pKv));
  return SQLITE_ERROR;
}

static int scanCorrupt(tito_scan *p, const char *zWhat) {
  scanSetError(p, "tito: %s: corrupt %s", p->pTab->pModel->zTable, zWhat);
  return SQLITE_CORRUPT;
}

/* ------------------------------------------------------------ lifecycle */

int tito_scan_new(tito_table *pTab, tito_scan **pp) {
  tito_scan *p = sqlite3_malloc(sizeof(*p));
  *pp = 0;
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->pTab = pTab;
  p->bEof = 1;
  p->aVal = sqlite3_malloc64(sizeof(tito_value) * 2 *
                             (size_t)(pTab->pModel->nCol + 1));
  if (p->aVal == 0) {
    sqlite3_free(p);
    return SQLITE_NOMEM;
  }
  p->aTmp = &p->aVal[pTab->pModel->nCol + 1];
  p->aiSrc = sqlite3_malloc64(sizeof(int) * (size_t)(pTab->pModel->nCol + 1));
  if (p->aiSrc == 0) {
    sqlite3_free(p->aVal);
    sqlite3_free(p);
    return SQLITE_NOMEM;
  }
  *pp = p;
  return SQLITE_OK;
}

static void scanCloseIter(tito_scan *p) {
  if (p->pIter) {
    tito_kv *pKv = scanKv(p);
    pKv->pMethods->xIterClose(p->pIter);
    p->pIter = 0;
  }
}

void tito_scan_free(tito_scan *p) {
  if (p == 0) return;
  scanCloseIter(p);
  tito_buf_free(&p->ranges);
  tito_buf_free(&p->rowKey);
  tito_buf_free(&p->rowVal);
  tito_buf_free(&p->scratch);
  tito_buf_free(&p->bBase);
  tito_buf_free(&p->bKey);
  tito_buf_free(&p->bLo);
  tito_buf_free(&p->bHi);
  tito_buf_free(&p->bT);
  tito_buf_free(&p->sorted);
  sqlite3_free(p->aSorted);
  tito_buf_free(&p->entryKey);
  tito_buf_free(&p->entryVal);
  tito_buf_free(&p->cntStart);
  tito_buf_free(&p->cntEnd);
  tito_buf_free(&p->batchKeys);
  tito_buf_free(&p->batchVals);
  tito_buf_free(&p->extraKey);
  tito_buf_free(&p->extraVal);
  sqlite3_free(p->aBatch);
  sqlite3_free(p->apBatchKey);
  sqlite3_free(p->anBatchKey);
  sqlite3_free(p->aRange);
  sqlite3_free(p->aVal);
  sqlite3_free(p->aiSrc);
  sqlite3_free(p->zErr);
  sqlite3_free(p);
}

void tito_scan_end(tito_scan *p) {
  /* A one-pass UPDATE or DELETE ends the scan just before xUpdate of this
  ** very row. Not a row read before a later write: it may be stale. */
  if (!p->bEof && p->pVal && p->rowKey.n && !p->plan.bCover &&
      p->nRowWrite == p->pTab->nWrite) {
    tito_table_cache_row(p->pTab, p->rowKey.a, p->rowKey.n, p->pVal,
                         p->nVal);
  }
  scanCloseIter(p);
  p->bEof = 1;
}

/* ---------------------------------------------------------------- ranges */

static void pathFields(const tito_table *pTab, int iPath, path_fields *f) {
  const tito_model *pModel = pTab->pModel;
  static const int aiRowid[1] = {-1};
  memset(f, 0, sizeof(*f));
  if (iPath >= 2) {
    const tito_index *pIdx = &pModel->aIndex[iPath - 2];
    f->n = pIdx->nCol;
    f->aiCol = pIdx->aiCol;
    f->abDesc = pIdx->abDesc;
  } else if (pModel->nPk > 0) {
    f->n = pModel->nPk;
    f->aiCol = pModel->aiPk;
    f->abDesc = pModel->abPkDesc;
  } else {
    f->n = 1;
    f->aiCol = aiRowid;
  }
}

static int fieldDesc(const path_fields *f, int i) {
  return f->abDesc && i < f->n ? f->abDesc[i] : 0;
}

static void scanEntrySources(tito_scan *p);

int tito_scan_begin(tito_scan *p, const tito_scan_plan *pPlan) {
  tito_table *pTab = p->pTab;
  scanCloseIter(p);
  p->plan = *pPlan;
  pathFields(pTab, pPlan->iPath, &p->f);
  if (pPlan->iPath >= 2 + pTab->pModel->nIndex || pPlan->nEq > p->f.n ||
      (pPlan->nEq == p->f.n && (pPlan->eLo || pPlan->eHi))) {
    scanSetError(p, "tito: %s: bad scan plan", pTab->pModel->zTable);
    return SQLITE_ERROR;
  }
  p->ranges.n = 0;
  p->nRange = p->iRange = 0;
  p->bEof = 0;
  p->nYield = 0;
  p->bAll = p->bSorted = p->bBatch = p->bPointBatch = 0;
  p->eExtra = 0;
  p->bTouched = p->nUntouched = p->bCounting = 0;
  p->pVal = 0;
  p->bDecoded = 0;
  p->rowKey.n = 0;
  /* Point reads: the whole primary key, or the whole of a unique index
  ** (whose entries, when no field is NULL, are keyed by the fields alone). */
  p->bPoint = pPlan->iPath != TITO_PATH_FULL && pPlan->nEq == p->f.n &&
              (pPlan->iPath == TITO_PATH_PK ||
               pTab->pModel->aIndex[pPlan->iPath - 2].bUnique);
  scanEntrySources(p);
  if (pPlan->iPath >= 2) {
    tito_table_index_prefix(pTab, pPlan->iPath - 2, &p->bBase);
  } else {
    p->bBase.n = 0;
    tito_buf_append(&p->bBase, pTab->rowPrefix.a, pTab->rowPrefix.n);
  }
  return p->bBase.rc ? SQLITE_NOMEM : SQLITE_OK;
}

/* Add a range [pLo, pHi) (copied) to the list. */
static int scanAddRange(tito_scan *p, const tito_buf *pLo,
                        const tito_buf *pHi) {
  scan_range *r;
  if (p->nRange == p->nRangeAlloc) {
    int nNew = p->nRangeAlloc ? p->nRangeAlloc * 2 : 4;
    scan_range *aNew = sqlite3_realloc(p->aRange, nNew * sizeof(*aNew));
    if (aNew == 0) return SQLITE_NOMEM;
    p->aRange = aNew;
    p->nRangeAlloc = nNew;
  }
  r = &p->aRange[p->nRange++];
  r->oLo = p->ranges.n;
  r->nLo = pLo ? pLo->n : 0;
  if (pLo) tito_buf_append(&p->ranges, pLo->a, pLo->n);
  r->oHi = p->ranges.n;
  r->nHi = pHi ? pHi->n : 0;
  if (pHi) tito_buf_append(&p->ranges, pHi->a, pHi->n);
  return p->ranges.rc ? SQLITE_NOMEM : SQLITE_OK;
}

/*
** pOut = the key just before (bAfter 0) or just after (bAfter 1) every key
** that starts with pPrefix | the encoding of v. pT is scratch.
*/
static void boundKey(tito_buf *pT, const tito_buf *pPrefix,
                     const tito_value *v, int bDesc, int bAfter,
                     tito_buf *pOut) {
  pT->n = 0;
  tito_buf_append(pT, pPrefix->a, pPrefix->n);
  tito_key_append(pT, v, bDesc);
  pOut->n = 0;
  if (bAfter) {
    tito_key_prefix_end(pT->a, pT->n, pOut);
  } else {
    tito_buf_append(pOut, pT->a, pT->n);
  }
}

/*
** Add the range of the keys starting with pPrefix (the base and the
** equality fields), restricted by the bounds pLoVal/pHiVal (NULL when
** absent; kinds eLo/eHi) on the next field, whose DESC flag is bDesc.
*/
static int scanPrefixRange(tito_scan *p, const tito_buf *pPrefix, int bDesc,
                           const tito_value *pLoVal, int eLo,
                           const tito_value *pHiVal, int eHi) {
  tito_buf *pLo = &p->bLo, *pHi = &p->bHi, *pT = &p->bT;
  tito_value vNull;
  int bHaveHi;
  /* In key order the field runs ascending, or descending when bDesc: a
  ** lower SQL bound is then an upper key bound. NULL sorts first, and no
  ** comparison matches it, so a range with no bound on NULL's side must
  ** skip the NULLs explicitly. */
  const tito_value *pKeyLo = bDesc ? pHiVal : pLoVal;
  const tito_value *pKeyHi = bDesc ? pLoVal : pHiVal;
  int eKeyLo = bDesc ? eHi : eLo;
  int eKeyHi = bDesc ? eLo : eHi;
  memset(&vNull, 0, sizeof(vNull));
  vNull.eType = SQLITE_NULL;
  pLo->n = pHi->n = pT->n = 0;
  tito_buf_append(pLo, pPrefix->a, pPrefix->n);
  bHaveHi = tito_key_prefix_end(pPrefix->a, pPrefix->n, pHi);
  if (pKeyLo) {
    boundKey(pT, pPrefix, pKeyLo, bDesc, eKeyLo == TITO_BOUND_STRICT, pLo);
  } else if (!bDesc && pKeyHi) {
    boundKey(pT, pPrefix, &vNull, 0, 1, pLo);
  }
  if (pKeyHi) {
    boundKey(pT, pPrefix, pKeyHi, bDesc, eKeyHi != TITO_BOUND_STRICT, pHi);
    bHaveHi = 1;
  } else if (bDesc && pKeyLo) {
    boundKey(pT, pPrefix, &vNull, 1, 0, pHi);
    bHaveHi = 1;
  }
  if (pLo->rc || pHi->rc || pT->rc) return SQLITE_NOMEM;
  return scanAddRange(p, pLo, bHaveHi ? pHi : 0);
}

int tito_scan_add(tito_scan *p, const tito_value *aEq, const tito_value *pLo,
                  const tito_value *pHi) {
  return tito_scan_add_bounded(p, aEq, p->plan.eLo ? pLo : 0, p->plan.eLo,
                               p->plan.eHi ? pHi : 0, p->plan.eHi);
}

int tito_scan_add_bounded(tito_scan *p, const tito_value *aEq,
                          const tito_value *pLo, int eLo,
                          const tito_value *pHi, int eHi) {
  tito_buf *pKey = &p->bKey;
  int i, nEq = p->plan.nEq;
  /* x = NULL and x < NULL match nothing. */
  for (i = 0; i < nEq; i++) {
    if (aEq[i].eType == SQLITE_NULL) return SQLITE_OK;
  }
  if ((pLo && pLo->eType == SQLITE_NULL) || (pHi && pHi->eType == SQLITE_NULL)) {
    return SQLITE_OK;
  }
  pKey->n = 0;
  tito_buf_append(pKey, p->bBase.a, p->bBase.n);
  for (i = 0; i < nEq; i++) {
    tito_key_append(pKey, &aEq[i], fieldDesc(&p->f, i));
  }
  if (pKey->rc) return SQLITE_NOMEM;
  if (p->bPoint) return scanAddRange(p, pKey, 0);
  return scanPrefixRange(p, pKey, fieldDesc(&p->f, nEq), pLo, eLo, pHi, eHi);
}

int tito_scan_add_all(tito_scan *p) {
  p->nRange = 0;
  p->ranges.n = 0;
  p->bPoint = 0;
  p->bAll = 1;
  return scanPrefixRange(p, &p->bBase, 0, 0, 0, 0, 0);
}

/* Sort the ranges by low bound and drop duplicates: IN lists may repeat a
** value once affinity is applied, and are visited in key order. (An
** insertion sort: lists are short, and qsort would need a global.) */
static void scanSortRanges(tito_scan *p) {
  scan_range *a = p->aRange;
  int i, j, n = p->nRange;
  const uint8_t *base = p->ranges.a;
  for (i = 1; i < n; i++) {
    scan_range x = a[i];
    for (j = i; j > 0; j--) {
      int m = a[j - 1].nLo < x.nLo ? a[j - 1].nLo : x.nLo;
      int c = memcmp(base + a[j - 1].oLo, base + x.oLo, m);
      if (c == 0) c = a[j - 1].nLo - x.nLo;
      if (c <= 0) break;
      a[j] = a[j - 1];
    }
    a[j] = x;
  }
  for (i = j = 0; i < n; i++) {
    if (j > 0 && a[j - 1].nLo == a[i].nLo &&
        memcmp(base + a[j - 1].oLo, base + a[i].oLo, a[i].nLo) == 0) {
      continue;
    }
    a[j++] = a[i];
  }
  p->nRange = j;
}

/* ------------------------------------------------------------- reading */

/* A point read that brings the key read also (tito_scan_read_also). */
typedef struct scan_pair {
  tito_scan *p;
  tito_buf *pValBuf;
  int bFound;
} scan_pair;

/* xMultiGet callback of scanGetPair. */
static int pairValue(void *pCtx, int i, const uint8_t *pVal, int nVal) {
  scan_pair *x = (scan_pair *)pCtx;
  tito_buf *pBuf = i == 0 ? x->pValBuf : &x->p->extraVal;
  if (i == 0) x->bFound = 1;
  else x->p->eExtra = 3;
  pBuf->n = 0;
  tito_buf_append(pBuf, pVal, nVal);
  return pBuf->rc ? TITO_NOMEM : TITO_OK;
}

/* Read pKey, and the key read also, in one multi-get (one round trip). */
static int scanGetPair(tito_scan *p, const uint8_t *pKey, int nKey,
                       tito_buf *pValBuf) {
  tito_kv *pKv = scanKv(p);
  const uint8_t *apKey[2];
  int anKey[2], rc;
  scan_pair x;
  x.p = p;
  x.pValBuf = pValBuf;
  x.bFound = 0;
  apKey[0] = pKey;
  anKey[0] = nKey;
  apKey[1] = p->extraKey.a;
  anKey[1] = p->extraKey.n;
  p->eExtra = 2;
  rc = pKv->pMethods->xMultiGet(pKv, 2, apKey, anKey, pairValue, &x);
  if (rc != TITO_OK) return scanKvError(p, rc);
  return x.bFound ? SQLITE_OK : SQLITE_DONE;
}

/* Read key pKey and keep copies of the key and its value in pKeyBuf and
** pValBuf (the store's value lives only until its next call). SQLITE_DONE
** if the key is absent. */
static int scanGetCopy(tito_scan *p, const uint8_t *pKey, int nKey,
                       tito_buf *pKeyBuf, tito_buf *pValBuf) {
  tito_kv *pKv = scanKv(p);
  const uint8_t *pVal;
  int nVal, rc;
  if (p->eExtra == 1) {
    rc = scanGetPair(p, pKey, nKey, pValBuf);
    if (rc != SQLITE_OK) return rc;
  } else {
    rc = pKv->pMethods->xGet(pKv, pKey, nKey, &pVal, &nVal);
    if (rc == TITO_NOTFOUND) return SQLITE_DONE;
    if (rc != TITO_OK) return scanKvError(p, rc);
    pValBuf->n = 0;
    tito_buf_append(pValBuf, pVal, nVal);
  }
  pKeyBuf->n = 0;
  tito_buf_append(pKeyBuf, pKey, nKey);
  return pValBuf->rc || pKeyBuf->rc ? SQLITE_NOMEM : SQLITE_OK;
}

/* Fetch the row at pKey. SQLITE_DONE if none. */
static int scanFetchRow(tito_scan *p, const uint8_t *pKey, int nKey) {
  int rc = scanGetCopy(p, pKey, nKey, &p->rowKey, &p->rowVal);
  if (rc != SQLITE_OK) return rc;
  p->pVal = p->rowVal.a;
  p->nVal = p->rowVal.n;
  p->bDecoded = 0;
  p->bEntry = 0;
  return SQLITE_OK;
}

/* The row key of the index entry k/v (index iIdx) into rowKey; the first
** iField fields end at off (0 and the prefix's end: none skipped yet). */
static int scanEntryRowKeyFrom(tito_scan *p, int iIdx, const uint8_t *k,
                               int nk, const uint8_t *v, int nv, int iField,
                               int off) {
  tito_table *pTab = p->pTab;
  const tito_index *pIdx = &pTab->pModel->aIndex[iIdx];
  int i;
  for (i = iField; i < pIdx->nCol; i++) {
    int n = tito_key_skip(k + off, nk - off, pIdx->abDesc[i]);
    if (n < 0) goto corrupt;
    off += n;
  }
  p->rowKey.n = 0;
  tito_buf_append(&p->rowKey, pTab->rowPrefix.a, pTab->rowPrefix.n);
  if (off < nk) {
    tito_buf_append(&p->rowKey, k + off, nk - off);
  } else {
    tito_value *a = p->aTmp; /* nInclude + 1 <= nCol + 1 */
    int nInc = pIdx->nInclude + 1;
    if (tito_row_decode(v, nv, nInc, a) ||
        a[nInc - 1].eType != SQLITE_BLOB) {
      goto corrupt;
    }
    tito_buf_append(&p->rowKey, a[nInc - 1].z, a[nInc - 1].n);
  }
  return p->rowKey.rc ? SQLITE_NOMEM : SQLITE_OK;
corrupt:
  scanSetError(p, "tito: %s: corrupt entry in index %s",
               pTab->pModel->zTable, pIdx->zName);
  return SQLITE_CORRUPT;
}

static int scanEntryRowKey(tito_scan *p, int iIdx, const uint8_t *k, int nk,
                           const uint8_t *v, int nv) {
  return scanEntryRowKeyFrom(p, iIdx, k, nk, v, nv, 0,
                             p->pTab->idxPrefix.n + 4);
}

/* Open the iterator of range iRange. */
static int scanOpenRange(tito_scan *p) {
  tito_kv *pKv = scanKv(p);
  const scan_range *r = &p->aRange[p->iRange];
  const uint8_t *base = p->ranges.a;
  int flags = TITO_SCAN_HINT, rc;
  scanCloseIter(p);
  if (p->plan.bDesc) flags |= TITO_SCAN_REVERSE;
  if (p->plan.bKeyOnly) flags |= TITO_SCAN_KEYONLY;
  rc = pKv->pMethods->xScan(pKv, r->nLo ? base + r->oLo : 0, r->nLo,
                            r->nHi ? base + r->oHi : 0, r->nHi, flags,
                            p->plan.nHint > 0 ? p->plan.nHint : 0, &p->pIter);
  return rc == TITO_OK ? SQLITE_OK : scanKvError(p, rc);
}

/*
** Make the entry k/v the current row (fetching the row for a non-covering
** index scan). SQLITE_DONE if the row vanished.
*/
static void scanEntryReset(tito_scan *p);
static int entryRowKey(tito_scan *p);

static int scanLoadKV(tito_scan *p, const uint8_t *k, int nk,
                      const uint8_t *v, int nv) {
  int rc;
  p->bDecoded = 0;
  p->bEntry = 0;
  if (p->plan.iPath < 2) {
    p->rowKey.n = 0;
    tito_buf_append(&p->rowKey, k, nk);
    p->pVal = v;
    p->nVal = nv;
    return p->rowKey.rc ? SQLITE_NOMEM : SQLITE_OK;
  }
  if (p->plan.bCover || p->plan.bKeyOnly) {
    /* Decoded as asked for, the row key too (scanEntryColumn). */
    p->pEntryKey = k;
    p->nEntryKey = nk;
    p->pEntryVal = v;
    p->nEntryVal = nv;
    p->pVal = 0;
    p->bEntry = 1;
    scanEntryReset(p);
    return SQLITE_OK;
  }
  rc = scanEntryRowKey(p, p->plan.iPath - 2, k, nk, v, nv);
  if (rc != SQLITE_OK) return rc;
  return scanFetchRow(p, p->rowKey.a, p->rowKey.n);
}

static int scanLoadEntry(tito_scan *p) {
  tito_kv *pKv = scanKv(p);
  int nk, nv = 0;
  const uint8_t *k = pKv->pMethods->xIterKey(p->pIter, &nk);
  const uint8_t *v =
      p->plan.bKeyOnly ? 0 : pKv->pMethods->xIterValue(p->pIter, &nv);
  return scanLoadKV(p, k, nk, v, nv);
}

/* ------------------------------------------------------ sorted (widened) */

static uint32_t getU32(const uint8_t *a) {
  uint32_t x;
  memcpy(&x, a, 4);
  return x;
}

static void putU32(tito_buf *p, uint32_t x) { tito_buf_append(p, &x, 4); }

/* Compare two materialized records by their sort keys (qsort_r). */
static int sortedCmp(const void *a, const void *b, void *pCtx) {
  const tito_scan *p = (const tito_scan *)pCtx;
  const uint8_t *ra = p->sorted.a + *(const int *)a;
  const uint8_t *rb = p->sorted.a + *(const int *)b;
  int c = tito_bytes_cmp(ra + 4, (int)getU32(ra), rb + 4, (int)getU32(rb));
  return p->plan.bDesc ? -c : c;
}

/* Append one record [u32 nSort][sort key][u32 nk][k][u32 nv][v] for the
** entry k/v: the sort key is the fields after the first nOrderEq (after
** the first field when it is an IN list: its values are ordered too). */
static int scanKeepSorted(tito_scan *p, const uint8_t *k, int nk,
                          const uint8_t *v, int nv) {
  int nBase = p->bBase.n, off = nBase, i, n0 = 0;
  for (i = 0; i < p->plan.nOrderEq && off >= 0; i++) {
    int n = tito_key_skip(k + off, nk - off, fieldDesc(&p->f, i));
    if (i == 0) n0 = n;
    off = n < 0 ? -1 : off + n;
  }
  if (off < 0) return scanCorrupt(p, "key");
  if (!p->plan.bOrderIn) n0 = 0;
  if (p->nSorted == p->nSortedAlloc) {
    int nNew = p->nSortedAlloc ? p->nSortedAlloc * 2 : 64;
    int *aNew = sqlite3_realloc(p->aSorted, nNew * sizeof(int));
    if (aNew == 0) return SQLITE_NOMEM;
    p->aSorted = aNew;
    p->nSortedAlloc = nNew;
  }
  p->aSorted[p->nSorted++] = p->sorted.n;
  putU32(&p->sorted, (uint32_t)(n0 + nk - off));
  tito_buf_append(&p->sorted, k + nBase, n0);
  tito_buf_append(&p->sorted, k + off, nk - off);
  putU32(&p->sorted, (uint32_t)nk);
  tito_buf_append(&p->sorted, k, nk);
  putU32(&p->sorted, (uint32_t)nv);
  tito_buf_append(&p->sorted, v, nv);
  return p->sorted.rc ? SQLITE_NOMEM : SQLITE_OK;
}

/* Read every entry of the ranges and sort them, so that a widened scan
** still yields the order the plan promised. */
static int scanMaterialize(tito_scan *p) {
  tito_kv *pKv = scanKv(p);
  int rc = SQLITE_OK, iRange;
  p->sorted.n = 0;
  p->nSorted = 0;
  p->nReadWrite = p->pTab->nWrite;
  for (iRange = 0; rc == SQLITE_OK && iRange < p->nRange; iRange++) {
    p->iRange = iRange;
    rc = scanOpenRange(p);
    while (rc == SQLITE_OK && !pKv->pMethods->xIterEof(p->pIter)) {
      int nk, nv = 0;
      const uint8_t *k = pKv->pMethods->xIterKey(p->pIter, &nk);
      const uint8_t *v = pKv->pMethods->xIterValue(p->pIter, &nv);
      rc = scanKeepSorted(p, k, nk, v, nv);
      if (rc == SQLITE_OK && pKv->pMethods->xIterNext(p->pIter) != TITO_OK) {
        rc = scanKvError(p, TITO_ERROR);
      }
    }
    scanCloseIter(p);
  }
  if (rc == SQLITE_OK) {
    if (p->nSorted > 1) {
      qsort_r(p->aSorted, p->nSorted, sizeof(int), sortedCmp, p);
    }
    p->bSorted = 1;
    p->iSorted = 0;
  }
  return rc;
}

/* Load materialized record iSorted; SQLITE_DONE if its row is gone. */
static int scanLoadSorted(tito_scan *p) {
  const uint8_t *r = p->sorted.a + p->aSorted[p->iSorted];
  uint32_t nSort = getU32(r), nk, nv;
  r += 4 + nSort;
  nk = getU32(r);
  nv = getU32(r + 4 + nk);
  return scanLoadKV(p, r + 4, (int)nk, r + 8 + nk, (int)nv);
}

/* --------------------------------------------------------------- batches */

/* Room for n batch entries. */
static int batchReserve(tito_scan *p, int n) {
  if (n > p->nBatchAlloc) {
    int *a = sqlite3_realloc(p->aBatch, n * 4 * sizeof(int));
    const uint8_t **ap;
    int *an;
    if (a == 0) return SQLITE_NOMEM;
    p->aBatch = a;
    ap = sqlite3_realloc(p->apBatchKey, n * sizeof(*ap));
    if (ap == 0) return SQLITE_NOMEM;
    p->apBatchKey = ap;
    an = sqlite3_realloc(p->anBatchKey, n * sizeof(int));
    if (an == 0) return SQLITE_NOMEM;
    p->anBatchKey = an;
    p->nBatchAlloc = n;
  }
  return SQLITE_OK;
}

/* xMultiGet callback: keep the value of batch entry i (or of the key read
** also, after them). */
static int batchRow(void *pCtx, int i, const uint8_t *pVal, int nVal) {
  tito_scan *p = (tito_scan *)pCtx;
  if (i == p->nBatch) {
    p->eExtra = 3;
    p->extraVal.n = 0;
    tito_buf_append(&p->extraVal, pVal, nVal);
    return p->extraVal.rc ? TITO_NOMEM : TITO_OK;
  }
  p->aBatch[4 * i + 2] = p->batchVals.n;
  p->aBatch[4 * i + 3] = nVal;
  tito_buf_append(&p->batchVals, pVal, nVal);
  return p->batchVals.rc ? TITO_NOMEM : TITO_OK;
}

/* Add the current entry of the iterator to the batch. */
static int batchAddEntry(tito_scan *p) {
  tito_kv *pKv = scanKv(p);
  int nk, nv = 0, rc, *e;
  const uint8_t *k = pKv->pMethods->xIterKey(p->pIter, &nk), *v = 0;
  /* Only a unique entry may keep its row's key in the value. */
  if (p->pTab->pModel->aIndex[p->plan.iPath - 2].bUnique) {
    v = pKv->pMethods->xIterValue(p->pIter, &nv);
  }
  rc = scanEntryRowKey(p, p->plan.iPath - 2, k, nk, v, nv);
  if (rc != SQLITE_OK) return rc;
  e = &p->aBatch[4 * p->nBatch++];
  e[0] = p->batchKeys.n;
  e[1] = p->rowKey.n;
  e[2] = -1;
  e[3] = 0;
  tito_buf_append(&p->batchKeys, p->rowKey.a, p->rowKey.n);
  return p->batchKeys.rc ? SQLITE_NOMEM : SQLITE_OK;
}

/*
** Read the next batch of index entries (up to nBatchWant, across ranges)
** and their rows with one multi-get. nBatch is 0 at the end of the scan.
*/
static int scanFillBatch(tito_scan *p) {
  tito_kv *pKv = scanKv(p);
  int rc, i;
  p->nBatch = p->iBatch = 0;
  p->batchKeys.n = p->batchVals.n = 0;
  p->nReadWrite = p->pTab->nWrite;
  rc = batchReserve(p, p->nBatchWant + 1); /* + the key read also */
  while (rc == SQLITE_OK && p->bPointBatch && p->nBatch < p->nBatchWant &&
         p->iRange < p->nRange) {
    const scan_range *r = &p->aRange[p->iRange++];
    int *e = &p->aBatch[4 * p->nBatch++];
    e[0] = p->batchKeys.n;
    e[1] = r->nLo;
    e[2] = -1;
    e[3] = 0;
    tito_buf_append(&p->batchKeys, p->ranges.a + r->oLo, r->nLo);
    if (p->batchKeys.rc) rc = SQLITE_NOMEM;
  }
  while (rc == SQLITE_OK && !p->bPointBatch && p->nBatch < p->nBatchWant &&
         p->iRange < p->nRange) {
    if (p->pIter == 0) {
      rc = scanOpenRange(p);
      if (rc != SQLITE_OK) break;
    }
    if (pKv->pMethods->xIterEof(p->pIter)) {
      scanCloseIter(p);
      p->iRange++;
      continue;
    }
    rc = batchAddEntry(p);
    if (rc == SQLITE_OK && pKv->pMethods->xIterNext(p->pIter) != TITO_OK) {
      rc = scanKvError(p, TITO_ERROR);
    }
  }
  if (rc != SQLITE_OK || p->nBatch == 0) return rc;
  for (i = 0; i < p->nBatch; i++) {
    p->apBatchKey[i] = p->batchKeys.a + p->aBatch[4 * i];
    p->anBatchKey[i] = p->aBatch[4 * i + 1];
  }
  if (p->eExtra == 1) {
    p->apBatchKey[p->nBatch] = p->extraKey.a;
    p->anBatchKey[p->nBatch] = p->extraKey.n;
  }
  i = pKv->pMethods->xMultiGet(pKv, p->nBatch + (p->eExtra == 1),
                               p->apBatchKey, p->anBatchKey, batchRow, p);
  if (i != TITO_OK) return scanKvError(p, i);
  if (p->eExtra == 1) p->eExtra = 2;
  if (p->nBatchWant < 64 && !p->bPointBatch) p->nBatchWant *= 2;
  return SQLITE_OK;
}

/* Settle a batched scan on its next row whose entry has a row. */
static int scanSettleBatch(tito_scan *p) {
  for (;;) {
    int rc, *e;
    if (p->iBatch >= p->nBatch) {
      rc = scanFillBatch(p);
      if (rc != SQLITE_OK) return rc;
      if (p->nBatch == 0) {
        p->bEof = 1;
        return SQLITE_OK;
      }
    }
    e = &p->aBatch[4 * p->iBatch];
    if (e[2] < 0) { /* the row vanished under the entry */
      p->iBatch++;
      continue;
    }
    p->rowKey.n = 0;
    tito_buf_append(&p->rowKey, p->batchKeys.a + e[0], e[1]);
    p->pVal = p->batchVals.a + e[2];
    p->nVal = e[3];
    p->bDecoded = 0;
    p->bEntry = 0;
    return p->rowKey.rc ? SQLITE_NOMEM : SQLITE_OK;
  }
}

/* ----------------------------------------------------------- positioning */

/* Read the unique index entry at pKey and its row (or, covering, keep a
** copy of the entry). SQLITE_DONE if there is none. */
static int scanFetchEntry(tito_scan *p, const uint8_t *pKey, int nKey) {
  int rc = scanGetCopy(p, pKey, nKey, &p->entryKey, &p->entryVal);
  if (rc != SQLITE_OK) return rc;
  return scanLoadKV(p, p->entryKey.a, p->entryKey.n, p->entryVal.a,
                    p->entryVal.n);
}

/* Settle a point read on the next key that exists. */
static int scanSettlePoint(tito_scan *p) {
  while (p->iRange < p->nRange) {
    const scan_range *r = &p->aRange[p->iRange];
    int rc;
    if (p->plan.iPath >= 2) {
      rc = scanFetchEntry(p, p->ranges.a + r->oLo, r->nLo);
    } else {
      rc = scanFetchRow(p, p->ranges.a + r->oLo, r->nLo);
    }
    if (rc != SQLITE_DONE) return rc;
    p->iRange++;
  }
  p->bEof = 1;
  return SQLITE_OK;
}

/* Settle a range scan on the next entry whose row exists. */
static int scanSettleRange(tito_scan *p) {
  tito_kv *pKv = scanKv(p);
  while (p->iRange < p->nRange) {
    int rc;
    if (p->pIter == 0) {
      rc = scanOpenRange(p);
      if (rc != SQLITE_OK) return rc;
    }
    if (pKv->pMethods->xIterEof(p->pIter)) {
      scanCloseIter(p);
      p->iRange++;
      continue;
    }
    rc = scanLoadEntry(p);
    if (rc != SQLITE_DONE) return rc;
    rc = pKv->pMethods->xIterNext(p->pIter);
    if (rc != TITO_OK) return scanKvError(p, rc);
  }
  p->bEof = 1;
  return SQLITE_OK;
}

/* Move to the next row that exists, starting at the current position. */
static int scanSettleRow(tito_scan *p) {
  int rc;
  if (p->bBatch) return scanSettleBatch(p);
  if (p->bPoint) return scanSettlePoint(p);
  if (!p->bSorted) return scanSettleRange(p);
  for (; p->iSorted < p->nSorted; p->iSorted++) {
    rc = scanLoadSorted(p);
    if (rc != SQLITE_DONE) return rc;
  }
  p->bEof = 1;
  return SQLITE_OK;
}

/* Settle, noting the table's write count the row was read at. */
/* Keep the current row for the writes that may follow (row_cache.h): the
** row, or the row key of an index entry read alone. */
static void scanKeepForWrites(tito_scan *p) {
  if (p->bEntry) {
    if (entryRowKey(p) == SQLITE_OK) {
      tito_table_row_named(p->pTab, p->rowKey.a, p->rowKey.n);
    }
  } else if (p->pVal) {
    tito_table_row_read(p->pTab, p->rowKey.a, p->rowKey.n, p->pVal, p->nVal);
  }
}

static int scanSettle(tito_scan *p) {
  int rc = scanSettleRow(p);
  p->bTouched = 0;
  if (rc == SQLITE_OK && !p->bEof && p->pTab->pReadRows) scanKeepForWrites(p);
  /* Batched and sorted rows were read when their batch was. */
  p->nRowWrite = p->bBatch || p->bSorted ? p->nReadWrite : p->pTab->nWrite;
  return rc;
}

/* Move to the next row, without counting it against the LIMIT. */
static int scanAdvance(tito_scan *p) {
  if (p->bBatch) {
    p->iBatch++;
  } else if (p->bSorted) {
    p->iSorted++;
  } else if (p->bPoint) {
    p->iRange++;
  } else if (p->pIter) {
    tito_kv *pKv = scanKv(p);
    int rc = pKv->pMethods->xIterNext(p->pIter);
    if (rc != TITO_OK) return scanKvError(p, rc);
  }
  return scanSettle(p);
}

/* The LIMIT is reached: the scan ends here. */
static void scanLimitReached(tito_scan *p) {
  scanCloseIter(p);
  p->bEof = 1;
}

/*
** COUNTING. A statement that passes over rows without reading them
** (count(*), or SQLite skipping an OFFSET) need not have them read: after
** COUNT_AFTER rows in a row whose key and values nobody asked for, a range
** scan stops stepping its iterator and lets the store pass over the keys
** in chunks (tito_kv_skip: inside SQLite on the embedded store, keys only
** on TiKV), yielding each counted key as a row. Rows stay rows: if a
** caller asks for one (scanCountMaterialize), the scan finds that very key
** (the chunk's start, then as many keys as the row is into the chunk) and
** goes on reading from it. Only range scans count (not point reads,
** batched index scans or sorted ones): there an entry is a row.
*/
#define COUNT_AFTER 8
#define COUNT_CHUNK_MAX 4096 /* a row asked for costs at most this */

/* Can the scan count rows instead of reading them? */
static int scanCanCount(const tito_scan *p) {
  return !p->bPoint && !p->bBatch && !p->bSorted && p->pIter != 0;
}

/* The bounds of the unread part of range iRange: after cntStart (before
** it, reverse), into ppLo, pnLo, ppHi, pnHi (a NULL bound: none). */
static int scanCountBounds(tito_scan *p, const uint8_t **ppLo, int *pnLo,
                           const uint8_t **ppHi, int *pnHi) {
  const scan_range *r = &p->aRange[p->iRange];
  *ppLo = r->nLo ? p->ranges.a + r->oLo : 0;
  *pnLo = r->nLo;
  *ppHi = r->nHi ? p->ranges.a + r->oHi : 0;
  *pnHi = r->nHi;
  if (p->cntStart.n == 0) return SQLITE_OK;
  if (p->plan.bDesc) {
    *ppHi = p->cntStart.a;
    *pnHi = p->cntStart.n;
  } else {
    /* The smallest key above cntStart: cntStart | 0x00. */
    p->bT.n = 0;
    tito_buf_append(&p->bT, p->cntStart.a, p->cntStart.n);
    tito_buf_append_byte(&p->bT, 0x00);
    if (p->bT.rc) return SQLITE_NOMEM;
    *ppLo = p->bT.a;
    *pnLo = p->bT.n;
  }
  return SQLITE_OK;
}

/* Count the next chunk (moving on to later ranges when one is used up);
** the scan ends when none is left. */
static int scanCountChunk(tito_scan *p) {
  tito_kv *pKv = scanKv(p);
  while (p->iRange < p->nRange) {
    const uint8_t *pLo, *pHi;
    int nLo, nHi, rc = scanCountBounds(p, &pLo, &nLo, &pHi, &nHi);
    if (rc != SQLITE_OK) return rc;
    rc = tito_kv_skip(pKv, pLo, nLo, pHi, nHi,
                      p->plan.bDesc ? TITO_SCAN_REVERSE : 0, p->nChunkWant,
                      &p->nChunk, &p->cntEnd);
    if (rc != TITO_OK) return scanKvError(p, rc);
    p->iChunk = 0;
    if (p->nChunkWant < COUNT_CHUNK_MAX) p->nChunkWant *= 4;
    if (p->nChunk > 0) return SQLITE_OK;
    p->iRange++;
    p->cntStart.n = 0;
  }
  p->bEof = 1;
  return SQLITE_OK;
}

/* Start counting after the current row (which is passed over). */
static int scanCountBegin(tito_scan *p) {
  tito_kv *pKv = scanKv(p);
  int nKey;
  const uint8_t *pKey = pKv->pMethods->xIterKey(p->pIter, &nKey);
  p->cntStart.n = 0;
  tito_buf_append(&p->cntStart, pKey, nKey);
  if (p->cntStart.rc) return SQLITE_NOMEM;
  scanCloseIter(p);
  p->pVal = 0; /* it lived in the iterator */
  p->bCounting = 1;
  p->nChunkWant = 256;
  return scanCountChunk(p);
}

static int scanCountNext(tito_scan *p);

/* OFFSET: pass over nSkip rows from the current one, counting them. */
static int scanCountSkip(tito_scan *p, int64_t nSkip) {
  int64_t nLeft = nSkip - 1; /* the current row is the first */
  int rc = scanCountBegin(p);
  while (rc == SQLITE_OK && !p->bEof && nLeft > 0) {
    /* The chunk counted holds the next nChunk rows. */
    if (p->nChunk > nLeft) {
      p->iChunk = nLeft;
      break;
    }
    nLeft -= p->nChunk;
    p->iChunk = p->nChunk - 1;
    if (nLeft > 0) p->nChunkWant = nLeft;
    rc = scanCountNext(p);
  }
  return rc;
}

/* The next counted row. */
static int scanCountNext(tito_scan *p) {
  if (++p->iChunk < p->nChunk) return SQLITE_OK;
  p->cntStart.n = 0;
  tito_buf_append(&p->cntStart, p->cntEnd.a, p->cntEnd.n);
  if (p->cntStart.rc) return SQLITE_NOMEM;
  return scanCountChunk(p);
}

/* A counted row is asked for: read from its key on. */
static int scanCountMaterialize(tito_scan *p) {
  scan_range *r = &p->aRange[p->iRange];
  int rc;
  if (p->iChunk > 0) {
    /* Its key is iChunk keys after the chunk's start. */
    const uint8_t *pLo, *pHi;
    int nLo, nHi;
    int64_t n = 0;
    rc = scanCountBounds(p, &pLo, &nLo, &pHi, &nHi);
    if (rc != SQLITE_OK) return rc;
    rc = tito_kv_skip(scanKv(p), pLo, nLo, pHi, nHi,
                      p->plan.bDesc ? TITO_SCAN_REVERSE : 0, p->iChunk, &n,
                      &p->cntEnd);
    if (rc != TITO_OK) return scanKvError(p, rc);
    if (n != p->iChunk) {
      scanSetError(p, "tito: %s: keys changed while counted",
                   p->pTab->pModel->zTable);
      return SQLITE_ERROR;
    }
    p->cntStart.n = 0;
    tito_buf_append(&p->cntStart, p->cntEnd.a, p->cntEnd.n);
  }
  /* Narrow the range to what is left, then read it as usual. */
  if (p->cntStart.n) {
    const uint8_t *pLo, *pHi;
    int nLo, nHi, o = p->ranges.n;
    rc = scanCountBounds(p, &pLo, &nLo, &pHi, &nHi);
    if (rc != SQLITE_OK) return rc;
    if (p->plan.bDesc) {
      tito_buf_append(&p->ranges, pHi, nHi);
      r->oHi = o;
      r->nHi = nHi;
    } else {
      tito_buf_append(&p->ranges, pLo, nLo);
      r->oLo = o;
      r->nLo = nLo;
    }
    if (p->ranges.rc) return SQLITE_NOMEM;
  }
  p->bCounting = 0;
  p->nUntouched = 0;
  rc = scanSettle(p);
  p->bTouched = 1;
  return rc;
}

int tito_scan_start(tito_scan *p) {
  const tito_scan_plan *pPlan = &p->plan;
  int64_t i;
  int rc = SQLITE_OK;
  if (p->nRange > 1) scanSortRanges(p);
  if (pPlan->bOrdered && (p->bAll || pPlan->nEq < pPlan->nOrderEq)) {
    rc = scanMaterialize(p);
  } else if (pPlan->iPath >= 2 && !pPlan->bCover && !pPlan->bKeyOnly &&
             !p->bPoint) {
    /* A LIMIT sizes the first batch; else read 16 ahead, then more. */
    p->bBatch = 1;
    p->nBatch = p->iBatch = 0;
    p->nBatchWant =
        pPlan->nHint > 0 && pPlan->nHint < 16 ? (int)pPlan->nHint : 16;
  } else if (p->bPoint && pPlan->iPath == TITO_PATH_PK && p->nRange > 1) {
    /* A list of keys (IN): their rows in one multi-get per batch, not one
    ** read each (on TiKV: one KvBatchGet per region instead of a KvGet per
    ** key). */
    p->bBatch = p->bPointBatch = 1;
    p->nBatch = p->iBatch = 0;
    p->nBatchWant = p->nRange < 1024 ? p->nRange : 1024;
  }
  p->iRange = 0;
  if (rc == SQLITE_OK) rc = scanSettle(p);
  /* OFFSET: the first nSkip rows are passed over (counted, where the scan
  ** can count: see "COUNTING"). */
  if (rc == SQLITE_OK && pPlan->nSkip > 0 && !p->bEof && scanCanCount(p)) {
    rc = scanCountSkip(p, pPlan->nSkip);
  } else {
    for (i = 0; rc == SQLITE_OK && i < pPlan->nSkip && !p->bEof; i++) {
      rc = scanAdvance(p);
    }
  }
  if (rc == SQLITE_OK && pPlan->bLimit && pPlan->nLimit <= 0) {
    scanLimitReached(p);
  }
  return rc;
}

int tito_scan_next(tito_scan *p) {
  if (p->plan.bLimit && ++p->nYield >= p->plan.nLimit) {
    scanLimitReached(p);
    return SQLITE_OK;
  }
  if (p->bCounting) return scanCountNext(p);
  if (p->bTouched) {
    p->nUntouched = 0;
  } else if (++p->nUntouched >= COUNT_AFTER && scanCanCount(p)) {
    return scanCountBegin(p);
  }
  return scanAdvance(p);
}

int tito_scan_eof(tito_scan *p) { return p->bEof; }

int tito_scan_read_also(tito_scan *p, const uint8_t *pKey, int nKey) {
  p->extraKey.n = 0;
  tito_buf_append(&p->extraKey, pKey, nKey);
  p->eExtra = p->extraKey.rc ? 0 : 1;
  return p->extraKey.rc ? SQLITE_NOMEM : SQLITE_OK;
}

int tito_scan_extra(tito_scan *p, const uint8_t **ppVal, int *pnVal) {
  *ppVal = p->eExtra == 3 ? p->extraVal.a : 0;
  *pnVal = p->eExtra == 3 ? p->extraVal.n : 0;
  return p->eExtra >= 2 ? p->eExtra - 1 : 0;
}

/* The current row is asked for: read it if it was only counted. */
static int scanTouch(tito_scan *p) {
  p->bTouched = 1;
  return p->bCounting ? scanCountMaterialize(p) : SQLITE_OK;
}

const uint8_t *tito_scan_key(tito_scan *p, int *pnKey) {
  int rc = scanTouch(p);
  if (rc == SQLITE_OK && p->bEntry) rc = entryRowKey(p);
  if (rc != SQLITE_OK) {
    *pnKey = 0;
    return 0;
  }
  *pnKey = p->rowKey.n;
  return p->rowKey.a;
}

/* ------------------------------------------------------------- decoding */

static int scanDecodeRow(tito_scan *p);

/* Where an entry of the scan's index holds a column (aiSrc): field i of
** its key (i >= 0), its INCLUDE value, its row key, or nowhere. */
#define SRC_INCLUDE (-1)
#define SRC_PK (-2)
#define SRC_NONE (-3)

static void scanEntrySources(tito_scan *p) {
  const tito_model *pModel = p->pTab->pModel;
  const tito_index *pIdx;
  int i;
  for (i = 0; i < pModel->nCol; i++) p->aiSrc[i] = SRC_NONE;
  if (p->plan.iPath < 2) return;
  pIdx = &pModel->aIndex[p->plan.iPath - 2];
  for (i = 0; i < pModel->nPk; i++) p->aiSrc[pModel->aiPk[i]] = SRC_PK;
  for (i = 0; i < pIdx->nInclude; i++) {
    p->aiSrc[pIdx->aiInclude[i]] = SRC_INCLUDE;
  }
  for (i = pIdx->nCol - 1; i >= 0; i--) p->aiSrc[pIdx->aiCol[i]] = i;
}

/* A new entry is current: nothing of it decoded yet. */
static void scanEntryReset(tito_scan *p) {
  p->bRowKey = p->bEntryBegun = p->bIncDone = p->bPkDone = 0;
  p->nKeyDone = 0;
  p->offKeyDone = p->pTab->idxPrefix.n + 4;
}

/* Before the entry's first value decoded from a key: room in scratch for
** every text the key and the row key may decode to (it must not move
** while values point into it; INCLUDE values point into the entry). */
static int entryBegin(tito_scan *p) {
  if (p->bEntryBegun) return SQLITE_OK;
  p->scratch.n = 0;
  if (tito_buf_reserve(&p->scratch, 2 * (p->nEntryKey + p->nEntryVal +
                                         p->pTab->rowPrefix.n) + 64)) {
    return SQLITE_NOMEM;
  }
  p->bEntryBegun = 1;
  return SQLITE_OK;
}

static int entryRowKey(tito_scan *p) {
  int rc;
  if (p->bRowKey) return SQLITE_OK;
  /* Past the fields already decoded: skip only the rest. */
  rc = scanEntryRowKeyFrom(p, p->plan.iPath - 2, p->pEntryKey, p->nEntryKey,
                           p->pEntryVal, p->nEntryVal, p->nKeyDone,
                           p->offKeyDone);
  p->bRowKey = rc == SQLITE_OK;
  return rc;
}

/* -2^63 is the one number an INTEGER column may hold both as an integer
** and as a real (SQLite's affinity keeps that real): its key cannot say
** which. */
static int keyAmbiguous(const tito_value *v) {
  return v->eType == SQLITE_INTEGER && v->i == INT64_MIN;
}

/* Read the entry's row, and every column from it (see keyAmbiguous). */
static int entryFromRow(tito_scan *p) {
  int rc = entryRowKey(p);
  if (rc == SQLITE_OK) rc = scanFetchRow(p, p->rowKey.a, p->rowKey.n);
  if (rc == SQLITE_OK) rc = scanDecodeRow(p);
  return rc == SQLITE_DONE ? scanCorrupt(p, "index entry") : rc;
}

/* Decode the key fields up to field iField. */
static int entryKeyFields(tito_scan *p, int iField) {
  const tito_model *pModel = p->pTab->pModel;
  const tito_index *pIdx = &pModel->aIndex[p->plan.iPath - 2];
  int rc = entryBegin(p);
  if (rc != SQLITE_OK) return rc;
  while (p->nKeyDone <= iField) {
    int iCol = pIdx->aiCol[p->nKeyDone], off = p->offKeyDone;
    int n = tito_key_decode(p->pEntryKey + off, p->nEntryKey - off,
                            pIdx->abDesc[p->nKeyDone],
                            pModel->aCol[iCol].cAff == TITO_AFF_REAL,
                            &p->aVal[iCol], &p->scratch);
    if (n < 0) return scanCorrupt(p, "index entry");
    if (keyAmbiguous(&p->aVal[iCol])) return entryFromRow(p);
    p->offKeyDone += n;
    p->nKeyDone++;
  }
  return SQLITE_OK;
}

static int entryInclude(tito_scan *p) {
  const tito_index *pIdx = &p->pTab->pModel->aIndex[p->plan.iPath - 2];
  if (tito_row_decode_to(p->pEntryVal, p->nEntryVal, pIdx->nInclude, p->aVal,
                         pIdx->aiInclude)) {
    return scanCorrupt(p, "index entry");
  }
  p->bIncDone = 1;
  return SQLITE_OK;
}

static int entryPk(tito_scan *p) {
  tito_table *pTab = p->pTab;
  const tito_model *pModel = pTab->pModel;
  int i, rc = entryBegin(p);
  if (rc == SQLITE_OK) rc = entryRowKey(p);
  if (rc != SQLITE_OK) return rc;
  if (tito_table_decode_pk(pTab, p->rowKey.a, p->rowKey.n, p->aTmp,
                           &p->scratch)) {
    return scanCorrupt(p, "row key");
  }
  for (i = 0; i < pModel->nPk; i++) {
    p->aVal[pModel->aiPk[i]] = p->aTmp[i];
    if (keyAmbiguous(&p->aTmp[i])) return entryFromRow(p);
  }
  p->bPkDone = 1;
  return SQLITE_OK;
}

/* Decode column iCol of the covering index entry into aVal[iCol], and
** only what comes before it in the entry: SQLite asks for the columns a
** statement reads, a row at a time. */
static int scanEntryColumn(tito_scan *p, int iCol) {
  int iSrc = p->aiSrc[iCol];
  if (iSrc >= 0) return entryKeyFields(p, iSrc);
  if (iSrc == SRC_INCLUDE) return p->bIncDone ? SQLITE_OK : entryInclude(p);
  if (iSrc == SRC_PK) return p->bPkDone ? SQLITE_OK : entryPk(p);
  p->aVal[iCol].eType = SQLITE_NULL;
  return SQLITE_OK;
}

/* Decode the whole covering index entry into aVal (index fields, INCLUDE
** columns, primary key; NULL for the rest). */
static int scanDecodeEntry(tito_scan *p) {
  int i, rc = SQLITE_OK;
  for (i = 0; rc == SQLITE_OK && !p->bDecoded && i < p->pTab->pModel->nCol;
       i++) {
    rc = scanEntryColumn(p, i);
  }
  if (rc == SQLITE_OK) p->bDecoded = 1;
  return rc;
}

static int scanDecodeRow(tito_scan *p) {
  if (p->bDecoded) return SQLITE_OK;
  /* An empty or NULL stored row has no bytes (pVal may be NULL): it is a
  ** corrupt row, never a reason to look at an index entry. */
  if (p->bEntry) return scanDecodeEntry(p);
  if (tito_table_decode_row(p->pTab, p->pVal, p->nVal, p->aVal)) {
    return scanCorrupt(p, "row");
  }
  p->bDecoded = 1;
  return SQLITE_OK;
}

int tito_scan_column(tito_scan *p, int iCol, tito_value **ppVal) {
  int rc = scanTouch(p);
  if (rc == SQLITE_OK && !p->bDecoded) {
    rc = p->bEntry ? scanEntryColumn(p, iCol) : scanDecodeRow(p);
  }
  *ppVal = &p->aVal[iCol];
  return rc;
}

int tito_scan_row(tito_scan *p, tito_value **paVal) {
  int rc = scanTouch(p);
  if (rc == SQLITE_OK) rc = scanDecodeRow(p);
  *paVal = p->aVal;
  return rc;
}
