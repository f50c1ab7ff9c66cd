/*
** tito_analyze.c: statistics for the planner, from SQL (SQLite's ANALYZE
** does not reach virtual tables).
**
**   SELECT tito_analyze('orders');  -- count one model's paths: its rows
**   SELECT tito_analyze();          -- every tito table of the main schema
**   SELECT * FROM tito_stat('orders');
**     table_name, idx (NULL for the primary key), entries, stat (like
**     sqlite_stat1: entries, then entries per value of the first 1, 2, ...
**     fields), analyzed_at (unix seconds)
**
** The counts are stored in the store (src/table_stats.h), so every connection
** and every machine sharing the store plans from them; a connection reads
** them once, when it first plans a query on the table (tito_analyze
** refreshes its own connection at once).
*/
#include "tito_ext.h"
#include <string.h>

#define ST_COL_TABLE 5

const struct tito_stats *titoStatsGet(tito_vtab *p) {
  if (!p->bStatsLoaded) {
    p->bStatsLoaded = 1;
    if (titoTableReady(p) == SQLITE_OK) {
      tito_store_cursor_open(p->pStore);
      if (tito_stats_load(p->pTab, &p->pStats) != SQLITE_OK) {
        p->pStats = 0; /* no statistics: the planner's defaults */
      }
      tito_store_cursor_close(p->pStore);
    }
  }
  return p->pStats;
}

/* Analyze table p; *pnRow gets its row count. */
static int analyzeTable(tito_vtab *p, sqlite3_int64 *pnRow, char **pzErr) {
  tito_stats *pNew = 0;
  tito_vtab *q;
  int rc = titoTableReady(p);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s", p->base.zErrMsg ? p->base.zErrMsg : "");
    return rc;
  }
  rc = tito_store_read(p->pStore);
  if (rc == SQLITE_OK) rc = titoEventsWriteBegin(p->pConn, p->pStore, pzErr);
  else *pzErr = sqlite3_mprintf("%s", tito_store_errmsg(p->pStore));
  if (rc != SQLITE_OK) return rc;
  tito_store_cursor_open(p->pStore);
  rc = tito_stats_analyze(p->pTab, titoNow(p->pConn), &pNew);
  tito_store_cursor_close(p->pStore);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(p->pTab));
    return rc;
  }
  *pnRow = pNew->aPath[0].nEntry;
  tito_stats_free(p->pStats);
  p->pStats = pNew;
  p->bStatsLoaded = 1;
  /* Other connected instances of the same table read them again. */
  for (q = p->pConn->pTabs; q; q = q->pNextTab) {
    if (q != p && sqlite3_stricmp(q->zName, p->zName) == 0 &&
        sqlite3_stricmp(q->zSchema, p->zSchema) == 0) {
      tito_stats_free(q->pStats);
      q->pStats = 0;
      q->bStatsLoaded = 0;
    }
  }
  return SQLITE_OK;
}

/* Every tito table of the main schema; *pn gets how many. */
static int analyzeAll(tito_conn *pConn, sqlite3_int64 *pn, char **pzErr) {
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(pConn->db,
                              "SELECT name FROM main.sqlite_schema WHERE "
                              "type = 'table' AND sql LIKE 'CREATE VIRTUAL "
                              "TABLE%' ORDER BY name",
                              -1, &pStmt, 0);
  *pn = 0;
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    char *zName = sqlite3_mprintf("main.%s", sqlite3_column_text(pStmt, 0));
    tito_vtab *p = zName ? titoFindTable(pConn, zName) : 0;
    sqlite3_int64 nRow;
    if (zName == 0) rc = SQLITE_NOMEM;
    else if (p) rc = analyzeTable(p, &nRow, pzErr);
    if (rc == SQLITE_OK && p) ++*pn;
    sqlite3_free(zName);
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* tito_analyze([TABLE]): the table's row count, or (no argument) how
** many tables were analyzed. */
static void analyzeFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  tito_conn *pConn = (tito_conn *)sqlite3_user_data(ctx);
  sqlite3_int64 n = 0;
  char *zErr = 0;
  int rc, bOwn = 0;
  if (argc == 0) {
    rc = titoCallBegin(pConn, &bOwn, &zErr);
    if (rc == SQLITE_OK) rc = analyzeAll(pConn, &n, &zErr);
  } else {
    const char *zName = (const char *)sqlite3_value_text(argv[0]);
    tito_vtab *p = zName ? titoFindTable(pConn, zName) : 0;
    if (p == 0) {
      char *z = zName ? sqlite3_mprintf("tito_analyze: no tito table named "
                                        "%s", zName)
                      : sqlite3_mprintf("tito_analyze: argument 1 must be a "
                                        "table name");
      sqlite3_result_error(ctx, z, -1);
      sqlite3_free(z);
      return;
    }
    rc = titoCallBegin(pConn, &bOwn, &zErr);
    if (rc == SQLITE_OK) rc = analyzeTable(p, &n, &zErr);
  }
  rc = titoCallEnd(pConn, bOwn, rc, &zErr);
  if (rc == SQLITE_OK) {
    sqlite3_result_int64(ctx, n);
  } else {
    char *z = sqlite3_mprintf("tito_analyze: %s", zErr ? zErr : "error");
    sqlite3_result_error(ctx, z, -1);
    sqlite3_result_error_code(ctx, rc);
    sqlite3_free(z);
  }
  sqlite3_free(zErr);
}

/* ------------------------------------------------------------ tito_stat */

