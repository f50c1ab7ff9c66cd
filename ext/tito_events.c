/*
** tito_events.c: the tables tito_events and tito_peek (consuming and
** reading a topic's events, publishing with INSERT) and tito_retry().
**
**   BEGIN;
**   SELECT * FROM tito_events('topic', 'group' [, from, to [, batch
**                             [, worker]]]);
**   COMMIT;
**
** Consuming needs a transaction: each row SQLite takes from the table
** moves the group's checkpoint past it (a write of the transaction), so
** the rows are consumed exactly when the transaction commits; ROLLBACK
** gives them back. A WHERE on event columns or an ORDER BY would let
** SQLite drop or reorder rows after the table handed them over, so they
** are refused in consuming mode (materialize the batch first). tito_peek
** takes the same arguments, never writes, and works anywhere.
**
** The store is the connection's store of schema main (the embedded store,
** or the TITO_STORE / tito_config('store') override); a topic declared only
** by models of another store is found among the stores the connection has
** opened.
**
** SQLite calls no transaction callback on a table that is only read, so on
** a remote store the consuming transaction ties itself to SQLite's through
** the anchor table (tito_anchor.c), as DDL does. The embedded store needs
** nothing: its writes are SQLite's own.
*/
#include "tito_ext.h"
#include <string.h>
#include <time.h>
#include "outbox.h"
#include "rowcodec.h"

#define EV_COL_TOPIC    12
#define EV_COL_CONSUMER 13
#define EV_COL_FROM     14
#define EV_COL_TO       15
#define EV_COL_BATCH    16
#define EV_COL_WORKER   17
#define EV_ARGS         6

/* idxNum: bit i = argument i (topic, consumer, from, to, batch, worker)
** given;
** EV_OTHER = constraints on event columns or an ORDER BY. */
#define EV_OTHER 0x100
#define EV_BATCH_DEFAULT 1000

typedef struct events_vtab {
  sqlite3_vtab base;
  tito_conn *pConn;
  int bPeek;
} events_vtab;

typedef struct events_cursor {
  sqlite3_vtab_cursor base;
  tito_store *pStore;
  tito_consumer *pCons;
  sqlite3_int64 iRow;
  sqlite3_value *apArg[EV_ARGS];
} events_cursor;

int64_t titoNow(tito_conn *pConn) {
  return pConn->iClock ? pConn->iClock : (int64_t)time(0);
}

/* -------------------------------------------------- received events */

/* Forget what earlier transactions received (see received in tito_ext.h):
** SQLite's read transaction on temp, taken when the list was filled, is
** gone once that transaction ended. */
static void receivedSync(tito_conn *pConn) {
  tito_received *r = &pConn->received;
  if (r->n > 0 && (sqlite3_get_autocommit(pConn->db) ||
                   sqlite3_txn_state(pConn->db, "temp") == SQLITE_TXN_NONE)) {
    int i;
    for (i = 0; i < r->n; i++) sqlite3_free(r->a[i].zTopicGroup);
    r->n = 0;
  }
}

