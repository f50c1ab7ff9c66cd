/*
** table.c: a model bound to a store: keys, row reads, and writes with exact
** index maintenance (the key layout is documented in table.h).
**
** Every write checks all its constraints (NOT NULL, primary key, unique
** indexes) with reads before it writes anything, so a failed constraint
** leaves the store unchanged; OR REPLACE first removes the conflicting
** rows with all their index entries. An UPDATE rewrites only the index
** entries whose key or value changed. A written row's events (the
** model's topics, event.h) go into the same transaction.
*/
#include "table.h"
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include "event.h"
#include "keycodec.h"
#include "row_cache.h"
#include "rowcodec.h"

/* Every write counts itself (see nWrite in table.h). */
#define TABLE_WRITE_BEGIN(pTab) ((pTab)->nWrite++)

/* The events of a written row (the row key is pKey), if the model has
** topics. */
static int tableEmit(tito_table *pTab, int eAction, const tito_value *aOld,
                     const tito_value *aNew, const uint8_t *pKey, int nKey) {
  char *zErr = 0;
  int64_t now;
  int rc;
  if (pTab->pEmit == 0) return SQLITE_OK;
  pTab->evScratch.n = 0;
  rc = tito_table_decode_pk(pTab, pKey, nKey, pTab->aEvPk, &pTab->evScratch);
  if (rc != SQLITE_OK) return rc;
  now = pTab->piClock && *pTab->piClock ? *pTab->piClock : (int64_t)time(0);
  rc = tito_emitter_emit(pTab->pEmit, pTab->pKv, pTab->pHeads, eAction,
                         aOld, aNew,
                         pTab->aEvPk, pTab->nPkKey, now, &zErr);
  if (rc != SQLITE_OK) {
    sqlite3_free(pTab->zErr);
    pTab->zErr = zErr;
  }
  return rc;
}

#define KIND_ROW   0x01
#define KIND_INDEX 0x02
#define N_RECORD 4 /* records read ahead: TITO_KIND_STATS .. _SLOTS */

/* Set the table's error message (printf-style). */
static void tableSetError(tito_table *pTab, const char *zFmt, ...) {
  va_list ap;
  va_start(ap, zFmt);
  sqlite3_free(pTab->zErr);
  pTab->zErr = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
}

/* Map a store error to a SQLite code, keeping the store's message. */
int tito_table_kv_error(tito_table *pTab, int rc) {
  if (rc == TITO_NOMEM) return SQLITE_NOMEM;
  tableSetError(pTab, "tito: %s: %s", pTab->pModel->zTable,
                pTab->pKv->pMethods->xErrmsg(pTab->pKv));
  switch (rc) {
    case TITO_CONFLICT: return SQLITE_BUSY;
    case TITO_EXISTS: return SQLITE_CONSTRAINT;
    case TITO_READONLY: return SQLITE_READONLY;
    case TITO_UNAVAILABLE: return SQLITE_IOERR;
    default: return SQLITE_ERROR;
  }
}

const char *tito_table_errmsg(tito_table *pTab) {
  return pTab->zErr ? pTab->zErr : "";
}

/* P | model id | kind, into pOut (reset first). */
static void tableModelPrefix(const tito_model *pModel, uint32_t iId,
                             uint8_t kind, tito_buf *pOut) {
  tito_value v;
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_TEXT;
  v.z = (const uint8_t *)pModel->zPrefix;
  v.n = pModel->zPrefix ? (int)strlen(pModel->zPrefix) : 0;
  if (v.z == 0) v.z = (const uint8_t *)"";
  pOut->n = 0;
  tito_key_append(pOut, &v, 0);
  tito_buf_append_u32be(pOut, iId);
  tito_buf_append_byte(pOut, kind);
}

int tito_table_open(sqlite3 *db, tito_model *pModel, tito_kv *pKv,
                    uint32_t iModelId, tito_table **ppTab, char **pzErr) {
  tito_table *pTab;
  int rc;
  *ppTab = 0;
  pTab = sqlite3_malloc(sizeof(*pTab));
  if (pTab == 0) {
    tito_model_free(pModel);
    return SQLITE_NOMEM;
  }
  memset(pTab, 0, sizeof(*pTab));
  pTab->pModel = pModel;
  pTab->pKv = pKv;
  pTab->iModelId = iModelId;
  pTab->nPkKey = pModel->nPk > 0 ? pModel->nPk : 1;
  pTab->aOld =
      sqlite3_malloc64(sizeof(tito_value) * 3 * (size_t)(pModel->nCol + 1));
  if (pTab->aOld == 0) {
    tito_table_close(pTab);
    return SQLITE_NOMEM;
  }
  pTab->aVictim = &pTab->aOld[pModel->nCol + 1];
  pTab->aEntry = &pTab->aOld[2 * (pModel->nCol + 1)];
  tableModelPrefix(pModel, iModelId, KIND_ROW, &pTab->rowPrefix);
  tableModelPrefix(pModel, iModelId, KIND_INDEX, &pTab->idxPrefix);
  if (pTab->rowPrefix.rc || pTab->idxPrefix.rc) {
    tito_table_close(pTab);
    return SQLITE_NOMEM;
  }
  rc = tito_pred_open(db, pModel, &pTab->pPred, pzErr);
  if (rc == SQLITE_OK) rc = tito_emitter_open(db, pModel, &pTab->pEmit, pzErr);
  if (rc == SQLITE_OK && pTab->pEmit) {
    pTab->aEvPk = sqlite3_malloc64(sizeof(tito_value) * pTab->nPkKey);
    if (pTab->aEvPk == 0) rc = SQLITE_NOMEM;
  }
  if (rc != SQLITE_OK) {
    tito_table_close(pTab);
    return rc;
  }
  *ppTab = pTab;
  return SQLITE_OK;
}

int tito_table_set_default(tito_table *pTab, int iCol, const tito_value *pVal) {
  tito_value *v;
  int nCol = pTab->pModel->nCol;
  if (iCol < 0 || iCol >= nCol) return SQLITE_OK;
  if (pTab->aDefault == 0) {
    pTab->aDefault = sqlite3_malloc64(sizeof(tito_value) * (size_t)nCol);
    if (pTab->aDefault == 0) return SQLITE_NOMEM;
    memset(pTab->aDefault, 0, sizeof(tito_value) * (size_t)nCol);
    for (int i = 0; i < nCol; i++) pTab->aDefault[i].eType = SQLITE_NULL;
  }
  v = &pTab->aDefault[iCol];
  sqlite3_free((void *)v->z);
  *v = *pVal;
  v->z = 0;
  if (pVal->eType == SQLITE_TEXT || pVal->eType == SQLITE_BLOB) {
    uint8_t *z = sqlite3_malloc64((size_t)pVal->n + 1);
    if (z == 0) {
      v->eType = SQLITE_NULL;
      return SQLITE_NOMEM;
    }
    if (pVal->n) memcpy(z, pVal->z, (size_t)pVal->n);
    z[pVal->n] = 0;
    v->z = z;
  }
  return SQLITE_OK;
}

/* The slots' scratch values of a model with a dropped column. */
static int tableSlots(tito_table *pTab) {
  if (pTab->aSlot == 0) {
    pTab->aSlot = sqlite3_malloc64(sizeof(tito_value) *
                                   (size_t)pTab->pModel->nSlot);
  }
  return pTab->aSlot ? SQLITE_OK : SQLITE_NOMEM;
}

int tito_table_decode_row(tito_table *pTab, const uint8_t *p, int n,
                          tito_value *aOut) {
  const tito_model *pModel = pTab->pModel;
  int i, nStored = 0, nCol = pModel->nCol;
  int bSlots = pModel->nSlot != nCol; /* a column was dropped */
  if (bSlots && tableSlots(pTab) != SQLITE_OK) return SQLITE_NOMEM;
  if (tito_row_decode_n(p, n, bSlots ? pModel->nSlot : nCol,
                        bSlots ? pTab->aSlot : aOut, &nStored)) {
    tableSetError(pTab, "tito: %s: corrupt row", pModel->zTable);
    return SQLITE_CORRUPT;
  }
  if (bSlots) {
    for (i = 0; i < nCol; i++) {
      int iSlot = pModel->aCol[i].iSlot;
      if (iSlot < nStored) aOut[i] = pTab->aSlot[iSlot];
      else if (pTab->aDefault) aOut[i] = pTab->aDefault[i];
      else {
        memset(&aOut[i], 0, sizeof(aOut[i]));
        aOut[i].eType = SQLITE_NULL;
      }
    }
    return SQLITE_OK;
  }
  for (i = nStored; pTab->aDefault && i < nCol; i++) aOut[i] = pTab->aDefault[i];
  return SQLITE_OK;
}

