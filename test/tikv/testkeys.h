/*
** testkeys.h: the key space of one TiKV test program (header-only).
**
** Every key a test or benchmark writes lies under one prefix unique to the
** run, "tito-test/<program>/<tag>/", so that runs against a shared real
** cluster (TITO_TIKV_PD) never see each other's keys or user data, and
** tk_cleanup() deletes everything the run wrote.
**
** Layout: keys are tk_key(c, name) = prefix + c + "/" + name, where the
** letter c picks a region on the fake cluster: tk_init() splits the
** prefix's range at prefix+"g", "n" and "t" and spreads the leaders over
** stores 1, 2, 3, 1 (the fake's default layout, moved under the prefix).
** On a real cluster nothing is split and nothing may be assumed about
** regions: tests compare RPC counts with figures computed from the layout
** (tk_same_region) or only on the fake (ctl_addr() != NULL).
*/
#ifndef TITO_TEST_TIKV_TESTKEYS_H
#define TITO_TEST_TIKV_TESTKEYS_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "control.h"
#include "region_call.h"
#include "txn.h"

static char tk_zPrefix[96]; /* "tito-test/<program>/<tag>/" */
static char tk_zEnd[96];    /* the first key above the prefix's range */

/* Make the run's prefix; on the fake, lay its regions out. 0 on success. */
static inline int tk_init(const char *zProgram) {
  unsigned tag = (unsigned)getpid() ^ (unsigned)time(NULL) ^
                 ((unsigned)clock() << 16);
  snprintf(tk_zPrefix, sizeof tk_zPrefix, "tito-test/%s/%08x/", zProgram, tag);
  snprintf(tk_zEnd, sizeof tk_zEnd, "%s", tk_zPrefix);
  tk_zEnd[strlen(tk_zEnd) - 1] = '/' + 1; /* "...tag0": above every key */
  if (!ctl_addr()) return 0;
  static const char azSplit[] = "gnt";
  for (int i = 0; i < 3; i++) {
    char zKey[128], hex[300], r[256];
    unsigned long long id = 0;
    int leader = 0, ver = 0;
    snprintf(zKey, sizeof zKey, "%s%c", tk_zPrefix, azSplit[i]);
    ctl_hex(zKey, strlen(zKey), hex);
    if (ctlf(r, sizeof r, "split %s", hex) != 0) return 1;
    if (ctlf(r, sizeof r, "region_of %s", hex) != 0 ||
        sscanf(r, "%llu %d %d", &id, &leader, &ver) != 3) {
      return 1;
    }
    /* regions g.., n.., t.. of the prefix led by stores 2, 3, 1 */
    if (ctlf(r, sizeof r, "move_leader %llu %d", id, (i + 1) % 3 + 1) != 0)
      return 1;
  }
  return 0;
}

/* prefix + c + "/" + name, in a ring of static buffers. The slot index is
** atomic: threads of one test call this at once, and a shared slot once
** turned one thread's counter key into another key (a "lost update" that
** was the test's own). Copy a key that must outlive 32 more calls. */
static inline const char *tk_key(char c, const char *zName) {
  static char a[32][300];
  static _Atomic unsigned i;
  char *z = a[atomic_fetch_add(&i, 1) % 32];
  snprintf(z, 300, "%s%c/%.180s", tk_zPrefix, c, zName);
  return z;
}

/* prefix + zSuffix, into zOut. */
static inline const char *tk_keyf(char *zOut, size_t nOut, const char *zSuffix) {
  snprintf(zOut, nOut, "%s%s", tk_zPrefix, zSuffix);
  return zOut;
}

/* 1 if the two keys are in one region now (as the client locates them). */
static inline int tk_same_region(tikv_client *c, const char *a, const char *b) {
  tikv_region ra, rb;
  memset(&ra, 0, sizeof ra);
  memset(&rb, 0, sizeof rb);
  int bSame = 0;
  if (tikv_locate(c, (const uint8_t *)a, strlen(a), &ra, NULL) == 0 &&
      tikv_locate(c, (const uint8_t *)b, strlen(b), &rb, NULL) == 0) {
    bSame = ra.id == rb.id;
  }
  tikv_region_clear(&ra);
  tikv_region_clear(&rb);
  return bSame;
}

/* Delete every key under the prefix, 1000 per transaction. Returns the
** number of keys deleted, or -1 on an error. */
static inline int64_t tk_cleanup(tikv_client *c) {
  int64_t nTotal = 0;
  for (;;) {
    tikv_txn *t = NULL;
    tikv_scan *s = NULL;
    char *zErr = NULL;
    int n = 0;
    int rc = tikv_txn_begin(c, 0, &t, &zErr);
    if (rc == 0) {
      rc = tikv_txn_scan(t, (const uint8_t *)tk_zPrefix, strlen(tk_zPrefix),
                         (const uint8_t *)tk_zEnd, strlen(tk_zEnd),
                         TIKV_SCAN_KEYONLY, 1000, &s, &zErr);
    }
    while (rc == 0 && !tikv_scan_eof(s)) {
      size_t nk;
      const uint8_t *k = tikv_scan_key(s, &nk);
      rc = tikv_txn_delete(t, k, nk, &zErr);
      n++;
      if (rc == 0) rc = tikv_scan_next(s, &zErr);
    }
    tikv_scan_close(s);
    if (rc == 0) rc = tikv_txn_commit(t, &zErr);
    if (rc) printf("# cleanup of %s: %s\n", tk_zPrefix, zErr ? zErr : "?");
    tikv_txn_free(t);
    free(zErr);
    if (rc) return -1;
    nTotal += n;
    if (n < 1000) return nTotal;
  }
}

/* 1 if nothing is left under the prefix. */
static inline int tk_is_empty(tikv_client *c) {
  tikv_txn *t = NULL;
  tikv_scan *s = NULL;
  char *zErr = NULL;
  int bEmpty = 0;
  if (tikv_txn_begin(c, 0, &t, &zErr) == 0 &&
      tikv_txn_scan(t, (const uint8_t *)tk_zPrefix, strlen(tk_zPrefix),
                    (const uint8_t *)tk_zEnd, strlen(tk_zEnd),
                    TIKV_SCAN_KEYONLY, 1, &s, &zErr) == 0) {
    bEmpty = tikv_scan_eof(s);
  }
  tikv_scan_close(s);
  tikv_txn_free(t);
  free(zErr);
  return bEmpty;
}

#endif /* TITO_TEST_TIKV_TESTKEYS_H */
