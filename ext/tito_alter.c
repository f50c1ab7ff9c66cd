/*
** tito_alter.c: changes of a live model from SQL (SQLite's ALTER TABLE does
** not reach a virtual table's definition).
**
**   SELECT tito_alter('orders', 'ADD INDEX by_created(created_at DESC)');
**   SELECT tito_alter('orders', 'ADD UNIQUE INDEX by_ref(ref) WHERE ref IS NOT NULL');
**   SELECT tito_alter('orders', 'DROP INDEX by_created');
**   SELECT tito_alter('orders', 'ADD COLUMN priority INTEGER DEFAULT 0');
**   SELECT tito_alter('orders', 'RENAME COLUMN priority TO rank');
**   SELECT tito_alter('orders', 'DROP COLUMN rank');
**   SELECT tito_alter('orders', 'RESUME');   -- an index build goes on
**   SELECT tito_alter('orders', 'CANCEL');   -- or is dropped
**
** The clauses are CREATE VIRTUAL TABLE's; src/model_change.c plans the
** change (the new definition and model). Each transaction of a change is
** a savepoint of the caller's transaction (its own transaction in
** autocommit mode): the write lock is taken and the schema reloaded first,
** so a change another connection committed is the base of this one; then
** the keys (entries of a dropped index cleared: the others keep their ids,
** src/index_ids.h; no row for a column's change: older rows read an added
** column's DEFAULT, src/table.h, and a dropped column keeps its slot in
** the rows, src/column_slots.h), the store's catalog, and the table's
** CREATE statement in
** sqlite_schema, whose schema_version moves so that every connection (this
** one included) reloads the table before its next statement.
**
** ADD INDEX is made in steps (src/index_backfill.h): one transaction adds
** the index to the definition, being built (every write maintains it, no
** query reads it); each next one writes tito_config('alter_batch') more
** entries; the last one makes the index readable (schema_version again).
** On the embedded store the entries are gathered before the steps with no
** transaction open and written in key order (src/index_sorted.h:
** alterGather). Other connections write between the steps (the build
** pauses between them: alterBuild). A third argument
** bounds the steps this call runs (0: only the
** first transaction); 'RESUME' goes on (after a crash, by any connection),
** 'CANCEL' drops the index. While a build is in progress the table takes no
** other change. Inside the caller's explicit transaction every step is
** part of it, and an error undoes the whole call; in autocommit mode a
** failed build (a unique value two rows share) is cancelled.
**
** DROP INDEX is made in steps the same way: the first transaction takes
** the index out of the definition (its id is never given again,
** src/index_ids.h), each next one deletes alter_batch of its entries.
**
** Tables of a shared store (TiKV) take every change, outside BEGIN only:
** every write commits only if the model it was made by is still the
** catalog's (tito_catalog_fence), another database follows the new model
** before its next statement once it rechecks (titoTableFresh), a read
** fails rather than read by a model that can no longer read what it reads
** (titoFilter: an index dropped, a column dropped), and each step of an
** index build writes the rows it indexes again so that a concurrent
** writer's change of one conflicts (index_build.c).
*/
#include "tito_ext.h"
#include <stdarg.h>
#include <string.h>
#include "catalog.h"
#include "definition.h"
#include "column_slots.h"
#include "index_backfill.h"
#include "index_build.h"
#include "index_ids.h"
#include "model_change.h"

/* The keys: rows rewritten without a dropped column; the entries of every
** index the new model drops or numbers anew cleared, and those of every
** index it adds or numbers anew built (src/model_change.h).
** *pnRow: rows read. */
static int alterEntries(tito_vtab *p, tito_change *c, int64_t *pnRow,
                        char **pzErr) {
  const tito_model *pOld = p->pTab->pModel;
  tito_table *pNew = 0;
  tito_model *pModel = c->pModel;
  uint64_t mBuild = 0; /* indexes to build (a model has at most 64) */
  int i, rc = SQLITE_OK;
  *pnRow = 0;
  for (i = 0; rc == SQLITE_OK && i < pOld->nIndex; i++) {
    if (tito_change_clears(c, i)) {
      rc = tito_index_clear(p->pTab, pOld->aIndex[i].iId);
      if (rc != SQLITE_OK) {
        *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(p->pTab));
      }
    }
  }
  for (i = 0; i < pModel->nIndex && i < 64; i++) {
    if (tito_change_builds(c, i)) mBuild |= (uint64_t)1 << i;
  }
  if (rc != SQLITE_OK || mBuild == 0) return rc;
  c->pModel = 0; /* the table takes it, also on error */
  rc = tito_table_open(p->pConn->db, pModel, p->pStore->pKv,
                       p->pTab->iModelId, &pNew, pzErr);
  if (rc == SQLITE_OK) rc = titoTableDefaults(p->pConn->db, pNew);
  for (i = 0; rc == SQLITE_OK && i < 64; i++) {
    if ((mBuild >> i) & 1) {
      rc = tito_index_build(pNew, i,
                            TITO_SETTING(p->pConn->nBuildMemory, 0), pnRow,
                            pzErr);
    }
  }
  tito_table_close(pNew);
  return rc;
}