/* Row values aNew (one per column) encoded into pOut, each in its slot:
** a dropped column's slot NULL, none after the last slot a column has. */
static int tableEncodeRow(tito_table *pTab, const tito_value *aNew,
                          tito_buf *pOut) {
  const tito_model *pModel = pTab->pModel;
  int i, n = 0;
  pOut->n = 0;
  if (pModel->nSlot == pModel->nCol) {
    tito_row_encode(pOut, pModel->nCol, aNew);
    return pOut->rc ? SQLITE_NOMEM : SQLITE_OK;
  }
  if (tableSlots(pTab) != SQLITE_OK) return SQLITE_NOMEM;
  memset(pTab->aSlot, 0, sizeof(tito_value) * (size_t)pModel->nSlot);
  for (i = 0; i < pModel->nSlot; i++) pTab->aSlot[i].eType = SQLITE_NULL;
  for (i = 0; i < pModel->nCol; i++) {
    int iSlot = pModel->aCol[i].iSlot;
    pTab->aSlot[iSlot] = aNew[i];
    if (iSlot >= n) n = iSlot + 1;
  }
  tito_row_encode(pOut, n, pTab->aSlot);
  return pOut->rc ? SQLITE_NOMEM : SQLITE_OK;
}

void tito_table_close(tito_table *pTab) {
  if (pTab == 0) return;
  if (pTab->aDefault) {
    for (int i = 0; i < pTab->pModel->nCol; i++) {
      sqlite3_free((void *)pTab->aDefault[i].z);
    }
    sqlite3_free(pTab->aDefault);
  }
  tito_pred_close(pTab->pPred);
  tito_emitter_close(pTab->pEmit);
  sqlite3_free(pTab->aEvPk);
  tito_buf_free(&pTab->evScratch);
  for (int i = 0; i < N_RECORD; i++) tito_buf_free(&pTab->aRecord[i]);
  tito_row_cache_free(pTab->pReadRows);
  tito_model_free(pTab->pModel);
  tito_buf_free(&pTab->rowPrefix);
  tito_buf_free(&pTab->idxPrefix);
  tito_buf_free(&pTab->key);
  tito_buf_free(&pTab->key2);
  tito_buf_free(&pTab->key3);
  tito_buf_free(&pTab->val);
  tito_buf_free(&pTab->val2);
  tito_buf_free(&pTab->scratch);
  tito_buf_free(&pTab->oldRow);
  tito_buf_free(&pTab->victimRow);
  tito_buf_free(&pTab->cacheKey);
  tito_buf_free(&pTab->cacheVal);
  tito_buf_free(&pTab->oldKey);
  tito_buf_free(&pTab->owner);
  tito_buf_free(&pTab->owner2);
  sqlite3_free(pTab->aOld);
  sqlite3_free(pTab->aSlot);
  sqlite3_free(pTab->zErr);
  sqlite3_free(pTab);
}

void tito_table_index_prefix(tito_table *pTab, int iIdx, tito_buf *pOut) {
  pOut->n = 0;
  tito_buf_append(pOut, pTab->idxPrefix.a, pTab->idxPrefix.n);
  tito_buf_append_u32be(pOut, pTab->pModel->aIndex[iIdx].iId);
}

void tito_table_row_key(tito_table *pTab, const tito_value *aPk,
                        tito_buf *pOut) {
  const tito_model *pModel = pTab->pModel;
  int i;
  pOut->n = 0;
  tito_buf_append(pOut, pTab->rowPrefix.a, pTab->rowPrefix.n);
  for (i = 0; i < pTab->nPkKey; i++) {
    tito_key_append(pOut, &aPk[i], pModel->nPk ? pModel->abPkDesc[i] : 0);
  }
}

/* The row key of a full row aRow (iRowid used by implicit-rowid tables). */
static void tableRowKeyOf(tito_table *pTab, const tito_value *aRow,
                          int64_t iRowid, tito_buf *pOut) {
  const tito_model *pModel = pTab->pModel;
  tito_value aPk[1];
  int i;
  if (pModel->nPk == 0) {
    memset(aPk, 0, sizeof(aPk));
    aPk[0].eType = SQLITE_INTEGER;
    aPk[0].i = iRowid;
    tito_table_row_key(pTab, aPk, pOut);
    return;
  }
  pOut->n = 0;
  tito_buf_append(pOut, pTab->rowPrefix.a, pTab->rowPrefix.n);
  for (i = 0; i < pModel->nPk; i++) {
    tito_key_append(pOut, &aRow[pModel->aiPk[i]], pModel->abPkDesc[i]);
  }
}

int tito_table_decode_pk(tito_table *pTab, const uint8_t *pKey, int nKey,
                         tito_value *aOut, tito_buf *pScratch) {
  const tito_model *pModel = pTab->pModel;
  int i, off = pTab->rowPrefix.n;
  if (nKey < off || memcmp(pKey, pTab->rowPrefix.a, (size_t)off) != 0) {
    return SQLITE_CORRUPT; /* a key of another model, or none */
  }
  for (i = 0; i < pTab->nPkKey; i++) {
    int bDesc = pModel->nPk ? pModel->abPkDesc[i] : 0;
    int bReal = pModel->nPk &&
                pModel->aCol[pModel->aiPk[i]].cAff == TITO_AFF_REAL;
    int n = tito_key_decode(pKey + off, nKey - off, bDesc, bReal, &aOut[i],
                            pScratch);
    if (n < 0) return SQLITE_CORRUPT;
    off += n;
  }
  /* Bytes after the last field: not a key tito wrote. */
  return off == nKey ? SQLITE_OK : SQLITE_CORRUPT;
}

/* True if every key field of index pIdx is non-NULL in aRow. */
static int tableNoNullField(const tito_index *pIdx, const tito_value *aRow) {
  int i;
  for (i = 0; i < pIdx->nCol; i++) {
    if (aRow[pIdx->aiCol[i]].eType == SQLITE_NULL) return 0;
  }
  return 1;
}

/*
** Build the entry of index iIdx for row aRow whose row key is pRowKey:
** key into pKey, value into pVal (both reset first). Returns 1 if the entry
** is a compact unique entry (no pk suffix in the key).
*/
int tito_table_entry(tito_table *pTab, int iIdx, const tito_value *aRow,
                     const tito_buf *pRowKey, tito_buf *pKey, tito_buf *pVal) {
  const tito_index *pIdx = &pTab->pModel->aIndex[iIdx];
  const uint8_t *pSuffix = pRowKey->a + pTab->rowPrefix.n;
  int nSuffix = pRowKey->n - pTab->rowPrefix.n;
  int bCompact = pIdx->bUnique && tableNoNullField(pIdx, aRow);
  tito_value *a = pTab->aEntry; /* nInclude <= nCol */
  int i, nVal = pIdx->nInclude + bCompact;

  tito_table_index_prefix(pTab, iIdx, pKey);
  for (i = 0; i < pIdx->nCol; i++) {
    tito_key_append(pKey, &aRow[pIdx->aiCol[i]], pIdx->abDesc[i]);
  }
  if (!bCompact) tito_buf_append(pKey, pSuffix, nSuffix);

  for (i = 0; i < pIdx->nInclude; i++) a[i] = aRow[pIdx->aiInclude[i]];
  if (bCompact) {
    memset(&a[i], 0, sizeof(a[i]));
    a[i].eType = SQLITE_BLOB;
    a[i].z = pSuffix;
    a[i].n = nSuffix;
  }
  pVal->n = 0;
  tito_row_encode(pVal, nVal, a);
  return bCompact;
}

int tito_table_mask(tito_table *pTab, const tito_value *aRow,
                    uint64_t *pMask) {
  int rc;
  char *zErr = 0;
  if (pTab->pPred == 0) {
    int n = pTab->pModel->nIndex;
    /* n <= TITO_MAX_INDEX (64): the model refuses more. */
    *pMask = n >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1);
    return SQLITE_OK;
  }
  rc = tito_pred_eval(pTab->pPred, aRow, pMask, &zErr);
  if (rc != SQLITE_OK) {
    sqlite3_free(pTab->zErr);
    pTab->zErr = zErr;
  }
  return rc;
}

#define HAS(mask, i) (((mask) >> (i)) & 1)

static int tableEntryWrite(tito_table *, int, int, const tito_buf *,
                           const tito_buf *, const tito_buf *);

/* Read the row at pKey into pBuf (a copy) and decode it into aOut. */
static int tableReadInto(tito_table *pTab, const uint8_t *pKey, int nKey,
                         tito_buf *pBuf, tito_value *aOut) {
  const uint8_t *pVal;
  int nVal, rc;
  rc = pTab->pKv->pMethods->xGet(pTab->pKv, pKey, nKey, &pVal, &nVal);
  if (rc == TITO_NOTFOUND) return SQLITE_DONE;
  if (rc != TITO_OK) return tito_table_kv_error(pTab, rc);
  pBuf->n = 0;
  tito_buf_append(pBuf, pVal, nVal);
  if (pBuf->rc) return SQLITE_NOMEM;
  return tito_table_decode_row(pTab, pBuf->a, pBuf->n, aOut);
}

