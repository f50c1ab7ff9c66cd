/*
** tito_alter.c: changes of a live model from SQL (SQLite's ALTER TABLE does
** not reach a virtual table's definition).
**
**   SELECT tito_alter('orders', 'ADD INDEX by_created(created_at DESC)');
**   SELECT tito_alter('orders', 'ADD UNIQUE INDEX by_ref(ref) WHERE ref IS NOT NULL');
**   SELECT tito_alter('orders', 'DROP INDEX by_created');
**   SELECT tito_alter('orders', 'ADD COLUMN priority INTEGER DEFAULT 0');
**   SELECT tito_alter('orders', 'RENAME COLUMN priority TO rank');
**   SELECT tito_alter('orders', 'DROP COLUMN rank');
**
** The index clause is the one CREATE VIRTUAL TABLE takes. One call is one
** step of the caller's transaction, all or nothing (a savepoint): the
** entries are written (src/index_build.c), the store's catalog gets the new
** definition, and so does the table's CREATE statement in sqlite_schema,
** whose schema_version moves so that every connection (this one included)
** reloads the table with the new model before its next statement. SQLite
** lets only one connection write the database at a time, so no write of
** another connection can miss the new index. A table declared without
** columns (attached to the catalog's model) keeps its declaration and
** follows the catalog.
**
** Index ids are positions among the model's indexes (src/table.h): a
** dropped index that is not the last is replaced by the last one, whose
** entries are rebuilt under the freed id, so no other index moves.
**
** ADD COLUMN rewrites no row: rows written before it hold one value fewer
** and read the column's DEFAULT, a literal as SQLite's ADD COLUMN asks
** (src/table.h, tito_table_decode_row).
**
** DROP COLUMN rewrites every row without the column (src/column_drop.c);
** RENAME COLUMN changes the definition only. Both refuse a column that the
** key, an index, a topic or a default uses.
**
** Not yet: backfills in bounded transactions that
** resume after a crash; tables of a TiKV store (a writer on another
** machine would not see the change before its next connection).
*/
#include "tito_ext.h"
#include <stdarg.h>
#include <string.h>
#include "catalog.h"
#include "definition.h"
#include "column_drop.h"
#include "index_build.h"

/* Skip blanks. */
static const char *alterBlank(const char *z) {
  while (*z == ' ' || *z == '\t' || *z == '\n' || *z == '\r') z++;
  return z;
}

/* Is z a keyword zKw (case-insensitive) followed by a non-identifier? */
static int alterKeyword(const char *z, const char *zKw, const char **pzAfter) {
  int n = (int)strlen(zKw);
  if (sqlite3_strnicmp(z, zKw, n) != 0) return 0;
  if ((z[n] >= 'a' && z[n] <= 'z') || (z[n] >= 'A' && z[n] <= 'Z') ||
      (z[n] >= '0' && z[n] <= '9') || z[n] == '_') {
    return 0;
  }
  *pzAfter = alterBlank(z + n);
  return 1;
}

/* z without its leading and trailing blanks (sqlite3_malloc'd): a module
** argument as SQLite passes it, so the catalog's copy of the definition
** reads as the reconnected table's. */
static char *alterTrim(const char *z) {
  const char *e;
  z = alterBlank(z);
  e = z + strlen(z);
  while (e > z && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
                   e[-1] == '\r')) {
    e--;
  }
  return sqlite3_mprintf("%.*s", (int)(e - z), z);
}

/* If zArg declares an index ([UNIQUE] INDEX name ...), its name
** (sqlite3_malloc'd, unquoted), else NULL. */
static char *alterIndexName(const char *zArg) {
  const char *z = alterBlank(zArg), *zEnd;
  alterKeyword(z, "UNIQUE", &z);
  if (!alterKeyword(z, "INDEX", &z)) return 0;
  if (*z == '"' || *z == '`' || *z == '[') {
    char cClose = *z == '[' ? ']' : *z;
    zEnd = strchr(z + 1, cClose);
    return zEnd ? sqlite3_mprintf("%.*s", (int)(zEnd - z - 1), z + 1) : 0;
  }
  for (zEnd = z; *zEnd && *zEnd != '(' && *zEnd != ' ' && *zEnd != '\t' &&
                 *zEnd != '\n';
       zEnd++) {
  }
  return zEnd > z ? sqlite3_mprintf("%.*s", (int)(zEnd - z), z) : 0;
}

