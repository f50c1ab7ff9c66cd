/*
** model_change.c: a change of a live model planned from its text (the
** engine half of tito_alter, ext/tito_alter.c): the new definition's
** arguments, the new model, and what must happen to the stored keys.
**
**   ADD [UNIQUE] INDEX name(...) ...  the clause joins the definition: the
**                                     new index is the last, its id one
**                                     never given before (index_ids.h)
**   DROP INDEX name                   its clause leaves; every other index
**                                     keeps its id
**   ADD COLUMN def                    after the last column's clause: the
**                                     new column is the last, and rows
**                                     written before it read its DEFAULT
**                                     (a literal, as SQLite's ADD COLUMN
**                                     asks)
**   DROP COLUMN name                  its clause leaves (rows are
**                                     rewritten without it)
**   RENAME COLUMN a TO b              its clause's name changes
** A column that the key, an index (fields, INCLUDE, WHERE), a topic or a
** default uses is neither dropped nor renamed: SQLite rewrites such
** references itself; tito says which one uses it. Every new clause is
** trimmed as SQLite passes module arguments, so the catalog's copy of the
** definition reads as the reconnected table's.
*/
#include "model_change.h"
#include "index_ids.h"
#include "column_slots.h"
#include <string.h>
#include "definition.h"
#include "sqlite_api.h"

/* Skip blanks. */
static const char *chgBlank(const char *z) {
  while (*z == ' ' || *z == '\t' || *z == '\n' || *z == '\r') z++;
  return z;
}

/* Is z a keyword zKw (case-insensitive) followed by a non-identifier? */
static int chgKeyword(const char *z, const char *zKw, const char **pzAfter) {
  int n = (int)strlen(zKw);
  if (sqlite3_strnicmp(z, zKw, n) != 0) return 0;
  if ((z[n] >= 'a' && z[n] <= 'z') || (z[n] >= 'A' && z[n] <= 'Z') ||
      (z[n] >= '0' && z[n] <= '9') || z[n] == '_') {
    return 0;
  }
  *pzAfter = chgBlank(z + n);
  return 1;
}

/* z without its leading and trailing blanks (sqlite3_malloc'd): a module
** argument as SQLite passes it, so the catalog's copy of the definition
** reads as the reconnected table's. */
static char *chgTrim(const char *z) {
  const char *e;
  z = chgBlank(z);
  e = z + strlen(z);
  while (e > z && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
                   e[-1] == '\r')) {
    e--;
  }
  return sqlite3_mprintf("%.*s", (int)(e - z), z);
}

/* Can c be part of an unquoted identifier? */
static int chgIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || (unsigned char)c >= 0x80;
}

/* The column named by "name ..." at z (sqlite3_malloc'd, unquoted), and
** *pzAfter past it; NULL if there is no name. */
static char *chgTakeName(const char *z, const char **pzAfter) {
  const char *zEnd;
  char *zName;
  z = chgBlank(z);
  if (*z == '"' || *z == '`' || *z == '[') {
    char cClose = *z == '[' ? ']' : *z;
    zEnd = strchr(z + 1, cClose);
    if (zEnd == 0) return 0;
    zName = sqlite3_mprintf("%.*s", (int)(zEnd - z - 1), z + 1);
    zEnd++;
  } else {
    for (zEnd = z; chgIdChar(*zEnd); zEnd++) {
    }
    if (zEnd == z) return 0;
    zName = sqlite3_mprintf("%.*s", (int)(zEnd - z), z);
  }
  *pzAfter = chgBlank(zEnd);
  return zName;
}

/* If zArg declares an index ([UNIQUE] INDEX name ...), its name
** (sqlite3_malloc'd, unquoted), else NULL. */
static char *chgIndexName(const char *zArg) {
  const char *z = chgBlank(zArg);
  chgKeyword(z, "UNIQUE", &z);
  if (!chgKeyword(z, "INDEX", &z)) return 0;
  return chgTakeName(z, &z);
}


void tito_change_free(tito_change *c) {
  sqlite3_free(c->zName);
  sqlite3_free(c->zNewArg);
  sqlite3_free(c->azArg);
  tito_model_free(c->pModel);
  memset(c, 0, sizeof(*c));
}

