/*
** tito_changes.c: the table tito_changes: each change of a model in
** progress (an index tito_alter is building in steps, or a dropped one
** whose entries it is deleting: src/index_backfill.h), in every schema of
** the connection, one row each.
**
**   SELECT * FROM tito_changes;
**   table_name, index_name, change ('add index', 'drop index'), state
**   ('building', 'clearing'), rows_done, rows_total (rows when the build
**   began, or the dropped index's entries), started (unix seconds),
**   schema_name ('main', 'temp' or an attached one)
**
** A change left by a crash shows here until SELECT tito_alter('t',
** 'RESUME') finishes it (or 'CANCEL' drops an index being built).
*/
#include "tito_ext.h"
#include <string.h>
#include "index_backfill.h"

/* One row: the table's schema and name, and its change. */
typedef struct chg_row {
  char *zSchema;
  char *zTable;
  tito_backfill *pBuild;
} chg_row;

typedef struct chg_cursor {
  sqlite3_vtab_cursor base;
  chg_row *a;
  int n, i;
} chg_cursor;

static int chgConnect(sqlite3 *db, void *pAux, int argc,
                      const char *const *argv, sqlite3_vtab **ppVtab,
                      char **pzErr) {
  (void)argc;
  (void)argv;
  (void)pzErr;
  return titoTvfConnect(db, pAux,
      "CREATE TABLE x(table_name TEXT, index_name TEXT, change TEXT, "
      "state TEXT, rows_done INTEGER, rows_total INTEGER, "
      "started INTEGER, schema_name TEXT)",
      ppVtab);
}

static int chgBestIndex(sqlite3_vtab *p, sqlite3_index_info *pInfo) {
  (void)p;
  pInfo->estimatedCost = 100;
  pInfo->estimatedRows = 10;
  return SQLITE_OK;
}

static int chgOpen(sqlite3_vtab *p, sqlite3_vtab_cursor **ppCur) {
  (void)p;
  return titoTvfOpen((int)sizeof(chg_cursor), ppCur);
}

static void chgReset(chg_cursor *c) {
  int i;
  for (i = 0; i < c->n; i++) {
    sqlite3_free(c->a[i].zSchema);
    sqlite3_free(c->a[i].zTable);
    tito_backfill_free(c->a[i].pBuild);
  }
  sqlite3_free(c->a);
  c->a = 0;
  c->n = c->i = 0;
}