/* The change being made. */
enum {
  ALTER_ADD_INDEX, ALTER_DROP_INDEX, ALTER_ADD_COLUMN, ALTER_DROP_COLUMN,
  ALTER_RENAME_COLUMN
};

typedef struct alter_change {
  tito_vtab *p;
  int eKind;          /* ALTER_* */
  char *zIndex;       /* the index's (or the added column's) name */
  int nArg;           /* the new definition's arguments */
  char **azArg;       /* (pointers into p->azArg or the change text) */
  tito_model *pModel; /* the new model */
  int iIdx;           /* ADD: the new index; DROP: the index moved into the
                      ** dropped one's place, or -1 */
  uint32_t iDropId;   /* DROP: the dropped index's id */
  uint32_t iMovedId;  /* DROP: the moved index's old id, or 0 */
  int iCol;           /* DROP/RENAME COLUMN: the column */
  char *zNewArg;      /* the new clause (ADD), or the column's renamed one */
} alter_change;

static void alterChangeFree(alter_change *c) {
  sqlite3_free(c->zIndex);
  sqlite3_free(c->zNewArg);
  sqlite3_free(c->azArg);
  tito_model_free(c->pModel);
}

/* The new argument list of ADD INDEX zSpec. */
static int alterPlanAdd(alter_change *c, const char *zSpec, char **pzErr) {
  tito_vtab *p = c->p;
  int i;
  c->zNewArg = alterTrim(zSpec);
  if (c->zNewArg == 0) return SQLITE_NOMEM;
  zSpec = c->zNewArg;
  c->zIndex = alterIndexName(zSpec);
  if (c->zIndex == 0) {
    *pzErr = sqlite3_mprintf("ADD takes an index clause: ADD [UNIQUE] INDEX "
                             "name(columns) [WHERE ...] [INCLUDE (...)]");
    return SQLITE_ERROR;
  }
  c->azArg = sqlite3_malloc64(sizeof(char *) * (p->nArg + 1));
  if (c->azArg == 0) return SQLITE_NOMEM;
  for (i = 0; i < p->nArg; i++) c->azArg[i] = p->azArg[i];
  c->azArg[p->nArg] = (char *)zSpec;
  c->nArg = p->nArg + 1;
  return SQLITE_OK;
}

/* The new argument list of DROP INDEX zName: the last index's clause takes
** the dropped one's place. */
static int alterPlanDrop(alter_change *c, const char *zName, char **pzErr) {
  tito_vtab *p = c->p;
  const tito_model *pOld = p->pTab->pModel;
  int i, iArg = -1, iLastArg = -1, iOld = tito_model_index(pOld, zName);
  if (iOld < 0) {
    *pzErr = sqlite3_mprintf("%s has no index %s", p->zName, zName);
    return SQLITE_ERROR;
  }
  for (i = 0; i < p->nArg; i++) {
    char *z = alterIndexName(p->azArg[i]);
    if (z) iLastArg = i;
    if (z && sqlite3_stricmp(z, zName) == 0) iArg = i;
    sqlite3_free(z);
  }
  if (iArg < 0) {
    *pzErr = sqlite3_mprintf("index %s of %s is not declared by an INDEX "
                             "clause", zName, p->zName);
    return SQLITE_ERROR;
  }
  c->zIndex = sqlite3_mprintf("%s", pOld->aIndex[iOld].zName);
  c->azArg = sqlite3_malloc64(sizeof(char *) * p->nArg);
  if (c->zIndex == 0 || c->azArg == 0) return SQLITE_NOMEM;
  c->iDropId = pOld->aIndex[iOld].iId;
  c->iIdx = -1;
  if (iLastArg != iArg) {
    c->iMovedId = pOld->aIndex[pOld->nIndex - 1].iId;
    c->iIdx = iOld;
  }
  for (i = 0; i < p->nArg; i++) {
    if (i == iLastArg) continue; /* dropped, or moved to iArg */
    c->azArg[c->nArg++] = i == iArg ? p->azArg[iLastArg] : p->azArg[i];
  }
  return SQLITE_OK;
}

