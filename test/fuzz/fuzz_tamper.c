/*
** fuzz_tamper.c: tampered storage. Tables of every kind of key and entry
** are filled, then the input tampers with the embedded store's keys and
** values through plain SQL on tito_store (bit flips, truncation, empty,
** NULL and non-BLOB values, deletion, copies under other keys, swaps,
** garbage keys, catalog entries and the id counter), then reads, writes,
** tito_check and DROP run on every table. Checked:
**   - no crash, no memory error, no undefined behaviour (the sanitizers);
**   - an error from tito says what it is (never SQLite's bare code text),
**     and a corruption error names its table (fuzz_sql.h);
**   - no silent wrong result: when tito_check says a table is 'ok', every
**     index path returns exactly what the full scan of its rows says it
**     should (the rows are copied into an ordinary table and the same
**     queries compared).
** Input: a stream of choices (fuzz_sql.h): the tampering operations, then
** which writes run.
*/
#include "fuzz_sql.h"

#define TARGET "fuzz_tamper"

/* The tables: every kind of key (rowid, INTEGER PRIMARY KEY, TEXT key,
** composite DESC key, keyspace prefix) and of entry (plain, unique compact,
** unique with a NULL field, covering, partial, DESC). */
static const char *const zSetup =
    "CREATE VIRTUAL TABLE t_rowid USING tito(a INTEGER, b TEXT, c REAL,"
    "  INDEX ia(a), UNIQUE INDEX ub(b), INDEX ic(c DESC) INCLUDE (a));"
    "CREATE VIRTUAL TABLE t_text USING tito(id TEXT PRIMARY KEY, n INTEGER, s TEXT,"
    "  bl BLOB, extra, UNIQUE INDEX un(n, s DESC), INDEX cov(s) INCLUDE (n, bl),"
    "  INDEX part(n) WHERE n > 2);"
    "CREATE VIRTUAL TABLE t_ipk USING tito(id INTEGER PRIMARY KEY, v, w TEXT,"
    "  INDEX iv(v, w));"
    "CREATE VIRTUAL TABLE t_comp USING tito(x TEXT, y INTEGER, z,"
    "  PRIMARY KEY (x DESC, y), UNIQUE INDEX uy(y), INDEX cz(z) INCLUDE (x),"
    "  prefix = 'app');"
    "INSERT INTO t_rowid VALUES (1, 'one', 1.5), (2, 'two', -0.0), (NULL, NULL, NULL),"
    "  (-9223372036854775808, 'min', 1e300), (3, 'th' || char(0) || 'ree', 2),"
    "  (4, '', -1e-300);"
    "INSERT INTO t_text VALUES ('a', 1, 'x', x'00', 1), ('b', 2, 'y', x'', 2),"
    "  ('c', 3, NULL, NULL, 3), ('d', 4, 'y', x'ff00ff', 4), ('', 5, '', x'01', 5),"
    "  ('e' || char(0), NULL, 'z', NULL, 6), ('f', 3, 'w', 'text', 7);"
    "INSERT INTO t_ipk VALUES (1, 'a', 'b'), (2, 2, NULL), (-5, x'00', 'c'),"
    "  (9223372036854775807, 1.5, 'd'), (7, NULL, NULL);"
    "INSERT INTO t_comp VALUES ('p', 1, 1), ('p', 2, 'two'), ('q', 3, NULL),"
    "  ('', 4, x'aa'), ('r', -9223372036854775808, 2.5);";

static const char *const azTable[] = {"t_rowid", "t_text", "t_ipk", "t_comp"};
#define N_TABLE 4

/* Per table: its columns, and per index: its first column and the
** literal that starts a range over every non-NULL value of it. */
typedef struct IndexProbe {
  const char *zCol;
  const char *zLow;
  const char *zCover; /* columns the index covers, or NULL */
} IndexProbe;
static const char *const azCols[N_TABLE] = {"a, b, c", "id, n, s, bl, extra",
                                            "id, v, w", "x, y, z"};
static const IndexProbe aProbe[N_TABLE][4] = {
    {{"a", "-1e999", NULL}, {"b", "''", NULL}, {"c", "-1e999", "c, a"}, {0, 0, 0}},
    {{"n", "-1e999", NULL}, {"s", "''", "s, n, bl, id"}, {"n", "2.5", NULL},
     {"id", "''", NULL}},
    {{"v", "-1e999", NULL}, {"id", "-1e999", NULL}, {0, 0, 0}, {0, 0, 0}},
    {{"y", "-1e999", NULL}, {"z", "-1e999", "z, x, y"}, {"x", "''", NULL},
     {0, 0, 0}},
};