/* Run zSql (printf-style) on the connection; its message on error. */
static int alterExec(sqlite3 *db, char **pzErr, const char *zFmt, ...) {
  va_list ap;
  char *zSql;
  int rc;
  va_start(ap, zFmt);
  zSql = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_exec(db, zSql, 0, 0, 0);
  if (rc != SQLITE_OK && pzErr && *pzErr == 0) {
    *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  }
  sqlite3_free(zSql);
  return rc;
}

/* The schema's CREATE statement gets the new definition zDef (unless the
** table is attached to the catalog's, or zDef is NULL: the definition
** stays, an index build ended), and schema_version moves: every
** connection reloads the table before its next statement. Only this row
** of sqlite_schema is written, under writable_schema, with DEFENSIVE lifted
** for the two statements and put back. */
static int alterSchema(tito_vtab *p, const char *zDef, char **pzErr) {
  sqlite3 *db = p->pConn->db;
  sqlite3_stmt *pStmt = 0;
  int bDefensive = 0, bWritable = 0, rc = SQLITE_OK, iVersion = 0;
  char *zSql = 0;
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, -1, &bDefensive);
  sqlite3_db_config(db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, -1, &bWritable);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 0, (int *)0);
  sqlite3_db_config(db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, 1, (int *)0);
  if (!p->bAttached && zDef) {
    zSql = sqlite3_mprintf("CREATE VIRTUAL TABLE \"%w\" USING tito(%s)",
                           p->zName, zDef);
    rc = zSql ? alterExec(db, pzErr,
                          "UPDATE \"%w\".sqlite_schema SET sql = %Q WHERE "
                          "type = 'table' AND name = %Q",
                          p->zSchema, zSql, p->zName)
              : SQLITE_NOMEM;
    if (rc == SQLITE_OK && sqlite3_changes(db) != 1) {
      *pzErr = sqlite3_mprintf("the schema has no table %s", p->zName);
      rc = SQLITE_ERROR;
    }
  }
  if (rc == SQLITE_OK) {
    char *zVer = sqlite3_mprintf("PRAGMA \"%w\".schema_version", p->zSchema);
    rc = zVer ? sqlite3_prepare_v2(db, zVer, -1, &pStmt, 0) : SQLITE_NOMEM;
    if (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
      iVersion = sqlite3_column_int(pStmt, 0);
    }
    if (pStmt) rc = sqlite3_finalize(pStmt);
    sqlite3_free(zVer);
  }
  if (rc == SQLITE_OK) {
    rc = alterExec(db, pzErr, "PRAGMA \"%w\".schema_version = %d",
                   p->zSchema, iVersion + 1);
  }
  sqlite3_db_config(db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, bWritable, (int *)0);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, bDefensive, (int *)0);
  if (rc != SQLITE_OK && *pzErr == 0) {
    *pzErr = sqlite3_mprintf("cannot rewrite the schema: %s",
                             sqlite3_errmsg(db));
  }
  sqlite3_free(zSql);
  return rc;
}

/*
** Hold the write lock of the table's schema before reading its definition:
** another connection's change committed meanwhile is then seen (the table
** lookup that follows reloads the schema) before this one is planned, and
** none can commit until this transaction ends. (A no-op UPDATE of the
** embedded store's table starts the write transaction; a schema without it
** has no tito table to change.)
*/
static void alterLock(sqlite3 *db, const char *zName) {
  const char *zDot = zName ? strchr(zName, '.') : 0;
  char *zSchema = zDot ? sqlite3_mprintf("%.*s", (int)(zDot - zName), zName)
                       : sqlite3_mprintf("main");
  if (zSchema) {
    char *zSql = sqlite3_mprintf("UPDATE \"%w\".tito_store SET v = v WHERE 0",
                                 zSchema);
    if (zSql) sqlite3_exec(db, zSql, 0, 0, 0);
    sqlite3_free(zSql);
  }
  sqlite3_free(zSchema);
}

