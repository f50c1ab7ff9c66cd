/*
** test_model_change.c: unit tests of change planning (src/model_change.c):
** the new argument list and model of every kind of change, the ids an
** index drop frees and moves, and every refusal with its words.
*/
#include "catalog.h"
#include "check.h"
#include "definition.h"
#include "index_ids.h"
#include "column_slots.h"
#include "rowcodec.h"
#include "table.h"
#include "kv_embedded.h"
#include "model.h"
#include "model_change.h"
#include "model_recheck.h"
#include <sqlite3.h>
#include <string.h>

#define NARG(a) ((int)(sizeof(a) / sizeof(a[0])))

static const char *const azUsers[] = {
    "id INTEGER PRIMARY KEY", "email TEXT NOT NULL", "name TEXT",
    "score REAL", "INDEX by_name(name)", "UNIQUE INDEX by_email(email)",
    "INDEX by_score(score) WHERE name IS NOT NULL", "TOPIC t WHERE score > 0"};

/* Plan zChange on the users model into c; returns the plan's code and
** puts its message (or "") in zOut. */
static tito_model *g_pUsers; /* the users model, parsed once */

static int plan(const char *zChange, tito_change *c, char *zOut, int nOut) {
  char *zErr = 0;
  int rc;
  if (g_pUsers == 0) {
    rc = tito_model_parse("users", NARG(azUsers), azUsers, &g_pUsers, &zErr);
    CHECK(rc == 0 && g_pUsers != 0);
  }
  rc = tito_change_plan("users", NARG(azUsers), (char *const *)azUsers,
                        g_pUsers, zChange, c, &zErr);
  snprintf(zOut, nOut, "%s", zErr ? zErr : "");
  sqlite3_free(zErr);
  return rc;
}

/* The new definition, joined by " | ". */
static void joined(const tito_change *c, char *zOut, int nOut) {
  int i, n = 0;
  zOut[0] = 0;
  for (i = 0; i < c->nArg && n < nOut; i++) {
    n += snprintf(zOut + n, nOut - n, "%s%s", i ? " | " : "", c->azArg[i]);
  }
}

static void test_add_index(void) {
  tito_change c;
  char z[1024];
  CHECK(plan("  ADD UNIQUE INDEX by_ns(name, score DESC)  ", &c, z,
             sizeof z) == SQLITE_OK);
  CHECK(c.eKind == TITO_CHANGE_ADD_INDEX && strcmp(c.zName, "by_ns") == 0);
  CHECK(c.nArg == NARG(azUsers) + 1 &&
        strcmp(c.azArg[c.nArg - 1], "UNIQUE INDEX by_ns(name, score DESC)") == 0);
  CHECK(c.pModel->nIndex == 4 && tito_change_builds(&c, 3) && c.pModel->aIndex[3].iId == 4 &&
        c.pModel->aIndex[3].bUnique);
  tito_change_free(&c);
  CHECK(plan("ADD INDEX by_name(email)", &c, z, sizeof z) == SQLITE_ERROR &&
        strstr(z, "duplicate index name \"by_name\"") != 0);
  tito_change_free(&c);
  CHECK(plan("ADD by_x(name)", &c, z, sizeof z) == SQLITE_ERROR &&
        strstr(z, "ADD takes an index clause") != 0);
  tito_change_free(&c);
  check_group("model change: ADD INDEX appends the clause; the new index takes the next id");
}

