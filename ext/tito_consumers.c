/*
** tito_consumers.c: what operators look at and act on: the tables
** tito_consumers (per topic, group and partition: checkpoint, head, lag,
** age of the oldest due unconsumed event, dead letters) and
** tito_dead_letters, and the functions tito_replay, tito_drop_dead and
** tito_group_start. They read the store of schema main (see
** tito_events.c). A table reads everything it shows when its scan starts.
*/
#include "tito_ext.h"
#include <string.h>
#include "outbox.h"
#include "rowcodec.h"

typedef struct list_vtab {
  sqlite3_vtab base;
  tito_conn *pConn;
  int bDead;  /* tito_dead_letters, else tito_consumers */
} list_vtab;

/* A row: its text fields, then integers, or a dead letter's record. */
typedef struct list_row {
  char *zTopic, *zGroup, *zOwner;
  int64_t a[8];        /* consumers: partition .. dead, expiry, generation */
  uint8_t *pRec;       /* dead letter: the event record */
  int nRec;
} list_row;

typedef struct list_cursor {
  sqlite3_vtab_cursor base;
  list_row *aRow;
  int nRow, nAlloc, iRow;
  tito_value aEv[TITO_EV_N];
} list_cursor;

static int listConnect(sqlite3 *db, void *pAux, int argc,
                       const char *const *argv, sqlite3_vtab **ppVtab,
                       char **pzErr) {
  list_vtab *p;
  int bDead = sqlite3_stricmp(argv[0], "tito_dead_letters") == 0;
  int rc = sqlite3_declare_vtab(
      db, bDead ? "CREATE TABLE x(topic TEXT, consumer TEXT, event_id TEXT, "
                  "table_name TEXT, action TEXT, key, new TEXT, old TEXT, "
                  "payload, created_at INTEGER, failed_at INTEGER, attempts "
                  "INTEGER, \"partition\" INTEGER, position INTEGER)"
                : "CREATE TABLE x(topic TEXT, consumer TEXT, \"partition\" "
                  "INTEGER, checkpoint INTEGER, head INTEGER, lag INTEGER, "
                  "oldest_due_age INTEGER, dead_letters INTEGER, lease_owner "
                  "TEXT, lease_expiry INTEGER, lease_generation INTEGER)");
  (void)argc;
  (void)pzErr;
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->pConn = (tito_conn *)pAux;
  p->bDead = bDead;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

static int listDisconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int listBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  pInfo->estimatedCost = 1000;
  pInfo->estimatedRows = 100;
  return SQLITE_OK;
}

static int listOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  list_cursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if (c == 0) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

static void listClear(list_cursor *c) {
  int i;
  for (i = 0; i < c->nRow; i++) {
    sqlite3_free(c->aRow[i].zTopic);
    sqlite3_free(c->aRow[i].zGroup);
    sqlite3_free(c->aRow[i].zOwner);
    sqlite3_free(c->aRow[i].pRec);
  }
  c->nRow = c->iRow = 0;
}

static int listClose(sqlite3_vtab_cursor *pCur) {
  list_cursor *c = (list_cursor *)pCur;
  listClear(c);
  sqlite3_free(c->aRow);
  sqlite3_free(c);
  return SQLITE_OK;
}

static list_row *listAdd(list_cursor *c, const char *zTopic,
                         const char *zGroup) {
  list_row *r;
  if (c->nRow == c->nAlloc) {
    int nNew = c->nAlloc ? 2 * c->nAlloc : 16;
    list_row *aNew = sqlite3_realloc64(c->aRow, sizeof(list_row) * nNew);
    if (aNew == 0) return 0;
    c->aRow = aNew;
    c->nAlloc = nNew;
  }
  r = &c->aRow[c->nRow];
  memset(r, 0, sizeof(*r));
  r->zTopic = sqlite3_mprintf("%s", zTopic);
  r->zGroup = sqlite3_mprintf("%s", zGroup);
  c->nRow++;
  if (r->zTopic == 0 || r->zGroup == 0) return 0;
  return r;
}

static int consumerRow(void *pCtx, const char *zTopic, const char *zGroup,
                       int iPart, int64_t iCheckpoint, int64_t iHead,
                       int64_t nLag, int64_t nOldest, int64_t nDead,
                       const char *zOwner, int64_t iExpiry,
                       int64_t iGeneration) {
  list_row *r = listAdd((list_cursor *)pCtx, zTopic, zGroup);
  if (r == 0) return SQLITE_NOMEM;
  if (zOwner) {
    r->zOwner = sqlite3_mprintf("%s", zOwner);
    if (r->zOwner == 0) return SQLITE_NOMEM;
  }
  r->a[6] = iExpiry;
  r->a[7] = iGeneration;
  r->a[0] = iPart;
  r->a[1] = iCheckpoint;
  r->a[2] = iHead;
  r->a[3] = nLag;
  r->a[4] = nOldest;
  r->a[5] = nDead;
  return SQLITE_OK;
}