static int chgClose(sqlite3_vtab_cursor *pCur) {
  chgReset((chg_cursor *)pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* Add table p's build in progress, if any, to the cursor. */
static int chgAdd(chg_cursor *c, tito_vtab *p) {
  tito_backfill *b = 0;
  chg_row *aNew;
  int rc;
  if (titoTableReady(p) != SQLITE_OK) return SQLITE_OK;
  tito_store_cursor_open(p->pStore);
  rc = tito_backfill_load(p->pTab, &b);
  tito_store_cursor_close(p->pStore);
  if (rc != SQLITE_OK || b == 0) return rc;
  aNew = sqlite3_realloc(c->a, sizeof(chg_row) * (c->n + 1));
  if (aNew == 0) {
    tito_backfill_free(b);
    return SQLITE_NOMEM;
  }
  c->a = aNew;
  c->a[c->n].pBuild = b;
  c->a[c->n].zTable = sqlite3_mprintf("%s", p->zName);
  c->a[c->n].zSchema = sqlite3_mprintf("%s", p->zSchema);
  c->n++;
  if (c->a[c->n - 1].zTable == 0 || c->a[c->n - 1].zSchema == 0) {
    return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

/* Add the changes in progress of schema zSchema's tito tables. */
static int chgSchema(chg_cursor *c, tito_conn *pConn, const char *zSchema) {
  sqlite3_stmt *pStmt = 0;
  char *zSql = sqlite3_mprintf("SELECT name FROM \"%w\".sqlite_schema WHERE "
                               "type = 'table' AND sql LIKE 'CREATE VIRTUAL "
                               "TABLE%%' ORDER BY name",
                               zSchema);
  int rc = zSql ? sqlite3_prepare_v2(pConn->db, zSql, -1, &pStmt, 0)
                : SQLITE_NOMEM;
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    char *zName = sqlite3_mprintf("%s.%s", zSchema,
                                  sqlite3_column_text(pStmt, 0));
    tito_vtab *q = zName ? titoFindTable(pConn, zName) : 0;
    if (zName == 0) rc = SQLITE_NOMEM;
    else if (q) rc = chgAdd(c, q);
    sqlite3_free(zName);
  }
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
  return rc;
}

static int chgFilter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                     int argc, sqlite3_value **argv) {
  chg_cursor *c = (chg_cursor *)pCur;
  tito_tvf *p = (tito_tvf *)pCur->pVtab;
  sqlite3_stmt *pStmt = 0;
  char **azSchema = 0;
  int nSchema = 0, i, rc;
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  chgReset(c);
  /* The schemas first: looking a table up may reload a schema. */
  rc = sqlite3_prepare_v2(p->pConn->db, "PRAGMA database_list", -1, &pStmt,
                          0);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    char **a = sqlite3_realloc(azSchema, sizeof(char *) * (nSchema + 1));
    if (a == 0) {
      rc = SQLITE_NOMEM;
      break;
    }
    azSchema = a;
    azSchema[nSchema] = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 1));
    if (azSchema[nSchema++] == 0) rc = SQLITE_NOMEM;
  }
  sqlite3_finalize(pStmt);
  for (i = 0; rc == SQLITE_OK && i < nSchema; i++) {
    rc = chgSchema(c, p->pConn, azSchema[i]);
  }
  for (i = 0; i < nSchema; i++) sqlite3_free(azSchema[i]);
  sqlite3_free(azSchema);
  return rc;
}

static int chgNext(sqlite3_vtab_cursor *pCur) {
  ((chg_cursor *)pCur)->i++;
  return SQLITE_OK;
}

static int chgEof(sqlite3_vtab_cursor *pCur) {
  chg_cursor *c = (chg_cursor *)pCur;
  return c->i >= c->n;
}

static int chgColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx,
                     int iCol) {
  chg_cursor *c = (chg_cursor *)pCur;
  const chg_row *r = &c->a[c->i];
  switch (iCol) {
    case 0: sqlite3_result_text(ctx, r->zTable, -1, SQLITE_TRANSIENT); break;
    case 1:
      sqlite3_result_text(ctx, r->pBuild->zIndex, -1, SQLITE_TRANSIENT);
      break;
    case 2:
      sqlite3_result_text(ctx, r->pBuild->bClear ? "drop index" : "add index",
                          -1, SQLITE_STATIC);
      break;
    case 3:
      sqlite3_result_text(ctx, r->pBuild->bClear ? "clearing" : "building",
                          -1, SQLITE_STATIC);
      break;
    case 4: sqlite3_result_int64(ctx, r->pBuild->nDone); break;
    case 5:
      /* NULL until the first step of a build on a shared store counts, or
      ** a build in key order gathers. */
      if (!r->pBuild->bCountLater && r->pBuild->nTotal >= 0) {
        sqlite3_result_int64(ctx, r->pBuild->nTotal);
      }
      break;
    case 6: sqlite3_result_int64(ctx, r->pBuild->iStarted); break;
    default: sqlite3_result_text(ctx, r->zSchema, -1, SQLITE_TRANSIENT);
  }
  return SQLITE_OK;
}

static int chgRowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid) {
  *pRowid = ((chg_cursor *)pCur)->i + 1;
  return SQLITE_OK;
}

static sqlite3_module chgModule = {
    0, 0, chgConnect, chgBestIndex, titoTvfDisconnect, 0, chgOpen, chgClose,
    chgFilter, chgNext, chgEof, chgColumn, chgRowid, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0};

int titoRegisterChanges(sqlite3 *db, tito_conn *pConn) {
  return sqlite3_create_module(db, "tito_changes", &chgModule, pConn);
}
