/*
** test_scan.c: unit tests of the engine's scans (src/scan.c) on the
** embedded store, without the SQLite virtual-table layer.
**
** A model with a rowid key, a composite index with a DESC field and a
** covering unique index is filled with generated rows; every scan shape
** (full, point, IN list, ranges both ways, batched index reads, covering
** entries, the widened ordered scan) is compared with the answer computed
** from the generated rows; then rows and entries are damaged under the
** scan's feet: a vanished row is skipped, damaged bytes are SQLITE_CORRUPT
** with a message naming the table.
*/
#include "scan.h"
#include "catalog.h"
#include "check.h"
#include "kv_embedded.h"

#include <stdlib.h>
#include <string.h>

#define NROW 150

/* Row i: id = i + 1, a = one of 5 names (NULL every 7th), b = i % 13,
** c = i * 0.5 (unique). */
static const char *azName[5] = {"ann", "bob", "cy", "dee", "eve"};

typedef struct fixture {
  sqlite3 *db;
  tito_kv *pKv;
  tito_table *pTab;
  tito_scan *pScan;
} fixture;

static void rowOf(int i, tito_value *a) {
  memset(a, 0, 4 * sizeof(*a));
  a[0].eType = SQLITE_INTEGER;
  a[0].i = i + 1;
  if (i % 7 == 3) {
    a[1].eType = SQLITE_NULL;
  } else {
    a[1].eType = SQLITE_TEXT;
    a[1].z = (const uint8_t *)azName[i % 5];
    a[1].n = (int)strlen(azName[i % 5]);
  }
  a[2].eType = SQLITE_INTEGER;
  a[2].i = i % 13;
  a[3].eType = SQLITE_FLOAT;
  a[3].r = i * 0.5;
}

static int setup(fixture *f) {
  static const char *azArg[] = {
      "id INTEGER PRIMARY KEY", "a TEXT", "b INTEGER", "c REAL",
      "INDEX by_ab(a, b DESC)", "UNIQUE INDEX by_c(c) INCLUDE (a)"};
  tito_model *pModel = 0;
  char *zErr = 0;
  uint32_t iId = 0;
  int i, rc;
  memset(f, 0, sizeof(*f));
  if (sqlite3_open(":memory:", &f->db) != SQLITE_OK) return 1;
  rc = tito_kv_embedded_open(f->db, "main", &f->pKv, &zErr);
  if (rc == TITO_OK) rc = tito_model_parse("t", 6, azArg, &pModel, &zErr);
  if (rc == TITO_OK) {
    rc = tito_catalog_create(f->pKv, "", "t", "def", 0, &iId, &zErr);
  }
  if (rc == SQLITE_OK) {
    rc = tito_table_open(f->db, pModel, f->pKv, iId, &f->pTab, &zErr);
  }
  for (i = 0; rc == SQLITE_OK && i < NROW; i++) {
    tito_value a[4];
    int64_t iRowid = i + 1;
    rowOf(i, a);
    rc = tito_table_insert(f->pTab, a, &iRowid, 1, TITO_ONCONFLICT_ABORT);
  }
  if (rc == SQLITE_OK) rc = tito_scan_new(f->pTab, &f->pScan);
  if (rc != SQLITE_OK) {
    printf("# setup failed (%d): %s\n", rc, zErr ? zErr : "");
  }
  sqlite3_free(zErr);
  return rc != SQLITE_OK;
}

static void teardown(fixture *f) {
  tito_scan_free(f->pScan);
  tito_table_close(f->pTab);
  if (f->pKv) f->pKv->pMethods->xClose(f->pKv);
  sqlite3_close(f->db);
}

/* Run the started scan to its end; the ids seen go to aId (at most NROW).
** Returns the count, or -1 on error. Checks every decoded row against the
** generated one. */
static int collect(fixture *f, int *aId) {
  int n = 0, rc = SQLITE_OK;
  while (rc == SQLITE_OK && !tito_scan_eof(f->pScan)) {
    tito_value *aVal, aWant[4];
    rc = tito_scan_row(f->pScan, &aVal);
    if (rc != SQLITE_OK || n >= NROW || aVal[0].eType != SQLITE_INTEGER) {
      return -1;
    }
    rowOf((int)aVal[0].i - 1, aWant);
    CHECK(aVal[1].eType == aWant[1].eType);
    if (aWant[1].eType == SQLITE_TEXT) {
      CHECK(aVal[1].n == aWant[1].n &&
            memcmp(aVal[1].z, aWant[1].z, aVal[1].n) == 0);
    }
    CHECK(aVal[3].eType == SQLITE_FLOAT && aVal[3].r == aWant[3].r);
    aId[n++] = (int)aVal[0].i;
    rc = tito_scan_next(f->pScan);
  }
  return rc == SQLITE_OK ? n : -1;
}