/* The name a column definition zArg declares (sqlite3_malloc'd, unquoted),
** or NULL when zArg is not one of pModel's columns' definitions. */
static char *alterColumnName(const tito_model *pModel, const char *zArg) {
  static const char *const azClause[] = {"INDEX", "UNIQUE", "PRIMARY",
                                         "TOPIC", "CONSTRAINT", 0};
  const char *z = alterBlank(zArg), *zEnd, *zAfter;
  char *zName;
  int i;
  if (*z == '"' || *z == '`' || *z == '[') {
    char cClose = *z == '[' ? ']' : *z;
    zEnd = strchr(z + 1, cClose);
    if (zEnd == 0) return 0;
    zName = sqlite3_mprintf("%.*s", (int)(zEnd - z - 1), z + 1);
  } else {
    for (i = 0; azClause[i]; i++) {
      if (alterKeyword(z, azClause[i], &zAfter)) return 0;
    }
    for (zEnd = z; (*zEnd >= 'a' && *zEnd <= 'z') ||
                   (*zEnd >= 'A' && *zEnd <= 'Z') ||
                   (*zEnd >= '0' && *zEnd <= '9') || *zEnd == '_' ||
                   (unsigned char)*zEnd >= 0x80;
         zEnd++) {
    }
    zName = sqlite3_mprintf("%.*s", (int)(zEnd - z), z);
  }
  if (zName && tito_model_column(pModel, zName) < 0) {
    sqlite3_free(zName);
    zName = 0;
  }
  return zName;
}

/* The new argument list of ADD COLUMN zSpec: after the last column's
** definition, so the new column is the last (rows written before it hold
** one value fewer, src/rowcodec.h). */
static int alterPlanAddColumn(alter_change *c, const char *zSpec) {
  tito_vtab *p = c->p;
  const tito_model *pOld = p->pTab->pModel;
  int i, n = 0, iLastCol = -1;
  c->zNewArg = alterTrim(zSpec);
  if (c->zNewArg == 0) return SQLITE_NOMEM;
  zSpec = c->zNewArg;
  for (i = 0; i < p->nArg; i++) {
    char *z = alterColumnName(pOld, p->azArg[i]);
    if (z) iLastCol = i;
    sqlite3_free(z);
  }
  c->azArg = sqlite3_malloc64(sizeof(char *) * (p->nArg + 1));
  if (c->azArg == 0) return SQLITE_NOMEM;
  for (i = 0; i < p->nArg; i++) {
    c->azArg[n++] = p->azArg[i];
    if (i == iLastCol) c->azArg[n++] = (char *)zSpec;
  }
  if (iLastCol < 0) c->azArg[n++] = (char *)zSpec;
  c->nArg = n;
  return SQLITE_OK;
}

