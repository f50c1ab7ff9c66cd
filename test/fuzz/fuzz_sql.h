/*
** fuzz_sql.h: what the SQL-level fuzz targets share: the input read as a
** stream of choices, a database with tito registered in-process (the
** extension's sources are linked into the target), and running statements
** with the checks every target makes on their errors.
*/
#ifndef TITO_FUZZ_SQL_H
#define TITO_FUZZ_SQL_H
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sqlite3_tito_init(sqlite3 *, char **, const sqlite3_api_routines *);

/* The input as a stream of choices: past its end every choice is 0. */
typedef struct Choices {
  const uint8_t *a;
  size_t n, i;
} Choices;

static inline unsigned pick(Choices *c, unsigned n) {
  unsigned x;
  if (n <= 1) return 0;
  if (c->i >= c->n) return 0;
  x = c->a[c->i++];
  if (n > 256 && c->i < c->n) x = (x << 8) | c->a[c->i++];
  return x % n;
}

static inline int more(const Choices *c) { return c->i < c->n; }

static inline void fuzzDie(const char *zTarget, const char *zFmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", zTarget);
  va_start(ap, zFmt);
  vfprintf(stderr, zFmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  abort();
}

/* A fresh in-memory database with tito. */
static inline sqlite3 *fuzzOpen(const char *zTarget) {
  sqlite3 *db = NULL;
  char *zErr = NULL;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) fuzzDie(zTarget, "open");
  if ((sqlite3_tito_init(db, &zErr, NULL) & 0xff) != SQLITE_OK) {
    fuzzDie(zTarget, "tito init: %s", zErr ? zErr : "?");
  }
  return db;
}

/*
** Run every statement of zSql to its end, discarding rows. Returns the
** first error's primary code (SQLITE_OK when none). An error of tito must
** say what it is about: SQLITE_CORRUPT and SQLITE_ERROR carry a message of
** their own, never SQLite's bare code text ("database disk image is
** malformed", "SQL logic error"), and a SQLITE_CORRUPT message names
** zTable when zTable is given.
*/
static inline int fuzzRun(const char *zTarget, sqlite3 *db, const char *zSql,
                          const char *zTable) {
  const char *zTail = zSql;
  int rcFirst = SQLITE_OK;
  while (zTail && *zTail) {
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, zTail, -1, &s, &zTail);
    if (rc == SQLITE_OK && s) {
      while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      }
      if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK) {
      const char *zMsg = sqlite3_errmsg(db);
      int prim = rc & 0xff;
      if ((prim == SQLITE_CORRUPT || prim == SQLITE_ERROR) &&
          strcmp(zMsg, sqlite3_errstr(prim)) == 0) {
        fuzzDie(zTarget, "error without a message (%d) on: %s", rc, zSql);
      }
      if (prim == SQLITE_CORRUPT && zTable && !strstr(zMsg, zTable)) {
        fuzzDie(zTarget, "corruption error not naming %s: %s (on: %s)",
                zTable, zMsg, zSql);
      }
      if (prim == SQLITE_NOMEM || prim == SQLITE_INTERNAL ||
          prim == SQLITE_MISUSE) {
        fuzzDie(zTarget, "error %d (%s) on: %s", rc, zMsg, zSql);
      }
      if (rcFirst == SQLITE_OK) rcFirst = prim;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK && s == NULL) break; /* cannot prepare: skip rest */
  }
  return rcFirst;
}

/* One text result of zSql (sqlite3_malloc'd, NULL on error or no row). */
static inline char *fuzzText(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *s = NULL;
  char *z = NULL;
  if (sqlite3_prepare_v2(db, zSql, -1, &s, NULL) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
    z = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(s, 0));
  }
  sqlite3_finalize(s);
  return z;
}

/*
** All rows of zSql as one string, rows sorted (a multiset): each value as
** quote() shows it. NULL when the statement fails.
*/
static inline char *fuzzRows(sqlite3 *db, const char *zSql, int bSort) {
  char *zWrap = bSort ? sqlite3_mprintf(
                            "SELECT group_concat(r, char(10)) FROM (SELECT r "
                            "FROM (%s) ORDER BY r)", zSql)
                      : sqlite3_mprintf("SELECT group_concat(r, char(10)) "
                                        "FROM (%s)", zSql);
  sqlite3_stmt *s = NULL;
  char *z = NULL;
  int rc;
  if (zWrap == NULL) return NULL;
  rc = sqlite3_prepare_v2(db, zWrap, -1, &s, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(s, 0);
    z = sqlite3_mprintf("%s", t ? t : "");
  }
  sqlite3_finalize(s);
  sqlite3_free(zWrap);
  return z;
}

#endif
