/*
** predicate.c: partial-index conditions, evaluated by SQLite itself.
**
** The statement is
**   SELECT (w1),(w2),... FROM (SELECT CAST(?1 AS NUMERIC) AS "a", ?2 AS "b", ...)
** A CAST gives the column its declared affinity (INTEGER and NUMERIC
** compare alike, so both use NUMERIC). A CAST also converts, so it is used
** only where it leaves the value unchanged: a value whose type is not the
** natural one for its column (text kept in an INTEGER column, say) is bound
** through a variant statement instead: a plain parameter (a blob in a TEXT
** column: TEXT affinity changes no blob), or, for text kept by a numeric
** column, "(SELECT n FROM tito_numeric(?N))": the column of a virtual table
** of the SQLite layer declared NUMERIC, which gives its value that affinity
** without converting it (INTEGER, REAL and NUMERIC compare alike).
**
** A condition is refused where SQLite refuses it in a partial index, with
** SQLite's words: parameters, aggregates and non-deterministic functions
** are seen in its program (EXPLAIN), subqueries in its query plan (a
** subquery, and only a subquery, adds lines to EXPLAIN QUERY PLAN: an IN
** list of values does not, so "b IN (1, 2, 3)" is accepted as SQLite
** accepts it).
*/
#include "predicate.h"
#include <string.h>
#include "kv.h"

struct tito_pred {
  sqlite3 *db;
  const tito_model *pModel;
  sqlite3_stmt *pStmt;     /* every column cast to its affinity */
  sqlite3_stmt *pVariant;  /* the columns flagged in aVariant bound raw */
  uint8_t *aVariant;       /* per column: 1 if bound raw in pVariant */
  uint8_t *aRaw;           /* per column: scratch of predStmtFor */
  int nPartial;            /* partial indexes */
  int *aiPartial;          /* their index numbers, in result-column order */
};

int tito_bind_value(sqlite3_stmt *pStmt, int i, const tito_value *v) {
  switch (v->eType) {
    case SQLITE_INTEGER: return sqlite3_bind_int64(pStmt, i, v->i);
    case SQLITE_FLOAT: return sqlite3_bind_double(pStmt, i, v->r);
    case SQLITE_TEXT:
      return sqlite3_bind_text(pStmt, i, (const char *)v->z, v->n,
                               SQLITE_STATIC);
    case SQLITE_BLOB:
      return sqlite3_bind_blob(pStmt, i, v->z, v->n, SQLITE_STATIC);
    default: return sqlite3_bind_null(pStmt, i);
  }
}

const char *tito_cast_type(char cAff) {
  switch (cAff) {
    case TITO_AFF_TEXT: return "TEXT";
    case TITO_AFF_REAL: return "REAL";
    case TITO_AFF_INTEGER:
    case TITO_AFF_NUMERIC: return "NUMERIC";
    default: return 0;
  }
}

int tito_cast_keeps(char cAff, int eType) {
  if (eType == SQLITE_NULL) return 1;
  switch (cAff) {
    case TITO_AFF_TEXT: return eType == SQLITE_TEXT;
    case TITO_AFF_REAL: return eType == SQLITE_FLOAT;
    case TITO_AFF_INTEGER:
    case TITO_AFF_NUMERIC:
      return eType == SQLITE_INTEGER || eType == SQLITE_FLOAT;
    default: return 1;
  }
}

