/*
** tito.c: the extension's entry point and SQL functions.
**
** USAGE
**   .load ./tito
**   CREATE VIRTUAL TABLE users USING tito(id TEXT PRIMARY KEY, email TEXT,
**                                         UNIQUE INDEX by_email(email));
**   SELECT tito_check('users');   -- index/row consistency, 'ok' or problems
**   SELECT tito_check();          -- the whole store: catalog, every key
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
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "index_backfill.h"
#include "index_build.h"

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
  titoReceivedFree(pConn);
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
  rc = tito_backfill_check(p->pTab, pzReport);
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

/* Connect table zName of schema zSchema (NULL: the default search) if
** it is a tito table: preparing a statement on it does. First the schema
** is brought up to date (a step reading it checks schema_version): a
** change made meanwhile (tito_alter, here or in another connection)
** replaces the table's instance, and an outdated one found now would be
** freed by the first statement that noticed the change, under its caller. */
void titoSchemaRefresh(sqlite3 *db, const char *zSchema) {
  sqlite3_stmt *pStmt = 0;
  char *zSql = sqlite3_mprintf("SELECT 1 FROM \"%w\".sqlite_schema LIMIT 0",
                               zSchema ? zSchema : "main");
  if (zSql && sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) == SQLITE_OK) {
    sqlite3_step(pStmt);
  }
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
}

static void checkConnect(tito_conn *pConn, const char *zSchema,
                         const char *zName) {
  sqlite3_stmt *pStmt = 0;
  char *zSql = zSchema ? sqlite3_mprintf("SELECT 1 FROM \"%w\".\"%w\" LIMIT 0",
                                         zSchema, zName)
                       : sqlite3_mprintf("SELECT 1 FROM \"%w\" LIMIT 0", zName);
  titoSchemaRefresh(pConn->db, zSchema);
  if (zSql) sqlite3_prepare_v2(pConn->db, zSql, -1, &pStmt, 0);
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
}

tito_vtab *titoFindTable(tito_conn *pConn, const char *zName) {
  const char *zDot = strchr(zName, '.');
  char *zSchema = zDot ? sqlite3_mprintf("%.*s", (int)(zDot - zName), zName)
                       : 0;
  if (zDot && zSchema == 0) return 0;
  checkConnect(pConn, zSchema, zDot ? zDot + 1 : zName);
  sqlite3_free(zSchema);
  return checkFind(pConn, zName);
}

/* Append one line to a report, counting it (at most 20 lines). */
static void checkLine(sqlite3_str *pRep, int *pnProblem, const char *zFmt,
                      ...) {
  va_list ap;
  if ((*pnProblem)++ >= 20) return;
  va_start(ap, zFmt);
  if (sqlite3_str_length(pRep)) sqlite3_str_appendchar(pRep, 1, '\n');
  sqlite3_str_vappendf(pRep, zFmt, ap);
  va_end(ap);
}

/*
** Check one connected table into pRep: it can be opened (its catalog entry
** exists), the entry has its id and definition, and its rows and index
** entries agree (tito_table_check). Returns an error only when the check
** itself could not run.
*/
static int checkTable(tito_vtab *p, sqlite3_str *pRep, int *pnProblem) {
  char *zReport = 0, *zStored = 0, *zErr = 0;
  uint32_t iId = 0;
  int rc = titoTableReady(p);
  if (rc == SQLITE_ERROR || rc == SQLITE_CORRUPT) {
    /* Not in the catalog, a damaged entry: damage to report. */
    checkLine(pRep, pnProblem, "%s", p->base.zErrMsg ? p->base.zErrMsg
                                                     : "cannot be opened");
    return SQLITE_OK;
  }
  if (rc != SQLITE_OK) return rc;
  rc = tito_catalog_find(p->pStore->pKv, p->pTab->pModel->zPrefix, p->zName,
                         &iId, &zStored, &zErr);
  if (rc == SQLITE_DONE) {
    checkLine(pRep, pnProblem, "catalog: %s is not in the store's catalog",
              p->zName);
    rc = SQLITE_OK;
  } else if (rc == SQLITE_CORRUPT) {
    checkLine(pRep, pnProblem, "%s", zErr);
    rc = SQLITE_OK;
  } else if (rc == SQLITE_OK && iId != p->pTab->iModelId) {
    checkLine(pRep, pnProblem, "catalog: %s uses model id %u, its catalog "
              "entry says %u", p->zName, p->pTab->iModelId, iId);
  } else if (rc == SQLITE_OK) {
    /* Compared as models: another database may declare a shared store's
    ** model in its own words, or have followed the catalog's. */
    char *zDiff = 0;
    if (titoVtabCheckDefinition(p, zStored, &zDiff) == SQLITE_ERROR) {
      checkLine(pRep, pnProblem, "catalog: the definition of %s differs "
                "from its catalog entry", p->zName);
    }
    sqlite3_free(zDiff);
  }
  if (rc == SQLITE_OK) rc = titoCheckTable(p, &zReport);
  if (rc == SQLITE_OK && zReport) {
    /* One line per problem, already capped by the table's check. */
    const char *z = zReport;
    while (*z) {
      int n = 0;
      while (z[n] && z[n] != '\n') n++;
      checkLine(pRep, pnProblem, "%.*s", n, z);
      z += n;
      if (*z == '\n') z++;
    }
  } else if (rc != SQLITE_OK && zErr == 0 && p->pTab) {
    zErr = sqlite3_mprintf("%s", tito_table_errmsg(p->pTab));
  }
  if (rc != SQLITE_OK && zErr) {
    sqlite3_free(p->base.zErrMsg);
    p->base.zErrMsg = zErr;
    zErr = 0;
  }
  sqlite3_free(zReport);
  sqlite3_free(zStored);
  sqlite3_free(zErr);
  return rc;
}

