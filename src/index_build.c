/*
** index_build.c: one index's entries made or removed when a live model
** changes (ext/tito_alter.c).
**
** A build reads the model's rows in batches (src/row_batch.h: no scan
** stays open while it writes) and makes each row's entry as an INSERT would: the same
** key, the same value, only where a partial index's condition holds. The
** entries are gathered in runs of up to nRunBytes (TITO_BUILD_MEMORY), sorted, and
** written in key order: an ordered b-tree (the embedded store) then grows
** at its edge instead of at random pages, as SQLite's own CREATE INDEX
** sorts first. A unique index refuses a value two rows share, naming it,
** as CREATE UNIQUE INDEX does over an ordinary table: a compact unique
** entry is written with insert-if-absent, which finds the other row's
** entry whether it was written by this run, an earlier one, or a writer
** (a build in steps, index_backfill.h, runs while writers go on). Everything
** goes through the store's transaction (kv.h): the caller's transaction
** decides.
*/
#include "index_build.h"
#include "row_batch.h"
#include <stdlib.h>
#include <string.h>
#include "keycodec.h"
#include "rowcodec.h"


void tito_index_id_range(tito_table *pTab, uint32_t iId, tito_buf *pLo,
                         tito_buf *pHi) {
  pLo->n = pHi->n = 0;
  tito_buf_append(pLo, pTab->idxPrefix.a, pTab->idxPrefix.n);
  tito_buf_append_u32be(pLo, iId);
  tito_buf_append(pHi, pTab->idxPrefix.a, pTab->idxPrefix.n);
  tito_buf_append_u32be(pHi, iId + 1);
}

int tito_index_clear(tito_table *pTab, uint32_t iId) {
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT;
  int rc = TITO_NOMEM;
  tito_index_id_range(pTab, iId, &lo, &hi);
  if (!lo.rc && !hi.rc) {
    rc = pTab->pKv->pMethods->xDeleteRange(pTab->pKv, lo.a, lo.n, hi.a, hi.n);
  }
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  return rc == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, rc);
}

/* One value as SQL would write it, for a message. */
static void buildLiteral(sqlite3_str *s, const tito_value *v) {
  int i;
  switch (v->eType) {
    case SQLITE_INTEGER: sqlite3_str_appendf(s, "%lld", (long long)v->i); break;
    case SQLITE_FLOAT: sqlite3_str_appendf(s, "%!.15g", v->r); break;
    case SQLITE_TEXT: sqlite3_str_appendf(s, "'%.*q'", v->n, v->z); break;
    case SQLITE_BLOB:
      sqlite3_str_appendall(s, "x'");
      for (i = 0; i < v->n; i++) sqlite3_str_appendf(s, "%02x", v->z[i]);
      sqlite3_str_appendall(s, "'");
      break;
    default: sqlite3_str_appendall(s, "NULL"); break;
  }
}

/* SQLite's message for a duplicate, with the value two rows share, read
** back from the compact entry's key pKey. */
static int buildDuplicate(tito_table *pTab, int iIdx, const uint8_t *pKey,
                          int nKey, char **pzErr) {
  const tito_model *pModel = pTab->pModel;
  const tito_index *pIdx = &pModel->aIndex[iIdx];
  sqlite3_str *s = sqlite3_str_new(0);
  tito_buf scratch = TITO_BUF_INIT;
  int i, off = pTab->idxPrefix.n + 4;
  sqlite3_str_appendall(s, "UNIQUE constraint failed: ");
  for (i = 0; i < pIdx->nCol; i++) {
    sqlite3_str_appendf(s, "%s%s.%s", i ? ", " : "", pModel->zTable,
                        pModel->aCol[pIdx->aiCol[i]].zName);
  }
  sqlite3_str_appendf(s, " (index %s: more than one row holds ", pIdx->zName);
  if (pIdx->nCol > 1) sqlite3_str_appendall(s, "(");
  for (i = 0; i < pIdx->nCol; i++) {
    tito_value v;
    int bReal = pModel->aCol[pIdx->aiCol[i]].cAff == TITO_AFF_REAL;
    int n = tito_key_decode(pKey + off, nKey - off, pIdx->abDesc[i], bReal, &v,
                            &scratch);
    if (i) sqlite3_str_appendall(s, ", ");
    if (n < 0) {
      sqlite3_str_appendall(s, "?");
      break;
    }
    buildLiteral(s, &v);
    off += n;
  }
  sqlite3_str_appendf(s, "%s)", pIdx->nCol > 1 ? ")" : "");
  tito_buf_free(&scratch);
  *pzErr = sqlite3_str_finish(s);
  return SQLITE_CONSTRAINT_UNIQUE;
}

