/*
** tikv_bench.c: RPCs per operation of the TiKV transaction client, against
** the floor each operation needs (issue 2):
**   begin + get                   = 1 Tso + 1 KvGet
**   commit touching one region    = 2 Tso + 1 KvPrewrite + 1 KvCommit
**   batch get, n keys, r regions  = r KvBatchGet
**   scan of n keys                = ceil(n / page) KvScan per region
** Every RPC counted by the client (src/tikv/stats.h), PD ones included, is
** shown per operation; a figure above the floor is flagged.
**
** Cluster: $TITO_TIKV_PD if set, else a fake one started here with
** test/fake_tikv/start.sh (run from the repository root) and stopped at the
** end. Figures are measured with a warm region cache (one untimed run of
** each operation first), as a long-lived connection sees them.
**
** Every key lies under the run's own prefix (test/tikv/testkeys.h; on the
** fake its range is split into the 4 regions the figures name) and is
** deleted at the end, so a shared real cluster can run it. Floors that
** depend on regions are computed from where the client locates the keys,
** never assumed.
*/
#include "client.h"
#include "stats.h"
#include "testkeys.h"
#include "txn.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static tikv_client *g_client;
static int g_nAbove = 0;

/* Key i of a named set: under the prefix, first letter c (testkeys.h). */
static const char *bkey(char c, const char *zName, int i, char *zOut,
                        size_t nOut) {
  char z[64];
  snprintf(z, sizeof z, "%s%06d", zName, i);
  snprintf(zOut, nOut, "%s", tk_key(c, z));
  return zOut;
}

/* Regions the sorted keys az[0..n) lie in, and the KvScan floor of reading
** them with pages of nPage: one request per page-full per region. */
static int regions_of(char (*az)[160], int n, int nPage, int *pnScan) {
  int nReg = 0, nRun = 0, nScan = 0;
  uint64_t last = 0;
  for (int i = 0; i < n; i++) {
    tikv_region r;
    memset(&r, 0, sizeof r);
    uint64_t id = 0;
    if (tikv_locate(g_client, (const uint8_t *)az[i], strlen(az[i]), &r, NULL) == 0)
      id = r.id;
    tikv_region_clear(&r);
    if (i == 0 || id != last) {
      if (i) nScan += (nRun + nPage - 1) / nPage;
      nReg++;
      nRun = 0;
      last = id;
    }
    nRun++;
  }
  nScan += (nRun + nPage - 1) / nPage;
  if (pnScan) *pnScan = nScan;
  return nReg;
}

static int str_cmp(const void *a, const void *b) {
  return strcmp((const char *)a, (const char *)b);
}

static const char *azMethod[] = {
    "Tso", "GetRegion", "GetPrevRegion", "GetStore", "GetMembers",
    "KvGet", "KvBatchGet", "KvScan", "KvPrewrite", "KvCommit",
    "KvBatchRollback", "KvCheckTxnStatus", "KvResolveLock", "KvTxnHeartBeat"};
#define NMETHOD (int)(sizeof azMethod / sizeof azMethod[0])

typedef struct snap {
  int64_t a[NMETHOD];
} snap;

