/*
** tito.c: the extension's entry point and SQL functions.
**
** USAGE
**   .load ./tito
**   CREATE VIRTUAL TABLE users USING tito(id TEXT PRIMARY KEY, email TEXT,
**                                         UNIQUE INDEX by_email(email));
**   SELECT tito_check('users');   -- index/row consistency, 'ok' or problems
**   SELECT tito_version();
**   SELECT tito_config('store', 'tikv://pd:2379');  -- this connection's store
**
** sqlite3_tito_init allocates the per-connection context (tito_conn) and
** hands it to the module as client data; it is freed with the connection.
** The environment variable TITO_STORE, when set, is every new connection's
** store override (as tito_config('store', ...)). The extension stays loaded
** for the life of the process (SQLITE_OK_LOAD_PERMANENTLY): the TiKV
** client's gRPC library runs threads of its own.
*/
#include "tito_ext.h"
#include <stdlib.h>
#include <string.h>

SQLITE_EXTENSION_INIT1

#define TITO_VERSION "0.1.0"

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
  if (rc == SQLITE_OK) rc = tito_table_check(p->pTab, &zReport);
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

int titoRegisterFunctions(sqlite3 *db, tito_conn *pConn) {
  int rc = sqlite3_create_function(db, "tito_version", 0,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC, 0,
                                   titoVersionFunc, 0, 0);
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
  if (sqlite3_libversion_number() < 3038000) {
    *pzErrMsg = sqlite3_mprintf("tito needs SQLite 3.38.0 or later, this is "
                                "%s", sqlite3_libversion());
    return SQLITE_ERROR;
  }
  pConn = sqlite3_malloc(sizeof(*pConn));
  if (pConn == 0) return SQLITE_NOMEM;
  memset(pConn, 0, sizeof(*pConn));
  pConn->db = db;
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