/* A run of entries: keys and values back to back in data; aEnt[i] = offset
** of entry i: u32 key size, u32 value size, 1 byte compact flag, key,
** value. */
typedef struct build_run {
  tito_buf data;
  int *aEnt;
  int n, nAlloc;
} build_run;

static uint32_t runU32(const uint8_t *p) {
  uint32_t x;
  memcpy(&x, p, 4);
  return x;
}

int tito_index_entry_cmp(const void *a, const void *b) {
  const uint8_t *pa = *(const uint8_t *const *)a;
  const uint8_t *pb = *(const uint8_t *const *)b;
  return tito_bytes_cmp(pa + 9, (int)runU32(pa), pb + 9, (int)runU32(pb));
}

/* Add an entry to the run. */
static int runAdd(build_run *r, const tito_buf *pKey, const tito_buf *pVal,
                  int bCompact) {
  uint32_t nk = (uint32_t)pKey->n, nv = (uint32_t)pVal->n;
  uint8_t flag = (uint8_t)bCompact;
  if (r->n == r->nAlloc) {
    int nNew = r->nAlloc ? r->nAlloc * 2 : 1024;
    int *a = sqlite3_realloc64(r->aEnt, sizeof(int) * nNew);
    if (a == 0) return SQLITE_NOMEM;
    r->aEnt = a;
    r->nAlloc = nNew;
  }
  r->aEnt[r->n++] = r->data.n;
  tito_buf_append(&r->data, (const uint8_t *)&nk, 4);
  tito_buf_append(&r->data, (const uint8_t *)&nv, 4);
  tito_buf_append(&r->data, &flag, 1);
  tito_buf_append(&r->data, pKey->a, pKey->n);
  tito_buf_append(&r->data, pVal->a, pVal->n);
  return r->data.rc ? SQLITE_NOMEM : SQLITE_OK;
}

/* Is the compact unique entry at pKey (value pVal) already there, the
** same row's? A writer maintains an index being built: it may have written
** this row's entry first. */
static int runOwnEntry(tito_table *pTab, const uint8_t *pKey,
                       uint32_t nk, const uint8_t *pVal, uint32_t nv) {
  tito_kv *pKv = pTab->pKv;
  const uint8_t *pGot;
  int nGot;
  if (pKv->pMethods->xGet(pKv, pKey, (int)nk, &pGot, &nGot) != TITO_OK) {
    return 0;
  }
  return (uint32_t)nGot == nv && memcmp(pGot, pVal, nv) == 0;
}

/* Entries written by one xPutMany call (kv.h). */
#define RUN_PUT_MANY 256

/* Entries a[0..n) (key order, all plain or all compact) written at once
** where the store can (xPutMany), else one by one. A compact unique entry
** (its key is its value) goes in only where absent: another row holding
** the value wrote it already, in this run, an earlier one, or (for an
** index being built while writers go on) by a write. *piDup: the first
** entry whose key another row's entry holds, or -1. TITO_ code. */
static int runWrite(tito_table *pTab, const uint8_t *const *a, int n,
                    int *piDup) {
  tito_kv *pKv = pTab->pKv;
  const uint8_t *apKey[RUN_PUT_MANY], *apVal[RUN_PUT_MANY];
  int anKey[RUN_PUT_MANY], anVal[RUN_PUT_MANY];
  int i, r = TITO_OK, bCompact = a[0][8], bExists = 0;
  *piDup = -1;
  for (i = 0; i < n; i++) {
    const uint8_t *p = a[i];
    anKey[i] = (int)runU32(p);
    anVal[i] = (int)runU32(p + 4);
    apKey[i] = p + 9;
    apVal[i] = p + 9 + anKey[i];
  }
  if (pKv->pMethods->xPutMany) {
    r = pKv->pMethods->xPutMany(pKv, n, apKey, anKey, apVal, anVal, bCompact);
    bExists = r == TITO_EXISTS;
  } else {
    for (i = 0; (r == TITO_OK || r == TITO_EXISTS) && i < n; i++) {
      r = bCompact ? pKv->pMethods->xInsert(pKv, apKey[i], anKey[i],
                                            apVal[i], anVal[i])
                   : pKv->pMethods->xPut(pKv, apKey[i], anKey[i], apVal[i],
                                         anVal[i]);
      if (r == TITO_EXISTS) bExists = 1;
    }
  }
  if (r != TITO_OK && r != TITO_EXISTS) return r;
  /* Reads see the transaction's own writes: an entry present with another
  ** value is another row's. */
  for (i = 0; bExists && i < n; i++) {
    if (!runOwnEntry(pTab, apKey[i], (uint32_t)anKey[i], apVal[i],
                     (uint32_t)anVal[i])) {
      *piDup = i;
      break;
    }
  }
  return TITO_OK;
}

