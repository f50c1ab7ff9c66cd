/*
** tito_ext.h: what the files of the SQLite layer (ext/) share: the
** per-connection context, the vtab and cursor of the "tito" module, the
** plan of a query, and value conversion.
*/
#ifndef TITO_EXT_H
#define TITO_EXT_H
#include "sqlite_api.h"
#include "buf.h"
#include "event.h"
#include "kv.h"
#include "model.h"
#include "scan.h"
#include "table_stats.h"
#include "store.h"
#include "table.h"

typedef struct tito_cursor tito_cursor;

/*
** What the running SQLite offers and how it behaves, read once when the
** extension is loaded (tito.c, which also explains each version): one
** tito.so, built against the oldest supported header, serves every version.
*/
typedef struct tito_sqlite_caps {
  int iVersion;    /* sqlite3_libversion_number() */
  int bLikeBlobs;  /* LIKE and GLOB can match a BLOB (built without
                   ** SQLITE_LIKE_DOESNT_MATCH_BLOBS) */
  int bLimitExact; /* a plan may end its scan on LIMIT and skip OFFSET */
  int bIntegrity;  /* PRAGMA integrity_check reaches xIntegrity */
} tito_sqlite_caps;

/*
** The "tito" module. Compiled against the 3.40 header, whose sqlite3_module
** ends at xShadowName; SQLite 3.44.0 adds xIntegrity (module version 4)
** right after it, which is where this slot lies.
*/
typedef int (*tito_integrity_fn)(sqlite3_vtab *, const char *zSchema,
                                 const char *zTabName, int mFlags,
                                 char **pzErr);
typedef struct tito_module {
  sqlite3_module base;
#if SQLITE_VERSION_NUMBER < 3044000
  tito_integrity_fn xIntegrity;
#endif
} tito_module;

/* Events a consuming SELECT of this connection's transaction received, for
** tito_retry (tito_events.c): topic and group NUL-terminated, then the
** event record. */
typedef struct tito_received_event {
  char *zTopicGroup;
  int nTopic, nGroup, nRec;
} tito_received_event;
#define TITO_RECEIVED_MAX 100000
typedef struct tito_received {
  int n, nAlloc;
  tito_received_event *a;
} tito_received;

/* Rows an index build writes per transaction by default (tito_alter.c). */
#define TITO_ALTER_BATCH 100000

/* Milliseconds a table of a shared store (TiKV) uses its model before it
** reads the catalog again (titoTableFresh). */
#define TITO_SCHEMA_RECHECK 1000

/* A tito_config setting's value (stored + 1, 0: not set) or iDefault. */
#define TITO_SETTING(stored, iDefault) ((stored) ? (stored) - 1 : (iDefault))

/* The per-connection context: client data of the module. */
typedef struct tito_conn {
  sqlite3 *db;
  tito_sqlite_caps caps;
  tito_module module;      /* this connection's copy, versioned by caps */
  tito_store_list stores; /* the stores its tables use (src/store.h) */
  struct tito_vtab *pTabs; /* every connected tito vtab, for tito_check() */
  int64_t iClock;          /* tito_config('clock'): unix seconds events
                           ** see as now, or 0 for the time */
  /* Settings of tito_config, each its value + 1, or 0 when not set (then
  ** the default: TITO_SETTING gives either). */
  int nBuildMemory;        /* 'build_memory' (TITO_BUILD_MEMORY) */
  int nAlterBatch;         /* 'alter_batch' (TITO_ALTER_BATCH) */
  int nAlterPause;         /* 'alter_pause' (none: tito_alter.c's rule) */
  int nSchemaRecheck;      /* 'schema_recheck' (TITO_SCHEMA_RECHECK) */
  tito_received received;  /* see tito_received */
} tito_conn;

/* One term of a partial-index condition that the planner can reason about:
** column op literal (op is an SQLITE_INDEX_CONSTRAINT_*; ISNOTNULL has no
** literal). */
typedef struct tito_pterm {
  int iCol;
  int op;
  tito_buf lit; /* the literal, key-encoded with the column's affinity */
} tito_pterm;

