/*
** test_index_backfill.c: unit tests of an index built in steps while
** writes go on (src/index_backfill.c) on the embedded store, without the
** SQLite virtual-table layer.
**
** A model of NROW rows gets a unique index built BATCH rows at a time;
** between steps rows the build reached and rows it did not are updated,
** deleted and inserted through the table's write path. After every step
** tito_backfill_check (tito_table_check knowing the build's progress)
** must be ok, and
** after the last the index must hold exactly the rows' entries. Two old
** rows sharing a value: the build fails on reaching the second, unless a
** write changed it first (and that write must not take the first row's
** entry away).
*/
#include "index_backfill.h"
#include "catalog.h"
#include "check.h"
#include "kv_embedded.h"

#include <string.h>

#define NROW 300
#define BATCH 40

typedef struct fixture {
  sqlite3 *db;
  tito_kv *pKv;
  tito_table *pTab; /* the model with the index being built */
} fixture;

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

/* Write row (id, u, g): insert, or update the row with that id. */
static int put(fixture *f, int64_t id, const char *zU, int g, int bUpdate) {
  tito_value a[3];
  tito_buf key = TITO_BUF_INIT;
  int64_t iRowid = id;
  int rc;
  a[0] = intv(id);
  a[1] = textv(zU);
  a[2] = intv(g);
  if (!bUpdate) {
    return tito_table_insert(f->pTab, a, &iRowid, 1, TITO_ONCONFLICT_ABORT);
  }
  tito_table_row_key(f->pTab, &a[0], &key);
  rc = tito_table_update(f->pTab, key.a, key.n, a, &iRowid, 1,
                         TITO_ONCONFLICT_ABORT);
  tito_buf_free(&key);
  return rc;
}

static int del(fixture *f, int64_t id) {
  tito_value v = intv(id);
  tito_buf key = TITO_BUF_INIT;
  int rc;
  tito_table_row_key(f->pTab, &v, &key);
  rc = tito_table_delete(f->pTab, key.a, key.n);
  tito_buf_free(&key);
  return rc;
}

/* NROW rows under a model without the index; then the table reopened with
** the model that declares UNIQUE INDEX by_u(u), its build begun. */
static int setup(fixture *f, const char *zDup, tito_backfill **pp) {
  static const char *azOld[] = {"id INTEGER PRIMARY KEY", "u TEXT",
                                "g INTEGER"};
  static const char *azNew[] = {"id INTEGER PRIMARY KEY", "u TEXT",
                                "g INTEGER", "UNIQUE INDEX by_u(u)"};
  tito_model *pModel = 0;
  char *zErr = 0;
  uint32_t iId = 0;
  int i, rc;
  memset(f, 0, sizeof(*f));
  if (sqlite3_open(":memory:", &f->db) != SQLITE_OK) return 1;
  rc = tito_kv_embedded_open(f->db, "main", &f->pKv, &zErr);
  if (rc == TITO_OK) rc = tito_model_parse("t", 3, azOld, &pModel, &zErr);
  if (rc == TITO_OK) {
    rc = tito_catalog_create(f->pKv, "", "t", "def", 0, &iId, &zErr);
  }
  if (rc == SQLITE_OK) {
    rc = tito_table_open(f->db, pModel, f->pKv, iId, &f->pTab, &zErr);
  }
  for (i = 1; rc == SQLITE_OK && i <= NROW; i++) {
    char z[32];
    /* Rows 30 and 250 share zDup (when given). */
    snprintf(z, sizeof(z), "u%d", i);
    rc = put(f, i, zDup && (i == 30 || i == 250) ? zDup : z, i % 7, 0);
  }
  tito_table_close(f->pTab);
  f->pTab = 0;
  if (rc == SQLITE_OK) rc = tito_model_parse("t", 4, azNew, &pModel, &zErr);
  if (rc == SQLITE_OK) {
    rc = tito_table_open(f->db, pModel, f->pKv, iId, &f->pTab, &zErr);
  }
  if (rc == SQLITE_OK) {
    rc = tito_backfill_begin(f->pTab, &f->pTab->pModel->aIndex[0], 0, 1000,
                             pp);
  }
  if (rc == SQLITE_OK) rc = tito_backfill_attach(f->pTab);
  if (rc != SQLITE_OK) printf("# setup failed (%d): %s\n", rc, zErr ? zErr : "");
  sqlite3_free(zErr);
  return rc != SQLITE_OK;
}

