/*
** index_sorted.h: an index built in steps in the order of its own keys
** (index_backfill.h, on a store whose writers wait for each step: the
** embedded store).
**
** A build in row order makes each step write entries all over the index,
** so every step rewrites pages the earlier ones wrote (1,000,000 rows in
** ten steps took twice one step). Here the entries are first gathered
** from every row with no transaction open (tito_sorted_gather: a read,
** writers go on), sorted, and each step writes the next stretch of them
** in key order, as CREATE INDEX writes a sorted b-tree.
**
** A gathered entry may be stale by the time its step writes it: the row
** changed since. Every write of the index's entries during such a build
** marks its row (P | model id | 0x07 | row key suffix, no value: table.c),
** and a step reads a marked row again and writes its entry as it is now
** (none if the row is gone or no longer in the index) instead of the
** gathered one. A row never marked has not changed the index since the
** build began, so its gathered entry is exact. The last step removes the
** marks.
**
** The gathered entries are kept in memory, at most nMemory bytes: when
** the rows hold more, the gather keeps the smallest keys (the rest are
** gathered again, after the last key written, once these are written).
** A crash loses only memory: the build record (index_backfill.h) keeps
** the last key written, and the next step gathers from there.
*/
#ifndef TITO_INDEX_SORTED_H
#define TITO_INDEX_SORTED_H
#include "table.h"

/* The bytes of entries a gather keeps by default. */
#define TITO_SORTED_MEMORY (64 * 1024 * 1024)

typedef struct tito_sorted tito_sorted;

/*
** Gather index iIdx's entries of every row of pTab's model whose key is
** above pAfter (empty: all), at most nMemory bytes (0: TITO_SORTED_MEMORY)
** of the smallest. iBuild names the build (its start time) they belong
** to. *pnRow gets the rows read. SQLite result code; *pzErr on error.
*/
int tito_sorted_gather(tito_table *pTab, int iIdx, const tito_buf *pAfter,
                       int nMemory, int64_t iBuild, tito_sorted **pp,
                       int64_t *pnRow, char **pzErr);

/* Are s's entries those of build iBuild above key pDone, with some left
** to write or all of them gathered? (Else gather again.) */
int tito_sorted_usable(const tito_sorted *s, int64_t iBuild,
                       const tito_buf *pDone);

/* Did the gather keep every entry above its key (no more to gather)? */
int tito_sorted_complete(const tito_sorted *s);

/* The entries of the index, all of them, when s was gathered from the
** first key (else -1). */
int64_t tito_sorted_total(const tito_sorted *s);

/*
** One step: up to nMax (0: all) of s's entries above key pDone written in
** key order, marked rows read again. pDone gets the last gathered key the
** step passed, *pn the entries passed; *pbUsedUp is set when none of s's
** is left. The errors of tito_index_entries_write.
*/
int tito_sorted_step(tito_table *pTab, int iIdx, tito_sorted *s,
                     tito_buf *pDone, int64_t nMax, int64_t *pn,
                     int *pbUsedUp, char **pzErr);

/* Remove the marks of writes (at the end of the build, or when it is
** given up). SQLite result code. */
int tito_sorted_marks_clear(tito_table *pTab);

void tito_sorted_free(tito_sorted *s);
#endif