/* The state of one call. */
typedef struct alter_call {
  tito_conn *pConn;
  const char *zName;   /* the table as given */
  char *zTab;          /* the table's name, once found */
  char *zSchema;       /* its schema */
  int eKind;           /* TITO_CHANGE_*, or ALTER_RESUME, ALTER_CANCEL */
  char *zWhat;         /* the index or column it names */
  int bBuild;          /* an index build (or clearing) goes on in steps */
  int bClear;          /* it is a dropped index's entries being deleted */
  int bComplete;       /* the build ended */
  int bOuter;          /* inside the caller's transaction */
  int bRemote;         /* a table of a shared store (TiKV) */
  int64_t nRow;        /* rows read */
  int64_t nDone, nTotal; /* the build's progress */
  tito_sorted *pSorted; /* a build in key order: the entries gathered */
} alter_call;

#define ALTER_STEP_TRIES 20
#define ALTER_RESUME 100
#define ALTER_CANCEL 101

/* Record what was found of table p in the call. */
static int alterFound(alter_call *a, tito_vtab *p) {
  if (a->zTab == 0) {
    a->zTab = sqlite3_mprintf("%s", p->zName);
    a->zSchema = sqlite3_mprintf("%s", p->zSchema);
    if (a->zTab == 0 || a->zSchema == 0) return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

/* The change's definition into the catalog and the schema, its index ids
** into the store. */
static int alterDefine(tito_vtab *p, tito_change *c, char **pzErr) {
  char *zDef = tito_def_join(c->nArg, c->azArg);
  int rc = zDef ? SQLITE_OK : SQLITE_NOMEM;
  if (rc == SQLITE_OK) {
    rc = tito_index_ids_save(p->pTab, c->pModel);
    if (rc == SQLITE_OK) rc = tito_column_slots_save(p->pTab, c->pModel);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(p->pTab));
    }
  }
  if (rc == SQLITE_OK) {
    rc = tito_catalog_redefine(p->pStore->pKv, p->pTab->pModel->zPrefix,
                               p->zName, zDef, pzErr);
  }
  if (rc == SQLITE_OK) rc = alterSchema(p, zDef, pzErr);
  sqlite3_free(zDef);
  return rc;
}

/* Open the store's transaction for the change's writes. */
static int alterWriteBegin(tito_vtab *p, char **pzErr) {
  int rc = tito_store_read(p->pStore);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s", tito_store_errmsg(p->pStore));
    return rc;
  }
  return titoEventsWriteBegin(p->pConn, p->pStore, pzErr);
}

/* A change made whole, in this transaction. *pnRow: rows read. */
static int alterRun(tito_vtab *p, tito_change *c, int64_t *pnRow,
                    char **pzErr) {
  int rc = alterWriteBegin(p, pzErr);
  if (rc == SQLITE_OK) {
    tito_store_cursor_open(p->pStore);
    rc = alterEntries(p, c, pnRow, pzErr);
    tito_store_cursor_close(p->pStore);
  }
  if (rc == SQLITE_OK) rc = alterDefine(p, c, pzErr);
  return rc;
}

/* The one index c builds (ADD INDEX: its position in the new model) or
** clears (DROP INDEX: in the old one) when it touches no other: then made
** in steps. -1 otherwise. */
static int alterOneIndex(const tito_change *c) {
  int i, iBuild = -1, iClear = -1, n = 0;
  for (i = 0; i < c->pOld->nIndex; i++) {
    if (tito_change_clears(c, i)) {
      iClear = i;
      n++;
    }
  }
  for (i = 0; i < c->pModel->nIndex; i++) {
    if (tito_change_builds(c, i)) {
      iBuild = i;
      n++;
    }
  }
  if (n != 1) return -1;
  return c->eKind == TITO_CHANGE_ADD_INDEX    ? iBuild
         : c->eKind == TITO_CHANGE_DROP_INDEX ? iClear
                                              : -1;
}

/* The first transaction of an index change made in steps: its record,
** then the definition. ADD INDEX (pIdx: the new model's): the index is
** being built from now on (every write maintains it, no query reads it).
** DROP INDEX (bClear; pIdx: the old model's): the index leaves the
** definition, its entries are deleted in the next steps. */
static int alterStepsBegin(tito_vtab *p, tito_change *c,
                           const tito_index *pIdx, int bClear, alter_call *a,
                           char **pzErr) {
  tito_backfill *b = 0;
  int rc = alterWriteBegin(p, pzErr);
  tito_store_cursor_open(p->pStore);
  if (rc == SQLITE_OK) {
    rc = tito_backfill_begin(p->pTab, pIdx, bClear, titoNow(p->pConn), &b);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(p->pTab));
    }
  }
  tito_store_cursor_close(p->pStore);
  if (rc == SQLITE_OK) rc = alterDefine(p, c, pzErr);
  if (b) a->nTotal = b->nTotal;
  tito_backfill_free(b);
  a->bBuild = rc == SQLITE_OK;
  a->bClear = a->bBuild && bClear;
  return rc;
}

