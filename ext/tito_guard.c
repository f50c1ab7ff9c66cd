/*
** tito_guard.c: keeps the embedded store's table read-only to plain SQL
** under SQLITE_DBCONFIG_DEFENSIVE, as FTS5 and R*Tree keep their shadow
** tables.
**
** SQLite treats a table named "<base>_<suffix>" as a shadow table when a
** virtual table named <base> exists and its module's xShadowName(suffix)
** says so (sqlite3ShadowTableName: the base is looked up in every schema,
** temp included, when the table's schema is read). The store is
** "<schema>".tito_store, so the base is "tito": next to every store, tito
** keeps the virtual table "<schema>".tito of the module tito_guard (the
** guard), whose xShadowName accepts "store". SQLite protects shadow tables
** only under DEFENSIVE, so the guard is made only by a connection that has
** DEFENSIVE on: when it creates a store, and at load for a store without
** one. A database made and used without DEFENSIVE never gets a guard, and
** its dumps read into other databases as they always did. It must live in the
** store's own schema and be in the database file: SQLite marks shadow
** tables when it reads a schema, and only through a virtual table of that
** same schema (a TEMP one is read after main and marks nothing there).
** The extension must be loaded before the schema is first read for the
** marking to happen on that connection (as for FTS5). A model named tito,
** of module tito, guards the same way: that module answers xShadowName
** alike.
**
** Under DEFENSIVE, SQLite then refuses INSERT, UPDATE, DELETE and DROP on
** tito_store from plain SQL, while tito's own statements, which run from
** inside virtual-table callbacks, still write it. The guard itself is a
** read-only table with no rows; the name tito is reserved in a schema
** with a store.
*/
#include "tito_ext.h"
#include <string.h>

/* The suffixes of tito's shadow tables. */
int titoShadowName(const char *zSuffix) {
  return sqlite3_stricmp(zSuffix, "store") == 0;
}

typedef struct GuardCursor {
  sqlite3_vtab_cursor base;
} GuardCursor;

static int guardConnect(sqlite3 *db, void *pAux, int argc,
                        const char *const *argv, sqlite3_vtab **ppVtab,
                        char **pzErr) {
  sqlite3_vtab *p;
  int rc;
  (void)pAux;
  (void)argc;
  (void)argv;
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(note TEXT)");
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("tito: %s", sqlite3_errmsg(db));
    return rc;
  }
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  *ppVtab = p;
  return SQLITE_OK;
}

static int guardDisconnect(sqlite3_vtab *p) {
  sqlite3_free(p);
  return SQLITE_OK;
}

static int guardBestIndex(sqlite3_vtab *p, sqlite3_index_info *pInfo) {
  (void)p;
  pInfo->estimatedCost = 1;
  pInfo->estimatedRows = 0;
  return SQLITE_OK;
}

static int guardOpen(sqlite3_vtab *p, sqlite3_vtab_cursor **ppCur) {
  GuardCursor *c = sqlite3_malloc(sizeof(*c));
  (void)p;
  if (c == 0) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCur = &c->base;
  return SQLITE_OK;
}

static int guardClose(sqlite3_vtab_cursor *c) {
  sqlite3_free(c);
  return SQLITE_OK;
}

static int guardFilter(sqlite3_vtab_cursor *c, int idxNum, const char *idxStr,
                       int argc, sqlite3_value **argv) {
  (void)c;
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  return SQLITE_OK;
}

static int guardNext(sqlite3_vtab_cursor *c) {
  (void)c;
  return SQLITE_OK;
}

static int guardEof(sqlite3_vtab_cursor *c) {
  (void)c;
  return 1; /* no rows */
}

static int guardColumn(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int i) {
  (void)c;
  (void)i;
  sqlite3_result_null(ctx);
  return SQLITE_OK;
}

static int guardRowid(sqlite3_vtab_cursor *c, sqlite3_int64 *pRowid) {
  (void)c;
  *pRowid = 0;
  return SQLITE_OK;
}

static sqlite3_module guardModule = {
    /* iVersion    */ 3,
    /* xCreate     */ guardConnect,
    /* xConnect    */ guardConnect,
    /* xBestIndex  */ guardBestIndex,
    /* xDisconnect */ guardDisconnect,
    /* xDestroy    */ guardDisconnect,
    /* xOpen       */ guardOpen,
    /* xClose      */ guardClose,
    /* xFilter     */ guardFilter,
    /* xNext       */ guardNext,
    /* xEof        */ guardEof,
    /* xColumn     */ guardColumn,
    /* xRowid      */ guardRowid,
    /* xUpdate     */ 0, /* read-only */
    /* xBegin      */ 0,
    /* xSync       */ 0,
    /* xCommit     */ 0,
    /* xRollback   */ 0,
    /* xFindMethod */ 0,
    /* xRename     */ 0,
    /* xSavepoint  */ 0,
    /* xRelease    */ 0,
    /* xRollbackTo */ 0,
    /* xShadowName */ titoShadowName,
#if SQLITE_VERSION_NUMBER >= 3044000
    /* xIntegrity  */ 0,
#endif
};