/* The new argument list of ADD INDEX zSpec. */
static int chgPlanAdd(tito_change *c, const char *zSpec, char **pzErr) {
  int i;
  c->zNewArg = chgTrim(zSpec);
  if (c->zNewArg == 0) return SQLITE_NOMEM;
  zSpec = c->zNewArg;
  c->zName = chgIndexName(zSpec);
  if (c->zName == 0) {
    *pzErr = sqlite3_mprintf("ADD takes an index clause: ADD [UNIQUE] INDEX "
                             "name(columns) [WHERE ...] [INCLUDE (...)]");
    return SQLITE_ERROR;
  }
  c->azArg = sqlite3_malloc64(sizeof(char *) * (c->nOld + 1));
  if (c->azArg == 0) return SQLITE_NOMEM;
  for (i = 0; i < c->nOld; i++) c->azArg[i] = c->azOld[i];
  c->azArg[c->nOld] = (char *)zSpec;
  c->nArg = c->nOld + 1;
  return SQLITE_OK;
}

/* Does a column's clause declare index i (a column's UNIQUE)? */
static int chgByColumn(const tito_model *pModel, int i) {
  int j;
  for (j = 0; j < pModel->nCol; j++) {
    if (pModel->aCol[j].iArg == pModel->aIndex[i].iArg) return 1;
  }
  return 0;
}

/* The new argument list of DROP INDEX zName: its clause leaves; the other
** indexes keep their ids (tito_index_ids_carry), so no entry moves. */
static int chgPlanDrop(tito_change *c, const char *zName, char **pzErr) {
  const tito_model *pOld = c->pOld;
  int i, iArg, iOld = tito_model_index(pOld, zName);
  if (iOld < 0) {
    *pzErr = sqlite3_mprintf("%s has no index %s", c->zTable, zName);
    return SQLITE_ERROR;
  }
  if (chgByColumn(pOld, iOld)) {
    *pzErr = sqlite3_mprintf("index %s of %s is not declared by an INDEX "
                             "clause", zName, c->zTable);
    return SQLITE_ERROR;
  }
  iArg = pOld->aIndex[iOld].iArg - 1;
  c->zName = sqlite3_mprintf("%s", pOld->aIndex[iOld].zName);
  c->azArg = sqlite3_malloc64(sizeof(char *) * c->nOld);
  if (c->zName == 0 || c->azArg == 0) return SQLITE_NOMEM;
  for (i = 0; i < c->nOld; i++) {
    if (i != iArg) c->azArg[c->nArg++] = c->azOld[i];
  }
  return SQLITE_OK;
}


/* The new argument list of ADD COLUMN zSpec: after the last column's
** definition, so the new column is the last (rows written before it hold
** one value fewer, src/rowcodec.h). */
static int chgPlanAddColumn(tito_change *c, const char *zSpec) {
  const tito_model *pOld = c->pOld;
  int i, n = 0, iLastCol = pOld->aCol[pOld->nCol - 1].iArg - 1;
  c->zNewArg = chgTrim(zSpec);
  if (c->zNewArg == 0) return SQLITE_NOMEM;
  zSpec = c->zNewArg;
  c->azArg = sqlite3_malloc64(sizeof(char *) * (c->nOld + 1));
  if (c->azArg == 0) return SQLITE_NOMEM;
  for (i = 0; i < c->nOld; i++) {
    c->azArg[n++] = c->azOld[i];
    if (i == iLastCol) c->azArg[n++] = (char *)zSpec;
  }
  c->nArg = n;
  return SQLITE_OK;
}

/* Can the column the new model adds be read from rows written without
** it? SQLite's rules for ALTER TABLE ADD COLUMN, in its words. */
static int chgCheckAddColumn(tito_change *c, char **pzErr) {
  const tito_model *pOld = c->pOld, *pNew = c->pModel;
  const tito_column *pCol;
  int i;
  if (pNew->nCol != pOld->nCol + 1) {
    *pzErr = sqlite3_mprintf("ADD COLUMN takes one column definition");
    return SQLITE_ERROR;
  }
  pCol = &pNew->aCol[pNew->nCol - 1];
  c->zName = sqlite3_mprintf("%s", pCol->zName);
  if (c->zName == 0) return SQLITE_NOMEM;
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
       sqlite3_stricmp(chgBlank(pCol->zDefault), "NULL") == 0)) {
    *pzErr = sqlite3_mprintf("Cannot add a NOT NULL column with default "
                             "value NULL");
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* Does SQL text z name identifier zName (outside string literals)? */
static int chgTextUses(const char *z, const char *zName) {
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
      while (chgIdChar(*z)) z++;
      if ((int)(z - s) == n && sqlite3_strnicmp(s, zName, n) == 0) return 1;
    } else {
      z++;
    }
  }
  return 0;
}