/* Can the column the new model adds be read from rows written without
** it? SQLite's rules for ALTER TABLE ADD COLUMN, in its words. */
static int alterCheckAddColumn(alter_change *c, char **pzErr) {
  const tito_model *pOld = c->p->pTab->pModel, *pNew = c->pModel;
  const tito_column *pCol;
  int i;
  if (pNew->nCol != pOld->nCol + 1) {
    *pzErr = sqlite3_mprintf("ADD COLUMN takes one column definition");
    return SQLITE_ERROR;
  }
  pCol = &pNew->aCol[pNew->nCol - 1];
  c->zIndex = sqlite3_mprintf("%s", pCol->zName);
  if (c->zIndex == 0) return SQLITE_NOMEM;
  for (i = 0; i < pNew->nPk; i++) {
    if (pNew->aiPk[i] == pNew->nCol - 1) {
      *pzErr = sqlite3_mprintf("Cannot add a PRIMARY KEY column");
      return SQLITE_ERROR;
    }
  }
  if (pNew->nIndex != pOld->nIndex) {
    *pzErr = sqlite3_mprintf("Cannot add a UNIQUE column (add the column, "
                             "then ADD UNIQUE INDEX)");
    return SQLITE_ERROR;
  }
  if (pCol->zDefault && !tito_def_is_literal(pCol->zDefault)) {
    *pzErr = sqlite3_mprintf("Cannot add a column with non-constant default");
    return SQLITE_ERROR;
  }
  if (pCol->bNotNull &&
      (pCol->zDefault == 0 ||
       sqlite3_stricmp(alterBlank(pCol->zDefault), "NULL") == 0)) {
    *pzErr = sqlite3_mprintf("Cannot add a NOT NULL column with default "
                             "value NULL");
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* Does SQL text z name identifier zName (outside string literals)? */
static int alterTextUses(const char *z, const char *zName) {
  int n = (int)strlen(zName);
  while (z && *z) {
    if (*z == '\'') {
      for (z++; *z && !(*z == '\'' && z[1] != '\''); z += (*z == '\'') ? 2 : 1) {
      }
      if (*z) z++;
    } else if (*z == '"' || *z == '`' || *z == '[') {
      char cClose = *z == '[' ? ']' : *z;
      const char *e = strchr(z + 1, cClose);
      if (e == 0) return 0;
      if ((int)(e - z - 1) == n && sqlite3_strnicmp(z + 1, zName, n) == 0) {
        return 1;
      }
      z = e + 1;
    } else if ((*z >= 'a' && *z <= 'z') || (*z >= 'A' && *z <= 'Z') ||
               *z == '_' || (unsigned char)*z >= 0x80) {
      const char *s = z;
      while ((*z >= 'a' && *z <= 'z') || (*z >= 'A' && *z <= 'Z') ||
             (*z >= '0' && *z <= '9') || *z == '_' || (unsigned char)*z >= 0x80) {
        z++;
      }
      if ((int)(z - s) == n && sqlite3_strnicmp(s, zName, n) == 0) return 1;
    } else {
      z++;
    }
  }
  return 0;
}

/* What of the model uses column iCol (a key, an index, a topic), as words
** for a message (sqlite3_malloc'd), or NULL if nothing does. */
static char *alterColumnUser(const tito_model *pModel, int iCol) {
  const char *zName = pModel->aCol[iCol].zName;
  int i, j;
  for (i = 0; i < pModel->nPk; i++) {
    if (pModel->aiPk[i] == iCol) return sqlite3_mprintf("the PRIMARY KEY");
  }
  for (i = 0; i < pModel->nIndex; i++) {
    const tito_index *pIdx = &pModel->aIndex[i];
    int bUse = alterTextUses(pIdx->zWhere, zName);
    for (j = 0; j < pIdx->nCol; j++) bUse |= pIdx->aiCol[j] == iCol;
    for (j = 0; j < pIdx->nInclude; j++) bUse |= pIdx->aiInclude[j] == iCol;
    if (bUse) return sqlite3_mprintf("index %s", pIdx->zName);
  }
  for (i = 0; i < pModel->nTopic; i++) {
    const tito_topic *pT = &pModel->aTopic[i];
    int bUse = alterTextUses(pT->zWhere, zName) || alterTextUses(pT->zAt, zName);
    for (j = 0; j < pT->nPart; j++) bUse |= pT->aiPart[j] == iCol;
    if (bUse) return sqlite3_mprintf("topic %s", pT->zName);
  }
  for (i = 0; i < pModel->nCol; i++) {
    if (i != iCol && alterTextUses(pModel->aCol[i].zDefault, zName)) {
      return sqlite3_mprintf("the DEFAULT of column %s", pModel->aCol[i].zName);
    }
  }
  return 0;
}

/* The argument declaring column zName, or -1. */
static int alterColumnArg(tito_vtab *p, const char *zName) {
  const tito_model *pOld = p->pTab->pModel;
  int i, iArg = -1;
  for (i = 0; i < p->nArg && iArg < 0; i++) {
    char *z = alterColumnName(pOld, p->azArg[i]);
    if (z && sqlite3_stricmp(z, zName) == 0) iArg = i;
    sqlite3_free(z);
  }
  return iArg;
}

/* The column named by "name ..." at z (sqlite3_malloc'd, unquoted), and
** *pzAfter past it; NULL if there is no name. */
static char *alterTakeName(const char *z, const char **pzAfter) {
  const char *zEnd;
  char *zName;
  z = alterBlank(z);
  if (*z == '"' || *z == '`' || *z == '[') {
    char cClose = *z == '[' ? ']' : *z;
    zEnd = strchr(z + 1, cClose);
    if (zEnd == 0) return 0;
    zName = sqlite3_mprintf("%.*s", (int)(zEnd - z - 1), z + 1);
    zEnd++;
  } else {
    for (zEnd = z; (*zEnd >= 'a' && *zEnd <= 'z') ||
                   (*zEnd >= 'A' && *zEnd <= 'Z') ||
                   (*zEnd >= '0' && *zEnd <= '9') || *zEnd == '_' ||
                   (unsigned char)*zEnd >= 0x80;
         zEnd++) {
    }
    if (zEnd == z) return 0;
    zName = sqlite3_mprintf("%.*s", (int)(zEnd - z), z);
  }
  *pzAfter = alterBlank(zEnd);
  return zName;
}

/* DROP COLUMN zName / RENAME COLUMN zName TO zNew (zNew NULL for DROP):
** the column's definition removed, or its name replaced. Refused for a
** column the key, an index, a topic or another default uses (SQLite's
** DROP COLUMN refuses those too; tito's RENAME does not rewrite them). */
static int alterPlanColumn(alter_change *c, const char *zName,
                           const char *zNew, char **pzErr) {
  tito_vtab *p = c->p;
  const tito_model *pOld = p->pTab->pModel;
  int i, iCol = tito_model_column(pOld, zName), iArg;
  char *zUser;
  if (iCol < 0) {
    *pzErr = sqlite3_mprintf("no such column: \"%s\"", zName);
    return SQLITE_ERROR;
  }
  zUser = alterColumnUser(pOld, iCol);
  if (zUser) {
    *pzErr = sqlite3_mprintf("cannot %s column \"%s\": %s uses it%s",
                             zNew ? "rename" : "drop", pOld->aCol[iCol].zName,
                             zUser, strncmp(zUser, "index ", 6) == 0
                                        ? " (drop the index first)" : "");
    sqlite3_free(zUser);
    return SQLITE_ERROR;
  }
  if (zNew == 0 && pOld->nCol == 1) {
    *pzErr = sqlite3_mprintf("cannot drop column \"%s\": no other columns "
                             "exist", zName);
    return SQLITE_ERROR;
  }
  if (zNew && tito_model_column(pOld, zNew) >= 0 &&
      sqlite3_stricmp(zNew, zName) != 0) {
    *pzErr = sqlite3_mprintf("duplicate column name: %s", zNew);
    return SQLITE_ERROR;
  }
  iArg = alterColumnArg(p, zName);
  if (iArg < 0) {
    *pzErr = sqlite3_mprintf("column %s is not declared by its own clause",
                             zName);
    return SQLITE_ERROR;
  }
  c->iCol = iCol;
  c->zIndex = sqlite3_mprintf("%s", pOld->aCol[iCol].zName);
  c->azArg = sqlite3_malloc64(sizeof(char *) * (p->nArg + 1));
  if (c->zIndex == 0 || c->azArg == 0) return SQLITE_NOMEM;
  if (zNew) {
    const char *zRest = 0;
    char *zOldName = alterTakeName(p->azArg[iArg], &zRest);
    sqlite3_free(zOldName);
    char *zClause = sqlite3_mprintf("\"%w\" %s", zNew, zRest ? zRest : "");
    c->zNewArg = zClause ? alterTrim(zClause) : 0;
    sqlite3_free(zClause);
    if (c->zNewArg == 0) return SQLITE_NOMEM;
  }
  for (i = 0; i < p->nArg; i++) {
    if (i != iArg) c->azArg[c->nArg++] = p->azArg[i];
    else if (zNew) c->azArg[c->nArg++] = c->zNewArg;
  }
  c->iIdx = -1;
  return SQLITE_OK;
}

/* Parse the change zChange of table p into c, and the new model. */
static int alterPlan(alter_change *c, const char *zChange, char **pzErr) {
  const char *z = alterBlank(zChange), *zCol;
  int rc;
  if (alterKeyword(z, "ADD", &z) && alterKeyword(z, "COLUMN", &zCol)) {
    c->eKind = ALTER_ADD_COLUMN;
    rc = alterPlanAddColumn(c, zCol);
  } else if (alterKeyword(alterBlank(zChange), "ADD", &z)) {
    c->eKind = ALTER_ADD_INDEX;
    rc = alterPlanAdd(c, z, pzErr);
  } else if (alterKeyword(alterBlank(zChange), "DROP", &z) &&
             !alterKeyword(z, "INDEX", &zCol)) {
    /* DROP [COLUMN] name */
    char *zName;
    alterKeyword(z, "COLUMN", &z);
    zName = alterTakeName(z, &zCol);
    if (zName == 0 || *zCol) {
      sqlite3_free(zName);
      *pzErr = sqlite3_mprintf("DROP COLUMN takes one column name");
      return SQLITE_ERROR;
    }
    c->eKind = ALTER_DROP_COLUMN;
    rc = alterPlanColumn(c, zName, 0, pzErr);
    sqlite3_free(zName);
  } else if (alterKeyword(alterBlank(zChange), "RENAME", &z)) {
    /* RENAME [COLUMN] old TO new */
    char *zOld, *zNew = 0;
    alterKeyword(z, "COLUMN", &z);
    zOld = alterTakeName(z, &z);
    if (zOld && alterKeyword(z, "TO", &z)) zNew = alterTakeName(z, &z);
    if (zOld == 0 || zNew == 0 || *z) {
      sqlite3_free(zOld);
      sqlite3_free(zNew);
      *pzErr = sqlite3_mprintf("RENAME COLUMN takes: RENAME COLUMN old TO "
                               "new");
      return SQLITE_ERROR;
    }
    c->eKind = ALTER_RENAME_COLUMN;
    rc = alterPlanColumn(c, zOld, zNew, pzErr);
    sqlite3_free(zOld);
    sqlite3_free(zNew);
  } else if (alterKeyword(alterBlank(zChange), "DROP", &z) &&
             alterKeyword(z, "INDEX", &z)) {
    /* The name as an index clause reads it. */
    char *zClause = sqlite3_mprintf("INDEX %s", z);
    char *zName = zClause ? alterIndexName(zClause) : 0;
    sqlite3_free(zClause);
    if (zName == 0) {
      *pzErr = sqlite3_mprintf("DROP INDEX needs an index name");
      return SQLITE_ERROR;
    }
    c->eKind = ALTER_DROP_INDEX;
    rc = alterPlanDrop(c, zName, pzErr);
    sqlite3_free(zName);
  } else {
    *pzErr = sqlite3_mprintf("unknown change '%s' (tito_alter knows ADD "
                             "[UNIQUE] INDEX ..., DROP INDEX name, ADD COLUMN "
                             "..., DROP COLUMN name, RENAME COLUMN a TO b)",
                             zChange);
    return SQLITE_ERROR;
  }
  if (rc == SQLITE_OK) {
    rc = tito_model_parse(c->p->zName, c->nArg, (const char *const *)c->azArg,
                          &c->pModel, pzErr);
  }
  if (rc == SQLITE_OK && c->eKind == ALTER_ADD_INDEX) {
    c->iIdx = c->pModel->nIndex - 1;
  }
  if (rc == SQLITE_OK && c->eKind == ALTER_ADD_COLUMN) {
    c->iIdx = -1;
    rc = alterCheckAddColumn(c, pzErr);
  }
  return rc;
}

/* Write the entries: the new index's, or the dropped one's removed (and
** the moved one's rebuilt under the freed id). *pnRow: rows read. */
static int alterEntries(alter_change *c, int64_t *pnRow, char **pzErr) {
  tito_vtab *p = c->p;
  tito_table *pNew = 0;
  tito_model *pModel = c->pModel;
  int rc;
  *pnRow = 0;
  if (c->eKind == ALTER_ADD_COLUMN || c->eKind == ALTER_RENAME_COLUMN) {
    return SQLITE_OK; /* rows hold columns by position: nothing moves */
  }
  if (c->eKind == ALTER_DROP_COLUMN) {
    rc = tito_rows_drop_column(p->pTab, c->iCol, pnRow, pzErr);
    return rc;
  }
  if (c->eKind == ALTER_DROP_INDEX) {
    rc = tito_index_clear(p->pTab, c->iDropId);
    if (rc == SQLITE_OK && c->iMovedId) {
      rc = tito_index_clear(p->pTab, c->iMovedId);
    }
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(p->pTab));
      return rc;
    }
    if (c->iIdx < 0) return SQLITE_OK;
  }
  c->pModel = 0; /* the table takes it, also on error */
  rc = tito_table_open(p->pConn->db, pModel, p->pStore->pKv,
                       p->pTab->iModelId, &pNew, pzErr);
  if (rc == SQLITE_OK) rc = titoTableDefaults(p->pConn->db, pNew);
  if (rc == SQLITE_OK) {
    rc = tito_index_build(pNew, c->iIdx, p->pConn->nBuildMemory, pnRow, pzErr);
  }
  tito_table_close(pNew);
  return rc;
}

