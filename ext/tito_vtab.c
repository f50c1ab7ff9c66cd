/*
** tito_vtab.c: the "tito" virtual-table module.
**
** CREATE VIRTUAL TABLE t USING tito(<model>) declares a model (src/model.h);
** its rows and index entries are key ranges of a store (src/table.h). The
** embedded store keeps them in the table "tito_store" of the same schema,
** so they commit with SQLite's own transaction.
**
** TRANSACTIONS. Every tito table of one schema shares one store handle in
** the per-connection context. The store's transaction is begun by the
** first xBegin, made durable by the first xSync (the only callback whose
** error reaches the user: SQLite ignores xCommit's), and ended by xCommit
** or xRollback; SQLite's savepoints (statement rollback, SAVEPOINT/ROLLBACK
** TO) are forwarded to the store. Reads need no callbacks.
**
** CURSORS visit a list of key ranges (one per IN value, usually one) of the
** row range or of an index range, or fetch a list of row keys (primary-key
** equality). The last row a cursor read is handed to the table when the
** cursor closes, so that a one-pass UPDATE or DELETE does not read it
** again.
*/
#include "tito_ext.h"
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "keycodec.h"
#include "kv_embedded.h"
#include "rowcodec.h"

/* One key range or point key of a cursor. */
typedef struct cursor_range {
  int oLo, nLo;  /* offset/length of the low bound in ranges (nLo 0: none) */
  int oHi, nHi;  /* high bound (exclusive; nHi 0: none) */
} cursor_range;

struct tito_cursor {
  sqlite3_vtab_cursor base;
  tito_plan plan;
  int bPoint;            /* ranges are point keys of rows (oLo/nLo) */
  int bKeyOnly;          /* no column is read: keys only */
  tito_buf ranges;       /* bytes of every bound */
  cursor_range *aRange;  /* ranges to visit, in order */
  int nRange, nRangeAlloc;
  int iRange;            /* range being visited */
  tito_kv_iter *pIter;   /* scan of aRange[iRange] */
  int bEof;
  int64_t nHint;         /* rows the statement expects (LIMIT), or 0 */
  /* The current row. */
  tito_buf rowKey;       /* its row key */
  tito_buf rowVal;       /* its row value (a copy) when not in place */
  const uint8_t *pVal;   /* its row value */
  int nVal;
  const uint8_t *pEntryKey; /* covering index scan: the entry */
  int nEntryKey;
  const uint8_t *pEntryVal;
  int nEntryVal;
  int bDecoded;          /* aVal holds the decoded row */
  tito_value *aVal;      /* nCol values */
  tito_buf scratch;      /* text decoded from keys */
  /* A widened ordered scan, read whole and sorted (see tito_plan.c and
  ** cursorMaterialize); the records' offsets in aSorted. */
  int bSorted;
  tito_buf sorted;
  int *aSorted;
  int nSorted, nSortedAlloc, iSorted;
  tito_buf entryKey, entryVal; /* a unique entry read by a point read */
  uint64_t nRowWrite;    /* the table's write count when the row was read */
  uint64_t nReadWrite;   /* the same, when the batch or sorted list was read */
  /* A scan of a non-covering index reads its rows in batches, one
  ** multi-get per batch rather than one read per entry (no N+1 reads):
  ** row keys back to back in batchKeys, values in batchVals. */
  int bBatch;
  tito_buf batchKeys, batchVals;
  int *aBatch;           /* per entry: key off, key len, val off (-1), len */
  const uint8_t **apBatchKey;
  int *anBatchKey;
  int nBatch, nBatchAlloc, iBatch, nBatchWant;
  /* Scratch of xFilter, kept to avoid allocations per query. */
  tito_buf bBase, bPrefix, bKey, bLo, bHi, bT;
};

static void cursorFree(tito_cursor *pCur);

/* ---------------------------------------------------------------- stores */

/* Find or open the embedded store of schema zSchema for this connection. */
static int storeAcquire(tito_conn *pConn, const char *zSchema,
                        tito_store **ppStore, char **pzErr) {
  tito_store *p;
  int rc;
  for (p = pConn->pStores; p; p = p->pNext) {
    if (sqlite3_stricmp(p->zName, zSchema) == 0) break;
  }
  if (p == 0) {
    p = sqlite3_malloc(sizeof(*p));
    if (p == 0) return SQLITE_NOMEM;
    memset(p, 0, sizeof(*p));
    p->zName = sqlite3_mprintf("%s", zSchema);
    if (p->zName == 0) {
      sqlite3_free(p);
      return SQLITE_NOMEM;
    }
    p->pNext = pConn->pStores;
    pConn->pStores = p;
  }
  if (p->pKv == 0) {
    rc = tito_kv_embedded_open(pConn->db, zSchema, &p->pKv, pzErr);
    if (rc != TITO_OK) {
      p->pKv = 0;
      return rc == TITO_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
    }
    /* The store is in the schema of the tables writing it, where SQLite's
    ** own statement journal already undoes a failed statement's nested
    ** writes and ROLLBACK TO (test_kv_embedded shows it for every schema
    ** pair): the store's own undo log would only double each write. */
    tito_kv_embedded_set_undo_log(p->pKv, 0);
  }
  p->nRef++;
  *ppStore = p;
  return SQLITE_OK;
}

/* Drop a reference; the last one closes the store (finalizing its
** statements, which must happen before the connection closes). */
static void storeRelease(tito_conn *pConn, tito_store *pStore) {
  if (pStore == 0 || --pStore->nRef > 0) return;
  if (pStore->pKv) pStore->pKv->pMethods->xClose(pStore->pKv);
  pStore->pKv = 0;
  pStore->bInTxn = pStore->bPrepared = 0;
  (void)pConn;
}

/* ------------------------------------------------------- create/connect */

/* The definition stored in the catalog: the module arguments. */
static char *vtabDefinition(tito_vtab *p) {
  sqlite3_str *pStr = sqlite3_str_new(0);
  int i;
  for (i = 0; i < p->nArg; i++) {
    sqlite3_str_appendf(pStr, "%s%s", i ? ", " : "", p->azArg[i]);
  }
  return sqlite3_str_finish(pStr);
}

int titoTableReady(tito_vtab *p) {
  char *zErr = 0;
  uint32_t iId = 0;
  int rc = SQLITE_OK;
  tito_model *pModel;
  if (p->pTab) return SQLITE_OK;
  if (p->pStore == 0) {
    rc = storeAcquire(p->pConn, p->zSchema, &p->pStore, &zErr);
  }
  if (rc == SQLITE_OK) {
    rc = tito_catalog_find(p->pStore->pKv, p->pModel->zPrefix, p->zName, &iId,
                           0, &zErr);
    if (rc == SQLITE_DONE) {
      zErr = sqlite3_mprintf("tito: %s is not in the store's catalog "
                             "(the store was changed outside tito)",
                             p->zName);
      rc = SQLITE_ERROR;
    }
  }
  if (rc == SQLITE_OK) {
    pModel = p->pModel;
    rc = tito_table_open(p->pConn->db, pModel, p->pStore->pKv, iId, &p->pTab,
                         &zErr);
    if (rc != SQLITE_OK) p->pModel = 0; /* freed by tito_table_open */
  }
  if (rc != SQLITE_OK) {
    sqlite3_free(p->base.zErrMsg);
    p->base.zErrMsg = zErr ? zErr : sqlite3_mprintf("tito: out of memory");
  }
  return rc;
}

static void vtabFree(tito_vtab *p) {
  int i;
  tito_vtab **pp;
  if (p == 0) return;
  for (pp = &p->pConn->pTabs; *pp; pp = &(*pp)->pNextTab) {
    if (*pp == p) {
      *pp = p->pNextTab;
      break;
    }
  }
  titoCondFree(p);
  cursorFree(p->pSpare);
  sqlite3_free(p->aNew);
  tito_buf_free(&p->oldKey);
  sqlite3_finalize(p->pDefault);
  if (p->pTab) {
    tito_table_close(p->pTab); /* frees the model too */
  } else {
    tito_model_free(p->pModel);
  }
  storeRelease(p->pConn, p->pStore);
  for (i = 0; i < p->nArg; i++) sqlite3_free(p->azArg[i]);
  sqlite3_free(p->azArg);
  sqlite3_free(p->zSchema);
  sqlite3_free(p->zName);
  sqlite3_free(p->base.zErrMsg);
  sqlite3_free(p);
}