typedef struct tito_pcond {
  int bUsable;   /* 0: the condition is too complex to prove; never used */
  int nTerm;
  tito_pterm *aTerm;
} tito_pcond;

typedef struct tito_vtab {
  sqlite3_vtab base;
  tito_conn *pConn;
  char *zSchema;
  char *zName;
  char **azArg;        /* module arguments (for the catalog definition) */
  int nArg;
  tito_model *pModel;  /* parsed model (owned until pTab takes it) */
  tito_table *pTab;    /* opened lazily on first use */
  tito_store *pStore;
  tito_pcond *aCond;   /* per index: its condition, for the planner */
  int iKeyCol;         /* column number of hidden _key, or -1 */
  int iHintCol;        /* column number of hidden tito_index (the planner
                       ** hint, tito_hint.c), or -1 */
  uint32_t iCatId;     /* the model's id and definition in the store's */
  char *zCatDef;       /* catalog, as the table was opened by (a writer's
                       ** commit depends on them: tito_catalog_fence) */
  sqlite3_int64 msChecked; /* when the model was last found the catalog's
                       ** (titoTableFresh), or 0: read it again */
  char *zNoWrite;      /* why the table takes no write: another database
                       ** changed its columns (titoTableFresh) */
  unsigned iHeld;      /* the store's snapshot (tito_store_snapshot) at
                       ** which the catalog was found to be the model's
                       ** (titoFilter), or 0 */
  int nOpen;           /* cursors open */
  int bWriting;        /* written in the open transaction */
  int bAttached;       /* declared without columns: the model is the
                       ** store catalog's (see vtabAttachArgs) */
  sqlite3_stmt *pDefault; /* SELECT of the DEFAULT expressions, or NULL */
  struct tito_cursor *pSpare; /* a closed cursor kept for the next xOpen */
  tito_value *aNew;    /* nCol values: the new row of xUpdate */
  tito_buf oldKey;     /* the row key xUpdate was given */
  struct tito_stats *pStats; /* the planner's statistics (table_stats.h), or
                       ** NULL: none stored, or not loaded yet */
  int bStatsLoaded;    /* pStats was read from the store */
  struct tito_vtab *pNextTab;
} tito_vtab;

/* The plan, packed in idxNum (see tito_plan.c for the bit layout). */
typedef struct tito_plan {
  int iPath;   /* 0 full scan, 1 primary key, 2+i index i */
  int nEq;     /* leading key fields fixed by equality */
  int eLo;     /* 0 none, 1 GT, 2 GE: on field nEq */
  int eHi;     /* 0 none, 1 LT, 2 LE */
  int bDesc;   /* scan in reverse key order */
  int bIn;     /* the first equality is an IN list */
  int bLimit;  /* a LIMIT argument follows (then OFFSET's, if any) */
  int bLimitExact; /* LIMIT may end the scan and OFFSET skip rows, where
               ** the running SQLite allows it (caps.bLimitExact); else
               ** LIMIT + OFFSET is a read-ahead hint. See tito_plan.c */
  int bOffset; /* an OFFSET argument follows LIMIT's */
  int bCover;  /* index-only: the index entry holds every column used */
  int bOrdered; /* the scan order is the statement's ORDER BY */
  int iAmbig;  /* first key field whose constraint may match more than
               ** its seek value says (63: none), see tito_plan.c */
} tito_plan;

/* The affinity a key field's argument gets before it is encoded. */
char titoSeekAffinity(char cAff);
/* Begin scan pScan for plan pPlan (pBase: the rest of the scan plan) and
** add its ranges from xFilter's arguments (tito_seek.c). With apFixed (one
** slot per model column), the values every row of the scan holds are
** copied there. */
int titoSeekFilter(tito_scan *pScan, const tito_model *pModel,
                   const tito_plan *pPlan, const tito_scan_plan *pBase,
                   int argc, sqlite3_value **argv, sqlite3_value **apFixed);

#define PLAN_FULL 0
#define PLAN_PK   1

void titoPlanDecode(int idxNum, tito_plan *p);

