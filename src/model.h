/*
** model.h: a model (the schema of one tito table) and its parser.
**
** A model is what CREATE VIRTUAL TABLE t USING tito(...) declares: typed
** columns, a primary key (single, composite, or none: an implicit rowid),
** secondary indexes (composite, per-field DESC, UNIQUE, partial WHERE,
** covering INCLUDE) and options. The parser turns the module arguments into
** a tito_model and the model into the CREATE TABLE text handed to
** sqlite3_declare_vtab().
*/
#ifndef TITO_MODEL_H
#define TITO_MODEL_H
#include <stdint.h>

/* Column affinities: the letters SQLite itself uses (SQLITE_AFF_*). */
#define TITO_AFF_BLOB    'A'
#define TITO_AFF_TEXT    'B'
#define TITO_AFF_NUMERIC 'C'
#define TITO_AFF_INTEGER 'D'
#define TITO_AFF_REAL    'E'

/* Indexes of one model, UNIQUE columns included: the write path keeps one
** bit per index of a row in a 64-bit mask (src/table.c). */
#define TITO_MAX_INDEX 64

typedef struct tito_column {
  char *zName;      /* column name as written (unquoted) */
  char *zType;      /* declared type as written, "" if none */
  char cAff;        /* TITO_AFF_*, by SQLite's rules on zType */
  uint8_t bNotNull; /* NOT NULL (implied for primary-key columns) */
  int iPk;          /* 0, or 1-based position in the primary key */
  int iArg;         /* 1-based argument that declares it */
  char *zDefault;   /* DEFAULT clause as written (an expression), or NULL.
                    ** SQLite does not apply DEFAULT to virtual tables
                    ** (declare_vtab drops it): an omitted column reaches
                    ** xUpdate as NULL, like an explicit NULL. */
  int iSlot;        /* where its value sits in a row: its position, unless
                    ** a column before it was dropped (column_slots.h) */
} tito_column;

typedef struct tito_index {
  char *zName;        /* index name, unique within the model */
  uint32_t iId;       /* id of its entries' keys (table.h): the 1-based
                      ** position among the model's indexes, unless a
                      ** change recorded another (index_ids.h) */
  int iArg;           /* 1-based argument that declares it (a column's, for
                      ** a column's UNIQUE) */
  uint8_t bUnique;    /* UNIQUE INDEX */
  int nCol;           /* fields of the index key */
  int *aiCol;         /* column number of each field */
  uint8_t *abDesc;    /* per field: 1 if DESC */
  char *zWhere;       /* partial-index predicate (SQL text), or NULL */
  int nInclude;       /* INCLUDE columns (covering), stored in the entry */
  int *aiInclude;
  uint8_t bBuilding;  /* being built by tito_alter (index_backfill.h): not
                      ** in the definition; set when the table is opened.
                      ** Writers maintain it, the planner ignores it. */
  uint8_t bMarkWrites; /* built in key order (index_sorted.h): a write of
                       ** its entries marks the row */
} tito_index;

/* Actions a topic takes events of (tito_topic.mAction). */
#define TITO_ACT_INSERT 0x01
#define TITO_ACT_UPDATE 0x02
#define TITO_ACT_DELETE 0x04
#define TITO_ACT_ALL    0x07

/* Most topics one model may declare. */
#define TITO_MAX_TOPIC 32

/*
** An outbox topic of the model: TOPIC name [ON action [OR action]...]
** [WHERE cond] [AT (due)] [PARTITION BY (cols)] [PARTITIONS n]
** [MAX ATTEMPTS n] [RETAIN n]. See src/event.c for what each part means.
*/
typedef struct tito_topic {
  char *zName;        /* topic name, as written (unquoted) */
  int iArg;           /* 1-based argument it came from */
  int mAction;        /* TITO_ACT_* bits */
  char *zWhere;       /* condition over the row (SQL text), or NULL */
  char *zAt;          /* due-time expression (unix seconds), or NULL */
  int nPart;          /* PARTITION BY columns; 0 = the primary key */
  int *aiPart;
  int nPartitions;    /* PARTITIONS n, or 0 (the store's, default 16) */
  int nMaxAttempts;   /* MAX ATTEMPTS n, or 0 (the store's, default 5) */
  int nRetain;        /* RETAIN n: seconds consumed events are kept, or
                      ** -1 (the store's, default 0) */
} tito_topic;

typedef struct tito_model {
  char *zTable;       /* the SQLite table name */
  int nCol;
  tito_column *aCol;
  int nSlot;          /* the values a row holds: nCol, and one more for each
                      ** column dropped (column_slots.h) */
  int nPk;            /* primary-key columns; 0 = implicit rowid */
  int *aiPk;          /* column number of each primary-key field */
  uint8_t *abPkDesc;  /* per primary-key field: 1 if DESC */
  int iRowidCol;      /* the column aliasing the rowid (a single INTEGER
                      ** PRIMARY KEY, as in SQLite), or -1 */
  int nIndex;
  tito_index *aIndex;
  uint32_t iIdNext;   /* the next index id to give (index_ids.h); ids are
                      ** never given twice, so no new index meets entries
                      ** an old one left */
  char *zPrefix;      /* keyspace prefix option (prefix='...'), "" if none */
  char *zStore;       /* store option (store='...'), NULL = embedded */
  int nTopic;
  tito_topic *aTopic; /* outbox topics, in the order written */
} tito_model;

/*
** Parse module arguments azArg[0..nArg) (argv[3..] of xCreate/xConnect)
** for table zTable. On success *ppModel is a new model (free with
** tito_model_free). On error returns TITO_ERROR and *pzErr is a message
** (sqlite3_malloc'd) naming the offending word and argument; *ppModel is
** NULL. TITO_NOMEM on allocation failure.
*/
int tito_model_parse(const char *zTable, int nArg, const char *const *azArg,
                     tito_model **ppModel, char **pzErr);

void tito_model_free(tito_model *);

/*
** The CREATE TABLE statement for sqlite3_declare_vtab (sqlite3_malloc'd,
** NULL on OOM). Columns keep their names and declared types (so SQLite
** applies the same comparison affinity); DEFAULT clauses are kept. A model
** with a primary key other than a rowid alias is declared WITHOUT ROWID
** with a trailing hidden column "_key BLOB PRIMARY KEY" holding the encoded
** primary key; other models are rowid tables.
*/
char *tito_model_declare_sql(const tito_model *);
/* The same with a hidden TEXT column zHidden after the model's columns
** (before the hidden _key of a table without rowid), when not NULL. */
char *tito_model_declare_sql_hidden(const tito_model *, const char *zHidden);

/* Column number of zName (case-insensitive), or -1. */
int tito_model_column(const tito_model *, const char *zName);

/* Index number (0-based in aIndex) of zName (case-insensitive), or -1. */
int tito_model_index(const tito_model *, const char *zName);

/* Index number of the index whose entries use id iId (tito_index.iId), or
** -1. */
int tito_model_index_by_id(const tito_model *, uint32_t iId);

#endif