/* Lock, reload and find the table (inside a transaction). */
static int alterOpen(alter_call *a, tito_vtab **pp, char **pzErr) {
  tito_vtab *p;
  int rc;
  alterLock(a->pConn->db, a->zName);
  p = *pp = a->zName ? titoFindTable(a->pConn, a->zName) : 0;
  if (p == 0) {
    *pzErr = sqlite3_mprintf("no tito table named %s",
                             a->zName ? a->zName : "NULL");
    return SQLITE_ERROR;
  }
  rc = alterFound(a, p);
  if (rc == SQLITE_OK) rc = titoTableReady(p);
  if (rc != SQLITE_OK && *pzErr == 0) {
    *pzErr = sqlite3_mprintf("%s", p->base.zErrMsg ? p->base.zErrMsg : "");
  }
  if (rc == SQLITE_OK && p->pStore->bRemote && a->bOuter) {
    /* One transaction would read rows at its start, while a writer of
    ** another database committing before it, by the old model, may insert
    ** rows it never sees: each step must read after the change committed. */
    *pzErr = sqlite3_mprintf("%s is a table of TiKV store %s: tito_alter "
                             "runs there outside BEGIN ... COMMIT only (each "
                             "step its own transaction)", p->zName,
                             p->pStore->zUrl);
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK && p->pStore->bRemote) {
    /* The change starts from the catalog's model (another database may
    ** have changed it); one made meanwhile makes this one's catalog write
    ** conflict. */
    a->bRemote = 1;
    p->msChecked = 0;
    rc = titoTableFresh(p);
    if (rc != SQLITE_OK && *pzErr == 0) {
      *pzErr = sqlite3_mprintf("%s", p->base.zErrMsg ? p->base.zErrMsg : "");
    }
    if (rc == SQLITE_OK && p->zNoWrite) {
      /* Its model is older than the catalog's: a change planned from it
      ** would undo the other database's. */
      *pzErr = sqlite3_mprintf("%s", p->zNoWrite);
      rc = SQLITE_ERROR;
    }
  }
  return rc;
}

/* Drop the index being built (CANCEL, or a build that failed). */
static int alterCancelBuild(tito_vtab *p, const char *zIndex, alter_call *a,
                            char **pzErr) {
  tito_change c;
  int64_t nRow = 0;
  char *zDrop = sqlite3_mprintf("DROP INDEX \"%w\"", zIndex);
  int rc = zDrop ? SQLITE_OK : SQLITE_NOMEM;
  memset(&c, 0, sizeof(c));
  if (rc == SQLITE_OK) {
    rc = tito_change_plan(p->zName, p->nArg, p->azArg, p->pTab->pModel, zDrop,
                          &c, pzErr);
  }
  if (rc == SQLITE_OK && p->pStore->bRemote) {
    /* A writer of another database maintains the index until it commits
    ** (fenced: before this transaction), perhaps unseen by this one's
    ** snapshot: its entries are deleted by steps that read after this
    ** commit (the clearing of DROP INDEX; the record is replaced). */
    int iIdx = tito_model_index(c.pOld, zIndex);
    rc = iIdx < 0 ? SQLITE_CORRUPT
                  : alterStepsBegin(p, &c, &c.pOld->aIndex[iIdx], 1, a,
                                    pzErr);
    a->nDone = 0;
    tito_change_free(&c);
    sqlite3_free(zDrop);
    return rc;
  }
  if (rc == SQLITE_OK) rc = alterWriteBegin(p, pzErr);
  if (rc == SQLITE_OK) {
    rc = tito_backfill_remove(p->pTab);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(p->pTab));
    }
  }
  /* Last: the schema's change may free p. */
  if (rc == SQLITE_OK) rc = alterRun(p, &c, &nRow, pzErr);
  tito_change_free(&c);
  sqlite3_free(zDrop);
  return rc;
}

/* Is zChange the word zWord (blanks around allowed)? */
static int alterIsWord(const char *zChange, const char *zWord) {
  int n = (int)strlen(zWord);
  while (*zChange == ' ' || *zChange == '\t' || *zChange == '\n') zChange++;
  if (sqlite3_strnicmp(zChange, zWord, n)) return 0;
  zChange += n;
  while (*zChange == ' ' || *zChange == '\t' || *zChange == '\n') zChange++;
  return *zChange == 0;
}

