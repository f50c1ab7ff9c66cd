/*
** tito_indexes.c: the table-valued function tito_indexes('t'): a model's
** primary key and indexes as rows, for people and for the tools that
** reflect a schema (SQLite's PRAGMA index_list and index_info cannot be fed
** by a virtual table).
**
**   SELECT * FROM tito_indexes('users');   -- or 'schema.users'
**   table_name, name, kind ('primary key', 'unique', 'index'), seq (0 for
**   the primary key, then 1, 2, ... in definition order), columns
**   ("a, b DESC"), include ("c, d" or NULL), partial (the WHERE condition
**   or NULL), state ('ready', or 'building': queries do not read it yet,
**   see tito_changes)
*/
#include "tito_ext.h"
#include <string.h>

#define IX_COL_TABLE 8

typedef struct ix_cursor {
  sqlite3_vtab_cursor base;
  tito_vtab *pTab;  /* the table named (its model stays while connected) */
  int iRow;         /* 0: the primary key (if declared), then the indexes */
  int iFirst;       /* 0 when the model has a primary key, else 1 */
} ix_cursor;

static int ixConnect(sqlite3 *db, void *pAux, int argc,
                     const char *const *argv, sqlite3_vtab **ppVtab,
                     char **pzErr) {
  (void)argc;
  (void)argv;
  (void)pzErr;
  return titoTvfConnect(db, pAux,
      "CREATE TABLE x(table_name TEXT, name TEXT, kind TEXT, "
      "seq INTEGER, columns TEXT, include TEXT, partial TEXT, "
      "state TEXT, tbl HIDDEN)",
      ppVtab);
}

int titoBestIndexTableArg(sqlite3_index_info *pInfo, int iColTable) {
  int i;
  for (i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if (c->iColumn != iColTable) continue;
    if (!c->usable) return SQLITE_CONSTRAINT;
    if (c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    pInfo->aConstraintUsage[i].argvIndex = 1;
    pInfo->aConstraintUsage[i].omit = 1;
    pInfo->idxNum = 1;
  }
  pInfo->estimatedCost = 10;
  pInfo->estimatedRows = 10;
  return SQLITE_OK;
}

static int ixBestIndex(sqlite3_vtab *p, sqlite3_index_info *pInfo) {
  (void)p;
  return titoBestIndexTableArg(pInfo, IX_COL_TABLE);
}

static int ixOpen(sqlite3_vtab *p, sqlite3_vtab_cursor **ppCur) {
  (void)p;
  return titoTvfOpen((int)sizeof(ix_cursor), ppCur);
}

static int ixClose(sqlite3_vtab_cursor *pCur) {
  sqlite3_free(pCur);
  return SQLITE_OK;
}

static const tito_model *ixModel(const ix_cursor *c) {
  return c->pTab->pTab ? c->pTab->pTab->pModel : c->pTab->pModel;
}

static int ixFilter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr,
                    int argc, sqlite3_value **argv) {
  ix_cursor *c = (ix_cursor *)pCur;
  tito_tvf *p = (tito_tvf *)pCur->pVtab;
  const char *zName = argc > 0 ? (const char *)sqlite3_value_text(argv[0]) : 0;
  (void)idxNum;
  (void)idxStr;
  c->pTab = zName ? titoFindTable(p->pConn, zName) : 0;
  if (c->pTab == 0 || ixModel(c) == 0) {
    sqlite3_free(p->base.zErrMsg);
    p->base.zErrMsg = zName ? sqlite3_mprintf("tito_indexes: no tito table "
                                              "named %s", zName)
                            : sqlite3_mprintf("tito_indexes: give a table "
                                              "name: tito_indexes('t')");
    c->pTab = 0;
    return SQLITE_ERROR;
  }
  /* Opened, the model knows an index being built (else: the definition);
  ** on a shared store, the catalog's model once rechecked. */
  if (titoTableFresh(c->pTab) != SQLITE_OK) {
    sqlite3_free(c->pTab->base.zErrMsg);
    c->pTab->base.zErrMsg = 0;
  }
  c->iFirst = ixModel(c)->nPk > 0 ? 0 : 1;
  c->iRow = c->iFirst;
  return SQLITE_OK;
}

static int ixNext(sqlite3_vtab_cursor *pCur) {
  ((ix_cursor *)pCur)->iRow++;
  return SQLITE_OK;
}

static int ixEof(sqlite3_vtab_cursor *pCur) {
  ix_cursor *c = (ix_cursor *)pCur;
  return c->pTab == 0 || c->iRow > ixModel(c)->nIndex;
}

/* "a, b DESC" for n columns aiCol (abDesc may be NULL). */
static void ixList(sqlite3_context *ctx, const tito_model *pM, int n,
                   const int *aiCol, const uint8_t *abDesc) {
  sqlite3_str *s;
  int i;
  if (n == 0) {
    sqlite3_result_null(ctx);
    return;
  }
  s = sqlite3_str_new(0);
  for (i = 0; i < n; i++) {
    sqlite3_str_appendf(s, "%s%s%s", i ? ", " : "", pM->aCol[aiCol[i]].zName,
                        abDesc && abDesc[i] ? " DESC" : "");
  }
  sqlite3_result_text(ctx, sqlite3_str_finish(s), -1, sqlite3_free);
}

static int ixColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx,
                    int iCol) {
  ix_cursor *c = (ix_cursor *)pCur;
  const tito_model *pM = ixModel(c);
  const tito_index *x = c->iRow > 0 ? &pM->aIndex[c->iRow - 1] : 0;
  switch (iCol) {
    case 0: sqlite3_result_text(ctx, c->pTab->zName, -1, SQLITE_TRANSIENT);
      break;
    case 1:
      sqlite3_result_text(ctx, x ? x->zName : "PRIMARY KEY", -1,
                          SQLITE_TRANSIENT);
      break;
    case 2:
      sqlite3_result_text(ctx, !x ? "primary key"
                               : x->bUnique ? "unique" : "index", -1,
                          SQLITE_STATIC);
      break;
    case 3: sqlite3_result_int(ctx, c->iRow); break;
    case 4:
      if (x) ixList(ctx, pM, x->nCol, x->aiCol, x->abDesc);
      else ixList(ctx, pM, pM->nPk, pM->aiPk, pM->abPkDesc);
      break;
    case 5:
      if (x) ixList(ctx, pM, x->nInclude, x->aiInclude, 0);
      break;
    case 6:
      if (x && x->zWhere) {
        sqlite3_result_text(ctx, x->zWhere, -1, SQLITE_TRANSIENT);
      }
      break;
    case 7:
      sqlite3_result_text(ctx, x && x->bBuilding ? "building" : "ready", -1,
                          SQLITE_STATIC);
      break;
    default: break;
  }
  return SQLITE_OK;
}

static int ixRowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid) {
  *pRowid = ((ix_cursor *)pCur)->iRow;
  return SQLITE_OK;
}

static sqlite3_module ixModule = {
    0, 0, ixConnect, ixBestIndex, titoTvfDisconnect, 0, ixOpen, ixClose,
    ixFilter, ixNext, ixEof, ixColumn, ixRowid, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0};

int titoRegisterIndexes(sqlite3 *db, tito_conn *pConn) {
  return sqlite3_create_module(db, "tito_indexes", &ixModule, pConn);
}