/*
** Compile "SELECT d1, d2, ..." over the model's DEFAULT expressions. SQLite
** does not apply DEFAULT to virtual tables (declare_vtab drops it), so
** tito does: a column with a DEFAULT that receives NULL on INSERT gets the
** default (SQLite does not say whether a column was omitted or NULL).
*/
static int vtabPrepareDefaults(sqlite3 *db, tito_vtab *p, char **pzErr) {
  const tito_model *pModel = p->pTab ? p->pTab->pModel : p->pModel;
  sqlite3_str *pStr;
  char *zSql;
  int i, n = 0, rc;
  if (p->pDefault) return SQLITE_OK;
  for (i = 0; i < pModel->nCol; i++) {
    if (pModel->aCol[i].zDefault == 0) continue;
    zSql = sqlite3_mprintf("SELECT %s", pModel->aCol[i].zDefault);
    if (zSql == 0) return SQLITE_NOMEM;
    rc = sqlite3_prepare_v2(db, zSql, -1, &p->pDefault, 0);
    sqlite3_free(zSql);
    sqlite3_finalize(p->pDefault);
    p->pDefault = 0;
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("tito: %s: bad DEFAULT of column %s: %s",
                               pModel->zTable, pModel->aCol[i].zName,
                               sqlite3_errmsg(db));
      return SQLITE_ERROR;
    }
    n++;
  }
  if (n == 0) return SQLITE_OK;
  pStr = sqlite3_str_new(db);
  sqlite3_str_appendf(pStr, "SELECT ");
  for (i = 0, n = 0; i < pModel->nCol; i++) {
    if (pModel->aCol[i].zDefault == 0) continue;
    sqlite3_str_appendf(pStr, "%s(%s)", n++ ? ", " : "",
                        pModel->aCol[i].zDefault);
  }
  zSql = sqlite3_str_finish(pStr);
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v3(db, zSql, -1, SQLITE_PREPARE_PERSISTENT,
                          &p->pDefault, 0);
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("tito: %s: bad DEFAULT: %s", pModel->zTable,
                             sqlite3_errmsg(db));
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* Fill NULL columns of a new row that have a DEFAULT. The values point
** into p->pDefault, which stays un-reset until the caller resets it. */
static int vtabApplyDefaults(tito_vtab *p, tito_value *aNew,
                             int bNotNullOnly) {
  const tito_model *pModel = p->pTab->pModel;
  char *zErr = 0;
  int i, n, rc, bNeed = 0;
  for (i = 0; i < pModel->nCol; i++) {
    if (pModel->aCol[i].zDefault && aNew[i].eType == SQLITE_NULL &&
        (!bNotNullOnly || pModel->aCol[i].bNotNull)) {
      bNeed = 1;
    }
  }
  if (!bNeed) return SQLITE_OK;
  rc = vtabPrepareDefaults(p->pConn->db, p, &zErr);
  if (rc != SQLITE_OK) {
    titoSetError(&p->base, "%s", zErr ? zErr : "tito: out of memory");
    sqlite3_free(zErr);
    return rc;
  }
  if (sqlite3_step(p->pDefault) != SQLITE_ROW) {
    titoSetError(&p->base, "tito: %s: DEFAULT: %s", pModel->zTable,
                 sqlite3_errmsg(p->pConn->db));
    sqlite3_reset(p->pDefault);
    return SQLITE_ERROR;
  }
  for (i = 0, n = 0; i < pModel->nCol; i++) {
    if (pModel->aCol[i].zDefault == 0) continue;
    if (aNew[i].eType == SQLITE_NULL &&
        (!bNotNullOnly || pModel->aCol[i].bNotNull)) {
      titoValueFromSql(sqlite3_column_value(p->pDefault, n),
                       pModel->aCol[i].cAff, &aNew[i]);
    }
    n++;
  }
  return SQLITE_OK;
}

/*
** xCreate and xConnect. Both parse the model and declare the table; only
** xCreate touches the store (creating it and the catalog entry), so that
** reconnecting on a schema load never needs the store.
*/
static int vtabInit(sqlite3 *db, void *pAux, int argc,
                    const char *const *argv, sqlite3_vtab **ppVtab,
                    char **pzErr, int bCreate) {
  tito_conn *pConn = (tito_conn *)pAux;
  tito_vtab *p;
  char *zSql = 0;
  int rc, i;

  *ppVtab = 0;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->pConn = pConn;
  p->iKeyCol = -1;
  p->zSchema = sqlite3_mprintf("%s", argv[1]);
  p->zName = sqlite3_mprintf("%s", argv[2]);
  p->nArg = argc - 3;
  p->azArg = sqlite3_malloc(sizeof(char *) * (p->nArg + 1));
  p->pNextTab = pConn->pTabs;
  pConn->pTabs = p;
  if (p->zSchema == 0 || p->zName == 0 || p->azArg == 0) {
    vtabFree(p);
    return SQLITE_NOMEM;
  }
  memset(p->azArg, 0, sizeof(char *) * (p->nArg + 1));
  for (i = 0; i < p->nArg; i++) {
    p->azArg[i] = sqlite3_mprintf("%s", argv[3 + i]);
    if (p->azArg[i] == 0) {
      vtabFree(p);
      return SQLITE_NOMEM;
    }
  }
  rc = tito_model_parse(argv[2], p->nArg, (const char *const *)p->azArg,
                        &p->pModel, pzErr);
  if (rc == SQLITE_OK && p->pModel->zStore &&
      sqlite3_stricmp(p->pModel->zStore, "embedded") != 0) {
    *pzErr = sqlite3_mprintf("tito: %s: store '%s' is not available in this "
                             "build yet (only the embedded store is)",
                             argv[2], p->pModel->zStore);
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK) {
    zSql = tito_model_declare_sql(p->pModel);
    if (zSql == 0) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_declare_vtab(db, zSql);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("tito: %s: cannot declare %s: %s", argv[2],
                               zSql, sqlite3_errmsg(db));
    }
  }
  sqlite3_free(zSql);
  if (rc == SQLITE_OK) {
    sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
    if (p->pModel->nPk > 0 && p->pModel->iRowidCol < 0) {
      p->iKeyCol = p->pModel->nCol;
    }
    rc = titoCondParse(p);
    if (rc != SQLITE_OK) *pzErr = sqlite3_mprintf("tito: out of memory");
  }
  if (rc == SQLITE_OK && bCreate) {
    /* Compile the partial-index conditions now, so a bad one fails the
    ** CREATE naming its index. */
    tito_pred *pPred = 0;
    rc = tito_pred_open(db, p->pModel, &pPred, pzErr);
    tito_pred_close(pPred);
    if (rc == SQLITE_OK) rc = vtabPrepareDefaults(db, p, pzErr);
  }
  if (rc == SQLITE_OK && bCreate) {
    uint32_t iId = 0;
    char *zDef = vtabDefinition(p);
    rc = storeAcquire(pConn, p->zSchema, &p->pStore, pzErr);
    if (rc == SQLITE_OK && zDef == 0) rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK) {
      rc = tito_catalog_find(p->pStore->pKv, p->pModel->zPrefix, p->zName,
                             &iId, 0, pzErr);
      if (rc == SQLITE_OK) {
        *pzErr = sqlite3_mprintf("tito: the store already holds a model "
                                 "named %s", p->zName);
        rc = SQLITE_ERROR;
      } else if (rc == SQLITE_DONE) {
        rc = tito_catalog_create(p->pStore->pKv, p->pModel->zPrefix, p->zName,
                                 zDef, &iId, pzErr);
      }
    }
    sqlite3_free(zDef);
  }
  if (rc != SQLITE_OK) {
    if (*pzErr == 0) *pzErr = sqlite3_mprintf("%s", sqlite3_errstr(rc));
    vtabFree(p);
    return rc;
  }
  *ppVtab = &p->base;
  return SQLITE_OK;
}

static int titoCreate(sqlite3 *db, void *pAux, int argc,
                      const char *const *argv, sqlite3_vtab **ppVtab,
                      char **pzErr) {
  return vtabInit(db, pAux, argc, argv, ppVtab, pzErr, 1);
}

static int titoConnect(sqlite3 *db, void *pAux, int argc,
                       const char *const *argv, sqlite3_vtab **ppVtab,
                       char **pzErr) {
  return vtabInit(db, pAux, argc, argv, ppVtab, pzErr, 0);
}

static int titoDisconnect(sqlite3_vtab *pVtab) {
  vtabFree((tito_vtab *)pVtab);
  return SQLITE_OK;
}

/* DROP TABLE: the embedded store's keys of the model go with it. */
static int titoDestroy(sqlite3_vtab *pVtab) {
  tito_vtab *p = (tito_vtab *)pVtab;
  const char *zPrefix;
  char *zErr = 0;
  int rc = titoTableReady(p);
  if (rc == SQLITE_OK) rc = tito_table_purge(p->pTab);
  if (rc == SQLITE_OK) {
    zPrefix = p->pTab->pModel->zPrefix;
    rc = tito_catalog_drop(p->pStore->pKv, zPrefix, p->zName, &zErr);
  }
  if (rc != SQLITE_OK) {
    titoSetError(pVtab, "%s", zErr ? zErr
                                   : (p->pTab ? tito_table_errmsg(p->pTab)
                                              : "tito: cannot drop"));
    sqlite3_free(zErr);
    return rc;
  }
  vtabFree(p);
  return SQLITE_OK;
}

/* ALTER TABLE ... RENAME: the catalog entry follows the name. */
static int titoRename(sqlite3_vtab *pVtab, const char *zNew) {
  tito_vtab *p = (tito_vtab *)pVtab;
  char *zErr = 0;
  int rc = titoTableReady(p);
  if (rc == SQLITE_OK) {
    rc = tito_catalog_rename(p->pStore->pKv, p->pTab->pModel->zPrefix,
                             p->zName, zNew, &zErr);
  }
  if (rc != SQLITE_OK) {
    if (zErr) titoSetError(pVtab, "%s", zErr);
    sqlite3_free(zErr);
  }
  return rc;
}

