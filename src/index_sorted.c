/*
** index_sorted.c: an index built in the order of its keys (see
** index_sorted.h): the gather, one step, the marks of writes.
*/
#include "index_sorted.h"
#include <stdlib.h>
#include <string.h>
#include "index_build.h"

/*
** A gathered entry: the layout of index_build.h (u32 key size, u32 value
** size, compact flag, key, value), then u32 size and the row key without
** the model's row prefix.
*/
struct tito_sorted {
  tito_buf data;         /* entries back to back */
  int *aEnt;             /* their offsets in data */
  int n, nAlloc;
  const uint8_t **a;     /* the entries in key order, once gathered */
  int iNext;             /* the next one to write */
  int bComplete;         /* every entry above `after` kept */
  tito_buf after;        /* entries above this key (empty: all) */
  tito_buf cutoff;       /* kept only up to this key (bComplete 0) */
  int64_t iBuild;
  int64_t nAbove;        /* entries above `after`, kept or not */
};

/* Entries a gather keeps at least, whatever the memory: a step writes
** what one gather kept, and each gather reads every row. */
#define SORTED_MIN_ENTRIES 64

static uint32_t sortedU32(const uint8_t *p) {
  uint32_t x;
  memcpy(&x, p, 4);
  return x;
}

static const uint8_t *sortedKey(const uint8_t *p, int *pn) {
  *pn = (int)sortedU32(p);
  return p + 9;
}

/* The row key suffix of entry p. */
static const uint8_t *sortedRow(const uint8_t *p, int *pn) {
  const uint8_t *q = p + 9 + sortedU32(p) + sortedU32(p + 4);
  *pn = (int)sortedU32(q);
  return q + 4;
}

void tito_sorted_free(tito_sorted *s) {
  if (s == 0) return;
  tito_buf_free(&s->data);
  tito_buf_free(&s->after);
  tito_buf_free(&s->cutoff);
  sqlite3_free(s->aEnt);
  sqlite3_free(s->a);
  sqlite3_free(s);
}

static int sortedAdd(tito_sorted *s, const tito_buf *pKey,
                     const tito_buf *pVal, int bCompact,
                     const uint8_t *pRow, int nRow) {
  uint32_t nk = (uint32_t)pKey->n, nv = (uint32_t)pVal->n, nr = (uint32_t)nRow;
  uint8_t flag = (uint8_t)bCompact;
  if (s->n == s->nAlloc) {
    int nNew = s->nAlloc ? s->nAlloc * 2 : 1024;
    int *a = sqlite3_realloc64(s->aEnt, sizeof(int) * (sqlite3_uint64)nNew);
    if (a == 0) return SQLITE_NOMEM;
    s->aEnt = a;
    s->nAlloc = nNew;
  }
  s->aEnt[s->n++] = s->data.n;
  tito_buf_append(&s->data, (const uint8_t *)&nk, 4);
  tito_buf_append(&s->data, (const uint8_t *)&nv, 4);
  tito_buf_append(&s->data, &flag, 1);
  tito_buf_append(&s->data, pKey->a, pKey->n);
  tito_buf_append(&s->data, pVal->a, pVal->n);
  tito_buf_append(&s->data, (const uint8_t *)&nr, 4);
  tito_buf_append(&s->data, pRow, nRow);
  return s->data.rc ? SQLITE_NOMEM : SQLITE_OK;
}

/* The entries in key order into s->a. */
static int sortedSort(tito_sorted *s) {
  int i;
  sqlite3_free(s->a);
  s->a = sqlite3_malloc64(sizeof(*s->a) * (sqlite3_uint64)(s->n ? s->n : 1));
  if (s->a == 0) return SQLITE_NOMEM;
  for (i = 0; i < s->n; i++) s->a[i] = s->data.a + s->aEnt[i];
  qsort(s->a, (size_t)s->n, sizeof(*s->a), tito_index_entry_cmp);
  return SQLITE_OK;
}

/* Over the memory: keep the smaller half of the entries, the largest key
** kept the cutoff from now on. Entries of one key (rows sharing a unique
** value) stay together: one passed over now would never be gathered again
** (a later gather takes the keys above the last one written). */
static int sortedTrim(tito_sorted *s) {
  tito_buf kept = TITO_BUF_INIT;
  int i, nKeep = s->n / 2 > 0 ? s->n / 2 : 1, nKey, rc = sortedSort(s);
  const uint8_t *pKey;
  if (rc != SQLITE_OK) return rc;
  while (nKeep < s->n &&
         tito_index_entry_cmp(&s->a[nKeep - 1], &s->a[nKeep]) == 0) {
    nKeep++;
  }
  for (i = 0; i < nKeep; i++) {
    const uint8_t *p = s->a[i];
    int nRow;
    const uint8_t *pRow = sortedRow(p, &nRow);
    s->aEnt[i] = kept.n;
    tito_buf_append(&kept, p, (int)(pRow + nRow - p));
  }
  pKey = sortedKey(s->a[nKeep - 1], &nKey);
  s->cutoff.n = 0;
  tito_buf_append(&s->cutoff, pKey, nKey);
  tito_buf_free(&s->data);
  s->data = kept;
  s->n = nKeep;
  s->bComplete = 0;
  return kept.rc || s->cutoff.rc ? SQLITE_NOMEM : SQLITE_OK;
}

