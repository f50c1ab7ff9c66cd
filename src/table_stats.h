/*
** table_stats.h: a model's statistics for the planner: how many entries each key
** path holds and how many share a value of each leading prefix of its
** fields (SQLite's sqlite_stat1, per model).
**
** tito_stats_analyze counts them with one keys-only scan per path (no row
** is decoded) and stores them in the store, next to the model's rows:
**
**   P | u32 model id | 0x03  ->  text, one line per path:
**                                "analyzed <unix seconds>"
**                                "pk <entries> <avg 1> ... <avg n>"
**                                "index <name> <entries> <avg 1> ..."
**
** <avg k> is the average number of entries sharing one value of the first
** k fields (rounded up; 1 when the k fields are unique). Lines name their
** index, so an index added or dropped later only loses its own line.
** Statistics are estimates: a plan chosen from stale ones reads the same
** rows, only perhaps more slowly.
*/
#ifndef TITO_TABLE_STATS_H
#define TITO_TABLE_STATS_H
#include "table.h"

typedef struct tito_path_stats {
  int64_t nEntry;  /* entries of the path; -1: not analyzed */
  int nField;      /* key fields counted */
  int64_t *aAvg;   /* aAvg[k]: entries per value of fields 0..k */
} tito_path_stats;

typedef struct tito_stats {
  int64_t iWhen;          /* unix seconds of the analysis */
  int nPath;              /* 1 + the model's indexes */
  tito_path_stats *aPath; /* [0] primary key, [1 + i] index i */
} tito_stats;

/* Count every path of pTab's model and store the result (a write in the
** store's current transaction). *ppStats gets the new statistics. */
int tito_stats_analyze(tito_table *, int64_t iNow, tito_stats **ppStats);

/* The stored statistics of pTab's model, or *ppStats = NULL if it has
** none. A SQLite result code. */
int tito_stats_load(tito_table *, tito_stats **ppStats);

/* Forget the stored statistics (SQLITE_OK if there were none). */
int tito_stats_clear(tito_table *);

void tito_stats_free(tito_stats *);

/* The stored text of pStats (sqlite3_malloc'd), for people. */
char *tito_stats_text(const tito_model *, const tito_stats *);

#endif