static void take(snap *s) {
  for (int i = 0; i < NMETHOD; i++) s->a[i] = tikv_stats_rpc_count(azMethod[i]);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

/* Print per-op RPCs between two snapshots against a floor given as
** "Method=n,Method=n". */
static void report(const char *zOp, const snap *s0, const snap *s1, int nOp,
                   const char *zFloor, double ms) {
  char zGot[512] = "";
  size_t o = 0;
  int bAbove = 0;
  for (int i = 0; i < NMETHOD; i++) {
    int64_t d = s1->a[i] - s0->a[i];
    if (d == 0) continue;
    double per = (double)d / nOp;
    o += snprintf(zGot + o, sizeof zGot - o, "%s%s=%g", o ? " " : "",
                  azMethod[i], per);
    /* floor of this method */
    double fl = 0;
    const char *p = strstr(zFloor, azMethod[i]);
    while (p && (p[strlen(azMethod[i])] != '=' || (p != zFloor && p[-1] != ' ')))
      p = strstr(p + 1, azMethod[i]);
    if (p) fl = atof(p + strlen(azMethod[i]) + 1);
    if (per > fl + 1e-9) bAbove = 1;
  }
  printf("%-52s %-40s floor: %-32s %s  (%.2f ms/op)\n", zOp, zGot, zFloor,
         bAbove ? "ABOVE FLOOR" : "at floor", ms / nOp);
  g_nAbove += bAbove;
}

static int put_keys(char cFirst, const char *zName, int n, int bSpread) {
  tikv_txn *t = NULL;
  char *zErr = NULL;
  int rc = tikv_txn_begin(g_client, 0, &t, &zErr);
  for (int i = 0; i < n && rc == 0; i++) {
    char k[160];
    char c = bSpread ? "ahou"[i % 4] : cFirst;
    bkey(c, zName, i, k, sizeof k);
    rc = tikv_txn_put(t, (const uint8_t *)k, strlen(k), (const uint8_t *)"value", 5,
                      &zErr);
  }
  if (rc == 0) rc = tikv_txn_commit(t, &zErr);
  if (rc) fprintf(stderr, "put_keys: %s\n", zErr ? zErr : "?");
  free(zErr);
  tikv_txn_free(t);
  return rc;
}

static void bench_get(int nOp) {
  char k[160];
  put_keys('x', "get", 1, 0);
  bkey('x', "get", 0, k, sizeof k);
  snap s0, s1;
  double t0 = 0;
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) {
      take(&s0);
      t0 = now_ms();
    }
    for (int i = 0; i < (pass ? nOp : 1); i++) {
      tikv_txn *t = NULL;
      uint8_t *v = NULL;
      size_t nv = 0;
      char *zErr = NULL;
      if (tikv_txn_begin(g_client, 0, &t, &zErr) == 0)
        tikv_txn_get(t, (const uint8_t *)k, strlen(k), &v, &nv, &zErr);
      free(v);
      free(zErr);
      tikv_txn_free(t);
    }
  }
  take(&s1);
  report("begin + get", &s0, &s1, nOp, "Tso=1 KvGet=1", now_ms() - t0);
}

static void bench_commit(int nOp, int nKeys) {
  snap s0, s1;
  double t0 = 0;
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) {
      take(&s0);
      t0 = now_ms();
    }
    for (int i = 0; i < (pass ? nOp : 1); i++) put_keys('y', "commit", nKeys, 0);
  }
  take(&s1);
  char (*az)[160] = malloc(nKeys * sizeof(*az));
  int nReg = 1;
  if (az) {
    for (int i = 0; i < nKeys; i++) bkey('y', "commit", i, az[i], sizeof az[i]);
    nReg = regions_of(az, nKeys, 1, NULL);
    free(az);
  }
  /* the primary's region is committed first, the others after it */
  char zOp[64], zFloor[96];
  snprintf(zOp, sizeof zOp, "begin + %d puts + commit, %d region%s", nKeys,
           nReg, nReg > 1 ? "s" : "");
  snprintf(zFloor, sizeof zFloor, "Tso=2 KvPrewrite=%d KvCommit=%d", nReg, nReg);
  report(zOp, &s0, &s1, nOp, zFloor, now_ms() - t0);
}

static int cnt(void *p, int ix, const uint8_t *v, size_t nv);

static void bench_batch_get(int nOp, int nKeys) {
  put_keys(0, "bg", nKeys, 1); /* spread over the 4 regions */
  const uint8_t **ap = malloc(nKeys * sizeof(*ap));
  size_t *an = malloc(nKeys * sizeof(*an));
  char (*az)[160] = malloc(nKeys * sizeof(*az));
  char (*azSorted)[160] = malloc(nKeys * sizeof(*azSorted));
  if (!ap || !an || !az || !azSorted) return;
  for (int i = 0; i < nKeys; i++) {
    bkey("ahou"[i % 4], "bg", i, az[i], sizeof az[i]);
    ap[i] = (const uint8_t *)az[i];
    an[i] = strlen(az[i]);
  }
  memcpy(azSorted, az, nKeys * sizeof(*az));
  qsort(azSorted, nKeys, sizeof(*azSorted), str_cmp);
  int nReg = regions_of(azSorted, nKeys, 1, NULL);
  free(azSorted);
  snap s0, s1;
  double t0 = 0;
  tikv_txn *t = NULL;
  char *zErr = NULL;
  tikv_txn_begin(g_client, 0, &t, &zErr);
  int nFound = 0;
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) {
      take(&s0);
      t0 = now_ms();
    }
    for (int i = 0; i < (pass ? nOp : 1); i++) {
      tikv_txn_batch_get(t, nKeys, ap, an, cnt, &nFound, &zErr);
    }
  }
  take(&s1);
  char zOp[64], zFloor[64];
  snprintf(zOp, sizeof zOp, "batch get, %d keys in %d regions", nKeys, nReg);
  snprintf(zFloor, sizeof zFloor, "KvBatchGet=%d", nReg);
  report(zOp, &s0, &s1, nOp, zFloor, now_ms() - t0);
  if (nFound != nKeys * (nOp + 1)) printf("  (found %d of %d)\n", nFound, nKeys * (nOp + 1));
  tikv_txn_free(t);
  free(zErr);
  free(ap);
  free(an);
  free(az);
}

