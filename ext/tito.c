/*
** tito.c: the extension's entry point and SQL functions.
**
** USAGE
**   .load ./tito
**   CREATE VIRTUAL TABLE users USING tito(id TEXT PRIMARY KEY, email TEXT,
**                                         UNIQUE INDEX by_email(email));
**   SELECT tito_check('users');   -- index/row consistency, 'ok' or problems
**   PRAGMA integrity_check;        -- the same, on SQLite 3.44 and later
**   SELECT tito_version();         -- '0.1.0'
**   SELECT tito_debug();           -- versions and what this SQLite offers
**   SELECT tito_config('store', 'tikv://pd:2379');  -- this connection's store
**
** sqlite3_tito_init allocates the per-connection context (tito_conn) and
** hands it to the module as client data; it is freed with the connection.
** The environment variable TITO_STORE, when set, is every new connection's
** store override (as tito_config('store', ...)). The extension stays loaded
** for the life of the process (SQLITE_OK_LOAD_PERMANENTLY): the TiKV
** client's gRPC library runs threads of its own.
**
** SQLITE VERSIONS. tito is compiled against the oldest header it supports
** and asks sqlite3_libversion_number() at load time what the running
** SQLite has (tito_sqlite_caps), so one tito.so serves every version:
**   3.38.0  the minimum: sqlite3_vtab_in(), sqlite3_vtab_rhs_value() and the
**           LIMIT/OFFSET constraints; loading into an older SQLite fails
**           with a message naming the version needed.
**   3.44.0  xIntegrity: PRAGMA integrity_check checks tito tables.
**   3.46.0  LIMIT and OFFSET are offered only when every other constraint
**           is used, so a plan can end its scan on them (tito_plan.c,
**           planLimit).
** Whether LIKE and GLOB can match a BLOB is a compile-time option of
** SQLite (SQLITE_LIKE_DOESNT_MATCH_BLOBS), also read here: it decides
** whether the ranges SQLite derives from them are exact (tito_plan.c).
*/
#include "tito_ext.h"
#include <stdlib.h>
#include <string.h>

SQLITE_EXTENSION_INIT1

#define TITO_VERSION "0.1.0"

#define TITO_SQLITE_MIN       3038000
#define TITO_SQLITE_MIN_NAME  "3.38.0"
#define TITO_SQLITE_INTEGRITY 3044000
#define TITO_SQLITE_LIMIT     3046000

/* Read what the running SQLite offers. */
static void titoCapsInit(tito_sqlite_caps *pCaps) {
  pCaps->iVersion = sqlite3_libversion_number();
  pCaps->bLikeBlobs =
      !sqlite3_compileoption_used("SQLITE_LIKE_DOESNT_MATCH_BLOBS");
  pCaps->bLimitExact = pCaps->iVersion >= TITO_SQLITE_LIMIT;
  pCaps->bIntegrity = pCaps->iVersion >= TITO_SQLITE_INTEGRITY;
}

/* Free the per-connection context (the module's destructor). */
static void titoConnFree(void *p) {
  tito_conn *pConn = (tito_conn *)p;
  tito_store_list_free(&pConn->stores);
  sqlite3_free(pConn);
}

/* tito_version(): the extension's version. */
static void titoVersionFunc(sqlite3_context *ctx, int argc,
                            sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_text(ctx, TITO_VERSION, -1, SQLITE_STATIC);
}

/* tito_table_check on one snapshot of the table's store (a check reading
** rows and entries at different moments would see writes made between). */
static int titoCheckTable(tito_vtab *p, char **pzReport) {
  int rc = tito_store_read(p->pStore);
  if (rc != SQLITE_OK) {
    sqlite3_free(p->pTab->zErr);
    p->pTab->zErr = sqlite3_mprintf("%s", tito_store_errmsg(p->pStore));
    return rc;
  }
  tito_store_cursor_open(p->pStore);
  rc = tito_table_check(p->pTab, pzReport);
  tito_store_cursor_close(p->pStore);
  return rc;
}

/* The connected tito table named zName: "table" (the main schema's
** first, else any schema's) or "schema.table". */
static tito_vtab *checkFind(tito_conn *pConn, const char *zName) {
  const char *zDot = strchr(zName, '.');
  tito_vtab *p, *pAny = 0;
  for (p = pConn->pTabs; p; p = p->pNextTab) {
    if (zDot) {
      if ((int)strlen(p->zSchema) == (int)(zDot - zName) &&
          sqlite3_strnicmp(p->zSchema, zName, (int)(zDot - zName)) == 0 &&
          sqlite3_stricmp(p->zName, zDot + 1) == 0) {
        return p;
      }
    } else if (sqlite3_stricmp(p->zName, zName) == 0) {
      if (sqlite3_stricmp(p->zSchema, "main") == 0) return p;
      if (pAny == 0) pAny = p;
    }
  }
  return pAny;
}