static tito_value intv(int64_t i) {
  tito_value v;
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_INTEGER;
  v.i = i;
  return v;
}

static tito_value textv(const char *z) {
  tito_value v;
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_TEXT;
  v.z = (const uint8_t *)z;
  v.n = (int)strlen(z);
  return v;
}

static tito_value realv(double r) {
  tito_value v;
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_FLOAT;
  v.r = r;
  return v;
}

static tito_scan_plan planOf(int iPath, int nEq) {
  tito_scan_plan p;
  memset(&p, 0, sizeof(p));
  p.iPath = iPath;
  p.nEq = nEq;
  return p;
}

static void testFullAndPk(fixture *f) {
  int aId[NROW], n, i;
  tito_scan_plan p = planOf(TITO_PATH_FULL, 0);
  tito_value v[3];
  CHECK(tito_scan_begin(f->pScan, &p) == SQLITE_OK);
  CHECK(tito_scan_add(f->pScan, 0, 0, 0) == SQLITE_OK);
  CHECK(tito_scan_start(f->pScan) == SQLITE_OK);
  n = collect(f, aId);
  CHECK(n == NROW);
  for (i = 0; i < n; i++) CHECK(aId[i] == i + 1);
  check_group("full scan in key order");

  /* IN list given out of order, with a repeat and an absent key. */
  p = planOf(TITO_PATH_PK, 1);
  tito_scan_begin(f->pScan, &p);
  v[0] = intv(40);
  tito_scan_add(f->pScan, v, 0, 0);
  v[0] = intv(3);
  tito_scan_add(f->pScan, v, 0, 0);
  v[0] = intv(999);
  tito_scan_add(f->pScan, v, 0, 0);
  v[0] = intv(40);
  tito_scan_add(f->pScan, v, 0, 0);
  CHECK(tito_scan_start(f->pScan) == SQLITE_OK);
  n = collect(f, aId);
  CHECK(n == 2 && aId[0] == 3 && aId[1] == 40);
  check_group("pk point reads: IN list sorted, deduplicated, absent skipped");

  /* 10 < id <= 20, forward and reverse. */
  p = planOf(TITO_PATH_PK, 0);
  p.eLo = TITO_BOUND_STRICT;
  p.eHi = TITO_BOUND_INCLUSIVE;
  v[1] = intv(10);
  v[2] = intv(20);
  tito_scan_begin(f->pScan, &p);
  tito_scan_add(f->pScan, 0, &v[1], &v[2]);
  tito_scan_start(f->pScan);
  n = collect(f, aId);
  CHECK(n == 10 && aId[0] == 11 && aId[9] == 20);
  p.bDesc = 1;
  tito_scan_begin(f->pScan, &p);
  tito_scan_add(f->pScan, 0, &v[1], &v[2]);
  tito_scan_start(f->pScan);
  n = collect(f, aId);
  CHECK(n == 10 && aId[0] == 20 && aId[9] == 11);
  /* A NULL bound matches nothing. */
  v[1].eType = SQLITE_NULL;
  tito_scan_begin(f->pScan, &p);
  tito_scan_add(f->pScan, 0, &v[1], &v[2]);
  tito_scan_start(f->pScan);
  CHECK(tito_scan_eof(f->pScan));
  check_group("pk ranges both ways, NULL bound");
}

/* The ids of rows with a = z and b in [lo, hi], in index order (b DESC,
** then id). */
static int expectAB(const char *z, int lo, int hi, int *aId) {
  int n = 0, b, i;
  for (b = 12; b >= 0; b--) {
    for (i = 0; i < NROW; i++) {
      tito_value a[4];
      rowOf(i, a);
      if (a[1].eType != SQLITE_TEXT || strcmp(azName[i % 5], z) != 0) continue;
      if (a[2].i == b && b >= lo && b <= hi) aId[n++] = i + 1;
    }
  }
  return n;
}

