/*
** row_batch.c: every row of a model, a batch of keys at a time (see
** row_batch.h): each batch is copied out and its scan closed before the
** caller sees it, and the next one starts just after its last key, so the
** caller may write anywhere, the rows it walks included.
*/
#include "row_batch.h"
#include <string.h>

/* Up to nLimit (at most TITO_ROW_BATCH) rows from pLo (inclusive) to pHi
** into b. */
static int batchRead(tito_table *pTab, const tito_buf *pLo,
                     const tito_buf *pHi, int nLimit, tito_row_batch *b) {
  tito_kv *pKv = pTab->pKv;
  tito_kv_iter *pIter = 0;
  int rc = pKv->pMethods->xScan(pKv, pLo->a, pLo->n, pHi->a, pHi->n, 0,
                                nLimit, &pIter);
  b->data.n = 0;
  b->n = 0;
  while (rc == TITO_OK && !pKv->pMethods->xIterEof(pIter) &&
         b->n < nLimit) {
    int nKey, nVal;
    const uint8_t *pKey = pKv->pMethods->xIterKey(pIter, &nKey);
    const uint8_t *pVal = pKv->pMethods->xIterValue(pIter, &nVal);
    b->aKey[b->n][0] = b->data.n;
    b->aKey[b->n][1] = nKey;
    tito_buf_append(&b->data, pKey, nKey);
    b->aVal[b->n][0] = b->data.n;
    b->aVal[b->n][1] = nVal;
    tito_buf_append(&b->data, pVal, nVal);
    b->n++;
    rc = pKv->pMethods->xIterNext(pIter);
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  if (rc == TITO_OK && b->data.rc) rc = TITO_NOMEM;
  return rc == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, rc);
}

int tito_rows_each_batch_after(tito_table *pTab, const tito_buf *pAfter,
                               const tito_buf *pLast, int64_t nMax,
                               tito_row_batch_fn xBatch,
                               void *pArg, int64_t *pnRow, int *pbEnd,
                               char **pzErr) {
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT;
  tito_row_batch *b = sqlite3_malloc(sizeof(*b));
  int rc = b ? SQLITE_OK : SQLITE_NOMEM;
  *pnRow = 0;
  *pbEnd = 0;
  if (b) memset(b, 0, sizeof(*b));
  if (pAfter && pAfter->n) {
    /* Just after that key. */
    tito_buf_append(&lo, pAfter->a, pAfter->n);
    tito_buf_append(&lo, (const uint8_t *)"", 1);
  } else {
    tito_buf_append(&lo, pTab->rowPrefix.a, pTab->rowPrefix.n);
  }
  if (pLast) {
    /* Just after that key. */
    tito_buf_append(&hi, pLast->a, pLast->n);
    tito_buf_append(&hi, (const uint8_t *)"", 1);
  } else {
    tito_buf_append(&hi, pTab->idxPrefix.a, pTab->idxPrefix.n); /* 0x02 */
  }
  if (rc == SQLITE_OK && (lo.rc || hi.rc)) rc = SQLITE_NOMEM;
  while (rc == SQLITE_OK) {
    int bLast, nLimit = TITO_ROW_BATCH;
    if (nMax > 0 && nMax - *pnRow < nLimit) nLimit = (int)(nMax - *pnRow);
    rc = batchRead(pTab, &lo, &hi, nLimit, b);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
      break;
    }
    *pbEnd = b->n < nLimit;
    *pnRow += b->n;
    bLast = *pbEnd || (nMax > 0 && *pnRow >= nMax);
    rc = xBatch(pArg, b, bLast, pzErr);
    if (rc != SQLITE_OK || bLast) break;
    /* The next batch starts just after the last key read. */
    lo.n = 0;
    tito_buf_append(&lo, b->data.a + b->aKey[b->n - 1][0],
                    b->aKey[b->n - 1][1]);
    tito_buf_append(&lo, (const uint8_t *)"", 1);
    if (lo.rc) rc = SQLITE_NOMEM;
  }
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  if (b) tito_buf_free(&b->data);
  sqlite3_free(b);
  return rc;
}

int tito_rows_each_batch(tito_table *pTab, tito_row_batch_fn xBatch,
                         void *pArg, int64_t *pnRow, char **pzErr) {
  int bEnd;
  return tito_rows_each_batch_after(pTab, 0, 0, 0, xBatch, pArg, pnRow,
                                    &bEnd, pzErr);
}