/* Remember event aEv received by (topic, group) in this transaction. */
static int receivedAdd(tito_conn *pConn, const char *zTopic,
                       const char *zGroup, const tito_value *aEv) {
  tito_received *r = &pConn->received;
  tito_received_event *e;
  tito_buf v = TITO_BUF_INIT;
  size_t nT = strlen(zTopic) + 1, nG = strlen(zGroup) + 1;
  receivedSync(pConn);
  if (r->n == 0) {
    sqlite3_stmt *pMark = 0;
    if (sqlite3_prepare_v2(pConn->db, "PRAGMA temp.schema_version", -1,
                           &pMark, 0) == SQLITE_OK) {
      sqlite3_step(pMark);
    }
    sqlite3_finalize(pMark);
  }
  if (r->n >= TITO_RECEIVED_MAX) return SQLITE_OK;
  if (r->n == r->nAlloc) {
    int nNew = r->nAlloc ? 2 * r->nAlloc : 64;
    tito_received_event *aNew =
        sqlite3_realloc64(r->a, sizeof(*aNew) * (size_t)nNew);
    if (aNew == 0) return SQLITE_NOMEM;
    r->a = aNew;
    r->nAlloc = nNew;
  }
  tito_row_encode(&v, TITO_EV_N, aEv);
  if (v.rc) return SQLITE_NOMEM;
  e = &r->a[r->n];
  e->zTopicGroup = sqlite3_malloc64(nT + nG + (size_t)v.n);
  if (e->zTopicGroup == 0) {
    tito_buf_free(&v);
    return SQLITE_NOMEM;
  }
  memcpy(e->zTopicGroup, zTopic, nT);
  memcpy(e->zTopicGroup + nT, zGroup, nG);
  memcpy(e->zTopicGroup + nT + nG, v.a, (size_t)v.n);
  e->nTopic = (int)nT;
  e->nGroup = (int)nG;
  e->nRec = v.n;
  tito_buf_free(&v);
  r->n++;
  return SQLITE_OK;
}

void titoReceivedFree(tito_conn *pConn) {
  int i;
  for (i = 0; i < pConn->received.n; i++) {
    sqlite3_free(pConn->received.a[i].zTopicGroup);
  }
  sqlite3_free(pConn->received.a);
  memset(&pConn->received, 0, sizeof(pConn->received));
}

/* ------------------------------------------------------------ store */

int titoEventsStore(tito_conn *pConn, const char *zTopic,
                    tito_store **ppStore, char **pzErr) {
  tito_store *pStore = 0, *p;
  tito_topic_rec rec;
  int rc = tito_store_acquire(&pConn->stores, "main", 0, &pStore, pzErr);
  if (rc != SQLITE_OK) return rc;
  rc = tito_store_read(pStore);
  if (rc == SQLITE_OK) rc = tito_outbox_topic(pStore->pKv, zTopic, &rec, pzErr);
  if (rc != SQLITE_DONE) {
    if (rc != SQLITE_OK) {
      if (*pzErr == 0) *pzErr = sqlite3_mprintf("%s", tito_store_errmsg(pStore));
      tito_store_release(pStore);
      pStore = 0;
    }
    *ppStore = pStore;
    return rc;
  }
  /* Not there: a store the connection's tables opened may have it. */
  for (p = pConn->stores.pFirst; p; p = p->pNext) {
    if (p == pStore || p->pKv == 0) continue;
    if (tito_store_read(p) != SQLITE_OK) continue;
    if (tito_outbox_topic(p->pKv, zTopic, &rec, pzErr) == SQLITE_OK) {
      p->nRef++;
      tito_store_release(pStore);
      *ppStore = p;
      return SQLITE_OK;
    }
    sqlite3_free(*pzErr);
    *pzErr = 0;
  }
  tito_store_release(pStore);
  *ppStore = 0;
  *pzErr = sqlite3_mprintf("no such topic: %s (declare it with TOPIC in a "
                           "model)", zTopic);
  return SQLITE_ERROR;
}

int titoEventsWriteBegin(tito_conn *pConn, tito_store *pStore,
                         char **pzErr) {
  int rc;
  if (!pStore->bRemote) return SQLITE_OK;
  rc = tito_store_ddl_begin(pStore);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s", tito_store_errmsg(pStore));
    return rc;
  }
  return titoAnchorJoin(pConn, pzErr);
}

/* ------------------------------------------------------------ module */

