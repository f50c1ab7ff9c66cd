/*
** scan.h: reading one model's rows along one key path.
**
** A scan visits rows of a tito table through its primary key, one
** secondary index, or all rows, restricted to a list of key ranges: each
** range is an equality prefix of the path's fields, optionally bounded on
** the next field; an IN list adds one range per value. A whole primary key
** or a whole unique-index key becomes a point read. A scan of an index that
** does not cover the statement reads its rows in batches (one multi-get per
** batch, never one read per entry); a covering scan decodes the entries
** alone. The caller (the SQLite layer, or any engine part that reads a
** model) supplies seek values with affinity already applied; the scan
** knows nothing of SQLite's virtual-table API.
**
** Usage:
**   tito_scan_begin(p, &plan);           forget the previous run
**   tito_scan_add(p, aEq, pLo, pHi);     once per range (IN value)
**   tito_scan_start(p);                  settle on the first row
**   while (!tito_scan_eof(p)) { tito_scan_row(p, &aVal); tito_scan_next(p); }
**   tito_scan_end(p);                    the statement is done with it
*/
#ifndef TITO_SCAN_H
#define TITO_SCAN_H
#include "table.h"

typedef struct tito_scan tito_scan;

/* Paths. */
#define TITO_PATH_FULL 0 /* every row, in primary-key order */
#define TITO_PATH_PK   1 /* the primary key */
/* 2 + i: secondary index i of the model */

/* Range bounds of tito_scan_plan.eLo / eHi. */
#define TITO_BOUND_NONE      0
#define TITO_BOUND_STRICT    1 /* > or < */
#define TITO_BOUND_INCLUSIVE 2 /* >= or <= */

typedef struct tito_scan_plan {
  int iPath;      /* TITO_PATH_FULL, TITO_PATH_PK, or 2 + index number */
  int nEq;        /* equality fields of every range added */
  int eLo, eHi;   /* SQL bounds on field nEq (TITO_BOUND_*), same for all */
  int bDesc;      /* visit keys largest first */
  int bCover;     /* index entries hold every column that will be read */
  int bKeyOnly;   /* no value will be read: of rows (a row path), of
                  ** entries (an index path: only the entry key is) */
  /* Order promised to the caller by the planner: when the ranges actually
  ** added are wider than the planner's (fewer equality fields than
  ** nOrderEq, or tito_scan_add_all), a scan with bOrdered reads everything
  ** and sorts it by the fields after the first nOrderEq (and by field 0
  ** too when bOrderIn: an IN list's values are ordered as well). */
  int bOrdered;
  int nOrderEq;
  int bOrderIn;
  int64_t nHint;  /* rows the caller expects to read (LIMIT), 0: unknown */
  /* LIMIT and OFFSET applied by the scan itself, for a caller that filters
  ** nothing further: pass over the first nSkip rows, then yield at most
  ** nLimit rows when bLimit. */
  int bLimit;
  int64_t nLimit;
  int64_t nSkip;
} tito_scan_plan;

int tito_scan_new(tito_table *, tito_scan **);
void tito_scan_free(tito_scan *);

/* Start a new run with plan *pPlan (copied). Returns a SQLite code. */
int tito_scan_begin(tito_scan *, const tito_scan_plan *pPlan);

/*
** Add the range of equality values aEq[0..nEq) (NULL when nEq is 0) and
** the bounds *pLo / *pHi on the next field (NULL when that bound is absent
** from the plan). Values are encoded at once: they need not outlive the
** call. A NULL equality value or bound matches nothing (as in SQL): the
** range is then not added.
*/
int tito_scan_add(tito_scan *, const tito_value *aEq, const tito_value *pLo,
                  const tito_value *pHi);

/* The same with this range's own bound kinds (TITO_BOUND_*) instead of
** the plan's: a caller whose values may match more than one range of the
** next field adds several (a NULL bound pointer is no bound). */
int tito_scan_add_bounded(tito_scan *, const tito_value *aEq,
                          const tito_value *pLo, int eLo,
                          const tito_value *pHi, int eHi);

/* Replace every range with the whole path (the caller will filter). */
int tito_scan_add_all(tito_scan *);

/* Settle on the first row (or the end). */
int tito_scan_start(tito_scan *);
int tito_scan_next(tito_scan *);
int tito_scan_eof(tito_scan *);

/* The current row's key (the row key of table.h); NULL on an error
** (tito_scan_errmsg), when a row only counted so far could not be read. */
const uint8_t *tito_scan_key(tito_scan *, int *pnKey);

/* The current row's nCol column values, decoded (valid until the next
** move). SQLITE_CORRUPT if stored bytes are damaged. */
int tito_scan_row(tito_scan *, tito_value **paVal);

/* Column iCol of the current row, decoded (valid until the next move);
** decodes no more of a covering index entry than that column needs. */
int tito_scan_column(tito_scan *, int iCol, tito_value **ppVal);

/* Read pKey too, with the scan's first read of a key (a point read by the
** primary key or a unique index, made a multi-get of two keys) or of rows
** (the batch of a non-covering index scan or of a primary key IN list): in
** the same round trip on TiKV, at the same snapshot. Not with a range
** read. Call after tito_scan_begin, which forgets
** it. SQLITE_OK or SQLITE_NOMEM. */
int tito_scan_read_also(tito_scan *, const uint8_t *pKey, int nKey);

/* After tito_scan_start: 0 when the key was not read (the scan fetched no
** rows), 1 when it was and is absent, 2 when present (*ppVal, *pnVal valid
** until the next run of the scan). */
int tito_scan_extra(tito_scan *, const uint8_t **ppVal, int *pnVal);

/* The statement is done with the scan: close iterators and hand the
** current row to the table, so a one-pass UPDATE or DELETE of that very
** row need not read it again. */
void tito_scan_end(tito_scan *);

/* The message of the last error ("" if none). */
const char *tito_scan_errmsg(tito_scan *);

#endif