/* RESUME or CANCEL of the change in progress b. */
static int alterBuildCall(tito_vtab *p, tito_backfill *b, alter_call *a,
                          char **pzErr) {
  a->zWhat = sqlite3_mprintf("%s", b->zIndex);
  if (a->zWhat == 0) return SQLITE_NOMEM;
  a->nDone = b->nDone;
  a->nTotal = b->nTotal;
  a->bClear = b->bClear;
  if (a->eKind == ALTER_RESUME) {
    a->bBuild = 1;
    return SQLITE_OK;
  }
  if (b->bClear) {
    *pzErr = sqlite3_mprintf("index %s is dropped already and its entries "
                             "are being deleted: SELECT tito_alter('%q', "
                             "'RESUME') finishes that", b->zIndex, a->zName);
    return SQLITE_ERROR;
  }
  return alterCancelBuild(p, b->zIndex, a, pzErr);
}

/* "n of m rows", or "n rows, not counted yet" (nTotal < 0: a build in key
** order before it read the rows). */
static char *alterProgress(int64_t nDone, int64_t nTotal) {
  if (nTotal < 0) {
    return sqlite3_mprintf("%lld rows, not counted yet", (long long)nDone);
  }
  return sqlite3_mprintf("%lld of %lld rows", (long long)nDone,
                         (long long)nTotal);
}

/* The message of a change refused while b is in progress (the table
** named as the caller named it, schema included). */
static char *alterBusy(const alter_call *a, const tito_backfill *b) {
  char *zProgress, *z;
  if (b->bClear) {
    return sqlite3_mprintf("the entries of dropped index %s are being "
                           "deleted (%lld of %lld): SELECT tito_alter('%q', "
                           "'RESUME') finishes that", b->zIndex,
                           (long long)b->nDone, (long long)b->nTotal,
                           a->zName);
  }
  zProgress = alterProgress(b->nDone, b->nTotal);
  z = sqlite3_mprintf("index %s is being built (%s): SELECT tito_alter('%q', "
                      "'RESUME') finishes it, 'CANCEL' drops it", b->zIndex,
                      zProgress ? zProgress : "", a->zName);
  sqlite3_free(zProgress);
  return z;
}

/* The call's first transaction: the change planned and made, or begun
** (an index build), or RESUME / CANCEL. */
static int alterFirst(alter_call *a, const char *zChange, char **pzErr) {
  tito_vtab *p = 0;
  tito_backfill *b = 0;
  tito_change c;
  int rc = alterOpen(a, &p, pzErr), iIdx;
  memset(&c, 0, sizeof(c));
  if (rc == SQLITE_OK && zChange == 0) {
    *pzErr = sqlite3_mprintf("argument 2 must be a change, e.g. 'ADD "
                             "INDEX name(column)'");
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK) {
    rc = tito_backfill_load(p->pTab, &b);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(p->pTab));
    }
  }
  if (rc == SQLITE_OK && (alterIsWord(zChange, "RESUME") ||
                                 alterIsWord(zChange, "CANCEL"))) {
    a->eKind = alterIsWord(zChange, "RESUME") ? ALTER_RESUME : ALTER_CANCEL;
    if (b == 0) {
      *pzErr = sqlite3_mprintf("no change of %s is in progress", p->zName);
      rc = SQLITE_ERROR;
    } else {
      rc = alterBuildCall(p, b, a, pzErr);
    }
  } else if (rc == SQLITE_OK && b) {
    *pzErr = alterBusy(a, b);
    rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  } else if (rc == SQLITE_OK) {
    rc = tito_change_plan(p->zName, p->nArg, p->azArg, p->pTab->pModel,
                          zChange, &c, pzErr);
    a->eKind = c.eKind;
    if (rc == SQLITE_OK) {
      a->zWhat = sqlite3_mprintf("%s", c.zName);
      if (a->zWhat == 0) rc = SQLITE_NOMEM;
    }
    iIdx = rc == SQLITE_OK ? alterOneIndex(&c) : -1;
    if (iIdx >= 0 && c.eKind == TITO_CHANGE_ADD_INDEX) {
      rc = alterStepsBegin(p, &c, &c.pModel->aIndex[iIdx], 0, a, pzErr);
    } else if (iIdx >= 0) {
      rc = alterStepsBegin(p, &c, &c.pOld->aIndex[iIdx], 1, a, pzErr);
    } else if (rc == SQLITE_OK) {
      rc = alterRun(p, &c, &a->nRow, pzErr);
    }
  }
  tito_backfill_free(b);
  tito_change_free(&c);
  return rc;
}