/* --------------------------------------------------------------- cursors */

/*
** SQLite opens and closes a cursor for every run of a statement: the last
** closed cursor of a table is kept, with its buffers, for the next xOpen.
*/
static int titoOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  tito_vtab *p = (tito_vtab *)pVtab;
  tito_cursor *pCur;
  int rc = titoTableReady(p);
  if (rc != SQLITE_OK) return rc;
  if (p->pSpare) {
    pCur = p->pSpare;
    p->pSpare = 0;
    pCur->bEof = 1;
    pCur->pVal = 0;
    pCur->rowKey.n = 0;
    pCur->bSorted = pCur->bBatch = pCur->bPoint = 0;
    *ppCur = &pCur->base;
    return SQLITE_OK;
  }
  pCur = sqlite3_malloc(sizeof(*pCur));
  if (pCur == 0) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  pCur->aVal = sqlite3_malloc(sizeof(tito_value) * (p->pTab->pModel->nCol + 1));
  if (pCur->aVal == 0) {
    sqlite3_free(pCur);
    return SQLITE_NOMEM;
  }
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

static tito_kv *cursorKv(tito_cursor *pCur) {
  return ((tito_vtab *)pCur->base.pVtab)->pTab->pKv;
}

static void cursorCloseIter(tito_cursor *pCur) {
  if (pCur->pIter) {
    tito_kv *pKv = cursorKv(pCur);
    pKv->pMethods->xIterClose(pCur->pIter);
    pCur->pIter = 0;
  }
}

static int titoClose(sqlite3_vtab_cursor *pBase) {
  tito_cursor *pCur = (tito_cursor *)pBase;
  tito_vtab *p = (tito_vtab *)pBase->pVtab;
  /* Hand the current row to the table: a one-pass UPDATE or DELETE closes
  ** the cursor just before xUpdate of this very row. Not a row read before
  ** a later write: it may be stale. */
  if (!pCur->bEof && pCur->pVal && pCur->rowKey.n && !pCur->plan.bCover &&
      pCur->nRowWrite == p->pTab->nWrite) {
    tito_table_cache_row(p->pTab, pCur->rowKey.a, pCur->rowKey.n,
                         pCur->pVal, pCur->nVal);
  }
  cursorCloseIter(pCur);
  if (p->pSpare == 0) {
    p->pSpare = pCur;
    return SQLITE_OK;
  }
  cursorFree(pCur);
  return SQLITE_OK;
}

/* Free a cursor and its buffers (its iterator is closed already). */
static void cursorFree(tito_cursor *pCur) {
  if (pCur == 0) return;
  tito_buf_free(&pCur->ranges);
  tito_buf_free(&pCur->rowKey);
  tito_buf_free(&pCur->rowVal);
  tito_buf_free(&pCur->scratch);
  tito_buf_free(&pCur->bBase);
  tito_buf_free(&pCur->bPrefix);
  tito_buf_free(&pCur->bKey);
  tito_buf_free(&pCur->bLo);
  tito_buf_free(&pCur->bHi);
  tito_buf_free(&pCur->bT);
  tito_buf_free(&pCur->sorted);
  sqlite3_free(pCur->aSorted);
  tito_buf_free(&pCur->entryKey);
  tito_buf_free(&pCur->entryVal);
  tito_buf_free(&pCur->batchKeys);
  tito_buf_free(&pCur->batchVals);
  sqlite3_free(pCur->aBatch);
  sqlite3_free(pCur->apBatchKey);
  sqlite3_free(pCur->anBatchKey);
  sqlite3_free(pCur->aRange);
  sqlite3_free(pCur->aVal);
  sqlite3_free(pCur);
}

/* Record a cursor error from the table or the store. */
static int cursorKvError(tito_cursor *pCur, int rc) {
  tito_kv *pKv = cursorKv(pCur);
  titoSetError(pCur->base.pVtab, "tito: %s", pKv->pMethods->xErrmsg(pKv));
  return rc == TITO_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
}

/* Add a range [pLo, pHi) (copied) to the cursor's list. */
static int cursorAddRange(tito_cursor *pCur, const tito_buf *pLo,
                          const tito_buf *pHi) {
  cursor_range *r;
  if (pCur->nRange == pCur->nRangeAlloc) {
    int nNew = pCur->nRangeAlloc ? pCur->nRangeAlloc * 2 : 4;
    cursor_range *aNew = sqlite3_realloc(pCur->aRange, nNew * sizeof(*aNew));
    if (aNew == 0) return SQLITE_NOMEM;
    pCur->aRange = aNew;
    pCur->nRangeAlloc = nNew;
  }
  r = &pCur->aRange[pCur->nRange++];
  r->oLo = pCur->ranges.n;
  r->nLo = pLo ? pLo->n : 0;
  if (pLo) tito_buf_append(&pCur->ranges, pLo->a, pLo->n);
  r->oHi = pCur->ranges.n;
  r->nHi = pHi ? pHi->n : 0;
  if (pHi) tito_buf_append(&pCur->ranges, pHi->a, pHi->n);
  return pCur->ranges.rc ? SQLITE_NOMEM : SQLITE_OK;
}

/* The key fields of the plan's path. */
typedef struct path_fields {
  int n;
  const int *aiCol;      /* column of each field (-1: rowid) */
  const uint8_t *abDesc; /* per field DESC, or NULL */
  int iRowid;            /* for a rowid path: -1 */
} path_fields;

static void pathFields(tito_vtab *p, const tito_plan *pPlan, path_fields *f) {
  const tito_model *pModel = p->pTab->pModel;
  static const int aiRowid[1] = {-1};
  memset(f, 0, sizeof(*f));
  if (pPlan->iPath >= 2) {
    const tito_index *pIdx = &pModel->aIndex[pPlan->iPath - 2];
    f->n = pIdx->nCol;
    f->aiCol = pIdx->aiCol;
    f->abDesc = pIdx->abDesc;
  } else if (pModel->nPk > 0) {
    f->n = pModel->nPk;
    f->aiCol = pModel->aiPk;
    f->abDesc = pModel->abPkDesc;
  } else {
    f->n = 1;
    f->aiCol = aiRowid;
  }
}


/*
** pOut = the key just before (bAfter 0) or just after (bAfter 1) every key
** that starts with pPrefix | the encoding of v. pT is scratch.
*/
static void boundKey(tito_buf *pT, const tito_buf *pPrefix,
                     const tito_value *v, int bDesc, int bAfter,
                     tito_buf *pOut) {
  pT->n = 0;
  tito_buf_append(pT, pPrefix->a, pPrefix->n);
  tito_key_append(pT, v, bDesc);
  pOut->n = 0;
  if (bAfter) {
    tito_key_prefix_end(pT->a, pT->n, pOut);
  } else {
    tito_buf_append(pOut, pT->a, pT->n);
  }
}

/*
** Add the range of one equality prefix pPrefix (already holding the base
** and the equality fields) restricted by the plan's range bounds on the
** next field (pLoVal/pHiVal; NULL when absent).
*/
static int cursorPrefixRange(tito_cursor *pCur, const tito_buf *pPrefix,
                             int bDesc, const tito_value *pLoVal,
                             const tito_value *pHiVal) {
  tito_buf *pLo = &pCur->bLo, *pHi = &pCur->bHi, *pT = &pCur->bT;
  const tito_plan *pPlan = &pCur->plan;
  tito_value vNull;
  int rc, bHaveHi;
  memset(&vNull, 0, sizeof(vNull));
  vNull.eType = SQLITE_NULL;
  pLo->n = pHi->n = pT->n = 0;
  tito_buf_append(pLo, pPrefix->a, pPrefix->n);
  bHaveHi = tito_key_prefix_end(pPrefix->a, pPrefix->n, pHi);
  /* In key order the field runs ascending, or descending when bDesc: a
  ** lower SQL bound is then an upper key bound. NULL sorts first, and no
  ** comparison matches it, so a range with no bound on NULL's side must
  ** skip the NULLs explicitly. */
  {
    const tito_value *pKeyLo = bDesc ? pHiVal : pLoVal;
    const tito_value *pKeyHi = bDesc ? pLoVal : pHiVal;
    int eKeyLo = bDesc ? pPlan->eHi : pPlan->eLo; /* 1 strict, 2 inclusive */
    int eKeyHi = bDesc ? pPlan->eLo : pPlan->eHi;
    if (pKeyLo) {
      boundKey(pT, pPrefix, pKeyLo, bDesc, eKeyLo == 1, pLo);
    } else if (!bDesc && pKeyHi) {
      boundKey(pT, pPrefix, &vNull, 0, 1, pLo);
    }
    if (pKeyHi) {
      boundKey(pT, pPrefix, pKeyHi, bDesc, eKeyHi != 1, pHi);
      bHaveHi = 1;
    } else if (bDesc && pKeyLo) {
      boundKey(pT, pPrefix, &vNull, 1, 0, pHi);
      bHaveHi = 1;
    }
  }
  rc = (pLo->rc || pHi->rc || pT->rc) ? SQLITE_NOMEM
                                : cursorAddRange(pCur, pLo, bHaveHi ? pHi : 0);
  return rc;
}