static void test_drop_index(void) {
  tito_change c, c2;
  char z[1024], *zErr = 0;
  CHECK(plan("DROP INDEX by_name", &c, z, sizeof z) == SQLITE_OK);
  joined(&c, z, sizeof z);
  /* the clause leaves; the others keep their ids */
  CHECK(strcmp(z, "id INTEGER PRIMARY KEY | email TEXT NOT NULL | name TEXT | "
                  "score REAL | UNIQUE INDEX by_email(email) | "
                  "INDEX by_score(score) WHERE name IS NOT NULL | "
                  "TOPIC t WHERE score > 0") == 0);
  CHECK(tito_change_clears(&c, 0) && !tito_change_clears(&c, 1) &&
        !tito_change_clears(&c, 2) && !tito_change_builds(&c, 0) &&
        !tito_change_builds(&c, 1));
  CHECK(strcmp(c.pModel->aIndex[0].zName, "by_email") == 0 &&
        c.pModel->aIndex[0].iId == 2 && c.pModel->aIndex[1].iId == 3 &&
        c.pModel->iIdNext == 4);
  /* an index added next takes an id never given, not the freed one */
  memset(&c2, 0, sizeof(c2));
  CHECK(tito_change_plan("users", c.nArg, c.azArg, c.pModel,
                         "ADD INDEX by_name2(name)", &c2, &zErr) == SQLITE_OK);
  sqlite3_free(zErr);
  CHECK(c2.pModel && c2.pModel->nIndex == 3 &&
        c2.pModel->aIndex[2].iId == 4 && c2.pModel->iIdNext == 5 &&
        tito_change_builds(&c2, 2) && !tito_change_builds(&c2, 0));
  tito_change_free(&c2);
  tito_change_free(&c);
  CHECK(plan("DROP INDEX \"by_score\"", &c, z, sizeof z) == SQLITE_OK);
  CHECK(tito_change_clears(&c, 2) && !tito_change_clears(&c, 0) &&
        !tito_change_clears(&c, 1) && !tito_change_builds(&c, 0) &&
        !tito_change_builds(&c, 1) && c.pModel->nIndex == 2);
  tito_change_free(&c);
  CHECK(plan("DROP INDEX nope", &c, z, sizeof z) == SQLITE_ERROR &&
        strcmp(z, "users has no index nope") == 0);
  tito_change_free(&c);
  check_group("model change: DROP INDEX leaves the other ids alone; a new "
              "index takes an id never given");
}

static void test_columns(void) {
  tito_change c;
  char z[1024];
  CHECK(plan("ADD COLUMN age INTEGER DEFAULT 0 ", &c, z, sizeof z) == SQLITE_OK);
  CHECK(c.eKind == TITO_CHANGE_ADD_COLUMN && c.pModel->nCol == 5 &&
        strcmp(c.azArg[4], "age INTEGER DEFAULT 0") == 0 &&
        !tito_change_builds(&c, 0) && !tito_change_clears(&c, 0));
  tito_change_free(&c);
  CHECK(plan("ADD COLUMN n INT NOT NULL", &c, z, sizeof z) == SQLITE_ERROR &&
        strcmp(z, "Cannot add a NOT NULL column with default value NULL") == 0);
  tito_change_free(&c);
  CHECK(plan("ADD COLUMN t TEXT DEFAULT (datetime('now'))", &c, z, sizeof z) ==
            SQLITE_ERROR &&
        strcmp(z, "Cannot add a column with non-constant default") == 0);
  tito_change_free(&c);
  CHECK(plan("ADD COLUMN u TEXT UNIQUE", &c, z, sizeof z) == SQLITE_ERROR &&
        strstr(z, "Cannot add a UNIQUE column") != 0);
  tito_change_free(&c);
  CHECK(plan("RENAME COLUMN email TO mail", &c, z, sizeof z) == SQLITE_ERROR &&
        strstr(z, "index by_email uses it") != 0);
  tito_change_free(&c);
  CHECK(plan("DROP COLUMN name", &c, z, sizeof z) == SQLITE_ERROR &&
        strstr(z, "index by_name uses it") != 0);
  tito_change_free(&c);
  CHECK(plan("DROP COLUMN score", &c, z, sizeof z) == SQLITE_ERROR &&
        strstr(z, "index by_score uses it") != 0);
  tito_change_free(&c);
  CHECK(plan("DROP COLUMN id", &c, z, sizeof z) == SQLITE_ERROR &&
        strstr(z, "the PRIMARY KEY uses it") != 0);
  tito_change_free(&c);
  CHECK(plan("RENAME name TO \"full name\"", &c, z, sizeof z) == SQLITE_ERROR);
  tito_change_free(&c);
  check_group("model change: ADD COLUMN after the last column, SQLite's rules; DROP/RENAME refuse a used column");
}