/* Run xStep in a savepoint of its own: released, or rolled back on error. */
static int alterTxn(alter_call *a, int (*xStep)(alter_call *, void *, char **),
                    void *pArg, char **pzErr) {
  sqlite3 *db = a->pConn->db;
  int rc;
  /* Inside the caller's transaction the call's own savepoint undoes the
  ** whole call on error; one per step would make SQLite keep the prior
  ** content of every page a step rewrites (a sub-journal). */
  if (a->bOuter) return xStep(a, pArg, pzErr);
  rc = alterExec(db, pzErr, "SAVEPOINT tito_alter");
  if (rc != SQLITE_OK) return rc;
  rc = xStep(a, pArg, pzErr);
  if (rc != SQLITE_OK) {
    sqlite3_exec(db, "ROLLBACK TO tito_alter", 0, 0, 0);
    sqlite3_exec(db, "RELEASE tito_alter", 0, 0, 0);
    return rc;
  }
  rc = alterExec(db, pzErr, "RELEASE tito_alter");
  /* A commit that failed (a shared store's write conflict) leaves SQLite's
  ** transaction open, the store's over. */
  if (rc != SQLITE_OK && !sqlite3_get_autocommit(db)) {
    sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
  }
  return rc;
}

static int alterFirstStep(alter_call *a, void *pArg, char **pzErr) {
  return alterFirst(a, (const char *)pArg, pzErr);
}

/* One step of the build: about alter_batch more rows. */
static int alterBuildStep(alter_call *a, void *pArg, char **pzErr) {
  tito_vtab *p = 0;
  tito_backfill *b = 0;
  int64_t nBefore;
  int bEnd = 0, rc = alterOpen(a, &p, pzErr);
  (void)pArg;
  if (rc == SQLITE_OK) rc = tito_backfill_load(p->pTab, &b);
  if (rc == SQLITE_OK && (b == 0 || sqlite3_stricmp(b->zIndex, a->zWhat))) {
    a->bComplete = 1; /* ended (or cancelled) by another connection */
    tito_backfill_free(b);
    return SQLITE_OK;
  }
  if (rc == SQLITE_OK) rc = alterWriteBegin(p, pzErr);
  if (rc == SQLITE_OK) {
    nBefore = b->nDone;
    tito_store_cursor_open(p->pStore);
    rc = tito_backfill_step(
        p->pTab, b, TITO_SETTING(p->pConn->nAlterBatch, TITO_ALTER_BATCH),
        TITO_SETTING(p->pConn->nBuildMemory, 0), &a->pSorted, &bEnd, pzErr);
    tito_store_cursor_close(p->pStore);
    if (!b->bSorted) a->nRow += b->nDone - nBefore;
    else if (b->nRead > a->nRow) a->nRow = b->nRead;
    a->nDone = b->nDone;
    a->nTotal = b->nTotal;
  }
  if (rc == SQLITE_OK && bEnd && !b->bClear) {
    /* Readable from now on, in every connection. */
    rc = alterSchema(p, 0, pzErr);
  }
  if (rc == SQLITE_OK && bEnd) a->bComplete = 1;
  if (rc != SQLITE_OK && *pzErr == 0 && p && p->pTab) {
    *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(p->pTab));
  }
  tito_backfill_free(b);
  return rc;
}

/* Before a step of a build in key order (src/index_sorted.h): its entries
** gathered with no transaction open, so that writers go on meanwhile (in
** a step's transaction the read of every row would hold their lock, and a
** commit of theirs during it would fail the step's first write). */
static int alterGather(alter_call *a, char **pzErr) {
  tito_vtab *p = 0;
  tito_backfill *b = 0;
  int rc = alterOpen(a, &p, pzErr);
  if (rc == SQLITE_OK) rc = tito_backfill_load(p->pTab, &b);
  if (rc == SQLITE_OK && b && sqlite3_stricmp(b->zIndex, a->zWhat) == 0) {
    tito_store_cursor_open(p->pStore);
    rc = tito_backfill_gather(p->pTab, b,
                              TITO_SETTING(p->pConn->nBuildMemory, 0),
                              &a->pSorted, pzErr);
    tito_store_cursor_close(p->pStore);
    /* Each gather reads every row: the rows read are the most one read. */
    if (b->nRead > a->nRow) a->nRow = b->nRead;
  }
  if (rc != SQLITE_OK && *pzErr == 0 && p && p->pTab) {
    *pzErr = sqlite3_mprintf("%s", tito_table_errmsg(p->pTab));
  }
  tito_backfill_free(b);
  return rc;
}