/* The store's keys, read once after the setup. */
typedef struct Key {
  uint8_t *a;
  int n;
} Key;

static Key *aKey;
static int nKey;

static void keysLoad(sqlite3 *db) {
  sqlite3_stmt *s;
  nKey = 0;
  if (sqlite3_prepare_v2(db, "SELECT k FROM tito_store ORDER BY k", -1, &s,
                         NULL) != SQLITE_OK) {
    fuzzDie(TARGET, "keys: %s", sqlite3_errmsg(db));
  }
  while (sqlite3_step(s) == SQLITE_ROW) {
    int n = sqlite3_column_bytes(s, 0);
    aKey = realloc(aKey, (size_t)(nKey + 1) * sizeof(Key));
    if (aKey == NULL) abort();
    aKey[nKey].a = malloc((size_t)n + 1);
    if (aKey[nKey].a == NULL) abort();
    memcpy(aKey[nKey].a, sqlite3_column_blob(s, 0), (size_t)n);
    aKey[nKey].n = n;
    nKey++;
  }
  sqlite3_finalize(s);
}

static void keysFree(void) {
  int i;
  for (i = 0; i < nKey; i++) free(aKey[i].a);
  free(aKey);
  aKey = NULL;
  nKey = 0;
}

/* Run one statement on tito_store with blob parameters (errors ignored:
** a tampering that SQLite refuses, a duplicate key, is simply skipped). */
static void storeSql(sqlite3 *db, const char *zSql, const uint8_t *a1, int n1,
                     const uint8_t *a2, int n2) {
  sqlite3_stmt *s;
  if (sqlite3_prepare_v2(db, zSql, -1, &s, NULL) != SQLITE_OK) {
    fuzzDie(TARGET, "prepare %s: %s", zSql, sqlite3_errmsg(db));
  }
  if (a1) sqlite3_bind_blob(s, 1, n1 ? (const void *)a1 : "", n1, SQLITE_TRANSIENT);
  if (a2) sqlite3_bind_blob(s, 2, n2 ? (const void *)a2 : "", n2, SQLITE_TRANSIENT);
  sqlite3_step(s);
  sqlite3_finalize(s);
}

/* The current value of key k (malloc'd copy, *pn = -1 if absent). */
static uint8_t *valueOf(sqlite3 *db, const Key *k, int *pn) {
  sqlite3_stmt *s;
  uint8_t *a = NULL;
  *pn = -1;
  sqlite3_prepare_v2(db, "SELECT v FROM tito_store WHERE k = ?1", -1, &s, NULL);
  sqlite3_bind_blob(s, 1, k->n ? (const void *)k->a : "", k->n, SQLITE_STATIC);
  if (sqlite3_step(s) == SQLITE_ROW) {
    *pn = sqlite3_column_bytes(s, 0);
    a = malloc((size_t)*pn + 1);
    if (a == NULL) abort();
    if (*pn) memcpy(a, sqlite3_column_blob(s, 0), (size_t)*pn);
  }
  sqlite3_finalize(s);
  return a;
}