/* Finish a check: 'ok', the report, or the error. */
static void checkResult(sqlite3_context *ctx, int rc, const char *zErr,
                        sqlite3_str *pRep, int nProblem) {
  char *zReport;
  if (nProblem > 20) {
    sqlite3_str_appendf(pRep, "\n... %d problems in all", nProblem);
  }
  zReport = sqlite3_str_finish(pRep);
  if (rc != SQLITE_OK) {
    sqlite3_result_error(ctx, zErr && zErr[0] ? zErr : sqlite3_errstr(rc), -1);
    sqlite3_result_error_code(ctx, rc);
    sqlite3_free(zReport);
  } else if (nProblem) {
    sqlite3_result_text(ctx, zReport, -1, sqlite3_free);
  } else {
    sqlite3_free(zReport);
    sqlite3_result_text(ctx, "ok", 2, SQLITE_STATIC);
  }
}

/*
** tito_check(TABLE): 'ok' when tito table TABLE (or 'schema.TABLE') is
** sound: its catalog entry has its id and definition, every row is stored
** under its own key and has exactly its index entries, every entry belongs
** to a live row, and no key of the model is of no kind; otherwise the
** problems found, one per line.
*/
static void titoCheckTableFunc(sqlite3_context *ctx, sqlite3_value *pArg) {
  tito_conn *pConn = (tito_conn *)sqlite3_user_data(ctx);
  const char *zName = (const char *)sqlite3_value_text(pArg);
  sqlite3_str *pRep;
  tito_vtab *p;
  int nProblem = 0, rc;
  if (zName == 0) {
    sqlite3_result_error(ctx, "tito_check: argument 1 must be a table name",
                         -1);
    return;
  }
  {
    const char *zDot = strchr(zName, '.');
    char *zSchema = zDot ? sqlite3_mprintf("%.*s", (int)(zDot - zName), zName)
                         : 0;
    if (zDot && zSchema == 0) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    checkConnect(pConn, zSchema, zDot ? zDot + 1 : zName);
    sqlite3_free(zSchema);
  }
  p = checkFind(pConn, zName);
  if (p == 0) {
    char *z = sqlite3_mprintf("tito_check: no tito table named %s", zName);
    sqlite3_result_error(ctx, z, -1);
    sqlite3_free(z);
    return;
  }
  pRep = sqlite3_str_new(pConn->db);
  rc = checkTable(p, pRep, &nProblem);
  checkResult(ctx, rc, p->base.zErrMsg, pRep, nProblem);
}

/* Is p the table's instance of the schema as loaded now? An outdated one
** (the model changed since) lives on while a prepared statement keeps it. */
static int checkCurrent(tito_conn *pConn, tito_vtab *p) {
  char *zName = sqlite3_mprintf("%s.%s", p->zSchema, p->zName);
  int bCurrent = zName && checkFind(pConn, zName) == p;
  sqlite3_free(zName);
  return bCurrent;
}

