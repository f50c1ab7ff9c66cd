/*
** stats.h: process-wide counters of the TiKV client (RPCs by method with
** their total time, retries, backoff time, region cache hits and misses,
** conflicts, resolved locks, commits, bytes). Lock-free (C11 atomics), callable from any
** thread; the virtual tables expose a snapshot as a table.
*/
#ifndef TITO_TIKV_STATS_H
#define TITO_TIKV_STATS_H

#include <stdint.h>

/* Counters other than per-method RPCs. */
enum {
  TIKV_STAT_RETRIES = 0,     /* requests re-sent after a region/transport error */
  TIKV_STAT_BACKOFF_MS,      /* milliseconds slept in backoff */
  TIKV_STAT_CACHE_HIT,       /* region cache lookups answered from the cache */
  TIKV_STAT_CACHE_MISS,      /* region cache lookups that asked PD */
  TIKV_STAT_CONFLICTS,       /* write conflicts reported to callers */
  TIKV_STAT_RESOLVED_LOCKS,  /* locks resolved (rolled back or forward) */
  TIKV_STAT_REGION_ERRORS,   /* region errors received from TiKV */
  TIKV_STAT_RPC_ERRORS,      /* RPCs that failed in transport / deadline */
  TIKV_STAT_PD_RECONNECTS,   /* PD leader (re)discoveries after a failure */
  TIKV_STAT_TSO_TIMESTAMPS,  /* timestamps handed out (vs Tso round trips) */
  TIKV_STAT_COMMITS,         /* transactions committed (with writes) */
  TIKV_STAT_COMMIT_FAILURES, /* commits that failed (any error) */
  TIKV_STAT_BYTES_WRITTEN,   /* key + value bytes of committed mutations */
  TIKV_STAT_BYTES_READ,      /* key + value bytes received by reads */
  TIKV_STAT_NCOUNTER
};

/* Record one RPC: zMethod is the method name ("KvGet", "Tso") or a full
** path ("/tikvpb.Tikv/KvGet"; the part after the last '/' is used). */
void tikv_stats_rpc(const char *zMethod, int64_t usElapsed);

/* Add n to counter eCounter (a TIKV_STAT_* value). */
void tikv_stats_add(int eCounter, int64_t n);

/* One row of a snapshot. Rows for RPCs are named "rpc.<Method>" (n = calls,
** us = total microseconds); counters are named as in tikv_stat_name()
** (n = value, us = 0). zName points to static storage. */
typedef struct tikv_stat_row {
  const char *zName;
  int64_t n;
  int64_t us;
} tikv_stat_row;

/* Write up to nMax rows (counters first, then every RPC method called at
** least once); returns the number written. TIKV_STATS_MAX_ROWS always
** suffices. */
#define TIKV_STATS_MAX_ROWS 64
int tikv_stats_snapshot(tikv_stat_row *a, int nMax);

/* Zero every counter. */
void tikv_stats_reset(void);

/* Calls recorded so far for one method (name or full path). */
int64_t tikv_stats_rpc_count(const char *zMethod);

/* Current value of one counter. */
int64_t tikv_stats_get(int eCounter);

/* The row name of a counter ("retries", "backoff_ms", ...). */
const char *tikv_stat_name(int eCounter);

#endif /* TITO_TIKV_STATS_H */