/* A transaction of a change on a shared store that lost a write conflict
** (a writer changed a row a build step indexed) is run again, from what
** the last committed one left, a few times with growing pauses. */
static int alterTxnRetried(alter_call *a,
                           int (*xStep)(alter_call *, void *, char **),
                           char **pzErr) {
  int rc = alterTxn(a, xStep, 0, pzErr), nTry;
  for (nTry = 0; a->bRemote && !a->bOuter && (rc & 0xff) == SQLITE_BUSY &&
                 nTry < ALTER_STEP_TRIES;
       nTry++) {
    sqlite3_free(*pzErr);
    *pzErr = 0;
    sqlite3_sleep(10 << (nTry < 6 ? nTry : 6));
    rc = alterTxn(a, xStep, 0, pzErr);
  }
  return rc;
}

static int alterCancelStep(alter_call *a, void *pArg, char **pzErr) {
  tito_vtab *p = 0;
  tito_backfill *b = 0;
  int rc = alterOpen(a, &p, pzErr);
  (void)pArg;
  if (rc == SQLITE_OK) rc = tito_backfill_load(p->pTab, &b);
  if (rc == SQLITE_OK && b && sqlite3_stricmp(b->zIndex, a->zWhat) == 0) {
    rc = alterCancelBuild(p, b->zIndex, a, pzErr);
  }
  tito_backfill_free(b);
  return rc;
}

/*
** The build's steps: up to nSteps (all when negative). In autocommit mode
** the write lock is free between two steps; SQLite's busy handler retries
** at growing intervals (up to 100 ms), so a writer waiting for it would
** rarely find the instant it is free: the build pauses an eighth of the
** last step's time (1 to 50 ms; tito_config('alter_pause') sets it).
*/
static int alterBuild(alter_call *a, sqlite3_int64 nSteps, int bOuter,
                      char **pzErr) {
  int rc = SQLITE_OK;
  sqlite3_int64 i;
  for (i = 0; rc == SQLITE_OK && !a->bComplete && (nSteps < 0 || i < nSteps);
       i++) {
    sqlite3_int64 t0 = titoClockMs();
    if (!bOuter && !a->bClear && !a->bRemote) rc = alterGather(a, pzErr);
    if (rc == SQLITE_OK) rc = alterTxnRetried(a, alterBuildStep, pzErr);
    if (a->zSchema) titoSchemaRefresh(a->pConn->db, a->zSchema);
    if (rc == SQLITE_OK && !bOuter && !a->bComplete &&
        (nSteps < 0 || i + 1 < nSteps)) {
      int ms = TITO_SETTING(a->pConn->nAlterPause, -1);
      if (ms < 0) {
        ms = (int)((titoClockMs() - t0) / 8);
        ms = ms < 1 ? 1 : ms > 50 ? 50 : ms;
      }
      if (ms > 0) sqlite3_sleep(ms);
    }
  }
  return rc;
}

/* The report of the call. */
static char *alterReport(const alter_call *a) {
  const char *t = a->zTab ? a->zTab : "", *z = a->zWhat ? a->zWhat : "";
  if (a->bBuild && !a->bComplete && a->bClear) {
    return sqlite3_mprintf("%s: index %s dropped; its entries are being "
                           "deleted (%lld of %lld): SELECT tito_alter('%q', "
                           "'RESUME') goes on", t, z, (long long)a->nDone,
                           (long long)a->nTotal, a->zName);
  }
  if (a->bBuild && !a->bComplete) {
    char *zProgress = alterProgress(a->nDone, a->nTotal);
    char *zRet = sqlite3_mprintf("%s: index %s is being built (%s): SELECT "
                                 "tito_alter('%q', 'RESUME') goes on", t, z,
                                 zProgress ? zProgress : "", a->zName);
    sqlite3_free(zProgress);
    return zRet;
  }
  if (a->eKind == ALTER_CANCEL) {
    return sqlite3_mprintf("%s: the build of index %s cancelled, the "
                           "index dropped", t, z);
  }
  if (a->bClear) {
    return sqlite3_mprintf("%s: index %s dropped (%lld entries deleted)", t,
                           z, (long long)a->nDone);
  }
  switch (a->eKind) {
    case ALTER_RESUME:
    case TITO_CHANGE_ADD_INDEX:
      return sqlite3_mprintf("%s: index %s added (%lld rows read)", t, z,
                             (long long)a->nRow);
    case TITO_CHANGE_DROP_INDEX:
      return sqlite3_mprintf("%s: index %s dropped", t, z);
    case TITO_CHANGE_ADD_COLUMN:
      return sqlite3_mprintf("%s: column %s added", t, z);
    case TITO_CHANGE_DROP_COLUMN:
      return sqlite3_mprintf("%s: column %s dropped", t, z);
    default:
      return sqlite3_mprintf("%s: column %s renamed", t, z);
  }
}

