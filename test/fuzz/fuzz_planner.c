/*
** fuzz_planner.c: the planner and the scans (xBestIndex, xFilter, every
** key path) through SQL, against an ordinary SQLite table.
**
** The input, read as a stream of choices (fuzz_sql.h), makes a random model
** (1 to 5 columns of every affinity; no key, a single or an INTEGER PRIMARY
** KEY, or a composite key with DESC fields; up to 3 indexes, composite,
** DESC, unique, partial, covering), the same ordinary table (WITHOUT ROWID
** when it has a key, the same indexes), rows of tricky values, then
** queries: WHERE of comparisons, IN lists, BETWEEN, IS [NOT] NULL and row
** values against literals, joined with AND / OR / NOT, with an ORDER BY
** over every column (then compared in order) or none (compared as
** multisets), and a LIMIT / OFFSET; and UPDATE / DELETE with such WHERE.
** Checked: no crash or sanitizer report; the same rows, the same success or
** failure of every write, the same table afterwards; tito_check 'ok'.
**
** Right-hand sides are literals: the kinds whose affinity rules differ
** (CAST, columns of other tables, ...) are the differential test's
** (test/differential_test.py). Primary-key values are never NULL (a
** documented difference).
*/
#include "fuzz_sql.h"

#define TARGET "fuzz_planner"

static const char *const azType[] = {"INTEGER", "REAL", "TEXT", "BLOB",
                                     "NUMERIC", ""};
static const char *const azValue[] = {
    "NULL", "0", "1", "-1", "2", "1.5", "-0.0", "3.0", "9007199254740993",
    "-9223372036854775808", "9223372036854775807", "1e300", "''", "'0'", "'1'",
    "'-0'", "'  12 '", "'abc'", "'ABC'", "'a'", "'b'", "x''", "x'00'",
    "x'61'", "'1.5'", "-2.5"};
#define N_VALUE (int)(sizeof(azValue) / sizeof(azValue[0]))
static const char *const azOp[] = {"=", "<", "<=", ">", ">=", "!=", "IS",
                                   "IS NOT"};

typedef struct Model {
  int nCol;
  int aType[5];
  int ePk;        /* 0 none, 1 single, 2 composite */
  int aPk[2];
  int aPkDesc[2];
  int bRowidAlias; /* the single key is an INTEGER PRIMARY KEY */
} Model;

static void fail(const char *zWhat, const char *zSql, const char *a,
                 const char *b) {
  fuzzDie(TARGET, "%s\n  statement: %s\n  tito:   %s\n  native: %s", zWhat,
          zSql, a ? a : "(error)", b ? b : "(error)");
}

/* A value for column c: never NULL in a key column; an integer for an
** INTEGER PRIMARY KEY. */
static const char *value(Choices *c, const Model *m, int iCol) {
  int bKey = (m->ePk >= 1 && m->aPk[0] == iCol) ||
             (m->ePk == 2 && m->aPk[1] == iCol);
  if (bKey && m->bRowidAlias) {
    static const char *const azInt[] = {"0", "1", "-1", "2", "7",
                                        "9223372036854775807",
                                        "-9223372036854775808"};
    return azInt[pick(c, 7)];
  }
  return azValue[bKey ? 1 + pick(c, N_VALUE - 1) : pick(c, N_VALUE)];
}