/* The id of the index a plan of titoBestIndex reads (0: none), from the
** idxStr it made (see tito_plan.c). */
uint32_t titoPlanIndexId(const char *idxStr);
int titoBestIndex(sqlite3_vtab *, sqlite3_index_info *);

/* The planner hint: the hidden column tito_index (tito_hint.c). */
#define TITO_HINT_MAX_PATH 128 /* plan paths: idxNum bits 0-6 */
#define TITO_HINT_MAX_TERMS 8
typedef struct tito_hint {
  int iForce;       /* -1, or the only path allowed: PLAN_PK (with the full
                    ** scan) or 2 + index */
  unsigned char aForbid[TITO_HINT_MAX_PATH]; /* by path, as iForce */
  int aiCons[TITO_HINT_MAX_TERMS]; /* the hint's constraints in pInfo */
  int nCons;
} tito_hint;
extern const char *const titoHintColumn;
int titoHintParse(tito_vtab *, sqlite3_index_info *, tito_hint *);
int titoHintAllows(const tito_hint *, int iPath);
int titoHintNoPlan(tito_vtab *, const tito_hint *);
const char *titoHintPathName(const tito_model *, int iPath);

/* Read v with column affinity cAff applied, as an ordinary table stores
** it (cAff 0: none). TEXT/BLOB point into v. */
void titoValueFromSql(sqlite3_value *v, char cAff, tito_value *pOut);
void titoValueResult(sqlite3_context *, const tito_value *);

/* Set pVtab->zErrMsg (printf-style), freeing the old one. */
void titoSetError(sqlite3_vtab *, const char *zFmt, ...);

/* Give table pTab the values its columns with a literal DEFAULT read in
** rows written before the column was added (tito_alter ADD COLUMN), as an
** ordinary table reads rows older than ALTER TABLE ADD COLUMN. */
int titoTableDefaults(sqlite3 *, tito_table *);

/* A table-valued function or introspection table of the connection
** (tito_tvf.c): declared from zDecl, it knows the connection. */
typedef struct tito_tvf {
  sqlite3_vtab base;
  tito_conn *pConn;
} tito_tvf;
int titoTvfConnect(sqlite3 *, void *pAux, const char *zDecl,
                   sqlite3_vtab **ppVtab);
int titoTvfDisconnect(sqlite3_vtab *);
/* A zeroed cursor of nCursor bytes (its sqlite3_vtab_cursor first). */
int titoTvfOpen(int nCursor, sqlite3_vtab_cursor **ppCur);

/* Make sure pTab->pTab is open (the store and catalog id known). */
int titoTableReady(tito_vtab *);
/* titoTableReady, and for a table of a shared store, the model another
** database changed since followed (tito_vtab.c): before planning, a scan
** or a write. */
int titoTableFresh(tito_vtab *);

/* Reads by a model another database changed (tito_readcheck.c). */
void titoExpireStatements(sqlite3 *db, int nBusyOk);
/* The index a plan's idxStr names, by id, as path 2 + its position in the
** model p reads by now; an error when the model has it no more. */
int titoReadIndex(tito_vtab *p, const char *idxStr, int *piPath);
/* Before scan pScan starts: whether its statement's snapshot must be
** checked (*pbCheck), and if so the scan reads the catalog entry too. */
int titoReadCheckBegin(tito_vtab *p, tito_scan *pScan, int *pbCheck);
/* After it started, nothing handed to SQLite yet: the check (the rows,
** and index iIndex, -1: none); an error saying what changed. */
int titoReadCheckEnd(tito_vtab *p, tito_scan *pScan, const char *idxStr,
                     int iIndex);
/* Milliseconds since some moment (the default VFS's clock). */
sqlite3_int64 titoClockMs(void);

/* The definition the catalog keeps for the table: its module arguments
** (sqlite3_malloc'd, NULL when out of memory). */
char *titoVtabDefinition(tito_vtab *);
/* Does the catalog's definition zDef declare the table's model (spelling
** and location options aside)? SQLITE_OK; SQLITE_ERROR with *pzErr showing
** both when not. */
int titoVtabCheckDefinition(tito_vtab *, const char *zDef, char **pzErr);

