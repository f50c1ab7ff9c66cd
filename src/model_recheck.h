/*
** model_recheck.h: is a table's model still the one its store keeps? On a
** store that several databases share (TiKV), another one may change the
** model (tito_alter): its definition in the catalog, or the index it is
** building (index_backfill.h). A table rechecks now and then and follows
** (ext/tito_vtab.c); its writes are fenced meanwhile (catalog.h).
*/
#ifndef TITO_MODEL_RECHECK_H
#define TITO_MODEL_RECHECK_H
#include <stdint.h>
#include "table.h"

/* Table pTab, named zName, was opened with catalog id iId and definition
** zDef. SQLITE_OK with *pzNew NULL when that is still the model (or when
** the model was dropped, or re-created under another id: nothing to
** follow); with *pzNew (sqlite3_malloc'd) the catalog's definition when
** it or the index being built changed. Else an error with *pzErr. Both
** reads are made at the store's current snapshot. */
int tito_model_recheck(tito_table *pTab, const char *zName, uint32_t iId,
                       const char *zDef, char **pzNew, char **pzErr);

/* Does the store, at the snapshot it reads now, still keep index iIndex of
** pTab's model (opened with catalog id iId and definition zDef) as that
** model knows it: its entries written by every write visible there? *pbHolds
** is 1 when the catalog entry is unchanged, or changed by another database
** keeping the index (the same id and definition: writers maintain it), and
** 0 when that database dropped it (its entries are no longer maintained, and
** are being deleted); *pbSame is 1 when the entry is unchanged (every index
** holds). A model dropped or re-created holds, as for tito_model_recheck.
** One read when nothing changed; SQLite result code, *pzErr on error. */
int tito_model_index_holds(tito_table *pTab, const char *zName, uint32_t iId,
                           const char *zDef, int iIndex, int *pbHolds,
                           int *pbSame, char **pzErr);

#endif
