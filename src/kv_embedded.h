/*
** kv_embedded.h: the embedded default store, keys kept in a table of the
** SQLite database itself ("<schema>".tito_store).
**
** Writes go straight to that table, so they commit and roll back with the
** SQLite transaction of the connection. A handle serves one connection and
** may be called from inside virtual-table methods of that connection (its
** statements then run as nested statements).
*/
#ifndef TITO_KV_EMBEDDED_H
#define TITO_KV_EMBEDDED_H

#include "kv.h"
#include "sqlite_api.h"

/*
** Open a store on db in schema zSchema ("main", "temp" or an attached name;
** NULL means "main"), creating the table
**   "<schema>".tito_store(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID
** if it is missing. On success *ppKv is the handle (free it with xClose,
** after closing its iterators and before closing db). On failure returns a
** TITO_* code and, if pzErr is not NULL, sets *pzErr to a message to be
** freed with sqlite3_free.
*/
int tito_kv_embedded_open(sqlite3 *db, const char *zSchema, tito_kv **ppKv,
                          char **pzErr);

/*
** Turn the savepoint undo log on (bOn != 0, the default) or off.
**
** While a savepoint mark is open the handle records the previous state of
** every key it writes, so that xRollbackTo can restore it. SQLite's own
** statement journal already undoes these writes when the store table lives
** in the same schema as the virtual table whose write statement (or
** SAVEPOINT) is rolled back, but not when a statement on a table of another
** schema is rolled back (measured on 3.40.1, see test_kv_embedded.c). A
** caller that only ever writes through virtual tables of the store's own
** schema may turn the log off to save one lookup per write under a mark.
** Change it only while no mark is open.
*/
void tito_kv_embedded_set_undo_log(tito_kv *pKv, int bOn);

#endif /* TITO_KV_EMBEDDED_H */