static int cnt(void *p, int ix, const uint8_t *v, size_t nv) {
  (void)ix;
  (void)v;
  (void)nv;
  (*(int *)p)++;
  return 0;
}

/* Load the scan data: 1000 keys in one region ('w', the last region of the
** prefix on the fake) and 1000 keys spread over the four regions ('a', 'h',
** 'o', 'u'), written before any other data so that the spread range holds
** only them. */
static void load_scan_data(void) {
  for (int set = 0; set < 2; set++) {
    for (int i = 0; i < 1000; i += 500) {
      tikv_txn *t = NULL;
      char *zErr = NULL;
      tikv_txn_begin(g_client, 0, &t, &zErr);
      for (int j = i; j < i + 500; j++) {
        char k[160];
        bkey(set ? "ahou"[j % 4] : 'w', "s", j, k, sizeof k);
        tikv_txn_put(t, (const uint8_t *)k, strlen(k), (const uint8_t *)"v", 1, &zErr);
      }
      if (tikv_txn_commit(t, &zErr)) fprintf(stderr, "load: %s\n", zErr);
      tikv_txn_free(t);
      free(zErr);
    }
  }
}

/* Scan nKeys keys of the one-region set (bSpread 0) or all of the spread
** set; page size nPage. */
static void bench_scan(int nOp, int nKeys, int nPage, int bSpread, int bReverse) {
  char lo[160], hi[160];
  if (bSpread) {
    snprintf(lo, sizeof lo, "%s", tk_key('a', ""));
    snprintf(hi, sizeof hi, "%s", tk_key('v', ""));
  } else {
    bkey('w', "s", 0, lo, sizeof lo);
    bkey('w', "s", nKeys, hi, sizeof hi);
  }
  snap s0, s1;
  double t0 = 0;
  int nRow = 0;
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) {
      take(&s0);
      t0 = now_ms();
      nRow = 0;
    }
    for (int i = 0; i < (pass ? nOp : 1); i++) {
      tikv_txn *t = NULL;
      char *zErr = NULL;
      tikv_scan *s = NULL;
      tikv_txn_begin(g_client, 0, &t, &zErr);
      tikv_txn_set_scan_page(t, nPage);
      int rc = tikv_txn_scan(t, (const uint8_t *)lo, strlen(lo), (const uint8_t *)hi,
                             strlen(hi), bReverse ? TIKV_SCAN_REVERSE : 0, 0, &s, &zErr);
      while (rc == 0 && !tikv_scan_eof(s)) {
        nRow++;
        rc = tikv_scan_next(s, &zErr);
      }
      if (rc) fprintf(stderr, "scan: %s\n", zErr ? zErr : "?");
      tikv_scan_close(s);
      tikv_txn_free(t);
      free(zErr);
    }
  }
  take(&s1);
  /* the keys scanned, in key order, located */
  int nReg = 1, nScan = 1;
  char (*az)[160] = malloc(nKeys * sizeof(*az));
  if (az) {
    for (int i = 0; i < nKeys; i++)
      bkey(bSpread ? "ahou"[i % 4] : 'w', "s", i, az[i], sizeof az[i]);
    qsort(az, nKeys, sizeof(*az), str_cmp);
    nReg = regions_of(az, nKeys, nPage, &nScan);
    free(az);
  }
  char zOp[96], zFloor[64];
  snprintf(zOp, sizeof zOp, "begin + %s scan, %d keys, %d region%s, page %d",
           bReverse ? "reverse" : "forward", nKeys, nReg, nReg > 1 ? "s" : "",
           nPage);
  snprintf(zFloor, sizeof zFloor, "Tso=1 KvScan=%d", nScan);
  report(zOp, &s0, &s1, nOp, zFloor, now_ms() - t0);
  if (nRow != nKeys * nOp) printf("  (rows %d, expected %d)\n", nRow, nKeys * nOp);
}