/* Run zSql (printf-style) on the connection; its message on error. */
static int alterExec(sqlite3 *db, char **pzErr, const char *zFmt, ...) {
  va_list ap;
  char *zSql;
  int rc;
  va_start(ap, zFmt);
  zSql = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_exec(db, zSql, 0, 0, 0);
  if (rc != SQLITE_OK && pzErr && *pzErr == 0) {
    *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  sqlite3_free(zSql);
  return rc;
}

/* The schema's CREATE statement gets the new definition (unless the table
** is attached to the catalog's), and schema_version moves: every
** connection reloads the table before its next statement. Only this row
** of sqlite_schema is written, under writable_schema, with DEFENSIVE lifted
** for the two statements and put back. */
static int alterSchema(alter_change *c, const char *zDef, char **pzErr) {
  tito_vtab *p = c->p;
  sqlite3 *db = p->pConn->db;
  sqlite3_stmt *pStmt = 0;
  int bDefensive = 0, bWritable = 0, rc = SQLITE_OK, iVersion = 0;
  char *zSql = 0;
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, -1, &bDefensive);
  sqlite3_db_config(db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, -1, &bWritable);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 0, (int *)0);
  sqlite3_db_config(db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, 1, (int *)0);
  if (!p->bAttached) {
    zSql = sqlite3_mprintf("CREATE VIRTUAL TABLE \"%w\" USING tito(%s)",
                           p->zName, zDef);
    rc = zSql ? alterExec(db, pzErr,
                          "UPDATE \"%w\".sqlite_schema SET sql = %Q WHERE "
                          "type = 'table' AND name = %Q",
                          p->zSchema, zSql, p->zName)
              : SQLITE_NOMEM;
    if (rc == SQLITE_OK && sqlite3_changes(db) != 1) {
      *pzErr = sqlite3_mprintf("the schema has no table %s", p->zName);
      rc = SQLITE_ERROR;
    }
  }
  if (rc == SQLITE_OK) {
    char *zVer = sqlite3_mprintf("PRAGMA \"%w\".schema_version", p->zSchema);
    rc = zVer ? sqlite3_prepare_v2(db, zVer, -1, &pStmt, 0) : SQLITE_NOMEM;
    if (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
      iVersion = sqlite3_column_int(pStmt, 0);
    }
    if (pStmt) rc = sqlite3_finalize(pStmt);
    sqlite3_free(zVer);
  }
  if (rc == SQLITE_OK) {
    rc = alterExec(db, pzErr, "PRAGMA \"%w\".schema_version = %d",
                   p->zSchema, iVersion + 1);
  }
  sqlite3_db_config(db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, bWritable, (int *)0);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, bDefensive, (int *)0);
  if (rc != SQLITE_OK && *pzErr == 0) {
    *pzErr = sqlite3_mprintf("cannot rewrite the schema: %s",
                             sqlite3_errmsg(db));
  }
  sqlite3_free(zSql);
  return rc;
}