int tito_table_read_row(tito_table *pTab, const uint8_t *pKey, int nKey,
                        tito_value *aOut) {
  return tableReadInto(pTab, pKey, nKey, &pTab->oldRow, aOut);
}

void tito_table_cache_row(tito_table *pTab, const uint8_t *pKey, int nKey,
                          const uint8_t *pVal, int nVal) {
  pTab->cacheKey.n = 0;
  pTab->cacheVal.n = 0;
  tito_buf_append(&pTab->cacheKey, pKey, nKey);
  tito_buf_append(&pTab->cacheVal, pVal, nVal);
  if (pTab->cacheKey.rc || pTab->cacheVal.rc) {
    tito_buf_free(&pTab->cacheKey);
    tito_buf_free(&pTab->cacheVal);
  }
}

int tito_table_keep_reads(tito_table *pTab) {
  if (pTab->pReadRows == 0) pTab->pReadRows = tito_row_cache_new();
  return pTab->pReadRows ? SQLITE_OK : SQLITE_NOMEM;
}

/* (row_cache.c ignores a NULL cache: keep_reads off.) */
void tito_table_row_read(tito_table *pTab, const uint8_t *k, int nk,
                         const uint8_t *v, int nv) {
  tito_row_cache_put(pTab->pReadRows, pTab->iSnap, k, nk, v, nv);
}

void tito_table_row_named(tito_table *pTab, const uint8_t *k, int nk) {
  tito_row_cache_name(pTab->pReadRows, pTab->iSnap, k, nk);
}

void tito_table_reads_clear(tito_table *pTab) {
  tito_row_cache_clear(pTab->pReadRows);
}

#define READ_AHEAD 256 /* rows one multi-get reads for the writes to come */

typedef struct ahead_ctx {
  tito_table *pTab;
  const uint8_t **apKey;
  int *anKey;
} ahead_ctx;

static int aheadRow(void *pCtx, int i, const uint8_t *pVal, int nVal) {
  ahead_ctx *c = pCtx;
  tito_row_cache_put(c->pTab->pReadRows, c->pTab->iSnap, c->apKey[i],
                     c->anKey[i], pVal, nVal);
  return 0;
}

/* Key pKey was named by an entries-only scan: read it and the keys named
** after it with one multi-get into the kept rows (a key absent stays
** named, and is then read alone). */
static void tableReadAhead(tito_table *pTab, const uint8_t *pKey, int nKey) {
  tito_buf keys = TITO_BUF_INIT;
  int anKey[READ_AHEAD];
  const uint8_t *apKey[READ_AHEAD];
  int i, off = 0;
  int n = tito_row_cache_named_from(pTab->pReadRows, pTab->iSnap, pKey, nKey,
                                    READ_AHEAD, &keys, anKey);
  if (n > 1) {
    ahead_ctx c;
    for (i = 0; i < n; i++) {
      apKey[i] = keys.a + off;
      off += anKey[i];
    }
    c.pTab = pTab;
    c.apKey = apKey;
    c.anKey = anKey;
    /* An error here only costs the reads one at a time. */
    pTab->pKv->pMethods->xMultiGet(pTab->pKv, n, apKey, anKey, aheadRow, &c);
  }
  tito_buf_free(&keys);
}

/* The old row as a scan of this snapshot read it, if the transaction has
** not written that key since (then the store's answer is the same bytes:
** one round trip less per row of a multi-row UPDATE or DELETE). */
static int tableReadKept(tito_table *pTab, const uint8_t *pKey, int nKey) {
  tito_kv *pKv = pTab->pKv;
  const uint8_t *v;
  int nv;
  if (pTab->pReadRows == 0 || pKv->pMethods->xWritten == 0) return 0;
  v = tito_row_cache_get(pTab->pReadRows, pTab->iSnap, pKey, nKey, &nv);
  if (v == 0) {
    tableReadAhead(pTab, pKey, nKey);
    v = tito_row_cache_get(pTab->pReadRows, pTab->iSnap, pKey, nKey, &nv);
  }
  if (v == 0 || pKv->pMethods->xWritten(pKv, pKey, nKey)) return 0;
  pTab->oldRow.n = 0;
  tito_buf_append(&pTab->oldRow, v, nv);
  return pTab->oldRow.rc == TITO_OK;
}

/* Read the old row of an UPDATE or DELETE into oldRow/aOld, from the
** cursor's cached copy when it is that row. The cache is used once. */
static int tableReadOld(tito_table *pTab, const uint8_t *pKey, int nKey) {
  if (pTab->cacheKey.n == nKey && nKey > 0 &&
      memcmp(pTab->cacheKey.a, pKey, nKey) == 0) {
    tito_buf t = pTab->oldRow;
    pTab->oldRow = pTab->cacheVal;
    pTab->cacheVal = t;
    pTab->cacheKey.n = 0;
    return tito_table_decode_row(pTab, pTab->oldRow.a, pTab->oldRow.n,
                                 pTab->aOld);
  }
  pTab->cacheKey.n = 0;
  if (tableReadKept(pTab, pKey, nKey)) {
    return tito_table_decode_row(pTab, pTab->oldRow.a, pTab->oldRow.n,
                                 pTab->aOld);
  }
  return tableReadInto(pTab, pKey, nKey, &pTab->oldRow, pTab->aOld);
}

/* "t.a, t.b" for SQLite's constraint messages. */
static char *tableColumnList(const tito_model *pModel, int n,
                             const int *aiCol) {
  sqlite3_str *p = sqlite3_str_new(0);
  int i;
  for (i = 0; i < n; i++) {
    sqlite3_str_appendf(p, "%s%s.%s", i ? ", " : "", pModel->zTable,
                        pModel->aCol[aiCol[i]].zName);
  }
  return sqlite3_str_finish(p);
}

/* Fail with SQLite's wording for a primary-key conflict. */
static int tablePkConflict(tito_table *pTab) {
  const tito_model *pModel = pTab->pModel;
  char *z;
  if (pModel->nPk == 0) {
    tableSetError(pTab, "UNIQUE constraint failed: %s.rowid",
                  pModel->zTable);
    return SQLITE_CONSTRAINT_ROWID;
  } else {
    z = tableColumnList(pModel, pModel->nPk, pModel->aiPk);
    tableSetError(pTab, "UNIQUE constraint failed: %s", z ? z : "");
    sqlite3_free(z);
  }
  return SQLITE_CONSTRAINT_PRIMARYKEY;
}

static int tableUniqueConflict(tito_table *pTab, int iIdx) {
  const tito_index *pIdx = &pTab->pModel->aIndex[iIdx];
  char *z = tableColumnList(pTab->pModel, pIdx->nCol, pIdx->aiCol);
  tableSetError(pTab, "UNIQUE constraint failed: %s", z ? z : "");
  sqlite3_free(z);
  return SQLITE_CONSTRAINT_UNIQUE;
}

int tito_table_key_conflict(tito_table *pTab, const uint8_t *pKey,
                            int nKey) {
  const tito_buf *pRow = &pTab->rowPrefix, *pIdx = &pTab->idxPrefix;
  int i;
  if (nKey > pRow->n && memcmp(pKey, pRow->a, pRow->n) == 0) {
    return tablePkConflict(pTab);
  }
  if (nKey > pIdx->n + 4 && memcmp(pKey, pIdx->a, pIdx->n) == 0) {
    const uint8_t *a = pKey + pIdx->n;
    uint32_t iId = ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) |
                   ((uint32_t)a[2] << 8) | a[3];
    for (i = 0; i < pTab->pModel->nIndex; i++) {
      if (pTab->pModel->aIndex[i].iId == iId &&
          pTab->pModel->aIndex[i].bUnique) {
        return tableUniqueConflict(pTab, i);
      }
    }
  }
  return SQLITE_OK;
}

/* NOT NULL checks of a new row. */
static int tableCheckNotNull(tito_table *pTab, const tito_value *aRow) {
  const tito_model *pModel = pTab->pModel;
  int i;
  for (i = 0; i < pModel->nCol; i++) {
    if (pModel->aCol[i].bNotNull && i != pModel->iRowidCol &&
        aRow[i].eType == SQLITE_NULL) {
      tableSetError(pTab, "NOT NULL constraint failed: %s.%s",
                    pModel->zTable, pModel->aCol[i].zName);
      return SQLITE_CONSTRAINT_NOTNULL;
    }
  }
  return SQLITE_OK;
}