static void makeModel(Choices *c, Model *m, sqlite3_str *pT, sqlite3_str *pN,
                      sqlite3_str *pIdx) {
  int i, nIdx;
  memset(m, 0, sizeof(*m));
  m->nCol = 1 + (int)pick(c, 5);
  for (i = 0; i < m->nCol; i++) m->aType[i] = (int)pick(c, 6);
  m->ePk = (int)pick(c, m->nCol >= 2 ? 3 : 2);
  if (m->ePk >= 1) m->aPk[0] = (int)pick(c, (unsigned)m->nCol);
  if (m->ePk == 2) {
    m->aPk[1] = (m->aPk[0] + 1 + (int)pick(c, (unsigned)m->nCol - 1)) % m->nCol;
    m->aPkDesc[0] = (int)pick(c, 2);
    m->aPkDesc[1] = (int)pick(c, 2);
  }
  m->bRowidAlias = m->ePk == 1 && m->aType[m->aPk[0]] == 0;
  sqlite3_str_appendall(pT, "CREATE VIRTUAL TABLE t USING tito(");
  sqlite3_str_appendall(pN, "CREATE TABLE n(");
  for (i = 0; i < m->nCol; i++) {
    const char *zPk = m->ePk == 1 && m->aPk[0] == i ? " PRIMARY KEY" : "";
    sqlite3_str_appendf(pT, "%sc%d %s%s", i ? ", " : "", i, azType[m->aType[i]], zPk);
    sqlite3_str_appendf(pN, "%sc%d %s%s", i ? ", " : "", i, azType[m->aType[i]], zPk);
  }
  if (m->ePk == 2) {
    const char *zKey = sqlite3_mprintf("PRIMARY KEY (c%d%s, c%d%s)", m->aPk[0],
                                       m->aPkDesc[0] ? " DESC" : "", m->aPk[1],
                                       m->aPkDesc[1] ? " DESC" : "");
    sqlite3_str_appendf(pT, ", %s", zKey);
    sqlite3_str_appendf(pN, ", %s", zKey);
    sqlite3_free((void *)zKey);
  }
  nIdx = (int)pick(c, 4);
  for (i = 0; i < nIdx; i++) {
    int a = (int)pick(c, (unsigned)m->nCol), b = (int)pick(c, (unsigned)m->nCol + 1);
    int bUnique = pick(c, 3) == 0, w = (int)pick(c, 5), inc = (int)pick(c, 3);
    char *zFields = b < m->nCol && b != a
                        ? sqlite3_mprintf("c%d%s, c%d%s", a, pick(c, 2) ? " DESC" : "", b,
                                          pick(c, 2) ? " DESC" : "")
                        : sqlite3_mprintf("c%d%s", a, pick(c, 2) ? " DESC" : "");
    char *zWhere = w == 0   ? sqlite3_mprintf(" WHERE c%d IS NOT NULL", a)
                   : w == 1 ? sqlite3_mprintf(" WHERE c%d > 0", a)
                   : w == 2 ? sqlite3_mprintf(" WHERE c%d = 'a'", (a + 1) % m->nCol)
                            : sqlite3_mprintf("%s", "");
    char *zInc = inc == 0 && m->nCol > 1
                     ? sqlite3_mprintf(" INCLUDE (c%d)", (a + 1) % m->nCol)
                     : sqlite3_mprintf("%s", "");
    /* INCLUDE has no native form: the ordinary index simply lacks it. */
    sqlite3_str_appendf(pT, ", %sINDEX i%d(%s)%s%s", bUnique ? "UNIQUE " : "",
                        i, zFields, zInc, zWhere);
    sqlite3_str_appendf(pIdx, "CREATE %sINDEX ni%d ON n(%s)%s;",
                        bUnique ? "UNIQUE " : "", i, zFields, zWhere);
    sqlite3_free(zFields);
    sqlite3_free(zWhere);
    sqlite3_free(zInc);
  }
  sqlite3_str_appendall(pT, ")");
  sqlite3_str_appendf(pN, ")%s", m->ePk && !m->bRowidAlias ? " WITHOUT ROWID" : "");
}

/* One WHERE term. */
static void term(Choices *c, const Model *m, sqlite3_str *p) {
  int a = (int)pick(c, (unsigned)m->nCol), b;
  switch (pick(c, 7)) {
    case 0:
    case 1:
    case 2:
      sqlite3_str_appendf(p, "c%d %s %s", a, azOp[pick(c, 8)], azValue[pick(c, N_VALUE)]);
      break;
    case 3:
      sqlite3_str_appendf(p, "c%d %sIN (%s, %s, %s)", a, pick(c, 4) ? "" : "NOT ",
                          azValue[pick(c, N_VALUE)], azValue[pick(c, N_VALUE)],
                          azValue[pick(c, N_VALUE)]);
      break;
    case 4:
      sqlite3_str_appendf(p, "c%d BETWEEN %s AND %s", a, azValue[pick(c, N_VALUE)],
                          azValue[pick(c, N_VALUE)]);
      break;
    case 5:
      sqlite3_str_appendf(p, "c%d IS %sNULL", a, pick(c, 2) ? "NOT " : "");
      break;
    default:
      b = (int)pick(c, (unsigned)m->nCol);
      sqlite3_str_appendf(p, "(c%d, c%d) %s (%s, %s)", a, b, azOp[1 + pick(c, 4)],
                          azValue[pick(c, N_VALUE)], azValue[pick(c, N_VALUE)]);
      break;
  }
}