static int deadRow(void *pCtx, const char *zTopic, const char *zGroup,
                   const tito_value *aEv) {
  list_row *r = listAdd((list_cursor *)pCtx, zTopic, zGroup);
  tito_buf v = TITO_BUF_INIT;
  if (r == 0) return SQLITE_NOMEM;
  tito_row_encode(&v, TITO_EV_N, aEv);
  if (v.rc) return SQLITE_NOMEM;
  r->pRec = v.a;
  r->nRec = v.n;
  return SQLITE_OK;
}

static int listFilter(sqlite3_vtab_cursor *pCur, int idxNum,
                      const char *idxStr, int argc, sqlite3_value **argv) {
  list_cursor *c = (list_cursor *)pCur;
  list_vtab *p = (list_vtab *)pCur->pVtab;
  tito_store *pStore = 0;
  char *zErr = 0;
  int rc;
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  listClear(c);
  rc = tito_store_acquire(&p->pConn->stores, "main", 0, &pStore, &zErr);
  if (rc == SQLITE_OK) {
    tito_store_cursor_open(pStore);
    rc = tito_store_read(pStore);
    if (rc != SQLITE_OK) zErr = sqlite3_mprintf("%s", tito_store_errmsg(pStore));
  }
  if (rc == SQLITE_OK) {
    rc = p->bDead ? tito_outbox_dead_letters(pStore->pKv, deadRow, c, &zErr)
                  : tito_outbox_consumers(pStore->pKv, titoNow(p->pConn),
                                          consumerRow, c, &zErr);
  }
  if (pStore) {
    tito_store_cursor_close(pStore);
    tito_store_release(pStore);
  }
  if (rc != SQLITE_OK) {
    sqlite3_free(p->base.zErrMsg);
    p->base.zErrMsg = sqlite3_mprintf("%s: %s", p->bDead ? "tito_dead_letters"
                                                         : "tito_consumers",
                                      zErr ? zErr : "out of memory");
  }
  sqlite3_free(zErr);
  return rc;
}

static int listNext(sqlite3_vtab_cursor *pCur) {
  ((list_cursor *)pCur)->iRow++;
  return SQLITE_OK;
}

static int listEof(sqlite3_vtab_cursor *pCur) {
  list_cursor *c = (list_cursor *)pCur;
  return c->iRow >= c->nRow;
}

static int listColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx,
                      int iCol) {
  list_cursor *c = (list_cursor *)pCur;
  list_vtab *p = (list_vtab *)pCur->pVtab;
  list_row *r = &c->aRow[c->iRow];
  if (iCol == 0) {
    sqlite3_result_text(ctx, r->zTopic, -1, SQLITE_TRANSIENT);
  } else if (iCol == 1) {
    sqlite3_result_text(ctx, r->zGroup, -1, SQLITE_TRANSIENT);
  } else if (!p->bDead) {
    if ((iCol == 6 && r->a[4] < 0) || (iCol >= 8 && r->zOwner == 0)) {
      sqlite3_result_null(ctx);
    } else if (iCol == 8) {
      sqlite3_result_text(ctx, r->zOwner, -1, SQLITE_TRANSIENT);
    } else {
      sqlite3_result_int64(ctx, r->a[iCol < 8 ? iCol - 2 : iCol - 3]);
    }
  } else {
    /* event_id .. position: the record's fields, due as failed_at. */
    if (tito_row_decode(r->pRec, r->nRec, TITO_EV_N, c->aEv) != TITO_OK) {
      return SQLITE_CORRUPT;
    }
    titoValueResult(ctx, &c->aEv[iCol - 2]);
  }
  return SQLITE_OK;
}

static int listRowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid) {
  *pRowid = ((list_cursor *)pCur)->iRow;
  return SQLITE_OK;
}

static sqlite3_module listModule = {
    0, 0, listConnect, listBestIndex, listDisconnect, 0, listOpen, listClose,
    listFilter, listNext, listEof, listColumn, listRowid, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0};

/* --------------------------------------------------------- functions */

/* Run one store write for (topic, group, event id) arguments; 1 = done,
** 0 = no such dead letter. */
typedef int (*dead_fn)(tito_conn *, tito_kv *, const char *, const char *,
                       const char *, char **);

static int doReplay(tito_conn *pConn, tito_kv *pKv, const char *zTopic,
                    const char *zGroup, const char *zId, char **pzErr) {
  return tito_outbox_dead_replay(pKv, zTopic, zGroup, zId, titoNow(pConn),
                                 pzErr);
}