/* What of the model uses column iCol (a key, an index, a topic), as words
** for a message (sqlite3_malloc'd), or NULL if nothing does. */
static char *chgColumnUser(const tito_model *pModel, int iCol) {
  const char *zName = pModel->aCol[iCol].zName;
  int i, j;
  for (i = 0; i < pModel->nPk; i++) {
    if (pModel->aiPk[i] == iCol) return sqlite3_mprintf("the PRIMARY KEY");
  }
  for (i = 0; i < pModel->nIndex; i++) {
    const tito_index *pIdx = &pModel->aIndex[i];
    int bUse = chgTextUses(pIdx->zWhere, zName);
    for (j = 0; j < pIdx->nCol; j++) bUse |= pIdx->aiCol[j] == iCol;
    for (j = 0; j < pIdx->nInclude; j++) bUse |= pIdx->aiInclude[j] == iCol;
    if (bUse) return sqlite3_mprintf("index %s", pIdx->zName);
  }
  for (i = 0; i < pModel->nTopic; i++) {
    const tito_topic *pT = &pModel->aTopic[i];
    int bUse = chgTextUses(pT->zWhere, zName) || chgTextUses(pT->zAt, zName);
    for (j = 0; j < pT->nPart; j++) bUse |= pT->aiPart[j] == iCol;
    if (bUse) return sqlite3_mprintf("topic %s", pT->zName);
  }
  for (i = 0; i < pModel->nCol; i++) {
    if (i != iCol && chgTextUses(pModel->aCol[i].zDefault, zName)) {
      return sqlite3_mprintf("the DEFAULT of column %s", pModel->aCol[i].zName);
    }
  }
  return 0;
}



/* DROP COLUMN zName / RENAME COLUMN zName TO zNew (zNew NULL for DROP):
** the column's definition removed, or its name replaced. Refused for a
** column the key, an index, a topic or another default uses (SQLite's
** DROP COLUMN refuses those too; tito's RENAME does not rewrite them). */
static int chgPlanColumn(tito_change *c, const char *zName,
                           const char *zNew, char **pzErr) {
  const tito_model *pOld = c->pOld;
  int i, iCol = tito_model_column(pOld, zName), iArg;
  char *zUser;
  if (iCol < 0) {
    *pzErr = sqlite3_mprintf("no such column: \"%s\"", zName);
    return SQLITE_ERROR;
  }
  zUser = chgColumnUser(pOld, iCol);
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
  iArg = pOld->aCol[iCol].iArg - 1;
  c->iCol = iCol;
  c->zName = sqlite3_mprintf("%s", pOld->aCol[iCol].zName);
  c->azArg = sqlite3_malloc64(sizeof(char *) * (c->nOld + 1));
  if (c->zName == 0 || c->azArg == 0) return SQLITE_NOMEM;
  if (zNew) {
    const char *zRest = 0;
    char *zOldName = chgTakeName(c->azOld[iArg], &zRest);
    sqlite3_free(zOldName);
    char *zClause = sqlite3_mprintf("\"%w\" %s", zNew, zRest ? zRest : "");
    c->zNewArg = zClause ? chgTrim(zClause) : 0;
    sqlite3_free(zClause);
    if (c->zNewArg == 0) return SQLITE_NOMEM;
  }
  for (i = 0; i < c->nOld; i++) {
    if (i != iArg) c->azArg[c->nArg++] = c->azOld[i];
    else if (zNew) c->azArg[c->nArg++] = c->zNewArg;
  }
  return SQLITE_OK;
}