/* Delete the row at pKey (if present) with all its index entries, using
** the victim buffers. Used by OR REPLACE. */
static int tableDeleteVictim(tito_table *pTab, const uint8_t *pKey,
                             int nKey) {
  tito_kv *pKv = pTab->pKv;
  tito_buf rowKey = TITO_BUF_INIT;
  uint64_t mask;
  int rc, i;
  rc = tableReadInto(pTab, pKey, nKey, &pTab->victimRow, pTab->aVictim);
  if (rc == SQLITE_DONE) return SQLITE_OK;
  if (rc != SQLITE_OK) return rc;
  rc = tito_table_mask(pTab, pTab->aVictim, &mask);
  if (rc != SQLITE_OK) return rc;
  tito_buf_append(&rowKey, pKey, nKey);
  if (pTab->cacheKey.n == nKey && memcmp(pTab->cacheKey.a, pKey, nKey) == 0) {
    pTab->cacheKey.n = 0;
  }
  rc = pKv->pMethods->xDelete(pKv, pKey, nKey);
  for (i = 0; rc == TITO_OK && i < pTab->pModel->nIndex; i++) {
    if (!HAS(mask, i)) continue;
    int bCompact = tito_table_entry(pTab, i, pTab->aVictim, &rowKey,
                                    &pTab->key3, &pTab->val2);
    if (pTab->key3.rc) rc = TITO_NOMEM;
    if (rc == TITO_OK) {
      rc = tableEntryWrite(pTab, i, bCompact, &pTab->key3, 0, &rowKey);
    }
  }
  rc = rc == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, rc);
  if (rc == SQLITE_OK) {
    rc = tableEmit(pTab, TITO_ACT_DELETE, pTab->aVictim, 0, rowKey.a,
                   rowKey.n);
  }
  tito_buf_free(&rowKey);
  return rc;
}

/* Is the row key k present? (SQLITE_ROW yes, SQLITE_DONE no, or error) */
static int tableExists(tito_table *pTab, const tito_buf *k) {
  /* A key a write expects free: probed (kv.h). */
  int rc = tito_kv_probe(pTab->pKv, k->a, k->n, 0, 0);
  if (rc == TITO_OK) return SQLITE_ROW;
  if (rc == TITO_NOTFOUND) return SQLITE_DONE;
  return tito_table_kv_error(pTab, rc);
}

/*
** The owner row key of the compact unique entry at key pEntry, if the entry
** exists: copied into pOwner and SQLITE_ROW; SQLITE_DONE if no entry.
*/
int tito_table_entry_owner(tito_table *pTab, int iIdx,
                           const tito_buf *pEntry, tito_buf *pOwner) {
  const tito_index *pIdx = &pTab->pModel->aIndex[iIdx];
  tito_value *a = pTab->aEntry; /* nInclude + 1 <= nCol + 1 */
  const uint8_t *pVal;
  int nVal, rc, n = pIdx->nInclude + 1;
  /* Usually absent (a write's uniqueness check): probed (kv.h). */
  rc = tito_kv_probe(pTab->pKv, pEntry->a, pEntry->n, &pVal, &nVal);
  if (rc == TITO_NOTFOUND) return SQLITE_DONE;
  if (rc != TITO_OK) return tito_table_kv_error(pTab, rc);
  if (tito_row_decode(pVal, nVal, n, a) ||
      a[n - 1].eType != SQLITE_BLOB) {
    tableSetError(pTab, "tito: %s: corrupt entry of index %s",
                  pTab->pModel->zTable, pIdx->zName);
    return SQLITE_CORRUPT;
  }
  pOwner->n = 0;
  tito_buf_append(pOwner, pTab->rowPrefix.a, pTab->rowPrefix.n);
  tito_buf_append(pOwner, a[n - 1].z, a[n - 1].n);
  return pOwner->rc ? SQLITE_NOMEM : SQLITE_ROW;
}

static int bufEq(const tito_buf *a, const tito_buf *b) {
  return a->n == b->n && (a->n == 0 || memcmp(a->a, b->a, a->n) == 0);
}

/*
** Write (pVal) or delete (pVal NULL) the entry of index iIdx at key pKey of
** the row at pRowKey; bCompact: a compact unique entry. While the index is
** being built (index_backfill.h) two old rows may still share a unique
** value the build has not reached: a compact entry another row holds is
** then left alone, neither overwritten nor deleted (the build refuses the
** index when it reaches the second row, or finds the value free by then).
** Returns a TITO_ code.
*/
static int tableEntryWrite(tito_table *pTab, int iIdx, int bCompact,
                           const tito_buf *pKey, const tito_buf *pVal,
                           const tito_buf *pRowKey) {
  tito_kv *pKv = pTab->pKv;
  if (pTab->pModel->aIndex[iIdx].bMarkWrites) {
    /* Built in key order: the build reads this row again
    ** (index_sorted.h). */
    int r;
    tito_table_model_key(pTab, TITO_KIND_MARKS, &pTab->owner2);
    tito_buf_append(&pTab->owner2, pRowKey->a + pTab->rowPrefix.n,
                    pRowKey->n - pTab->rowPrefix.n);
    if (pTab->owner2.rc) return TITO_NOMEM;
    r = pKv->pMethods->xPut(pKv, pTab->owner2.a, pTab->owner2.n,
                            (const uint8_t *)"", 0);
    if (r != TITO_OK) return r;
  }
  if (bCompact && pTab->pModel->aIndex[iIdx].bBuilding) {
    int rc = tito_table_entry_owner(pTab, iIdx, pKey, &pTab->owner2);
    if (rc == SQLITE_ROW && !bufEq(&pTab->owner2, pRowKey)) return TITO_OK;
    if (rc == SQLITE_DONE && pVal == 0) return TITO_OK;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return rc == SQLITE_NOMEM ? TITO_NOMEM : TITO_ERROR;
    }
  }
  if (pVal == 0) return pKv->pMethods->xDelete(pKv, pKey->a, pKey->n);
  return pKv->pMethods->xPut(pKv, pKey->a, pKey->n, pVal->a, pVal->n);
}

/*
** Check the unique indexes for new row aNew with row key pNewKey. pOldKey
** is the row's current key for an UPDATE (NULL for INSERT): entries it owns
** are not conflicts. With OR REPLACE the conflicting rows are deleted.
*/
static int tableCheckUnique(tito_table *pTab, const tito_value *aNew,
                            uint64_t mask, const tito_buf *pNewKey,
                            const tito_buf *pOldKey, uint64_t mOld,
                            int eConflict) {
  const tito_model *pModel = pTab->pModel;
  tito_buf *pOwner = &pTab->owner;
  int i, rc = SQLITE_OK;
  /* Newest index first, as SQLite checks an ordinary table's indexes. */
  for (i = pModel->nIndex - 1; rc == SQLITE_OK && i >= 0; i--) {
    const tito_index *pIdx = &pModel->aIndex[i];
    if (!pIdx->bUnique || !HAS(mask, i) || !tableNoNullField(pIdx, aNew)) {
      continue;
    }
    tito_table_entry(pTab, i, aNew, pNewKey, &pTab->key2, &pTab->val);
    if (pTab->key2.rc || pTab->val.rc) {
      rc = SQLITE_NOMEM;
      break;
    }
    if (pOldKey && HAS(mOld, i)) {
      /* An UPDATE that keeps the unique value owns the entry already. */
      tito_table_entry(pTab, i, pTab->aOld, pOldKey, &pTab->key3, &pTab->val2);
      if (pTab->key3.rc || pTab->val2.rc) {
        rc = SQLITE_NOMEM;
        break;
      }
      if (bufEq(&pTab->key3, &pTab->key2)) continue;
    }
    rc = tito_table_entry_owner(pTab, i, &pTab->key2, pOwner);
    if (rc == SQLITE_DONE) {
      rc = SQLITE_OK;
    } else if (rc == SQLITE_ROW) {
      rc = SQLITE_OK;
      if (pOldKey && bufEq(pOwner, pOldKey)) continue; /* its own entry */
      if (eConflict == TITO_ONCONFLICT_REPLACE) {
        rc = tableDeleteVictim(pTab, pOwner->a, pOwner->n);
      } else {
        rc = tableUniqueConflict(pTab, i);
      }
    }
  }
  return rc;
}

/* Once the largest rowid is in use, SQLite tries random ones: so does
** tito, giving up after 100 taken ones as SQLite does ("database or disk
** is full"). Returns a TITO_ code. */
static int tableRandomRowid(tito_table *pTab, int64_t *piRowid) {
  tito_value v;
  int i, rc;
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_INTEGER;
  for (i = 0; i < 100; i++) {
    sqlite3_randomness(sizeof(v.i), &v.i);
    v.i &= INT64_MAX >> 1;
    v.i++;
    tito_table_row_key(pTab, &v, &pTab->key3);
    if (pTab->key3.rc) return TITO_NOMEM;
    rc = tableExists(pTab, &pTab->key3);
    if (rc == SQLITE_DONE) {
      *piRowid = v.i;
      return TITO_OK;
    }
    if (rc != SQLITE_ROW) return TITO_ERROR;
  }
  tableSetError(pTab, "database or disk is full");
  return TITO_ERROR;
}