/* One tampering operation chosen by the input. */
static void tamperOnce(sqlite3 *db, Choices *c) {
  const Key *k = &aKey[pick(c, (unsigned)nKey)];
  const Key *k2 = &aKey[pick(c, (unsigned)nKey)];
  uint8_t buf[64];
  uint8_t *v;
  int nv, i, n;
  switch (pick(c, 14)) {
    case 0: /* flip a bit of the value */
      v = valueOf(db, k, &nv);
      if (nv > 0) {
        v[pick(c, (unsigned)nv)] ^= (uint8_t)(1u << pick(c, 8));
        storeSql(db, "UPDATE tito_store SET v = ?2 WHERE k = ?1", k->a, k->n, v, nv);
      }
      free(v);
      break;
    case 1: /* flip a bit of the key */
      memcpy(buf, k->a, (size_t)(k->n < 64 ? k->n : 64));
      n = k->n < 64 ? k->n : 64;
      if (n > 0) {
        buf[pick(c, (unsigned)n)] ^= (uint8_t)(1u << pick(c, 8));
        storeSql(db, "UPDATE tito_store SET k = ?2 WHERE k = ?1", k->a, k->n, buf, n);
      }
      break;
    case 2: /* truncate the value */
      v = valueOf(db, k, &nv);
      if (nv > 0) {
        storeSql(db, "UPDATE tito_store SET v = ?2 WHERE k = ?1", k->a, k->n, v,
                 (int)pick(c, (unsigned)nv));
      }
      free(v);
      break;
    case 3: /* truncate the key */
      if (k->n > 0) {
        storeSql(db, "UPDATE tito_store SET k = ?2 WHERE k = ?1", k->a, k->n,
                 k->a, (int)pick(c, (unsigned)k->n));
      }
      break;
    case 4: /* an empty value */
      storeSql(db, "UPDATE tito_store SET v = x'' WHERE k = ?1", k->a, k->n, 0, 0);
      break;
    case 5: /* a NULL value */
      storeSql(db, "UPDATE tito_store SET v = NULL WHERE k = ?1", k->a, k->n, 0, 0);
      break;
    case 6: /* remove the key */
      storeSql(db, "DELETE FROM tito_store WHERE k = ?1", k->a, k->n, 0, 0);
      break;
    case 7: /* another key's value */
      v = valueOf(db, k2, &nv);
      if (nv >= 0) {
        storeSql(db, "UPDATE tito_store SET v = ?2 WHERE k = ?1", k->a, k->n, v, nv);
      }
      free(v);
      break;
    case 8: /* a copy of the key and value under a longer key */
      v = valueOf(db, k, &nv);
      n = k->n < 48 ? k->n : 48;
      memcpy(buf, k->a, (size_t)n);
      for (i = 0; i < 1 + (int)pick(c, 8); i++) buf[n++] = (uint8_t)pick(c, 256);
      if (nv >= 0) {
        storeSql(db, "INSERT OR IGNORE INTO tito_store VALUES (?1, ?2)", buf, n, v, nv);
      }
      free(v);
      break;
    case 9: /* a copy under the key with one byte changed */
      v = valueOf(db, k, &nv);
      n = k->n < 64 ? k->n : 64;
      memcpy(buf, k->a, (size_t)n);
      if (n > 0 && nv >= 0) {
        buf[pick(c, (unsigned)n)] = (uint8_t)pick(c, 256);
        storeSql(db, "INSERT OR IGNORE INTO tito_store VALUES (?1, ?2)", buf, n, v, nv);
      }
      free(v);
      break;
    case 10: /* a garbage key and value */
      n = (int)pick(c, 24);
      for (i = 0; i < n; i++) buf[i] = (uint8_t)pick(c, 256);
      storeSql(db, "INSERT OR IGNORE INTO tito_store VALUES (?1, ?2)", buf, n,
               buf, (int)pick(c, (unsigned)n + 1));
      break;
    case 11: /* random bytes as the value */
      n = (int)pick(c, 40);
      for (i = 0; i < n; i++) buf[i] = (uint8_t)pick(c, 256);
      storeSql(db, "UPDATE tito_store SET v = ?2 WHERE k = ?1", k->a, k->n, buf, n);
      break;
    case 12: /* a value of another SQL type */
      storeSql(db,
               pick(c, 2) ? "UPDATE tito_store SET v = 'text' WHERE k = ?1"
                          : "UPDATE tito_store SET v = 12345 WHERE k = ?1",
               k->a, k->n, 0, 0);
      break;
    default: /* swap two keys' values */
      if (k != k2) {
        int nv2;
        uint8_t *v2 = valueOf(db, k2, &nv2);
        v = valueOf(db, k, &nv);
        if (nv >= 0 && nv2 >= 0) {
          storeSql(db, "UPDATE tito_store SET v = ?2 WHERE k = ?1", k->a, k->n, v2, nv2);
          storeSql(db, "UPDATE tito_store SET v = ?2 WHERE k = ?1", k2->a, k2->n, v, nv);
        }
        free(v);
        free(v2);
      }
      break;
  }
}