int tito_index_entries_write(tito_table *pTab, int iIdx,
                             const uint8_t *const *a, int nEnt,
                             char **pzErr) {
  int i, n, iDup = -1, rc = SQLITE_OK;
  for (i = 0; rc == SQLITE_OK && i < nEnt; i += n) {
    int r2;
    for (n = 1; n < RUN_PUT_MANY && i + n < nEnt && a[i + n][8] == a[i][8];
         n++) {
    }
    r2 = runWrite(pTab, a + i, n, &iDup);
    if (r2 != TITO_OK) {
      rc = tito_table_kv_error(pTab, r2);
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
    } else if (iDup >= 0) {
      const uint8_t *p = a[i + iDup];
      rc = buildDuplicate(pTab, iIdx, p + 9, (int)runU32(p), pzErr);
    }
  }
  return rc;
}

/* Sort the run and write it in key order; empty it. */
static int runFlush(tito_table *pTab, int iIdx, build_run *r, char **pzErr) {
  const uint8_t **a;
  int i, rc;
  if (r->n == 0) return SQLITE_OK;
  a = sqlite3_malloc64(sizeof(*a) * r->n);
  if (a == 0) return SQLITE_NOMEM;
  for (i = 0; i < r->n; i++) a[i] = r->data.a + r->aEnt[i];
  qsort(a, r->n, sizeof(*a), tito_index_entry_cmp);
  rc = tito_index_entries_write(pTab, iIdx, a, r->n, pzErr);
  sqlite3_free(a);
  r->n = 0;
  r->data.n = 0;
  return rc;
}

/* Add index iIdx's entry of the row at key pRowKey (value pVal) to run r. */
static int buildOne(tito_table *pTab, int iIdx, tito_buf *pRowKey,
                    const uint8_t *pVal, int nVal, tito_value *aRow,
                    tito_buf *pKey, tito_buf *pEntry, build_run *r,
                    char **pzErr) {
  uint64_t mask = 0;
  int rc, bCompact;
  if (tito_table_decode_row(pTab, pVal, nVal, aRow)) {
    *pzErr = sqlite3_mprintf("tito: %s: corrupt row", pTab->pModel->zTable);
    return SQLITE_CORRUPT;
  }
  rc = tito_table_mask(pTab, aRow, &mask);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
    return rc;
  }
  if (((mask >> iIdx) & 1) == 0) return SQLITE_OK;
  bCompact = tito_table_entry(pTab, iIdx, aRow, pRowKey, pKey, pEntry);
  if (pKey->rc || pEntry->rc) return SQLITE_NOMEM;
  return runAdd(r, pKey, pEntry, bCompact);
}

/* The state of one build. */
typedef struct build_ctx {
  tito_table *pTab;
  int iIdx;
  int nRunBytes;
  build_run run;
  tito_buf rowKey, key, entry;
  tito_buf *pDone;     /* the last row key read */
  tito_value *aRow;
  int bLockRows;       /* write each row again (buildLockRow) */
} build_ctx;