static int eventsConnect(sqlite3 *db, void *pAux, int argc,
                         const char *const *argv, sqlite3_vtab **ppVtab,
                         char **pzErr) {
  events_vtab *p;
  int rc;
  (void)argc;
  (void)pzErr;
  rc = sqlite3_declare_vtab(
      db, "CREATE TABLE x(event_id TEXT, table_name TEXT, action TEXT, key, "
          "new TEXT, old TEXT, payload, created_at INTEGER, due_at INTEGER, "
          "attempts INTEGER, \"partition\" INTEGER, position INTEGER, "
          "topic HIDDEN, consumer HIDDEN, part_from HIDDEN, part_to HIDDEN, "
          "batch HIDDEN, worker HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->pConn = (tito_conn *)pAux;
  p->bPeek = sqlite3_stricmp(argv[0], "tito_peek") == 0;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

static int eventsDisconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int eventsBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  int aIdx[EV_ARGS], i, idxNum = 0, n = 0;
  (void)pVtab;
  for (i = 0; i < EV_ARGS; i++) aIdx[i] = -1;
  for (i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    int iArg = c->iColumn - EV_COL_TOPIC;
    if (c->op == SQLITE_INDEX_CONSTRAINT_LIMIT ||
        c->op == SQLITE_INDEX_CONSTRAINT_OFFSET) {
      continue; /* iColumn means nothing for these */
    }
    if (c->iColumn < EV_COL_TOPIC || iArg >= EV_ARGS) {
      if (c->usable && c->op != SQLITE_INDEX_CONSTRAINT_LIMIT &&
          c->op != SQLITE_INDEX_CONSTRAINT_OFFSET) {
        idxNum |= EV_OTHER;
      }
      continue;
    }
    if (!c->usable) return SQLITE_CONSTRAINT; /* wait for the arguments */
    if (c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    aIdx[iArg] = i;
  }
  if (pInfo->nOrderBy > 0) idxNum |= EV_OTHER;
  for (i = 0; i < EV_ARGS; i++) {
    if (aIdx[i] < 0) continue;
    idxNum |= 1 << i;
    pInfo->aConstraintUsage[aIdx[i]].argvIndex = ++n;
    pInfo->aConstraintUsage[aIdx[i]].omit = 1;
  }
  pInfo->idxNum = idxNum;
  pInfo->estimatedCost = 1000;
  pInfo->estimatedRows = 1000;
  return SQLITE_OK;
}

static int eventsOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  events_cursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if (c == 0) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

static void eventsReset(events_cursor *c) {
  int i;
  tito_consumer_close(c->pCons);
  c->pCons = 0;
  if (c->pStore) {
    tito_store_cursor_close(c->pStore);
    tito_store_release(c->pStore);
    c->pStore = 0;
  }
  for (i = 0; i < EV_ARGS; i++) {
    sqlite3_value_free(c->apArg[i]);
    c->apArg[i] = 0;
  }
}

static int eventsClose(sqlite3_vtab_cursor *pCur) {
  eventsReset((events_cursor *)pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

static int eventsError(events_cursor *c, int rc, char *zMsg) {
  events_vtab *p = (events_vtab *)c->base.pVtab;
  sqlite3_free(p->base.zErrMsg);
  p->base.zErrMsg = sqlite3_mprintf("%s: %s", p->bPeek ? "tito_peek"
                                                       : "tito_events",
                                    zMsg ? zMsg : "out of memory");
  sqlite3_free(zMsg);
  return rc;
}

/* The row the cursor is on has been handed to SQLite: consume it. */
static int eventsTake(events_cursor *c) {
  events_vtab *p = (events_vtab *)c->base.pVtab;
  int rc;
  if (p->bPeek || tito_consumer_eof(c->pCons)) return SQLITE_OK;
  rc = tito_consumer_ack(c->pCons);
  if (rc == SQLITE_OK) {
    rc = receivedAdd(p->pConn,
                     (const char *)sqlite3_value_text(c->apArg[0]),
                     (const char *)sqlite3_value_text(c->apArg[1]),
                     tito_consumer_row(c->pCons));
  }
  if (rc != SQLITE_OK) {
    return eventsError(c, rc, sqlite3_mprintf("%s",
                                              tito_consumer_errmsg(c->pCons)));
  }
  return SQLITE_OK;
}

static int eventsFilter(sqlite3_vtab_cursor *pCur, int idxNum,
                        const char *idxStr, int argc, sqlite3_value **argv) {
  events_cursor *c = (events_cursor *)pCur;
  events_vtab *p = (events_vtab *)pCur->pVtab;
  tito_conn *pConn = p->pConn;
  const char *zTopic, *zGroup;
  sqlite3_int64 aNum[3] = {-1, -1, p->bPeek ? 0 : EV_BATCH_DEFAULT};
  char *zErr = 0;
  int i, j = 0, rc;
  (void)idxStr;
  eventsReset(c);
  c->iRow = 0;
  for (i = 0; i < EV_ARGS && j < argc; i++) {
    if (idxNum & (1 << i)) c->apArg[i] = sqlite3_value_dup(argv[j++]);
  }
  zTopic = c->apArg[0] ? (const char *)sqlite3_value_text(c->apArg[0]) : 0;
  zGroup = c->apArg[1] ? (const char *)sqlite3_value_text(c->apArg[1]) : 0;
  if (zTopic == 0 || zGroup == 0) {
    return eventsError(c, SQLITE_ERROR, sqlite3_mprintf(
        "give a topic and a consumer group: %s('topic', 'group')",
        p->bPeek ? "tito_peek" : "tito_events"));
  }
  for (i = 2; i < EV_ARGS - 1; i++) {
    sqlite3_value *v = c->apArg[i];
    if (v == 0 || sqlite3_value_type(v) == SQLITE_NULL) continue;
    /* (No sqlite3_value_numeric_type: v is a copy, which SQLite 3.52
    ** cannot convert in place.) */
    if (sqlite3_value_type(v) != SQLITE_INTEGER ||
        sqlite3_value_int64(v) < 0) {
      static const char *const azName[] = {"", "", "part_from", "part_to",
                                           "batch"};
      return eventsError(c, SQLITE_MISMATCH, sqlite3_mprintf(
          "%s must be a whole number >= 0", azName[i]));
    }
    aNum[i - 2] = sqlite3_value_int64(v);
  }
  if (!p->bPeek) {
    if (sqlite3_get_autocommit(pConn->db)) {
      return eventsError(c, SQLITE_ERROR, sqlite3_mprintf(
          "consuming needs a transaction: BEGIN; SELECT ... FROM "
          "tito_events('%q', '%q'); COMMIT; (tito_peek reads without "
          "consuming)", zTopic, zGroup));
    }
    if (idxNum & EV_OTHER) {
      return eventsError(c, SQLITE_ERROR, sqlite3_mprintf(
          "a WHERE on event columns or an ORDER BY would consume events "
          "SQLite drops or reorders; take the batch first: WITH b AS "
          "MATERIALIZED (SELECT * FROM tito_events('%q', '%q')) SELECT ... "
          "FROM b WHERE ...", zTopic, zGroup));
    }
  }
  rc = titoEventsStore(pConn, zTopic, &c->pStore, &zErr);
  if (rc != SQLITE_OK) return eventsError(c, rc, zErr);
  tito_store_cursor_open(c->pStore);
  if (!p->bPeek) {
    rc = titoEventsWriteBegin(pConn, c->pStore, &zErr);
    if (rc != SQLITE_OK) return eventsError(c, rc, zErr);
  }
  rc = tito_consumer_open(c->pStore->pKv, c->pStore->pHeads, zTopic, zGroup,
                          c->apArg[5] ? (const char *)sqlite3_value_text(
                                            c->apArg[5]) : 0,
                          (int)aNum[0],
                          aNum[1] > 65535 ? 65535 : (int)aNum[1], aNum[2],
                          p->bPeek, titoNow(pConn), &c->pCons, &zErr);
  if (rc != SQLITE_OK) return eventsError(c, rc, zErr);
  return eventsTake(c);
}

static int eventsNext(sqlite3_vtab_cursor *pCur) {
  events_cursor *c = (events_cursor *)pCur;
  int rc = tito_consumer_next(c->pCons);
  if (rc != SQLITE_OK) {
    return eventsError(c, rc, sqlite3_mprintf("%s",
                                              tito_consumer_errmsg(c->pCons)));
  }
  c->iRow++;
  return eventsTake(c);
}

static int eventsEof(sqlite3_vtab_cursor *pCur) {
  events_cursor *c = (events_cursor *)pCur;
  return c->pCons == 0 || tito_consumer_eof(c->pCons);
}

static int eventsColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx,
                        int iCol) {
  events_cursor *c = (events_cursor *)pCur;
  if (iCol < TITO_EV_N) {
    titoValueResult(ctx, &tito_consumer_row(c->pCons)[iCol]);
  } else if (iCol - EV_COL_TOPIC < EV_ARGS && c->apArg[iCol - EV_COL_TOPIC]) {
    sqlite3_result_value(ctx, c->apArg[iCol - EV_COL_TOPIC]);
  }
  return SQLITE_OK;
}

static int eventsRowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid) {
  *pRowid = ((events_cursor *)pCur)->iRow;
  return SQLITE_OK;
}

/* INSERT INTO tito_events(topic, key, payload, due_at): publish. */
static int eventsPublish(events_vtab *p, sqlite3_value **argv,
                         sqlite3_int64 *pRowid) {
  tito_conn *pConn = p->pConn;
  const char *zTopic = (const char *)sqlite3_value_text(argv[2 + EV_COL_TOPIC]);
  tito_store *pStore = 0;
  char *zErr = 0;
  int64_t now = titoNow(pConn), iPos = 0;
  int i, rc, iMark = -1;
  for (i = 0; i < EV_COL_TOPIC; i++) {
    if (i == 3 || i == 6 || i == 8) continue; /* key, payload, due_at */
    if (sqlite3_value_type(argv[2 + i]) != SQLITE_NULL) {
      p->base.zErrMsg = sqlite3_mprintf("tito_events: only topic, key, "
                                        "payload and due_at can be given "
                                        "when publishing");
      return SQLITE_ERROR;
    }
  }
  if (zTopic == 0) {
    p->base.zErrMsg = sqlite3_mprintf("tito_events: publishing needs a "
                                      "topic: INSERT INTO tito_events(topic, "
                                      "key, payload, due_at) VALUES (...)");
    return SQLITE_CONSTRAINT_NOTNULL;
  }
  {
    sqlite3_value *d = argv[2 + 8];
    if (sqlite3_value_type(d) != SQLITE_NULL &&
        sqlite3_value_numeric_type(d) != SQLITE_INTEGER &&
        sqlite3_value_numeric_type(d) != SQLITE_FLOAT) {
      p->base.zErrMsg = sqlite3_mprintf("tito_events: due_at must be unix "
                                        "seconds (a number) or NULL");
      return SQLITE_MISMATCH;
    }
  }
  rc = titoEventsStore(pConn, zTopic, &pStore, &zErr);
  if (rc == SQLITE_OK) rc = titoEventsWriteBegin(pConn, pStore, &zErr);
  if (rc == SQLITE_OK) {
    rc = tito_store_atomic_begin(pStore, &iMark);
    if (rc != SQLITE_OK) zErr = sqlite3_mprintf("%s", tito_store_errmsg(pStore));
  }
  if (rc == SQLITE_OK) {
    tito_value key, payload;
    double due = sqlite3_value_double(argv[2 + 8]);
    int64_t iDue = sqlite3_value_type(argv[2 + 8]) == SQLITE_NULL ? now
                   : due >= 9.2e18 ? INT64_MAX / 2
                   : due <= 0 ? 0 : (int64_t)due;
    titoValueFromSql(argv[2 + 3], 0, &key);
    titoValueFromSql(argv[2 + 6], 0, &payload);
    rc = tito_outbox_publish(pStore->pKv, pStore->pHeads, zTopic, &key,
                             &payload, iDue, now,
                             &iPos, &zErr);
    *pRowid = iPos;
  }
  if (iMark >= 0) tito_store_atomic_end(pStore, iMark, rc == SQLITE_OK);
  if (pStore) tito_store_release(pStore);
  if (rc != SQLITE_OK) {
    p->base.zErrMsg = sqlite3_mprintf("tito_events: %s",
                                      zErr ? zErr : "out of memory");
  }
  sqlite3_free(zErr);
  return rc;
}

static int eventsUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                        sqlite3_int64 *pRowid) {
  events_vtab *p = (events_vtab *)pVtab;
  if (argc == 1 || sqlite3_value_type(argv[0]) != SQLITE_NULL || p->bPeek) {
    p->base.zErrMsg = sqlite3_mprintf(
        "%s: events cannot be updated or deleted (consume them; hand one "
        "back with tito_retry)", p->bPeek ? "tito_peek" : "tito_events");
    return SQLITE_ERROR;
  }
  return eventsPublish(p, argv, pRowid);
}

static sqlite3_module eventsModule = {
    /* iVersion    */ 0,
    /* xCreate     */ 0,
    /* xConnect    */ eventsConnect,
    /* xBestIndex  */ eventsBestIndex,
    /* xDisconnect */ eventsDisconnect,
    /* xDestroy    */ 0,
    /* xOpen       */ eventsOpen,
    /* xClose      */ eventsClose,
    /* xFilter     */ eventsFilter,
    /* xNext       */ eventsNext,
    /* xEof        */ eventsEof,
    /* xColumn     */ eventsColumn,
    /* xRowid      */ eventsRowid,
    /* xUpdate     */ eventsUpdate,
    /* xBegin      */ 0,
    /* xSync       */ 0,
    /* xCommit     */ 0,
    /* xRollback   */ 0,
    /* xFindMethod */ 0,
    /* xRename     */ 0,
    /* xSavepoint  */ 0,
    /* xRelease    */ 0,
    /* xRollbackTo */ 0,
    /* xShadowName */ 0};

/* ------------------------------------------------------------ retry */

/*
** tito_retry(event_id [, seconds]): hand an event received in this
** transaction back to its group for another attempt after SECONDS (NULL
** or absent: the topic's backoff). Returns 'retry', or 'dead' when it
** reached the topic's MAX ATTEMPTS and went to the dead letters.
*/
static void retryFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  tito_conn *pConn = (tito_conn *)sqlite3_user_data(ctx);
  const char *zId = (const char *)sqlite3_value_text(argv[0]);
  tito_received *r = &pConn->received;
  int64_t nDelay = -1;
  int i;
  receivedSync(pConn);
  if (argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
    if (sqlite3_value_numeric_type(argv[1]) != SQLITE_INTEGER ||
        sqlite3_value_int64(argv[1]) < 0) {
      sqlite3_result_error(ctx, "tito_retry: seconds must be a whole "
                           "number >= 0", -1);
      return;
    }
    nDelay = sqlite3_value_int64(argv[1]);
  }
  for (i = r->n - 1; zId && i >= 0; i--) {
    tito_received_event *e = &r->a[i];
    const char *zTopic = e->zTopicGroup, *zGroup = zTopic + e->nTopic;
    tito_value aEv[TITO_EV_N];
    tito_store *pStore = 0;
    char *zErr = 0;
    int rc, bDead = 0;
    if (tito_row_decode((const uint8_t *)zGroup + e->nGroup, e->nRec,
                        TITO_EV_N, aEv) != TITO_OK ||
        aEv[TITO_EV_ID].eType != SQLITE_TEXT ||
        (size_t)aEv[TITO_EV_ID].n != strlen(zId) ||
        memcmp(aEv[TITO_EV_ID].z, zId, (size_t)aEv[TITO_EV_ID].n) != 0) {
      continue;
    }
    rc = titoEventsStore(pConn, zTopic, &pStore, &zErr);
    if (rc == SQLITE_OK) rc = titoEventsWriteBegin(pConn, pStore, &zErr);
    if (rc == SQLITE_OK) {
      rc = tito_outbox_retry(pStore->pKv, zTopic, zGroup, aEv, nDelay,
                             titoNow(pConn), &bDead, &zErr);
    }
    if (pStore) tito_store_release(pStore);
    if (rc != SQLITE_OK) {
      char *z = sqlite3_mprintf("tito_retry: %s", zErr ? zErr : "error");
      sqlite3_result_error(ctx, z, -1);
      sqlite3_result_error_code(ctx, rc);
      sqlite3_free(z);
    } else {
      /* Handed back once: a second call finds nothing. */
      sqlite3_free(e->zTopicGroup);
      r->a[i] = r->a[--r->n];
      sqlite3_result_text(ctx, bDead ? "dead" : "retry", -1, SQLITE_STATIC);
    }
    sqlite3_free(zErr);
    return;
  }
  sqlite3_result_error(ctx, "tito_retry: this transaction received no "
                       "event with that id (call it inside the transaction "
                       "that consumed the event)", -1);
}