static void test_free_columns(void) {
  static const char *const az[] = {"id INTEGER PRIMARY KEY", "a TEXT",
                                   "\"b c\" INT DEFAULT 1", "INDEX by_a(a)"};
  tito_model *pOld = 0;
  tito_change c;
  char *zErr = 0, z[512];
  CHECK(tito_model_parse("t", NARG(az), az, &pOld, &zErr) == 0);
  CHECK(tito_change_plan("t", NARG(az), (char *const *)az, pOld,
                         "RENAME COLUMN \"b c\" TO d", &c, &zErr) == SQLITE_OK);
  joined(&c, z, sizeof z);
  CHECK(strcmp(z, "id INTEGER PRIMARY KEY | a TEXT | \"d\" INT DEFAULT 1 | "
                  "INDEX by_a(a)") == 0 && c.iCol == 2);
  tito_change_free(&c);
  CHECK(tito_change_plan("t", NARG(az), (char *const *)az, pOld,
                         "DROP COLUMN \"b c\"", &c, &zErr) == SQLITE_OK);
  CHECK(c.eKind == TITO_CHANGE_DROP_COLUMN && c.nArg == 3 && c.iCol == 2 &&
        c.pModel->nCol == 2);
  tito_change_free(&c);
  CHECK(tito_change_plan("t", NARG(az), (char *const *)az, pOld,
                         "RENAME COLUMN a TO id", &c, &zErr) == SQLITE_ERROR);
  CHECK(zErr && strstr(zErr, "index by_a uses it") != 0);
  sqlite3_free(zErr);
  tito_change_free(&c);
  tito_model_free(pOld);
  check_group("model change: RENAME and DROP of a column nothing uses (quoted names)");
}

/* The catalog gets definition zDef for t; with aId (ids of its indexes in
** order, then the next id; NULL: positions) recorded. */
static void define(tito_table *pTab, const char *zDef, const uint32_t *aId) {
  tito_model *pM = 0;
  char **az = 0, *zErr = 0;
  int n = 0, i;
  CHECK(tito_catalog_redefine(pTab->pKv, "", "t", zDef, &zErr) == SQLITE_OK);
  CHECK(tito_def_split(zDef, &n, &az) == SQLITE_OK);
  CHECK(tito_model_parse("t", n, (const char *const *)az, &pM, &zErr) == 0);
  if (pM) {
    for (i = 0; i < pM->nIndex; i++) {
      pM->aIndex[i].iId = aId ? aId[i] : (uint32_t)i + 1;
    }
    pM->iIdNext = aId ? aId[pM->nIndex] : (uint32_t)pM->nIndex + 1;
    CHECK(tito_index_ids_save(pTab, pM) == SQLITE_OK);
  }
  tito_model_free(pM);
  tito_def_free(n, az);
  sqlite3_free(zErr);
}

/* tito_model_holds of pTab's index iIndex (-1: rows only) against the
** catalog's entry: bHolds * 10 + bSame, or -10 for rows unreadable. */
static int holds(tito_table *pTab, uint32_t iId, const char *zDef,
                 int iIndex) {
  char *zErr = 0;
  int bHolds = 9, bSame = 9;
  CHECK(tito_model_holds(pTab, "t", iId, zDef, iIndex, &bHolds, &bSame,
                         &zErr) == SQLITE_OK);
  sqlite3_free(zErr);
  return bHolds * 10 + bSame;
}