/* The change, inside the savepoint. *pnRow: rows read. */
static int alterRun(alter_change *c, int64_t *pnRow, char **pzErr) {
  tito_vtab *p = c->p;
  char *zDef = 0;
  int rc = tito_store_read(p->pStore);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s", tito_store_errmsg(p->pStore));
    return rc;
  }
  rc = titoEventsWriteBegin(p->pConn, p->pStore, pzErr);
  if (rc == SQLITE_OK) {
    tito_store_cursor_open(p->pStore);
    rc = alterEntries(c, pnRow, pzErr);
    tito_store_cursor_close(p->pStore);
  }
  if (rc == SQLITE_OK) {
    zDef = tito_def_join(c->nArg, c->azArg);
    if (zDef == 0) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    rc = tito_catalog_redefine(p->pStore->pKv, p->pTab->pModel->zPrefix,
                               p->zName, zDef, pzErr);
  }
  if (rc == SQLITE_OK) rc = alterSchema(c, zDef, pzErr);
  sqlite3_free(zDef);
  return rc;
}

/*
** Hold the write lock of the table's schema before reading its definition:
** another connection's change committed meanwhile is then seen (its
** schema reloaded) before this one is planned, and none can commit until
** this one ends. (A no-op UPDATE of the embedded store's table starts the
** write transaction; a schema without it has no tito table to change.)
*/
static void alterLock(sqlite3 *db, const char *zName) {
  const char *zDot = zName ? strchr(zName, '.') : 0;
  char *zSchema = zDot ? sqlite3_mprintf("%.*s", (int)(zDot - zName), zName)
                       : sqlite3_mprintf("main");
  if (zSchema) {
    char *zSql = sqlite3_mprintf("UPDATE \"%w\".tito_store SET v = v WHERE 0",
                                 zSchema);
    if (zSql) sqlite3_exec(db, zSql, 0, 0, 0);
    sqlite3_free(zSql);
    titoSchemaRefresh(db, zSchema);
  }
  sqlite3_free(zSchema);
}