static int doDrop(tito_conn *pConn, tito_kv *pKv, const char *zTopic,
                  const char *zGroup, const char *zId, char **pzErr) {
  (void)pConn;
  return tito_outbox_dead_drop(pKv, zTopic, zGroup, zId, pzErr);
}

static int doStart(tito_conn *pConn, tito_kv *pKv, const char *zTopic,
                   const char *zGroup, const char *zWhere, char **pzErr) {
  (void)pConn;
  return tito_outbox_group_start(pKv, zTopic, zGroup,
                                 sqlite3_stricmp(zWhere, "end") == 0, pzErr);
}

static void storeFunc(sqlite3_context *ctx, sqlite3_value **argv,
                      const char *zName, dead_fn xDo) {
  tito_conn *pConn = (tito_conn *)sqlite3_user_data(ctx);
  const char *zTopic = (const char *)sqlite3_value_text(argv[0]);
  const char *zGroup = (const char *)sqlite3_value_text(argv[1]);
  const char *zArg = (const char *)sqlite3_value_text(argv[2]);
  tito_store *pStore = 0;
  char *zErr = 0;
  int rc, bOwn = 0;
  if (zTopic == 0 || zGroup == 0 || zArg == 0) {
    char *z = sqlite3_mprintf("%s: topic, consumer group and %s must not be "
                              "NULL", zName, xDo == doStart ? "where"
                                                            : "event id");
    sqlite3_result_error(ctx, z, -1);
    sqlite3_free(z);
    return;
  }
  if (xDo == doStart && sqlite3_stricmp(zArg, "end") != 0 &&
      sqlite3_stricmp(zArg, "beginning") != 0) {
    sqlite3_result_error(ctx, "tito_group_start: where must be 'beginning' "
                         "or 'end'", -1);
    return;
  }
  rc = titoCallBegin(pConn, &bOwn, &zErr);
  if (rc == SQLITE_OK) rc = titoEventsStore(pConn, zTopic, &pStore, &zErr);
  if (rc == SQLITE_OK) rc = titoEventsWriteBegin(pConn, pStore, &zErr);
  if (rc == SQLITE_OK) rc = xDo(pConn, pStore->pKv, zTopic, zGroup, zArg, &zErr);
  if (pStore) tito_store_release(pStore);
  {
    /* SQLITE_DONE (nothing to do) is a success too: committed. */
    int rcEnd = titoCallEnd(pConn, bOwn, rc == SQLITE_DONE ? SQLITE_OK : rc,
                            &zErr);
    if (rc != SQLITE_DONE || rcEnd != SQLITE_OK) rc = rcEnd;
  }
  if (rc == SQLITE_OK || rc == SQLITE_DONE) {
    sqlite3_result_int(ctx, rc == SQLITE_OK);
  } else {
    char *z = sqlite3_mprintf("%s: %s", zName, zErr ? zErr : "error");
    sqlite3_result_error(ctx, z, -1);
    sqlite3_result_error_code(ctx, rc);
    sqlite3_free(z);
  }
  sqlite3_free(zErr);
}

/* tito_replay(topic, group, event_id): a dead letter back to its group,
** due now, attempts reset. 1, or 0 if there is no such dead letter. */
static void replayFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  storeFunc(ctx, argv, "tito_replay", doReplay);
}

/* tito_drop_dead(topic, group, event_id): forget a dead letter. */
static void dropFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  storeFunc(ctx, argv, "tito_drop_dead", doDrop);
}

/* tito_group_start(topic, group, 'beginning' | 'end'): where a group's
** checkpoints stand: the oldest retained event, or the end (only events
** appended later). A group nobody started starts at the beginning. */
static void startFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  storeFunc(ctx, argv, "tito_group_start", doStart);
}

int titoRegisterConsumers(sqlite3 *db, tito_conn *pConn) {
  static const struct {
    const char *zName;
    void (*xFunc)(sqlite3_context *, int, sqlite3_value **);
  } aFunc[] = {{"tito_replay", replayFunc},
               {"tito_drop_dead", dropFunc},
               {"tito_group_start", startFunc}};
  size_t i;
  int rc = sqlite3_create_module(db, "tito_consumers", &listModule, pConn);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_module(db, "tito_dead_letters", &listModule, pConn);
  }
  for (i = 0; rc == SQLITE_OK && i < sizeof(aFunc) / sizeof(aFunc[0]); i++) {
    rc = sqlite3_create_function(db, aFunc[i].zName, 3, SQLITE_UTF8, pConn,
                                 aFunc[i].xFunc, 0, 0);
  }
  return rc;
}