/* The one-region set scanned with limit = its size. */
static void bench_scan_limit(int nOp, int nKeys, int nPage) {
  char lo[160], hi[160];
  bkey('w', "s", 0, lo, sizeof lo);
  bkey('w', "s", nKeys, hi, sizeof hi);
  snap s0, s1;
  take(&s0);
  double t0 = now_ms();
  int nRow = 0;
  for (int i = 0; i < nOp; i++) {
    tikv_txn *t = NULL;
    char *zErr = NULL;
    tikv_scan *s = NULL;
    tikv_txn_begin(g_client, 0, &t, &zErr);
    tikv_txn_set_scan_page(t, nPage);
    int rc = tikv_txn_scan(t, (const uint8_t *)lo, strlen(lo), (const uint8_t *)hi,
                           strlen(hi), 0, nKeys, &s, &zErr);
    while (rc == 0 && !tikv_scan_eof(s)) {
      nRow++;
      rc = tikv_scan_next(s, &zErr);
    }
    tikv_scan_close(s);
    tikv_txn_free(t);
    free(zErr);
  }
  take(&s1);
  int nScan = 1;
  char (*az)[160] = malloc(nKeys * sizeof(*az));
  if (az) {
    for (int i = 0; i < nKeys; i++) bkey('w', "s", i, az[i], sizeof az[i]);
    regions_of(az, nKeys, nPage, &nScan);
    free(az);
  }
  char zOp[96], zFloor[64];
  snprintf(zOp, sizeof zOp, "begin + scan limit %d, %d keys, page %d", nKeys,
           nKeys, nPage);
  snprintf(zFloor, sizeof zFloor, "Tso=1 KvScan=%d", nScan);
  report(zOp, &s0, &s1, nOp, zFloor, now_ms() - t0);
  if (nRow != nKeys * nOp) printf("  (rows %d, expected %d)\n", nRow, nKeys * nOp);
}

int main(void) {
  const char *zPd = getenv("TITO_TIKV_PD");
  char zLine[512] = "";
  char zPid[32] = "";
  if (!zPd || !zPd[0]) {
    FILE *f = popen("test/fake_tikv/start.sh --max-life 600", "r");
    if (!f || !fgets(zLine, sizeof zLine, f)) {
      fprintf(stderr, "tikv_bench: cannot start the fake cluster (run from the repository root)\n");
      if (f) pclose(f);
      return 1;
    }
    pclose(f);
    char *p = strstr(zLine, "PD="), *q = strstr(zLine, "PID=");
    char *c = strstr(zLine, "CONTROL=");
    if (!p || !q || !c) return 1;
    snprintf(zPid, sizeof zPid, "%s", q + 4);
    zPid[strcspn(zPid, " \n")] = 0;
    c += 8;
    c[strcspn(c, " \n")] = 0;
    setenv("TITO_FAKE_CONTROL", c, 1); /* testkeys.h lays regions out */
    p += 3;
    *strchr(p, ' ') = 0;
    zPd = p;
    printf("fake cluster (test/fake_tikv): 3 stores, regions split at g n t\n");
  } else {
    printf("cluster: TITO_TIKV_PD=%s\n", zPd);
  }
  tikv_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.zPdEndpoints = zPd;
  char *zErr = NULL;
  int rc = tikv_client_open(&cfg, &g_client, &zErr);
  if (rc == 0 && tk_init("bench") != 0) {
    fprintf(stderr, "tikv_bench: laying out the bench's regions failed\n");
    tikv_client_close(g_client);
    rc = 1;
  } else if (rc) {
    fprintf(stderr, "tikv_bench: %s\n", zErr ? zErr : "open failed");
  } else {
    printf("RPCs per operation (warm region cache):\n");
    load_scan_data();
    bench_scan(20, 100, 256, 0, 0);
    bench_scan(20, 1000, 256, 0, 0);
    bench_scan(20, 1000, 256, 0, 1);
    bench_scan(20, 1000, 256, 1, 0);
    bench_scan(20, 1000, 256, 1, 1);
    bench_scan(20, 1000, 100, 1, 0);
    printf("exact multiple of the page (KvScan has no 'more' flag: each page asks\n"
           "for one pair more, so a full last page needs no empty KvScan):\n");
    bench_scan(20, 1000, 250, 0, 0);
    bench_scan_limit(20, 1000, 250);
    bench_get(200);
    bench_commit(100, 1);
    bench_commit(50, 20);
    bench_batch_get(50, 100);
    printf("%s\n", g_nAbove ? "some figures are above their floor"
                             : "every figure is at its floor");
    int64_t nDel = tk_cleanup(g_client);
    printf("cleanup: %lld keys of %s deleted%s\n", (long long)nDel, tk_zPrefix,
           tk_is_empty(g_client) ? "" : " (some are left!)");
    tikv_client_close(g_client);
  }
  free(zErr);
  if (zPid[0]) {
    char zCmd[64];
    snprintf(zCmd, sizeof zCmd, "test/fake_tikv/stop.sh %s", zPid);
    if (system(zCmd) != 0) fprintf(stderr, "tikv_bench: stop.sh failed\n");
  }
  return rc ? 1 : 0;
}