/* The state of one gather. */
typedef struct gather_ctx {
  tito_table *pTab;
  int iIdx;
  tito_sorted *s;
  int nMemory;
  int64_t nAbove;
  tito_value *aRow;
  tito_buf rowKey, key, val;
} gather_ctx;

/* One row (key k, value v): its entry kept if above `after`, and up to the
** cutoff. */
static int gatherRow(gather_ctx *g, const uint8_t *k, int nk,
                     const uint8_t *v, int nv, char **pzErr) {
  tito_table *pTab = g->pTab;
  tito_sorted *s = g->s;
  uint64_t mask = 0;
  int rc, bCompact, nPre = pTab->rowPrefix.n;
  if (tito_table_decode_row(pTab, v, nv, g->aRow)) {
    *pzErr = sqlite3_mprintf("tito: %s: corrupt row", pTab->pModel->zTable);
    return SQLITE_CORRUPT;
  }
  rc = tito_table_mask(pTab, g->aRow, &mask);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
    return rc;
  }
  if (((mask >> g->iIdx) & 1) == 0) return SQLITE_OK;
  g->rowKey.n = 0;
  tito_buf_append(&g->rowKey, k, nk);
  bCompact = tito_table_entry(pTab, g->iIdx, g->aRow, &g->rowKey, &g->key,
                              &g->val);
  if (g->rowKey.rc || g->key.rc || g->val.rc) return SQLITE_NOMEM;
  if (s->after.n && tito_bytes_cmp(g->key.a, g->key.n, s->after.a,
                                   s->after.n) <= 0) {
    return SQLITE_OK;
  }
  g->nAbove++;
  if (!s->bComplete && tito_bytes_cmp(g->key.a, g->key.n, s->cutoff.a,
                                      s->cutoff.n) > 0) {
    return SQLITE_OK;
  }
  rc = sortedAdd(s, &g->key, &g->val, bCompact, k + nPre, nk - nPre);
  if (rc == SQLITE_OK && s->data.n > g->nMemory &&
      s->n >= 2 * SORTED_MIN_ENTRIES) {
    rc = sortedTrim(s);
  }
  return rc;
}

int tito_sorted_gather(tito_table *pTab, int iIdx, const tito_buf *pAfter,
                       int nMemory, int64_t iBuild, tito_sorted **pp,
                       int64_t *pnRow, char **pzErr) {
  tito_kv *pKv = pTab->pKv;
  tito_kv_iter *pIter = 0;
  gather_ctx g;
  int r, rc;
  memset(&g, 0, sizeof(g));
  *pp = 0;
  *pnRow = 0;
  g.pTab = pTab;
  g.iIdx = iIdx;
  g.nMemory = nMemory > 0 ? nMemory : TITO_SORTED_MEMORY;
  g.s = sqlite3_malloc(sizeof(*g.s));
  g.aRow = sqlite3_malloc64(sizeof(tito_value) * (pTab->pModel->nCol + 1));
  if (g.s == 0 || g.aRow == 0) {
    sqlite3_free(g.s);
    sqlite3_free(g.aRow);
    return SQLITE_NOMEM;
  }
  memset(g.s, 0, sizeof(*g.s));
  g.s->bComplete = 1;
  g.s->iBuild = iBuild;
  if (pAfter) tito_buf_append(&g.s->after, pAfter->a, pAfter->n);
  rc = g.s->after.rc ? SQLITE_NOMEM : SQLITE_OK;
  /* One scan of the rows: nothing is written meanwhile. */
  r = pKv->pMethods->xScan(pKv, pTab->rowPrefix.a, pTab->rowPrefix.n,
                           pTab->idxPrefix.a, pTab->idxPrefix.n, 0, 0, &pIter);
  while (rc == SQLITE_OK && r == TITO_OK && !pKv->pMethods->xIterEof(pIter)) {
    int nk, nv;
    const uint8_t *k = pKv->pMethods->xIterKey(pIter, &nk);
    const uint8_t *v = pKv->pMethods->xIterValue(pIter, &nv);
    rc = gatherRow(&g, k, nk, v, nv, pzErr);
    (*pnRow)++;
    if (rc == SQLITE_OK) r = pKv->pMethods->xIterNext(pIter);
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  if (rc == SQLITE_OK && r != TITO_OK) {
    rc = tito_table_kv_error(pTab, r);
    *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
  }
  if (rc == SQLITE_OK) rc = sortedSort(g.s);
  tito_buf_free(&g.rowKey);
  tito_buf_free(&g.key);
  tito_buf_free(&g.val);
  sqlite3_free(g.aRow);
  if (rc != SQLITE_OK) {
    tito_sorted_free(g.s);
    return rc;
  }
  *pp = g.s;
  g.s->nAbove = g.nAbove;
  return SQLITE_OK;
}

int tito_sorted_complete(const tito_sorted *s) { return s->bComplete; }

int64_t tito_sorted_total(const tito_sorted *s) {
  return s->after.n == 0 ? s->nAbove : -1;
}

int tito_sorted_usable(const tito_sorted *s, int64_t iBuild,
                       const tito_buf *pDone) {
  if (s == 0 || s->iBuild != iBuild) return 0;
  /* Gathered above a key not written yet (another call wrote less): some
  ** entries below it are missing. */
  if (s->after.n && (pDone->n == 0 || tito_bytes_cmp(pDone->a, pDone->n,
                                                     s->after.a,
                                                     s->after.n) < 0)) {
    return 0;
  }
  /* Used up with more above the cutoff: gather those. */
  return s->iNext < s->n || s->bComplete;
}

/* The marks' range: P | model id | 0x06 and its end. */
static void marksRange(tito_table *pTab, tito_buf *pLo, tito_buf *pHi) {
  tito_table_model_key(pTab, TITO_KIND_MARKS, pLo);
  tito_table_model_key(pTab, TITO_KIND_MARKS + 1, pHi);
}

int tito_sorted_marks_clear(tito_table *pTab) {
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT;
  int r = TITO_NOMEM;
  marksRange(pTab, &lo, &hi);
  if (!lo.rc && !hi.rc) {
    r = pTab->pKv->pMethods->xDeleteRange(pTab->pKv, lo.a, lo.n, hi.a, hi.n);
  }
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  return r == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, r);
}