/* Parse the partial-index conditions of the model for the planner. */
int titoCondParse(tito_vtab *);
void titoCondFree(tito_vtab *);

int titoRegisterModule(sqlite3 *, tito_conn *);
/* The tito_stats table (tito_stats.c). */
int titoRegisterStats(sqlite3 *, tito_conn *);
/* The tito_txn anchor table (tito_anchor.c). */
int titoRegisterAnchor(sqlite3 *, tito_conn *);
int titoAnchorJoin(tito_conn *, char **pzErr);
/* A SQL function that writes a store (tito_analyze, tito_lease, the
** consumer-group functions) called in autocommit mode runs in a
** transaction of its own: titoCallBegin opens it (*pbOwn), titoCallEnd
** commits it, or rolls it back when rc is an error, and returns the
** call's result code (a commit's failure in *pzErr). See tito_anchor.c. */
int titoCallBegin(tito_conn *, int *pbOwn, char **pzErr);
int titoCallEnd(tito_conn *, int bOwn, int rc, char **pzErr);
/* xIntegrity: PRAGMA integrity_check on a tito table (SQLite 3.44+). */
int titoIntegrity(sqlite3_vtab *, const char *zSchema, const char *zTabName,
                  int mFlags, char **pzErr);
/* tito_numeric(v): v with NUMERIC affinity, unconverted (tito_numeric.c). */
int titoRegisterNumeric(sqlite3 *);

/* tito_guard.c: xShadowName of tito's modules ("store"); the module
** tito_guard and the guard table "<schema>".tito, which makes tito_store a
** shadow table; titoGuardSchema gives a schema with a store its guard. */
int titoShadowName(const char *zSuffix);
int titoGuardInit(sqlite3 *);
void titoGuardSchema(sqlite3 *, const char *zSchema);
int titoRegisterFunctions(sqlite3 *, tito_conn *);

/* The connected tito table named zName ("t" or "schema.t"), connecting
** it first if needed; NULL if there is none (tito.c). */
tito_vtab *titoFindTable(tito_conn *, const char *zName);
/* Reload schema zSchema (NULL: main) now if another statement changed it
** (tito.c). */
void titoSchemaRefresh(sqlite3 *, const char *zSchema);
/* tito_analyze() and the table tito_stat (tito_analyze.c). titoStatsGet:
** the table's statistics for the planner, read once per connection (NULL
** if none). */
int titoRegisterAnalyze(sqlite3 *, tito_conn *);
/* tito_alter(TABLE, CHANGE): ADD/DROP INDEX of a live model (tito_alter.c). */
int titoRegisterAlter(sqlite3 *, tito_conn *);
/* The table tito_changes (tito_changes.c). */
int titoRegisterChanges(sqlite3 *, tito_conn *);
const struct tito_stats *titoStatsGet(tito_vtab *);
/* The table-valued function tito_indexes (tito_indexes.c), and the
** xBestIndex of a table-valued function whose hidden column iColTable names
** a tito table: that argument, given by equality, is argv[0]. */
int titoBestIndexTableArg(sqlite3_index_info *, int iColTable);
int titoRegisterIndexes(sqlite3 *, tito_conn *);

/* Events (tito_events.c, tito_consumers.c). titoNow: unix seconds, or the
** connection's clock. titoEventsStore: the store holding topic zTopic
** (a reference, released with tito_store_release). titoEventsWriteBegin:
** before an events write outside a tito table's xUpdate, tie a remote
** store's transaction to SQLite's (the anchor). */
int64_t titoNow(tito_conn *);
int titoEventsStore(tito_conn *, const char *zTopic, tito_store **ppStore,
                    char **pzErr);
int titoEventsWriteBegin(tito_conn *, tito_store *, char **pzErr);
int titoRegisterEvents(sqlite3 *, tito_conn *);
int titoRegisterConsumers(sqlite3 *, tito_conn *);
void titoReceivedFree(tito_conn *);
#endif