static void testIndex(fixture *f) {
  int aId[NROW], aWant[NROW], n, nWant, i;
  tito_scan_plan p = planOf(2, 1);
  tito_value v[2], lo, hi;
  /* a = 'bob': a non-covering scan, read in batches (more than 16 rows). */
  v[0] = textv("bob");
  tito_scan_begin(f->pScan, &p);
  tito_scan_add(f->pScan, v, 0, 0);
  CHECK(tito_scan_start(f->pScan) == SQLITE_OK);
  n = collect(f, aId);
  nWant = expectAB("bob", 0, 12, aWant);
  CHECK(nWant > 16 && n == nWant);
  for (i = 0; i < n && i < nWant; i++) CHECK(aId[i] == aWant[i]);
  check_group("index equality: batched rows in entry order");

  /* a = 'cy' AND b > 3 AND b <= 9 on the DESC field. */
  p.eLo = TITO_BOUND_STRICT;
  p.eHi = TITO_BOUND_INCLUSIVE;
  lo = intv(3);
  hi = intv(9);
  v[0] = textv("cy");
  tito_scan_begin(f->pScan, &p);
  tito_scan_add(f->pScan, v, &lo, &hi);
  tito_scan_start(f->pScan);
  n = collect(f, aId);
  nWant = expectAB("cy", 4, 9, aWant);
  CHECK(n == nWant);
  for (i = 0; i < n && i < nWant; i++) CHECK(aId[i] == aWant[i]);
  check_group("index range on a DESC field");

  /* Widened: the planner promised ORDER BY b (after a = ?), but only the
  ** whole index could be read: the rows come sorted by b DESC within a. */
  p = planOf(2, 0);
  p.bOrdered = 1;
  p.nOrderEq = 1;
  tito_scan_begin(f->pScan, &p);
  tito_scan_add_all(f->pScan);
  CHECK(tito_scan_start(f->pScan) == SQLITE_OK);
  n = collect(f, aId);
  CHECK(n == NROW);
  for (i = 1; i < n; i++) {
    tito_value a[4], b[4];
    rowOf(aId[i - 1] - 1, a);
    rowOf(aId[i] - 1, b);
    CHECK(a[2].i >= b[2].i);
  }
  check_group("widened ordered scan is sorted by the fields after nOrderEq");

  /* Unique covering index: point read and a range, entries alone. */
  p = planOf(3, 1);
  p.bCover = 1;
  v[0] = realv(21.5);
  tito_scan_begin(f->pScan, &p);
  tito_scan_add(f->pScan, v, 0, 0);
  tito_scan_start(f->pScan);
  n = collect(f, aId);
  CHECK(n == 1 && aId[0] == 44);
  p = planOf(3, 0);
  p.bCover = 1;
  p.eLo = TITO_BOUND_INCLUSIVE;
  lo = realv(70.0);
  tito_scan_begin(f->pScan, &p);
  tito_scan_add(f->pScan, 0, &lo, 0);
  tito_scan_start(f->pScan);
  n = collect(f, aId);
  CHECK(n == NROW - 140 && aId[0] == 141);
  check_group("covering unique index: point read and range");
}

/* Does value v equal column iCol of generated row i? */
static int sameAs(const tito_value *v, int i, int iCol) {
  tito_value a[4];
  rowOf(i, a);
  if (v->eType != a[iCol].eType) return 0;
  switch (v->eType) {
    case SQLITE_INTEGER: return v->i == a[iCol].i;
    case SQLITE_FLOAT: return v->r == a[iCol].r;
    case SQLITE_TEXT:
      return v->n == a[iCol].n && memcmp(v->z, a[iCol].z, v->n) == 0;
  }
  return 1;
}

