/*
** row_batch.h: every row of a model, in key order, a batch at a time, with
** no scan of the store open while the caller writes (an index build reads
** the rows it indexes: src/index_build.c).
*/
#ifndef TITO_ROW_BATCH_H
#define TITO_ROW_BATCH_H
#include "table.h"

#define TITO_ROW_BATCH 512

/* A batch of rows copied out of a scan: row i's key is data.a[aKey[i][0]]
** (aKey[i][1] bytes), its value likewise in aVal. */
typedef struct tito_row_batch {
  tito_buf data;
  int aKey[TITO_ROW_BATCH][2];
  int aVal[TITO_ROW_BATCH][2];
  int n;
} tito_row_batch;

/* Called with each batch; bLast is set on the last one (which may be
** empty). A non-OK return stops the walk and is returned. */
typedef int (*tito_row_batch_fn)(void *pArg, const tito_row_batch *pBatch,
                                 int bLast, char **pzErr);

/* Walk every row of pTab's model. *pnRow gets the rows read. SQLite
** result code; *pzErr (sqlite3_malloc'd) on error. */
int tito_rows_each_batch(tito_table *pTab, tito_row_batch_fn xBatch,
                         void *pArg, int64_t *pnRow, char **pzErr);

/* The same for the rows after row key pAfter (all when NULL or empty) up
** to row key pLast (NULL: to the end), stopping after nMax rows (0: no
** limit); *pbEnd is set when the last row was reached. */
int tito_rows_each_batch_after(tito_table *pTab, const tito_buf *pAfter,
                               const tito_buf *pLast, int64_t nMax,
                               tito_row_batch_fn xBatch,
                               void *pArg, int64_t *pnRow, int *pbEnd,
                               char **pzErr);
#endif
