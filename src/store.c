/*
** store.c: opening stores from their URLs for one connection, and
** forwarding SQLite's transaction callbacks to them (see store.h for the
** transaction and snapshot rules).
*/
#include "store.h"
#include "outbox.h"
#include <stdarg.h>
#include <string.h>
#include "kv_embedded.h"
#include "kv_keyspace.h"
#include "store_registry.h"

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

/* The store's own message for its last error, as a statement error: the
** statement fails, SQLite's transaction stays open. */
static int storeKvError(tito_store *p, int rc) {
  if (rc == TITO_NOMEM) return SQLITE_NOMEM;
  storeSetError(p, "tito: %s", p->pKv->pMethods->xErrmsg(p->pKv));
  return SQLITE_ERROR;
}

int tito_store_check_url(const char *zTable, const char *zUrl, char **pzErr) {
  tito_store_url u;
  char *zErr = 0;
  int rc = tito_store_url_parse(zUrl, &u, &zErr);
  if (rc == SQLITE_OK) {
    tito_store_url_clear(&u);
    return SQLITE_OK;
  }
  if (zErr) {
    *pzErr = sqlite3_mprintf("tito: %s: %s", zTable, zErr);
    sqlite3_free(zErr);
  }
  return rc;
}

int tito_store_set_override(tito_store_list *pList, const char *zUrl,
                            char **pzErr) {
  tito_store *p;
  tito_store_url u;
  char *zCanon = 0;
  int rc;
  for (p = pList->pFirst; p; p = p->pNext) {
    if (p->pKv) {
      *pzErr = sqlite3_mprintf("the store can only be changed before this "
                               "connection uses a tito table (store '%s' is "
                               "in use)", p->zUrl);
      return SQLITE_ERROR;
    }
  }
  if (zUrl) {
    rc = tito_store_url_parse(zUrl, &u, pzErr);
    if (rc != SQLITE_OK) return rc;
    zCanon = sqlite3_mprintf("%s", u.zCanon);
    tito_store_url_clear(&u);
    if (zCanon == 0) return SQLITE_NOMEM;
  }
  sqlite3_free(pList->zOverride);
  pList->zOverride = zCanon;
  return SQLITE_OK;
}

/* Open the backend of URL *pUrl for p. */
static int storeOpen(tito_store *p, const tito_store_url *pUrl,
                     char **pzErr) {
  char *zErr = 0;
  int rc;
  if (pUrl->bRemote) {
    rc = tito_registry_open(pUrl, &p->pKv, &zErr);
    if (rc != SQLITE_OK) {
      p->pKv = 0;
      *pzErr = sqlite3_mprintf("tito: cannot open store %s: %s", pUrl->zCanon,
                               zErr ? zErr : "out of memory");
      sqlite3_free(zErr);
      return rc;
    }
    p->bRemote = 1;
    p->ksPrefix.n = 0;
    if (pUrl->zKeyspace) tito_kv_keyspace_prefix(pUrl->zKeyspace, &p->ksPrefix);
    return p->ksPrefix.rc ? SQLITE_NOMEM : SQLITE_OK;
  }
  rc = tito_kv_embedded_open(p->pList->db, p->zSchema, &p->pKv, pzErr);
  if (rc != TITO_OK) {
    p->pKv = 0;
    return rc == TITO_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
  }
  /* The store is in the schema of the tables writing it, where SQLite's
  ** own statement journal already undoes a failed statement's nested
  ** writes and ROLLBACK TO (test_kv_embedded shows it for every schema
  ** pair): the store's own undo log would only double each write. */
  tito_kv_embedded_set_undo_log(p->pKv, 0);
  /* Every append to this store from this connection goes through one
  ** cache of partition heads (NULL when out of memory: no cache). */
  p->pHeads = tito_heads_new(p->pList->db, p->zSchema);
  return SQLITE_OK;
}