/* Walk the started covering scan asking for the columns of aiCol (nCol of
** them; -1: the row key) one at a time, in that order: each must be the
** generated row's (b NULL unless bHasB), whatever was asked before it.
** Returns rows seen. */
static int walkColumns(fixture *f, const int *aiCol, int nCol, int bHasB) {
  int n = 0;
  while (!tito_scan_eof(f->pScan)) {
    tito_value *v;
    int i, iRow, nKey;
    /* The id first, through the row key: it names the row to compare. */
    const uint8_t *pKey = tito_scan_key(f->pScan, &nKey);
    tito_buf want = TITO_BUF_INIT;
    CHECK(pKey != 0);
    if (pKey == 0) return -1;
    n++;
    /* The first column asked decides what is decoded first. */
    iRow = -1;
    for (i = 0; i < nCol; i++) {
      if (aiCol[i] < 0) continue;
      CHECK(tito_scan_column(f->pScan, aiCol[i], &v) == SQLITE_OK);
      if (aiCol[i] == 0) iRow = (int)v->i - 1;
    }
    CHECK(tito_scan_column(f->pScan, 0, &v) == SQLITE_OK);
    if (iRow < 0) iRow = (int)v->i - 1;
    CHECK(iRow >= 0 && iRow < NROW);
    if (iRow < 0 || iRow >= NROW) return -1;
    for (i = 0; i < nCol; i++) {
      if (aiCol[i] < 0) continue;
      CHECK(tito_scan_column(f->pScan, aiCol[i], &v) == SQLITE_OK);
      if (aiCol[i] != 2 || bHasB) {
        CHECK(sameAs(v, iRow, aiCol[i]));
      } else {
        CHECK(v->eType == SQLITE_NULL);
      }
    }
    {
      tito_value id = intv(iRow + 1);
      tito_table_row_key(f->pTab, &id, &want);
      pKey = tito_scan_key(f->pScan, &nKey);
      CHECK(nKey == want.n && memcmp(pKey, want.a, nKey) == 0);
      tito_buf_free(&want);
    }
    if (tito_scan_next(f->pScan) != SQLITE_OK) return -1;
  }
  return n;
}

/* Columns of a covering entry are decoded as asked for, in any order:
** index fields, INCLUDE columns, the primary key from the entry's row key,
** and NULL for a column the entry does not hold. */
static void testColumns(fixture *f) {
  static const int aOrder[][3] = {
      {3, 1, 0}, {0, 3, 1}, {1, -1, 3}, {-1, 0, 1}, {1, 1, 0}};
  tito_scan_plan p;
  tito_value *v;
  int i;
  for (i = 0; i < (int)(sizeof(aOrder) / sizeof(aOrder[0])); i++) {
    p = planOf(3, 0); /* by_c(c) INCLUDE (a): every column but b */
    p.bCover = 1;
    tito_scan_begin(f->pScan, &p);
    tito_scan_add_all(f->pScan);
    CHECK(tito_scan_start(f->pScan) == SQLITE_OK);
    CHECK(walkColumns(f, aOrder[i], 3, 0) == NROW);
  }
  /* by_ab(a, b DESC): a and b from the key, id from its tail; the same
  ** with entries' values never read (the planner's "cover keys"). */
  for (i = 0; i < 2; i++) {
    tito_value eq = textv(i ? "cy" : "dee");
    static const int aiCol[3] = {0, 2, 1};
    p = planOf(2, 1);
    p.bCover = 1;
    p.bKeyOnly = i;
    tito_scan_begin(f->pScan, &p);
    tito_scan_add(f->pScan, &eq, 0, 0);
    CHECK(tito_scan_start(f->pScan) == SQLITE_OK);
    CHECK(walkColumns(f, aiCol, 3, 1) > 0);
  }
  p = planOf(2, 1);
  p.bCover = 1;
  {
    tito_value eq = textv("cy");
    static const int aiCol[3] = {2, 1, 0};
    int n;
    tito_scan_begin(f->pScan, &p);
    tito_scan_add(f->pScan, &eq, 0, 0);
    CHECK(tito_scan_start(f->pScan) == SQLITE_OK);
    n = walkColumns(f, aiCol, 3, 1);
    CHECK(n > 0);
  }
  /* b is not in by_c: NULL, whatever was decoded before. */
  p = planOf(3, 0);
  p.bCover = 1;
  tito_scan_begin(f->pScan, &p);
  tito_scan_add_all(f->pScan);
  CHECK(tito_scan_start(f->pScan) == SQLITE_OK);
  CHECK(tito_scan_column(f->pScan, 3, &v) == SQLITE_OK);
  CHECK(tito_scan_column(f->pScan, 2, &v) == SQLITE_OK &&
        v->eType == SQLITE_NULL);
  tito_scan_end(f->pScan);
  check_group("covering entries: columns decoded one at a time, in any "
              "order, each the row's own");
}

