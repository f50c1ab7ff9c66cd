/*
** model_recheck.c: tito_model_recheck (model_recheck.h).
*/
#include "model_recheck.h"
#include <string.h>
#include "catalog.h"
#include "index_backfill.h"
#include "sqlite_api.h"

/* The index the model has being built (tito_index.bBuilding), or NULL. */
static const char *recheckBuilding(const tito_model *pModel) {
  int i;
  for (i = 0; i < pModel->nIndex; i++) {
    if (pModel->aIndex[i].bBuilding) return pModel->aIndex[i].zName;
  }
  return 0;
}

/* Do two index names (either may be NULL) name the same index? */
static int recheckSameName(const char *zA, const char *zB) {
  return zA && zB ? sqlite3_stricmp(zA, zB) == 0 : zA == zB;
}

int tito_model_recheck(tito_table *pTab, const char *zName, uint32_t iId,
                       const char *zDef, char **pzNew, char **pzErr) {
  tito_backfill *b = 0;
  char *zCat = 0;
  uint32_t iCat = 0;
  int rc = tito_catalog_find(pTab->pKv, pTab->pModel->zPrefix, zName, &iCat,
                             &zCat, pzErr);
  *pzNew = 0;
  if (rc == SQLITE_DONE || (rc == SQLITE_OK && iCat != iId)) {
    sqlite3_free(zCat);
    return SQLITE_OK; /* dropped, or re-created: not followed */
  }
  if (rc == SQLITE_OK) {
    rc = tito_backfill_load(pTab, &b);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
    }
  }
  if (rc == SQLITE_OK &&
      (strcmp(zCat, zDef) != 0 ||
       !recheckSameName(recheckBuilding(pTab->pModel),
                        b && !b->bClear ? b->zIndex : 0))) {
    *pzNew = zCat;
    zCat = 0;
  }
  tito_backfill_free(b);
  sqlite3_free(zCat);
  return rc;
}