/* Build the row as a common table expression, columns flagged in aRaw
** (NULL: none) bound without a CAST. It comes first in the text so that
** its parameters ?1..?nCol are numbered before any a condition holds: a
** bare "?" or ":name" in a condition then gets a number above nCol, which
** predRefusal sees (a "?" read first would take number 1 and alias ?1). */
static void predAppendRow(sqlite3_str *pStr, const tito_model *pModel,
                          const uint8_t *aRaw) {
  int i;
  sqlite3_str_appendf(pStr, "WITH \"tito row\" AS (SELECT ");
  for (i = 0; i < pModel->nCol; i++) {
    const char *zCast = tito_cast_type(pModel->aCol[i].cAff);
    if (i) sqlite3_str_appendf(pStr, ", ");
    if (zCast && !(aRaw && aRaw[i])) {
      sqlite3_str_appendf(pStr, "CAST(?%d AS %s)", i + 1, zCast);
    } else if (zCast && zCast[0] != 'T') {
      /* Text kept by a numeric column: its affinity, unconverted. */
      sqlite3_str_appendf(pStr, "(SELECT n FROM tito_numeric(?%d))", i + 1);
    } else {
      sqlite3_str_appendf(pStr, "?%d", i + 1);
    }
    sqlite3_str_appendf(pStr, " AS \"%w\"", pModel->aCol[i].zName);
  }
  sqlite3_str_appendf(pStr, ")");
}

/* Compile the SELECT of the conditions in aiPartial[0..n). */
static int predPrepare(sqlite3 *db, const tito_model *pModel,
                       const int *aiPartial, int n, const uint8_t *aRaw,
                       sqlite3_stmt **ppStmt) {
  sqlite3_str *pStr = sqlite3_str_new(db);
  char *zSql;
  int i, rc;
  predAppendRow(pStr, pModel, aRaw);
  sqlite3_str_appendf(pStr, " SELECT ");
  for (i = 0; i < n; i++) {
    sqlite3_str_appendf(pStr, "%s(%s)", i ? ", " : "",
                        pModel->aIndex[aiPartial[i]].zWhere);
  }
  if (n == 0) sqlite3_str_appendf(pStr, "NULL");
  sqlite3_str_appendf(pStr, " FROM \"tito row\"");
  zSql = sqlite3_str_finish(pStr);
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v3(db, zSql, -1, SQLITE_PREPARE_PERSISTENT, ppStmt, 0);
  sqlite3_free(zSql);
  return rc;
}

/* Is function zName (as EXPLAIN shows it: "name(n)") deterministic? */
static int predDeterministic(sqlite3 *db, const char *zP4) {
  sqlite3_stmt *pStmt = 0;
  const char *zParen = zP4 ? strchr(zP4, '(') : 0;
  int bDet = 1;
  if (zParen == 0) return 1;
  if (sqlite3_prepare_v2(db,
                         "SELECT min(flags & 0x800) FROM pragma_function_list"
                         " WHERE name = ?1",
                         -1, &pStmt, 0) == SQLITE_OK) {
    sqlite3_bind_text(pStmt, 1, zP4, (int)(zParen - zP4), SQLITE_STATIC);
    if (sqlite3_step(pStmt) == SQLITE_ROW &&
        sqlite3_column_type(pStmt, 0) != SQLITE_NULL) {
      bDet = sqlite3_column_int(pStmt, 0) != 0;
    }
  }
  sqlite3_finalize(pStmt);
  return bDet;
}

/* Lines of EXPLAIN QUERY PLAN of statement pStmt's SQL, or -1. */
static int predPlanLines(sqlite3 *db, sqlite3_stmt *pStmt) {
  sqlite3_stmt *pEqp = 0;
  char *zSql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sqlite3_sql(pStmt));
  int n = -1;
  if (zSql && sqlite3_prepare_v2(db, zSql, -1, &pEqp, 0) == SQLITE_OK) {
    for (n = 0; sqlite3_step(pEqp) == SQLITE_ROW; n++) {
    }
  }
  sqlite3_finalize(pEqp);
  sqlite3_free(zSql);
  return n;
}

/* Does condition statement pCond hold a subquery? Compared with the plan
** of the same statement without a condition. */
static int predHasSubquery(sqlite3 *db, const tito_model *pModel,
                           sqlite3_stmt *pCond) {
  sqlite3_stmt *pBare = 0;
  int n = -1;
  if (predPrepare(db, pModel, 0, 0, 0, &pBare) == SQLITE_OK) {
    n = predPlanLines(db, pBare);
  }
  sqlite3_finalize(pBare);
  return n >= 0 && predPlanLines(db, pCond) > n;
}

