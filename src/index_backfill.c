/*
** index_backfill.c: an index built, or a dropped one's entries deleted, in
** steps while writers go on (see index_backfill.h): the record in the
** store, and one step.
*/
#include "index_backfill.h"
#include <string.h>
#include "index_build.h"
#include "rowcodec.h"
#include "sqlite_api.h"

#define BACKFILL_NVAL 8

/* The record's key: P | model id | 0x04. */
void tito_backfill_free(tito_backfill *b) {
  if (b == 0) return;
  sqlite3_free(b->zIndex);
  tito_buf_free(&b->done);
  tito_buf_free(&b->end);
  sqlite3_free(b);
}

static tito_backfill *backfillNew(const char *zIndex, int nIndex) {
  tito_backfill *b = sqlite3_malloc(sizeof(*b));
  if (b == 0) return 0;
  memset(b, 0, sizeof(*b));
  b->zIndex = sqlite3_mprintf("%.*s", nIndex, zIndex);
  if (b->zIndex == 0) {
    sqlite3_free(b);
    return 0;
  }
  return b;
}

/* The record's values as stored. */
static int backfillDecode(const uint8_t *p, int n, tito_backfill **pp) {
  tito_value a[BACKFILL_NVAL];
  tito_backfill *b;
  if (tito_row_decode(p, n, BACKFILL_NVAL, a) != TITO_OK ||
      a[0].eType != SQLITE_TEXT ||
      (a[1].eType != SQLITE_BLOB && a[1].eType != SQLITE_NULL) ||
      a[2].eType != SQLITE_INTEGER || a[3].eType != SQLITE_INTEGER ||
      a[4].eType != SQLITE_INTEGER ||
      (a[5].eType != SQLITE_BLOB && a[5].eType != SQLITE_NULL) ||
      a[6].eType != SQLITE_INTEGER || a[7].eType != SQLITE_INTEGER) {
    return SQLITE_CORRUPT;
  }
  b = *pp = backfillNew((const char *)a[0].z, a[0].n);
  if (b == 0) return SQLITE_NOMEM;
  if (a[1].eType == SQLITE_BLOB) tito_buf_append(&b->done, a[1].z, a[1].n);
  b->nDone = a[2].i;
  b->nTotal = a[3].i;
  b->iStarted = a[4].i;
  if (a[5].eType == SQLITE_BLOB) tito_buf_append(&b->end, a[5].z, a[5].n);
  b->bClear = a[6].i == 1;
  b->bCountLater = a[6].i == 2;
  b->bSorted = a[6].i == 3;
  b->iClearId = (uint32_t)a[7].i;
  return b->done.rc || b->end.rc ? SQLITE_NOMEM : SQLITE_OK;
}

int tito_backfill_load(tito_table *pTab, tito_backfill **pp) {
  const uint8_t *pVal;
  int nVal, r, rc = SQLITE_OK;
  *pp = 0;
  r = tito_table_record_get(pTab, TITO_KIND_BUILD, &pVal, &nVal);
  if (r == TITO_OK) {
    rc = backfillDecode(pVal, nVal, pp);
    if (rc == SQLITE_CORRUPT) {
      tito_backfill_free(*pp);
      *pp = 0;
    }
  } else if (r != TITO_NOTFOUND) {
    rc = tito_table_kv_error(pTab, r);
  }
  return rc;
}

int tito_backfill_save(tito_table *pTab, const tito_backfill *b) {
  tito_value a[BACKFILL_NVAL];
  memset(a, 0, sizeof(a));
  a[0].eType = SQLITE_TEXT;
  a[0].z = (const uint8_t *)b->zIndex;
  a[0].n = (int)strlen(b->zIndex);
  a[1].eType = b->done.n ? SQLITE_BLOB : SQLITE_NULL;
  a[1].z = b->done.a;
  a[1].n = b->done.n;
  a[2].eType = a[3].eType = a[4].eType = SQLITE_INTEGER;
  a[2].i = b->nDone;
  a[3].i = b->nTotal;
  a[4].i = b->iStarted;
  a[5].eType = b->end.n ? SQLITE_BLOB : SQLITE_NULL;
  a[5].z = b->end.a;
  a[5].n = b->end.n;
  a[6].eType = a[7].eType = SQLITE_INTEGER;
  a[6].i = b->bClear ? 1 : b->bCountLater ? 2 : b->bSorted ? 3 : 0;
  a[7].i = b->iClearId;
  return tito_table_record_write(pTab, TITO_KIND_BUILD, BACKFILL_NVAL, a);
}

int tito_backfill_remove(tito_table *pTab) {
  int rc = tito_table_record_write(pTab, TITO_KIND_BUILD, 0, 0);
  if (rc != SQLITE_OK) return rc;
  /* A build in key order leaves marks of writes (none for another). */
  return tito_sorted_marks_clear(pTab);
}

