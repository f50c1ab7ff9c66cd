/*
** tito_stats.c: the tito_stats table, the stores' counters.
**
**   SELECT * FROM tito_stats;   -- store, name, value
**
** One row per counter (src/store.h, tito_store_stats): the TiKV client's
** (RPCs by method, retries, backoff time, region cache hits and misses,
** conflicts, locks resolved, commits, bytes), process-wide, and the
** embedded store's when this connection uses it. The rows are a snapshot
** taken when the scan starts.
*/
#include "tito_ext.h"
#include <string.h>

typedef struct stats_row {
  char *zStore;
  char *zName;
  sqlite3_int64 iValue;
} stats_row;

typedef struct stats_cursor {
  sqlite3_vtab_cursor base;
  stats_row *aRow;
  int nRow, nAlloc, iRow;
  int rc;
} stats_cursor;

static int statsConnect(sqlite3 *db, void *pAux, int argc,
                        const char *const *argv, sqlite3_vtab **ppVtab,
                        char **pzErr) {
  (void)argc;
  (void)argv;
  (void)pzErr;
  return titoTvfConnect(db, pAux,
      "CREATE TABLE x(store TEXT, name TEXT, value INTEGER)",
      ppVtab);
}

static int statsBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  pInfo->estimatedCost = 100;
  pInfo->estimatedRows = 50;
  return SQLITE_OK;
}

static void statsClear(stats_cursor *pCur) {
  int i;
  for (i = 0; i < pCur->nRow; i++) {
    sqlite3_free(pCur->aRow[i].zStore);
    sqlite3_free(pCur->aRow[i].zName);
  }
  pCur->nRow = pCur->iRow = 0;
}

static int statsOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  (void)pVtab;
  return titoTvfOpen((int)sizeof(stats_cursor), ppCur);
}

static int statsClose(sqlite3_vtab_cursor *pBase) {
  stats_cursor *pCur = (stats_cursor *)pBase;
  statsClear(pCur);
  sqlite3_free(pCur->aRow);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* tito_store_stats callback: keep one row. */
static int statsAdd(void *pCtx, const char *zStore, const char *zName,
                    sqlite3_int64 iValue) {
  stats_cursor *pCur = (stats_cursor *)pCtx;
  stats_row *r;
  if (pCur->nRow == pCur->nAlloc) {
    int n = pCur->nAlloc ? pCur->nAlloc * 2 : 64;
    stats_row *a = sqlite3_realloc64(pCur->aRow, sizeof(*a) * (size_t)n);
    if (a == 0) return SQLITE_NOMEM;
    pCur->aRow = a;
    pCur->nAlloc = n;
  }
  r = &pCur->aRow[pCur->nRow];
  r->zStore = sqlite3_mprintf("%s", zStore);
  r->zName = sqlite3_mprintf("%s", zName);
  r->iValue = iValue;
  if (r->zStore == 0 || r->zName == 0) {
    sqlite3_free(r->zStore);
    sqlite3_free(r->zName);
    return SQLITE_NOMEM;
  }
  pCur->nRow++;
  return SQLITE_OK;
}

static int statsFilter(sqlite3_vtab_cursor *pBase, int idxNum,
                       const char *idxStr, int argc, sqlite3_value **argv) {
  stats_cursor *pCur = (stats_cursor *)pBase;
  tito_tvf *p = (tito_tvf *)pBase->pVtab;
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  statsClear(pCur);
  return tito_store_stats(&p->pConn->stores, statsAdd, pCur);
}

static int statsNext(sqlite3_vtab_cursor *pBase) {
  ((stats_cursor *)pBase)->iRow++;
  return SQLITE_OK;
}

static int statsEof(sqlite3_vtab_cursor *pBase) {
  stats_cursor *pCur = (stats_cursor *)pBase;
  return pCur->iRow >= pCur->nRow;
}

static int statsColumn(sqlite3_vtab_cursor *pBase, sqlite3_context *ctx,
                       int i) {
  stats_cursor *pCur = (stats_cursor *)pBase;
  stats_row *r = &pCur->aRow[pCur->iRow];
  if (i == 0) {
    sqlite3_result_text(ctx, r->zStore, -1, SQLITE_TRANSIENT);
  } else if (i == 1) {
    sqlite3_result_text(ctx, r->zName, -1, SQLITE_TRANSIENT);
  } else {
    sqlite3_result_int64(ctx, r->iValue);
  }
  return SQLITE_OK;
}

static int statsRowid(sqlite3_vtab_cursor *pBase, sqlite3_int64 *pRowid) {
  *pRowid = ((stats_cursor *)pBase)->iRow + 1;
  return SQLITE_OK;
}

static sqlite3_module statsModule = {
    /* iVersion    */ 0,
    /* xCreate     */ 0,
    /* xConnect    */ statsConnect,
    /* xBestIndex  */ statsBestIndex,
    /* xDisconnect */ titoTvfDisconnect,
    /* xDestroy    */ titoTvfDisconnect,
    /* xOpen       */ statsOpen,
    /* xClose      */ statsClose,
    /* xFilter     */ statsFilter,
    /* xNext       */ statsNext,
    /* xEof        */ statsEof,
    /* xColumn     */ statsColumn,
    /* xRowid      */ statsRowid,
    /* xUpdate     */ 0,
    /* xBegin      */ 0,
    /* xSync       */ 0,
    /* xCommit     */ 0,
    /* xRollback   */ 0,
    /* xFindMethod */ 0,
    /* xRename     */ 0,
    /* xSavepoint  */ 0,
    /* xRelease    */ 0,
    /* xRollbackTo */ 0,
    /* xShadowName */ 0,
#if SQLITE_VERSION_NUMBER >= 3044000
    /* xIntegrity  */ 0,
#endif
};

int titoRegisterStats(sqlite3 *db, tito_conn *pConn) {
  return sqlite3_create_module(db, "tito_stats", &statsModule, pConn);
}