/* Delete a row's key behind the table's back, then damage another. */
static void testDamage(fixture *f) {
  tito_kv *pKv = f->pKv;
  tito_buf k = TITO_BUF_INIT;
  tito_value v[1], *aVal;
  tito_scan_plan p = planOf(2, 1);
  int aId[NROW], n, nWant, rc;
  v[0] = intv(2);
  tito_table_row_key(f->pTab, v, &k); /* row 2: a = 'bob' */
  CHECK(pKv->pMethods->xDelete(pKv, k.a, k.n) == TITO_OK);
  v[0] = textv("bob");
  tito_scan_begin(f->pScan, &p);
  tito_scan_add(f->pScan, v, 0, 0);
  tito_scan_start(f->pScan);
  n = collect(f, aId);
  nWant = expectAB("bob", 0, 12, aId + 0) - 1;
  CHECK(n == nWant);
  check_group("an entry whose row vanished is skipped");

  v[0] = intv(7);
  tito_table_row_key(f->pTab, v, &k);
  CHECK(pKv->pMethods->xPut(pKv, k.a, k.n, (const uint8_t *)"\xff\x01", 2) ==
        TITO_OK);
  p = planOf(TITO_PATH_PK, 1);
  tito_scan_begin(f->pScan, &p);
  tito_scan_add(f->pScan, v, 0, 0);
  tito_scan_start(f->pScan);
  rc = tito_scan_row(f->pScan, &aVal);
  CHECK(rc == SQLITE_CORRUPT);
  CHECK(strstr(tito_scan_errmsg(f->pScan), "t: corrupt") != 0);
  tito_scan_end(f->pScan);
  tito_buf_free(&k);
  check_group("damaged row bytes are SQLITE_CORRUPT naming the table");
}

/* The ids one scan shape yields with no LIMIT, then the same shape with
** LIMIT nLimit OFFSET nSkip must yield exactly the matching slice. */
static int sliceOk(fixture *f, const tito_scan_plan *pPlan,
                   const tito_value *aEq, int64_t nLimit, int64_t nSkip) {
  int aAll[NROW], aGot[NROW], nAll, nGot, i, nWant;
  tito_scan_plan p = *pPlan;
  tito_scan_begin(f->pScan, &p);
  tito_scan_add(f->pScan, aEq, 0, 0);
  if (tito_scan_start(f->pScan) != SQLITE_OK) return 0;
  nAll = collect(f, aAll);
  p.bLimit = nLimit >= 0;
  p.nLimit = nLimit;
  p.nSkip = nSkip;
  tito_scan_begin(f->pScan, &p);
  tito_scan_add(f->pScan, aEq, 0, 0);
  if (tito_scan_start(f->pScan) != SQLITE_OK) return 0;
  nGot = collect(f, aGot);
  nWant = nAll - (int)nSkip;
  if (nWant < 0) nWant = 0;
  if (nLimit >= 0 && nWant > nLimit) nWant = (int)nLimit;
  if (nGot != nWant) return 0;
  for (i = 0; i < nGot; i++) {
    if (aGot[i] != aAll[nSkip + i]) return 0;
  }
  return 1;
}