/* Check every tito table of schema zSchema and, when the schema has one
** (bStore), its embedded store: catalog and keys. */
static int checkSchema(tito_conn *pConn, const char *zSchema, int bStore,
                       sqlite3_str *pRep, int *pnProblem, char **pzErr) {
  sqlite3_stmt *pStmt = 0;
  tito_catalog_ref *aRef = 0;
  tito_store *pStore = 0;
  tito_vtab *p;
  int nRef = 0, nTab = 0, rc;
  char *zSql = sqlite3_mprintf("SELECT name FROM \"%w\".sqlite_schema WHERE "
                               "type = 'table' AND sql LIKE 'CREATE VIRTUAL "
                               "TABLE%%'", zSchema);
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(pConn->db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    checkConnect(pConn, zSchema, (const char *)sqlite3_column_text(pStmt, 0));
  }
  sqlite3_finalize(pStmt);
  if (rc != SQLITE_OK) return rc;
  for (p = pConn->pTabs; p; p = p->pNextTab) nTab++;
  aRef = sqlite3_malloc64(sizeof(*aRef) * (nTab + 1));
  if (aRef == 0) return SQLITE_NOMEM;
  for (p = pConn->pTabs; rc == SQLITE_OK && p; p = p->pNextTab) {
    if (sqlite3_stricmp(p->zSchema, zSchema) != 0) continue;
    if (!checkCurrent(pConn, p)) continue;
    rc = checkTable(p, pRep, pnProblem);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", p->base.zErrMsg ? p->base.zErrMsg : "");
    } else if (p->pTab) {
      aRef[nRef].zPrefix = p->pTab->pModel->zPrefix;
      aRef[nRef].zName = p->zName;
      nRef++;
    }
  }
  if (rc == SQLITE_OK && bStore) {
    rc = tito_store_acquire(&pConn->stores, zSchema, 0, &pStore, pzErr);
  }
  if (rc == SQLITE_OK && bStore) {
    /* One snapshot of the store for the whole walk. */
    rc = tito_store_read(pStore);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", tito_store_errmsg(pStore));
    } else {
      tito_store_cursor_open(pStore);
      rc = tito_catalog_check(pStore->pKv, nRef, aRef, 1, pRep, pnProblem,
                              pzErr);
      tito_store_cursor_close(pStore);
    }
    tito_store_release(pStore);
  }
  sqlite3_free(aRef);
  return rc;
}

/*
** tito_check(): every tito table of every schema as tito_check(TABLE)
** checks it (TiKV tables included), and every schema's embedded store (the
** schemas whose tito_store exists): its catalog, every key belongs to a
** model of it. 'ok' or the problems found, one per line.
*/
static void titoCheckStoreFunc(sqlite3_context *ctx) {
  tito_conn *pConn = (tito_conn *)sqlite3_user_data(ctx);
  sqlite3_str *pRep = sqlite3_str_new(pConn->db);
  sqlite3_stmt *pStmt = 0;
  char *zErr = 0;
  int nProblem = 0;
  int rc = sqlite3_prepare_v2(pConn->db, "SELECT name FROM pragma_database_list",
                              -1, &pStmt, 0);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    const char *zSchema = (const char *)sqlite3_column_text(pStmt, 0);
    char *zSql = sqlite3_mprintf("SELECT 1 FROM \"%w\".sqlite_schema WHERE "
                                 "name = 'tito_store'", zSchema);
    char *zCopy = sqlite3_mprintf("%s", zSchema);
    sqlite3_stmt *pHas = 0;
    int bStore = 0;
    if (zSql == 0 || zCopy == 0) {
      sqlite3_free(zSql);
      sqlite3_free(zCopy);
      rc = SQLITE_NOMEM;
      break;
    }
    if (sqlite3_prepare_v2(pConn->db, zSql, -1, &pHas, 0) == SQLITE_OK &&
        sqlite3_step(pHas) == SQLITE_ROW) {
      bStore = 1;
    }
    sqlite3_finalize(pHas);
    sqlite3_free(zSql);
    rc = checkSchema(pConn, zCopy, bStore, pRep, &nProblem, &zErr);
    sqlite3_free(zCopy);
  }
  sqlite3_finalize(pStmt);
  checkResult(ctx, rc, zErr, pRep, nProblem);
  sqlite3_free(zErr);
}

static void titoCheckFunc(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  if (argc == 0) {
    titoCheckStoreFunc(ctx);
  } else {
    titoCheckTableFunc(ctx, argv[0]);
  }
}

/* The connection's whole-number settings (tito_conn: value + 1, 0 when
** not set: the default, or NULL when iDefault < 0). */
static const struct config_int {
  const char *zName;
  size_t iOff;           /* of the int in tito_conn */
  int iMin, iMax;
  int iDefault;
  const char *zUnit;     /* for the message */
} aConfigInt[] = {
    {"build_memory", offsetof(tito_conn, nBuildMemory), 1, 1 << 30,
     TITO_BUILD_MEMORY, "bytes (1 to 2^30)"},
    {"alter_batch", offsetof(tito_conn, nAlterBatch), 1, 1 << 30,
     TITO_ALTER_BATCH, "rows (1 to 2^30)"},
    {"alter_pause", offsetof(tito_conn, nAlterPause), 0, 60000, -1,
     "milliseconds (0 to 60000)"},
    {"schema_recheck", offsetof(tito_conn, nSchemaRecheck), 0, 3600000,
     TITO_SCHEMA_RECHECK, "milliseconds (0 to 3600000)"},
};

