/*
** fuzz_model.c: the definition parser (tito_model_parse, src/model.c) on
** any text.
**
** Input: the text between the parentheses of USING tito(...). It is split
** into arguments as SQLite splits module arguments (at top-level commas,
** outside quotes and parentheses, each trimmed), then parsed as table "t".
** Checked:
**   - no crash, no memory error or leak (the sanitizers);
**   - a failure has a message, and success has none;
**   - a model that parses is consistent: every column, key field, index
**     field and INCLUDE column number in range, index ids 1..nIndex, names
**     found again by tito_model_column / tito_model_index; topics named,
**     once each, with actions, partition counts and columns in range;
**   - its declared CREATE TABLE is valid SQL for SQLite.
*/
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kv.h"
#include "model.h"

#define FAIL(msg) fuzzFail(msg, __LINE__)
static void fuzzFail(const char *z, int line) {
  fprintf(stderr, "fuzz_model: %s (line %d)\n", z, line);
  abort();
}

#define MAX_ARG 300

/* Split z[0..n) into arguments like SQLite's parser: commas at depth 0
** outside quotes end one; leading and trailing blanks are dropped. */
static int splitArgs(const char *z, int n, char **az) {
  int nArg = 0, i = 0, iStart = 0, depth = 0;
  char q = 0;
  for (i = 0; i <= n && nArg < MAX_ARG; i++) {
    char c = i < n ? z[i] : ',';
    if (q) {
      if (c == q) q = 0;
      if (i < n) continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      q = c;
    } else if (c == '[') {
      q = ']';
    } else if (c == '(') {
      depth++;
    } else if (c == ')') {
      if (depth > 0) depth--;
    } else if (c == ',' && (depth == 0 || i == n)) {
      int a = iStart, b = i;
      while (a < b && (z[a] == ' ' || z[a] == '\t' || z[a] == '\n')) a++;
      while (b > a && (z[b - 1] == ' ' || z[b - 1] == '\t' || z[b - 1] == '\n')) b--;
      az[nArg] = malloc((size_t)(b - a) + 1);
      if (az[nArg] == NULL) FAIL("nomem");
      memcpy(az[nArg], z + a, (size_t)(b - a));
      az[nArg][b - a] = 0;
      nArg++;
      iStart = i + 1;
    }
  }
  return nArg;
}

static void checkModel(const tito_model *m) {
  int i, k;
  if (m->nCol < 1) FAIL("a model without columns");
  for (i = 0; i < m->nCol; i++) {
    if (m->aCol[i].zName == NULL || m->aCol[i].zType == NULL) FAIL("names");
    if (tito_model_column(m, m->aCol[i].zName) != i &&
        tito_model_column(m, m->aCol[i].zName) < 0) {
      FAIL("a column is not found by its name");
    }
    if (m->aCol[i].cAff < 'A' || m->aCol[i].cAff > 'E') FAIL("affinity");
  }
  if (m->nPk < 0 || m->nPk > m->nCol) FAIL("nPk");
  for (i = 0; i < m->nPk; i++) {
    if (m->aiPk[i] < 0 || m->aiPk[i] >= m->nCol) FAIL("pk column");
  }
  if (m->iRowidCol >= m->nCol) FAIL("rowid column");
  if (m->iRowidCol >= 0 && !(m->nPk == 1 && m->aiPk[0] == m->iRowidCol)) {
    FAIL("rowid alias is not the primary key");
  }
  for (i = 0; i < m->nIndex; i++) {
    const tito_index *x = &m->aIndex[i];
    if (x->iId != (uint32_t)(i + 1)) FAIL("index id");
    if (x->nCol < 1) FAIL("index without fields");
    if (tito_model_index(m, x->zName) < 0) FAIL("index not found by name");
    for (k = 0; k < x->nCol; k++) {
      if (x->aiCol[k] < 0 || x->aiCol[k] >= m->nCol) FAIL("index column");
    }
    for (k = 0; k < x->nInclude; k++) {
      if (x->aiInclude[k] < 0 || x->aiInclude[k] >= m->nCol) FAIL("include");
    }
  }
  if (m->nTopic < 0 || m->nTopic > TITO_MAX_TOPIC) FAIL("topic count");
  for (i = 0; i < m->nTopic; i++) {
    const tito_topic *t = &m->aTopic[i];
    if (!t->zName || !t->zName[0]) FAIL("topic without a name");
    if (t->mAction < 1 || t->mAction > TITO_ACT_ALL) FAIL("topic actions");
    if (t->nPartitions < 0 || t->nPartitions > 65536) FAIL("partitions");
    for (k = 0; k < t->nPart; k++) {
      if (t->aiPart[k] < 0 || t->aiPart[k] >= m->nCol) FAIL("partition column");
    }
    for (k = 0; k < i; k++) {
      if (sqlite3_stricmp(m->aTopic[k].zName, t->zName) == 0) FAIL("topic twice");
    }
  }
}