/* Sort the ranges by low bound and drop duplicates: IN lists may repeat a
** value once affinity is applied, and are visited in key order. (An
** insertion sort: lists are short, and qsort would need a global.) */
static void cursorSortRanges(tito_cursor *pCur) {
  cursor_range *a = pCur->aRange;
  int i, j, n = pCur->nRange;
  const uint8_t *base = pCur->ranges.a;
  for (i = 1; i < n; i++) {
    cursor_range x = a[i];
    for (j = i; j > 0; j--) {
      int m = a[j - 1].nLo < x.nLo ? a[j - 1].nLo : x.nLo;
      int c = memcmp(base + a[j - 1].oLo, base + x.oLo, m);
      if (c == 0) c = a[j - 1].nLo - x.nLo;
      if (c <= 0) break;
      a[j] = a[j - 1];
    }
    a[j] = x;
  }
  for (i = j = 0; i < n; i++) {
    if (j > 0 && a[j - 1].nLo == a[i].nLo &&
        memcmp(base + a[j - 1].oLo, base + a[i].oLo, a[i].nLo) == 0) {
      continue;
    }
    a[j++] = a[i];
  }
  pCur->nRange = j;
}

/* Read key pKey and keep copies of the key and its value in pKeyBuf and
** pValBuf (the store's value lives only until its next call). SQLITE_DONE
** if the key is absent. */
static int cursorGetCopy(tito_cursor *pCur, const uint8_t *pKey, int nKey,
                         tito_buf *pKeyBuf, tito_buf *pValBuf) {
  tito_kv *pKv = cursorKv(pCur);
  const uint8_t *pVal;
  int nVal, rc;
  rc = pKv->pMethods->xGet(pKv, pKey, nKey, &pVal, &nVal);
  if (rc == TITO_NOTFOUND) return SQLITE_DONE;
  if (rc != TITO_OK) return cursorKvError(pCur, rc);
  pValBuf->n = 0;
  tito_buf_append(pValBuf, pVal, nVal);
  pKeyBuf->n = 0;
  tito_buf_append(pKeyBuf, pKey, nKey);
  return pValBuf->rc || pKeyBuf->rc ? SQLITE_NOMEM : SQLITE_OK;
}

/* Fetch the row at pKey into the cursor. SQLITE_DONE if none. */
static int cursorFetchRow(tito_cursor *pCur, const uint8_t *pKey, int nKey) {
  int rc = cursorGetCopy(pCur, pKey, nKey, &pCur->rowKey, &pCur->rowVal);
  if (rc != SQLITE_OK) return rc;
  pCur->pVal = pCur->rowVal.a;
  pCur->nVal = pCur->rowVal.n;
  pCur->bDecoded = 0;
  return SQLITE_OK;
}

/* The row key of the index entry k/v (path index iIdx) into rowKey. */
static int cursorEntryRowKey(tito_cursor *pCur, int iIdx, const uint8_t *k,
                             int nk, const uint8_t *v, int nv) {
  tito_vtab *p = (tito_vtab *)pCur->base.pVtab;
  tito_table *pTab = p->pTab;
  const tito_index *pIdx = &pTab->pModel->aIndex[iIdx];
  int i, off = pTab->idxPrefix.n + 4;
  for (i = 0; i < pIdx->nCol; i++) {
    int n = tito_key_skip(k + off, nk - off, pIdx->abDesc[i]);
    if (n < 0) goto corrupt;
    off += n;
  }
  pCur->rowKey.n = 0;
  tito_buf_append(&pCur->rowKey, pTab->rowPrefix.a, pTab->rowPrefix.n);
  if (off < nk) {
    tito_buf_append(&pCur->rowKey, k + off, nk - off);
  } else {
    tito_value a[65];
    int nInc = pIdx->nInclude + 1;
    if (nInc > 65 || tito_row_decode(v, nv, nInc, a) ||
        a[nInc - 1].eType != SQLITE_BLOB) {
      goto corrupt;
    }
    tito_buf_append(&pCur->rowKey, a[nInc - 1].z, a[nInc - 1].n);
  }
  return pCur->rowKey.rc ? SQLITE_NOMEM : SQLITE_OK;
corrupt:
  titoSetError(pCur->base.pVtab, "tito: %s: corrupt entry in index %s",
               pTab->pModel->zTable, pIdx->zName);
  return SQLITE_CORRUPT;
}

/* Open the scan of range iRange. */
static int cursorOpenRange(tito_cursor *pCur) {
  tito_kv *pKv = cursorKv(pCur);
  const cursor_range *r = &pCur->aRange[pCur->iRange];
  const uint8_t *base = pCur->ranges.a;
  int flags = TITO_SCAN_HINT, rc;
  cursorCloseIter(pCur);
  if (pCur->plan.bDesc) flags |= TITO_SCAN_REVERSE;
  if (pCur->bKeyOnly && pCur->plan.iPath < 2) flags |= TITO_SCAN_KEYONLY;
  rc = pKv->pMethods->xScan(pKv, r->nLo ? base + r->oLo : 0, r->nLo,
                            r->nHi ? base + r->oHi : 0, r->nHi, flags,
                            pCur->nHint > 0 ? pCur->nHint : 0, &pCur->pIter);
  return rc == TITO_OK ? SQLITE_OK : cursorKvError(pCur, rc);
}

/*
** Make the iterator's current entry the cursor's row (fetching the row for
** a non-covering index scan). SQLITE_DONE if the row vanished.
*/
static int cursorLoadKV(tito_cursor *pCur, const uint8_t *k, int nk,
                        const uint8_t *v, int nv) {
  int rc;
  pCur->bDecoded = 0;
  if (pCur->plan.iPath < 2) {
    pCur->rowKey.n = 0;
    tito_buf_append(&pCur->rowKey, k, nk);
    pCur->pVal = v;
    pCur->nVal = nv;
    return pCur->rowKey.rc ? SQLITE_NOMEM : SQLITE_OK;
  }
  rc = cursorEntryRowKey(pCur, pCur->plan.iPath - 2, k, nk, v, nv);
  if (rc != SQLITE_OK) return rc;
  if (pCur->plan.bCover || pCur->bKeyOnly) {
    pCur->pEntryKey = k;
    pCur->nEntryKey = nk;
    pCur->pEntryVal = v;
    pCur->nEntryVal = nv;
    pCur->pVal = 0;
    return SQLITE_OK;
  }
  return cursorFetchRow(pCur, pCur->rowKey.a, pCur->rowKey.n);
}

static int cursorLoadEntry(tito_cursor *pCur) {
  tito_kv *pKv = cursorKv(pCur);
  int nk, nv = 0;
  const uint8_t *k = pKv->pMethods->xIterKey(pCur->pIter, &nk);
  const uint8_t *v = pCur->bKeyOnly && pCur->plan.iPath < 2
                         ? 0
                         : pKv->pMethods->xIterValue(pCur->pIter, &nv);
  return cursorLoadKV(pCur, k, nk, v, nv);
}

static uint32_t getU32(const uint8_t *a) {
  uint32_t x;
  memcpy(&x, a, 4);
  return x;
}

static void putU32(tito_buf *p, uint32_t x) {
  tito_buf_append(p, &x, 4);
}

/* Compare two materialized records by their sort keys (qsort_r). */
static int sortedCmp(const void *a, const void *b, void *pCtx) {
  const tito_cursor *pCur = (const tito_cursor *)pCtx;
  const uint8_t *ra = pCur->sorted.a + *(const int *)a;
  const uint8_t *rb = pCur->sorted.a + *(const int *)b;
  uint32_t na = getU32(ra), nb = getU32(rb);
  int c = memcmp(ra + 4, rb + 4, na < nb ? na : nb);
  if (c == 0) c = na < nb ? -1 : na > nb;
  return pCur->plan.bDesc ? -c : c;
}