/* The list entry of store zCanon (for schema zSchema if embedded), created
** if missing. A remote store is one per connection whatever the schema:
** tables of several schemas on one cluster share its transaction. */
static tito_store *storeFind(tito_store_list *pList, const char *zSchema,
                             const tito_store_url *pUrl) {
  tito_store *p;
  const char *zKey = pUrl->bRemote ? "" : zSchema;
  for (p = pList->pFirst; p; p = p->pNext) {
    if (sqlite3_stricmp(p->zSchema, zKey) == 0 &&
        strcmp(p->zUrl, pUrl->zCanon) == 0) {
      return p;
    }
  }
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return 0;
  memset(p, 0, sizeof(*p));
  p->pList = pList;
  p->zSchema = sqlite3_mprintf("%s", zKey);
  p->zUrl = sqlite3_mprintf("%s", pUrl->zCanon);
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

int tito_store_is_remote(tito_store_list *pList, const char *zUrl) {
  tito_store_url u;
  char *zErr = 0;
  int bRemote = 0;
  if (pList->zOverride) zUrl = pList->zOverride;
  if (tito_store_url_parse(zUrl, &u, &zErr) == SQLITE_OK) {
    bRemote = u.bRemote;
    tito_store_url_clear(&u);
  }
  sqlite3_free(zErr);
  return bRemote;
}

int tito_store_acquire(tito_store_list *pList, const char *zSchema,
                       const char *zUrl, tito_store **ppStore, char **pzErr) {
  tito_store_url u;
  tito_store *p;
  int rc;
  *ppStore = 0;
  if (pList->zOverride) zUrl = pList->zOverride;
  rc = tito_store_url_parse(zUrl, &u, pzErr);
  if (rc != SQLITE_OK) return rc;
  p = storeFind(pList, zSchema, &u);
  if (p == 0) {
    rc = SQLITE_NOMEM;
  } else if (p->pKv == 0) {
    rc = storeOpen(p, &u, pzErr);
  }
  tito_store_url_clear(&u);
  if (rc != SQLITE_OK) return rc;
  p->nRef++;
  *ppStore = p;
  return SQLITE_OK;
}

/* Close the handle (a remote one goes back to the registry). */
static void storeClose(tito_store *p) {
  sqlite3_finalize(p->pMark);
  p->pMark = 0;
  if (p->pKv) {
    if (p->bRemote) {
      /* Whatever the flags say (they once missed the writes a function
      ** made outside BEGIN, see titoCallBegin): a pooled handle carries no
      ** transaction to the next connection. Without one this is a no-op. */
      p->pKv->pMethods->xRollback(p->pKv);
      tito_registry_release(p->zUrl, p->pKv);
    } else {
      p->pKv->pMethods->xClose(p->pKv);
    }
  }
  p->pKv = 0;
  tito_heads_free(p->pHeads);
  p->pHeads = 0;
  p->bInTxn = p->bReadTxn = p->bPrepared = 0;
  p->nSave = p->nCursor = 0;
}

/* The last table gone: close the handle, unless SQLite's transaction
** still writes the remote store (a dropped table's DDL, committed through
** the anchor, which SQLite always ends): tito_store_end closes it then.
** The embedded store's writes are SQLite's own: it closes at once. */
void tito_store_release(tito_store *p) {
  if (p == 0 || --p->nRef > 0) return;
  if (!p->bRemote || !p->bInTxn) storeClose(p);
}

void tito_store_list_free(tito_store_list *pList) {
  while (pList->pFirst) {
    tito_store *p = pList->pFirst;
    pList->pFirst = p->pNext;
    storeClose(p);
    tito_buf_free(&p->ksPrefix);
    sqlite3_free(p->zSchema);
    sqlite3_free(p->zUrl);
    sqlite3_free(p->zErr);
    sqlite3_free(p);
  }
  sqlite3_free(pList->zOverride);
  pList->zOverride = 0;
}

/* ------------------------------------------------------------- snapshots */

/* A store transaction started by a read inside BEGIN ends with SQLite's
** transaction, which SQLite does not announce: drop it once SQLite's read
** transaction on temp (taken by storeMark) is gone. */
static void storeSync(tito_store *p) {
  sqlite3 *db = p->pList->db;
  if (p->bReadTxn && (sqlite3_get_autocommit(db) ||
                      sqlite3_txn_state(db, "temp") == SQLITE_TXN_NONE)) {
    p->pKv->pMethods->xRollback(p->pKv);
    p->bReadTxn = 0;
  }
}

/* Make SQLite hold a read transaction on temp until its transaction ends
** (a nested read of the temp schema's header). */
static int storeMark(tito_store *p) {
  sqlite3 *db = p->pList->db;
  int rc = SQLITE_OK;
  if (p->pMark == 0) {
    rc = sqlite3_prepare_v3(db, "PRAGMA temp.schema_version", -1,
                            SQLITE_PREPARE_PERSISTENT, &p->pMark, 0);
  }
  if (rc == SQLITE_OK) {
    sqlite3_step(p->pMark);
    rc = sqlite3_reset(p->pMark);
  }
  if (rc != SQLITE_OK || sqlite3_txn_state(db, "temp") == SQLITE_TXN_NONE) {
    storeSetError(p, "tito: cannot mark the transaction's snapshot: %s",
                  sqlite3_errmsg(db));
    return rc == SQLITE_OK ? SQLITE_ERROR : rc;
  }
  return SQLITE_OK;
}

int tito_store_read(tito_store *p) {
  int rc;
  if (!p->bRemote) return SQLITE_OK;
  storeSync(p);
  if (p->bInTxn || p->bReadTxn) return SQLITE_OK;
  if (sqlite3_get_autocommit(p->pList->db)) return SQLITE_OK;
  rc = storeMark(p);
  if (rc != SQLITE_OK) return rc;
  rc = p->pKv->pMethods->xBegin(p->pKv);
  if (rc != TITO_OK) return storeKvError(p, rc);
  p->bReadTxn = 1;
  p->nSave = 0;
  /* Inside a bracket the transaction adopts its snapshot (kv.h). */
  p->iTxnSnap = p->nCursor > 0 ? p->iBracketSnap : ++p->iSnap;
  return SQLITE_OK;
}

/* One snapshot for every read between the first cursor's opening and the
** last one's closing: the store's read bracket (kv.h). Inside a
** transaction the reads use the transaction's snapshot anyway. */
void tito_store_cursor_open(tito_store *p) {
  if (p->nCursor++ == 0) {
    p->iBracketSnap = ++p->iSnap;
    if (p->bRemote) p->pKv->pMethods->xReadBegin(p->pKv);
  }
}

unsigned tito_store_snapshot(const tito_store *p) {
  if (p->bInTxn || p->bReadTxn) return p->iTxnSnap;
  return p->nCursor > 0 ? p->iBracketSnap : 0;
}

void tito_store_cursor_close(tito_store *p) {
  if (p->nCursor > 0 && --p->nCursor == 0 && p->bRemote) {
    p->pKv->pMethods->xReadEnd(p->pKv);
  }
}

/* ---------------------------------------------------------- transactions */

/* Refuse a second store in one SQLite transaction when either is remote:
** nothing could commit them atomically. */
static int storeCheckSingle(tito_store *p) {
  tito_store *q;
  for (q = p->pList->pFirst; q; q = q->pNext) {
    if (q == p || !q->bInTxn || (!q->bRemote && !p->bRemote)) continue;
    storeSetError(p, "tito: one transaction cannot write tables of two "
                  "stores (%s and %s): commit the first store's writes, "
                  "then write the other",
                  q->bRemote ? q->zUrl : "embedded",
                  p->bRemote ? p->zUrl : "embedded");
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/*
** Savepoint levels. SQLite numbers its savepoints from 0, and rolls back
** to -1 for the savepoint that opened the transaction (SAVEPOINT outside
** BEGIN): ROLLBACK TO it undoes every write but keeps the transaction.
** So a remote store sets a base mark when its transaction starts, and
** SQLite's level i is the store's mark i + 1 (storeMarkOf). The embedded
** store needs no base: SQLite rolls its table back itself.
*/
static int storeMarkOf(tito_store *p, int iLevel) {
  return p->bRemote ? iLevel + 1 : iLevel;
}

int tito_store_begin(tito_store *p) {
  int rc;
  if (p->bRemote) storeSync(p);
  if (p->bInTxn) return SQLITE_OK;
  rc = storeCheckSingle(p);
  if (rc != SQLITE_OK) return rc;
  if (p->bReadTxn) {
    /* Reads of this SQLite transaction started it: its writes join. */
    p->bReadTxn = 0;
  } else {
    rc = p->pKv->pMethods->xBegin(p->pKv);
    if (rc != TITO_OK) return storeKvError(p, rc);
    p->iTxnSnap = p->nCursor > 0 ? p->iBracketSnap : ++p->iSnap;
  }
  p->nSave = 0;
  if (p->bRemote && p->pKv->pMethods->xSavepoint(p->pKv, 0)) {
    p->pKv->pMethods->xRollback(p->pKv);
    return storeKvError(p, TITO_ERROR);
  }
  p->bInTxn = 1;
  p->bPrepared = 0;
  return SQLITE_OK;
}

/* The SQLite code and message of a failed commit. */
static int storeCommitError(tito_store *p, int rc) {
  const char *zKv = p->pKv->pMethods->xErrmsg(p->pKv);
  switch (rc) {
    case TITO_NOMEM:
      return SQLITE_NOMEM;
    case TITO_CONFLICT:
      storeSetError(p, "tito: write conflict, the transaction was rolled "
                    "back: run it again from its start (%s)", zKv);
      return SQLITE_BUSY_SNAPSHOT;
    case TITO_EXISTS:
      storeSetError(p, "tito: %s", zKv);
      return SQLITE_CONSTRAINT;
    case TITO_UNKNOWN:
      storeSetError(p, "tito: commit outcome unknown: the transaction may or "
                    "may not have committed; it is not retried: read the "
                    "data to find out (%s)", zKv);
      return SQLITE_IOERR;
    case TITO_UNAVAILABLE:
      storeSetError(p, "tito: the store could not be reached, nothing was "
                    "committed (%s)", zKv);
      return SQLITE_IOERR;
    default:
      storeSetError(p, "tito: %s", zKv);
      return SQLITE_ERROR;
  }
}

/* Called from every participating table's xSync: the first call of a
** commit makes the transaction durable, and its failure is the one SQLite
** reports (xCommit's result is ignored). The codes are never plain
** SQLITE_BUSY, which would keep SQLite's transaction open with the store's
** already gone: SQLite rolls back. */
int tito_store_prepare(tito_store *p) {
  int rc;
  if (!p->bInTxn || p->bPrepared) return SQLITE_OK;
  rc = p->pKv->pMethods->xPrepare(p->pKv);
  if (rc == TITO_OK) {
    p->bPrepared = 1;
    return SQLITE_OK;
  }
  return storeCommitError(p, rc);
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
  p->bAnchored = 0;
  p->nSave = 0;
  if (p->nRef == 0) storeClose(p);
}

/* Several tables of one store forward the same savepoints: a mark is set
** by the first of them only, so a table joining late cannot move it. A
** table joining a transaction gets one catch-up savepoint for SQLite's
** innermost level: the levels below it are set at the same place (the
** state there is the same), so each can be rolled back to or released. */
int tito_store_savepoint(tito_store *p, int iSave) {
  if (!p->bInTxn) return SQLITE_OK;
  while (p->nSave <= iSave) {
    if (p->pKv->pMethods->xSavepoint(p->pKv, storeMarkOf(p, p->nSave))) {
      return storeKvError(p, TITO_ERROR);
    }
    p->nSave++;
  }
  return SQLITE_OK;
}

int tito_store_release_savepoint(tito_store *p, int iSave) {
  if (!p->bInTxn || iSave >= p->nSave || iSave < 0) return SQLITE_OK;
  if (p->pKv->pMethods->xRelease(p->pKv, storeMarkOf(p, iSave))) {
    return storeKvError(p, TITO_ERROR);
  }
  p->nSave = iSave;
  return SQLITE_OK;
}

int tito_store_rollback_to(tito_store *p, int iSave) {
  if (!p->bInTxn || (iSave < 0 && !p->bRemote)) return SQLITE_OK;
  if (p->pKv->pMethods->xRollbackTo(p->pKv, storeMarkOf(p, iSave))) {
    return storeKvError(p, TITO_ERROR);
  }
  if (iSave < p->nSave) p->nSave = iSave + 1;
  return SQLITE_OK;
}

int tito_store_atomic_begin(tito_store *p, int *piMark) {
  int iMark;
  *piMark = -1;
  if (!p->bRemote || !p->bInTxn) return SQLITE_OK;
  iMark = storeMarkOf(p, p->nSave);
  if (p->pKv->pMethods->xSavepoint(p->pKv, iMark)) {
    return storeKvError(p, TITO_ERROR);
  }
  *piMark = iMark;
  return SQLITE_OK;
}

void tito_store_atomic_end(tito_store *p, int iMark, int bOk) {
  if (iMark < 0 || !p->bInTxn) return;
  if (!bOk) p->pKv->pMethods->xRollbackTo(p->pKv, iMark);
  p->pKv->pMethods->xRelease(p->pKv, iMark);
}

int tito_store_ddl_begin(tito_store *p) {
  int rc;
  if (!p->bRemote) return SQLITE_OK;
  rc = tito_store_begin(p);
  if (rc == SQLITE_OK) p->bAnchored = 1;
  return rc;
}

/* --------------------------------------------------------- failed commit */

/* The key of "... key x'HEX' ..." or "... key 'TEXT' ..." in a store
** message (TiKV names the key it found written). */
int tito_store_failed_key(tito_store *p, uint8_t **ppKey, int *pnKey) {
  const char *z = p->pKv ? p->pKv->pMethods->xErrmsg(p->pKv) : "";
  const char *zKey = strstr(z, "key x'");
  tito_buf k = TITO_BUF_INIT;
  *ppKey = 0;
  *pnKey = 0;
  if (zKey) {
    const char *h = zKey + 6;
    while (h[0] && h[1] && h[0] != '\'') {
      int a = (h[0] & 0x40) ? (h[0] & 0x0f) + 9 : h[0] - '0';
      int b = (h[1] & 0x40) ? (h[1] & 0x0f) + 9 : h[1] - '0';
      tito_buf_append_byte(&k, (uint8_t)(a * 16 + b));
      h += 2;
    }
    if (h[0] != '\'') k.n = 0; /* cut short: not the whole key */
  } else if ((zKey = strstr(z, "key '")) != 0) {
    const char *zEnd = strchr(zKey + 5, '\'');
    if (zEnd) tito_buf_append(&k, zKey + 5, (int)(zEnd - zKey - 5));
  }
  if (k.rc) {
    tito_buf_free(&k);
    return SQLITE_NOMEM;
  }
  if (k.n < p->ksPrefix.n ||
      memcmp(k.a, p->ksPrefix.a, p->ksPrefix.n) != 0 || k.n == 0) {
    tito_buf_free(&k);
    return SQLITE_NOTFOUND;
  }
  memmove(k.a, k.a + p->ksPrefix.n, k.n - p->ksPrefix.n);
  *ppKey = k.a;
  *pnKey = k.n - p->ksPrefix.n;
  return SQLITE_OK;
}

/* --------------------------------------------------------------- counters */

typedef struct StatsCtx {
  int (*xRow)(void *, const char *, const char *, sqlite3_int64);
  void *pCtx;
  const char *zStore;
} StatsCtx;

static int storeStatRow(void *pCtx, const char *zName, int64_t iValue) {
  StatsCtx *c = (StatsCtx *)pCtx;
  return c->xRow(c->pCtx, c->zStore, zName, iValue);
}

/* Counters are process-wide per backend: each backend's once, from any
** handle of it (this connection's, else one the registry keeps). */
int tito_store_stats(tito_store_list *pList,
                     int (*xRow)(void *, const char *, const char *,
                                 sqlite3_int64),
                     void *pCtx) {
  StatsCtx c;
  tito_store *p;
  int bEmbedded = 0, bTikv = 0, rc;
  c.xRow = xRow;
  c.pCtx = pCtx;
  for (p = pList->pFirst; p; p = p->pNext) {
    int *pbDone = p->bRemote ? &bTikv : &bEmbedded;
    if (p->pKv == 0 || *pbDone) continue;
    *pbDone = 1;
    c.zStore = p->bRemote ? "tikv" : "embedded";
    rc = p->pKv->pMethods->xStats(p->pKv, storeStatRow, &c);
    if (rc) return rc;
  }
  if (bTikv) return SQLITE_OK;
  c.zStore = "tikv";
  return tito_registry_stats(storeStatRow, &c);
}
