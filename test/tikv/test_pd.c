/*
** test_pd.c: the PD side of the TiKV client against a cluster (the fake by
** default; TITO_TIKV_PD names the endpoints, TITO_FAKE_CONTROL the fake's
** control port). Covers: discovery and cluster id, the shared client
** registry, TSO monotonicity, TSO batching under concurrency (fewer Tso
** round trips than timestamps), PD leader change while in use, injected PD
** faults (dropped call, delayed Tso past the deadline).
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"
#include "control.h"
#include "client_int.h"
#include "pd.h"
#include "region_call.h"
#include "stats.h"

static const char *zPd;

static int64_t ms_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static tikv_client *open_client(int msTimeout, int msBackoff) {
  tikv_config cfg;
  tikv_client *p = 0;
  char *zErr = 0;
  memset(&cfg, 0, sizeof(cfg));
  cfg.zPdEndpoints = zPd;
  cfg.msTimeout = msTimeout;
  cfg.msMaxBackoff = msBackoff;
  if (tikv_client_open(&cfg, &p, &zErr) != TITO_OK) {
    printf("# open failed: %s\n", zErr ? zErr : "?");
  }
  free(zErr);
  return p;
}

static void test_open_shared(void) {
  tikv_client *a = open_client(0, 0), *b = open_client(0, 0);
  tikv_client *c = open_client(1234, 0);
  CHECK(a != 0 && b != 0 && c != 0);
  CHECK(a == b);        /* same configuration: one shared client */
  CHECK(a != c);        /* another timeout: another client */
  if (a) {
    CHECK(tikv_client_cluster_id(a) != 0);
    CHECK(tikv_client_timeout_ms(a) == 3000);
    CHECK(tikv_client_max_backoff_ms(a) == 20000);
    char *zLeader = tikv_pd_leader(tikv_client_pd(a));
    CHECK(zLeader != 0 && strchr(zLeader, ':') && !strstr(zLeader, "http"));
    if (ctl_addr() && zLeader) {
      char r[256];
      CHECK(ctl(ctl_addr(), "pd_leader", r, sizeof r) == 0);
      CHECK(strstr(r, zLeader) != 0);
    }
    free(zLeader);
  }
  if (c) CHECK(tikv_client_cluster_id(c) == tikv_client_cluster_id(a));
  tikv_client_close(b);
  tikv_client_close(c);
  /* a is still usable after b's close: the reference count kept it. */
  uint64_t ts = 0;
  CHECK(a && tikv_get_ts(a, &ts, 0) == TITO_OK && ts != 0);
  tikv_client_close(a);
  check_group("PD discovery: cluster id, leader, shared refcounted client");
}

static void test_tso_monotonic(void) {
  tikv_client *p = open_client(0, 0);
  uint64_t prev = 0, ts = 0;
  int ok = p != 0;
  tikv_stats_reset();
  for (int i = 0; ok && i < 500; i++) {
    if (tikv_get_ts(p, &ts, 0) != TITO_OK || ts <= prev) ok = 0;
    prev = ts;
  }
  CHECK(ok);
  /* Physical part is Unix ms (the fake's clock may have been advanced by
  ** earlier lock-TTL tests, never set back). */
  int64_t phys = TIKV_TS_PHYSICAL(ts);
  CHECK(phys > wall_ms() - 600000 && phys < wall_ms() + 7 * 86400000LL);
  /* Sequential callers: one round trip each. */
  CHECK(tikv_stats_rpc_count("Tso") == 500);
  CHECK(tikv_stats_get(TIKV_STAT_TSO_TIMESTAMPS) == 500);
  tikv_client_close(p);
  check_group("TSO: strictly increasing, physical ms layout");
}

#define N_THREAD 8
#define N_PER_THREAD 300

typedef struct tso_job {
  tikv_client *p;
  uint64_t a[N_PER_THREAD];
  int rc;
} tso_job;

