/*
** column_slots.c: the slots of a model's columns in its rows
** (column_slots.h).
*/
#include "column_slots.h"
#include <string.h>
#include "sqlite_api.h"

int tito_column_slots_plain(const tito_model *pModel) {
  int i;
  for (i = 0; i < pModel->nCol; i++) {
    if (pModel->aCol[i].iSlot != i) return 0;
  }
  return pModel->nSlot == pModel->nCol;
}

void tito_column_slots_carry(const tito_model *pOld, int iDropped,
                             tito_model *pNew) {
  int i, j = 0, nSlot = pOld->nSlot;
  for (i = 0; i < pNew->nCol; i++, j++) {
    if (j == iDropped) j++;
    pNew->aCol[i].iSlot = j < pOld->nCol ? pOld->aCol[j].iSlot : nSlot++;
  }
  pNew->nSlot = nSlot;
}

/* Apply decoded record a[0..n) to pModel; 0 if it does not fit. */
static int slotsApply(tito_model *pModel, const tito_value *a, int n) {
  uint8_t *aUsed;
  int i, ok = 1;
  if (n != 1 + pModel->nCol || a[0].eType != SQLITE_INTEGER ||
      a[0].i < pModel->nCol || a[0].i > 32767) {
    return 0;
  }
  aUsed = sqlite3_malloc64((sqlite3_uint64)a[0].i);
  if (aUsed == 0) return 0;
  memset(aUsed, 0, (size_t)a[0].i);
  for (i = 0; ok && i < pModel->nCol; i++) {
    const tito_value *v = &a[1 + i];
    ok = v->eType == SQLITE_INTEGER && v->i >= 0 && v->i < a[0].i &&
         !aUsed[v->i];
    if (ok) {
      aUsed[v->i] = 1;
      pModel->aCol[i].iSlot = (int)v->i;
    }
  }
  sqlite3_free(aUsed);
  if (ok) pModel->nSlot = (int)a[0].i;
  return ok;
}

int tito_column_slots_read(tito_table *pTab, tito_model *pModel) {
  tito_buf keep = TITO_BUF_INIT;
  int n = 1 + pModel->nCol, rc;
  tito_value *a = sqlite3_malloc64(sizeof(tito_value) * (sqlite3_uint64)n);
  if (a == 0) return SQLITE_NOMEM;
  rc = tito_table_record_read(pTab, TITO_KIND_SLOTS, n, a, &keep);
  if (rc == SQLITE_OK && !slotsApply(pModel, a, n)) rc = SQLITE_CORRUPT;
  if (rc == SQLITE_DONE) rc = SQLITE_OK; /* none: positions */
  sqlite3_free(a);
  tito_buf_free(&keep);
  return rc;
}

int tito_column_slots_save(tito_table *pTab, const tito_model *pModel) {
  int i, rc, n = 1 + pModel->nCol;
  tito_value *a;
  if (tito_column_slots_plain(pModel)) {
    return tito_table_record_write(pTab, TITO_KIND_SLOTS, 0, 0);
  }
  a = sqlite3_malloc64(sizeof(tito_value) * (sqlite3_uint64)n);
  if (a == 0) return SQLITE_NOMEM;
  memset(a, 0, sizeof(tito_value) * (size_t)n);
  a[0].eType = SQLITE_INTEGER;
  a[0].i = pModel->nSlot;
  for (i = 0; i < pModel->nCol; i++) {
    a[1 + i].eType = SQLITE_INTEGER;
    a[1 + i].i = pModel->aCol[i].iSlot;
  }
  rc = tito_table_record_write(pTab, TITO_KIND_SLOTS, n, a);
  sqlite3_free(a);
  return rc;
}