/* The marked rows (their key suffixes, in key order) into *pMarks:
** offsets in pData, *pn of them. */
static int marksLoad(tito_table *pTab, tito_buf *pData, int **paOff,
                     int *pn) {
  tito_kv *pKv = pTab->pKv;
  tito_kv_iter *pIter = 0;
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT;
  int nAlloc = 0, r;
  *pn = 0;
  marksRange(pTab, &lo, &hi);
  r = lo.rc || hi.rc ? TITO_NOMEM
                     : pKv->pMethods->xScan(pKv, lo.a, lo.n, hi.a, hi.n,
                                            TITO_SCAN_KEYONLY, 0, &pIter);
  while (r == TITO_OK && !pKv->pMethods->xIterEof(pIter)) {
    int nk;
    const uint8_t *k = pKv->pMethods->xIterKey(pIter, &nk);
    uint32_t n = (uint32_t)(nk - lo.n);
    if (*pn == nAlloc) {
      int *a;
      nAlloc = nAlloc ? nAlloc * 2 : 64;
      a = sqlite3_realloc64(*paOff, sizeof(int) * (sqlite3_uint64)nAlloc);
      if (a == 0) {
        r = TITO_NOMEM;
        break;
      }
      *paOff = a;
    }
    (*paOff)[(*pn)++] = pData->n;
    tito_buf_append(pData, (const uint8_t *)&n, 4);
    tito_buf_append(pData, k + lo.n, (int)n);
    r = pData->rc ? TITO_NOMEM : pKv->pMethods->xIterNext(pIter);
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  return r == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, r);
}