/*
** Refuse what SQLite refuses in a partial index's WHERE clause, with its
** words: read the compiled condition's program (EXPLAIN) for parameters
** beyond the row's, aggregates and non-deterministic functions, and its
** query plan for subqueries. Returns a message (sqlite3_malloc'd) or NULL.
*/
static char *predRefusal(sqlite3 *db, const tito_model *pModel,
                         sqlite3_stmt *pCond) {
  int nCol = pModel->nCol;
  sqlite3_stmt *pEx = 0;
  char *zSql, *zWhy = 0;
  int nVar = 0;
  if (sqlite3_bind_parameter_count(pCond) > nCol) {
    return sqlite3_mprintf("parameters prohibited in partial index WHERE "
                           "clauses");
  }
  zSql = sqlite3_mprintf("EXPLAIN %s", sqlite3_sql(pCond));
  if (zSql == 0) return 0;
  if (sqlite3_prepare_v2(db, zSql, -1, &pEx, 0) != SQLITE_OK) {
    sqlite3_free(zSql);
    return 0;
  }
  sqlite3_free(zSql);
  while (zWhy == 0 && sqlite3_step(pEx) == SQLITE_ROW) {
    const char *zOp = (const char *)sqlite3_column_text(pEx, 1);
    const char *zP4 = (const char *)sqlite3_column_text(pEx, 5);
    if (zOp == 0) continue;
    if (strcmp(zOp, "Variable") == 0 && ++nVar > nCol) {
      zWhy = sqlite3_mprintf("parameters prohibited in partial index WHERE "
                             "clauses");
    } else if (strncmp(zOp, "Agg", 3) == 0) {
      const char *zParen = zP4 ? strchr(zP4, '(') : 0;
      zWhy = sqlite3_mprintf("misuse of aggregate function %.*s()",
                             zParen ? (int)(zParen - zP4) : 0, zP4 ? zP4 : "");
    } else if ((strcmp(zOp, "Function") == 0 ||
                strcmp(zOp, "PureFunc") == 0) &&
               !predDeterministic(db, zP4)) {
      zWhy = sqlite3_mprintf("non-deterministic functions prohibited in "
                             "partial index WHERE clauses");
    }
  }
  sqlite3_finalize(pEx);
  if (zWhy == 0 && predHasSubquery(db, pModel, pCond)) {
    zWhy = sqlite3_mprintf("subqueries prohibited in partial index WHERE "
                           "clauses");
  }
  return zWhy;
}

int tito_pred_open(sqlite3 *db, const tito_model *pModel, tito_pred **ppPred,
                   char **pzErr) {
  tito_pred *p;
  int i, rc;
  *ppPred = 0;
  for (i = 0; i < pModel->nIndex && pModel->aIndex[i].zWhere == 0; i++) {
  }
  if (i == pModel->nIndex) return SQLITE_OK;
  if (pModel->nIndex > TITO_MAX_INDEX) { /* the model refuses more */
    *pzErr = sqlite3_mprintf("tito: %s: at most %d indexes", pModel->zTable,
                             TITO_MAX_INDEX);
    return SQLITE_ERROR;
  }
  p = sqlite3_malloc64(sizeof(*p) + sizeof(int) * pModel->nIndex +
                       2 * (size_t)pModel->nCol);
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pModel = pModel;
  p->aiPartial = (int *)&p[1];
  p->aVariant = (uint8_t *)&p->aiPartial[pModel->nIndex];
  p->aRaw = p->aVariant + pModel->nCol;
  for (i = 0; i < pModel->nIndex; i++) {
    if (pModel->aIndex[i].zWhere) {
      /* Compile each condition alone first, so an error names its index. */
      sqlite3_stmt *pOne = 0;
      char *zWhy = 0;
      rc = predPrepare(db, pModel, &i, 1, 0, &pOne);
      if (rc == SQLITE_OK) {
        zWhy = predRefusal(db, pModel, pOne);
      } else {
        zWhy = sqlite3_mprintf("%s", sqlite3_errmsg(db));
      }
      sqlite3_finalize(pOne);
      if (zWhy) {
        *pzErr = sqlite3_mprintf("tito: %s: bad WHERE of INDEX %s: %s",
                                 pModel->zTable, pModel->aIndex[i].zName,
                                 zWhy);
        sqlite3_free(zWhy);
        sqlite3_free(p);
        return SQLITE_ERROR;
      }
      p->aiPartial[p->nPartial++] = i;
    }
  }
  rc = predPrepare(db, pModel, p->aiPartial, p->nPartial, 0, &p->pStmt);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("tito: %s: %s", pModel->zTable,
                             sqlite3_errmsg(db));
    tito_pred_close(p);
    return SQLITE_ERROR;
  }
  *ppPred = p;
  return SQLITE_OK;
}

