/*
** index_build.h: one index's entries made or removed when a live model
** changes (ADD INDEX, DROP INDEX: ext/tito_alter.c).
*/
#ifndef TITO_INDEX_BUILD_H
#define TITO_INDEX_BUILD_H
#include "table.h"

/* Delete every entry of the index with id iId (tito_index.iId) of pTab's
** model. SQLite result code; the message in tito_table_errmsg. */
int tito_index_clear(tito_table *pTab, uint32_t iId);

/* The bytes of entries a build sorts at a time by default. */
#define TITO_BUILD_MEMORY (8 * 1024 * 1024)

/*
** Write the entries of index iIdx of pTab's model (a model that declares
** it) for every row, after clearing any left under its id, sorting them
** nRunBytes at a time (0: TITO_BUILD_MEMORY). *pnRow gets the rows read. SQLITE_CONSTRAINT_UNIQUE (with SQLite's message and the value)
** when a unique index finds a value held by two rows; *pzErr
** (sqlite3_malloc'd) on every error. Writes go to the store's transaction:
** the caller rolls back on error.
*/
int tito_index_build(tito_table *pTab, int iIdx, int nRunBytes,
                     int64_t *pnRow, char **pzErr);
#endif