/*
** Read every entry of the cursor's ranges and sort them by the key fields
** after the plan's equality fields, so that a widened scan still yields
** the ORDER BY the plan promised. Records: [u32 nSort][sort key][u32 nk]
** [k][u32 nv][v].
*/
static int cursorMaterialize(tito_cursor *pCur, const path_fields *f,
                             int nBase) {
  tito_kv *pKv = cursorKv(pCur);
  int rc = SQLITE_OK, iRange;
  pCur->sorted.n = 0;
  pCur->nSorted = 0;
  pCur->nReadWrite = ((tito_vtab *)pCur->base.pVtab)->pTab->nWrite;
  for (iRange = 0; rc == SQLITE_OK && iRange < pCur->nRange; iRange++) {
    pCur->iRange = iRange;
    rc = cursorOpenRange(pCur);
    while (rc == SQLITE_OK && !pKv->pMethods->xIterEof(pCur->pIter)) {
      int nk, nv = 0, off = nBase, i, n0 = 0;
      const uint8_t *k = pKv->pMethods->xIterKey(pCur->pIter, &nk);
      const uint8_t *v = pKv->pMethods->xIterValue(pCur->pIter, &nv);
      for (i = 0; i < pCur->plan.nEq && off >= 0; i++) {
        int n = tito_key_skip(k + off, nk - off, f->abDesc ? f->abDesc[i] : 0);
        if (i == 0) n0 = n;
        off = n < 0 ? -1 : off + n;
      }
      if (off < 0) return SQLITE_CORRUPT;
      /* The sort key: the fields after the equalities, after the first
      ** field when it is an IN list (its values are ordered too). */
      if (!pCur->plan.bIn) n0 = 0;
      if (pCur->nSorted == pCur->nSortedAlloc) {
        int nNew = pCur->nSortedAlloc ? pCur->nSortedAlloc * 2 : 64;
        int *aNew = sqlite3_realloc(pCur->aSorted, nNew * sizeof(int));
        if (aNew == 0) return SQLITE_NOMEM;
        pCur->aSorted = aNew;
        pCur->nSortedAlloc = nNew;
      }
      pCur->aSorted[pCur->nSorted++] = pCur->sorted.n;
      putU32(&pCur->sorted, (uint32_t)(n0 + nk - off));
      tito_buf_append(&pCur->sorted, k + nBase, n0);
      tito_buf_append(&pCur->sorted, k + off, nk - off);
      putU32(&pCur->sorted, (uint32_t)nk);
      tito_buf_append(&pCur->sorted, k, nk);
      putU32(&pCur->sorted, (uint32_t)nv);
      tito_buf_append(&pCur->sorted, v, nv);
      if (pCur->sorted.rc) return SQLITE_NOMEM;
      if (pKv->pMethods->xIterNext(pCur->pIter) != TITO_OK) {
        rc = cursorKvError(pCur, TITO_ERROR);
      }
    }
    cursorCloseIter(pCur);
  }
  if (rc == SQLITE_OK) {
    if (pCur->nSorted > 1) {
      qsort_r(pCur->aSorted, pCur->nSorted, sizeof(int), sortedCmp, pCur);
    }
    pCur->bSorted = 1;
    pCur->iSorted = 0;
  }
  return rc;
}

/* Load materialized record iSorted; SQLITE_DONE if its row is gone. */
static int cursorLoadSorted(tito_cursor *pCur) {
  const uint8_t *r = pCur->sorted.a + pCur->aSorted[pCur->iSorted];
  uint32_t nSort = getU32(r), nk, nv;
  r += 4 + nSort;
  nk = getU32(r);
  nv = getU32(r + 4 + nk);
  return cursorLoadKV(pCur, r + 4, (int)nk, r + 8 + nk, (int)nv);
}

/* Room for n batch entries. */
static int batchReserve(tito_cursor *pCur, int n) {
  if (n > pCur->nBatchAlloc) {
    int *a = sqlite3_realloc(pCur->aBatch, n * 4 * sizeof(int));
    const uint8_t **ap;
    int *an;
    if (a == 0) return SQLITE_NOMEM;
    pCur->aBatch = a;
    ap = sqlite3_realloc(pCur->apBatchKey, n * sizeof(*ap));
    if (ap == 0) return SQLITE_NOMEM;
    pCur->apBatchKey = ap;
    an = sqlite3_realloc(pCur->anBatchKey, n * sizeof(int));
    if (an == 0) return SQLITE_NOMEM;
    pCur->anBatchKey = an;
    pCur->nBatchAlloc = n;
  }
  return SQLITE_OK;
}

/* xMultiGet callback: keep the value of batch entry i. */
static int batchRow(void *pCtx, int i, const uint8_t *pVal, int nVal) {
  tito_cursor *pCur = (tito_cursor *)pCtx;
  pCur->aBatch[4 * i + 2] = pCur->batchVals.n;
  pCur->aBatch[4 * i + 3] = nVal;
  tito_buf_append(&pCur->batchVals, pVal, nVal);
  return pCur->batchVals.rc ? TITO_NOMEM : TITO_OK;
}

/*
** Read the next batch of index entries (up to nBatchWant, across ranges)
** and their rows with one multi-get. nBatch is 0 at the end of the scan.
*/
static int cursorFillBatch(tito_cursor *pCur) {
  tito_kv *pKv = cursorKv(pCur);
  tito_table *pTab = ((tito_vtab *)pCur->base.pVtab)->pTab;
  int rc = SQLITE_OK, i;
  pCur->nBatch = pCur->iBatch = 0;
  pCur->batchKeys.n = pCur->batchVals.n = 0;
  pCur->nReadWrite = ((tito_vtab *)pCur->base.pVtab)->pTab->nWrite;
  rc = batchReserve(pCur, pCur->nBatchWant);
  while (rc == SQLITE_OK && pCur->nBatch < pCur->nBatchWant &&
         pCur->iRange < pCur->nRange) {
    int nk, nv, *e;
    const uint8_t *k, *v;
    if (pCur->pIter == 0) {
      rc = cursorOpenRange(pCur);
      if (rc != SQLITE_OK) break;
    }
    if (pKv->pMethods->xIterEof(pCur->pIter)) {
      cursorCloseIter(pCur);
      pCur->iRange++;
      continue;
    }
    k = pKv->pMethods->xIterKey(pCur->pIter, &nk);
    /* Only a unique entry may keep its row's key in the value. */
    if (pTab->pModel->aIndex[pCur->plan.iPath - 2].bUnique) {
      v = pKv->pMethods->xIterValue(pCur->pIter, &nv);
    } else {
      v = 0;
      nv = 0;
    }
    rc = cursorEntryRowKey(pCur, pCur->plan.iPath - 2, k, nk, v, nv);
    if (rc != SQLITE_OK) break;
    e = &pCur->aBatch[4 * pCur->nBatch++];
    e[0] = pCur->batchKeys.n;
    e[1] = pCur->rowKey.n;
    e[2] = -1;
    e[3] = 0;
    tito_buf_append(&pCur->batchKeys, pCur->rowKey.a, pCur->rowKey.n);
    if (pCur->batchKeys.rc) rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK && pKv->pMethods->xIterNext(pCur->pIter) != TITO_OK) {
      rc = cursorKvError(pCur, TITO_ERROR);
    }
  }
  if (rc != SQLITE_OK || pCur->nBatch == 0) return rc;
  for (i = 0; i < pCur->nBatch; i++) {
    pCur->apBatchKey[i] = pCur->batchKeys.a + pCur->aBatch[4 * i];
    pCur->anBatchKey[i] = pCur->aBatch[4 * i + 1];
  }
  i = pKv->pMethods->xMultiGet(pKv, pCur->nBatch, pCur->apBatchKey,
                               pCur->anBatchKey, batchRow, pCur);
  if (i != TITO_OK) return cursorKvError(pCur, i);
  if (pCur->nBatchWant < 64) pCur->nBatchWant *= 2;
  return SQLITE_OK;
}

/* Settle a batched scan on its next row whose entry has a row. */
static int cursorSettleBatch(tito_cursor *pCur) {
  for (;;) {
    int rc, *e;
    if (pCur->iBatch >= pCur->nBatch) {
      rc = cursorFillBatch(pCur);
      if (rc != SQLITE_OK) return rc;
      if (pCur->nBatch == 0) {
        pCur->bEof = 1;
        return SQLITE_OK;
      }
    }
    e = &pCur->aBatch[4 * pCur->iBatch];
    if (e[2] < 0) { /* the row vanished under the entry */
      pCur->iBatch++;
      continue;
    }
    pCur->rowKey.n = 0;
    tito_buf_append(&pCur->rowKey, pCur->batchKeys.a + e[0], e[1]);
    pCur->pVal = pCur->batchVals.a + e[2];
    pCur->nVal = e[3];
    pCur->bDecoded = 0;
    return pCur->rowKey.rc ? SQLITE_NOMEM : SQLITE_OK;
  }
}

/* Read the unique index entry at pKey and its row (or, covering, keep a
** copy of the entry). SQLITE_DONE if there is none. */
static int cursorFetchEntry(tito_cursor *pCur, const uint8_t *pKey,
                            int nKey) {
  int rc = cursorGetCopy(pCur, pKey, nKey, &pCur->entryKey, &pCur->entryVal);
  if (rc != SQLITE_OK) return rc;
  return cursorLoadKV(pCur, pCur->entryKey.a, pCur->entryKey.n,
                      pCur->entryVal.a, pCur->entryVal.n);
}