static void teardown(fixture *f) {
  tito_table_close(f->pTab);
  if (f->pKv) f->pKv->pMethods->xClose(f->pKv);
  sqlite3_close(f->db);
}

/* tito_table_check says ok. */
static int checkOk(fixture *f) {
  char *zRep = 0;
  int rc = tito_backfill_check(f->pTab, &zRep);
  if (zRep) printf("# %s\n", zRep);
  sqlite3_free(zRep);
  return rc == SQLITE_OK && zRep == 0;
}

/* The build's record, saved and loaded back. */
static void testRecord(void) {
  fixture f;
  tito_backfill *b = 0, *c = 0;
  CHECK(setup(&f, 0, &b) == 0);
  /* In key order (an embedded store): counted by the first gather. */
  CHECK(b && b->bSorted && b->nTotal == -1 && b->nDone == 0 &&
        b->done.n == 0 && b->iStarted == 1000);
  CHECK(f.pTab->pModel->aIndex[0].bBuilding == 1);
  CHECK(tito_backfill_load(f.pTab, &c) == SQLITE_OK && c);
  CHECK(c && strcmp(c->zIndex, "by_u") == 0 && c->nTotal == -1 &&
        c->bSorted && c->end.n == 0 && b->end.n == 0);
  CHECK(tito_backfill_remove(f.pTab) == SQLITE_OK);
  tito_backfill_free(c);
  c = 0;
  CHECK(tito_backfill_load(f.pTab, &c) == SQLITE_OK && c == 0);
  tito_backfill_free(b);
  teardown(&f);
  check_group("backfill: the record round-trips, the index is marked");
}

/* Steps of BATCH rows with writes between them. The entries are gathered
** once (an embedded store's build is in key order, index_sorted.h), so the
** writes make some of them stale: their rows are read again. */
static void testSteps(int nMemory) {
  fixture f;
  tito_backfill *b = 0, *c = 0;
  tito_sorted *pSorted = 0;
  int bEnd = 0, nStep = 0, rc = SQLITE_OK, bAllOk = 1;
  char *zErr = 0;
  CHECK(setup(&f, 0, &b) == 0);
  CHECK(b && b->bSorted);
  while (rc == SQLITE_OK && !bEnd) {
    char z[32];
    int64_t k = (nStep * BATCH) % NROW + 1; /* a row the build reached */
    rc = tito_backfill_step(f.pTab, b, BATCH, nMemory, &pSorted, &bEnd,
                            &zErr);
    nStep++;
    if (nStep == 1 && b->nTotal != NROW) bAllOk = 0; /* the gather counts */
    if (rc != SQLITE_OK || bEnd) break;
    snprintf(z, sizeof(z), "w%d", nStep);
    if (put(&f, k, z, 1, 1) != SQLITE_OK) bAllOk = 0; /* reached */
    snprintf(z, sizeof(z), "x%d", nStep);
    if (put(&f, NROW - nStep, z, 2, 1) != SQLITE_OK) bAllOk = 0; /* not */
    if (del(&f, NROW - 100 - nStep) != SQLITE_OK) bAllOk = 0;
    snprintf(z, sizeof(z), "n%d", nStep);
    if (put(&f, 1000 + nStep, z, 3, 0) != SQLITE_OK) bAllOk = 0; /* new */
    /* A value a reached row holds is refused (row 10 keeps u10: the first
    ** step reaches it in either order, rows 1-40 or values u1 to u128). */
    if (put(&f, 2000 + nStep, "u10", 3, 0) != SQLITE_CONSTRAINT_UNIQUE) {
      bAllOk = 0;
    }
    if (!checkOk(&f)) bAllOk = 0;
  }
  CHECK(rc == SQLITE_OK && bEnd && bAllOk);
  /* In one gather, steps of BATCH; gathers of fewer entries (nMemory):
  ** steps of what each kept. */
  CHECK(nMemory ? nStep > (NROW + BATCH - 1) / BATCH
                : nStep == (NROW + BATCH - 1) / BATCH);
  tito_sorted_free(pSorted);
  CHECK(tito_backfill_load(f.pTab, &c) == SQLITE_OK && c == 0);
  f.pTab->pModel->aIndex[0].bBuilding = 0; /* complete: checked whole */
  CHECK(checkOk(&f));
  if (zErr) printf("# %s\n", zErr);
  sqlite3_free(zErr);
  tito_backfill_free(b);
  tito_backfill_free(c);
  teardown(&f);
  check_group(nMemory ? "backfill: gathers of a few entries at a time, "
                        "writes between the steps, the index exact"
                      : "backfill: steps with writes between them, the "
                        "index exact");
}