/* tito_config(zName [, VALUE]) when zName is a whole-number setting:
** answered (1), or not one (0). */
static int configInt(sqlite3_context *ctx, tito_conn *pConn,
                     const char *zName, int argc, sqlite3_value **argv) {
  const struct config_int *c = 0;
  int i, *pField;
  for (i = 0; i < (int)(sizeof(aConfigInt) / sizeof(aConfigInt[0])); i++) {
    if (sqlite3_stricmp(zName, aConfigInt[i].zName) == 0) c = &aConfigInt[i];
  }
  if (c == 0) return 0;
  pField = (int *)((char *)pConn + c->iOff);
  if (argc == 2) {
    sqlite3_value *v = argv[1];
    if (sqlite3_value_type(v) != SQLITE_NULL &&
        (sqlite3_value_numeric_type(v) != SQLITE_INTEGER ||
         sqlite3_value_int64(v) < c->iMin ||
         sqlite3_value_int64(v) > c->iMax)) {
      char *z = sqlite3_mprintf("tito_config: %s must be %s or NULL",
                                c->zName, c->zUnit);
      sqlite3_result_error(ctx, z ? z : "tito_config: bad value", -1);
      sqlite3_free(z);
      return 1;
    }
    *pField = sqlite3_value_type(v) == SQLITE_NULL
                  ? 0
                  : (int)sqlite3_value_int64(v) + 1;
  }
  if (*pField || c->iDefault >= 0) {
    sqlite3_result_int(ctx, TITO_SETTING(*pField, c->iDefault));
  } else {
    sqlite3_result_null(ctx);
  }
  return 1;
}

/*
** tito_config(NAME [, VALUE]): the connection's settings. NAME 'store':
** the store every tito table of this connection uses, whatever its
** definition says (NULL: each its own); with VALUE (a store URL, or NULL to
** go back to the definitions) it is set, before the connection uses a tito
** table. NAME 'clock': the unix seconds events of this connection take as
** now (created, due, retries; NULL or 0: the time), for tests and replays.
** NAME 'build_memory': the bytes of entries an index build (tito_alter)
** sorts at a time before writing them (NULL: TITO_SORTED_MEMORY for a
** build in key order, TITO_BUILD_MEMORY for one in row order);
** 'alter_batch': the rows of one step of an index build (NULL:
** TITO_ALTER_BATCH); 'alter_pause': the milliseconds between two steps
** (NULL: an eighth of the step's time, see tito_alter.c);
** 'schema_recheck': how many milliseconds a table of a shared store (TiKV)
** trusts its model before it reads the catalog again, to follow a change
** another database made (NULL: TITO_SCHEMA_RECHECK; tito_vtab.c).
** Returns the setting (after the change).
*/
static void titoConfigFunc(sqlite3_context *ctx, int argc,
                           sqlite3_value **argv) {
  tito_conn *pConn = (tito_conn *)sqlite3_user_data(ctx);
  const char *zName = (const char *)sqlite3_value_text(argv[0]);
  if (zName && sqlite3_stricmp(zName, "clock") == 0) {
    if (argc == 2) {
      if (sqlite3_value_type(argv[1]) != SQLITE_NULL &&
          (sqlite3_value_numeric_type(argv[1]) != SQLITE_INTEGER ||
           sqlite3_value_int64(argv[1]) < 0)) {
        sqlite3_result_error(ctx, "tito_config: clock must be unix seconds "
                             "(a whole number >= 0) or NULL", -1);
        return;
      }
      pConn->iClock = sqlite3_value_int64(argv[1]);
    }
    if (pConn->iClock) {
      sqlite3_result_int64(ctx, pConn->iClock);
    } else {
      sqlite3_result_null(ctx);
    }
    return;
  }
  if (zName && configInt(ctx, pConn, zName, argc, argv)) return;
  if (zName == 0 || sqlite3_stricmp(zName, "store") != 0) {
    char *z = sqlite3_mprintf("tito_config: unknown setting '%s' (settings: "
                              "store, clock, build_memory, alter_batch, "
                              "alter_pause, schema_recheck)",
                              zName ? zName : "NULL");
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
    rc = sqlite3_create_function(db, "tito_check", 0, SQLITE_UTF8, pConn,
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
  if (rc == SQLITE_OK) rc = titoRegisterEvents(db, pConn);
  if (rc == SQLITE_OK) rc = titoRegisterConsumers(db, pConn);
  if (rc == SQLITE_OK) rc = titoRegisterIndexes(db, pConn);
  if (rc == SQLITE_OK) rc = titoRegisterAnalyze(db, pConn);
  if (rc == SQLITE_OK) rc = titoRegisterAlter(db, pConn);
  if (rc == SQLITE_OK) rc = titoRegisterChanges(db, pConn);
  if (rc == SQLITE_OK) {
    rc = titoRegisterModule(db, pConn);
    if (rc == SQLITE_OK) rc = titoGuardInit(db);
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