/* Move to the next row that exists, starting at the current position. */
static int cursorSettleRow(tito_cursor *pCur) {
  tito_kv *pKv = cursorKv(pCur);
  int rc;
  if (pCur->bBatch) return cursorSettleBatch(pCur);
  while (pCur->bSorted) {
    if (pCur->iSorted >= pCur->nSorted) {
      pCur->bEof = 1;
      return SQLITE_OK;
    }
    rc = cursorLoadSorted(pCur);
    if (rc != SQLITE_DONE) return rc;
    pCur->iSorted++;
  }
  for (;;) {
    if (pCur->iRange >= pCur->nRange) {
      pCur->bEof = 1;
      return SQLITE_OK;
    }
    if (pCur->bPoint) {
      const cursor_range *r = &pCur->aRange[pCur->iRange];
      if (pCur->plan.iPath >= 2) {
        rc = cursorFetchEntry(pCur, pCur->ranges.a + r->oLo, r->nLo);
      } else {
        rc = cursorFetchRow(pCur, pCur->ranges.a + r->oLo, r->nLo);
      }
      if (rc == SQLITE_DONE) {
        pCur->iRange++;
        continue;
      }
    } else {
      if (pCur->pIter == 0) {
        rc = cursorOpenRange(pCur);
        if (rc != SQLITE_OK) return rc;
      }
      if (pKv->pMethods->xIterEof(pCur->pIter)) {
        cursorCloseIter(pCur);
        pCur->iRange++;
        continue;
      }
      rc = cursorLoadEntry(pCur);
      if (rc == SQLITE_DONE) {
        rc = pKv->pMethods->xIterNext(pCur->pIter);
        if (rc != TITO_OK) return cursorKvError(pCur, rc);
        continue;
      }
    }
    return rc;
  }
}

/* Settle, noting the table's write count the row was read at. */
static int cursorSettle(tito_cursor *pCur) {
  int rc = cursorSettleRow(pCur);
  /* Batched and sorted rows were read when their batch was. */
  pCur->nRowWrite = pCur->bBatch || pCur->bSorted
                        ? pCur->nReadWrite
                        : ((tito_vtab *)pCur->base.pVtab)->pTab->nWrite;
  return rc;
}

static int titoNext(sqlite3_vtab_cursor *pBase) {
  tito_cursor *pCur = (tito_cursor *)pBase;
  if (pCur->bBatch) {
    pCur->iBatch++;
  } else if (pCur->bSorted) {
    pCur->iSorted++;
  } else if (pCur->bPoint) {
    pCur->iRange++;
  } else if (pCur->pIter) {
    tito_kv *pKv = cursorKv(pCur);
    int rc = pKv->pMethods->xIterNext(pCur->pIter);
    if (rc != TITO_OK) return cursorKvError(pCur, rc);
  }
  return cursorSettle(pCur);
}

static int titoEof(sqlite3_vtab_cursor *pBase) {
  return ((tito_cursor *)pBase)->bEof;
}

/* The raw column affinity of a key field (rowid: INTEGER). */
static char fieldRawAff(tito_vtab *p, int iCol) {
  return iCol < 0 ? TITO_AFF_INTEGER : p->pTab->pModel->aCol[iCol].cAff;
}

/* Read an xFilter argument for field iCol with the affinity a literal
** compared with that column gets. */
static void filterArg(tito_vtab *p, sqlite3_value *pArg, int iCol,
                      tito_value *pOut) {
  titoValueFromSql(pArg, titoSeekAffinity(fieldRawAff(p, iCol)), pOut);
}

/*
** How much of the plan's seek the arguments allow: equality fields used
** (*pnEq) and whether the range bounds are (*pbRange). An argument that
** may compare under other affinity rules than a literal's (tito_plan.c,
** "AFFINITY OF ARGUMENTS") widens the scan to the fields before it; SQLite
** re-checks those constraints.
*/
static void filterSeekWidth(tito_cursor *pCur, const path_fields *f,
                            sqlite3_value **argv, int *pnEq, int *pbRange) {
  tito_vtab *p = (tito_vtab *)pCur->base.pVtab;
  const tito_plan *pPlan = &pCur->plan;
  int i, iArg;
  *pnEq = pPlan->nEq;
  *pbRange = pPlan->eLo || pPlan->eHi;
  for (i = pPlan->iAmbig; i < pPlan->nEq; i++) {
    if (i == 0 && pPlan->bIn) continue; /* checked value by value */
    if (titoSeekAmbiguous(fieldRawAff(p, f->aiCol[i]), argv[i])) {
      *pnEq = i;
      *pbRange = 0;
      return;
    }
  }
  if (*pbRange && pPlan->iAmbig <= pPlan->nEq) {
    char cAff = fieldRawAff(p, f->aiCol[pPlan->nEq]);
    iArg = pPlan->nEq;
    if ((pPlan->eLo && titoSeekAmbiguous(cAff, argv[iArg++])) ||
        (pPlan->eHi && titoSeekAmbiguous(cAff, argv[iArg]))) {
      *pbRange = 0;
    }
  }
}

/*
** Build the ranges of the plan from xFilter's arguments: equality values
** (the first possibly an IN list), then the range bounds and the LIMIT
** hint.
*/
static int cursorBuildRanges(tito_cursor *pCur, int argc,
                             sqlite3_value **argv) {
  tito_vtab *p = (tito_vtab *)pCur->base.pVtab;
  tito_table *pTab = p->pTab;
  const tito_plan *pPlan = &pCur->plan;
  path_fields f;
  tito_buf *pBase = &pCur->bBase, *pPrefix = &pCur->bPrefix;
  tito_value v, vLo, vHi;
  sqlite3_value *pIn = 0;
  int iArg = 0, i, rc = SQLITE_OK, bEmpty = 0, nEq, bRange, bWhole = 0;
  int bDescNext;

  pathFields(p, pPlan, &f);
  if (pPlan->nEq + (pPlan->eLo != 0) + (pPlan->eHi != 0) + pPlan->bLimit >
      argc) {
    return SQLITE_ERROR;
  }
  filterSeekWidth(pCur, &f, argv, &nEq, &bRange);
  if (pPlan->iPath >= 2) {
    tito_table_index_prefix(pTab, pPlan->iPath - 2, pBase);
  } else {
    pBase->n = 0;
    tito_buf_append(pBase, pTab->rowPrefix.a, pTab->rowPrefix.n);
  }
  /* x = NULL and x < NULL match nothing, whatever the scan. */
  for (i = pPlan->bIn ? 1 : 0; i < pPlan->nEq; i++) {
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) bEmpty = 1;
  }
  /* The equality fields after the first (the first may be a list). */
  pPrefix->n = 0;
  for (i = 1; i < nEq; i++) {
    filterArg(p, argv[i], f.aiCol[i], &v);
    tito_key_append(pPrefix, &v, f.abDesc ? f.abDesc[i] : 0);
  }
  iArg = pPlan->nEq;
  memset(&vLo, 0, sizeof(vLo));
  memset(&vHi, 0, sizeof(vHi));
  if (pPlan->eLo) filterArg(p, argv[iArg++], f.aiCol[pPlan->nEq], &vLo);
  if (pPlan->eHi) filterArg(p, argv[iArg++], f.aiCol[pPlan->nEq], &vHi);
  if ((pPlan->eLo && vLo.eType == SQLITE_NULL) ||
      (pPlan->eHi && vHi.eType == SQLITE_NULL)) {
    bEmpty = 1;
  }
  pCur->nHint = pPlan->bLimit ? sqlite3_value_int64(argv[iArg++]) : 0;
  /* Point reads: the whole primary key, or the whole of a unique index
  ** (whose entries, when no field is NULL, are keyed by the fields alone). */
  pCur->bPoint = nEq == f.n && !bRange &&
                 (pPlan->iPath == PLAN_PK ||
                  pTab->pModel->aIndex[pPlan->iPath - 2].bUnique);
  bDescNext = f.abDesc && nEq < f.n ? f.abDesc[nEq] : 0;
  if (bEmpty) goto done;

  /* One range (or point) per value of the first equality field. */
  if (nEq == 0) {
    rc = cursorPrefixRange(pCur, pBase, bDescNext, bRange && pPlan->eLo ? &vLo : 0,
                           bRange && pPlan->eHi ? &vHi : 0);
    goto done;
  }
  if (pPlan->bIn) {
    rc = sqlite3_vtab_in_first(argv[0], &pIn);
    if (rc == SQLITE_DONE) { /* an empty list: no rows */
      rc = SQLITE_OK;
      pIn = 0;
    }
  } else {
    pIn = argv[0];
  }
  while (rc == SQLITE_OK && pIn) {
    tito_buf *pKey = &pCur->bKey;
    pKey->n = 0;
    if (pPlan->bIn && pPlan->iAmbig == 0 &&
        titoSeekAmbiguous(fieldRawAff(p, f.aiCol[0]), pIn)) {
      bWhole = 1; /* this value needs the whole path: see below */
    }
    filterArg(p, pIn, f.aiCol[0], &v);
    if (v.eType != SQLITE_NULL && !bWhole) {
      tito_buf_append(pKey, pBase->a, pBase->n);
      tito_key_append(pKey, &v, f.abDesc ? f.abDesc[0] : 0);
      tito_buf_append(pKey, pPrefix->a, pPrefix->n);
      if (pKey->rc) {
        rc = SQLITE_NOMEM;
      } else if (pCur->bPoint) {
        rc = cursorAddRange(pCur, pKey, 0);
      } else {
        rc = cursorPrefixRange(pCur, pKey, bDescNext,
                               bRange && pPlan->eLo ? &vLo : 0,
                               bRange && pPlan->eHi ? &vHi : 0);
      }
    }
    if (!pPlan->bIn || bWhole) break;
    if (rc == SQLITE_OK) {
      rc = sqlite3_vtab_in_next(argv[0], &pIn);
      if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
        pIn = 0;
      }
    }
  }
  if (rc == SQLITE_OK && bWhole) {
    /* One value may match keys anywhere: scan the whole path once. */
    pCur->nRange = 0;
    pCur->ranges.n = 0;
    pCur->bPoint = 0;
    rc = cursorPrefixRange(pCur, pBase, 0, 0, 0);
  } else if (rc == SQLITE_OK && pPlan->bIn) {
    cursorSortRanges(pCur);
  }
  if (rc == SQLITE_OK && pPlan->bOrdered && (bWhole || nEq < pPlan->nEq)) {
    rc = cursorMaterialize(pCur, &f, pBase->n);
  }