/* Two old rows share a value. */
static void testShared(void) {
  fixture f;
  tito_backfill *b = 0;
  char *zErr = 0;
  int bEnd = 0, rc;
  /* Not resolved: the build fails on the second row, naming the value. */
  CHECK(setup(&f, "zz", &b) == 0);
  rc = tito_backfill_step(f.pTab, b, 0, 0, 0, &bEnd, &zErr);
  CHECK(rc == SQLITE_CONSTRAINT_UNIQUE && zErr && strstr(zErr, "'zz'"));
  sqlite3_free(zErr);
  zErr = 0;
  tito_backfill_free(b);
  teardown(&f);
  /* Resolved by a write to the row not reached: the first row keeps its
  ** entry (the write leaves another row's entry alone). Rows 30 and 250
  ** hold "zz", the largest value: a first step of 100 reaches neither in
  ** key order, row 30 only in row order. */
  CHECK(setup(&f, "zz", &b) == 0);
  rc = tito_backfill_step(f.pTab, b, 100, 0, 0, &bEnd, &zErr);
  CHECK(rc == SQLITE_OK && !bEnd);
  CHECK(put(&f, 250, "fixed", 0, 1) == SQLITE_OK);
  CHECK(checkOk(&f));
  rc = tito_backfill_step(f.pTab, b, 0, 0, 0, &bEnd, &zErr);
  CHECK(rc == SQLITE_OK && bEnd);
  f.pTab->pModel->aIndex[0].bBuilding = 0;
  CHECK(checkOk(&f));
  if (zErr) printf("# %s\n", zErr);
  sqlite3_free(zErr);
  tito_backfill_free(b);
  teardown(&f);
  check_group("backfill: a value two old rows share fails the build, unless "
              "a write changes one first");
}

/* A dropped index's entries deleted in steps: tito_check, with the
** model that no longer has the index, passes over the ones left. */
static void testClear(void) {
  fixture f;
  tito_backfill *b = 0, *c = 0;
  tito_model *pModel = 0;
  tito_table *pOld;
  tito_index dropped;
  char *zErr = 0;
  int bEnd = 0, nStep = 0, rc = SQLITE_OK, bAllOk = 1;
  uint32_t iId;
  CHECK(setup(&f, 0, &b) == 0);
  CHECK(tito_backfill_step(f.pTab, b, 0, 0, 0, &bEnd, &zErr) == SQLITE_OK && bEnd);
  tito_backfill_free(b);
  b = 0;
  /* The model without the index: the entries are left under its id. */
  iId = f.pTab->pModel->aIndex[0].iId;
  {
    static const char *azOld[] = {"id INTEGER PRIMARY KEY", "u TEXT",
                                  "g INTEGER"};
    CHECK(tito_model_parse("t", 3, azOld, &pModel, &zErr) == SQLITE_OK);
  }
  pOld = f.pTab;
  CHECK(tito_table_open(f.db, pModel, f.pKv, pOld->iModelId, &f.pTab,
                        &zErr) == SQLITE_OK);
  tito_table_close(pOld);
  memset(&dropped, 0, sizeof(dropped));
  dropped.zName = (char *)"by_u";
  dropped.iId = iId;
  CHECK(tito_backfill_begin(f.pTab, &dropped, 1, 1000, &b) == SQLITE_OK);
  CHECK(b && b->bClear && b->iClearId == iId && b->nTotal == NROW);
  bEnd = 0;
  while (rc == SQLITE_OK && !bEnd) {
    rc = tito_backfill_step(f.pTab, b, BATCH, 0, 0, &bEnd, &zErr);
    nStep++;
    if (!bEnd && !checkOk(&f)) bAllOk = 0;
    if (!bEnd && b->nDone != nStep * BATCH) bAllOk = 0;
  }
  CHECK(rc == SQLITE_OK && bAllOk && b->nDone == NROW);
  CHECK(tito_backfill_load(f.pTab, &c) == SQLITE_OK && c == 0);
  CHECK(checkOk(&f)); /* no record: an entry left would be a stray */
  if (zErr) printf("# %s\n", zErr);
  sqlite3_free(zErr);
  tito_backfill_free(b);
  tito_backfill_free(c);
  teardown(&f);
  check_group("backfill: a dropped index's entries deleted in steps");
}

