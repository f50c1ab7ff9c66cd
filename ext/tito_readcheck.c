/*
** tito_readcheck.c: a read of a table of a shared store (TiKV) never goes
** by a model another database changed under it.
**
** Another database's tito_alter changes the model in the store's catalog;
** this connection follows before a statement once it rechecks
** (titoTableFresh), but a statement may read before that, or by a plan
** made before. So a plan names the index it reads by id (tito_plan.c) and
** finds it in the model it reads by now (titoReadIndex), and the first
** read of a table in a statement reads the model's catalog entry at the
** snapshot it reads, with the scan's first key or rows when it can
** (titoReadCheckBegin, titoReadCheckEnd; tito_model_holds): if the index
** it reads was dropped (writes no longer maintain it) or a column (rows
** are rewritten without it), the statement fails, saying so, instead of
** answering wrongly. Prepared statements are made again when the model
** they were planned by changes (titoExpireStatements).
*/
#include "tito_ext.h"
#include "catalog.h"
#include "model_recheck.h"

/*
** Have every prepared statement of db prepared again before its next run,
** when no statement runs but nBusyOk of them (the caller's): SQLite stops
** a running statement it expired at its next b-tree open. No call of
** SQLite's API expires statements and does nothing else, but a change of a
** connection flag does, so a flag no result depends on
** (SQLITE_DBCONFIG_TRIGGER_EQP: what EXPLAIN QUERY PLAN shows of triggers)
** is switched and switched back.
*/
void titoExpireStatements(sqlite3 *db, int nBusyOk) {
  sqlite3_stmt *pStmt = 0;
  int nBusy = 0, bOn = 0;
  while ((pStmt = sqlite3_next_stmt(db, pStmt)) != 0) {
    nBusy += sqlite3_stmt_busy(pStmt) != 0;
  }
  if (nBusy > nBusyOk) return;
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRIGGER_EQP, -1, &bOn);
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRIGGER_EQP, !bOn, (int *)0);
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRIGGER_EQP, bOn, (int *)0);
}

/* The statement reads what this connection's model can no longer read
** (bHolds: 0 an index dropped elsewhere, -1 rows of other columns): fail
** it, saying so; the next statement follows the model, and prepared
** statements are planned again. */
static int readDropped(tito_vtab *p, const char *idxStr, int bHolds) {
  p->msChecked = 0;
  titoExpireStatements(p->pConn->db, 1);
  if (bHolds < 0) {
    titoSetError(&p->base, "tito: %s: another database dropped a column in "
                 "the store's catalog: this connection cannot read its rows "
                 "by the model it has; open the database again", p->zName);
    return SQLITE_ERROR;
  }
  titoSetError(&p->base, "tito: %s: another database dropped the index "
               "this statement's plan reads (%s); run the statement again "
               "(it is planned again)", p->zName, idxStr ? idxStr : "");
  return SQLITE_BUSY_SNAPSHOT;
}

int titoReadIndex(tito_vtab *p, const char *idxStr, int *piPath) {
  const tito_model *pModel = p->pTab->pModel;
  int i = tito_model_index_by_id(pModel, titoPlanIndexId(idxStr));
  if (i < 0 || pModel->aIndex[i].bBuilding) return readDropped(p, idxStr, 0);
  *piPath = 2 + i;
  return SQLITE_OK;
}

int titoReadCheckBegin(tito_vtab *p, tito_scan *pScan, int *pbCheck) {
  tito_buf k = TITO_BUF_INIT;
  int rc;
  *pbCheck = p->pStore->bRemote &&
             (p->iHeld == 0 || p->iHeld != tito_store_snapshot(p->pStore));
  if (!*pbCheck) return SQLITE_OK;
  rc = tito_catalog_key(&k, p->pTab->pModel->zPrefix, p->zName);
  if (rc == SQLITE_OK) rc = tito_scan_read_also(pScan, k.a, k.n);
  tito_buf_free(&k);
  return rc;
}

int titoReadCheckEnd(tito_vtab *p, tito_scan *pScan, const char *idxStr,
                     int iIndex) {
  const uint8_t *pVal;
  int nVal, bHolds = 1, bSame = 0, rc = SQLITE_OK;
  char *zErr = 0;
  int bRead = tito_scan_extra(pScan, &pVal, &nVal);
  if (bRead && tito_catalog_entry_is(pVal, nVal, p->iCatId, p->zCatDef)) {
    bSame = 1; /* the common case: nothing decoded */
  } else if (bRead) {
    rc = tito_model_holds_value(p->pTab, p->zName, p->iCatId, p->zCatDef,
                                iIndex, pVal, nVal, &bHolds, &bSame, &zErr);
  } else {
    rc = tito_model_holds(p->pTab, p->zName, p->iCatId, p->zCatDef, iIndex,
                          &bHolds, &bSame, &zErr);
  }
  if (rc == SQLITE_OK && bSame) p->iHeld = tito_store_snapshot(p->pStore);
  if (rc == SQLITE_OK && bHolds != 1) return readDropped(p, idxStr, bHolds);
  if (rc != SQLITE_OK) {
    titoSetError(&p->base, "%s", zErr ? zErr : "tito: out of memory");
  }
  sqlite3_free(zErr);
  return rc;
}
