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
**
** The clauses are CREATE VIRTUAL TABLE's; src/model_change.c plans the
** change (the new definition and model). Here it is made, in one savepoint
** of the caller's transaction, all or nothing: the write lock is taken and
** the schema reloaded first, so a change another connection committed is
** the base of this one; then the keys (an index built, src/index_build.c,
** or cleared; rows rewritten without a dropped column, src/column_drop.c;
** nothing for ADD or RENAME COLUMN: older rows read an added column's
** DEFAULT, src/table.h), the store's catalog, and the table's CREATE
** statement in sqlite_schema, whose schema_version moves so that every
** connection (this one included) reloads the table before its next
** statement. SQLite lets one connection write at a time, so no write of
** another connection misses a new index. A table declared without columns
** (attached to the catalog's model) keeps its declaration and follows the
** catalog.
**
** Not yet: backfills in bounded transactions that resume after a crash;
** tables of a TiKV store (a writer on another machine would not see the
** change before its next connection).
*/
#include "tito_ext.h"
#include <stdarg.h>
#include <string.h>
#include "catalog.h"
#include "definition.h"
#include "column_drop.h"
#include "index_build.h"
#include "model_change.h"

/* The keys: rows rewritten without a dropped column; the entries of every
** index the new model drops or numbers anew cleared, and those of every
** index it adds or numbers anew built (ids are positions, src/table.h).
** *pnRow: rows read. */
static int alterEntries(tito_vtab *p, tito_change *c, int64_t *pnRow,
                        char **pzErr) {
  const tito_model *pOld = p->pTab->pModel;
  tito_table *pNew = 0;
  tito_model *pModel = c->pModel;
  uint64_t mBuild = 0; /* indexes to build (a model has at most 64) */
  int i, rc = SQLITE_OK;
  *pnRow = 0;
  if (c->eKind == TITO_CHANGE_DROP_COLUMN) {
    return tito_rows_drop_column(p->pTab, c->iCol, pnRow, pzErr);
  }
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
      rc = tito_index_build(pNew, i, p->pConn->nBuildMemory, pnRow, pzErr);
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

/* The schema's CREATE statement gets the new definition (unless the table
** is attached to the catalog's), and schema_version moves: every
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
  if (!p->bAttached) {
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

/* The change, inside the savepoint. *pnRow: rows read. */
static int alterRun(tito_vtab *p, tito_change *c, int64_t *pnRow,
                    char **pzErr) {
  char *zDef = 0;
  int rc = tito_store_read(p->pStore);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s", tito_store_errmsg(p->pStore));
    return rc;
  }
  rc = titoEventsWriteBegin(p->pConn, p->pStore, pzErr);
  if (rc == SQLITE_OK) {
    tito_store_cursor_open(p->pStore);
    rc = alterEntries(p, c, pnRow, pzErr);
    tito_store_cursor_close(p->pStore);
  }
  if (rc == SQLITE_OK) {
    zDef = tito_def_join(c->nArg, c->azArg);
    if (zDef == 0) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    rc = tito_catalog_redefine(p->pStore->pKv, p->pTab->pModel->zPrefix,
                               p->zName, zDef, pzErr);
  }
  if (rc == SQLITE_OK) rc = alterSchema(p, zDef, pzErr);
  sqlite3_free(zDef);
  return rc;
}

/*
** Hold the write lock of the table's schema before reading its definition:
** another connection's change committed meanwhile is then seen (the table
** lookup that follows reloads the schema) before this one is planned, and
** none can commit until this one ends. (A no-op UPDATE of the embedded store's table starts the
** write transaction; a schema without it has no tito table to change.)
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

/* Find the table (*pp) and make the change (inside the savepoint). */
static int alterTable(tito_conn *pConn, tito_vtab **pp, tito_change *c,
                      const char *zName, const char *zChange, int64_t *pnRow,
                      char **pzErr) {
  tito_vtab *p;
  int rc;
  alterLock(pConn->db, zName);
  p = *pp = zName ? titoFindTable(pConn, zName) : 0;
  if (p == 0 || zChange == 0) {
    *pzErr = p ? sqlite3_mprintf("argument 2 must be a change, e.g. 'ADD "
                                 "INDEX name(column)'")
               : sqlite3_mprintf("no tito table named %s",
                                 zName ? zName : "NULL");
    return SQLITE_ERROR;
  }
  rc = titoTableReady(p);
  if (rc == SQLITE_OK && p->pStore->bRemote) {
    *pzErr = sqlite3_mprintf("%s is a table of TiKV store %s: changing a "
                             "live model there is not supported yet (a "
                             "writer on another machine would not see the "
                             "change)", p->zName, p->pStore->zUrl);
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK) {
    rc = tito_change_plan(p->zName, p->nArg, p->azArg, p->pTab->pModel,
                          zChange, c, pzErr);
  }
  if (rc == SQLITE_OK) rc = alterRun(p, c, pnRow, pzErr);
  return rc;
}

/* The report of a change made to table zTab. */
static char *alterReport(const char *zTab, const tito_change *c,
                         int64_t nRow) {
  const char *z = c->zName;
  switch (c->eKind) {
    case TITO_CHANGE_ADD_INDEX:
      return sqlite3_mprintf("%s: index %s added (%lld rows read)", zTab, z,
                             (long long)nRow);
    case TITO_CHANGE_DROP_INDEX:
      return sqlite3_mprintf("%s: index %s dropped", zTab, z);
    case TITO_CHANGE_ADD_COLUMN:
      return sqlite3_mprintf("%s: column %s added", zTab, z);
    case TITO_CHANGE_DROP_COLUMN:
      return sqlite3_mprintf("%s: column %s dropped (%lld rows rewritten)",
                             zTab, z, (long long)nRow);
    default:
      return sqlite3_mprintf("%s: column %s renamed", zTab, z);
  }
}

/* tito_alter(TABLE, CHANGE): a short report of what was done. */
static void alterFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  tito_conn *pConn = (tito_conn *)sqlite3_user_data(ctx);
  const char *zName = (const char *)sqlite3_value_text(argv[0]);
  const char *zChange = (const char *)sqlite3_value_text(argv[1]);
  tito_vtab *p = 0;
  tito_change c;
  char *zErr = 0, *zTab = 0, *zSchema = 0, *zReport = 0;
  int64_t nRow = 0;
  int rc;
  (void)argc;
  memset(&c, 0, sizeof(c));
  rc = alterExec(pConn->db, &zErr, "SAVEPOINT tito_alter");
  if (rc == SQLITE_OK) {
    rc = alterTable(pConn, &p, &c, zName, zChange, &nRow, &zErr);
    if (p) {
      zTab = sqlite3_mprintf("%s", p->zName);
      zSchema = sqlite3_mprintf("%s", p->zSchema);
    }
    if (rc == SQLITE_OK) zReport = alterReport(zTab ? zTab : "", &c, nRow);
    /* The table's instance is replaced at the next schema check (below, or
    ** by the next statement): p may be gone from here on. */
    p = 0;
    if (rc != SQLITE_OK) {
      sqlite3_exec(pConn->db, "ROLLBACK TO tito_alter", 0, 0, 0);
      sqlite3_exec(pConn->db, "RELEASE tito_alter", 0, 0, 0);
    } else {
      rc = alterExec(pConn->db, &zErr, "RELEASE tito_alter");
    }
  }
  if (rc == SQLITE_OK && zSchema) titoSchemaRefresh(pConn->db, zSchema);
  if (rc == SQLITE_OK) {
    sqlite3_result_text(ctx, zReport, -1, sqlite3_free);
    zReport = 0;
  } else {
    char *z = sqlite3_mprintf("tito_alter: %s%s%s", zTab ? zTab : "",
                              zTab ? ": " : "", zErr ? zErr : sqlite3_errstr(rc));
    sqlite3_result_error(ctx, z, -1);
    sqlite3_result_error_code(ctx, rc);
    sqlite3_free(z);
  }
  sqlite3_free(zReport);
  sqlite3_free(zTab);
  sqlite3_free(zSchema);
  sqlite3_free(zErr);
  tito_change_free(&c);
}

int titoRegisterAlter(sqlite3 *db, tito_conn *pConn) {
  return sqlite3_create_function(db, "tito_alter", 2, SQLITE_UTF8, pConn,
                                 alterFunc, 0, 0);
}