/* A store counter (xStats) by name. */
typedef struct stat_find {
  const char *zName;
  int64_t v;
} stat_find;

static int statFind(void *pCtx, const char *zName, int64_t iValue) {
  stat_find *s = pCtx;
  if (strcmp(zName, s->zName) == 0) s->v = iValue;
  return 0;
}

static int64_t storeStat(fixture *f, const char *zName) {
  stat_find s;
  s.zName = zName;
  s.v = -1;
  f->pKv->pMethods->xStats(f->pKv, statFind, &s);
  return s.v;
}

/* The model's records read ahead (a table's opening, table.h): one
** multi-get, each record handed out once, then read from the store again;
** a record written meanwhile is never answered from the read-ahead copy. */
static void testPrefetch(void) {
  fixture f;
  tito_backfill *b = 0, *c = 0;
  const uint8_t *pVal;
  int nVal;
  int64_t nGet, nMulti;
  CHECK(setup(&f, 0, &b) == 0);
  nGet = storeStat(&f, "gets");
  nMulti = storeStat(&f, "multi_gets");
  CHECK(tito_table_records_prefetch(f.pTab) == SQLITE_OK);
  CHECK(tito_backfill_load(f.pTab, &c) == SQLITE_OK && c &&
        strcmp(c->zIndex, "by_u") == 0);
  tito_backfill_free(c);
  c = 0;
  CHECK(tito_table_record_get(f.pTab, TITO_KIND_STATS, &pVal, &nVal) ==
        TITO_NOTFOUND);
  CHECK(storeStat(&f, "multi_gets") == nMulti + 1 &&
        storeStat(&f, "gets") == nGet);
  /* Handed out once: the second read is the store's. */
  CHECK(tito_backfill_load(f.pTab, &c) == SQLITE_OK && c);
  tito_backfill_free(c);
  c = 0;
  CHECK(storeStat(&f, "gets") == nGet + 1);
  /* Written after the read-ahead: the store's bytes, not the copy's. */
  CHECK(tito_table_records_prefetch(f.pTab) == SQLITE_OK);
  CHECK(tito_backfill_remove(f.pTab) == SQLITE_OK);
  CHECK(tito_backfill_load(f.pTab, &c) == SQLITE_OK && c == 0);
  CHECK(tito_table_records_prefetch(f.pTab) == SQLITE_OK);
  CHECK(tito_table_record_write(f.pTab, TITO_KIND_SLOTS, 0, 0) == SQLITE_OK);
  CHECK(tito_table_records_prefetch(f.pTab) == SQLITE_OK);
  tito_table_records_drop(f.pTab);
  nGet = storeStat(&f, "gets");
  CHECK(tito_backfill_load(f.pTab, &c) == SQLITE_OK && c == 0);
  CHECK(storeStat(&f, "gets") == nGet + 1);
  tito_backfill_free(b);
  teardown(&f);
  check_group("backfill: the model's records read ahead with one multi-get, "
              "each once, never after a write");
}

int main(void) {
  testRecord();
  testSteps(0);
  testSteps(1);
  testShared();
  testClear();
  testPrefetch();
  return check_exit();
}
