/*
** definition.c: a model's definition as the catalog keeps it, and the
** comparison of two definitions (definition.h). Definitions are compared
** as parsed models, so spelling (case, spaces, quotes, argument order)
** does not matter.
*/
#include "definition.h"
#include <string.h>
#include "kv.h"
#include "model.h"
#include "sqlite_api.h"

void tito_def_free(int nArg, char **azArg) {
  int i;
  if (azArg == 0) return;
  for (i = 0; i < nArg; i++) sqlite3_free(azArg[i]);
  sqlite3_free(azArg);
}

/* Append z[0..n), trimmed, as the next argument. */
static int defPush(int *pnArg, char ***pazArg, const char *z, int n) {
  char **az;
  while (n > 0 && (z[0] == ' ' || z[0] == '\t' || z[0] == '\n')) {
    z++;
    n--;
  }
  while (n > 0 && (z[n - 1] == ' ' || z[n - 1] == '\t' || z[n - 1] == '\n')) {
    n--;
  }
  if (n == 0) return SQLITE_OK;
  az = sqlite3_realloc64(*pazArg, sizeof(char *) * (*pnArg + 1));
  if (az == 0) return SQLITE_NOMEM;
  *pazArg = az;
  az[*pnArg] = sqlite3_mprintf("%.*s", n, z);
  if (az[*pnArg] == 0) return SQLITE_NOMEM;
  (*pnArg)++;
  return SQLITE_OK;
}

int tito_def_split(const char *zDef, int *pnArg, char ***pazArg) {
  int i, iStart = 0, nDepth = 0, rc = SQLITE_OK;
  char cQuote = 0;
  *pnArg = 0;
  *pazArg = 0;
  for (i = 0; rc == SQLITE_OK && zDef[i]; i++) {
    char c = zDef[i];
    if (cQuote) {
      if (c == cQuote) cQuote = 0; /* a doubled quote reopens at once */
    } else if (c == '\'' || c == '"' || c == '`') {
      cQuote = c;
    } else if (c == '[') {
      cQuote = ']';
    } else if (c == '(') {
      nDepth++;
    } else if (c == ')') {
      nDepth--;
    } else if (c == ',' && nDepth == 0) {
      rc = defPush(pnArg, pazArg, zDef + iStart, i - iStart);
      iStart = i + 1;
    }
  }
  if (rc == SQLITE_OK) rc = defPush(pnArg, pazArg, zDef + iStart, i - iStart);
  if (rc != SQLITE_OK) {
    tito_def_free(*pnArg, *pazArg);
    *pnArg = 0;
    *pazArg = 0;
  }
  return rc;
}

/* The option name of "NAME = ..." into zName (empty if not an option). */
static void defOptionName(const char *z, char *zName, int nName) {
  int n = 0;
  zName[0] = 0;
  while (*z == ' ' || *z == '\t' || *z == '\n') z++;
  while (((*z | 0x20) >= 'a' && (*z | 0x20) <= 'z') || *z == '_') {
    if (n < nName - 1) zName[n++] = *z;
    z++;
  }
  while (*z == ' ' || *z == '\t' || *z == '\n') z++;
  zName[*z == '=' && n > 0 ? n : 0] = 0;
}

int tito_def_is_location(const char *zArg) {
  char zName[16];
  defOptionName(zArg, zName, sizeof(zName));
  return sqlite3_stricmp(zName, "store") == 0 ||
         sqlite3_stricmp(zName, "prefix") == 0;
}

int tito_def_has_model(int nArg, char *const *azArg) {
  int i;
  char zName[16];
  for (i = 0; i < nArg; i++) {
    defOptionName(azArg[i], zName, sizeof(zName));
    if (zName[0] == 0) return 1;
  }
  return 0;
}

char *tito_def_model_text(int nArg, char *const *azArg) {
  sqlite3_str *p = sqlite3_str_new(0);
  int i, n = 0;
  for (i = 0; i < nArg; i++) {
    if (tito_def_is_location(azArg[i])) continue;
    sqlite3_str_appendf(p, "%s%s", n++ ? ", " : "", azArg[i]);
  }
  return sqlite3_str_finish(p);
}

static int defStrEq(const char *a, const char *b) {
  if (a == 0 || b == 0) return a == b;
  return strcmp(a, b) == 0;
}

static int defIntsEq(const int *a, const int *b, int n) {
  return n == 0 || memcmp(a, b, sizeof(int) * (size_t)n) == 0;
}

/* The same primary key (fields and order)? */
static int defSamePk(const tito_model *a, const tito_model *b) {
  return a->nPk == b->nPk && a->iRowidCol == b->iRowidCol &&
         defIntsEq(a->aiPk, b->aiPk, a->nPk) &&
         (a->nPk == 0 || memcmp(a->abPkDesc, b->abPkDesc, (size_t)a->nPk) == 0);
}

/* Are two columns stored alike (names and defaults aside)? */
static int defSameStorage(const tito_column *x, const tito_column *y) {
  return sqlite3_stricmp(x->zType, y->zType) == 0 && x->cAff == y->cAff &&
         x->bNotNull == y->bNotNull && x->iPk == y->iPk;
}

/* The same columns and primary key? */
static int defSameColumns(const tito_model *a, const tito_model *b) {
  int i;
  if (a->nCol != b->nCol || !defSamePk(a, b)) return 0;
  for (i = 0; i < a->nCol; i++) {
    const tito_column *x = &a->aCol[i], *y = &b->aCol[i];
    if (sqlite3_stricmp(x->zName, y->zName) != 0 || !defSameStorage(x, y) ||
        !defStrEq(x->zDefault, y->zDefault)) {
      return 0;
    }
  }
  return 1;
}