/* What a table of a shared store reads by its model, against what another
** database made of the catalog (src/model_recheck.h), on the embedded
** store's keys. */
static void test_holds(void) {
  static const char *const azT[] = {"id INTEGER PRIMARY KEY", "a", "b",
                                    "INDEX ia(a)", "INDEX ib(b)"};
  const char *zDef = "id INTEGER PRIMARY KEY, a, b, INDEX ia(a), INDEX ib(b)";
  static const uint32_t aIb[] = {2, 3}, aIbIa[] = {2, 3, 4};
  sqlite3 *db = 0;
  tito_kv *pKv = 0;
  tito_model *pModel = 0;
  tito_table *pTab = 0;
  char *zErr = 0;
  uint32_t iId = 0;
  CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
  CHECK(tito_kv_embedded_open(db, "main", &pKv, &zErr) == TITO_OK);
  CHECK(tito_model_parse("t", NARG(azT), azT, &pModel, &zErr) == 0);
  CHECK(tito_catalog_create(pKv, "", "t", zDef, 0, &iId, &zErr) == 0);
  CHECK(tito_table_open(db, pModel, pKv, iId, &pTab, &zErr) == SQLITE_OK);
  if (pTab == 0) {
    check_group("model holds: setup");
    return;
  }
  CHECK(holds(pTab, iId, zDef, 1) == 11);     /* unchanged */
  define(pTab, "id INTEGER PRIMARY KEY, a, b, INDEX ia(a)", 0);
  CHECK(holds(pTab, iId, zDef, 0) == 10);     /* ia kept */
  CHECK(holds(pTab, iId, zDef, 1) == 0);      /* ib dropped */
  CHECK(holds(pTab, iId, zDef, -1) == 10);    /* rows readable */
  define(pTab, "id INTEGER PRIMARY KEY, a, b, INDEX ib(b)", aIb);
  CHECK(holds(pTab, iId, zDef, 1) == 10);     /* ib moved, its id kept */
  CHECK(holds(pTab, iId, zDef, 0) == 0);      /* ia dropped */
  define(pTab, "id INTEGER PRIMARY KEY, a, b, INDEX ib(b), INDEX ia(a)",
         aIbIa);
  CHECK(holds(pTab, iId, zDef, 0) == 0);      /* ia again: another id */
  define(pTab, "id INTEGER PRIMARY KEY, a, b, c, INDEX ia(a), INDEX ib(b)",
         0);
  CHECK(holds(pTab, iId, zDef, 0) == 10);     /* a column added */
  define(pTab, "id INTEGER PRIMARY KEY, b, INDEX ib(b)", 0);
  CHECK(holds(pTab, iId, zDef, -1) == -10);   /* a column dropped */
  CHECK(holds(pTab, iId + 1, zDef, 0) == 10); /* re-created: not followed */
  sqlite3_free(zErr);
  tito_table_close(pTab);
  pKv->pMethods->xClose(pKv);
  sqlite3_close(db);
  check_group("model holds: an index dropped elsewhere (also moved, or "
              "added again under another id) is not read, rows of dropped "
              "columns are not");
}

static tito_value intValue(int64_t i) {
  tito_value v;
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_INTEGER;
  v.i = i;
  return v;
}

/* Row id of pTab decoded by its model into a (nCol values); the count of
** values the row holds in *pnStored. */
static int readRow(tito_table *pTab, int64_t id, tito_value *a,
                   int *pnStored, tito_buf *pKeep) {
  tito_value k = intValue(id);
  tito_buf key = TITO_BUF_INIT;
  const uint8_t *pVal;
  int nVal, rc;
  tito_table_row_key(pTab, &k, &key);
  rc = pTab->pKv->pMethods->xGet(pTab->pKv, key.a, key.n, &pVal, &nVal);
  tito_buf_free(&key);
  if (rc != TITO_OK) return rc;
  pKeep->n = 0;
  tito_buf_append(pKeep, pVal, nVal);
  tito_row_decode_n(pKeep->a, pKeep->n, 0, 0, pnStored);
  return tito_table_decode_row(pTab, pKeep->a, pKeep->n, a);
}

