/*
** table.h: a model bound to a store: its key ranges, row reads, and writes
** with exact index maintenance.
**
** KEY LAYOUT (the reference; README's reference section repeats it)
**
**   P      = the keyspace prefix option, encoded as a TEXT key field
**            (prefix-free, so prefixes never alias; "" by default)
**   catalog: P | u32 0 | 0x00 | name (TEXT field)   -> model id (u32 BE) +
**                                                      definition text
**            P | u32 0 | 0x01                       -> last model id (u32 BE;
**                                                      stores of earlier
**                                                      versions, unused: ids
**                                                      are random, catalog.c)
**   row:     P | u32 model id | 0x01 | pk fields     -> row codec of all
**                                                      columns (a dropped
**                                                      one's slot kept:
**                                                      column_slots.h)
**   index:   P | u32 model id | 0x02 | u32 index id | index fields | pk
**            fields                                  -> row codec of the
**                                                      INCLUDE columns
**   unique index entry whose fields are all non-NULL:
**            P | u32 model id | 0x02 | u32 index id | index fields
**                                                   -> INCLUDE columns then
**                                                      the pk suffix as a BLOB
**   model's own: P | u32 model id | 0x03            -> planner statistics
**                                                      (table_stats.h)
**            P | u32 model id | 0x04                -> an index build in
**                                                      progress (index_backfill.h)
**            P | u32 model id | 0x05                -> index ids, when not
**                                                      positions (index_ids.h)
**            P | u32 model id | 0x06                -> column slots, after a
**                                                      DROP COLUMN
**                                                      (column_slots.h)
**            P | u32 model id | 0x07 | row key suffix -> a row written while
**                                                      an index is built in
**                                                      key order (index_sorted.h)
**
** Fields are key-codec encoded (keycodec.h), DESC fields inverted. For a
** table without a declared primary key, or with an INTEGER PRIMARY KEY, the
** pk field is the integer rowid. A unique entry without the pk suffix makes
** two transactions inserting the same value write the same key, so the
** store itself detects the conflict (as TiDB does); entries with a NULL
** field keep the suffix, since NULLs never collide in a UNIQUE index.
*/
#ifndef TITO_TABLE_H
#define TITO_TABLE_H
#include "buf.h"
#include "kv.h"
#include "model.h"
#include "predicate.h"

typedef struct tito_table tito_table;

/* eType of a tito_value in an UPDATE's new row meaning "unchanged": the
** old row's value is used (SQLite's nochange columns). */
#define TITO_NOCHANGE 0x7f

/* Conflict resolution of one write (sqlite3_vtab_on_conflict's values). */
#define TITO_ONCONFLICT_ROLLBACK 1
#define TITO_ONCONFLICT_IGNORE   2
#define TITO_ONCONFLICT_FAIL     3
#define TITO_ONCONFLICT_ABORT    4
#define TITO_ONCONFLICT_REPLACE  5

struct tito_table {
  tito_model *pModel;   /* the model (owned) */
  tito_kv *pKv;         /* the store (not owned) */
  uint32_t iModelId;    /* model id in the store's catalog */
  tito_pred *pPred;     /* partial-index predicates, or NULL if none */
  tito_buf rowPrefix;   /* P | model id | 0x01 */
  tito_buf idxPrefix;   /* P | model id | 0x02 */
  int nPkKey;           /* key fields of the primary key (1 for rowid) */
  /* Scratch of the write path, reused to avoid mallocs. */
  tito_buf key, key2, key3, val, val2, scratch;
  tito_buf oldRow;      /* bytes of the row being updated or deleted */
  tito_buf victimRow;   /* bytes of a row removed by OR REPLACE */
  tito_buf cacheKey;    /* key of the row last read by a cursor, or empty */
  tito_buf cacheVal;    /* its value */
  uint64_t nWrite;      /* writes so far: a cursor's row read before the
                        ** last write is not handed to the cache */
  tito_buf oldKey;      /* key of the row being updated or deleted */
  tito_buf owner;       /* owner row key of a unique entry */
  tito_buf owner2;      /* the same, for an entry being written */
  tito_value *aOld;     /* nCol decoded values of oldRow */
  tito_value *aVictim;  /* nCol decoded values of victimRow */
  tito_value *aEntry;   /* nCol + 1 values: an index entry's value (its
                        ** INCLUDE columns and a unique entry's owner) */
  char *zErr;           /* last error message (sqlite3_malloc'd) */
  struct tito_emitter *pEmit; /* the model's topics, or NULL (event.h) */
  struct tito_heads *pHeads; /* the store's cache of partition heads, or
                        ** NULL (outbox.h; not owned) */
  const int64_t *piClock; /* unix seconds for events, when non-zero (a
                        ** connection's test clock); else the time */
  tito_value *aEvPk;    /* nPkKey values: a written row's key, for events */
  tito_value *aSlot;    /* nSlot values of a row, for a model with a
                        ** dropped column (column_slots.h) */
  tito_value *aDefault; /* nCol values a row written before its column was
                        ** added reads (tito_table_set_default), or NULL:
                        ** all NULL */
  tito_buf evScratch;
  /* The model's records read ahead by tito_table_records_prefetch, each
  ** handed out once (index TITO_KIND_x - TITO_KIND_STATS). */
  struct tito_row_cache *pReadRows; /* rows scans read, or NULL: off
                        ** (tito_table_keep_reads; row_cache.h) */
  unsigned iSnap;       /* the store's snapshot number now (set by the
                        ** caller before reads and writes; 0: unknown) */
  int bPrefetched;
  uint8_t abRecord[4];  /* 1: read and present, 2: read and absent */
  tito_buf aRecord[4];
};