typedef struct st_cursor {
  sqlite3_vtab_cursor base;
  tito_vtab *pTab;
  tito_stats *pStats;  /* read from the store at xFilter, or NULL */
  int iRow;            /* path: 0 primary key, 1 + i index i */
} st_cursor;

static int stConnect(sqlite3 *db, void *pAux, int argc,
                     const char *const *argv, sqlite3_vtab **ppVtab,
                     char **pzErr) {
  (void)argc;
  (void)argv;
  (void)pzErr;
  return titoTvfConnect(db, pAux,
      "CREATE TABLE x(table_name TEXT, idx TEXT, entries INTEGER, "
      "stat TEXT, analyzed_at INTEGER, tbl HIDDEN)",
      ppVtab);
}

static int stBestIndex(sqlite3_vtab *p, sqlite3_index_info *pInfo) {
  (void)p;
  return titoBestIndexTableArg(pInfo, ST_COL_TABLE);
}

static int stOpen(sqlite3_vtab *p, sqlite3_vtab_cursor **ppCur) {
  (void)p;
  return titoTvfOpen((int)sizeof(st_cursor), ppCur);
}

static int stClose(sqlite3_vtab_cursor *pCur) {
  st_cursor *c = (st_cursor *)pCur;
  tito_stats_free(c->pStats);
  sqlite3_free(c);
  return SQLITE_OK;
}

/* Skip paths that were not analyzed. */
static void stSkip(st_cursor *c) {
  while (c->pStats && c->iRow < c->pStats->nPath &&
         c->pStats->aPath[c->iRow].nEntry < 0) {
    c->iRow++;
  }
}

static int stFilter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                    int argc, sqlite3_value **argv) {
  st_cursor *c = (st_cursor *)pCur;
  tito_tvf *p = (tito_tvf *)pCur->pVtab;
  const char *zName = argc > 0 ? (const char *)sqlite3_value_text(argv[0]) : 0;
  int rc;
  (void)idxNum;
  (void)idxStr;
  tito_stats_free(c->pStats);
  c->pStats = 0;
  c->iRow = 0;
  c->pTab = zName ? titoFindTable(p->pConn, zName) : 0;
  sqlite3_free(p->base.zErrMsg);
  p->base.zErrMsg = 0;
  if (c->pTab == 0) {
    p->base.zErrMsg = zName ? sqlite3_mprintf("tito_stat: no tito table "
                                              "named %s", zName)
                            : sqlite3_mprintf("tito_stat: give a table "
                                              "name: tito_stat('t')");
    return SQLITE_ERROR;
  }
  rc = titoTableReady(c->pTab);
  if (rc == SQLITE_OK) rc = tito_store_read(c->pTab->pStore);
  if (rc == SQLITE_OK) {
    tito_store_cursor_open(c->pTab->pStore);
    rc = tito_stats_load(c->pTab->pTab, &c->pStats);
    tito_store_cursor_close(c->pTab->pStore);
  }
  if (rc != SQLITE_OK) {
    p->base.zErrMsg = sqlite3_mprintf(
        "tito_stat: %s", c->pTab->pTab ? tito_table_errmsg(c->pTab->pTab)
                                       : c->pTab->base.zErrMsg);
    c->pTab = 0;
    return rc;
  }
  stSkip(c);
  return SQLITE_OK;
}

static int stNext(sqlite3_vtab_cursor *pCur) {
  st_cursor *c = (st_cursor *)pCur;
  c->iRow++;
  stSkip(c);
  return SQLITE_OK;
}

static int stEof(sqlite3_vtab_cursor *pCur) {
  st_cursor *c = (st_cursor *)pCur;
  return c->pStats == 0 || c->iRow >= c->pStats->nPath;
}

static int stColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx,
                    int iCol) {
  st_cursor *c = (st_cursor *)pCur;
  const tito_path_stats *q = &c->pStats->aPath[c->iRow];
  const tito_model *pM = c->pTab->pTab->pModel;
  switch (iCol) {
    case 0: sqlite3_result_text(ctx, c->pTab->zName, -1, SQLITE_TRANSIENT);
      break;
    case 1:
      if (c->iRow > 0) {
        sqlite3_result_text(ctx, pM->aIndex[c->iRow - 1].zName, -1,
                            SQLITE_TRANSIENT);
      }
      break;
    case 2: sqlite3_result_int64(ctx, q->nEntry); break;
    case 3: {
      sqlite3_str *s = sqlite3_str_new(0);
      int k;
      sqlite3_str_appendf(s, "%lld", (long long)q->nEntry);
      for (k = 0; k < q->nField; k++) {
        sqlite3_str_appendf(s, " %lld", (long long)q->aAvg[k]);
      }
      sqlite3_result_text(ctx, sqlite3_str_finish(s), -1, sqlite3_free);
      break;
    }
    case 4: sqlite3_result_int64(ctx, c->pStats->iWhen); break;
    default: break;
  }
  return SQLITE_OK;
}

static int stRowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid) {
  *pRowid = ((st_cursor *)pCur)->iRow;
  return SQLITE_OK;
}

static sqlite3_module stModule = {
    0, 0, stConnect, stBestIndex, titoTvfDisconnect, 0, stOpen, stClose,
    stFilter, stNext, stEof, stColumn, stRowid, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0};

int titoRegisterAnalyze(sqlite3 *db, tito_conn *pConn) {
  int rc = sqlite3_create_function(db, "tito_analyze", 1, SQLITE_UTF8, pConn,
                                   analyzeFunc, 0, 0);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "tito_analyze", 0, SQLITE_UTF8, pConn,
                                 analyzeFunc, 0, 0);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_module(db, "tito_stat", &stModule, pConn);
  }
  return rc;
}