/* The largest rowid in use plus one (1 for an empty table). */
static int tableNextRowid(tito_table *pTab, int64_t *piRowid) {
  tito_kv *pKv = pTab->pKv;
  tito_kv_iter *pIter = 0;
  tito_buf end = TITO_BUF_INIT;
  int rc;
  *piRowid = 1;
  tito_key_prefix_end(pTab->rowPrefix.a, pTab->rowPrefix.n, &end);
  rc = pKv->pMethods->xScan(pKv, pTab->rowPrefix.a, pTab->rowPrefix.n, end.a,
                            end.n, TITO_SCAN_REVERSE | TITO_SCAN_KEYONLY, 1,
                            &pIter);
  if (rc == TITO_OK && !pKv->pMethods->xIterEof(pIter)) {
    int nKey;
    const uint8_t *pKey = pKv->pMethods->xIterKey(pIter, &nKey);
    tito_value v;
    if (tito_table_decode_pk(pTab, pKey, nKey, &v, &pTab->scratch) ||
        v.eType != SQLITE_INTEGER) {
      rc = TITO_ERROR;
      tableSetError(pTab, "tito: %s: corrupt rowid key", pTab->pModel->zTable);
    } else if (v.i == INT64_MAX) {
      rc = tableRandomRowid(pTab, piRowid);
    } else {
      *piRowid = v.i + 1;
    }
    pTab->scratch.n = 0;
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  tito_buf_free(&end);
  if (rc == TITO_ERROR && pTab->zErr) return SQLITE_ERROR;
  return rc == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, rc);
}

/*
** The row key pKey must be free (it is not the row's current key pOldKey):
** a conflict fails, or with OR REPLACE removes the row holding it.
*/
static int tableCheckPk(tito_table *pTab, const tito_buf *pKey,
                        const tito_buf *pOldKey, int eConflict) {
  int rc;
  if (pOldKey && bufEq(pKey, pOldKey)) return SQLITE_OK;
  rc = tableExists(pTab, pKey);
  if (rc == SQLITE_DONE) return SQLITE_OK;
  if (rc != SQLITE_ROW) return rc;
  if (eConflict != TITO_ONCONFLICT_REPLACE) return tablePkConflict(pTab);
  return tableDeleteVictim(pTab, pKey->a, pKey->n);
}

/*
** All key checks of a new row, in SQLite's order for an ordinary table: a
** rowid first, then the unique indexes newest first, then a primary key
** that is not the rowid.
*/
static int tableCheckKeys(tito_table *pTab, const tito_value *aNew,
                          uint64_t mask, const tito_buf *pKey,
                          const tito_buf *pOldKey, uint64_t mOld,
                          int eConflict) {
  int bRowid = pTab->pModel->nPk == 0 || pTab->pModel->iRowidCol >= 0;
  int rc = SQLITE_OK;
  if (bRowid) rc = tableCheckPk(pTab, pKey, pOldKey, eConflict);
  if (rc == SQLITE_OK) {
    rc = tableCheckUnique(pTab, aNew, mask, pKey, pOldKey, mOld, eConflict);
  }
  if (rc == SQLITE_OK && !bRowid) {
    rc = tableCheckPk(pTab, pKey, pOldKey, eConflict);
  }
  return rc;
}

/* Resolve the rowid of a new row for rowid tables: the alias column's
** value, the given rowid, or a fresh one. */
static int tableResolveRowid(tito_table *pTab, tito_value *aNew,
                             int64_t *piRowid, int bRowidGiven) {
  const tito_model *pModel = pTab->pModel;
  int rc = SQLITE_OK;
  if (pModel->iRowidCol >= 0) {
    tito_value *v = &aNew[pModel->iRowidCol];
    if (v->eType == SQLITE_NULL) {
      if (bRowidGiven) {
        v->eType = SQLITE_INTEGER;
        v->i = *piRowid;
      } else {
        rc = tableNextRowid(pTab, &v->i);
        v->eType = SQLITE_INTEGER;
      }
    } else if (v->eType != SQLITE_INTEGER) {
      tableSetError(pTab, "datatype mismatch");
      return SQLITE_MISMATCH;
    }
    *piRowid = v->i;
  } else if (pModel->nPk == 0 && !bRowidGiven) {
    rc = tableNextRowid(pTab, piRowid);
  }
  return rc;
}

/* Write the row and its entries (mask) at row key pKey. */
static int tableWriteNew(tito_table *pTab, const tito_value *aNew,
                         uint64_t mask, const tito_buf *pKey) {
  tito_kv *pKv = pTab->pKv;
  int i, rc;
  if (tableEncodeRow(pTab, aNew, &pTab->val)) return SQLITE_NOMEM;
  rc = pKv->pMethods->xPut(pKv, pKey->a, pKey->n, pTab->val.a, pTab->val.n);
  for (i = 0; rc == TITO_OK && i < pTab->pModel->nIndex; i++) {
    int bCompact;
    if (!HAS(mask, i)) continue;
    bCompact = tito_table_entry(pTab, i, aNew, pKey, &pTab->key2, &pTab->val);
    if (pTab->key2.rc || pTab->val.rc) return SQLITE_NOMEM;
    rc = tableEntryWrite(pTab, i, bCompact, &pTab->key2, &pTab->val, pKey);
  }
  return rc == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, rc);
}

/*
** INSERT without OR REPLACE: the row goes in with the store's
** insert-if-absent, which is the primary-key check too (a read saved),
** in SQLite's order of checks: a rowid before the unique indexes (a unique
** failure then takes the row out again), a primary key after them.
*/
static int tableInsertChecked(tito_table *pTab, const tito_value *aNew,
                              uint64_t mask) {
  tito_kv *pKv = pTab->pKv;
  int bRowid = pTab->pModel->nPk == 0 || pTab->pModel->iRowidCol >= 0;
  int rc = SQLITE_OK, r, i;
  if (!bRowid) {
    rc = tableCheckUnique(pTab, aNew, mask, &pTab->key, 0, 0,
                          TITO_ONCONFLICT_ABORT);
    if (rc != SQLITE_OK) return rc;
  }
  if (tableEncodeRow(pTab, aNew, &pTab->val)) return SQLITE_NOMEM;
  r = pKv->pMethods->xInsert(pKv, pTab->key.a, pTab->key.n, pTab->val.a,
                             pTab->val.n);
  if (r == TITO_EXISTS) return tablePkConflict(pTab);
  if (r != TITO_OK) return tito_table_kv_error(pTab, r);
  if (bRowid) {
    rc = tableCheckUnique(pTab, aNew, mask, &pTab->key, 0, 0,
                          TITO_ONCONFLICT_ABORT);
    if (rc != SQLITE_OK) {
      r = pKv->pMethods->xDelete(pKv, pTab->key.a, pTab->key.n);
      return r == TITO_OK ? rc : tito_table_kv_error(pTab, r);
    }
  }
  for (i = 0; i < pTab->pModel->nIndex; i++) {
    int bCompact;
    if (!HAS(mask, i)) continue;
    bCompact = tito_table_entry(pTab, i, aNew, &pTab->key, &pTab->key2,
                                &pTab->val);
    if (pTab->key2.rc || pTab->val.rc) return SQLITE_NOMEM;
    r = tableEntryWrite(pTab, i, bCompact, &pTab->key2, &pTab->val,
                        &pTab->key);
    if (r != TITO_OK) return tito_table_kv_error(pTab, r);
  }
  return SQLITE_OK;
}

int tito_table_insert(tito_table *pTab, tito_value *aNew, int64_t *piRowid,
                      int bRowidGiven, int eConflict) {
  TABLE_WRITE_BEGIN(pTab);
  uint64_t mask;
  int64_t iRowid = piRowid ? *piRowid : 0;
  int rc;
  pTab->cacheKey.n = 0;
  rc = tableResolveRowid(pTab, aNew, &iRowid, bRowidGiven);
  if (rc == SQLITE_OK) rc = tableCheckNotNull(pTab, aNew);
  if (rc == SQLITE_OK) rc = tito_table_mask(pTab, aNew, &mask);
  if (rc != SQLITE_OK) return rc;
  tableRowKeyOf(pTab, aNew, iRowid, &pTab->key);
  if (pTab->key.rc) return SQLITE_NOMEM;
  if (eConflict == TITO_ONCONFLICT_REPLACE) {
    rc = tableCheckKeys(pTab, aNew, mask, &pTab->key, 0, 0, eConflict);
    if (rc == SQLITE_OK) rc = tableWriteNew(pTab, aNew, mask, &pTab->key);
  } else {
    rc = tableInsertChecked(pTab, aNew, mask);
  }
  if (rc == SQLITE_OK) {
    rc = tableEmit(pTab, TITO_ACT_INSERT, 0, aNew, pTab->key.a, pTab->key.n);
  }
  if (piRowid) *piRowid = iRowid;
  return rc;
}

