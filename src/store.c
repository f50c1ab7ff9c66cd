/*
** store.c: opening stores from their URLs for one connection, and
** forwarding SQLite's transaction callbacks to them (see store.h).
*/
#include "store.h"
#include <stdarg.h>
#include <string.h>
#include "kv_embedded.h"

static int urlIsEmbedded(const char *zUrl) {
  return zUrl == 0 || sqlite3_stricmp(zUrl, "embedded") == 0;
}

int tito_store_check_url(const char *zTable, const char *zUrl, char **pzErr) {
  if (urlIsEmbedded(zUrl)) return SQLITE_OK;
  *pzErr = sqlite3_mprintf("tito: %s: store '%s' is not available in this "
                           "build yet (only the embedded store is)",
                           zTable, zUrl);
  return SQLITE_ERROR;
}

static void storeSetError(tito_store *p, const char *zFmt, ...) {
  va_list ap;
  va_start(ap, zFmt);
  sqlite3_free(p->zErr);
  p->zErr = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
}

const char *tito_store_errmsg(tito_store *p) {
  return p->zErr ? p->zErr : "";
}

/* The store's own message for its last error. */
static int storeKvError(tito_store *p, int rc) {
  if (rc == TITO_NOMEM) return SQLITE_NOMEM;
  storeSetError(p, "tito: %s", p->pKv->pMethods->xErrmsg(p->pKv));
  return SQLITE_ERROR;
}

/* Open the backend of p->zUrl. */
static int storeOpen(tito_store_list *pList, tito_store *p, char **pzErr) {
  int rc = tito_store_check_url(p->zSchema, p->zUrl, pzErr);
  if (rc != SQLITE_OK) return rc;
  rc = tito_kv_embedded_open(pList->db, p->zSchema, &p->pKv, pzErr);
  if (rc != TITO_OK) {
    p->pKv = 0;
    return rc == TITO_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
  }
  /* The store is in the schema of the tables writing it, where SQLite's
  ** own statement journal already undoes a failed statement's nested
  ** writes and ROLLBACK TO (test_kv_embedded shows it for every schema
  ** pair): the store's own undo log would only double each write. */
  tito_kv_embedded_set_undo_log(p->pKv, 0);
  return SQLITE_OK;
}

/* The list entry of store zUrl for schema zSchema, created if missing. */
static tito_store *storeFind(tito_store_list *pList, const char *zSchema,
                             const char *zUrl) {
  tito_store *p;
  const char *zKey = urlIsEmbedded(zUrl) ? "embedded" : zUrl;
  for (p = pList->pFirst; p; p = p->pNext) {
    if (sqlite3_stricmp(p->zSchema, zSchema) == 0 &&
        strcmp(p->zUrl, zKey) == 0) {
      return p;
    }
  }
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return 0;
  memset(p, 0, sizeof(*p));
  p->zSchema = sqlite3_mprintf("%s", zSchema);
  p->zUrl = sqlite3_mprintf("%s", zKey);
  if (p->zSchema == 0 || p->zUrl == 0) {
    sqlite3_free(p->zSchema);
    sqlite3_free(p->zUrl);
    sqlite3_free(p);
    return 0;
  }
  p->pNext = pList->pFirst;
  pList->pFirst = p;
  return p;
}

int tito_store_acquire(tito_store_list *pList, const char *zSchema,
                       const char *zUrl, tito_store **ppStore, char **pzErr) {
  tito_store *p = storeFind(pList, zSchema, zUrl);
  int rc;
  *ppStore = 0;
  if (p == 0) return SQLITE_NOMEM;
  if (p->pKv == 0) {
    rc = storeOpen(pList, p, pzErr);
    if (rc != SQLITE_OK) return rc;
  }
  p->nRef++;
  *ppStore = p;
  return SQLITE_OK;
}

void tito_store_release(tito_store *p) {
  if (p == 0 || --p->nRef > 0) return;
  if (p->pKv) p->pKv->pMethods->xClose(p->pKv);
  p->pKv = 0;
  p->bInTxn = p->bPrepared = 0;
}

void tito_store_list_free(tito_store_list *pList) {
  while (pList->pFirst) {
    tito_store *p = pList->pFirst;
    pList->pFirst = p->pNext;
    if (p->pKv) p->pKv->pMethods->xClose(p->pKv);
    sqlite3_free(p->zSchema);
    sqlite3_free(p->zUrl);
    sqlite3_free(p->zErr);
    sqlite3_free(p);
  }
}

/* ---------------------------------------------------------- transactions */

int tito_store_begin(tito_store *p) {
  int rc;
  if (p->bInTxn) return SQLITE_OK;
  rc = p->pKv->pMethods->xBegin(p->pKv);
  if (rc != TITO_OK) return storeKvError(p, rc);
  p->bInTxn = 1;
  p->bPrepared = 0;
  return SQLITE_OK;
}

/* Called from every participating table's xSync: the first call of a
** commit makes the transaction durable, and its failure is the one SQLite
** reports (xCommit's result is ignored). */
int tito_store_prepare(tito_store *p) {
  int rc;
  if (!p->bInTxn || p->bPrepared) return SQLITE_OK;
  rc = p->pKv->pMethods->xPrepare(p->pKv);
  if (rc == TITO_OK) {
    p->bPrepared = 1;
    return SQLITE_OK;
  }
  storeKvError(p, rc);
  /* A write conflict leaves the transaction open: COMMIT may be retried. */
  return rc == TITO_CONFLICT ? SQLITE_BUSY : SQLITE_ERROR;
}

void tito_store_end(tito_store *p, int bCommit) {
  if (!p->bInTxn) return;
  if (bCommit) {
    p->pKv->pMethods->xCommit(p->pKv);
  } else {
    p->pKv->pMethods->xRollback(p->pKv);
  }
  p->bInTxn = 0;
  p->bPrepared = 0;
}

/* Several tables of one store forward the same mark, which the store
** treats as one. */
int tito_store_savepoint(tito_store *p, int iSave) {
  if (!p->bInTxn) return SQLITE_OK;
  if (p->pKv->pMethods->xSavepoint(p->pKv, iSave)) {
    return storeKvError(p, TITO_ERROR);
  }
  return SQLITE_OK;
}

int tito_store_release_savepoint(tito_store *p, int iSave) {
  if (!p->bInTxn) return SQLITE_OK;
  if (p->pKv->pMethods->xRelease(p->pKv, iSave)) {
    return storeKvError(p, TITO_ERROR);
  }
  return SQLITE_OK;
}

int tito_store_rollback_to(tito_store *p, int iSave) {
  if (!p->bInTxn) return SQLITE_OK;
  if (p->pKv->pMethods->xRollbackTo(p->pKv, iSave)) {
    return storeKvError(p, TITO_ERROR);
  }
  return SQLITE_OK;
}