/* Find the table and make the change (inside the savepoint). */
static int alterTable(tito_conn *pConn, alter_change *c, const char *zName,
                      const char *zChange, int64_t *pnRow, char **pzErr) {
  int rc;
  alterLock(pConn->db, zName);
  c->p = zName ? titoFindTable(pConn, zName) : 0;
  if (c->p == 0 || zChange == 0) {
    *pzErr = c->p ? sqlite3_mprintf("argument 2 must be a change, e.g. 'ADD "
                                    "INDEX name(column)'")
                  : sqlite3_mprintf("no tito table named %s",
                                    zName ? zName : "NULL");
    return SQLITE_ERROR;
  }
  rc = titoTableReady(c->p);
  if (rc == SQLITE_OK && c->p->pStore->bRemote) {
    *pzErr = sqlite3_mprintf("%s is a table of TiKV store %s: changing a "
                             "live model there is not supported yet (a "
                             "writer on another machine would not see the "
                             "change)", c->p->zName, c->p->pStore->zUrl);
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK) rc = alterPlan(c, zChange, pzErr);
  if (rc == SQLITE_OK) rc = alterRun(c, pnRow, pzErr);
  return rc;
}

/* The report of a change made. */
static char *alterReport(const alter_change *c, int64_t nRow) {
  const char *zTab = c->p->zName, *z = c->zIndex;
  switch (c->eKind) {
    case ALTER_ADD_INDEX:
      return sqlite3_mprintf("%s: index %s added (%lld rows read)", zTab, z,
                             (long long)nRow);
    case ALTER_DROP_INDEX:
      return sqlite3_mprintf("%s: index %s dropped", zTab, z);
    case ALTER_ADD_COLUMN:
      return sqlite3_mprintf("%s: column %s added", zTab, z);
    case ALTER_DROP_COLUMN:
      return sqlite3_mprintf("%s: column %s dropped (%lld rows rewritten)",
                             zTab, z, (long long)nRow);
    default:
      return sqlite3_mprintf("%s: column %s renamed", zTab, z);
  }
}