/* The same query on tito table t and on its ordinary copy must agree. */
static void compareQuery(sqlite3 *db, const char *zTab, const char *zSel,
                         const char *zWhere) {
  char *z1 = sqlite3_mprintf("SELECT %s AS r FROM %s WHERE %s", zSel, zTab, zWhere);
  char *z2 = sqlite3_mprintf("SELECT %s AS r FROM temp.copy WHERE %s", zSel, zWhere);
  char *a = fuzzRows(db, z1, 1);
  char *b = fuzzRows(db, z2, 1);
  if (a && b && strcmp(a, b) != 0) {
    fuzzDie(TARGET, "tito_check('%s') is ok but the index path differs:\n"
            "  %s\n  -> %s\n  full scan -> %s", zTab, z1, a, b);
  }
  sqlite3_free(z1);
  sqlite3_free(z2);
  sqlite3_free(a);
  sqlite3_free(b);
}

/* A quote() concatenation of a column list "a, b, c". */
static char *quoted(const char *zCols) {
  sqlite3_str *p = sqlite3_str_new(NULL);
  const char *z = zCols;
  int first = 1;
  while (*z) {
    int n = 0;
    while (z[n] && z[n] != ',') n++;
    sqlite3_str_appendf(p, "%squote(%.*s)", first ? "" : "||','||", n, z);
    first = 0;
    z += n;
    while (*z == ',' || *z == ' ') z++;
  }
  return sqlite3_str_finish(p);
}

/* Reads of every path of table t, and the consistency oracle when its
** check says ok. */
static void readTable(sqlite3 *db, int t) {
  const char *zTab = azTable[t];
  char *zAll = quoted(azCols[t]);
  char *zSql, *zCheck;
  int i;
  /* Covering scans first, then reads of rows by the same cursor (a scan
  ** reused after a covering one must not decode a stale entry). */
  for (i = 0; i < 4 && aProbe[t][i].zCol; i++) {
    const IndexProbe *x = &aProbe[t][i];
    if (x->zCover == NULL) continue;
    zSql = sqlite3_mprintf("SELECT %s FROM %s WHERE %s > %s;"
                           "SELECT * FROM %s WHERE %s IN (1, 'y', '', 3)",
                           x->zCover, zTab, x->zCol, x->zLow, zTab, x->zCol);
    fuzzRun(TARGET, db, zSql, zTab);
    sqlite3_free(zSql);
  }
  zSql = sqlite3_mprintf("SELECT * FROM %s; SELECT count(*) FROM %s;"
                         "SELECT rowid FROM %s", zTab, zTab, zTab);
  fuzzRun(TARGET, db, zSql, zTab);
  sqlite3_free(zSql);
  for (i = 0; i < 4 && aProbe[t][i].zCol; i++) {
    const IndexProbe *x = &aProbe[t][i];
    zSql = sqlite3_mprintf(
        "SELECT * FROM %s WHERE %s > %s; SELECT * FROM %s WHERE %s > %s ORDER BY %s DESC;"
        "SELECT %s FROM %s WHERE %s > %s; SELECT * FROM %s WHERE %s IN (1, 'y', '', 3)",
        zTab, x->zCol, x->zLow, zTab, x->zCol, x->zLow, x->zCol,
        x->zCover ? x->zCover : x->zCol, zTab, x->zCol, x->zLow, zTab, x->zCol);
    fuzzRun(TARGET, db, zSql, zTab);
    sqlite3_free(zSql);
  }
  zSql = sqlite3_mprintf("SELECT tito_check('%s')", zTab);
  zCheck = fuzzText(db, zSql);
  sqlite3_free(zSql);
  if (zCheck && strcmp(zCheck, "ok") == 0) {
    zSql = sqlite3_mprintf("DROP TABLE IF EXISTS temp.copy;"
                           "CREATE TEMP TABLE copy AS SELECT * FROM %s", zTab);
    if (fuzzRun(TARGET, db, zSql, zTab) == SQLITE_OK) {
      compareQuery(db, zTab, zAll, "1");
      for (i = 0; i < 4 && aProbe[t][i].zCol; i++) {
        const IndexProbe *x = &aProbe[t][i];
        char *zW = sqlite3_mprintf("%s > %s", x->zCol, x->zLow);
        char *zC = x->zCover ? quoted(x->zCover) : NULL;
        compareQuery(db, zTab, zAll, zW);
        if (zC) compareQuery(db, zTab, zC, zW);
        sqlite3_free(zW);
        sqlite3_free(zC);
        zW = sqlite3_mprintf("%s IN (1, 'y', '', 3, 2.5)", x->zCol);
        compareQuery(db, zTab, zAll, zW);
        sqlite3_free(zW);
      }
    }
    sqlite3_free(zSql);
  }
  sqlite3_free(zCheck);
  sqlite3_free(zAll);
}