/* DROP COLUMN keeps the column's slot (src/column_slots.h): no row is
** rewritten, rows of both layouts read right, new rows hold NULL there;
** a column added later takes the next slot; the slots survive a reopen. */
static void test_slots(void) {
  static const char *const azT[] = {"id INTEGER PRIMARY KEY", "a", "b", "c"};
  sqlite3 *db = 0;
  tito_kv *pKv = 0;
  tito_model *pModel = 0, *pAgain = 0;
  tito_table *pTab = 0, *pNew = 0, *pAdd = 0;
  tito_change c, c2;
  tito_value a[5];
  tito_buf keep = TITO_BUF_INIT;
  char *zErr = 0;
  int64_t iRowid = 1;
  int nStored = 0, i;
  memset(&c, 0, sizeof(c));
  memset(&c2, 0, sizeof(c2));
  CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
  CHECK(tito_kv_embedded_open(db, "main", &pKv, &zErr) == TITO_OK);
  CHECK(tito_model_parse("t", NARG(azT), azT, &pModel, &zErr) == 0);
  CHECK(tito_table_open(db, pModel, pKv, 7, &pTab, &zErr) == SQLITE_OK);
  if (pTab == 0) return;
  for (i = 0; i < 4; i++) a[i] = intValue(10 + i);
  a[0] = intValue(1);
  CHECK(tito_table_insert(pTab, a, &iRowid, 1, 0) == SQLITE_OK);
  /* b dropped: its slot stays, the next column keeps slot 3. */
  CHECK(tito_change_plan("t", NARG(azT), (char *const *)azT, pTab->pModel,
                         "DROP COLUMN b", &c, &zErr) == SQLITE_OK);
  CHECK(c.pModel && c.pModel->nCol == 3 && c.pModel->nSlot == 4 &&
        c.pModel->aCol[1].iSlot == 1 && c.pModel->aCol[2].iSlot == 3);
  CHECK(tito_column_slots_save(pTab, c.pModel) == SQLITE_OK);
  CHECK(tito_table_open(db, c.pModel, pKv, 7, &pNew, &zErr) == SQLITE_OK);
  c.pModel = 0; /* the table's now */
  CHECK(readRow(pNew, 1, a, &nStored, &keep) == SQLITE_OK && nStored == 4 &&
        a[0].i == 1 && a[1].i == 11 && a[2].i == 13);
  a[0] = intValue(2);
  a[1] = intValue(21);
  a[2] = intValue(23);
  iRowid = 2;
  CHECK(tito_table_insert(pNew, a, &iRowid, 1, 0) == SQLITE_OK);
  CHECK(readRow(pNew, 2, a, &nStored, &keep) == SQLITE_OK && nStored == 4 &&
        a[1].i == 21 && a[2].i == 23);
  CHECK(readRow(pTab, 2, a, &nStored, &keep) == SQLITE_OK &&
        a[2].eType == SQLITE_NULL && a[3].i == 23); /* the old model's view */
  /* d added after: slot 4; rows without it read NULL (no default set). */
  {
    static const char *const azN[] = {"id INTEGER PRIMARY KEY", "a", "c"};
    CHECK(tito_change_plan("t", NARG(azN), (char *const *)azN, pNew->pModel,
                           "ADD COLUMN d", &c2, &zErr) == SQLITE_OK);
  }
  CHECK(c2.pModel && c2.pModel->nSlot == 5 && c2.pModel->aCol[3].iSlot == 4);
  CHECK(tito_table_open(db, c2.pModel, pKv, 7, &pAdd, &zErr) == SQLITE_OK);
  c2.pModel = 0;
  CHECK(readRow(pAdd, 1, a, &nStored, &keep) == SQLITE_OK && a[1].i == 11 &&
        a[2].i == 13 && a[3].eType == SQLITE_NULL);
  /* A model parsed from the definition alone takes the recorded slots. */
  {
    static const char *const azN[] = {"id INTEGER PRIMARY KEY", "a", "c"};
    CHECK(tito_model_parse("t", NARG(azN), azN, &pAgain, &zErr) == 0);
    CHECK(pAgain && tito_column_slots_read(pNew, pAgain) == SQLITE_OK &&
          pAgain->nSlot == 4 && pAgain->aCol[2].iSlot == 3);
    tito_model_free(pAgain);
  }
  sqlite3_free(zErr);
  tito_buf_free(&keep);
  tito_change_free(&c);
  tito_change_free(&c2);
  tito_table_close(pAdd);
  tito_table_close(pNew);
  tito_table_close(pTab);
  pKv->pMethods->xClose(pKv);
  sqlite3_close(db);
  check_group("column slots: DROP COLUMN rewrites no row, both layouts "
              "read right, ADD COLUMN takes the next slot, slots recorded");
}

int main(void) {
  test_holds();
  test_slots();
  test_add_index();
  test_drop_index();
  test_columns();
  test_free_columns();
  tito_model_free(g_pUsers);
  return check_exit();
}