/* The call inside the caller's transaction (bOuter) or as transactions of
** its own. */
static int alterCall(alter_call *a, const char *zChange, sqlite3_int64 nSteps,
                     int bOuter, char **pzErr) {
  int rc = alterTxn(a, alterFirstStep, (void *)zChange, pzErr);
  if (a->bRemote && (rc & 0xff) == SQLITE_BUSY && *pzErr) {
    /* Its catalog write conflicted: another database changed the model. */
    char *z = sqlite3_mprintf("%s changed in another database at the same "
                              "time; nothing was done: run tito_alter again "
                              "(%s)", a->zTab ? a->zTab : "the table",
                              *pzErr);
    if (z) {
      sqlite3_free(*pzErr);
      *pzErr = z;
    }
  }
  if (a->zSchema) titoSchemaRefresh(a->pConn->db, a->zSchema);
  if (rc == SQLITE_OK && a->bBuild) {
    rc = alterBuild(a, nSteps, bOuter, pzErr);
    if (rc != SQLITE_OK && !bOuter && a->zTab && !a->bClear) {
      /* A unique value two rows share, or another error: the index is
      ** dropped (its steps committed), the error reported. */
      char *zErr2 = 0;
      int rc2 = alterTxn(a, alterCancelStep, 0, &zErr2);
      if (rc2 == SQLITE_OK && a->bClear) {
        /* A shared store: the index left the definition, its entries are
        ** deleted in steps. */
        a->bComplete = 0;
        rc2 = alterBuild(a, -1, 0, &zErr2);
      }
      if (rc2 == SQLITE_OK && *pzErr) {
        char *z = sqlite3_mprintf("%s; the index was dropped", *pzErr);
        if (z) {
          sqlite3_free(*pzErr);
          *pzErr = z;
        }
      }
      sqlite3_free(zErr2);
      if (a->zSchema) titoSchemaRefresh(a->pConn->db, a->zSchema);
    }
  }
  return rc;
}

/* tito_alter(TABLE, CHANGE [, STEPS]): a short report of what was done. */
static void alterFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  tito_conn *pConn = (tito_conn *)sqlite3_user_data(ctx);
  sqlite3 *db = pConn->db;
  alter_call a;
  char *zErr = 0, *zReport = 0;
  sqlite3_int64 nSteps = -1;
  int rc = SQLITE_OK, bOuter = !sqlite3_get_autocommit(db);
  memset(&a, 0, sizeof(a));
  a.pConn = pConn;
  a.bOuter = bOuter;
  a.zName = (const char *)sqlite3_value_text(argv[0]);
  if (argc == 3) {
    nSteps = sqlite3_value_int64(argv[2]);
    if (sqlite3_value_numeric_type(argv[2]) != SQLITE_INTEGER || nSteps < 0) {
      zErr = sqlite3_mprintf("argument 3 must be a number of steps (a whole "
                             "number >= 0)");
      rc = SQLITE_ERROR;
    }
  }
  if (rc == SQLITE_OK && bOuter) {
    rc = alterExec(db, &zErr, "SAVEPOINT tito_alter_call");
  }
  if (rc == SQLITE_OK) {
    rc = alterCall(&a, (const char *)sqlite3_value_text(argv[1]), nSteps,
                   bOuter, &zErr);
    if (bOuter && rc != SQLITE_OK) {
      sqlite3_exec(db, "ROLLBACK TO tito_alter_call", 0, 0, 0);
    }
    if (bOuter) sqlite3_exec(db, "RELEASE tito_alter_call", 0, 0, 0);
  }
  if (rc == SQLITE_OK) {
    zReport = alterReport(&a);
    sqlite3_result_text(ctx, zReport, -1, sqlite3_free);
    zReport = 0;
  } else {
    char *z = sqlite3_mprintf("tito_alter: %s%s%s", a.zTab ? a.zTab : "",
                              a.zTab ? ": " : "",
                              zErr ? zErr : sqlite3_errstr(rc));
    sqlite3_result_error(ctx, z, -1);
    sqlite3_result_error_code(ctx, rc);
    sqlite3_free(z);
  }
  sqlite3_free(zReport);
  tito_sorted_free(a.pSorted);
  sqlite3_free(a.zTab);
  sqlite3_free(a.zSchema);
  sqlite3_free(a.zWhat);
  sqlite3_free(zErr);
}

int titoRegisterAlter(sqlite3 *db, tito_conn *pConn) {
  int rc = sqlite3_create_function(db, "tito_alter", 2, SQLITE_UTF8, pConn,
                                   alterFunc, 0, 0);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "tito_alter", 3, SQLITE_UTF8, pConn,
                                 alterFunc, 0, 0);
  }
  return rc;
}