/* Writes chosen by the input, on table t. */
static const char *const azWrite[N_TABLE][6] = {
    {"UPDATE t_rowid SET c = c + 1", "DELETE FROM t_rowid WHERE a = 2",
     "INSERT OR REPLACE INTO t_rowid VALUES (5, 'one', 9)",
     "UPDATE t_rowid SET b = b || 'x' WHERE a > 0", "INSERT INTO t_rowid VALUES (6, 'six', 6)",
     "DELETE FROM t_rowid"},
    {"UPDATE t_text SET n = n + 10", "DELETE FROM t_text WHERE id = 'a'",
     "INSERT OR REPLACE INTO t_text VALUES ('b', 1, 'x', NULL, 0)",
     "UPDATE t_text SET s = 'q' WHERE n > 2", "INSERT INTO t_text VALUES ('g', 7, 'g', x'07', 8)",
     "DELETE FROM t_text WHERE s = 'y'"},
    {"UPDATE t_ipk SET w = 'n' WHERE id > 0", "DELETE FROM t_ipk WHERE id = 2",
     "INSERT OR REPLACE INTO t_ipk VALUES (1, 'b', 'b')", "INSERT INTO t_ipk VALUES (NULL, 1, 1)",
     "UPDATE t_ipk SET id = id + 100", "DELETE FROM t_ipk WHERE v = 'a'"},
    {"UPDATE t_comp SET z = 0", "DELETE FROM t_comp WHERE x = 'p'",
     "INSERT OR REPLACE INTO t_comp VALUES ('s', 1, 5)", "UPDATE t_comp SET y = y + 1000",
     "INSERT INTO t_comp VALUES ('t', 77, 7)", "DELETE FROM t_comp WHERE y = 3"},
};

static int showRow(void *p, int n, char **az, char **azCol) {
  (void)p;
  (void)azCol;
  fprintf(stderr, "  %s = %s\n", az[0], n > 1 && az[1] ? az[1] : "NULL");
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Choices c = {data, size, 0};
  sqlite3 *db = fuzzOpen(TARGET);
  int nOp, i, t;
  if (sqlite3_exec(db, zSetup, NULL, NULL, NULL) != SQLITE_OK) {
    fuzzDie(TARGET, "setup: %s", sqlite3_errmsg(db));
  }
  keysLoad(db);
  nOp = 1 + (int)pick(&c, 6);
  for (i = 0; i < nOp; i++) tamperOnce(db, &c);
  if (getenv("TITO_FUZZ_VERBOSE")) { /* triage: the store after tampering */
    sqlite3_exec(db, "SELECT hex(k), quote(v) FROM tito_store", showRow, NULL,
                 NULL);
  }

  for (t = 0; t < N_TABLE; t++) readTable(db, t);
  fuzzRun(TARGET, db, "SELECT tito_check()", NULL);
  for (t = 0; t < N_TABLE; t++) {
    unsigned m = pick(&c, 64); /* which writes, as bits */
    for (i = 0; i < 6; i++) {
      if (m & (1u << i)) fuzzRun(TARGET, db, azWrite[t][i], azTable[t]);
    }
  }
  for (t = 0; t < N_TABLE; t++) readTable(db, t);
  fuzzRun(TARGET, db, "SELECT tito_check()", NULL);
  /* Rename one table, drop another. */
  t = (int)pick(&c, N_TABLE);
  {
    char *z = sqlite3_mprintf("ALTER TABLE %s RENAME TO %s_renamed; SELECT * FROM %s_renamed",
                              azTable[t], azTable[t], azTable[t]);
    fuzzRun(TARGET, db, z, azTable[t]);
    sqlite3_free(z);
  }
  t = (int)pick(&c, N_TABLE);
  {
    char *z = sqlite3_mprintf("DROP TABLE IF EXISTS %s", azTable[t]);
    fuzzRun(TARGET, db, z, azTable[t]);
    sqlite3_free(z);
  }
  fuzzRun(TARGET, db, "SELECT tito_check()", NULL);
  keysFree();
  if (sqlite3_close(db) != SQLITE_OK) fuzzDie(TARGET, "close: statements left open");
  return 0;
}
