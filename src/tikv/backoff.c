/*
** backoff.c: per-operation bounded exponential backoff (region_call.h).
** Each class has a base and a cap (client-go's values, protocol sheet 3.6);
** the n-th sleep of a class is min(cap, base * 2^n) with "equal jitter"
** (half fixed, half random). The total sleep of one operation is bounded
** by its budget; past it, the operation fails with TITO_UNAVAILABLE.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "region_call.h"
#include "stats.h"

static const struct {
  int msBase, msCap;
  const char *zName;
} aClass[TIKV_BO_NKIND] = {
    [TIKV_BO_TIKV_RPC] = {100, 2000, "tikvRPC"},
    [TIKV_BO_REGION_MISS] = {2, 500, "regionMiss"},
    [TIKV_BO_REGION_SCHEDULING] = {2, 500, "regionScheduling"},
    [TIKV_BO_SERVER_BUSY] = {2000, 10000, "serverBusy"},
    [TIKV_BO_STALE_CMD] = {2, 1000, "staleCommand"},
    [TIKV_BO_MAX_TS_NOT_SYNCED] = {2, 500, "maxTsNotSynced"},
    [TIKV_BO_REGION_NOT_INIT] = {2, 1000, "regionNotInitialized"},
    [TIKV_BO_DISK_FULL] = {500, 5000, "diskFull"},
    [TIKV_BO_RECOVERY] = {100, 10000, "recoveryInProgress"},
    [TIKV_BO_WITNESS] = {1000, 10000, "isWitness"},
    [TIKV_BO_PD_RPC] = {500, 3000, "pdRPC"},
    [TIKV_BO_TXN_LOCK] = {100, 3000, "txnLock"},
    [TIKV_BO_TXN_LOCK_FAST] = {2, 3000, "txnLockFast"},
    [TIKV_BO_TXN_NOT_FOUND] = {2, 500, "txnNotFound"},
};

void tikv_backoff_init_budget(tikv_backoff *bo, tikv_client *pClient,
                              int msBudget) {
  memset(bo, 0, sizeof(*bo));
  bo->pClient = pClient;
  bo->msBudget = msBudget > 0 ? msBudget : 20000;
}

void tikv_backoff_init(tikv_backoff *bo, tikv_client *pClient) {
  tikv_backoff_init_budget(bo, pClient,
                           pClient ? tikv_client_max_backoff_ms(pClient) : 0);
}

/* A small per-call random number (jitter needs no quality). */
static unsigned jitter(tikv_backoff *bo, unsigned range) {
  uint64_t x = (uint64_t)(uintptr_t)bo ^ ((uint64_t)bo->nRetry << 17) ^
               ((uint64_t)bo->msSlept << 7);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  x ^= (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull;
  x ^= x >> 29;
  return range ? (unsigned)(x % range) : 0;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

int tikv_backoff_sleep_max(tikv_backoff *bo, int kind, int msMax,
                           char **pzErr) {
  int64_t ms;
  int a;
  if (kind < 0 || kind >= TIKV_BO_NKIND) kind = TIKV_BO_REGION_MISS;
  if (bo->msSlept >= bo->msBudget) {
    return tikv_error(pzErr, TITO_UNAVAILABLE,
                      "gave up after %d retries and %d ms of backoff: %s",
                      bo->nRetry, bo->msSlept,
                      bo->zLast[0] ? bo->zLast : "retry budget spent");
  }
  a = bo->aAttempt[kind] < 20 ? bo->aAttempt[kind] : 20;
  ms = (int64_t)aClass[kind].msBase << a;
  if (ms > aClass[kind].msCap) ms = aClass[kind].msCap;
  ms = ms / 2 + jitter(bo, (unsigned)(ms / 2 + 1));
  if (msMax >= 0 && ms > msMax) ms = msMax;
  if (ms > bo->msBudget - bo->msSlept) ms = bo->msBudget - bo->msSlept;
  if (ms < 1) ms = 1;
  bo->aAttempt[kind]++;
  bo->nFastRetry = 0;
  sleep_ms((int)ms);
  bo->msSlept += (int)ms;
  tikv_stats_add(TIKV_STAT_BACKOFF_MS, ms);
  return TITO_OK;
}

int tikv_backoff_sleep(tikv_backoff *bo, int kind, char **pzErr) {
  return tikv_backoff_sleep_max(bo, kind, -1, pzErr);
}

const char *tikv_backoff_class_name(int kind) {
  return (kind >= 0 && kind < TIKV_BO_NKIND) ? aClass[kind].zName : "?";
}