done:
  if (pBase->rc || pPrefix->rc) rc = SQLITE_NOMEM;
  return rc;
}

static int titoFilter(sqlite3_vtab_cursor *pBase, int idxNum,
                      const char *idxStr, int argc, sqlite3_value **argv) {
  tito_cursor *pCur = (tito_cursor *)pBase;
  int rc;
  (void)idxStr;
  cursorCloseIter(pCur);
  pCur->ranges.n = 0;
  pCur->nRange = 0;
  pCur->iRange = 0;
  pCur->bEof = 0;
  pCur->bSorted = 0;
  pCur->nHint = 0;
  pCur->pVal = 0;
  pCur->bDecoded = 0;
  titoPlanDecode(idxNum, &pCur->plan);
  pCur->bKeyOnly = (idxNum >> 23) & 1;
  pCur->bBatch = 0;
  rc = cursorBuildRanges(pCur, argc, argv);
  if (rc == SQLITE_OK && pCur->plan.iPath >= 2 && !pCur->plan.bCover &&
      !pCur->bKeyOnly && !pCur->bSorted && !pCur->bPoint) {
    /* A LIMIT sizes the first batch; else read 16 ahead, then more. */
    pCur->bBatch = 1;
    pCur->nBatch = pCur->iBatch = 0;
    pCur->nBatchWant = pCur->nHint > 0 && pCur->nHint < 16 ? (int)pCur->nHint
                                                             : 16;
  }
  if (rc == SQLITE_OK) rc = cursorSettle(pCur);
  return rc;
}

static int cursorDecode(tito_cursor *pCur);

/* Decode the covering index entry into aVal (index fields, INCLUDE
** columns, primary key). */
static int cursorDecodeEntry(tito_cursor *pCur) {
  tito_vtab *p = (tito_vtab *)pCur->base.pVtab;
  tito_table *pTab = p->pTab;
  const tito_model *pModel = pTab->pModel;
  const tito_index *pIdx = &pModel->aIndex[pCur->plan.iPath - 2];
  const uint8_t *k = pCur->pEntryKey;
  int nk = pCur->nEntryKey, off = pTab->idxPrefix.n + 4, i, bFromRow = 0;
  tito_value aPk[64], aInc[64];
  for (i = 0; i < pModel->nCol; i++) pCur->aVal[i].eType = SQLITE_NULL;
  pCur->scratch.n = 0;
  /* The scratch buffer must not move while values point into it. */
  if (tito_buf_reserve(&pCur->scratch, 2 * nk + 2 * pCur->rowKey.n + 64)) {
    return SQLITE_NOMEM;
  }
  for (i = 0; i < pIdx->nCol; i++) {
    int iCol = pIdx->aiCol[i];
    int n = tito_key_decode(k + off, nk - off, pIdx->abDesc[i],
                            pModel->aCol[iCol].cAff == TITO_AFF_REAL,
                            &pCur->aVal[iCol], &pCur->scratch);
    if (n < 0) return SQLITE_CORRUPT;
    off += n;
    /* -2^63 is the one number an INTEGER column may hold both as an
    ** integer and as a real (SQLite's affinity keeps that real): its key
    ** cannot say which, so read the row. */
    if (pCur->aVal[iCol].eType == SQLITE_INTEGER &&
        pCur->aVal[iCol].i == INT64_MIN) {
      bFromRow = 1;
    }
  }

  if (pIdx->nInclude > 0 && pIdx->nInclude <= 64) {
    if (tito_row_decode(pCur->pEntryVal, pCur->nEntryVal, pIdx->nInclude,
                        aInc)) {
      return SQLITE_CORRUPT;
    }
    for (i = 0; i < pIdx->nInclude; i++) pCur->aVal[pIdx->aiInclude[i]] = aInc[i];
  }
  if (pModel->nPk > 0 && pModel->nPk <= 64) {
    if (tito_table_decode_pk(pTab, pCur->rowKey.a, pCur->rowKey.n, aPk,
                             &pCur->scratch)) {
      return SQLITE_CORRUPT;
    }
    for (i = 0; i < pModel->nPk; i++) {
      pCur->aVal[pModel->aiPk[i]] = aPk[i];
      if (aPk[i].eType == SQLITE_INTEGER && aPk[i].i == INT64_MIN) {
        bFromRow = 1;
      }
    }
  }
  if (bFromRow) {
    int rc = cursorFetchRow(pCur, pCur->rowKey.a, pCur->rowKey.n);
    if (rc == SQLITE_OK) rc = cursorDecode(pCur);
    return rc == SQLITE_DONE ? SQLITE_CORRUPT : rc;
  }
  pCur->bDecoded = 1;
  return SQLITE_OK;
}

static int cursorDecode(tito_cursor *pCur) {
  tito_vtab *p = (tito_vtab *)pCur->base.pVtab;
  if (pCur->bDecoded) return SQLITE_OK;
  if (pCur->pVal == 0 && pCur->plan.iPath >= 2) return cursorDecodeEntry(pCur);
  if (tito_row_decode(pCur->pVal, pCur->nVal, p->pTab->pModel->nCol,
                      pCur->aVal)) {
    titoSetError(pCur->base.pVtab, "tito: %s: corrupt row", p->zName);
    return SQLITE_CORRUPT;
  }
  pCur->bDecoded = 1;
  return SQLITE_OK;
}

static int titoColumn(sqlite3_vtab_cursor *pBase, sqlite3_context *ctx,
                      int iCol) {
  tito_cursor *pCur = (tito_cursor *)pBase;
  tito_vtab *p = (tito_vtab *)pBase->pVtab;
  tito_table *pTab = p->pTab;
  int rc;
  if (iCol == p->iKeyCol) {
    /* The encoded primary key after the row prefix: never "nochange". */
    sqlite3_result_blob(ctx, pCur->rowKey.a + pTab->rowPrefix.n,
                        pCur->rowKey.n - pTab->rowPrefix.n, SQLITE_TRANSIENT);
    return SQLITE_OK;
  }
  if (sqlite3_vtab_nochange(ctx)) return SQLITE_OK;
  rc = cursorDecode(pCur);
  if (rc != SQLITE_OK) return rc;
  titoValueResult(ctx, &pCur->aVal[iCol]);
  return SQLITE_OK;
}

static int titoRowid(sqlite3_vtab_cursor *pBase, sqlite3_int64 *pRowid) {
  tito_cursor *pCur = (tito_cursor *)pBase;
  tito_vtab *p = (tito_vtab *)pBase->pVtab;
  tito_value v;
  int rc = tito_table_decode_pk(p->pTab, pCur->rowKey.a, pCur->rowKey.n, &v,
                                &pCur->scratch);
  if (rc != SQLITE_OK || v.eType != SQLITE_INTEGER) return SQLITE_CORRUPT;
  *pRowid = v.i;
  return SQLITE_OK;
}

/* --------------------------------------------------------------- writes */

/* The row key named by argv[0] of xUpdate (the _key blob or the rowid). */
static int updateOldKey(tito_vtab *p, sqlite3_value *pArg, tito_buf *pOut) {
  tito_table *pTab = p->pTab;
  pOut->n = 0;
  if (p->iKeyCol >= 0) {
    tito_buf_append(pOut, pTab->rowPrefix.a, pTab->rowPrefix.n);
    tito_buf_append(pOut, sqlite3_value_blob(pArg), sqlite3_value_bytes(pArg));
  } else {
    tito_value v;
    memset(&v, 0, sizeof(v));
    v.eType = SQLITE_INTEGER;
    v.i = sqlite3_value_int64(pArg);
    tito_table_row_key(pTab, &v, pOut);
  }
  return pOut->rc ? SQLITE_NOMEM : SQLITE_OK;
}