int tito_change_plan(const char *zTable, int nArg, char *const *azArg,
                     const tito_model *pOld, const char *zChange,
                     tito_change *c, char **pzErr) {
  const char *z = chgBlank(zChange), *zCol;
  int rc;
  memset(c, 0, sizeof(*c));
  c->zTable = zTable;
  c->nOld = nArg;
  c->azOld = azArg;
  c->pOld = pOld;
  if (chgKeyword(z, "ADD", &z) && chgKeyword(z, "COLUMN", &zCol)) {
    c->eKind = TITO_CHANGE_ADD_COLUMN;
    rc = chgPlanAddColumn(c, zCol);
  } else if (chgKeyword(chgBlank(zChange), "ADD", &z)) {
    c->eKind = TITO_CHANGE_ADD_INDEX;
    rc = chgPlanAdd(c, z, pzErr);
  } else if (chgKeyword(chgBlank(zChange), "DROP", &z) &&
             !chgKeyword(z, "INDEX", &zCol)) {
    /* DROP [COLUMN] name */
    char *zName;
    chgKeyword(z, "COLUMN", &z);
    zName = chgTakeName(z, &zCol);
    if (zName == 0 || *zCol) {
      sqlite3_free(zName);
      *pzErr = sqlite3_mprintf("DROP COLUMN takes one column name");
      return SQLITE_ERROR;
    }
    c->eKind = TITO_CHANGE_DROP_COLUMN;
    rc = chgPlanColumn(c, zName, 0, pzErr);
    sqlite3_free(zName);
  } else if (chgKeyword(chgBlank(zChange), "RENAME", &z)) {
    /* RENAME [COLUMN] old TO new */
    char *zOld, *zNew = 0;
    chgKeyword(z, "COLUMN", &z);
    zOld = chgTakeName(z, &z);
    if (zOld && chgKeyword(z, "TO", &z)) zNew = chgTakeName(z, &z);
    if (zOld == 0 || zNew == 0 || *z) {
      sqlite3_free(zOld);
      sqlite3_free(zNew);
      *pzErr = sqlite3_mprintf("RENAME COLUMN takes: RENAME COLUMN old TO "
                               "new");
      return SQLITE_ERROR;
    }
    c->eKind = TITO_CHANGE_RENAME_COLUMN;
    rc = chgPlanColumn(c, zOld, zNew, pzErr);
    sqlite3_free(zOld);
    sqlite3_free(zNew);
  } else if (chgKeyword(chgBlank(zChange), "DROP", &z) &&
             chgKeyword(z, "INDEX", &z)) {
    /* The name as an index clause reads it. */
    char *zClause = sqlite3_mprintf("INDEX %s", z);
    char *zName = zClause ? chgIndexName(zClause) : 0;
    sqlite3_free(zClause);
    if (zName == 0) {
      *pzErr = sqlite3_mprintf("DROP INDEX needs an index name");
      return SQLITE_ERROR;
    }
    c->eKind = TITO_CHANGE_DROP_INDEX;
    rc = chgPlanDrop(c, zName, pzErr);
    sqlite3_free(zName);
  } else {
    *pzErr = sqlite3_mprintf("unknown change '%s' (tito_alter knows ADD "
                             "[UNIQUE] INDEX ..., DROP INDEX name, ADD COLUMN "
                             "..., DROP COLUMN name, RENAME COLUMN a TO b)",
                             zChange);
    return SQLITE_ERROR;
  }
  if (rc == SQLITE_OK) {
    rc = tito_model_parse(c->zTable, c->nArg, (const char *const *)c->azArg,
                          &c->pModel, pzErr);
  }
  if (rc == SQLITE_OK) {
    tito_index_ids_carry(c->pOld, c->pModel);
    tito_column_slots_carry(
        c->pOld, c->eKind == TITO_CHANGE_DROP_COLUMN ? c->iCol : -1,
        c->pModel);
  }
  if (rc == SQLITE_OK && c->eKind == TITO_CHANGE_ADD_COLUMN) {
    rc = chgCheckAddColumn(c, pzErr);
  }
  return rc;
}


/* The index of model pTo named as index i of pFrom, if it has the same id;
** else -1. */
static int chgSameIndex(const tito_model *pFrom, int i, const tito_model *pTo) {
  int j = tito_model_index(pTo, pFrom->aIndex[i].zName);
  return j >= 0 && pTo->aIndex[j].iId == pFrom->aIndex[i].iId ? j : -1;
}

int tito_change_clears(const tito_change *c, int iOld) {
  return chgSameIndex(c->pOld, iOld, c->pModel) < 0;
}

int tito_change_builds(const tito_change *c, int iNew) {
  return chgSameIndex(c->pModel, iNew, c->pOld) < 0;
}