/*
** Rewrite the entries of the row whose old values are aOld (key pOldKey,
** mask mOld) and new values aNew (key pNewKey, mask mNew): an entry that is
** unchanged in key and value is left alone.
*/
static int tableRewriteEntries(tito_table *pTab, const tito_buf *pOldKey,
                               uint64_t mOld, const tito_value *aNew,
                               const tito_buf *pNewKey, uint64_t mNew) {
  int i, rc = TITO_OK;
  for (i = 0; rc == TITO_OK && i < pTab->pModel->nIndex; i++) {
    int bOld = HAS(mOld, i), bNew = HAS(mNew, i), cOld = 0, cNew = 0;
    if (bOld) cOld = tito_table_entry(pTab, i, pTab->aOld, pOldKey,
                                      &pTab->key3, &pTab->val2);
    if (bNew) cNew = tito_table_entry(pTab, i, aNew, pNewKey, &pTab->key2,
                                      &pTab->val);
    if (pTab->key2.rc || pTab->key3.rc || pTab->val.rc || pTab->val2.rc) {
      return SQLITE_NOMEM;
    }
    if (bOld && bNew && bufEq(&pTab->key2, &pTab->key3) &&
        bufEq(&pTab->val, &pTab->val2)) {
      continue;
    }
    if (bOld && !(bNew && bufEq(&pTab->key2, &pTab->key3))) {
      rc = tableEntryWrite(pTab, i, cOld, &pTab->key3, 0, pOldKey);
    }
    if (rc == TITO_OK && bNew) {
      rc = tableEntryWrite(pTab, i, cNew, &pTab->key2, &pTab->val, pNewKey);
    }
  }
  return rc == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, rc);
}

int tito_table_update(tito_table *pTab, const uint8_t *pOldKey, int nOldKey,
                      tito_value *aNew, int64_t *piRowid, int bRowidGiven,
                      int eConflict) {
  TABLE_WRITE_BEGIN(pTab);
  tito_kv *pKv = pTab->pKv;
  tito_buf *pOld = &pTab->oldKey;
  uint64_t mOld = 0, mNew = 0;
  int64_t iRowid = piRowid ? *piRowid : 0;
  int rc;

  int i;

  rc = tableReadOld(pTab, pOldKey, nOldKey);
  if (rc == SQLITE_DONE) return SQLITE_OK; /* the row is gone: nothing to do */
  if (rc != SQLITE_OK) return rc;
  for (i = 0; i < pTab->pModel->nCol; i++) {
    if (aNew[i].eType == TITO_NOCHANGE) aNew[i] = pTab->aOld[i];
  }
  pOld->n = 0;
  tito_buf_append(pOld, pOldKey, nOldKey);
  if (pOld->rc) return SQLITE_NOMEM;
  if (pTab->pModel->nPk == 0 && !bRowidGiven) {
    tito_value v;
    if (tito_table_decode_pk(pTab, pOldKey, nOldKey, &v, &pTab->scratch) ==
        SQLITE_OK) {
      iRowid = v.i;
      bRowidGiven = 1;
    }
  }
  if (pTab->pModel->iRowidCol >= 0 &&
      aNew[pTab->pModel->iRowidCol].eType == SQLITE_NULL) {
    tableSetError(pTab, "datatype mismatch");
    rc = SQLITE_MISMATCH;
  }
  if (rc == SQLITE_OK) rc = tableResolveRowid(pTab, aNew, &iRowid, 1);
  if (rc == SQLITE_OK) rc = tableCheckNotNull(pTab, aNew);
  if (rc == SQLITE_OK) rc = tito_table_mask(pTab, pTab->aOld, &mOld);
  if (rc == SQLITE_OK) rc = tito_table_mask(pTab, aNew, &mNew);
  if (rc == SQLITE_OK) {
    tableRowKeyOf(pTab, aNew, iRowid, &pTab->key);
    if (pTab->key.rc) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    rc = tableCheckKeys(pTab, aNew, mNew, &pTab->key, pOld, mOld, eConflict);
  }
  if (rc == SQLITE_OK) {
    int r = TITO_OK;
    if (!bufEq(&pTab->key, pOld)) {
      r = pKv->pMethods->xDelete(pKv, pOld->a, pOld->n);
    }
    if (tableEncodeRow(pTab, aNew, &pTab->val)) r = TITO_NOMEM;
    if (r == TITO_OK) {
      r = pKv->pMethods->xPut(pKv, pTab->key.a, pTab->key.n, pTab->val.a,
                              pTab->val.n);
    }
    rc = r == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, r);
  }
  if (rc == SQLITE_OK) {
    rc = tableRewriteEntries(pTab, pOld, mOld, aNew, &pTab->key, mNew);
  }
  if (rc == SQLITE_OK) {
    rc = tableEmit(pTab, TITO_ACT_UPDATE, pTab->aOld, aNew, pTab->key.a,
                   pTab->key.n);
  }
  if (piRowid) *piRowid = iRowid;
  return rc;
}

int tito_table_delete(tito_table *pTab, const uint8_t *pOldKey, int nOldKey) {
  TABLE_WRITE_BEGIN(pTab);
  tito_kv *pKv = pTab->pKv;
  tito_buf *pOld = &pTab->oldKey;
  uint64_t mOld = 0;
  int rc, i;
  rc = tableReadOld(pTab, pOldKey, nOldKey);
  if (rc == SQLITE_DONE) return SQLITE_OK;
  if (rc == SQLITE_OK) rc = tito_table_mask(pTab, pTab->aOld, &mOld);
  if (rc != SQLITE_OK) return rc;
  pOld->n = 0;
  tito_buf_append(pOld, pOldKey, nOldKey);
  if (pOld->rc) return SQLITE_NOMEM;
  rc = pKv->pMethods->xDelete(pKv, pOldKey, nOldKey);
  for (i = 0; rc == TITO_OK && i < pTab->pModel->nIndex; i++) {
    int bCompact;
    if (!HAS(mOld, i)) continue;
    bCompact = tito_table_entry(pTab, i, pTab->aOld, pOld, &pTab->key3,
                                &pTab->val2);
    if (pTab->key3.rc || pTab->val2.rc) {
      rc = TITO_NOMEM;
      break;
    }
    rc = tableEntryWrite(pTab, i, bCompact, &pTab->key3, 0, pOld);
  }
  rc = rc == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, rc);
  if (rc == SQLITE_OK) {
    rc = tableEmit(pTab, TITO_ACT_DELETE, pTab->aOld, 0, pOld->a, pOld->n);
  }
  return rc;
}

/* Append one problem line to the check report (at most 20). */
static void checkReport(sqlite3_str *pRep, int *pnProblem, const char *zFmt,
                        ...) {
  va_list ap;
  if ((*pnProblem)++ >= 20) return;
  va_start(ap, zFmt);
  if (sqlite3_str_length(pRep)) sqlite3_str_appendchar(pRep, 1, '\n');
  sqlite3_str_vappendf(pRep, zFmt, ap);
  va_end(ap);
}

