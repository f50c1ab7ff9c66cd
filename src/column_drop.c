/*
** column_drop.c: DROP COLUMN of a live model rewrites every row without
** the column's value (rows hold their columns by position, src/rowcodec.h),
** a batch of rows at a time (src/row_batch.h), in the store's transaction.
** Index entries hold key fields and INCLUDE values, never a position, so
** they stay as they are.
*/
#include "column_drop.h"
#include "row_batch.h"
#include "rowcodec.h"

typedef struct drop_ctx {
  tito_table *pTab;
  int iCol;
  tito_value *aRow;  /* nCol values */
  tito_buf val;
} drop_ctx;

static int dropBatch(void *pArg, const tito_row_batch *b, int bLast,
                     char **pzErr) {
  drop_ctx *x = pArg;
  tito_table *pTab = x->pTab;
  tito_kv *pKv = pTab->pKv;
  int i, j, nCol = pTab->pModel->nCol, rc = SQLITE_OK;
  (void)bLast;
  for (i = 0; rc == SQLITE_OK && i < b->n; i++) {
    rc = tito_table_decode_row(pTab, b->data.a + b->aVal[i][0], b->aVal[i][1],
                               x->aRow);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
      break;
    }
    for (j = x->iCol; j < nCol - 1; j++) x->aRow[j] = x->aRow[j + 1];
    x->val.n = 0;
    tito_row_encode(&x->val, nCol - 1, x->aRow);
    if (x->val.rc) return SQLITE_NOMEM;
    rc = pKv->pMethods->xPut(pKv, b->data.a + b->aKey[i][0], b->aKey[i][1],
                             x->val.a, x->val.n);
    if (rc != TITO_OK) {
      rc = tito_table_kv_error(pTab, rc);
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
    }
  }
  return rc;
}

int tito_rows_drop_column(tito_table *pTab, int iCol, int64_t *pnRow,
                          char **pzErr) {
  drop_ctx x = {0, 0, 0, TITO_BUF_INIT};
  int rc;
  x.pTab = pTab;
  x.iCol = iCol;
  x.aRow = sqlite3_malloc64(sizeof(tito_value) * (pTab->pModel->nCol + 1));
  *pnRow = 0;
  rc = x.aRow ? tito_rows_each_batch(pTab, dropBatch, &x, pnRow, pzErr)
              : SQLITE_NOMEM;
  tito_buf_free(&x.val);
  sqlite3_free(x.aRow);
  return rc;
}