int tito_def_same_index(const tito_index *x, const tito_index *y) {
  return sqlite3_stricmp(x->zName, y->zName) == 0 && x->bUnique == y->bUnique &&
         x->nCol == y->nCol && x->nInclude == y->nInclude &&
         defIntsEq(x->aiCol, y->aiCol, x->nCol) &&
         memcmp(x->abDesc, y->abDesc, (size_t)x->nCol) == 0 &&
         defIntsEq(x->aiInclude, y->aiInclude, x->nInclude) &&
         defStrEq(x->zWhere, y->zWhere);
}

/* Do two parsed models declare the same thing (locations aside)? */
static int defSameModel(const tito_model *a, const tito_model *b) {
  int i;
  if (!defSameColumns(a, b) || a->nIndex != b->nIndex) return 0;
  for (i = 0; i < a->nIndex; i++) {
    if (!tito_def_same_index(&a->aIndex[i], &b->aIndex[i])) return 0;
  }
  return 1;
}

int tito_def_model_reads(const tito_model *pOld, const tito_model *pNew) {
  int i;
  if (pOld->nCol > pNew->nCol || !defSamePk(pOld, pNew)) return 0;
  for (i = 0; i < pOld->nCol; i++) {
    if (!defSameStorage(&pOld->aCol[i], &pNew->aCol[i])) return 0;
  }
  return 1;
}

int tito_def_model_follows(const tito_model *pOld, const tito_model *pNew) {
  return defSameColumns(pOld, pNew);
}

int tito_def_compare(const char *zTable, const char *zWhatA, int nA,
                     char *const *azA, const char *zWhatB, int nB,
                     char *const *azB, char **pzErr) {
  tito_model *pA = 0, *pB = 0;
  char *zErr = 0;
  int rc = tito_model_parse(zTable, nA, (const char *const *)azA, &pA, &zErr);
  if (rc == SQLITE_OK) {
    rc = tito_model_parse(zTable, nB, (const char *const *)azB, &pB, &zErr);
  }
  if (rc != SQLITE_OK) {
    *pzErr = zErr;
    return rc == TITO_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
  }
  if (!defSameModel(pA, pB)) {
    char *zA = tito_def_model_text(nA, azA), *zB = tito_def_model_text(nB, azB);
    *pzErr = sqlite3_mprintf("tito: %s: the definition differs from the "
                             "model in the store's catalog\n  %s: %s\n  %s: %s",
                             zTable, zWhatA, zA ? zA : "", zWhatB,
                             zB ? zB : "");
    sqlite3_free(zA);
    sqlite3_free(zB);
    rc = SQLITE_ERROR;
  }
  tito_model_free(pA);
  tito_model_free(pB);
  return rc;
}

char *tito_def_join(int nArg, char *const *azArg) {
  sqlite3_str *pStr = sqlite3_str_new(0);
  int i;
  for (i = 0; i < nArg; i++) {
    sqlite3_str_appendf(pStr, "%s%s", i ? ", " : "", azArg[i]);
  }
  return sqlite3_str_finish(pStr);
}

/* Skip blanks. */
static const char *defBlank(const char *z) {
  while (*z == ' ' || *z == '\t' || *z == '\n' || *z == '\r') z++;
  return z;
}

int tito_def_is_literal(const char *z) {
  z = defBlank(z);
  if (*z == '(') {
    /* One pair of parentheses around a literal, as DEFAULT (0) is written. */
    const char *e = z + strlen(z);
    while (e > z + 1 && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n')) e--;
    if (e[-1] != ')') return 0;
    {
      char *zIn = sqlite3_mprintf("%.*s", (int)(e - z - 2), z + 1);
      int b = zIn && zIn[0] != '(' && tito_def_is_literal(zIn);
      sqlite3_free(zIn);
      return b;
    }
  }
  if (*z == '\'') {
    for (z++; *z; z++) {
      if (*z == '\'') {
        if (z[1] != '\'') break;
        z++;
      }
    }
    if (*z != '\'') return 0;
    z++;
  } else if ((*z == 'x' || *z == 'X') && z[1] == '\'') {
    for (z += 2; (*z >= '0' && *z <= '9') || (*z >= 'a' && *z <= 'f') ||
                 (*z >= 'A' && *z <= 'F');
         z++) {
    }
    if (*z != '\'') return 0;
    z++;
  } else if (sqlite3_strnicmp(z, "NULL", 4) == 0) {
    z += 4;
  } else if (sqlite3_strnicmp(z, "TRUE", 4) == 0) {
    z += 4;
  } else if (sqlite3_strnicmp(z, "FALSE", 5) == 0) {
    z += 5;
  } else {
    int nDigit = 0;
    if (*z == '+' || *z == '-') z = defBlank(z + 1);
    if (z[0] == '0' && (z[1] == 'x' || z[1] == 'X')) {
      for (z += 2; (*z >= '0' && *z <= '9') || (*z >= 'a' && *z <= 'f') ||
                   (*z >= 'A' && *z <= 'F');
           z++) {
        nDigit++;
      }
    } else {
      for (; *z >= '0' && *z <= '9'; z++) nDigit++;
      if (*z == '.') {
        for (z++; *z >= '0' && *z <= '9'; z++) nDigit++;
      }
      if (nDigit && (*z == 'e' || *z == 'E')) {
        z++;
        if (*z == '+' || *z == '-') z++;
        if (!(*z >= '0' && *z <= '9')) return 0;
        while (*z >= '0' && *z <= '9') z++;
      }
    }
    if (nDigit == 0) return 0;
  }
  z = defBlank(z);
  return *z == 0;
}
