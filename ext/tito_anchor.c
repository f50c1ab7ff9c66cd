/*
** tito_anchor.c: the tito_txn table, which lets DDL on a remote store
** commit and roll back with SQLite's transaction.
**
** SQLite calls no transaction callback on a table it drops or renames, and
** a dropped table is gone before COMMIT: its catalog writes would have no
** one to commit them. So DROP and RENAME write into the store transaction
** (src/store.h, tito_store_ddl_begin) and then insert into the eponymous
** table tito_txn, which makes SQLite call tito_txn's xBegin and, at the end
** of its transaction, xSync / xCommit / xRollback (and the savepoint
** calls): these go to every store DDL marked. The DROP or RENAME statement
** already writes the schema, so the nested insert costs no extra lock.
** Inserting into tito_txn by hand changes nothing.
*/
#include "tito_ext.h"
#include <string.h>

typedef struct anchor_cursor {
  sqlite3_vtab_cursor base;
} anchor_cursor;

static int anchorConnect(sqlite3 *db, void *pAux, int argc,
                         const char *const *argv, sqlite3_vtab **ppVtab,
                         char **pzErr) {
  (void)argc;
  (void)argv;
  (void)pzErr;
  return titoTvfConnect(db, pAux, "CREATE TABLE x(store TEXT)", ppVtab);
}

static int anchorBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  pInfo->estimatedCost = 1;
  pInfo->estimatedRows = 0;
  return SQLITE_OK;
}

static int anchorOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  (void)pVtab;
  return titoTvfOpen((int)sizeof(anchor_cursor), ppCur);
}

static int anchorClose(sqlite3_vtab_cursor *pCur) {
  sqlite3_free(pCur);
  return SQLITE_OK;
}

static int anchorFilter(sqlite3_vtab_cursor *pCur, int idxNum,
                        const char *idxStr, int argc, sqlite3_value **argv) {
  (void)pCur;
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  return SQLITE_OK;
}

static int anchorNext(sqlite3_vtab_cursor *pCur) {
  (void)pCur;
  return SQLITE_OK;
}

static int anchorEof(sqlite3_vtab_cursor *pCur) {
  (void)pCur;
  return 1;
}

static int anchorColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx,
                        int i) {
  (void)pCur;
  (void)i;
  sqlite3_result_null(ctx);
  return SQLITE_OK;
}

static int anchorRowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid) {
  (void)pCur;
  *pRowid = 0;
  return SQLITE_OK;
}

static int anchorUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                        sqlite3_int64 *pRowid) {
  (void)pVtab;
  (void)argc;
  (void)argv;
  *pRowid = 0;
  return SQLITE_OK;
}

static int anchorBegin(sqlite3_vtab *pVtab) {
  (void)pVtab;
  return SQLITE_OK;
}

static int anchorSync(sqlite3_vtab *pVtab) {
  tito_tvf *p = (tito_tvf *)pVtab;
  tito_store *s;
  for (s = p->pConn->stores.pFirst; s; s = s->pNext) {
    int rc;
    if (!s->bAnchored) continue;
    rc = tito_store_prepare(s);
    if (rc != SQLITE_OK) {
      titoSetError(pVtab, "%s", tito_store_errmsg(s));
      return rc;
    }
  }
  return SQLITE_OK;
}

static void anchorEnd(tito_tvf *p, int bCommit) {
  tito_store *s;
  for (s = p->pConn->stores.pFirst; s; s = s->pNext) {
    if (s->bAnchored) tito_store_end(s, bCommit);
  }
}

static int anchorCommit(sqlite3_vtab *pVtab) {
  anchorEnd((tito_tvf *)pVtab, 1);
  return SQLITE_OK;
}

static int anchorRollback(sqlite3_vtab *pVtab) {
  anchorEnd((tito_tvf *)pVtab, 0);
  return SQLITE_OK;
}

/* Savepoint calls: kind 0 set, 1 release, 2 roll back. */
static int anchorSavepointOp(sqlite3_vtab *pVtab, int eOp, int iSave) {
  tito_tvf *p = (tito_tvf *)pVtab;
  tito_store *s;
  for (s = p->pConn->stores.pFirst; s; s = s->pNext) {
    int rc;
    if (!s->bAnchored) continue;
    if (eOp == 0) {
      rc = tito_store_savepoint(s, iSave);
    } else if (eOp == 1) {
      rc = tito_store_release_savepoint(s, iSave);
    } else {
      rc = tito_store_rollback_to(s, iSave);
    }
    if (rc != SQLITE_OK) {
      titoSetError(pVtab, "%s", tito_store_errmsg(s));
      return rc;
    }
  }
  return SQLITE_OK;
}

