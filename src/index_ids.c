/*
** index_ids.c: the ids of a model's indexes (index_ids.h).
*/
#include "index_ids.h"
#include <string.h>
#include "sqlite_api.h"

/* Are pModel's ids its positions? */
static int idsArePositions(const tito_model *pModel) {
  int i;
  for (i = 0; i < pModel->nIndex; i++) {
    if (pModel->aIndex[i].iId != (uint32_t)i + 1) return 0;
  }
  return pModel->iIdNext == (uint32_t)pModel->nIndex + 1;
}

void tito_index_ids_carry(const tito_model *pOld, tito_model *pNew) {
  uint32_t iNext = pOld->iIdNext ? pOld->iIdNext : 1;
  int i;
  for (i = 0; i < pOld->nIndex; i++) {
    if (pOld->aIndex[i].iId >= iNext) iNext = pOld->aIndex[i].iId + 1;
  }
  for (i = 0; i < pNew->nIndex; i++) {
    int j = tito_model_index(pOld, pNew->aIndex[i].zName);
    pNew->aIndex[i].iId = j >= 0 ? pOld->aIndex[j].iId : iNext++;
  }
  pNew->iIdNext = iNext;
}

/* Apply decoded record a[0..n) to pModel; 0 if it does not fit. */
static int idsApply(tito_model *pModel, const tito_value *a, int n) {
  int i, k;
  if (n != 1 + 2 * pModel->nIndex || a[0].eType != SQLITE_INTEGER) return 0;
  for (k = 1; k < n; k += 2) {
    char *zName;
    if (a[k].eType != SQLITE_TEXT || a[k + 1].eType != SQLITE_INTEGER ||
        a[k + 1].i < 1 || a[k + 1].i >= a[0].i || a[0].i > 0xffffffffLL) {
      return 0;
    }
    zName = sqlite3_mprintf("%.*s", a[k].n, (const char *)a[k].z);
    i = zName ? tito_model_index(pModel, zName) : -1;
    sqlite3_free(zName);
    if (i < 0) return 0;
    pModel->aIndex[i].iId = (uint32_t)a[k + 1].i;
  }
  pModel->iIdNext = (uint32_t)a[0].i;
  for (i = 0; i < pModel->nIndex; i++) {
    if (tito_model_index_by_id(pModel, pModel->aIndex[i].iId) != i) return 0;
  }
  return 1;
}

int tito_index_ids_load(tito_table *pTab) {
  return tito_index_ids_read(pTab, pTab->pModel);
}

int tito_index_ids_read(tito_table *pTab, tito_model *pModel) {
  tito_buf keep = TITO_BUF_INIT;
  int n = 1 + 2 * pModel->nIndex, rc;
  tito_value *a = sqlite3_malloc64(sizeof(tito_value) * (sqlite3_uint64)n);
  if (a == 0) return SQLITE_NOMEM;
  rc = tito_table_record_read(pTab, TITO_KIND_IDS, n, a, &keep);
  if (rc == SQLITE_OK && !idsApply(pModel, a, n)) rc = SQLITE_CORRUPT;
  if (rc == SQLITE_DONE) rc = SQLITE_OK; /* none: positions */
  sqlite3_free(a);
  tito_buf_free(&keep);
  return rc;
}

int tito_index_ids_save(tito_table *pTab, const tito_model *pModel) {
  int i, rc, n = 1 + 2 * pModel->nIndex;
  tito_value *a;
  if (idsArePositions(pModel)) {
    return tito_table_record_write(pTab, TITO_KIND_IDS, 0, 0);
  }
  a = sqlite3_malloc64(sizeof(tito_value) * (sqlite3_uint64)n);
  if (a == 0) return SQLITE_NOMEM;
  memset(a, 0, sizeof(tito_value) * (size_t)n);
  a[0].eType = SQLITE_INTEGER;
  a[0].i = pModel->iIdNext;
  for (i = 0; i < pModel->nIndex; i++) {
    a[1 + 2 * i].eType = SQLITE_TEXT;
    a[1 + 2 * i].z = (const uint8_t *)pModel->aIndex[i].zName;
    a[1 + 2 * i].n = (int)strlen(pModel->aIndex[i].zName);
    a[2 + 2 * i].eType = SQLITE_INTEGER;
    a[2 + 2 * i].i = pModel->aIndex[i].iId;
  }
  rc = tito_table_record_write(pTab, TITO_KIND_IDS, n, a);
  sqlite3_free(a);
  return rc;
}
