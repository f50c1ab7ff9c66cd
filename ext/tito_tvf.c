/*
** tito_tvf.c: what tito's table-valued functions and introspection tables
** share (tito_changes, tito_indexes, tito_stat, tito_stats, tito_txn): a
** virtual table that knows its connection, declared from one CREATE TABLE
** text, and cursors that start zeroed.
*/
#include "tito_ext.h"
#include <string.h>

int titoTvfConnect(sqlite3 *db, void *pAux, const char *zDecl,
                   sqlite3_vtab **ppVtab) {
  tito_tvf *p;
  int rc = sqlite3_declare_vtab(db, zDecl);
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->pConn = (tito_conn *)pAux;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

int titoTvfDisconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

int titoTvfOpen(int nCursor, sqlite3_vtab_cursor **ppCur) {
  sqlite3_vtab_cursor *p = sqlite3_malloc(nCursor);
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, (size_t)nCursor);
  *ppCur = p;
  return SQLITE_OK;
}