/* Does a column's type hold a word that is an SQL keyword? tito keeps
** type words as written; SQLite accepts only some keywords there (those
** it can take as names), so such a declaration may fail in
** sqlite3_declare_vtab, which the CREATE then reports. */
static int typeHasKeyword(const tito_model *m) {
  int i;
  for (i = 0; i < m->nCol; i++) {
    const char *z = m->aCol[i].zType;
    while (*z) {
      int n = 0;
      while (z[n] && !strchr(" \t\n\r\f(", z[n])) n++;
      if (n > 0 && sqlite3_keyword_check(z, n)) return 1;
      z += n;
      while (*z && strchr(" \t\n\r\f(", *z)) z++;
    }
  }
  return 0;
}

/* DEFAULT expressions are compiled by the CREATE (not the parser), and
** tito's tokenizer takes control bytes as blanks where SQLite refuses
** them: both fail the CREATE with SQLite's message. */
static int hasDefaultOrControl(const tito_model *m, const char *z) {
  int i;
  for (i = 0; i < m->nCol; i++) {
    if (m->aCol[i].zDefault) return 1;
  }
  for (i = 0; z[i]; i++) {
    if ((unsigned char)z[i] < 0x20 && z[i] != '\t' && z[i] != '\n' &&
        z[i] != '\r' && z[i] != '\f') {
      return 1;
    }
  }
  return 0;
}

/* Starts z with word zWord (any case) followed by a non-name byte? */
static int startsWord(const char *z, const char *zWord) {
  size_t n = strlen(zWord);
  return sqlite3_strnicmp(z, zWord, (int)n) == 0 &&
         !((z[n] >= 'a' && z[n] <= 'z') || (z[n] >= 'A' && z[n] <= 'Z') ||
           (z[n] >= '0' && z[n] <= '9') || z[n] == '_');
}

/* Do the column arguments alone compile as an ordinary CREATE TABLE?
** When they do not, SQLite refuses them for an ordinary table too, and a
** declaration that fails the same way is tito passing the error on. */
static int columnsCompile(sqlite3 *db, int nArg, char **az) {
  sqlite3_str *p = sqlite3_str_new(db);
  char *zSql;
  int i, n = 0, rc;
  sqlite3_str_appendall(p, "CREATE TABLE chk(");
  for (i = 0; i < nArg; i++) {
    if (startsWord(az[i], "INDEX") || startsWord(az[i], "UNIQUE") ||
        (startsWord(az[i], "PRIMARY") && strchr(az[i], '(')) ||
        (startsWord(az[i], "prefix") && strchr(az[i], '=')) ||
        (startsWord(az[i], "store") && strchr(az[i], '='))) {
      continue;
    }
    sqlite3_str_appendf(p, "%s%s", n++ ? ", " : "", az[i]);
  }
  sqlite3_str_appendall(p, ")");
  zSql = sqlite3_str_finish(p);
  rc = sqlite3_exec(db, zSql, NULL, NULL, NULL);
  sqlite3_free(zSql);
  return rc == SQLITE_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *az[MAX_ARG];
  char *z;
  tito_model *pModel = NULL;
  char *zErr = NULL;
  int nArg, i, rc;
  if (size > 20000) return 0;
  z = malloc(size + 1);
  if (z == NULL) FAIL("nomem");
  memcpy(z, data, size);
  z[size] = 0;
  /* Module arguments are C strings: the text ends at a NUL. */
  nArg = splitArgs(z, (int)strlen(z), az);
  rc = tito_model_parse("t", nArg, (const char *const *)az, &pModel, &zErr);
  if (rc == TITO_OK) {
    char *zSql;
    sqlite3 *db;
    if (pModel == NULL || zErr != NULL) FAIL("success with an error message");
    checkModel(pModel);
    zSql = tito_model_declare_sql(pModel);
    if (zSql == NULL) FAIL("no declared SQL");
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) FAIL("open");
    if (sqlite3_exec(db, zSql, NULL, NULL, NULL) != SQLITE_OK &&
        !typeHasKeyword(pModel) && !hasDefaultOrControl(pModel, z) &&
        columnsCompile(db, nArg, az)) {
      fprintf(stderr, "declared: %s\nerror: %s\n", zSql, sqlite3_errmsg(db));
      FAIL("the declared CREATE TABLE is not valid SQL");
    }
    sqlite3_close(db);
    sqlite3_free(zSql);
    tito_model_free(pModel);
  } else {
    if (pModel != NULL) FAIL("failure with a model");
    if (rc != TITO_NOMEM && (zErr == NULL || zErr[0] == 0)) {
      FAIL("failure without a message");
    }
    sqlite3_free(zErr);
  }
  for (i = 0; i < nArg; i++) free(az[i]);
  free(z);
  return 0;
}
