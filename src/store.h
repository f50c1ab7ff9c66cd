/*
** store.h: the stores one SQLite connection uses, opened from their URLs,
** and the state of each store's transaction.
**
** A model names its store with the store option: NULL or "embedded" is
** the embedded store of the model's schema (its keys live in that schema's
** tito_store table); "tikv://..." is a TiKV cluster (store_registry.h). A
** connection may replace every model's store by one URL (the override:
** TITO_STORE in the environment, or tito_config('store', URL)), so one
** database file can be pointed at another cluster without rewriting its
** schema. Every tito table of a connection using the same store shares one
** handle and so one store transaction: the SQLite layer forwards SQLite's
** transaction callbacks here.
**
** TRANSACTIONS (remote stores; the embedded store commits with SQLite's own
** transaction and needs none of this):
**   - SQLite's xBegin (a write) joins the store transaction, xSync makes it
**     durable (tito_store_prepare: the TiKV commit), xCommit/xRollback end
**     it. An autocommit write statement is its own transaction.
**   - Inside BEGIN ... COMMIT the store transaction starts at the first
**     tito read or write, so every statement of the SQLite transaction
**     reads one snapshot. SQLite tells a virtual table nothing when a
**     transaction that only read ends, so at that first read the store
**     makes SQLite hold a read transaction on the connection's temp schema
**     (a nested read); SQLite keeps it until the transaction ends, and
**     sqlite3_txn_state(db, "temp") == SQLITE_TXN_NONE (or autocommit) at
**     any later call shows that it has: the store transaction is then
**     dropped, so a new transaction never reuses an old snapshot.
**   - Outside a transaction a statement reads one snapshot: from the
**     opening of the first cursor of the store to the closing of the last
**     one (a statement opens its cursors when it starts and closes them
**     when it finishes or is reset). A statement left unfinished keeps its
**     snapshot for the statements that run meanwhile, as SQLite's own read
**     transaction does.
**   - Savepoints belong to the transaction: several tables forwarding the
**     same savepoint set the mark once (a table joining late cannot move
**     it past another table's writes). SQLite's level i is the store's
**     mark i + 1 above a base mark set when the transaction starts, so that
**     ROLLBACK TO the SAVEPOINT that opened the transaction (level -1)
**     undoes everything and keeps the transaction.
**   - One row's writes are all-or-nothing (tito_store_atomic_begin/end),
**     also where SQLite sets no statement savepoint.
**   - DROP and RENAME, which SQLite runs without transaction callbacks,
**     write into the store transaction and tie it to SQLite's through the
**     anchor table (tito_store_ddl_begin, ext/tito_anchor.c).
**   - A transaction writes tables of at most one remote store, and then no
**     embedded store (they could not commit atomically together).
** A store whose last table goes away while SQLite's transaction still
** writes it (a dropped table) stays open until that transaction ends.
*/
#ifndef TITO_STORE_H
#define TITO_STORE_H
#include "buf.h"
#include "kv.h"
#include "sqlite_api.h"

typedef struct tito_store tito_store;
typedef struct tito_store_list tito_store_list;

struct tito_store {
  tito_store_list *pList;
  char *zSchema;   /* schema of the tables using it ("" for remote) */
  char *zUrl;      /* canonical URL: "embedded" or tikv://... */
  tito_kv *pKv;    /* the open store, or NULL when nobody uses it */
  int nRef;        /* tables using it */
  int bRemote;     /* a TiKV store */
  int bInTxn;      /* SQLite's transaction writes this store (xBegin) */
  int bReadTxn;    /* a read inside BEGIN started the store transaction
                   ** (no SQLite callback will end it, see above) */
  int bPrepared;   /* it was made durable in this commit */
  int bAnchored;   /* DDL wrote it: SQLite's callbacks reach it through
                   ** the anchor table (tito_store_ddl_begin) */
  int nSave;       /* savepoint marks set: levels 0..nSave-1 */
  int nCursor;     /* open cursors (statement snapshot) */
  unsigned iSnap;  /* counts the snapshots begun: of a read bracket
                   ** (nCursor from 0 to 1), of a store transaction */
  unsigned iBracketSnap, iTxnSnap; /* the count when the open bracket, the
                   ** open transaction began (tito_store_snapshot) */
  tito_buf ksPrefix; /* the keyspace's key prefix (remote), or empty */
  sqlite3_stmt *pMark; /* the nested read that marks a read-only txn */
  struct tito_heads *pHeads; /* the embedded store's cache of partition
                   ** heads (outbox.h), or NULL */
  char *zErr;      /* last error message */
  tito_store *pNext;
};

