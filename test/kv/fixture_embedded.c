/*
** fixture_embedded.c: the KV conformance suite's fixture for the embedded
** store: one SQLite database file in a temporary directory, one connection
** per handle, the host transaction run as BEGIN/COMMIT/ROLLBACK on the
** handle's connection. A blocked host commit is a second connection
** holding a read transaction (rollback-journal mode: COMMIT then gets
** SQLITE_BUSY and the writer's transaction stays open).
*/
#include "kv_fixture.h"
#include "kv_embedded.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_HANDLE 8

static char zDir[64];
static char zFile[96];
static struct {
  tito_kv *pKv;
  sqlite3 *db;
} aHandle[MAX_HANDLE];
static sqlite3 *dbBlock; /* the reader that blocks commits, or NULL */

int kvf_setup(kv_fixture *pFix) {
  memset(pFix, 0, sizeof(*pFix));
  pFix->zName = "embedded";
  pFix->bHostCommitCanFail = 1;
  snprintf(zDir, sizeof zDir, "/tmp/kvconfXXXXXX");
  if (!mkdtemp(zDir)) return 1;
  snprintf(zFile, sizeof zFile, "%s/store.db", zDir);
  return 0;
}

int kvf_teardown(void) {
  for (int i = 0; i < MAX_HANDLE; i++) {
    if (aHandle[i].pKv) kvf_close(aHandle[i].pKv);
  }
  kvf_block_host_commit(0);
  char z[128];
  unlink(zFile);
  snprintf(z, sizeof z, "%s-journal", zFile);
  unlink(z);
  return rmdir(zDir) == 0 ? 0 : 1;
}

tito_kv *kvf_open(void) {
  for (int i = 0; i < MAX_HANDLE; i++) {
    if (aHandle[i].pKv) continue;
    sqlite3 *db = NULL;
    tito_kv *p = NULL;
    char *zErr = NULL;
    if (sqlite3_open(zFile, &db) != SQLITE_OK ||
        tito_kv_embedded_open(db, "main", &p, &zErr) != TITO_OK) {
      printf("# open %s: %s\n", zFile, zErr ? zErr : sqlite3_errmsg(db));
      sqlite3_free(zErr);
      sqlite3_close(db);
      return NULL;
    }
    aHandle[i].pKv = p;
    aHandle[i].db = db;
    return p;
  }
  return NULL;
}

static sqlite3 *dbOf(tito_kv *p) {
  for (int i = 0; i < MAX_HANDLE; i++) {
    if (aHandle[i].pKv == p) return aHandle[i].db;
  }
  return NULL;
}

void kvf_close(tito_kv *p) {
  for (int i = 0; i < MAX_HANDLE; i++) {
    if (aHandle[i].pKv != p || !p) continue;
    p->pMethods->xClose(p);
    sqlite3_close(aHandle[i].db);
    aHandle[i].pKv = NULL;
    aHandle[i].db = NULL;
  }
}

const char *kvf_prefix(void) { return "kvconf/"; }
const char *kvf_prefix_end(void) { return "kvconf0"; }

int kvf_host_begin(tito_kv *p) {
  return sqlite3_exec(dbOf(p), "BEGIN", NULL, NULL, NULL);
}

int kvf_host_commit(tito_kv *p) {
  return sqlite3_exec(dbOf(p), "COMMIT", NULL, NULL, NULL);
}

void kvf_host_rollback(tito_kv *p) {
  sqlite3 *db = dbOf(p);
  if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int kvf_block_host_commit(int bOn) {
  if (bOn && !dbBlock) {
    if (sqlite3_open(zFile, &dbBlock) != SQLITE_OK) return 1;
    return sqlite3_exec(dbBlock, "BEGIN; SELECT count(*) FROM tito_store;",
                        NULL, NULL, NULL);
  }
  if (!bOn && dbBlock) {
    sqlite3_exec(dbBlock, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(dbBlock);
    dbBlock = NULL;
  }
  return 0;
}