/*
** Open the table of model pModel (ownership passes to the table, also on
** error) in store pKv under catalog id iModelId. db is used to compile the
** partial-index predicates. Returns a SQLite result code.
*/
int tito_table_open(sqlite3 *db, tito_model *pModel, tito_kv *pKv,
                    uint32_t iModelId, tito_table **ppTab, char **pzErr);
void tito_table_close(tito_table *);

/* Append the row key of the primary-key values aPk[0..nPkKey) to pOut
** (reset first). */
void tito_table_row_key(tito_table *, const tito_value *aPk, tito_buf *pOut);

/*
** Read the row with key pKey into aOut[0..nCol) (pointing into a copy held
** by the table until the next write or read call). SQLITE_OK, SQLITE_DONE if
** absent, or an error.
*/
int tito_table_read_row(tito_table *, const uint8_t *pKey, int nKey,
                        tito_value *aOut);

/* Decode the primary-key key fields after the row prefix of pKey into
** aOut[0..nPkKey) (text/blob copied into pScratch). SQLITE_OK or
** SQLITE_CORRUPT. */
int tito_table_decode_pk(tito_table *, const uint8_t *pKey, int nKey,
                         tito_value *aOut, tito_buf *pScratch);

/*
** Writes. aNew holds nCol values (affinity already applied by the caller
** by the SQLite layer). pOldKey is the current row key for UPDATE and
** DELETE. eConflict is TITO_ONCONFLICT_*. piRowid receives the rowid used
** for rowid tables (may be NULL). Return SQLite result codes; a constraint
** failure (SQLITE_CONSTRAINT_*) changes nothing and sets the message to
** SQLite's own wording.
*/
int tito_table_insert(tito_table *, tito_value *aNew, int64_t *piRowid,
                      int bRowidGiven, int eConflict);
int tito_table_update(tito_table *, const uint8_t *pOldKey, int nOldKey,
                      tito_value *aNew, int64_t *piRowid, int bRowidGiven,
                      int eConflict);
int tito_table_delete(tito_table *, const uint8_t *pOldKey, int nOldKey);

/*
** If pKey is a row key of this table or the key of one of its unique
** index entries (a key a commit found already written): set SQLite's
** wording for that uniqueness failure as the table's message and return
** its extended code. SQLITE_OK when the key is not this table's.
*/
int tito_table_key_conflict(tito_table *, const uint8_t *pKey, int nKey);

/* Set the cached copy of the row last read by a cursor (so an UPDATE or
** DELETE of that row need not read it again). */
void tito_table_cache_row(tito_table *, const uint8_t *pKey, int nKey,
                          const uint8_t *pVal, int nVal);

/* What an index change in progress (index_backfill.h) exempts from the
** check: entries of index iBuild (-1: none) for rows after row key done
** up to row key end (a build writes them yet), entries under index id
** iClearId (0: none; a dropped index's, being deleted). */
typedef struct tito_check_exempt {
  int iBuild;
  tito_buf done, end;  /* row keys; or, bByEntry, done the last entry key
                       ** written (entries above it need not be there) */
  int bByEntry;
  uint32_t iClearId;
} tito_check_exempt;

/*
** Integrity check: every row has exactly its index entries and every entry
** points to a live row that produces it (but what pEx exempts; NULL:
** nothing). Returns SQLITE_OK and sets *pzReport to NULL when consistent,
** or to a description of the first problems (sqlite3_malloc'd).
*/
int tito_table_check(tito_table *, const tito_check_exempt *pEx,
                     char **pzReport);

/* Remove every key of the model (DROP TABLE on the embedded store). */
int tito_table_purge(tito_table *);