static int anchorSavepoint(sqlite3_vtab *pVtab, int i) {
  return anchorSavepointOp(pVtab, 0, i);
}

static int anchorRelease(sqlite3_vtab *pVtab, int i) {
  return anchorSavepointOp(pVtab, 1, i);
}

static int anchorRollbackTo(sqlite3_vtab *pVtab, int i) {
  return anchorSavepointOp(pVtab, 2, i);
}

static sqlite3_module anchorModule = {
    /* iVersion    */ 2,
    /* xCreate     */ 0,
    /* xConnect    */ anchorConnect,
    /* xBestIndex  */ anchorBestIndex,
    /* xDisconnect */ titoTvfDisconnect,
    /* xDestroy    */ titoTvfDisconnect,
    /* xOpen       */ anchorOpen,
    /* xClose      */ anchorClose,
    /* xFilter     */ anchorFilter,
    /* xNext       */ anchorNext,
    /* xEof        */ anchorEof,
    /* xColumn     */ anchorColumn,
    /* xRowid      */ anchorRowid,
    /* xUpdate     */ anchorUpdate,
    /* xBegin      */ anchorBegin,
    /* xSync       */ anchorSync,
    /* xCommit     */ anchorCommit,
    /* xRollback   */ anchorRollback,
    /* xFindMethod */ 0,
    /* xRename     */ 0,
    /* xSavepoint  */ anchorSavepoint,
    /* xRelease    */ anchorRelease,
    /* xRollbackTo */ anchorRollbackTo,
    /* xShadowName */ 0,
#if SQLITE_VERSION_NUMBER >= 3044000
    /* xIntegrity  */ 0,
#endif
};

int titoAnchorJoin(tito_conn *pConn, char **pzErr) {
  /* The anchor's INSERT is ours: the user's last_insert_rowid() must not
  ** see it (tito_analyze, the events functions). */
  sqlite3_int64 iLastRowid = sqlite3_last_insert_rowid(pConn->db);
  int rc = sqlite3_exec(pConn->db, "INSERT INTO main.tito_txn VALUES (NULL)",
                        0, 0, 0);
  sqlite3_set_last_insert_rowid(pConn->db, iLastRowid);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("tito: cannot tie the store's transaction to "
                             "SQLite's: %s", sqlite3_errmsg(pConn->db));
  }
  return rc;
}

/* Is a statement that writes running (the one calling, as in INSERT INTO
** x SELECT tito_analyze(...))? Then SQLite commits when it ends, the
** anchor's INSERT joins that transaction, and no savepoint may be opened. */
static int callInWriter(sqlite3 *db) {
  sqlite3_stmt *s;
  for (s = sqlite3_next_stmt(db, 0); s; s = sqlite3_next_stmt(db, s)) {
    if (sqlite3_stmt_busy(s) && !sqlite3_stmt_readonly(s)) return 1;
  }
  return 0;
}

/*
** A function's writes in autocommit mode. The statement calling it is a
** read as far as SQLite knows, so the anchor's INSERT (a statement of its
** own) would commit SQLite's transaction, and the store's with it, at once:
** before the function writes. Those writes would then wait in the store's
** transaction for a commit that never comes (another connection of the
** process sharing the store handle would even see them). So the function
** opens a transaction first, as tito_alter does, and ends it on return;
** called by a statement that writes, it joins that one's instead.
*/
int titoCallBegin(tito_conn *pConn, int *pbOwn, char **pzErr) {
  int rc;
  *pbOwn = 0;
  if (!sqlite3_get_autocommit(pConn->db) || callInWriter(pConn->db)) {
    return SQLITE_OK;
  }
  rc = sqlite3_exec(pConn->db, "SAVEPOINT tito_call", 0, 0, 0);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("cannot open a transaction: %s",
                             sqlite3_errmsg(pConn->db));
    return rc;
  }
  *pbOwn = 1;
  return SQLITE_OK;
}

int titoCallEnd(tito_conn *pConn, int bOwn, int rc, char **pzErr) {
  sqlite3 *db = pConn->db;
  if (!bOwn) return rc;
  if (rc != SQLITE_OK) {
    sqlite3_exec(db, "ROLLBACK TO tito_call", 0, 0, 0);
    sqlite3_exec(db, "RELEASE tito_call", 0, 0, 0);
    return rc;
  }
  rc = sqlite3_exec(db, "RELEASE tito_call", 0, 0, 0); /* the commit */
  if (rc != SQLITE_OK) {
    sqlite3_free(*pzErr);
    *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
  }
  return rc;
}

int titoRegisterAnchor(sqlite3 *db, tito_conn *pConn) {
  return sqlite3_create_module(db, "tito_txn", &anchorModule, pConn);
}
