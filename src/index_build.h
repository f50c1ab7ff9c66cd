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

/* The bounds of index id iId's entries: P | model id | 0x02 | u32 iId and
** the same with the next id (pLo, pHi reset first; their rc on OOM). */
void tito_index_id_range(tito_table *pTab, uint32_t iId, tito_buf *pLo,
                         tito_buf *pHi);

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

/*
** One step of a build: the entries of index iIdx for the rows after row
** key pDone (empty: from the first row) up to row key pLast (NULL: to the
** end), nMaxRows of them at most (0: every one), sorted nRunBytes at a
** time. pDone gets the last row key read,
** *pnRow the rows read; *pbEnd is set when no row is left. The same
** errors as tito_index_build.
*/
int tito_index_build_step(tito_table *pTab, int iIdx, tito_buf *pDone,
                          const tito_buf *pLast, int64_t nMaxRows,
                          int nRunBytes, int64_t *pnRow, int *pbEnd,
                          char **pzErr);

/*
** An entry as a build keeps it in memory: u32 key size, u32 value size (in
** host order), 1 byte set for a compact unique entry, the key, the value.
** tito_index_entry_cmp orders pointers to such entries by key (qsort).
*/
int tito_index_entry_cmp(const void *, const void *);

/*
** Write index iIdx's entries a[0..n) in the order given (key order is
** fastest): plain ones as they are, a compact unique one only where its
** key is absent or holds the same row already; one another row holds
** fails with SQLITE_CONSTRAINT_UNIQUE, naming the value (*pzErr).
*/
int tito_index_entries_write(tito_table *pTab, int iIdx,
                             const uint8_t *const *a, int n, char **pzErr);
#endif