/*
** On a store whose writers run concurrently (one with fences, kv.h: TiKV),
** a step writes each row it indexes again, unchanged: a writer that
** changes or deletes the row meanwhile (maintaining the index from a
** snapshot older than this step's entries) then conflicts with the step
** instead of leaving an entry of a row that is gone or changed (snapshot
** isolation checks writes against writes only). The embedded store's
** writers wait for the step (SQLite's write lock).
*/
static int buildLockRow(build_ctx *x, const tito_row_batch *b, int i,
                        char **pzErr) {
  tito_kv *pKv = x->pTab->pKv;
  int r = pKv->pMethods->xPut(pKv, b->data.a + b->aKey[i][0], b->aKey[i][1],
                              b->data.a + b->aVal[i][0], b->aVal[i][1]);
  if (r == TITO_OK) return SQLITE_OK;
  if (r == TITO_NOMEM) return SQLITE_NOMEM;
  *pzErr = sqlite3_mprintf("tito: %s: %s", x->pTab->pModel->zTable,
                           pKv->pMethods->xErrmsg(pKv));
  return SQLITE_ERROR;
}

/* One batch of rows: their entries into the run, written when full. */
static int buildBatch(void *pArg, const tito_row_batch *b, int bLast,
                      char **pzErr) {
  build_ctx *x = pArg;
  int i, rc = SQLITE_OK;
  for (i = 0; rc == SQLITE_OK && i < b->n; i++) {
    x->rowKey.n = 0;
    tito_buf_append(&x->rowKey, b->data.a + b->aKey[i][0], b->aKey[i][1]);
    if (x->rowKey.rc) return SQLITE_NOMEM;
    rc = buildOne(x->pTab, x->iIdx, &x->rowKey, b->data.a + b->aVal[i][0],
                  b->aVal[i][1], x->aRow, &x->key, &x->entry, &x->run, pzErr);
    if (rc == SQLITE_OK && x->bLockRows) rc = buildLockRow(x, b, i, pzErr);
  }
  if (rc == SQLITE_OK && b->n > 0) {
    x->pDone->n = 0;
    tito_buf_append(x->pDone, x->rowKey.a, x->rowKey.n);
    if (x->pDone->rc) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK && (x->run.data.n >= x->nRunBytes || bLast)) {
    rc = runFlush(x->pTab, x->iIdx, &x->run, pzErr);
  }
  return rc;
}

int tito_index_build_step(tito_table *pTab, int iIdx, tito_buf *pDone,
                          const tito_buf *pLast, int64_t nMaxRows,
                          int nRunBytes, int64_t *pnRow, int *pbEnd,
                          char **pzErr) {
  build_ctx x;
  int rc;
  memset(&x, 0, sizeof(x));
  x.pTab = pTab;
  x.iIdx = iIdx;
  x.pDone = pDone;
  x.nRunBytes = nRunBytes > 0 ? nRunBytes : TITO_BUILD_MEMORY;
  x.bLockRows = pTab->pKv->pMethods->xFence != 0;
  x.aRow = sqlite3_malloc64(sizeof(tito_value) * (pTab->pModel->nCol + 1));
  *pnRow = 0;
  *pbEnd = 0;
  rc = x.aRow ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK) {
    rc = tito_rows_each_batch_after(pTab, pDone, pLast, nMaxRows,
                                    buildBatch, &x, pnRow, pbEnd, pzErr);
  }
  tito_buf_free(&x.rowKey);
  tito_buf_free(&x.key);
  tito_buf_free(&x.entry);
  tito_buf_free(&x.run.data);
  sqlite3_free(x.run.aEnt);
  sqlite3_free(x.aRow);
  return rc;
}

int tito_index_build(tito_table *pTab, int iIdx, int nRunBytes,
                     int64_t *pnRow, char **pzErr) {
  tito_buf done = TITO_BUF_INIT;
  int bEnd, rc = tito_index_clear(pTab, pTab->pModel->aIndex[iIdx].iId);
  *pnRow = 0;
  if (rc == SQLITE_OK) {
    rc = tito_index_build_step(pTab, iIdx, &done, 0, 0, nRunBytes, pnRow,
                               &bEnd, pzErr);
  } else if (rc != SQLITE_NOMEM) {
    *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(pTab));
  }
  tito_buf_free(&done);
  return rc;
}