/* tito_alter(TABLE, CHANGE): a short report of what was done. */
static void alterFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  tito_conn *pConn = (tito_conn *)sqlite3_user_data(ctx);
  const char *zName = (const char *)sqlite3_value_text(argv[0]);
  const char *zChange = (const char *)sqlite3_value_text(argv[1]);
  alter_change c;
  char *zErr = 0, *zTab = 0, *zSchema = 0, *zReport = 0;
  int64_t nRow = 0;
  int rc;
  (void)argc;
  memset(&c, 0, sizeof(c));
  rc = alterExec(pConn->db, &zErr, "SAVEPOINT tito_alter");
  if (rc == SQLITE_OK) {
    rc = alterTable(pConn, &c, zName, zChange, &nRow, &zErr);
    if (c.p) {
      zTab = sqlite3_mprintf("%s", c.p->zName);
      zSchema = sqlite3_mprintf("%s", c.p->zSchema);
    }
    if (rc == SQLITE_OK) zReport = alterReport(&c, nRow);
    /* The table's instance is replaced at the next schema check (below, or
    ** by the next statement): c.p may be gone from here on. */
    c.p = 0;
    if (rc != SQLITE_OK) {
      sqlite3_exec(pConn->db, "ROLLBACK TO tito_alter", 0, 0, 0);
      sqlite3_exec(pConn->db, "RELEASE tito_alter", 0, 0, 0);
    } else {
      rc = alterExec(pConn->db, &zErr, "RELEASE tito_alter");
    }
  }
  if (rc == SQLITE_OK && zSchema) titoSchemaRefresh(pConn->db, zSchema);
  if (rc == SQLITE_OK) {
    sqlite3_result_text(ctx, zReport, -1, sqlite3_free);
    zReport = 0;
  } else {
    char *z = sqlite3_mprintf("tito_alter: %s%s%s", zTab ? zTab : "",
                              zTab ? ": " : "", zErr ? zErr : sqlite3_errstr(rc));
    sqlite3_result_error(ctx, z, -1);
    sqlite3_result_error_code(ctx, rc);
    sqlite3_free(z);
  }
  sqlite3_free(zReport);
  sqlite3_free(zTab);
  sqlite3_free(zSchema);
  sqlite3_free(zErr);
  alterChangeFree(&c);
}

int titoRegisterAlter(sqlite3 *db, tito_conn *pConn) {
  return sqlite3_create_function(db, "tito_alter", 2, SQLITE_UTF8, pConn,
                                 alterFunc, 0, 0);
}