/*
** The new rowid of a rowid table (argv[1]) must be an integer, or a value
** that converts to one exactly, as SQLite requires; NULL allocates one on
** INSERT and is a mismatch on UPDATE.
*/
static int updateCheckRowid(tito_vtab *p, sqlite3_value **argv) {
  int eType = sqlite3_value_type(argv[1]);
  tito_value v;
  if (eType == SQLITE_INTEGER) return SQLITE_OK;
  if (eType == SQLITE_NULL && sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    return SQLITE_OK;
  }
  if (eType != SQLITE_NULL) {
    titoValueFromSql(argv[1], TITO_AFF_INTEGER, &v);
    if (v.eType == SQLITE_INTEGER && sqlite3_value_int64(argv[1]) == v.i) {
      return SQLITE_OK;
    }
  }
  titoSetError(&p->base, "datatype mismatch");
  return SQLITE_MISMATCH;
}

static int titoUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                      sqlite3_int64 *pRowid) {
  tito_vtab *p = (tito_vtab *)pVtab;
  tito_table *pTab;
  tito_buf *pOldKey = &p->oldKey;
  tito_value *aNew;
  int rc = titoTableReady(p), i, nCol, eConflict, bInsert;
  if (rc != SQLITE_OK) return rc;
  pTab = p->pTab;
  nCol = pTab->pModel->nCol;
  eConflict = sqlite3_vtab_on_conflict(p->pConn->db);
  bInsert = sqlite3_value_type(argv[0]) == SQLITE_NULL;
  sqlite3_free(pTab->zErr); /* no stale message from an earlier write */
  pTab->zErr = 0;
  if (!bInsert) rc = updateOldKey(p, argv[0], pOldKey);
  if (rc == SQLITE_OK && argc == 1) {
    rc = tito_table_delete(pTab, pOldKey->a, pOldKey->n);
    goto done;
  }
  if (p->aNew == 0) p->aNew = sqlite3_malloc(sizeof(tito_value) * (nCol + 1));
  aNew = p->aNew;
  if (aNew == 0) rc = SQLITE_NOMEM;
  for (i = 0; rc == SQLITE_OK && i < nCol; i++) {
    sqlite3_value *pArg = argv[2 + i];
    if (sqlite3_value_nochange(pArg)) {
      memset(&aNew[i], 0, sizeof(aNew[i]));
      aNew[i].eType = TITO_NOCHANGE;
    } else {
      titoValueFromSql(pArg, pTab->pModel->aCol[i].cAff, &aNew[i]);
    }
  }
  if (rc == SQLITE_OK && p->iKeyCol < 0) rc = updateCheckRowid(p, argv);
  if (rc == SQLITE_OK) {
    int bRowidGiven = p->iKeyCol < 0 &&
                      sqlite3_value_type(argv[1]) != SQLITE_NULL;
    int64_t iRowid = bRowidGiven ? sqlite3_value_int64(argv[1]) : 0;
    if (!bInsert && bRowidGiven && iRowid == sqlite3_value_int64(argv[0])) {
      bRowidGiven = pTab->pModel->iRowidCol >= 0;
    }
    /* An INSERT gets DEFAULTs for NULLs; OR REPLACE puts a NOT NULL
    ** column's DEFAULT in place of NULL on UPDATE too. */
    if (bInsert || eConflict == TITO_ONCONFLICT_REPLACE) {
      rc = vtabApplyDefaults(p, aNew, !bInsert);
    }
    if (rc == SQLITE_OK && bInsert) {
      rc = tito_table_insert(pTab, aNew, &iRowid, bRowidGiven, eConflict);
    } else if (rc == SQLITE_OK) {
      rc = tito_table_update(pTab, pOldKey->a, pOldKey->n, aNew, &iRowid,
                             bRowidGiven, eConflict);
    }
    if (p->pDefault) sqlite3_reset(p->pDefault);
    if (rc == SQLITE_OK && p->iKeyCol < 0) *pRowid = iRowid;
  }
done:
  /* The table's message if it has one; else the one already set here. */
  if (rc != SQLITE_OK && tito_table_errmsg(pTab)[0]) {
    titoSetError(pVtab, "%s", tito_table_errmsg(pTab));
  }
  return rc;
}

/* ---------------------------------------------------------- transactions */

static int titoBegin(sqlite3_vtab *pVtab) {
  tito_vtab *p = (tito_vtab *)pVtab;
  tito_store *pStore;
  int rc = titoTableReady(p);
  if (rc != SQLITE_OK) return rc;
  p->pTab->cacheKey.n = 0;
  pStore = p->pStore;
  if (!pStore->bInTxn) {
    rc = pStore->pKv->pMethods->xBegin(pStore->pKv);
    if (rc != TITO_OK) {
      titoSetError(pVtab, "tito: %s",
                   pStore->pKv->pMethods->xErrmsg(pStore->pKv));
      return SQLITE_ERROR;
    }
    pStore->bInTxn = 1;
    pStore->bPrepared = 0;
  }
  return SQLITE_OK;
}

/* The first xSync of a commit makes the store's transaction durable: a
** failure here is the one SQLite reports (xCommit's result is ignored). */
static int titoSync(sqlite3_vtab *pVtab) {
  tito_vtab *p = (tito_vtab *)pVtab;
  tito_store *pStore = p->pStore;
  int rc;
  if (pStore == 0 || !pStore->bInTxn || pStore->bPrepared) return SQLITE_OK;
  rc = pStore->pKv->pMethods->xPrepare(pStore->pKv);
  if (rc == TITO_OK) {
    pStore->bPrepared = 1;
    return SQLITE_OK;
  }
  titoSetError(pVtab, "tito: %s", pStore->pKv->pMethods->xErrmsg(pStore->pKv));
  /* A write conflict leaves the transaction open: COMMIT may be retried. */
  return rc == TITO_CONFLICT ? SQLITE_BUSY : SQLITE_ERROR;
}

static void storeEnd(tito_vtab *p, int bCommit) {
  tito_store *pStore = p->pStore;
  if (p->pTab) p->pTab->cacheKey.n = 0;
  if (pStore == 0 || !pStore->bInTxn) return;
  if (bCommit) {
    pStore->pKv->pMethods->xCommit(pStore->pKv);
  } else {
    pStore->pKv->pMethods->xRollback(pStore->pKv);
  }
  pStore->bInTxn = 0;
  pStore->bPrepared = 0;
}

static int titoCommit(sqlite3_vtab *pVtab) {
  storeEnd((tito_vtab *)pVtab, 1);
  return SQLITE_OK;
}

static int titoRollback(sqlite3_vtab *pVtab) {
  storeEnd((tito_vtab *)pVtab, 0);
  return SQLITE_OK;
}

/* Savepoints go to the store; several tables of one store forward the same
** mark, which the store treats as one. */
static int titoSavepoint(sqlite3_vtab *pVtab, int iSave) {
  tito_vtab *p = (tito_vtab *)pVtab;
  tito_kv *pKv = p->pStore && p->pStore->bInTxn ? p->pStore->pKv : 0;
  if (p->pTab) p->pTab->cacheKey.n = 0;
  return pKv && pKv->pMethods->xSavepoint(pKv, iSave) ? SQLITE_ERROR
                                                      : SQLITE_OK;
}

static int titoRelease(sqlite3_vtab *pVtab, int iSave) {
  tito_vtab *p = (tito_vtab *)pVtab;
  tito_kv *pKv = p->pStore && p->pStore->bInTxn ? p->pStore->pKv : 0;
  return pKv && pKv->pMethods->xRelease(pKv, iSave) ? SQLITE_ERROR
                                                    : SQLITE_OK;
}

static int titoRollbackTo(sqlite3_vtab *pVtab, int iSave) {
  tito_vtab *p = (tito_vtab *)pVtab;
  tito_kv *pKv = p->pStore && p->pStore->bInTxn ? p->pStore->pKv : 0;
  if (p->pTab) p->pTab->cacheKey.n = 0;
  if (pKv && pKv->pMethods->xRollbackTo(pKv, iSave)) {
    titoSetError(pVtab, "tito: %s", pKv->pMethods->xErrmsg(pKv));
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

static sqlite3_module titoModule = {
    /* iVersion    */ 2,
    /* xCreate     */ titoCreate,
    /* xConnect    */ titoConnect,
    /* xBestIndex  */ titoBestIndex,
    /* xDisconnect */ titoDisconnect,
    /* xDestroy    */ titoDestroy,
    /* xOpen       */ titoOpen,
    /* xClose      */ titoClose,
    /* xFilter     */ titoFilter,
    /* xNext       */ titoNext,
    /* xEof        */ titoEof,
    /* xColumn     */ titoColumn,
    /* xRowid      */ titoRowid,
    /* xUpdate     */ titoUpdate,
    /* xBegin      */ titoBegin,
    /* xSync       */ titoSync,
    /* xCommit     */ titoCommit,
    /* xRollback   */ titoRollback,
    /* xFindMethod */ 0,
    /* xRename     */ titoRename,
    /* xSavepoint  */ titoSavepoint,
    /* xRelease    */ titoRelease,
    /* xRollbackTo */ titoRollbackTo,
    /* xShadowName */ 0,
#if SQLITE_VERSION_NUMBER >= 3044000
    /* xIntegrity  */ 0,
#endif
};

void titoConnDestroy(void *);

int titoRegisterModule(sqlite3 *db, tito_conn *pConn) {
  return sqlite3_create_module_v2(db, "tito", &titoModule, pConn,
                                  titoConnDestroy);
}