/* Is row suffix p (n bytes) among the marks (sorted)? */
static int marksHold(const tito_buf *pData, const int *aOff, int nMark,
                     const uint8_t *p, int n) {
  int lo = 0, hi = nMark - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    const uint8_t *q = pData->a + aOff[mid];
    int c = tito_bytes_cmp(q + 4, (int)sortedU32(q), p, n);
    if (c == 0) return 1;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/* The entry of marked row pRow (suffix, n bytes) as it is now, added to
** fresh (none if the row is gone or out of the index). */
static int sortedReread(tito_table *pTab, int iIdx, const uint8_t *pRow,
                        int n, tito_value *aRow, tito_sorted *fresh,
                        char **pzErr) {
  tito_kv *pKv = pTab->pKv;
  tito_buf rowKey = TITO_BUF_INIT, val = TITO_BUF_INIT, key = TITO_BUF_INIT;
  tito_buf ent = TITO_BUF_INIT;
  const uint8_t *v;
  uint64_t mask = 0;
  int nv, r, rc = SQLITE_OK;
  tito_buf_append(&rowKey, pTab->rowPrefix.a, pTab->rowPrefix.n);
  tito_buf_append(&rowKey, pRow, n);
  r = rowKey.rc ? TITO_NOMEM
                : pKv->pMethods->xGet(pKv, rowKey.a, rowKey.n, &v, &nv);
  if (r == TITO_OK) {
    tito_buf_append(&val, v, nv); /* decoded values point into it */
    if (val.rc) rc = SQLITE_NOMEM;
    else if (tito_table_decode_row(pTab, val.a, val.n, aRow)) {
      *pzErr = sqlite3_mprintf("tito: %s: corrupt row", pTab->pModel->zTable);
      rc = SQLITE_CORRUPT;
    }
    if (rc == SQLITE_OK) rc = tito_table_mask(pTab, aRow, &mask);
    if (rc == SQLITE_OK && ((mask >> iIdx) & 1)) {
      int bCompact = tito_table_entry(pTab, iIdx, aRow, &rowKey, &key, &ent);
      rc = key.rc || ent.rc ? SQLITE_NOMEM
                            : sortedAdd(fresh, &key, &ent, bCompact, pRow, n);
    }
  } else if (r != TITO_NOTFOUND) {
    rc = tito_table_kv_error(pTab, r);
  }
  if (rc != SQLITE_OK && *pzErr == 0 && rc != SQLITE_NOMEM) {
    *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
  }
  tito_buf_free(&rowKey);
  tito_buf_free(&val);
  tito_buf_free(&key);
  tito_buf_free(&ent);
  return rc;
}

int tito_sorted_step(tito_table *pTab, int iIdx, tito_sorted *s,
                     tito_buf *pDone, int64_t nMax, int64_t *pn,
                     int *pbUsedUp, char **pzErr) {
  tito_buf marks = TITO_BUF_INIT;
  tito_sorted fresh;
  const uint8_t **aWrite = 0;
  tito_value *aRow = 0;
  int *aMark = 0, nMark = 0, nWrite = 0, i, iEnd, rc;
  memset(&fresh, 0, sizeof(fresh));
  *pn = 0;
  /* Entries the record says are written already are passed over. */
  while (s->iNext < s->n && pDone->n) {
    int nKey;
    const uint8_t *pKey = sortedKey(s->a[s->iNext], &nKey);
    if (tito_bytes_cmp(pKey, nKey, pDone->a, pDone->n) > 0) break;
    s->iNext++;
  }
  iEnd = nMax > 0 && s->n - s->iNext > nMax ? s->iNext + (int)nMax : s->n;
  /* A step ends between keys: the record's last key written stands for
  ** every entry of it (rows sharing a unique value). */
  while (iEnd > s->iNext && iEnd < s->n &&
         tito_index_entry_cmp(&s->a[iEnd - 1], &s->a[iEnd]) == 0) {
    iEnd++;
  }
  rc = marksLoad(pTab, &marks, &aMark, &nMark);
  if (rc == SQLITE_OK) {
    aWrite = sqlite3_malloc64(sizeof(*aWrite) * (sqlite3_uint64)(iEnd - s->iNext + 1));
    aRow = sqlite3_malloc64(sizeof(tito_value) * (pTab->pModel->nCol + 1));
    if (aWrite == 0 || aRow == 0) rc = SQLITE_NOMEM;
  }
  for (i = s->iNext; rc == SQLITE_OK && i < iEnd; i++) {
    int nRow;
    const uint8_t *pRow = sortedRow(s->a[i], &nRow);
    if (nMark && marksHold(&marks, aMark, nMark, pRow, nRow)) {
      rc = sortedReread(pTab, iIdx, pRow, nRow, aRow, &fresh, pzErr);
    } else {
      aWrite[nWrite++] = s->a[i];
    }
  }
  if (rc == SQLITE_OK) {
    rc = tito_index_entries_write(pTab, iIdx, aWrite, nWrite, pzErr);
  }
  if (rc == SQLITE_OK && fresh.n) {
    rc = sortedSort(&fresh);
    if (rc == SQLITE_OK) {
      rc = tito_index_entries_write(pTab, iIdx, fresh.a, fresh.n, pzErr);
    }
  }
  if (rc == SQLITE_OK && iEnd > s->iNext) {
    int nKey;
    const uint8_t *pKey = sortedKey(s->a[iEnd - 1], &nKey);
    pDone->n = 0;
    tito_buf_append(pDone, pKey, nKey);
    if (pDone->rc) rc = SQLITE_NOMEM;
    *pn = iEnd - s->iNext;
    s->iNext = iEnd;
  }
  *pbUsedUp = s->iNext >= s->n;
  sqlite3_free(aWrite);
  sqlite3_free(aRow);
  sqlite3_free(aMark);
  tito_buf_free(&marks);
  tito_buf_free(&fresh.data);
  sqlite3_free(fresh.aEnt);
  sqlite3_free(fresh.a);
  return rc;
}