/*
** tito_check(TABLE): 'ok' when every row of tito table TABLE (or
** 'schema.TABLE') has exactly its
** index entries and every entry belongs to a live row; otherwise the
** problems found, one per line.
*/
static void titoCheckFunc(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  tito_conn *pConn = (tito_conn *)sqlite3_user_data(ctx);
  const char *zName = (const char *)sqlite3_value_text(argv[0]);
  tito_vtab *p;
  char *zReport = 0;
  int rc;
  (void)argc;
  if (zName == 0) {
    sqlite3_result_error(ctx, "tito_check: argument 1 must be a table name",
                         -1);
    return;
  }
  /* Make sure the table is connected: preparing a statement on it does. */
  {
    const char *zDot = strchr(zName, '.');
    char *zSchema = zDot ? sqlite3_mprintf("%.*s", (int)(zDot - zName), zName)
                         : 0;
    char *zSql = zDot ? sqlite3_mprintf("SELECT 1 FROM \"%w\".\"%w\" LIMIT 0",
                                        zSchema ? zSchema : "", zDot + 1)
                      : sqlite3_mprintf("SELECT 1 FROM \"%w\" LIMIT 0", zName);
    sqlite3_free(zSchema);
    sqlite3_stmt *pStmt = 0;
    if (zSql) sqlite3_prepare_v2(pConn->db, zSql, -1, &pStmt, 0);
    sqlite3_finalize(pStmt);
    sqlite3_free(zSql);
  }
  p = checkFind(pConn, zName);
  if (p == 0) {
    char *z = sqlite3_mprintf("tito_check: no tito table named %s", zName);
    sqlite3_result_error(ctx, z, -1);
    sqlite3_free(z);
    return;
  }
  rc = titoTableReady(p);
  if (rc == SQLITE_OK) rc = titoCheckTable(p, &zReport);
  if (rc != SQLITE_OK) {
    sqlite3_result_error(ctx, p->pTab ? tito_table_errmsg(p->pTab)
                                      : "tito_check: cannot open table", -1);
    sqlite3_result_error_code(ctx, rc);
  } else if (zReport) {
    sqlite3_result_text(ctx, zReport, -1, sqlite3_free);
  } else {
    sqlite3_result_text(ctx, "ok", 2, SQLITE_STATIC);
  }
}

/*
** tito_config(NAME [, VALUE]): the connection's settings. NAME 'store':
** the store every tito table of this connection uses, whatever its
** definition says (NULL: each its own); with VALUE (a store URL, or NULL to
** go back to the definitions) it is set, before the connection uses a tito
** table. Returns the setting (after the change).
*/
static void titoConfigFunc(sqlite3_context *ctx, int argc,
                           sqlite3_value **argv) {
  tito_conn *pConn = (tito_conn *)sqlite3_user_data(ctx);
  const char *zName = (const char *)sqlite3_value_text(argv[0]);
  if (zName == 0 || sqlite3_stricmp(zName, "store") != 0) {
    char *z = sqlite3_mprintf("tito_config: unknown setting '%s' (settings: "
                              "store)", zName ? zName : "NULL");
    sqlite3_result_error(ctx, z, -1);
    sqlite3_free(z);
    return;
  }
  if (argc == 2) {
    char *zErr = 0;
    const char *zUrl = (const char *)sqlite3_value_text(argv[1]);
    int rc = tito_store_set_override(&pConn->stores, zUrl, &zErr);
    if (rc != SQLITE_OK) {
      char *z = sqlite3_mprintf("tito_config: %s", zErr ? zErr : "");
      sqlite3_result_error(ctx, z, -1);
      sqlite3_free(z);
      sqlite3_free(zErr);
      return;
    }
  }
  if (pConn->stores.zOverride) {
    sqlite3_result_text(ctx, pConn->stores.zOverride, -1, SQLITE_TRANSIENT);
  } else {
    sqlite3_result_null(ctx);
  }
}

/*
** xIntegrity (SQLite 3.44+): PRAGMA integrity_check runs tito_check on every
** tito table and reports its problems as one row. PRAGMA quick_check
** (mFlags bit 0) skips it: comparing every entry with its row is not quick.
** A table that cannot be read at all is reported, not an error, so the
** other tables are still checked.
*/
int titoIntegrity(sqlite3_vtab *pVtab, const char *zSchema,
                  const char *zTabName, int mFlags, char **pzErr) {
  tito_vtab *p = (tito_vtab *)pVtab;
  char *zReport = 0;
  int rc;
  if (mFlags & 1) return SQLITE_OK;
  rc = titoTableReady(p);
  if (rc == SQLITE_OK) rc = titoCheckTable(p, &zReport);
  if (rc == SQLITE_NOMEM) return rc;
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("tito table %s.%s cannot be checked: %s",
                             zSchema, zTabName,
                             p->pTab ? tito_table_errmsg(p->pTab)
                                     : sqlite3_errstr(rc));
    return *pzErr ? SQLITE_OK : SQLITE_NOMEM;
  }
  *pzErr = zReport;
  return SQLITE_OK;
}