/* Keys the model keeps of its own, after its rows and index entries:
** P | id | kind (table_stats.h, index_backfill.h, index_ids.h,
** column_slots.h; the marks of writes a range, last: index_sorted.h). */
#define TITO_KIND_STATS 0x03
#define TITO_KIND_BUILD 0x04
#define TITO_KIND_IDS   0x05
#define TITO_KIND_SLOTS 0x06 /* column_slots.h */
#define TITO_KIND_MARKS 0x07 /* | row key suffix: index_sorted.h */
void tito_table_model_key(tito_table *, uint8_t kind, tito_buf *pOut);

/* Keep the rows scans read (tagged with pTab->iSnap) to serve the old
** rows of the writes that follow in the same snapshot, where the store
** says which keys the transaction wrote (kv.h xWritten): a store whose
** reads are round trips. SQLite result code. */
int tito_table_keep_reads(tito_table *);
/* A scan read row key k's value v (kept when keep_reads is on). */
void tito_table_row_read(tito_table *, const uint8_t *k, int nk,
                         const uint8_t *v, int nv);
/* A scan of index entries only yielded row key k (its value unread): a
** write that then needs that row reads it and the ones named after it
** with one multi-get (row_cache.h). */
void tito_table_row_named(tito_table *, const uint8_t *k, int nk);
/* Forget the rows kept (the transaction ended). */
void tito_table_reads_clear(tito_table *);

/* The bytes of the model's own record P | id | kind (kind STATS to SLOTS):
** TITO_OK, TITO_NOTFOUND or the store's error code, as xGet. Valid until
** the next read of the table's store. */
int tito_table_record_get(tito_table *, uint8_t kind, const uint8_t **ppVal,
                          int *pnVal);

/* Opening a table reads four of those records, at one snapshot: read them
** ahead with one multi-get (one round trip on TiKV instead of four); each
** is then handed out once by tito_table_record_get, and what is left is
** forgotten by tito_table_records_drop (a later read goes to the store, so
** nothing read ahead can outlive a write). SQLite result code. */
int tito_table_records_prefetch(tito_table *);
void tito_table_records_drop(tito_table *);

/* The model's own record P | id | kind decoded into a[0..n) (its values
** point into pKeep, which holds a copy): SQLITE_OK; SQLITE_DONE when there
** is none; SQLITE_CORRUPT when it is not n values. */
int tito_table_record_read(tito_table *, uint8_t kind, int n, tito_value *a,
                           tito_buf *pKeep);

/* Write that record with values a[0..n), or remove it (a NULL). SQLite
** result code. */
int tito_table_record_write(tito_table *, uint8_t kind, int n,
                            const tito_value *a);

/* Index entry key range of index iIdx (0-based): P | id | 0x02 | u32. */
void tito_table_index_prefix(tito_table *, int iIdx, tito_buf *pOut);

/* Build the entry of index iIdx for row aRow whose row key is pRowKey: key
** into pKey, value into pVal (both reset first). Returns 1 if the entry is
** a compact unique entry (no pk suffix in the key: the key is the value). */
int tito_table_entry(tito_table *, int iIdx, const tito_value *aRow,
                     const tito_buf *pRowKey, tito_buf *pKey, tito_buf *pVal);

/*
** Decode the row value p[0..n) into aOut[0..nCol): a row written before
** columns were added (tito_alter ADD COLUMN) has fewer values, and reads
** each missing one as its column's DEFAULT (tito_table_set_default), as
** SQLite reads a row older than ALTER TABLE ADD COLUMN. SQLITE_CORRUPT
** (with the message) if the bytes are not a row.
*/
int tito_table_decode_row(tito_table *, const uint8_t *p, int n,
                          tito_value *aOut);

/* The value column iCol reads in rows written before it existed: a copy
** of *pVal (the column's constant DEFAULT, its affinity applied). */
int tito_table_set_default(tito_table *, int iCol, const tito_value *pVal);

/* The owner row key of the compact unique entry of index iIdx at key
** pEntry: into pOwner and SQLITE_ROW; SQLITE_DONE if there is no entry. */
int tito_table_entry_owner(tito_table *, int iIdx, const tito_buf *pEntry,
                           tito_buf *pOwner);

/* Partial-index mask of row aRow: bit i set if index i has an entry. */
int tito_table_mask(tito_table *, const tito_value *aRow, uint64_t *pMask);

const char *tito_table_errmsg(tito_table *);

/* A store result code as a SQLite one, the store's message kept as the
** table's (tito_table_errmsg). */
int tito_table_kv_error(tito_table *, int rcKv);

#endif