/* Count the keys in [pLo, pHi) (pHi NULL: no bound). If anPerIndex is
** given, the range is the model's index entries: each key is counted under
** its index (anPerIndex[position]) or, when its index id is not one of the
** model's, in *pn; but for id iSkipId (a dropped index's, being cleared:
** index_backfill.h). */
static int checkCountRange(tito_table *pTab, const tito_buf *pLo,
                           const tito_buf *pHi, int64_t *anPerIndex,
                           uint32_t iSkipId, int64_t *pn) {
  tito_kv *pKv = pTab->pKv;
  tito_kv_iter *pIter = 0;
  int nIdxPrefix = pTab->idxPrefix.n;
  int i = -1, rc;
  uint32_t iLastId = 0; /* an index's keys are adjacent: look each id up once */
  *pn = 0;
  rc = pKv->pMethods->xScan(pKv, pLo->a, pLo->n, pHi ? pHi->a : 0,
                            pHi ? pHi->n : 0, TITO_SCAN_KEYONLY, 0, &pIter);
  while (rc == TITO_OK && !pKv->pMethods->xIterEof(pIter)) {
    int nk;
    const uint8_t *k = pKv->pMethods->xIterKey(pIter, &nk);
    uint32_t iId = 0;
    if (anPerIndex && nk >= nIdxPrefix + 4) {
      iId = ((uint32_t)k[nIdxPrefix] << 24) | ((uint32_t)k[nIdxPrefix + 1] << 16) |
            ((uint32_t)k[nIdxPrefix + 2] << 8) | k[nIdxPrefix + 3];
    }
    if (iId != iLastId) {
      i = anPerIndex ? tito_model_index_by_id(pTab->pModel, iId) : -1;
      iLastId = iId;
    }
    if (iId != 0 && i >= 0) {
      anPerIndex[i]++;
    } else if (iId == 0 || iId != iSkipId) {
      (*pn)++;
    }
    rc = pKv->pMethods->xIterNext(pIter);
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  return rc;
}

/* Is the row key k (nk bytes) the key of the row aRow? Its fields must
** decode exactly, and for a declared primary key (the INTEGER PRIMARY KEY
** included) be the encoding of the row's own key values. */
static int checkRowKey(tito_table *pTab, const uint8_t *k, int nk,
                       const tito_value *aRow, tito_buf *pKey) {
  const tito_model *pModel = pTab->pModel;
  tito_value aPk[1];
  pTab->scratch.n = 0;
  if (pModel->nPk == 0) {
    int rc = tito_table_decode_pk(pTab, k, nk, aPk, &pTab->scratch);
    return rc == SQLITE_OK && aPk[0].eType == SQLITE_INTEGER;
  }
  if (pModel->iRowidCol >= 0 && aRow[pModel->iRowidCol].eType != SQLITE_INTEGER) {
    return 0;
  }
  tableRowKeyOf(pTab, aRow, 0, pKey);
  return pKey->rc == 0 && pKey->n == nk && memcmp(pKey->a, k, (size_t)nk) == 0;
}

/* Is row key k (nk bytes) one an index build has still to reach: after
** the last row it did, up to the last row there was when it began (rows
** written since have their entries)? */
static int checkBeyond(const tito_check_exempt *pEx, const uint8_t *k,
                       int nk) {
  if (pEx->end.n == 0) return 0;
  if (pEx->done.n && tito_bytes_cmp(k, nk, pEx->done.a, pEx->done.n) <= 0) return 0;
  return tito_bytes_cmp(k, nk, pEx->end.a, pEx->end.n) <= 0;
}

/* Is entry key pKey one a build in key order has still to write? */
static int checkAboveDone(const tito_check_exempt *pEx, const tito_buf *pKey) {
  return pEx->done.n == 0 ||
         tito_bytes_cmp(pKey->a, pKey->n, pEx->done.a, pEx->done.n) > 0;
}

/* Check one row (key k, value v): its key matches its values and its
** expected entries exist with the right values; counts them into
** anExpected. An index being built (iBuild) need not have the entries of
** rows its build has not reached: the ones writers made are checked and
** counted, another row's compact entry under the same value passed over. */
static int checkRow(tito_table *pTab, const uint8_t *k, int nk,
                    const uint8_t *v, int nv, int64_t *anExpected,
                    const tito_check_exempt *pEx, sqlite3_str *pRep,
                    int *pnProblem) {
  const tito_model *pModel = pTab->pModel;
  tito_kv *pKv = pTab->pKv;
  tito_buf rowKey = TITO_BUF_INIT;
  uint64_t mask;
  int rc, i;
  pTab->victimRow.n = 0;
  tito_buf_append(&pTab->victimRow, v, nv);
  if (pTab->victimRow.rc) return SQLITE_NOMEM;
  if (tito_table_decode_row(pTab, pTab->victimRow.a, pTab->victimRow.n,
                            pTab->aVictim) != SQLITE_OK) {
    checkReport(pRep, pnProblem, "%s: undecodable row", pModel->zTable);
    return SQLITE_OK;
  }
  /* Fewer values: columns added since the row was written (they read their
  ** DEFAULT). More than the model's slots (a dropped column keeps its
  ** slot, column_slots.h): no definition of the model wrote it. */
  tito_row_decode_n(v, nv, 0, 0, &i);
  if (i > pModel->nSlot) {
    checkReport(pRep, pnProblem, "%s: a row holds %d values, more than its "
                "%d columns (a row of an older definition)", pModel->zTable,
                i, pModel->nSlot);
    return SQLITE_OK;
  }
  if (!checkRowKey(pTab, k, nk, pTab->aVictim, &pTab->key3)) {
    if (pTab->key3.rc) return SQLITE_NOMEM;
    checkReport(pRep, pnProblem, "%s: a row is stored under a key that is "
                "not its primary key", pModel->zTable);
    return SQLITE_OK;
  }
  rc = tito_table_mask(pTab, pTab->aVictim, &mask);
  if (rc != SQLITE_OK) return rc;
  tito_buf_append(&rowKey, k, nk);
  for (i = 0; rc == SQLITE_OK && i < pModel->nIndex; i++) {
    const uint8_t *pGot;
    int nGot, r, bCompact, bBeyond;
    if (!HAS(mask, i)) continue;
    bCompact = tito_table_entry(pTab, i, pTab->aVictim, &rowKey, &pTab->key3,
                                &pTab->val2);
    if (pTab->key3.rc || pTab->val2.rc) {
      rc = SQLITE_NOMEM;
      break;
    }
    bBeyond = i == pEx->iBuild &&
              (pEx->bByEntry ? checkAboveDone(pEx, &pTab->key3)
                             : checkBeyond(pEx, k, nk));
    if (!bBeyond) anExpected[i]++;
    r = pKv->pMethods->xGet(pKv, pTab->key3.a, pTab->key3.n, &pGot, &nGot);
    if (bBeyond && r == TITO_OK) {
      int bSame = nGot == pTab->val2.n &&
                  (nGot == 0 || memcmp(pGot, pTab->val2.a, nGot) == 0);
      if (bSame) {
        anExpected[i]++;
      } else if (!bCompact) {
        checkReport(pRep, pnProblem, "%s: wrong value in index %s",
                    pModel->zTable, pModel->aIndex[i].zName);
      }
      continue;
    }
    if (bBeyond && r == TITO_NOTFOUND) continue;
    if (r == TITO_NOTFOUND) {
      checkReport(pRep, pnProblem, "%s: row missing from index %s",
                  pModel->zTable, pModel->aIndex[i].zName);
    } else if (r != TITO_OK) {
      rc = tito_table_kv_error(pTab, r);
    } else if (nGot != pTab->val2.n ||
               (nGot && memcmp(pGot, pTab->val2.a, nGot))) {
      checkReport(pRep, pnProblem, "%s: wrong value in index %s",
                  pModel->zTable, pModel->aIndex[i].zName);
    }
  }
  tito_buf_free(&rowKey);
  return rc;
}

/* Count the model's keys that are neither rows nor index entries: those
** between P | id and the rows, and after the index entries. */
static int checkStrayKeys(tito_table *pTab, int bMarks, int64_t *pn) {
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT;
  int64_t n1 = 0, n2 = 0;
  int rc;
  tito_buf_append(&lo, pTab->rowPrefix.a, pTab->rowPrefix.n - 1);
  rc = lo.rc ? TITO_NOMEM
             : checkCountRange(pTab, &lo, &pTab->rowPrefix, 0, 0, &n1);
  if (rc == TITO_OK) {
    /* (P | id | 0x06, P | id + 1): the keys P | id | 0x03 to 0x06
    ** themselves are the model's own (table.h); so are the marks of
    ** writes while a build in key order goes on (bMarks), not after. */
    if (bMarks) {
      tito_table_model_key(pTab, TITO_KIND_MARKS + 1, &lo);
    } else {
      tito_table_model_key(pTab, TITO_KIND_SLOTS, &lo);
      tito_buf_append_byte(&lo, 0x00);
    }
    tito_key_prefix_end(pTab->rowPrefix.a, pTab->rowPrefix.n - 1, &hi);
    rc = lo.rc || hi.rc ? TITO_NOMEM
                        : checkCountRange(pTab, &lo, hi.n ? &hi : 0, 0, 0, &n2);
  }
  *pn = n1 + n2;
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  return rc;
}

int tito_table_check(tito_table *pTab, const tito_check_exempt *pExempt,
                     char **pzReport) {
  const tito_model *pModel = pTab->pModel;
  tito_kv *pKv = pTab->pKv;
  tito_kv_iter *pIter = 0;
  tito_buf end = TITO_BUF_INIT, rowKey = TITO_BUF_INIT;
  sqlite3_str *pRep = sqlite3_str_new(0);
  int64_t *anExpected, *anGot, nStray = 0;
  tito_check_exempt none;
  const tito_check_exempt *pEx = pExempt ? pExempt : &none;
  int nProblem = 0, rc, r, i;

  *pzReport = 0;
  memset(&none, 0, sizeof(none));
  none.iBuild = -1;
  anExpected = sqlite3_malloc64(sizeof(int64_t) * 2 * (pModel->nIndex + 1));
  if (anExpected == 0) {
    sqlite3_free(sqlite3_str_finish(pRep));
    return SQLITE_NOMEM;
  }
  memset(anExpected, 0, sizeof(int64_t) * 2 * (pModel->nIndex + 1));
  anGot = &anExpected[pModel->nIndex + 1];
  tito_key_prefix_end(pTab->rowPrefix.a, pTab->rowPrefix.n, &end);
  rc = pKv->pMethods->xScan(pKv, pTab->rowPrefix.a, pTab->rowPrefix.n, end.a,
                            end.n, 0, 0, &pIter);
  rc = rc == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, rc);
  while (rc == SQLITE_OK && !pKv->pMethods->xIterEof(pIter)) {
    int nk, nv;
    const uint8_t *k = pKv->pMethods->xIterKey(pIter, &nk);
    const uint8_t *v = pKv->pMethods->xIterValue(pIter, &nv);
    rowKey.n = 0;
    tito_buf_append(&rowKey, k, nk);
    rc = rowKey.rc ? SQLITE_NOMEM
                   : checkRow(pTab, rowKey.a, rowKey.n, v, nv, anExpected,
                              pEx, pRep, &nProblem);
    if (rc == SQLITE_OK) {
      r = pKv->pMethods->xIterNext(pIter);
      if (r != TITO_OK) rc = tito_table_kv_error(pTab, r);
    }
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  /* Every index entry, counted per index in one scan. */
  if (rc == SQLITE_OK) {
    tito_key_prefix_end(pTab->idxPrefix.a, pTab->idxPrefix.n, &end);
    r = checkCountRange(pTab, &pTab->idxPrefix, &end, anGot, pEx->iClearId,
                        &nStray);
    if (r != TITO_OK) rc = tito_table_kv_error(pTab, r);
  }
  for (i = 0; rc == SQLITE_OK && i < pModel->nIndex; i++) {
    if (anGot[i] != anExpected[i]) {
      checkReport(pRep, &nProblem,
                  "%s: index %s has %lld entries, rows call for %lld",
                  pModel->zTable, pModel->aIndex[i].zName,
                  (long long)anGot[i], (long long)anExpected[i]);
    }
  }
  if (rc == SQLITE_OK && nStray > 0) {
    checkReport(pRep, &nProblem, "%s: %lld index entries of no index",
                pModel->zTable, (long long)nStray);
  }
  if (rc == SQLITE_OK) {
    r = checkStrayKeys(pTab, pEx->bByEntry, &nStray);
    if (r != TITO_OK) {
      rc = tito_table_kv_error(pTab, r);
    } else if (nStray > 0) {
      checkReport(pRep, &nProblem, "%s: %lld keys that are neither rows nor "
                  "index entries", pModel->zTable, (long long)nStray);
    }
  }
  tito_buf_free(&end);
  tito_buf_free(&rowKey);
  sqlite3_free(anExpected);
  if (rc == SQLITE_OK && nProblem) {
    if (nProblem > 20) {
      sqlite3_str_appendf(pRep, "\n... %d problems in all", nProblem);
    }
    *pzReport = sqlite3_str_finish(pRep);
    if (*pzReport == 0) rc = SQLITE_NOMEM;
  } else {
    sqlite3_free(sqlite3_str_finish(pRep));
  }
  return rc;
}

typedef struct records_ctx {
  tito_table *pTab;
  int rc;
} records_ctx;

static int recordsRow(void *pCtx, int i, const uint8_t *pVal, int nVal) {
  records_ctx *c = pCtx;
  tito_buf *b = &c->pTab->aRecord[i];
  b->n = 0;
  tito_buf_append(b, pVal, nVal);
  if (b->rc) return c->rc = TITO_NOMEM;
  c->pTab->abRecord[i] = 1;
  return 0;
}

int tito_table_records_prefetch(tito_table *pTab) {
  tito_buf aKey[N_RECORD];
  const uint8_t *apKey[N_RECORD];
  int anKey[N_RECORD], i, r = TITO_OK;
  records_ctx c;
  tito_table_records_drop(pTab);
  for (i = 0; i < N_RECORD; i++) {
    memset(&aKey[i], 0, sizeof(aKey[i]));
    tito_table_model_key(pTab, (uint8_t)(TITO_KIND_STATS + i), &aKey[i]);
    if (aKey[i].rc) r = TITO_NOMEM;
    apKey[i] = aKey[i].a;
    anKey[i] = aKey[i].n;
    pTab->abRecord[i] = 2;
  }
  c.pTab = pTab;
  c.rc = TITO_OK;
  if (r == TITO_OK) {
    r = pTab->pKv->pMethods->xMultiGet(pTab->pKv, N_RECORD, apKey, anKey,
                                       recordsRow, &c);
  }
  for (i = 0; i < N_RECORD; i++) tito_buf_free(&aKey[i]);
  if (r == TITO_OK) r = c.rc;
  if (r != TITO_OK) {
    tito_table_records_drop(pTab);
    return tito_table_kv_error(pTab, r);
  }
  pTab->bPrefetched = 1;
  return SQLITE_OK;
}

void tito_table_records_drop(tito_table *pTab) {
  pTab->bPrefetched = 0;
  memset(pTab->abRecord, 0, sizeof(pTab->abRecord));
}

int tito_table_record_get(tito_table *pTab, uint8_t kind, const uint8_t **ppVal,
                          int *pnVal) {
  int i = kind - TITO_KIND_STATS, r;
  tito_buf k = TITO_BUF_INIT;
  if (pTab->bPrefetched && i >= 0 && i < N_RECORD && pTab->abRecord[i]) {
    int bHere = pTab->abRecord[i] == 1;
    pTab->abRecord[i] = 0; /* handed out once */
    *ppVal = pTab->aRecord[i].a;
    *pnVal = pTab->aRecord[i].n;
    return bHere ? TITO_OK : TITO_NOTFOUND;
  }
  tito_table_model_key(pTab, kind, &k);
  r = k.rc ? TITO_NOMEM
           : pTab->pKv->pMethods->xGet(pTab->pKv, k.a, k.n, ppVal, pnVal);
  tito_buf_free(&k);
  return r;
}

int tito_table_record_read(tito_table *pTab, uint8_t kind, int n,
                           tito_value *a, tito_buf *pKeep) {
  const uint8_t *pVal;
  int nVal, r, rc;
  r = tito_table_record_get(pTab, kind, &pVal, &nVal);
  if (r == TITO_NOTFOUND) return SQLITE_DONE;
  if (r != TITO_OK) return tito_table_kv_error(pTab, r);
  pKeep->n = 0;
  tito_buf_append(pKeep, pVal, nVal);
  if (pKeep->rc) return SQLITE_NOMEM;
  rc = tito_row_decode(pKeep->a, pKeep->n, n, a);
  return rc == TITO_OK ? SQLITE_OK : SQLITE_CORRUPT;
}

int tito_table_record_write(tito_table *pTab, uint8_t kind, int n,
                            const tito_value *a) {
  tito_buf k = TITO_BUF_INIT, v = TITO_BUF_INIT;
  int r = TITO_NOMEM;
  tito_table_records_drop(pTab); /* nothing read ahead outlives a write */
  tito_table_model_key(pTab, kind, &k);
  if (a) tito_row_encode(&v, n, a);
  if (!k.rc && !v.rc) {
    r = a ? pTab->pKv->pMethods->xPut(pTab->pKv, k.a, k.n, v.a, v.n)
          : pTab->pKv->pMethods->xDelete(pTab->pKv, k.a, k.n);
  }
  tito_buf_free(&k);
  tito_buf_free(&v);
  return r == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, r);
}

void tito_table_model_key(tito_table *pTab, uint8_t kind, tito_buf *pOut) {
  pOut->n = 0;
  tito_buf_append(pOut, pTab->rowPrefix.a, pTab->rowPrefix.n);
  if (pOut->rc == TITO_OK) pOut->a[pOut->n - 1] = kind;
}

int tito_table_purge(tito_table *pTab) {
  tito_kv *pKv = pTab->pKv;
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT;
  int rc;
  /* Rows (kind 0x01), index entries (0x02) and the model's own keys
  ** (0x03 to 0x07, table.h) are adjacent. */
  tito_buf_append(&lo, pTab->rowPrefix.a, pTab->rowPrefix.n);
  tito_buf_append(&hi, pTab->idxPrefix.a, pTab->idxPrefix.n);
  if (lo.rc || hi.rc) {
    rc = TITO_NOMEM;
  } else {
    hi.a[hi.n - 1] = TITO_KIND_MARKS + 1; /* past the model's own keys */
    rc = pKv->pMethods->xDeleteRange(pKv, lo.a, lo.n, hi.a, hi.n);
  }
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  return rc == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, rc);
}