/* The statement to use for a row: the cast one, or a variant binding the
** unnatural columns raw. */
static int predStmtFor(tito_pred *p, const tito_value *aRow,
                       sqlite3_stmt **ppStmt) {
  const tito_model *pModel = p->pModel;
  int i, rc, bRaw = 0;
  for (i = 0; i < pModel->nCol; i++) {
    p->aRaw[i] = !tito_cast_keeps(pModel->aCol[i].cAff, aRow[i].eType);
    bRaw |= p->aRaw[i];
  }
  if (!bRaw) {
    *ppStmt = p->pStmt;
    return SQLITE_OK;
  }
  if (p->pVariant == 0 || memcmp(p->aVariant, p->aRaw, pModel->nCol)) {
    sqlite3_finalize(p->pVariant);
    p->pVariant = 0;
    rc = predPrepare(p->db, pModel, p->aiPartial, p->nPartial, p->aRaw,
                     &p->pVariant);
    if (rc != SQLITE_OK) return rc;
    memcpy(p->aVariant, p->aRaw, pModel->nCol);
  }
  *ppStmt = p->pVariant;
  return SQLITE_OK;
}

int tito_pred_eval(tito_pred *p, const tito_value *aRow, uint64_t *pMask,
                   char **pzErr) {
  const tito_model *pModel = p->pModel;
  sqlite3_stmt *pStmt = 0;
  uint64_t mask = 0;
  int i, rc;
  for (i = 0; i < pModel->nIndex; i++) {
    if (pModel->aIndex[i].zWhere == 0) mask |= (uint64_t)1 << i;
  }
  rc = predStmtFor(p, aRow, &pStmt);
  for (i = 0; rc == SQLITE_OK && i < pModel->nCol; i++) {
    rc = tito_bind_value(pStmt, i + 1, &aRow[i]);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(pStmt);
    if (rc == SQLITE_ROW) {
      for (i = 0; i < p->nPartial; i++) {
        /* SQLite's truth: NULL and 0 are false. */
        if (sqlite3_column_type(pStmt, i) != SQLITE_NULL &&
            sqlite3_column_double(pStmt, i) != 0.0) {
          mask |= (uint64_t)1 << p->aiPartial[i];
        }
      }
      rc = SQLITE_OK;
    }
  }
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("tito: %s: evaluating a partial index: %s",
                             pModel->zTable, sqlite3_errmsg(p->db));
  }
  if (pStmt) {
    sqlite3_reset(pStmt);
    sqlite3_clear_bindings(pStmt);
  }
  *pMask = mask;
  return rc;
}

void tito_pred_close(tito_pred *p) {
  if (p) {
    sqlite3_finalize(p->pStmt);
    sqlite3_finalize(p->pVariant);
    sqlite3_free(p);
  }
}