/*
** tito_debug(): one line per fact: tito's version, the SQLite it runs in
** and the one it was built against, and what that SQLite lets tito do.
*/
static void titoDebugFunc(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  const tito_conn *pConn = (const tito_conn *)sqlite3_user_data(ctx);
  const tito_sqlite_caps *c = &pConn->caps;
  char *z;
  (void)argc;
  (void)argv;
  z = sqlite3_mprintf(
      "tito %s\n"
      "sqlite running: %s\n"
      "sqlite built against: %s\n"
      "sqlite minimum: %s\n"
      "integrity_check reaches tito tables: %s\n"
      "limit/offset: %s\n"
      "like/glob match blobs: %s",
      TITO_VERSION, sqlite3_libversion(), SQLITE_VERSION,
      TITO_SQLITE_MIN_NAME, c->bIntegrity ? "yes" : "no (before 3.44.0)",
      c->bLimitExact ? "end and skip the scan"
                     : "read-ahead hint (before 3.46.0)",
      c->bLikeBlobs ? "yes" : "no");
  if (z == 0) {
    sqlite3_result_error_nomem(ctx);
  } else {
    sqlite3_result_text(ctx, z, -1, sqlite3_free);
  }
}

int titoRegisterFunctions(sqlite3 *db, tito_conn *pConn) {
  int rc = sqlite3_create_function(db, "tito_version", 0,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, 0,
                                   titoVersionFunc, 0, 0);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "tito_debug", 0, SQLITE_UTF8, pConn,
                                 titoDebugFunc, 0, 0);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "tito_check", 1, SQLITE_UTF8, pConn,
                                 titoCheckFunc, 0, 0);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "tito_config", 1,
                                 SQLITE_UTF8 | SQLITE_DIRECTONLY, pConn,
                                 titoConfigFunc, 0, 0);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "tito_config", 2,
                                 SQLITE_UTF8 | SQLITE_DIRECTONLY, pConn,
                                 titoConfigFunc, 0, 0);
  }
  return rc;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
__attribute__((visibility("default")))
int sqlite3_tito_init(sqlite3 *db, char **pzErrMsg,
                      const sqlite3_api_routines *pApi) {
  tito_conn *pConn;
  int rc;
  SQLITE_EXTENSION_INIT2(pApi);
  /* Before anything else: an older SQLite lacks routines tito calls. */
  if (sqlite3_libversion_number() < TITO_SQLITE_MIN) {
    *pzErrMsg = sqlite3_mprintf("tito needs SQLite " TITO_SQLITE_MIN_NAME
                                " or later; this is SQLite %s",
                                sqlite3_libversion());
    return SQLITE_ERROR;
  }
  pConn = sqlite3_malloc(sizeof(*pConn));
  if (pConn == 0) return SQLITE_NOMEM;
  memset(pConn, 0, sizeof(*pConn));
  pConn->db = db;
  titoCapsInit(&pConn->caps);
  pConn->stores.db = db;
  if (getenv("TITO_STORE") && getenv("TITO_STORE")[0]) {
    char *zErr = 0;
    rc = tito_store_set_override(&pConn->stores, getenv("TITO_STORE"), &zErr);
    if (rc != SQLITE_OK) {
      *pzErrMsg = sqlite3_mprintf("tito: TITO_STORE: %s",
                                  zErr ? zErr : "out of memory");
      sqlite3_free(zErr);
      titoConnFree(pConn);
      return rc;
    }
  }
  rc = titoRegisterFunctions(db, pConn);
  if (rc == SQLITE_OK) rc = titoRegisterNumeric(db);
  /* The module owns pConn from here: its destructor frees it. */
  if (rc == SQLITE_OK) rc = titoRegisterAnchor(db, pConn);
  if (rc == SQLITE_OK) rc = titoRegisterStats(db, pConn);
  if (rc == SQLITE_OK) {
    rc = titoRegisterModule(db, pConn);
  } else {
    titoConnFree(pConn);
  }
  if (rc != SQLITE_OK) {
    *pzErrMsg = sqlite3_mprintf("tito: cannot register: %s",
                                sqlite3_errmsg(db));
    return rc;
  }
  return SQLITE_OK_LOAD_PERMANENTLY;
}

/* The module destructor is defined here, next to the allocation. */
void titoConnDestroy(void *p) { titoConnFree(p); }