/* The stores of one connection. */
struct tito_store_list {
  sqlite3 *db;
  tito_store *pFirst;
  char *zOverride; /* the store of every model, or NULL */
};

/*
** Is zUrl a store URL this build can open? SQLITE_OK, or SQLITE_ERROR with
** *pzErr (sqlite3_malloc'd) naming the table and URL. Opens nothing
** (xConnect must work offline).
*/
int tito_store_check_url(const char *zTable, const char *zUrl, char **pzErr);

/* Set (zUrl) or clear (NULL) the connection's override. Refused while a
** tito table of the connection is bound to a store. */
int tito_store_set_override(tito_store_list *, const char *zUrl,
                            char **pzErr);

/* Find or open the store of a model (zUrl: its store option, NULL for
** embedded; the override wins) for tables of schema zSchema, and take a
** reference. SQLite result code; *pzErr on error. */
int tito_store_acquire(tito_store_list *, const char *zSchema,
                       const char *zUrl, tito_store **ppStore, char **pzErr);

/* Would a model with store option zUrl (the override wins) live in a store
** other databases share (TiKV)? 0 also when the URL does not parse. */
int tito_store_is_remote(tito_store_list *, const char *zUrl);

/* Drop a reference; the last one closes the handle (its statements must be
** finalized before the connection closes). */
void tito_store_release(tito_store *);

/* Close every store of the list and free it (the connection is closing). */
void tito_store_list_free(tito_store_list *);

/*
** Transactions, in SQLite's callbacks' terms. Each returns a SQLite result
** code and leaves a message in tito_store_errmsg() on error. begin and the
** savepoint calls are no-ops when already done / no transaction is open.
** tito_store_prepare maps a failed commit to: SQLITE_BUSY_SNAPSHOT (write
** conflict: SQLite rolls back, retry the whole transaction),
** SQLITE_CONSTRAINT (a key or unique value written meanwhile: the message
** is the store's, see tito_store_failed_key), SQLITE_IOERR (outcome
** unknown, or the store unreachable).
*/
int tito_store_begin(tito_store *);
int tito_store_prepare(tito_store *);
void tito_store_end(tito_store *, int bCommit);
int tito_store_savepoint(tito_store *, int iSave);
int tito_store_release_savepoint(tito_store *, int iSave);
int tito_store_rollback_to(tito_store *, int iSave);

/* Before a read (a cursor's xFilter, opening a table, a check): inside an
** SQLite transaction, start or keep the store transaction (see above). */
int tito_store_read(tito_store *);

/* A name of the snapshot the store's reads see now, shared by every read
** until it changes; 0 when each read takes its own (outside a bracket and
** a transaction). A transaction's reads keep its snapshot from statement
** to statement, a bracket's until its last cursor closes. */
unsigned tito_store_snapshot(const tito_store *);

/* A cursor of a table of the store opens / closes (statement snapshot). */
void tito_store_cursor_open(tito_store *);
void tito_store_cursor_close(tito_store *);

/*
** Make one write operation (a row, a DDL step) all-or-nothing inside the
** store transaction: tito_store_atomic_begin sets a private mark (*piMark,
** -1 when none is needed), tito_store_atomic_end keeps (bOk) or undoes the
** writes since.
*/
int tito_store_atomic_begin(tito_store *, int *piMark);
void tito_store_atomic_end(tito_store *, int iMark, int bOk);

/*
** DDL that SQLite runs without transaction callbacks (DROP, RENAME): the
** catalog writes go into the store transaction (joined, or started here),
** which then needs an anchor in SQLite's transaction to be committed or
** rolled back with it, whatever happens to the table: tito_store_ddl_begin
** marks the store (bAnchored) and the SQLite layer makes its anchor table
** join SQLite's transaction; the anchor forwards SQLite's callbacks to the
** marked stores. Nothing is ever left for a later transaction to commit.
*/
int tito_store_ddl_begin(tito_store *);

/* After tito_store_prepare failed with SQLITE_CONSTRAINT: the key the store
** found already written (the engine's key, keyspace removed), copied to
** *ppKey (sqlite3_malloc'd). SQLITE_OK, or SQLITE_NOTFOUND if the store
** did not say. */
int tito_store_failed_key(tito_store *, uint8_t **ppKey, int *pnKey);

/*
** The stores' counters, one xRow(pCtx, zStore, zName, iValue) each: the
** TiKV client's (process-wide, zStore "tikv") and, when this connection
** uses the embedded store, its own (zStore "embedded"). A non-zero return
** from xRow stops and is returned.
*/
int tito_store_stats(tito_store_list *,
                     int (*xRow)(void *, const char *, const char *,
                                 sqlite3_int64),
                     void *pCtx);

const char *tito_store_errmsg(tito_store *);

#endif