static void *tso_thread(void *pArg) {
  tso_job *j = pArg;
  j->rc = TITO_OK;
  for (int i = 0; i < N_PER_THREAD && j->rc == TITO_OK; i++) {
    j->rc = tikv_get_ts(j->p, &j->a[i], 0);
  }
  return 0;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Run N_THREAD threads of N_PER_THREAD get_ts; checks and returns the
** number of Tso round trips. */
static int64_t run_tso_threads(tikv_client *p, int *pOk) {
  static tso_job aJob[N_THREAD];
  static uint64_t all[N_THREAD * N_PER_THREAD];
  pthread_t at[N_THREAD];
  int64_t nRpc0 = tikv_stats_rpc_count("Tso");
  int ok = 1, n = 0;
  for (int i = 0; i < N_THREAD; i++) {
    aJob[i].p = p;
    pthread_create(&at[i], 0, tso_thread, &aJob[i]);
  }
  for (int i = 0; i < N_THREAD; i++) pthread_join(at[i], 0);
  for (int i = 0; i < N_THREAD; i++) {
    if (aJob[i].rc != TITO_OK) ok = 0;
    for (int k = 0; k < N_PER_THREAD; k++) {
      if (k > 0 && aJob[i].a[k] <= aJob[i].a[k - 1]) ok = 0;
      all[n++] = aJob[i].a[k];
    }
  }
  qsort(all, (size_t)n, sizeof(all[0]), cmp_u64);
  for (int i = 1; i < n; i++) {
    if (all[i] == all[i - 1]) ok = 0; /* every timestamp handed out once */
  }
  *pOk = ok;
  return tikv_stats_rpc_count("Tso") - nRpc0;
}

static void test_tso_batched(void) {
  tikv_client *p = open_client(0, 0);
  int ok = 0;
  if (!p) {
    CHECK(p != 0);
    check_group("TSO: concurrent callers batched into fewer round trips");
    return;
  }
  tikv_stats_reset();
  int64_t nRpc = run_tso_threads(p, &ok);
  CHECK(ok);
  CHECK(tikv_stats_get(TIKV_STAT_TSO_TIMESTAMPS) == N_THREAD * N_PER_THREAD);
  printf("# %d timestamps from %lld Tso round trips\n",
         N_THREAD * N_PER_THREAD, (long long)nRpc);
  CHECK(nRpc > 0 && nRpc < N_THREAD * N_PER_THREAD);
  if (ctl_addr()) {
    /* The server saw the same number of TsoRequests. */
    char r[4096];
    CHECK(ctl(ctl_addr(), "stats", r, sizeof r) == 0);
    char *z = strstr(r, "Tso=");
    CHECK(z && atoll(z + 4) >= nRpc);
  }
  tikv_client_close(p);
  check_group("TSO: concurrent callers batched into fewer round trips");
}

static void test_leader_change(void) {
  const char *zCtl = ctl_addr();
  if (!zCtl) {
    printf("ok - PD leader change # skip needs the fake's control channel\n");
    return;
  }
  tikv_client *p = open_client(1000, 20000);
  char r[512], *zErr = 0;
  tikv_region reg;
  uint64_t ts1 = 0, ts2 = 0;
  int ok = 0;
  memset(&reg, 0, sizeof(reg));
  CHECK(p != 0);
  if (!p) goto done;
  CHECK(tikv_get_ts(p, &ts1, 0) == TITO_OK);
  char *zOld = tikv_pd_leader(tikv_client_pd(p));
  int64_t nRe = tikv_stats_get(TIKV_STAT_PD_RECONNECTS);
  CHECK(ctl(zCtl, "pd_kill_leader", r, sizeof r) == 0);
  /* TSO (stream) and a unary PD call both find the new leader. */
  CHECK(tikv_get_ts(p, &ts2, &zErr) == TITO_OK && ts2 > ts1);
  if (zErr) printf("# %s\n", zErr);
  CHECK(tikv_locate(p, (const uint8_t *)"q", 1, &reg, &zErr) == TITO_OK);
  tikv_region_clear(&reg);
  char *zNew = tikv_pd_leader(tikv_client_pd(p));
  CHECK(zOld && zNew && strcmp(zOld, zNew) != 0 && strstr(r, zNew));
  CHECK(tikv_stats_get(TIKV_STAT_PD_RECONNECTS) > nRe);
  free(zOld);
  free(zNew);
  /* A second change, with threads using the TSO while it happens. */
  CHECK(ctl(zCtl, "pd_kill_leader", r, sizeof r) == 0);
  run_tso_threads(p, &ok);
  CHECK(ok);
  CHECK(ctl(zCtl, "pd_revive", r, sizeof r) == 0);
done:
  free(zErr);
  tikv_client_close(p);
  check_group("PD leader change: TSO stream and unary calls fail over");
}

static void test_pd_faults(void) {
  const char *zCtl = ctl_addr();
  if (!zCtl) {
    printf("ok - PD faults # skip needs the fake's control channel\n");
    return;
  }
  tikv_client *p = open_client(500, 20000);
  char r[512], *zErr = 0;
  tikv_region reg;
  uint64_t ts = 0;
  memset(&reg, 0, sizeof(reg));
  CHECK(p != 0);
  if (!p) goto done;
  /* A dropped GetRegion is retried. */
  int64_t nGet = tikv_stats_rpc_count("GetRegion");
  CHECK(ctl(zCtl, "fault GetRegion Drop 1", r, sizeof r) == 0);
  CHECK(tikv_locate(p, (const uint8_t *)"zz", 2, &reg, &zErr) == TITO_OK);
  CHECK(tikv_region_contains(&reg, (const uint8_t *)"zz", 2));
  CHECK(tikv_stats_rpc_count("GetRegion") - nGet == 2);
  tikv_region_clear(&reg);
  /* A Tso answer slower than the deadline: the stream is dropped and
  ** reopened; the caller still gets a timestamp. */
  int64_t t0 = ms_now();
  int64_t nErr = tikv_stats_get(TIKV_STAT_RPC_ERRORS);
  CHECK(ctl(zCtl, "fault Tso Delay:1500 1", r, sizeof r) == 0);
  CHECK(tikv_get_ts(p, &ts, &zErr) == TITO_OK && ts != 0);
  CHECK(ms_now() - t0 >= 450);
  CHECK(tikv_stats_get(TIKV_STAT_RPC_ERRORS) > nErr);
  uint64_t ts2 = 0;
  CHECK(tikv_get_ts(p, &ts2, 0) == TITO_OK && ts2 > ts);
done:
  free(zErr);
  tikv_client_close(p);
  check_group("PD faults: dropped call retried, slow Tso times out and retries");
}

static void test_pd_give_up(void) {
  const char *zCtl = ctl_addr();
  if (!zCtl) {
    printf("ok - PD unreachable # skip needs the fake's control channel\n");
    return;
  }
  /* Every GetRegion dropped for longer than the budget: a bounded wait,
  ** then TITO_UNAVAILABLE naming PD. */
  tikv_client *p = open_client(500, 1500);
  char r[512], *zErr = 0;
  tikv_region reg;
  memset(&reg, 0, sizeof(reg));
  CHECK(p != 0);
  if (p) {
    CHECK(ctl(zCtl, "fault GetRegion Drop 1000", r, sizeof r) == 0);
    int64_t t0 = ms_now();
    int rc = tikv_locate(p, (const uint8_t *)"k", 1, &reg, &zErr);
    int64_t dt = ms_now() - t0;
    CHECK(rc == TITO_UNAVAILABLE);
    CHECK(zErr && strstr(zErr, "PD"));
    CHECK(dt >= 1000 && dt < 10000);
    if (zErr) printf("# %s\n", zErr);
    CHECK(ctl(zCtl, "clear_faults", r, sizeof r) == 0);
    CHECK(tikv_locate(p, (const uint8_t *)"k", 1, &reg, 0) == TITO_OK);
    tikv_region_clear(&reg);
  }
  free(zErr);
  tikv_client_close(p);
  check_group("PD unreachable: bounded backoff, then TITO_UNAVAILABLE");
}

int main(void) {
  zPd = getenv("TITO_TIKV_PD");
  if (!zPd || !zPd[0]) {
    printf("ok - test_pd # skip TITO_TIKV_PD is not set\n");
    return 0;
  }
  test_open_shared();
  test_tso_monotonic();
  test_tso_batched();
  test_leader_change();
  test_pd_faults();
  test_pd_give_up();
  return check_exit();
}
