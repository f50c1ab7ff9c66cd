/*
** model_recheck.c: tito_model_recheck (model_recheck.h).
*/
#include "model_recheck.h"
#include <string.h>
#include "catalog.h"
#include "definition.h"
#include "index_ids.h"
#include "column_slots.h"
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

/* The catalog's definition zCat of pTab's model parsed, with the ids the
** store records for its indexes (at the same snapshot); NULL on error. */
static int recheckParse(tito_table *pTab, const char *zName, const char *zCat,
                        tito_model **ppNew, char **pzErr) {
  char **azArg = 0;
  int nArg = 0;
  int rc = tito_def_split(zCat, &nArg, &azArg);
  *ppNew = 0;
  if (rc == SQLITE_OK) {
    rc = tito_model_parse(zName, nArg, (const char *const *)azArg, ppNew,
                          pzErr);
    if (rc != TITO_OK) rc = rc == TITO_NOMEM ? SQLITE_NOMEM : SQLITE_CORRUPT;
  }
  if (rc == SQLITE_OK) {
    rc = tito_index_ids_read(pTab, *ppNew);
    if (rc == SQLITE_OK) {
      rc = tito_column_slots_read(pTab, *ppNew);
      if (rc == SQLITE_CORRUPT) {
        *pzErr = sqlite3_mprintf("tito: %s: the record of its column slots "
                                 "does not fit its columns", zName);
      }
    } else if (rc == SQLITE_CORRUPT) {
      *pzErr = sqlite3_mprintf("tito: %s: the record of its index ids does "
                               "not fit its indexes", zName);
    }
    if (rc != SQLITE_OK && *pzErr == 0) {
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
    }
  }
  if (rc != SQLITE_OK) {
    tito_model_free(*ppNew);
    *ppNew = 0;
  }
  tito_def_free(nArg, azArg);
  return rc;
}

/* tito_model_holds on the catalog entry found (rc: SQLITE_OK, or
** SQLITE_DONE for none; iCat, zCat: its id and definition, zCat freed). */
static int holdsEntry(tito_table *pTab, const char *zName, uint32_t iId,
                      const char *zDef, int iIndex, int rc, uint32_t iCat,
                      char *zCat, int *pbHolds, int *pbSame, char **pzErr) {
  const tito_model *pOld = pTab->pModel;
  tito_model *pNew = 0;
  *pbHolds = 1;
  *pbSame = 0;
  if (rc == SQLITE_DONE || (rc == SQLITE_OK && iCat != iId)) {
    sqlite3_free(zCat);
    return SQLITE_OK; /* dropped, or re-created: as tito_model_recheck */
  }
  if (rc == SQLITE_OK && strcmp(zCat, zDef) == 0) {
    *pbSame = 1;
  } else if (rc == SQLITE_OK) {
    rc = recheckParse(pTab, zName, zCat, &pNew, pzErr);
    if (rc == SQLITE_OK && !tito_def_model_reads(pOld, pNew)) {
      *pbHolds = -1;
    } else if (rc == SQLITE_OK && iIndex >= 0) {
      const tito_index *pIdx = &pOld->aIndex[iIndex];
      int j = tito_model_index_by_id(pNew, pIdx->iId);
      *pbHolds = j >= 0 && tito_def_same_index(pIdx, &pNew->aIndex[j]);
    }
  }
  tito_model_free(pNew);
  sqlite3_free(zCat);
  return rc;
}

int tito_model_holds(tito_table *pTab, const char *zName, uint32_t iId,
                     const char *zDef, int iIndex, int *pbHolds, int *pbSame,
                     char **pzErr) {
  char *zCat = 0;
  uint32_t iCat = 0;
  int rc = tito_catalog_find(pTab->pKv, pTab->pModel->zPrefix, zName, &iCat,
                             &zCat, pzErr);
  return holdsEntry(pTab, zName, iId, zDef, iIndex, rc, iCat, zCat, pbHolds,
                    pbSame, pzErr);
}

int tito_model_holds_value(tito_table *pTab, const char *zName,
                           uint32_t iId, const char *zDef, int iIndex,
                           const uint8_t *pVal, int nVal, int *pbHolds,
                           int *pbSame, char **pzErr) {
  char *zCat = 0;
  uint32_t iCat = 0;
  int rc = tito_catalog_decode(pVal, nVal, zName, &iCat, &zCat, pzErr);
  return holdsEntry(pTab, zName, iId, zDef, iIndex, rc, iCat, zCat, pbHolds,
                    pbSame, pzErr);
}