/*
** tito_lease(topic, group, worker, seconds [, max]): renew the worker's
** leases of the group's partitions for SECONDS and claim free or expired
** ones up to MAX (default: every free one); 0 seconds gives them up.
** Returns how many partitions the worker holds. The worker then consumes
** with tito_events(topic, group, NULL, NULL, batch, worker).
*/
static void leaseFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  tito_conn *pConn = (tito_conn *)sqlite3_user_data(ctx);
  const char *zTopic = (const char *)sqlite3_value_text(argv[0]);
  const char *zGroup = (const char *)sqlite3_value_text(argv[1]);
  const char *zWorker = (const char *)sqlite3_value_text(argv[2]);
  tito_store *pStore = 0;
  char *zErr = 0;
  int rc, nHeld = 0, nMax = 0, bOwn = 0;
  if (zTopic == 0 || zGroup == 0 || zWorker == 0 ||
      sqlite3_value_type(argv[3]) != SQLITE_INTEGER ||
      sqlite3_value_int64(argv[3]) < 0 ||
      (argc > 4 && sqlite3_value_type(argv[4]) != SQLITE_NULL &&
       sqlite3_value_type(argv[4]) != SQLITE_INTEGER)) {
    sqlite3_result_error(ctx, "tito_lease: give topic, group, worker (text) "
                         "and seconds (a whole number >= 0) [, max "
                         "partitions]", -1);
    return;
  }
  if (argc > 4) nMax = sqlite3_value_int(argv[4]);
  rc = titoCallBegin(pConn, &bOwn, &zErr);
  if (rc == SQLITE_OK) rc = titoEventsStore(pConn, zTopic, &pStore, &zErr);
  if (rc == SQLITE_OK) rc = titoEventsWriteBegin(pConn, pStore, &zErr);
  if (rc == SQLITE_OK) {
    rc = tito_outbox_lease(pStore->pKv, zTopic, zGroup, zWorker,
                           sqlite3_value_int64(argv[3]), nMax,
                           titoNow(pConn), &nHeld, &zErr);
  }
  if (pStore) tito_store_release(pStore);
  rc = titoCallEnd(pConn, bOwn, rc, &zErr);
  if (rc == SQLITE_OK) {
    sqlite3_result_int(ctx, nHeld);
  } else {
    char *z = sqlite3_mprintf("tito_lease: %s", zErr ? zErr : "error");
    sqlite3_result_error(ctx, z, -1);
    sqlite3_result_error_code(ctx, rc);
    sqlite3_free(z);
  }
  sqlite3_free(zErr);
}

int titoRegisterEvents(sqlite3 *db, tito_conn *pConn) {
  int rc = sqlite3_create_module(db, "tito_events", &eventsModule, pConn);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_module(db, "tito_peek", &eventsModule, pConn);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "tito_retry", 1, SQLITE_UTF8, pConn,
                                 retryFunc, 0, 0);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "tito_retry", 2, SQLITE_UTF8, pConn,
                                 retryFunc, 0, 0);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "tito_lease", 4, SQLITE_UTF8, pConn,
                                 leaseFunc, 0, 0);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "tito_lease", 5, SQLITE_UTF8, pConn,
                                 leaseFunc, 0, 0);
  }
  return rc;
}