static void whereClause(Choices *c, const Model *m, sqlite3_str *p) {
  int n = 1 + (int)pick(c, 3), i;
  for (i = 0; i < n; i++) {
    if (i) sqlite3_str_appendall(p, pick(c, 3) ? " AND " : " OR ");
    if (pick(c, 8) == 0) sqlite3_str_appendall(p, "NOT ");
    sqlite3_str_appendchar(p, 1, '(');
    term(c, m, p);
    sqlite3_str_appendchar(p, 1, ')');
  }
}

/* quote() of every column, comma-joined: one result column r. */
static char *allCols(const Model *m) {
  sqlite3_str *p = sqlite3_str_new(0);
  int i;
  for (i = 0; i < m->nCol; i++) {
    sqlite3_str_appendf(p, "%squote(c%d)", i ? "||','||" : "", i);
  }
  return sqlite3_str_finish(p);
}

/* Each column as ORDER BY sees it: numbers that compare equal (0 and 0.0)
** alike, everything else as quote() shows it. */
static char *canonCols(const Model *m) {
  sqlite3_str *p = sqlite3_str_new(0);
  int i;
  for (i = 0; i < m->nCol; i++) {
    sqlite3_str_appendf(p, "%s(CASE WHEN typeof(c%d) IN ('integer', 'real') "
                        "THEN printf('n%%.17g', c%d) ELSE quote(c%d) END)",
                        i ? "||','||" : "", i, i, i);
  }
  return sqlite3_str_finish(p);
}

/* The query zFmt (a %s for the projection, one for the table) on t and n,
** with projection zProj; bSort: compare as multisets. */
static void compare1(sqlite3 *db, const char *zFmt, const char *zProj,
                     int bSort) {
  char *z1 = sqlite3_mprintf(zFmt, zProj, "t"), *z2 = sqlite3_mprintf(zFmt, zProj, "n");
  char *a = fuzzRows(db, z1, bSort), *b = fuzzRows(db, z2, bSort);
  if ((a == 0) != (b == 0) || (a && strcmp(a, b))) fail("rows differ", z1, a, b);
  sqlite3_free(z1);
  sqlite3_free(z2);
  sqlite3_free(a);
  sqlite3_free(b);
}

/* Same rows (exact values, as a multiset), and with ORDER BY the same
** order; rows that tie under ORDER BY (0 and 0.0) may come either way, and
** under a LIMIT either may be the one kept. */
static void compare(sqlite3 *db, const Model *m, const char *zFmt,
                    int bOrdered, int bLimit) {
  char *zCols = allCols(m), *zCanon = canonCols(m);
  if (!bLimit) compare1(db, zFmt, zCols, 1);
  if (bOrdered) compare1(db, zFmt, zCanon, 0);
  sqlite3_free(zCols);
  sqlite3_free(zCanon);
}

static void compareTables(sqlite3 *db, const Model *m, const char *zAfter) {
  char *zCols = allCols(m);
  char *zT = sqlite3_mprintf("SELECT %s AS r FROM t", zCols);
  char *zN = sqlite3_mprintf("SELECT %s AS r FROM n", zCols);
  char *a = fuzzRows(db, zT, 1), *b = fuzzRows(db, zN, 1);
  if (!a || !b || strcmp(a, b)) fail("tables differ after a write", zAfter, a, b);
  sqlite3_free(zCols);
  sqlite3_free(zT);
  sqlite3_free(zN);
  sqlite3_free(a);
  sqlite3_free(b);
}