static void testLimitOffset(fixture *f) {
  tito_scan_plan p = planOf(TITO_PATH_FULL, 0);
  tito_value v[1];
  CHECK(sliceOk(f, &p, 0, 10, 0));
  CHECK(sliceOk(f, &p, 0, 10, 25));
  CHECK(sliceOk(f, &p, 0, 0, 0));
  CHECK(sliceOk(f, &p, 0, -1, 140));
  CHECK(sliceOk(f, &p, 0, 5, NROW + 3));
  p.bDesc = 1;
  CHECK(sliceOk(f, &p, 0, 7, 3));
  check_group("LIMIT/OFFSET on a full scan, both directions");

  /* A batched (non-covering) index scan: the slice crosses batches. */
  p = planOf(2, 1);
  v[0] = textv("bob");
  CHECK(sliceOk(f, &p, v, 20, 1));
  CHECK(sliceOk(f, &p, v, 3, 14));
  CHECK(sliceOk(f, &p, v, 1, 0));
  check_group("LIMIT/OFFSET on a batched index scan");

  /* A widened ordered scan (read whole and sorted). */
  p = planOf(2, 0);
  p.bOrdered = 1;
  p.nOrderEq = 1;
  tito_scan_begin(f->pScan, &p);
  {
    int aAll[NROW], aGot[NROW], nAll, nGot, i, bOk;
    tito_scan_add_all(f->pScan);
    CHECK(tito_scan_start(f->pScan) == SQLITE_OK);
    nAll = collect(f, aAll);
    p.bLimit = 1;
    p.nLimit = 30;
    p.nSkip = 100;
    tito_scan_begin(f->pScan, &p);
    tito_scan_add_all(f->pScan);
    CHECK(tito_scan_start(f->pScan) == SQLITE_OK);
    nGot = collect(f, aGot);
    bOk = nAll == NROW && nGot == 30;
    for (i = 0; bOk && i < nGot; i++) bOk = aGot[i] == aAll[100 + i];
    CHECK(bOk);
  }
  check_group("LIMIT/OFFSET on a sorted scan");
}

/* Start a scan of plan p over one range (aEq: its equality values) that
** reads key k also; the extra read's state (tito_scan_extra). */
static int startAlso(fixture *f, tito_scan_plan p, tito_value *aEq,
                     const tito_buf *k, const uint8_t **ppVal, int *pnVal) {
  tito_scan_begin(f->pScan, &p);
  tito_scan_add(f->pScan, aEq, 0, 0);
  if (k) CHECK(tito_scan_read_also(f->pScan, k->a, k->n) == SQLITE_OK);
  CHECK(tito_scan_start(f->pScan) == SQLITE_OK);
  return tito_scan_extra(f->pScan, ppVal, pnVal);
}

static void testReadAlso(fixture *f) {
  tito_buf k = TITO_BUF_INIT, none = TITO_BUF_INIT;
  const uint8_t *pVal;
  int aId[NROW], aWant[NROW], nVal, e;
  uint32_t iId = f->pTab->iModelId;
  tito_value v = intv(5);
  CHECK(tito_catalog_key(&k, "", "t") == SQLITE_OK);
  CHECK(tito_catalog_key(&none, "", "no_such_table") == SQLITE_OK);
  /* A point read by the primary key: one multi-get of both keys. */
  e = startAlso(f, planOf(TITO_PATH_PK, 1), &v, &k, &pVal, &nVal);
  CHECK(e == 2 && tito_catalog_entry_is(pVal, nVal, iId, "def"));
  CHECK(!tito_catalog_entry_is(pVal, nVal, iId, "other"));
  CHECK(!tito_catalog_entry_is(pVal, nVal, iId + 1, "def"));
  CHECK(collect(f, aId) == 1 && aId[0] == 5);
  v = intv(999); /* no such row; the key read also is absent */
  e = startAlso(f, planOf(TITO_PATH_PK, 1), &v, &none, &pVal, &nVal);
  CHECK(e == 1 && pVal == 0 && tito_scan_eof(f->pScan));
  /* A non-covering index scan: with its first batch of rows. */
  v = textv("bob");
  e = startAlso(f, planOf(2, 1), &v, &k, &pVal, &nVal);
  CHECK(e == 2 && tito_catalog_entry_is(pVal, nVal, iId, "def"));
  CHECK(collect(f, aId) == expectAB("bob", 0, 12, aWant));
  /* A range read does not read it; tito_scan_begin forgets it. */
  e = startAlso(f, planOf(TITO_PATH_FULL, 0), 0, &k, &pVal, &nVal);
  CHECK(e == 0 && pVal == 0);
  v = intv(5);
  e = startAlso(f, planOf(TITO_PATH_PK, 1), &v, 0, &pVal, &nVal);
  CHECK(e == 0);
  tito_buf_free(&k);
  tito_buf_free(&none);
  check_group("a key read also: with a point read or a batch of rows, in "
              "the same multi-get; not with a range; forgotten by begin");
}

int main(void) {
  fixture f;
  if (setup(&f)) return 1;
  testFullAndPk(&f);
  testIndex(&f);
  testReadAlso(&f);
  testLimitOffset(&f);
  testColumns(&f);
  testDamage(&f);
  teardown(&f);
  return check_exit();
}
