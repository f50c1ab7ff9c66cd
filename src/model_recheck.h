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

/* Can pTab's model (opened with catalog id iId and definition zDef) still
** read what the store holds at the snapshot it reads now: its rows, and
** index iIndex (-1: none)? Another database may have changed the model
** since this connection last rechecked. *pbHolds is 1 when the catalog
** entry is unchanged, or changed in ways that keep rows and that index as
** the model knows them (columns added or renamed, other indexes; the index
** with the same id and definition: writers maintain it); 0 when that
** database dropped the index (its entries are no longer maintained); -1
** when it dropped a column (rows were rewritten without it, or will be:
** only another model can read them). *pbSame is 1 when the entry is
** unchanged (every read holds). A model dropped or re-created holds, as
** for tito_model_recheck. One read when nothing changed; SQLite result
** code, *pzErr on error. */
int tito_model_holds(tito_table *pTab, const char *zName, uint32_t iId,
                     const char *zDef, int iIndex, int *pbHolds, int *pbSame,
                     char **pzErr);

/* The same, judged on the catalog entry's value pVal[0..nVal) (NULL: no
** entry) the caller read at that snapshot already: no read. */
int tito_model_holds_value(tito_table *pTab, const char *zName,
                           uint32_t iId, const char *zDef, int iIndex,
                           const uint8_t *pVal, int nVal, int *pbHolds,
                           int *pbSame, char **pzErr);

#endif