/* Run a write on t and n: both succeed or both fail. */
static void write2(sqlite3 *db, const Model *m, const char *zFmt) {
  char *z1 = sqlite3_mprintf(zFmt, "t"), *z2 = sqlite3_mprintf(zFmt, "n");
  int r1 = fuzzRun(TARGET, db, z1, "t"), r2 = fuzzRun(TARGET, db, z2, 0);
  if ((r1 == SQLITE_OK) != (r2 == SQLITE_OK)) {
    fail("one write failed, the other did not", z1,
         r1 == SQLITE_OK ? "ok" : "failed", r2 == SQLITE_OK ? "ok" : "failed");
  }
  compareTables(db, m, z1);
  sqlite3_free(z1);
  sqlite3_free(z2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Choices c = {data, size, 0};
  sqlite3 *db = fuzzOpen(TARGET);
  sqlite3_str *pT = sqlite3_str_new(0), *pN = sqlite3_str_new(0),
              *pIdx = sqlite3_str_new(0);
  char *zT, *zN, *zIdx;
  Model m;
  int i, nRow, nQuery;
  makeModel(&c, &m, pT, pN, pIdx);
  zT = sqlite3_str_finish(pT);
  zN = sqlite3_str_finish(pN);
  zIdx = sqlite3_str_finish(pIdx);
  if (fuzzRun(TARGET, db, zT, "t") != SQLITE_OK ||
      fuzzRun(TARGET, db, zN, 0) != SQLITE_OK ||
      fuzzRun(TARGET, db, zIdx, 0) != SQLITE_OK) {
    fuzzDie(TARGET, "setup failed: %s / %s / %s: %s", zT, zN, zIdx, sqlite3_errmsg(db));
  }
  nRow = (int)pick(&c, 24);
  for (i = 0; i < nRow; i++) {
    sqlite3_str *p = sqlite3_str_new(0);
    char *z;
    int k;
    sqlite3_str_appendall(p, "INSERT OR IGNORE INTO %s VALUES (");
    for (k = 0; k < m.nCol; k++) {
      sqlite3_str_appendf(p, "%s%s", k ? ", " : "", value(&c, &m, k));
    }
    sqlite3_str_appendchar(p, 1, ')');
    z = sqlite3_str_finish(p);
    write2(db, &m, z);
    sqlite3_free(z);
  }
  nQuery = 1 + (int)pick(&c, 8);
  for (i = 0; i < nQuery; i++) {
    sqlite3_str *p = sqlite3_str_new(0);
    char *z;
    int kind = (int)pick(&c, 6), bOrdered = 0, bLimit = 0, k;
    if (kind < 4) {
      sqlite3_str_appendall(p, "SELECT %s AS r FROM %s WHERE ");
      whereClause(&c, &m, p);
      if (pick(&c, 2)) { /* a total order: every column, one leading */
        int first = (int)pick(&c, (unsigned)m.nCol);
        bOrdered = 1;
        sqlite3_str_appendf(p, " ORDER BY c%d%s", first, pick(&c, 2) ? " DESC" : "");
        for (k = 0; k < m.nCol; k++) {
          if (k != first) sqlite3_str_appendf(p, ", c%d%s", k, pick(&c, 2) ? " DESC" : "");
        }
        if (pick(&c, 2)) {
          bLimit = 1;
          sqlite3_str_appendf(p, " LIMIT %d", (int)pick(&c, 6));
          if (pick(&c, 2)) sqlite3_str_appendf(p, " OFFSET %d", (int)pick(&c, 4));
        }
      }
      z = sqlite3_str_finish(p);
      compare(db, &m, z, bOrdered, bLimit);
    } else if (kind == 4) {
      sqlite3_str_appendf(p, "UPDATE %%s SET c%d = %s WHERE ", (int)pick(&c, (unsigned)m.nCol),
                          value(&c, &m, -1));
      whereClause(&c, &m, p);
      z = sqlite3_str_finish(p);
      /* A key column may not take NULL: SET uses non-key values only. */
      write2(db, &m, z);
    } else {
      sqlite3_str_appendall(p, "DELETE FROM %s WHERE ");
      whereClause(&c, &m, p);
      z = sqlite3_str_finish(p);
      write2(db, &m, z);
    }
    sqlite3_free(z);
  }
  {
    char *zCheck = fuzzText(db, "SELECT tito_check('t')");
    if (!zCheck || strcmp(zCheck, "ok")) fuzzDie(TARGET, "tito_check: %s (%s)", zCheck, zT);
    sqlite3_free(zCheck);
  }
  sqlite3_free(zT);
  sqlite3_free(zN);
  sqlite3_free(zIdx);
  if (sqlite3_close(db) != SQLITE_OK) fuzzDie(TARGET, "close: statements left open");
  return 0;
}