int tito_backfill_check(tito_table *pTab, char **pzReport) {
  tito_backfill *b = 0;
  tito_check_exempt ex;
  int rc = tito_backfill_load(pTab, &b);
  *pzReport = 0;
  if (rc != SQLITE_OK) return rc;
  memset(&ex, 0, sizeof(ex));
  ex.iBuild = -1;
  if (b && b->bClear) {
    ex.iClearId = b->iClearId;
  } else if (b) {
    ex.iBuild = tito_model_index(pTab->pModel, b->zIndex);
    ex.done = b->done; /* borrowed: b outlives the check */
    /* Not counted yet: every row (rows lie below the index entries). */
    ex.end = b->bCountLater ? pTab->idxPrefix : b->end;
    ex.bByEntry = b->bSorted;
  }
  rc = tito_table_check(pTab, b ? &ex : 0, pzReport);
  tito_backfill_free(b);
  return rc;
}

int tito_backfill_attach(tito_table *pTab) {
  tito_backfill *b = 0;
  int i, rc = tito_backfill_load(pTab, &b);
  if (rc == SQLITE_OK && b && !b->bClear) {
    i = tito_model_index(pTab->pModel, b->zIndex);
    if (i < 0) {
      rc = SQLITE_CORRUPT;
    } else {
      pTab->pModel->aIndex[i].bBuilding = 1;
      pTab->pModel->aIndex[i].bMarkWrites = (uint8_t)b->bSorted;
    }
  }
  tito_backfill_free(b);
  return rc;
}

/* Up to nMax keys from [pLo, pHi) (0: all) counted into *pn; pLast gets
** the last one. */
static int rangeCount(tito_table *pTab, const tito_buf *pLo,
                      const tito_buf *pHi, int64_t nMax, int64_t *pn,
                      tito_buf *pLast) {
  tito_kv *pKv = pTab->pKv;
  tito_kv_iter *pIter = 0;
  int r = pKv->pMethods->xScan(pKv, pLo->a, pLo->n, pHi->a, pHi->n,
                               TITO_SCAN_KEYONLY, nMax > 0 ? nMax : 0,
                               &pIter);
  *pn = 0;
  while (r == TITO_OK && !pKv->pMethods->xIterEof(pIter) &&
         (nMax <= 0 || *pn < nMax)) {
    int nKey;
    const uint8_t *pKey = pKv->pMethods->xIterKey(pIter, &nKey);
    (*pn)++;
    if (pLast) {
      pLast->n = 0;
      tito_buf_append(pLast, pKey, nKey);
      if (pLast->rc) r = TITO_NOMEM;
    }
    if (r == TITO_OK) r = pKv->pMethods->xIterNext(pIter);
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  return r;
}

int tito_backfill_begin(tito_table *pTab, const tito_index *pIdx,
                        int bClear, int64_t iNow, tito_backfill **pp) {
  int n = (int)strlen(pIdx->zName);
  tito_backfill *b = *pp = backfillNew(pIdx->zName, n);
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT;
  tito_kv *pKv = pTab->pKv;
  int r, rc;
  if (b == 0) return SQLITE_NOMEM;
  b->iStarted = iNow;
  b->bClear = bClear;
  b->iClearId = bClear ? pIdx->iId : 0;
  tito_index_id_range(pTab, pIdx->iId, &lo, &hi);
  if (lo.rc || hi.rc) {
    r = TITO_NOMEM;
  } else if (bClear) {
    r = rangeCount(pTab, &lo, &hi, 0, &b->nTotal, 0);
  } else {
    /* A new index's id was never given, so its range is empty; but a store
    ** is never trusted blindly. */
    r = pKv->pMethods->xDeleteRange(pKv, lo.a, lo.n, hi.a, hi.n);
    if (r == TITO_OK && pKv->pMethods->xFence) {
      /* A writer without the index that commits before this transaction
      ** may still be invisible to its snapshot (TiKV): the first step,
      ** which reads after this commit, counts. */
      b->bCountLater = 1;
    } else if (r == TITO_OK) {
      /* Writers wait for each step (the embedded store): in key order,
      ** after its marks of writes left by no earlier build. */
      b->bSorted = 1;
      b->nTotal = -1; /* counted by the first gather, which reads them all */
      r = tito_sorted_marks_clear(pTab) == SQLITE_OK ? TITO_OK : TITO_ERROR;
    }
  }
  rc = r == TITO_OK ? tito_backfill_save(pTab, b)
                    : tito_table_kv_error(pTab, r);
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  return rc;
}

/* One step of clearing b: nMax more entries deleted (0: all). */
static int clearStep(tito_table *pTab, tito_backfill *b, int64_t nMax,
                     int *pbEnd) {
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT, last = TITO_BUF_INIT;
  int64_t n = 0;
  int r;
  tito_index_id_range(pTab, b->iClearId, &lo, &hi);
  r = lo.rc || hi.rc ? TITO_NOMEM
                     : rangeCount(pTab, &lo, &hi, nMax, &n, &last);
  *pbEnd = nMax <= 0 || n < nMax;
  if (r == TITO_OK && !*pbEnd) {
    /* Up to the last key counted, itself included. */
    hi.n = 0;
    tito_buf_append(&hi, last.a, last.n);
    tito_buf_append_byte(&hi, 0x00);
    if (hi.rc) r = TITO_NOMEM;
  }
  if (r == TITO_OK && n > 0) {
    r = pTab->pKv->pMethods->xDeleteRange(pTab->pKv, lo.a, lo.n, hi.a, hi.n);
  }
  b->nDone += n;
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  tito_buf_free(&last);
  return r == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, r);
}

