/*
** tito_numeric.c: the table-valued function tito_numeric(v), one row whose
** column n is v, unchanged, with NUMERIC affinity.
**
** An ordinary table's INTEGER, REAL or NUMERIC column may hold text that
** does not read as a number ('abc', ' 7x'): the column's affinity still
** applies in a comparison, to the other side ("a > '5'" compares ' 7x' with
** the number 5: text is above any number). An expression cannot give a
** value that affinity without converting it (CAST(' 7x' AS NUMERIC) is 7),
** but a column of a virtual table can: its declared type gives the
** affinity, and xColumn's value is returned as is. The partial-index
** conditions of src/predicate.c read such a value as
** "(SELECT n FROM tito_numeric(?))", so that the condition means on a tito
** row exactly what it means on an ordinary table's row.
*/
#include "tito_ext.h"
#include <string.h>

typedef struct numeric_cursor {
  sqlite3_vtab_cursor base;
  sqlite3_value *pVal; /* the argument (a copy), or NULL */
  int bEof;
} numeric_cursor;

static int numericConnect(sqlite3 *db, void *pAux, int argc,
                          const char *const *argv, sqlite3_vtab **ppVtab,
                          char **pzErr) {
  sqlite3_vtab *p;
  int rc;
  (void)pAux;
  (void)argc;
  (void)argv;
  (void)pzErr;
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(n NUMERIC, v HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  *ppVtab = p;
  return SQLITE_OK;
}

static int numericDisconnect(sqlite3_vtab *p) {
  sqlite3_free(p);
  return SQLITE_OK;
}

/* The one plan: v = argument. Without it there is no row to give. */
static int numericBestIndex(sqlite3_vtab *p, sqlite3_index_info *pInfo) {
  int i;
  (void)p;
  for (i = 0; i < pInfo->nConstraint; i++) {
    if (pInfo->aConstraint[i].iColumn == 1 &&
        pInfo->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_EQ &&
        pInfo->aConstraint[i].usable) {
      pInfo->aConstraintUsage[i].argvIndex = 1;
      pInfo->aConstraintUsage[i].omit = 1;
      pInfo->estimatedCost = 1;
      pInfo->estimatedRows = 1;
      pInfo->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
      return SQLITE_OK;
    }
  }
  return SQLITE_CONSTRAINT;
}

static int numericOpen(sqlite3_vtab *p, sqlite3_vtab_cursor **ppCur) {
  numeric_cursor *pCur = sqlite3_malloc(sizeof(*pCur));
  (void)p;
  if (pCur == 0) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  pCur->bEof = 1;
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

static int numericClose(sqlite3_vtab_cursor *pBase) {
  numeric_cursor *pCur = (numeric_cursor *)pBase;
  sqlite3_value_free(pCur->pVal);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

static int numericFilter(sqlite3_vtab_cursor *pBase, int idxNum,
                         const char *idxStr, int argc, sqlite3_value **argv) {
  numeric_cursor *pCur = (numeric_cursor *)pBase;
  (void)idxNum;
  (void)idxStr;
  sqlite3_value_free(pCur->pVal);
  pCur->pVal = 0;
  pCur->bEof = 1;
  if (argc < 1) return SQLITE_OK;
  pCur->pVal = sqlite3_value_dup(argv[0]);
  if (pCur->pVal == 0) return SQLITE_NOMEM;
  pCur->bEof = 0;
  return SQLITE_OK;
}

static int numericNext(sqlite3_vtab_cursor *pBase) {
  ((numeric_cursor *)pBase)->bEof = 1;
  return SQLITE_OK;
}

static int numericEof(sqlite3_vtab_cursor *pBase) {
  return ((numeric_cursor *)pBase)->bEof;
}

static int numericColumn(sqlite3_vtab_cursor *pBase, sqlite3_context *ctx,
                         int iCol) {
  (void)iCol; /* n and v are the same value */
  sqlite3_result_value(ctx, ((numeric_cursor *)pBase)->pVal);
  return SQLITE_OK;
}

static int numericRowid(sqlite3_vtab_cursor *pBase, sqlite3_int64 *pRowid) {
  (void)pBase;
  *pRowid = 1;
  return SQLITE_OK;
}

static const sqlite3_module numericModule = {
    /* iVersion    */ 0,
    /* xCreate     */ 0, /* eponymous only */
    /* xConnect    */ numericConnect,
    /* xBestIndex  */ numericBestIndex,
    /* xDisconnect */ numericDisconnect,
    /* xDestroy    */ 0,
    /* xOpen       */ numericOpen,
    /* xClose      */ numericClose,
    /* xFilter     */ numericFilter,
    /* xNext       */ numericNext,
    /* xEof        */ numericEof,
    /* xColumn     */ numericColumn,
    /* xRowid      */ numericRowid,
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
};

int titoRegisterNumeric(sqlite3 *db) {
  return sqlite3_create_module(db, "tito_numeric", &numericModule, 0);
}
