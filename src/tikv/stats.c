/*
** stats.c: process-wide counters of the TiKV client (see stats.h). Each
** RPC method has a fixed slot in a static table, so recording is a lookup
** and two atomic adds, with no lock.
*/
#include <stdatomic.h>
#include <string.h>
#include "stats.h"

/* Every method the client may call; anything else lands in "Other". */
static const char *const azMethod[] = {
    "GetMembers", "Tso", "GetRegion", "GetPrevRegion", "GetRegionByID",
    "ScanRegions", "GetStore", "GetAllStores", "UpdateGCSafePoint",
    "KvGet", "KvScan", "KvBatchGet", "KvPrewrite", "KvCommit",
    "KvBatchRollback", "KvCleanup", "KvCheckTxnStatus", "KvResolveLock",
    "KvTxnHeartBeat", "KvCheckSecondaryLocks", "KvScanLock", "KvDeleteRange",
    "KvPessimisticLock", "KVPessimisticRollback", "Other"};
#define N_METHOD ((int)(sizeof(azMethod) / sizeof(azMethod[0])))

/* Row names of the counters, rows "rpc.<Method>" of the methods. */
static const char *const azCounter[TIKV_STAT_NCOUNTER] = {
    "retries",      "backoff_ms",    "region_cache_hits",
    "region_cache_misses", "conflicts", "resolved_locks",
    "region_errors", "rpc_errors",   "pd_reconnects",
    "tso_timestamps", "commits", "commit_failures", "bytes_written",
    "bytes_read"};
static const char *const azRow[] = {
    "rpc.GetMembers", "rpc.Tso", "rpc.GetRegion", "rpc.GetPrevRegion",
    "rpc.GetRegionByID", "rpc.ScanRegions", "rpc.GetStore",
    "rpc.GetAllStores", "rpc.UpdateGCSafePoint", "rpc.KvGet", "rpc.KvScan",
    "rpc.KvBatchGet", "rpc.KvPrewrite", "rpc.KvCommit", "rpc.KvBatchRollback",
    "rpc.KvCleanup", "rpc.KvCheckTxnStatus", "rpc.KvResolveLock",
    "rpc.KvTxnHeartBeat", "rpc.KvCheckSecondaryLocks", "rpc.KvScanLock",
    "rpc.KvDeleteRange", "rpc.KvPessimisticLock",
    "rpc.KVPessimisticRollback", "rpc.Other"};
_Static_assert(sizeof(azRow) == sizeof(azMethod), "one row name per method");

static _Atomic int64_t aRpcN[N_METHOD];
static _Atomic int64_t aRpcUs[N_METHOD];
static _Atomic int64_t aCounter[TIKV_STAT_NCOUNTER];

/* Slot of a method name or full path ("/svc/Method"). */
static int method_slot(const char *zMethod) {
  const char *z = zMethod ? strrchr(zMethod, '/') : 0;
  z = z ? z + 1 : (zMethod ? zMethod : "");
  for (int i = 0; i < N_METHOD - 1; i++) {
    if (strcmp(azMethod[i], z) == 0) return i;
  }
  return N_METHOD - 1;
}

void tikv_stats_rpc(const char *zMethod, int64_t usElapsed) {
  int i = method_slot(zMethod);
  atomic_fetch_add(&aRpcN[i], 1);
  atomic_fetch_add(&aRpcUs[i], usElapsed);
}

void tikv_stats_add(int eCounter, int64_t n) {
  if (eCounter >= 0 && eCounter < TIKV_STAT_NCOUNTER) {
    atomic_fetch_add(&aCounter[eCounter], n);
  }
}

int64_t tikv_stats_get(int eCounter) {
  if (eCounter < 0 || eCounter >= TIKV_STAT_NCOUNTER) return 0;
  return atomic_load(&aCounter[eCounter]);
}

const char *tikv_stat_name(int eCounter) {
  if (eCounter < 0 || eCounter >= TIKV_STAT_NCOUNTER) return "?";
  return azCounter[eCounter];
}

int tikv_stats_snapshot(tikv_stat_row *a, int nMax) {
  int n = 0;
  for (int i = 0; i < TIKV_STAT_NCOUNTER && n < nMax; i++) {
    a[n].zName = azCounter[i];
    a[n].n = atomic_load(&aCounter[i]);
    a[n].us = 0;
    n++;
  }
  for (int i = 0; i < N_METHOD && n < nMax; i++) {
    int64_t c = atomic_load(&aRpcN[i]);
    if (c == 0) continue;
    a[n].zName = azRow[i];
    a[n].n = c;
    a[n].us = atomic_load(&aRpcUs[i]);
    n++;
  }
  return n;
}

void tikv_stats_reset(void) {
  for (int i = 0; i < N_METHOD; i++) {
    atomic_store(&aRpcN[i], 0);
    atomic_store(&aRpcUs[i], 0);
  }
  for (int i = 0; i < TIKV_STAT_NCOUNTER; i++) atomic_store(&aCounter[i], 0);
}

int64_t tikv_stats_rpc_count(const char *zMethod) {
  return atomic_load(&aRpcN[method_slot(zMethod)]);
}