/* The one statement that creates a guard (repair matches it exactly). */
#define GUARD_SQL "CREATE VIRTUAL TABLE tito USING tito_guard"

/* Run zSql (one statement) and return its first column as an integer
** (0 when it fails or has no row). */
static int guardInt(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *pStmt = 0;
  int n = 0;
  if (zSql && sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) == SQLITE_OK &&
      sqlite3_step(pStmt) == SQLITE_ROW) {
    n = sqlite3_column_int(pStmt, 0);
  }
  sqlite3_finalize(pStmt);
  return n;
}

/* Is SQLITE_DBCONFIG_DEFENSIVE on for db? */
static int guardDefensive(sqlite3 *db) {
  int bOn = 0;
  if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, -1, &bOn) != SQLITE_OK) {
    return 0;
  }
  return bOn;
}

void titoGuardSchema(sqlite3 *db, const char *zSchema) {
  char *zSql;
  int bNeeded;
  if (!guardDefensive(db)) return;
  zSql = sqlite3_mprintf(
      "SELECT (SELECT count(*) FROM \"%w\".sqlite_schema WHERE name = "
      "'tito_store' COLLATE NOCASE) > 0 AND (SELECT count(*) FROM "
      "\"%w\".sqlite_schema WHERE name = 'tito' COLLATE NOCASE) = 0",
      zSchema, zSchema);
  bNeeded = guardInt(db, zSql);
  sqlite3_free(zSql);
  if (!bNeeded) return;
  zSql = sqlite3_mprintf("CREATE VIRTUAL TABLE IF NOT EXISTS \"%w\".tito "
                         "USING tito_guard", zSchema);
  if (zSql) sqlite3_exec(db, zSql, 0, 0, 0);
  sqlite3_free(zSql);
}

/*
** A whole-database dump read into a database that already has a guard
** inserts a second identical row for it into sqlite_schema (the sqlite3
** shell writes virtual tables that way), which SQLite then refuses to load
** ("malformed database schema (tito)"). Remove such duplicates: they are
** exactly the guard's statement, have no storage (rootpage 0), and the
** first copy stays.
*/
static void guardRepair(sqlite3 *db) {
  sqlite3_stmt *pStmt = 0;
  char **azSchema = 0;
  int nSchema = 0, i;
  if (sqlite3_exec(db, "PRAGMA writable_schema = ON", 0, 0, 0) != SQLITE_OK) {
    return;
  }
  if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_database_list", -1,
                         &pStmt, 0) == SQLITE_OK) {
    while (sqlite3_step(pStmt) == SQLITE_ROW && nSchema < 64) {
      char **a = sqlite3_realloc(azSchema, (nSchema + 1) * sizeof(char *));
      if (a == 0) break;
      azSchema = a;
      azSchema[nSchema] =
          sqlite3_mprintf("%s", (const char *)sqlite3_column_text(pStmt, 0));
      if (azSchema[nSchema]) nSchema++;
    }
  }
  sqlite3_finalize(pStmt);
  for (i = 0; i < nSchema; i++) {
    char *zSql = sqlite3_mprintf(
        "DELETE FROM \"%w\".sqlite_schema WHERE type = 'table' AND name = "
        "'tito' AND rootpage = 0 AND sql = '%q' AND rowid > (SELECT "
        "min(rowid) FROM \"%w\".sqlite_schema WHERE type = 'table' AND name "
        "= 'tito' AND sql = '%q')",
        azSchema[i], GUARD_SQL, azSchema[i], GUARD_SQL);
    if (zSql) sqlite3_exec(db, zSql, 0, 0, 0);
    sqlite3_free(zSql);
    sqlite3_free(azSchema[i]);
  }
  sqlite3_free(azSchema);
  sqlite3_exec(db, "PRAGMA writable_schema = OFF", 0, 0, 0);
}

/*
** Register the module; repair duplicated guards (see guardRepair); give
** every schema that has a store and no table named tito its guard (the
** migration of stores made before guards existed). Failing to create one
** (a read-only database, which needs no guard, or a busy schema) is not an
** error of the load.
*/
int titoGuardInit(sqlite3 *db) {
  sqlite3_stmt *pStmt = 0;
  char *azSchema[16];
  int nSchema = 0, i;
  int rc = sqlite3_create_module(db, "tito_guard", &guardModule, 0);
  if (rc != SQLITE_OK) return rc;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema", -1, &pStmt, 0) !=
          SQLITE_OK &&
      strstr(sqlite3_errmsg(db), "malformed database schema (tito)")) {
    guardRepair(db);
  }
  sqlite3_finalize(pStmt);
  pStmt = 0;
  if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_database_list", -1,
                         &pStmt, 0) == SQLITE_OK) {
    while (sqlite3_step(pStmt) == SQLITE_ROW && nSchema < 16) {
      azSchema[nSchema] =
          sqlite3_mprintf("%s", (const char *)sqlite3_column_text(pStmt, 0));
      if (azSchema[nSchema]) nSchema++;
    }
  }
  sqlite3_finalize(pStmt);
  for (i = 0; i < nSchema; i++) {
    titoGuardSchema(db, azSchema[i]);
    sqlite3_free(azSchema[i]);
  }
  return SQLITE_OK;
}
