/*
** store.h: the stores one SQLite connection uses, opened from their URLs,
** and the state of each store's transaction.
**
** A model names its store with the store option: NULL or "embedded" is
** the embedded store of the model's schema (its keys live in that schema's
** tito_store table). Every tito table of a connection using the same store
** shares one handle and so one store transaction: the SQLite layer
** forwards SQLite's transaction callbacks here, where the first begin
** starts the store's transaction, the first prepare of a commit makes it
** durable, and commit or rollback ends it.
*/
#ifndef TITO_STORE_H
#define TITO_STORE_H
#include "kv.h"
#include "sqlite_api.h"

typedef struct tito_store tito_store;
struct tito_store {
  char *zSchema;   /* schema of the tables using it */
  char *zUrl;      /* "embedded" or the backend's URL */
  tito_kv *pKv;    /* the open store, or NULL when nobody uses it */
  int nRef;        /* tables using it */
  int bInTxn;      /* a store transaction is open */
  int bPrepared;   /* it was made durable in this commit */
  char *zErr;      /* last error message */
  tito_store *pNext;
};

/* The stores of one connection. */
typedef struct tito_store_list {
  sqlite3 *db;
  tito_store *pFirst;
} tito_store_list;

/*
** Is zUrl a store this build can open? SQLITE_OK, or SQLITE_ERROR with
** *pzErr (sqlite3_malloc'd) naming the URL. Opens nothing (xConnect must
** work offline).
*/
int tito_store_check_url(const char *zTable, const char *zUrl, char **pzErr);

/* Find or open the store zUrl (NULL: embedded) for tables of schema
** zSchema, and take a reference. SQLite result code; *pzErr on error. */
int tito_store_acquire(tito_store_list *, const char *zSchema,
                       const char *zUrl, tito_store **ppStore, char **pzErr);

/* Drop a reference; the last one closes the handle (its statements must be
** finalized before the connection closes). */
void tito_store_release(tito_store *);

/* Close every store of the list and free it (the connection is closing). */
void tito_store_list_free(tito_store_list *);

/*
** Transactions, in SQLite's callbacks' terms. Each returns a SQLite result
** code and leaves a message in tito_store_errmsg() on error. begin and the
** savepoint calls are no-ops when already done / no transaction is open.
*/
int tito_store_begin(tito_store *);
int tito_store_prepare(tito_store *);
void tito_store_end(tito_store *, int bCommit);
int tito_store_savepoint(tito_store *, int iSave);
int tito_store_release_savepoint(tito_store *, int iSave);
int tito_store_rollback_to(tito_store *, int iSave);

const char *tito_store_errmsg(tito_store *);

#endif
