/*
** index_backfill.h: an index added to a live model and built in steps, each
** its own transaction, while writers go on (tito_alter ADD INDEX,
** ext/tito_alter.c); and a dropped index's entries deleted in steps (DROP
** INDEX).
**
** From the transaction that adds the index to the definition until the
** one that writes its last entries, the model holds a build record:
**
**   P | u32 model id | 0x04 -> row codec of (index name TEXT, last row key
**                              done BLOB or NULL, rows done, rows when the
**                              build began, unix seconds it began, the
**                              last row key then BLOB or NULL, kind: 0
**                              build / 1 clear / 2 build whose first step
**                              counts the rows / 3 build in key order
**                              (index_sorted.h), the id to clear)
**
** Meanwhile the index is "being built" (tito_index.bBuilding, set when a
** table is opened): every write maintains it (src/table.c), the planner
** never reads it. Rows written after that transaction have their entries
** already, so the build covers only the rows up to the last one there was
** (it never chases a writer appending rows). Each step writes the entries
** of the rows after the last one done, in key order, and saves the record
** in the same transaction; a
** crash loses at most the step under way, and the next step (by any
** connection) goes on from the record. The last step removes the record.
**
** A dropped index leaves the definition at once (the others keep their ids,
** index_ids.h, and no new index takes its id); its entries are then deleted
** alter_batch at a time, the record (kind clear) counting them.
*/
#ifndef TITO_INDEX_BACKFILL_H
#define TITO_INDEX_BACKFILL_H
#include "table.h"
#include "index_sorted.h"

typedef struct tito_backfill {
  char *zIndex;     /* the index being built */
  tito_buf done;    /* row key of the last row done; empty: none yet */
  int64_t nDone;    /* rows done */
  int64_t nTotal;   /* rows when the build began; -1: not counted yet */
  int64_t iStarted; /* unix seconds the build began */
  tito_buf end;     /* row key of the last row when it began; empty: none */
  int bClear;       /* a dropped index's entries are being deleted */
  int bCountLater;  /* a build whose first step counts the rows and takes
                    ** the last (a store with concurrent writers: rows
                    ** committed before the build began may be newer than
                    ** its first transaction's snapshot) */
  uint32_t iClearId; /* their index id */
  int bSorted;      /* built in key order (index_sorted.h): done is the
                    ** last entry key written, nDone / nTotal count
                    ** entries; end is unused */
  int64_t nRead;    /* rows read by this object's gathers (not stored) */
} tito_backfill;

/* The model's build in progress into *pp (NULL when there is none; free
** with tito_backfill_free). SQLite result code. */
int tito_backfill_load(tito_table *, tito_backfill **pp);

/* Store b as the model's build in progress. SQLite result code. */
int tito_backfill_save(tito_table *, const tito_backfill *b);

/* Remove the model's build record. SQLite result code. */
int tito_backfill_remove(tito_table *);

void tito_backfill_free(tito_backfill *);

/* tito_table_check of pTab, knowing the change in progress (entries a
** build has not written yet, or a dropped index's not deleted yet, are no
** problem). */
int tito_backfill_check(tito_table *, char **pzReport);

/* Mark the index the record names (if any) as being built in the table's
** model. SQLite result code (SQLITE_CORRUPT when the record names no index
** of the model). */
int tito_backfill_attach(tito_table *);


/* A change of index pIdx beginning at iNow, its record written: a build
** (its id's range emptied, the model's rows counted) or, bClear, the
** clearing of a dropped index's entries (counted). *pp is freed by the
** caller. */
int tito_backfill_begin(tito_table *, const tito_index *pIdx, int bClear,
                        int64_t iNow, tito_backfill **pp);

/*
** One step of build b: the entries of nMaxRows more rows (0: all that are
** left), sorted nRunBytes at a time (0: the default); the record saved, or
** removed when *pbEnd (no row left). The errors of tito_index_build (a
** unique value two rows share, named in *pzErr). A clearing deletes
** nMaxRows more entries.
**
** A build in key order writes nMaxRows more of the entries gathered in
** *ppSorted (NULL: gathered for this step alone), gathering them first
** when it holds none of this build's to write (tito_backfill_gather);
** nRunBytes bounds the gather's memory. The caller frees *ppSorted
** (tito_sorted_free) when done with the build.
*/
int tito_backfill_step(tito_table *, tito_backfill *b, int64_t nMaxRows,
                       int nRunBytes, tito_sorted **ppSorted, int *pbEnd,
                       char **pzErr);

/* For a build in key order: its next entries gathered into *ppSorted
** unless it holds some already (a read of every row, best made with no
** transaction open; the rows read added to b->nRead). SQLITE_OK and
** nothing done for another build. */
int tito_backfill_gather(tito_table *, tito_backfill *b, int nMemory,
                         tito_sorted **ppSorted, char **pzErr);
#endif