/* Which build the gathered entries belong to: the index's id (never given
** again) and when the build began. */
static int64_t backfillBuildId(tito_table *pTab, const tito_backfill *b) {
  int i = tito_model_index(pTab->pModel, b->zIndex);
  int64_t iId = i < 0 ? 0 : (int64_t)pTab->pModel->aIndex[i].iId;
  return (iId << 32) ^ b->iStarted;
}

int tito_backfill_gather(tito_table *pTab, tito_backfill *b, int nMemory,
                         tito_sorted **ppSorted, char **pzErr) {
  int iIdx = tito_model_index(pTab->pModel, b->zIndex);
  int64_t iBuild = backfillBuildId(pTab, b), nRow = 0;
  int rc;
  if (!b->bSorted || b->bClear || iIdx < 0) return SQLITE_OK;
  if (!tito_sorted_usable(*ppSorted, iBuild, &b->done)) {
    tito_sorted_free(*ppSorted);
    *ppSorted = 0;
    rc = tito_sorted_gather(pTab, iIdx, &b->done, nMemory, iBuild, ppSorted,
                            &nRow, pzErr);
    if (rc != SQLITE_OK) return rc;
    b->nRead += nRow;
  }
  /* A gather from the first key counts the entries to write. */
  if (b->nTotal < 0) b->nTotal = tito_sorted_total(*ppSorted);
  return SQLITE_OK;
}

/* One step of build b in key order. */
static int backfillSortedStep(tito_table *pTab, tito_backfill *b, int iIdx,
                              int64_t nMax, int nMemory,
                              tito_sorted **ppSorted, int *pbEnd,
                              char **pzErr) {
  tito_sorted *pLocal = 0, **pp = ppSorted ? ppSorted : &pLocal;
  int64_t n = 0;
  int bUsedUp = 0, rc = tito_backfill_gather(pTab, b, nMemory, pp, pzErr);
  if (rc == SQLITE_OK) {
    rc = tito_sorted_step(pTab, iIdx, *pp, &b->done, nMax, &n, &bUsedUp,
                          pzErr);
  }
  b->nDone += n;
  *pbEnd = rc == SQLITE_OK && bUsedUp && tito_sorted_complete(*pp);
  tito_sorted_free(pLocal);
  return rc;
}

int tito_backfill_step(tito_table *pTab, tito_backfill *b, int64_t nMaxRows,
                       int nRunBytes, tito_sorted **ppSorted, int *pbEnd,
                       char **pzErr) {
  int64_t nRow = 0;
  int iIdx = tito_model_index(pTab->pModel, b->zIndex);
  int rc;
  *pbEnd = 0;
  if (b->bClear) {
    rc = clearStep(pTab, b, nMaxRows, pbEnd);
    if (rc == SQLITE_OK) {
      rc = *pbEnd ? tito_backfill_remove(pTab) : tito_backfill_save(pTab, b);
    }
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
    }
    return rc;
  }
  if (iIdx < 0) {
    *pzErr = sqlite3_mprintf("the index being built, %s, is not in the "
                             "model", b->zIndex);
    return SQLITE_CORRUPT;
  }
  if (b->bSorted) {
    rc = backfillSortedStep(pTab, b, iIdx, nMaxRows, nRunBytes, ppSorted,
                            pbEnd, pzErr);
    if (rc != SQLITE_OK) return rc;
    rc = *pbEnd ? tito_backfill_remove(pTab) : tito_backfill_save(pTab, b);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
    }
    return rc;
  }
  if (b->bCountLater) {
    int r = rangeCount(pTab, &pTab->rowPrefix, &pTab->idxPrefix, 0,
                       &b->nTotal, &b->end);
    if (r != TITO_OK) {
      rc = tito_table_kv_error(pTab, r);
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
      return rc;
    }
    b->bCountLater = 0;
  }
  if (b->end.n == 0) {
    *pbEnd = 1; /* no rows when it began */
    rc = SQLITE_OK;
  } else {
    rc = tito_index_build_step(pTab, iIdx, &b->done, &b->end, nMaxRows,
                               nRunBytes, &nRow, pbEnd, pzErr);
  }
  if (rc != SQLITE_OK) return rc;
  b->nDone += nRow;
  /* The last row read was the last one to do: no empty step after it. */
  if (b->done.n == b->end.n && memcmp(b->done.a, b->end.a, b->end.n) == 0) {
    *pbEnd = 1;
  }
  rc = *pbEnd ? tito_backfill_remove(pTab) : tito_backfill_save(pTab, b);
  if (rc != SQLITE_OK) *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
  return rc;
}
