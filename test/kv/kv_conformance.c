/*
** kv_conformance.c: one conformance suite for the KV interface (src/kv.h),
** built once per backend with that backend's fixture (kv_fixture.h):
** build/.../test_kv_conformance_embedded and .../tikv/test_kv_conformance.
**
** Every case states a rule of kv.h and checks it through the interface
** only: point reads and writes, insert-if-absent, deletes and range
** deletes, scans both ways with bounds, limits, KEYONLY and HINT, multi-get,
** iterators open during writes, savepoints (nested, rollback-to, release,
** announced twice), prepare/commit/rollback and reuse of the handle, the
** failed-prepare contract, snapshots, errors and counters, and passing
** over keys (tito_kv_skip: the store's xSkip, or its keys-only scan). Keys all start
** with kvf_prefix(); cases that need a capability the backend lacks say
** so and skip.
*/
#include "check.h"
#include "kv_fixture.h"
#include "kv_skip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kv_fixture fix;

#define M(p) ((p)->pMethods)

/* The key prefix + zName, in a ring of buffers. */
static const char *key(const char *zName) {
  static char a[16][256];
  static int i;
  char *z = a[i++ % 16];
  snprintf(z, 256, "%s%s", kvf_prefix(), zName);
  return z;
}

static const uint8_t *U(const char *z) { return (const uint8_t *)z; }
static int L(const char *z) { return (int)strlen(z); }

static int put(tito_kv *p, const char *zKey, const char *zVal) {
  return M(p)->xPut(p, U(zKey), L(zKey), U(zVal), L(zVal));
}

/* xGet rendered as the value, "-" if absent, "!<rc>" on an error. */
static const char *get(tito_kv *p, const char *zKey) {
  static char a[8][128];
  static int i;
  char *z = a[i++ % 8];
  const uint8_t *v = NULL;
  int nv = 0;
  int rc = M(p)->xGet(p, U(zKey), L(zKey), &v, &nv);
  if (rc == TITO_OK) snprintf(z, 128, "%.*s", nv, (const char *)v);
  else if (rc == TITO_NOTFOUND) snprintf(z, 128, "-");
  else snprintf(z, 128, "!%d", rc);
  return z;
}

/* A whole transaction: host begin, xBegin, the puts (NULL value: delete),
** xPrepare, host commit, xCommit. Returns xPrepare's code. */
static int txn_write(tito_kv *p, const char **azKey, const char **azVal,
                     int n) {
  int rc = kvf_host_begin(p) == 0 ? M(p)->xBegin(p) : TITO_ERROR;
  for (int i = 0; i < n && rc == TITO_OK; i++) {
    rc = azVal[i] ? put(p, azKey[i], azVal[i])
                  : M(p)->xDelete(p, U(azKey[i]), L(azKey[i]));
  }
  if (rc == TITO_OK) rc = M(p)->xPrepare(p);
  if (rc == TITO_OK && kvf_host_commit(p) != 0) rc = TITO_ERROR;
  if (rc == TITO_OK) {
    M(p)->xCommit(p);
  } else {
    M(p)->xRollback(p);
    kvf_host_rollback(p);
  }
  return rc;
}

static int write1(tito_kv *p, const char *zKey, const char *zVal) {
  return txn_write(p, &zKey, &zVal, 1);
}

/* Scan rendered as "name=value,..." (names without the prefix); limit and
** flags as xScan; lo/hi are names (NULL = unbounded). */
static int scan(tito_kv *p, const char *zLo, const char *zHi, int flags,
                int64_t nLimit, char *zOut, size_t nOut) {
  char lo[256], hi[256];
  tito_kv_iter *it = NULL;
  size_t o = 0, nPre = strlen(kvf_prefix());
  if (zLo) snprintf(lo, sizeof lo, "%s%s", kvf_prefix(), zLo);
  if (zHi) snprintf(hi, sizeof hi, "%s%s", kvf_prefix(), zHi);
  zOut[0] = 0;
  int rc = M(p)->xScan(p, zLo ? U(lo) : NULL, zLo ? L(lo) : 0,
                       zHi ? U(hi) : NULL, zHi ? L(hi) : 0, flags, nLimit, &it);
  while (rc == TITO_OK && !M(p)->xIterEof(it)) {
    int nk, nv;
    const uint8_t *k = M(p)->xIterKey(it, &nk);
    const uint8_t *v = M(p)->xIterValue(it, &nv);
    if ((size_t)nk < nPre || memcmp(k, kvf_prefix(), nPre) != 0) break;
    o += (size_t)snprintf(zOut + o, nOut - o, "%s%.*s", o ? "," : "",
                          nk - (int)nPre, (const char *)k + nPre);
    if (!(flags & TITO_SCAN_KEYONLY))
      o += (size_t)snprintf(zOut + o, nOut - o, "=%.*s", nv, (const char *)v);
    if (o >= nOut) o = nOut - 1;
    rc = M(p)->xIterNext(it);
  }
  if (it) M(p)->xIterClose(it);
  return rc;
}

static void skip(const char *zCase, const char *zWhy) {
  printf("ok - %s: %s # skip %s\n", fix.zName, zCase, zWhy);
}

static void group(const char *zCase) {
  char z[300];
  snprintf(z, sizeof z, "%s: %s", fix.zName, zCase);
  check_group(z);
}

/* ---- cases ------------------------------------------------------------- */

static void case_point(tito_kv *a, tito_kv *b) {
  const char *k1 = key("pt/1"), *k2 = key("pt/2");
  CHECK(strcmp(get(a, k1), "-") == 0);
  CHECK(write1(a, k1, "one") == TITO_OK);
  CHECK(strcmp(get(a, k1), "one") == 0);
  CHECK(strcmp(get(b, k1), "one") == 0); /* committed: every handle sees it */
  CHECK(write1(a, k1, "uno") == TITO_OK);  /* overwrite */
  CHECK(strcmp(get(b, k1), "uno") == 0);
  /* binary keys: NUL and 0xff bytes, a key that prefixes another */
  uint8_t kb[64];
  int n = snprintf((char *)kb, sizeof kb, "%sbin/", kvf_prefix());
  kb[n] = 0;
  kb[n + 1] = 0xff;
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(M(a)->xPut(a, kb, n + 2, U("z"), 1) == 0);
  CHECK(M(a)->xPut(a, kb, n + 1, U("y"), 1) == 0);
  CHECK(put(a, k2, "two") == 0);
  CHECK(M(a)->xDelete(a, U(k1), L(k1)) == 0);
  CHECK(strcmp(get(a, k1), "-") == 0);      /* own writes seen */
  CHECK(strcmp(get(a, k2), "two") == 0);
  CHECK(M(a)->xPrepare(a) == 0 && kvf_host_commit(a) == 0);
  M(a)->xCommit(a);
  const uint8_t *v = NULL;
  int nv = 0;
  CHECK(M(b)->xGet(b, kb, n + 2, &v, &nv) == 0 && nv == 1 && v[0] == 'z');
  CHECK(M(b)->xGet(b, kb, n + 1, &v, &nv) == 0 && nv == 1 && v[0] == 'y');
  CHECK(strcmp(get(b, k1), "-") == 0);
  /* a deleted absent key is no error */
  CHECK(write1(a, key("pt/none"), NULL) == TITO_OK);
  group("point reads and writes, deletes, binary keys, read-your-writes");
}

static void case_insert(tito_kv *a, tito_kv *b) {
  const char *k = key("ins/1"), *k2 = key("ins/2");
  CHECK(write1(a, k, "old") == TITO_OK);
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(M(a)->xInsert(a, U(k), L(k), U("new"), 3) == TITO_EXISTS);
  CHECK(strcmp(get(a, k), "old") == 0); /* nothing changed */
  CHECK(M(a)->xInsert(a, U(k2), L(k2), U("n2"), 2) == TITO_OK);
  CHECK(M(a)->xInsert(a, U(k2), L(k2), U("n3"), 2) == TITO_EXISTS);
  CHECK(strcmp(get(a, k2), "n2") == 0);
  CHECK(M(a)->xDelete(a, U(k), L(k)) == 0);  /* delete then insert: allowed */
  CHECK(M(a)->xInsert(a, U(k), L(k), U("re"), 2) == TITO_OK);
  CHECK(M(a)->xPrepare(a) == 0 && kvf_host_commit(a) == 0);
  M(a)->xCommit(a);
  CHECK(strcmp(get(b, k), "re") == 0 && strcmp(get(b, k2), "n2") == 0);
  group("xInsert: insert-if-absent, TITO_EXISTS changes nothing");
}

/* tito_kv_probe (xProbe, or xGet) rendered as get() renders; bValue 0:
** "+" if present. */
static const char *probe(tito_kv *p, const char *zKey, int bValue) {
  static char a[8][128];
  static int i;
  char *z = a[i++ % 8];
  const uint8_t *v = NULL;
  int nv = 0;
  int rc = tito_kv_probe(p, U(zKey), L(zKey), bValue ? &v : NULL,
                         bValue ? &nv : NULL);
  if (rc == TITO_OK && bValue) snprintf(z, 128, "%.*s", nv, (const char *)v);
  else if (rc == TITO_OK) snprintf(z, 128, "+");
  else if (rc == TITO_NOTFOUND) snprintf(z, 128, "-");
  else snprintf(z, 128, "!%d", rc);
  return z;
}

/* xProbe answers as xGet does, whatever it learned from earlier misses:
** present and absent keys, the transaction's own puts, deletes and
** inserts, keys committed elsewhere after its snapshot. */
static void case_probe(tito_kv *a, tito_kv *b) {
  const char *ka = key("pr/a"), *ka2 = key("pr/a2"), *kb = key("pr/b"),
             *kc = key("pr/c"), *kz = key("pr/z");
  CHECK(write1(a, kb, "B") == TITO_OK);
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(strcmp(probe(a, ka, 1), "-") == 0 && strcmp(probe(a, ka, 0), "-") == 0);
  CHECK(strcmp(probe(a, kb, 1), "B") == 0 && strcmp(probe(a, kb, 0), "+") == 0);
  CHECK(strcmp(probe(a, kc, 0), "-") == 0 && strcmp(probe(a, kz, 0), "-") == 0);
  if (fix.bOwnSnapshot) {
    /* committed elsewhere inside the range a miss learned: the snapshot
    ** still has no such key, and neither answer sees it */
    CHECK(write1(b, ka2, "late") == TITO_OK);
    CHECK(strcmp(probe(a, ka2, 1), get(a, ka2)) == 0 &&
          strcmp(get(a, ka2), "-") == 0);
  }
  CHECK(put(a, kc, "C") == 0);
  CHECK(strcmp(probe(a, kc, 1), "C") == 0 && strcmp(probe(a, kc, 0), "+") == 0);
  CHECK(M(a)->xDelete(a, U(kb), L(kb)) == 0);
  CHECK(strcmp(probe(a, kb, 1), "-") == 0 && strcmp(probe(a, kb, 0), "-") == 0);
  CHECK(M(a)->xInsert(a, U(ka), L(ka), U("A"), 1) == TITO_OK);
  CHECK(strcmp(probe(a, ka, 1), "A") == 0);
  CHECK(M(a)->xInsert(a, U(kz), L(kz), U("Z"), 1) == TITO_OK);
  CHECK(M(a)->xPrepare(a) == 0 && kvf_host_commit(a) == 0);
  M(a)->xCommit(a);
  /* a new transaction learns afresh: the committed keys are present */
  CHECK(strcmp(probe(b, ka, 1), "A") == 0 && strcmp(probe(b, kb, 0), "-") == 0);
  CHECK(strcmp(probe(b, kc, 1), "C") == 0 && strcmp(probe(b, kz, 0), "+") == 0);
  if (fix.bOwnSnapshot) CHECK(strcmp(probe(b, ka2, 1), "late") == 0);
  group("xProbe: the answers of xGet, own writes and later commits included");
}

/* n keys pm/NNN (values vNNN) for xPutMany, in an array of pointers. */
static void many_keys(int n, char (*az)[64], char (*azv)[16],
                      const uint8_t **apK, int *anK, const uint8_t **apV,
                      int *anV) {
  for (int i = 0; i < n; i++) {
    snprintf(az[i], 64, "%spm/%03d", kvf_prefix(), i);
    snprintf(azv[i], 16, "v%03d", i);
    apK[i] = U(az[i]);
    anK[i] = L(az[i]);
    apV[i] = U(azv[i]);
    anV[i] = L(azv[i]);
  }
}

/* xPutMany (optional): more keys than one statement of the embedded store
** takes, a key given twice (the later wins), insert-if-absent beside keys
** present, and a savepoint rolling a batch back. */
static void case_put_many(tito_kv *a, tito_kv *b) {
  enum { N = 150 };
  static char az[N][64], azv[N][16];
  const uint8_t *apK[N], *apV[N];
  int anK[N], anV[N];
  if (M(a)->xPutMany == NULL) {
    skip("xPutMany", "optional: callers write each key");
    return;
  }
  many_keys(N, az, azv, apK, anK, apV, anV);
  apK[N - 1] = apK[3]; /* key 3 again, value v149 */
  anK[N - 1] = anK[3];
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(M(a)->xPutMany(a, N, apK, anK, apV, anV, 0) == TITO_OK);
  CHECK(M(a)->xPrepare(a) == 0 && kvf_host_commit(a) == 0);
  M(a)->xCommit(a);
  CHECK(strcmp(get(b, key("pm/000")), "v000") == 0);
  CHECK(strcmp(get(b, key("pm/003")), "v149") == 0);
  CHECK(strcmp(get(b, key("pm/148")), "v148") == 0);
  group("xPutMany: every key written, a later one wins");
  /* keys 0..139 anew with other values, absent keys 140..148 (deleted) */
  for (int i = 140; i < N - 1; i++) CHECK(write1(a, az[i], NULL) == TITO_OK);
  for (int i = 0; i < N; i++) apV[i] = U("new"), anV[i] = 3;
  apK[N - 1] = U(az[N - 1]);
  anK[N - 1] = L(az[N - 1]);
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(M(a)->xPutMany(a, N, apK, anK, apV, anV, 1) == TITO_EXISTS);
  CHECK(M(a)->xPutMany(a, 5, apK + 140, anK + 140, apV, anV, 1) ==
        TITO_EXISTS);
  CHECK(M(a)->xPrepare(a) == 0 && kvf_host_commit(a) == 0);
  M(a)->xCommit(a);
  CHECK(strcmp(get(b, key("pm/000")), "v000") == 0);
  CHECK(strcmp(get(b, key("pm/139")), "v139") == 0);
  CHECK(strcmp(get(b, key("pm/140")), "new") == 0);
  CHECK(strcmp(get(b, key("pm/149")), "new") == 0);
  group("xPutMany insert-if-absent: TITO_EXISTS, present keys unchanged");
  /* a batch under a savepoint, rolled back */
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(M(a)->xSavepoint(a, 0) == 0);
  for (int i = 0; i < N; i++) apV[i] = U("sp"), anV[i] = 2;
  CHECK(M(a)->xPutMany(a, N, apK, anK, apV, anV, 0) == TITO_OK);
  CHECK(strcmp(get(a, key("pm/070")), "sp") == 0);
  CHECK(M(a)->xRollbackTo(a, 0) == 0);
  CHECK(strcmp(get(a, key("pm/070")), "v070") == 0);
  CHECK(M(a)->xPrepare(a) == 0 && kvf_host_commit(a) == 0);
  M(a)->xCommit(a);
  CHECK(strcmp(get(b, key("pm/070")), "v070") == 0);
  group("xPutMany under a savepoint: rolled back");
  for (int i = 0; i < N; i++) CHECK(write1(a, az[i], NULL) == TITO_OK);
}

/* 8 keys r/a..r/h (values A..H) for the range cases. */
static void fill_range(tito_kv *a) {
  const char *aK[8], *aV[8] = {"A", "B", "C", "D", "E", "F", "G", "H"};
  static char az[8][16];
  for (int i = 0; i < 8; i++) {
    snprintf(az[i], sizeof az[i], "r/%c", 'a' + i);
    aK[i] = key(az[i]);
    aK[i] = strcpy(malloc(strlen(aK[i]) + 1), aK[i]);
  }
  CHECK(txn_write(a, aK, aV, 8) == TITO_OK);
  for (int i = 0; i < 8; i++) free((void *)aK[i]);
}

static void case_scan(tito_kv *a) {
  char z[512];
  fill_range(a);
  CHECK(scan(a, "r/", "r0", 0, 0, z, sizeof z) == 0 &&
        strcmp(z, "r/a=A,r/b=B,r/c=C,r/d=D,r/e=E,r/f=F,r/g=G,r/h=H") == 0);
  CHECK(scan(a, "r/", "r0", TITO_SCAN_REVERSE, 0, z, sizeof z) == 0 &&
        strcmp(z, "r/h=H,r/g=G,r/f=F,r/e=E,r/d=D,r/c=C,r/b=B,r/a=A") == 0);
  /* lower bound inclusive, upper exclusive, both directions */
  CHECK(scan(a, "r/b", "r/e", 0, 0, z, sizeof z) == 0 &&
        strcmp(z, "r/b=B,r/c=C,r/d=D") == 0);
  CHECK(scan(a, "r/b", "r/e", TITO_SCAN_REVERSE, 0, z, sizeof z) == 0 &&
        strcmp(z, "r/d=D,r/c=C,r/b=B") == 0);
  /* bounds between keys */
  CHECK(scan(a, "r/b0", "r/d0", 0, 0, z, sizeof z) == 0 &&
        strcmp(z, "r/c=C,r/d=D") == 0);
  /* limits */
  CHECK(scan(a, "r/", "r0", 0, 3, z, sizeof z) == 0 &&
        strcmp(z, "r/a=A,r/b=B,r/c=C") == 0);
  CHECK(scan(a, "r/", "r0", TITO_SCAN_REVERSE, 2, z, sizeof z) == 0 &&
        strcmp(z, "r/h=H,r/g=G") == 0);
  /* HINT: the limit is only a hint, the scan does not stop */
  CHECK(scan(a, "r/c", "r/f", TITO_SCAN_HINT, 1, z, sizeof z) == 0 &&
        strcmp(z, "r/c=C,r/d=D,r/e=E") == 0);
  /* KEYONLY: the keys */
  CHECK(scan(a, "r/f", "r0", TITO_SCAN_KEYONLY, 0, z, sizeof z) == 0 &&
        strcmp(z, "r/f,r/g,r/h") == 0);
  CHECK(scan(a, "r/f", "r0", TITO_SCAN_KEYONLY | TITO_SCAN_REVERSE, 2, z,
             sizeof z) == 0 && strcmp(z, "r/h,r/g") == 0);
  /* empty and inverted ranges */
  CHECK(scan(a, "r/c", "r/c", 0, 0, z, sizeof z) == 0 && z[0] == 0);
  CHECK(scan(a, "r/e", "r/b", TITO_SCAN_REVERSE, 0, z, sizeof z) == 0 && z[0] == 0);
  /* one side unbounded: from our largest key down, from our first key up
  ** (a shared store may hold other keys beyond our prefix) */
  char hi[256], lo[256];
  snprintf(hi, sizeof hi, "%s", kvf_prefix_end());
  tito_kv_iter *it = NULL;
  CHECK(M(a)->xScan(a, NULL, 0, U(hi), L(hi), TITO_SCAN_REVERSE, 1, &it) == 0);
  int nk = 0;
  CHECK(it && !M(a)->xIterEof(it));
  const uint8_t *k = it ? M(a)->xIterKey(it, &nk) : NULL;
  CHECK(k && nk == L(key("r/h")) && memcmp(k, key("r/h"), nk) == 0);
  if (it) M(a)->xIterClose(it);
  snprintf(lo, sizeof lo, "%s", key("r/g"));
  CHECK(M(a)->xScan(a, U(lo), L(lo), NULL, 0, 0, 2, &it) == 0);
  k = it ? M(a)->xIterKey(it, &nk) : NULL;
  CHECK(k && nk == L(key("r/g")) && memcmp(k, key("r/g"), nk) == 0);
  CHECK(it && M(a)->xIterNext(it) == 0 && !M(a)->xIterEof(it));
  k = it ? M(a)->xIterKey(it, &nk) : NULL;
  CHECK(k && nk == L(key("r/h")) && memcmp(k, key("r/h"), nk) == 0);
  if (it) M(a)->xIterClose(it);
  /* merged with the open transaction's writes */
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(M(a)->xDelete(a, U(key("r/c")), L(key("r/c"))) == 0);
  CHECK(put(a, key("r/d"), "d2") == 0 && put(a, key("r/cc"), "cc") == 0);
  CHECK(scan(a, "r/b", "r/e", 0, 0, z, sizeof z) == 0 &&
        strcmp(z, "r/b=B,r/cc=cc,r/d=d2") == 0);
  CHECK(scan(a, "r/b", "r/e", TITO_SCAN_REVERSE, 2, z, sizeof z) == 0 &&
        strcmp(z, "r/d=d2,r/cc=cc") == 0);
  /* A limit counts the rows returned: keys this transaction deleted do
  ** not use it up (the largest key, then the smallest, deleted). */
  CHECK(M(a)->xDelete(a, U(key("r/h")), L(key("r/h"))) == 0);
  CHECK(M(a)->xDelete(a, U(key("r/a")), L(key("r/a"))) == 0);
  CHECK(scan(a, "r/", "r0", TITO_SCAN_REVERSE, 1, z, sizeof z) == 0 &&
        strcmp(z, "r/g=G") == 0);
  CHECK(scan(a, "r/", "r0", TITO_SCAN_KEYONLY, 2, z, sizeof z) == 0 &&
        strcmp(z, "r/b,r/cc") == 0);
  M(a)->xRollback(a);
  kvf_host_rollback(a);
  CHECK(scan(a, "r/b", "r/e", 0, 0, z, sizeof z) == 0 &&
        strcmp(z, "r/b=B,r/c=C,r/d=D") == 0);
  group("scans: both directions, bounds, limits, HINT, KEYONLY, one side unbounded, merged with own writes (deleted keys use up no limit)");
}

static void case_delete_range(tito_kv *a, tito_kv *b) {
  char z[512];
  const char *lo = key("r/c"), *hi = key("r/f");
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(put(a, key("r/d5"), "new") == 0); /* own write inside the range */
  CHECK(M(a)->xDeleteRange(a, U(lo), L(lo), U(hi), L(hi)) == 0);
  CHECK(scan(a, "r/", "r0", 0, 0, z, sizeof z) == 0 &&
        strcmp(z, "r/a=A,r/b=B,r/f=F,r/g=G,r/h=H") == 0);
  CHECK(M(a)->xPrepare(a) == 0 && kvf_host_commit(a) == 0);
  M(a)->xCommit(a);
  CHECK(scan(b, "r/", "r0", 0, 0, z, sizeof z) == 0 &&
        strcmp(z, "r/a=A,r/b=B,r/f=F,r/g=G,r/h=H") == 0);
  group("xDeleteRange removes exactly [lo, hi), own writes included");
}

typedef struct mg_res {
  char a[8][32];
  int nCall;
  int nStopAt; /* return 99 at this call (1-based), 0 = never */
} mg_res;

static int mg_row(void *pCtx, int i, const uint8_t *v, int nv) {
  mg_res *r = pCtx;
  snprintf(r->a[i], sizeof r->a[i], "%.*s", nv, (const char *)v);
  r->nCall++;
  return r->nStopAt && r->nCall == r->nStopAt ? 99 : 0;
}

static void case_multi_get(tito_kv *a) {
  const char *az[5] = {key("r/a"), key("r/zz"), key("r/g"), key("r/a"),
                       key("r/b")};
  const uint8_t *ap[5];
  int an[5];
  for (int i = 0; i < 5; i++) {
    ap[i] = U(az[i]);
    an[i] = L(az[i]);
  }
  mg_res r;
  memset(&r, 0, sizeof r);
  CHECK(M(a)->xMultiGet(a, 5, ap, an, mg_row, &r) == 0);
  CHECK(r.nCall == 4 && strcmp(r.a[0], "A") == 0 && r.a[1][0] == 0 &&
        strcmp(r.a[2], "G") == 0 && strcmp(r.a[3], "A") == 0 &&
        strcmp(r.a[4], "B") == 0);
  /* inside a transaction: its writes decide */
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(put(a, key("r/zz"), "Z") == 0);
  CHECK(M(a)->xDelete(a, U(key("r/g")), L(key("r/g"))) == 0);
  memset(&r, 0, sizeof r);
  CHECK(M(a)->xMultiGet(a, 5, ap, an, mg_row, &r) == 0);
  CHECK(r.nCall == 4 && strcmp(r.a[1], "Z") == 0 && r.a[2][0] == 0);
  /* a non-zero return from the callback stops the batch and is returned */
  memset(&r, 0, sizeof r);
  r.nStopAt = 2;
  CHECK(M(a)->xMultiGet(a, 5, ap, an, mg_row, &r) == 99 && r.nCall == 2);
  M(a)->xRollback(a);
  kvf_host_rollback(a);
  group("xMultiGet: found keys only, duplicates, own writes, a callback stops it");
}

static void case_iter_during_writes(tito_kv *a) {
  tito_kv_iter *it1 = NULL, *it2 = NULL;
  const char *lo = key("r/"), *hi = key("r0");
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(M(a)->xScan(a, U(lo), L(lo), U(hi), L(hi), 0, 0, &it1) == 0);
  CHECK(M(a)->xScan(a, U(lo), L(lo), U(hi), L(hi), TITO_SCAN_REVERSE, 0,
                    &it2) == 0);
  int nSeen = 0, bOrder = 1, nk;
  char prev[256] = "";
  int nKeyWrite = 0;
  while (it1 && !M(a)->xIterEof(it1)) {
    const uint8_t *k = M(a)->xIterKey(it1, &nk);
    char cur[256];
    snprintf(cur, sizeof cur, "%.*s", nk, (const char *)k);
    if (nSeen++ && strcmp(prev, cur) >= 0) bOrder = 0;
    snprintf(prev, sizeof prev, "%s", cur);
    /* write inside the range while both iterators are open */
    char zNew[64];
    /* (behind the forward iterator, so a store whose iterators see new
    ** writes does not keep finding more) */
    snprintf(zNew, sizeof zNew, "r/!w%d", nKeyWrite++);
    CHECK(put(a, key(zNew), "w") == 0);
    CHECK(put(a, cur, "over") == 0);
    if (!M(a)->xIterEof(it2)) CHECK(M(a)->xIterNext(it2) == 0);
    CHECK(M(a)->xIterNext(it1) == 0);
    if (nSeen > 50) break;
  }
  CHECK(bOrder && nSeen >= 5 && nSeen <= 50);
  if (!bOrder || nSeen < 5 || nSeen > 50) printf("# order %d, %d keys\n", bOrder, nSeen);
  if (it1) M(a)->xIterClose(it1);
  if (it2) M(a)->xIterClose(it2);
  M(a)->xRollback(a);
  kvf_host_rollback(a);
  group("iterators stay valid and ordered while writes are made through the handle");
}

static void case_savepoints(tito_kv *a, tito_kv *b) {
  const char *k1 = key("sv/1"), *k2 = key("sv/2"), *k3 = key("sv/3"),
             *k4 = key("sv/4");
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(put(a, k1, "1") == 0);
  CHECK(M(a)->xSavepoint(a, 0) == 0);
  CHECK(put(a, k2, "2") == 0);
  CHECK(M(a)->xSavepoint(a, 1) == 0);
  CHECK(put(a, k3, "3") == 0);
  CHECK(M(a)->xDelete(a, U(k1), L(k1)) == 0);
  /* rollback to 1: k3 and the delete go, mark 1 stays */
  CHECK(M(a)->xRollbackTo(a, 1) == 0);
  CHECK(strcmp(get(a, k3), "-") == 0 && strcmp(get(a, k1), "1") == 0);
  CHECK(put(a, k3, "3b") == 0);
  CHECK(M(a)->xRollbackTo(a, 1) == 0);
  CHECK(strcmp(get(a, k3), "-") == 0);
  /* a second caller announcing savepoint 1 again does not move it */
  CHECK(put(a, k4, "4") == 0);
  CHECK(M(a)->xSavepoint(a, 1) == 0);
  CHECK(put(a, k3, "3c") == 0);
  CHECK(M(a)->xRollbackTo(a, 1) == 0);
  CHECK(strcmp(get(a, k4), "-") == 0 && strcmp(get(a, k3), "-") == 0);
  /* release 1 keeps the writes; rollback to 0 undoes all after mark 0 */
  CHECK(put(a, k3, "3d") == 0);
  CHECK(M(a)->xRelease(a, 1) == 0);
  CHECK(strcmp(get(a, k3), "3d") == 0);
  CHECK(M(a)->xRollbackTo(a, 0) == 0);
  CHECK(strcmp(get(a, k2), "-") == 0 && strcmp(get(a, k3), "-") == 0);
  CHECK(strcmp(get(a, k1), "1") == 0);
  /* rollback to a mark never set (2) with none above: nothing to undo */
  CHECK(put(a, k2, "2e") == 0);
  CHECK(M(a)->xRollbackTo(a, 2) == 0);
  CHECK(strcmp(get(a, k2), "2e") == 0);
  /* rollback to a mark never set (0 dropped by release) goes to the oldest
  ** mark above it */
  CHECK(M(a)->xRelease(a, 0) == 0);
  CHECK(M(a)->xSavepoint(a, 3) == 0);
  CHECK(put(a, k4, "4f") == 0);
  CHECK(M(a)->xRollbackTo(a, 1) == 0);
  CHECK(strcmp(get(a, k4), "-") == 0 && strcmp(get(a, k2), "2e") == 0);
  CHECK(M(a)->xPrepare(a) == 0 && kvf_host_commit(a) == 0);
  M(a)->xCommit(a);
  CHECK(strcmp(get(b, k1), "1") == 0 && strcmp(get(b, k2), "2e") == 0);
  CHECK(strcmp(get(b, k3), "-") == 0 && strcmp(get(b, k4), "-") == 0);
  group("savepoints: nested, rollback-to keeps the mark, release, announced twice, unknown marks");
}

static void case_commit_rollback(tito_kv *a, tito_kv *b) {
  const char *k = key("cr/1"), *k2 = key("cr/2");
  /* rollback: nothing written, handle reusable */
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(put(a, k, "x") == 0);
  M(a)->xRollback(a);
  kvf_host_rollback(a);
  CHECK(strcmp(get(a, k), "-") == 0 && strcmp(get(b, k), "-") == 0);
  /* invisible to others until committed */
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(put(a, k, "y") == 0);
  if (fix.bOwnSnapshot) CHECK(strcmp(get(b, k), "-") == 0);
  CHECK(M(a)->xPrepare(a) == 0);
  CHECK(M(a)->xPrepare(a) == 0); /* prepare twice: nothing more to do */
  CHECK(kvf_host_commit(a) == 0);
  M(a)->xCommit(a);
  CHECK(strcmp(get(b, k), "y") == 0);
  /* an empty transaction commits */
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(M(a)->xPrepare(a) == 0 && kvf_host_commit(a) == 0);
  M(a)->xCommit(a);
  /* a write outside xBegin opens the transaction itself */
  CHECK(kvf_host_begin(a) == 0);
  CHECK(put(a, k2, "z") == 0);
  CHECK(M(a)->xPrepare(a) == 0 && kvf_host_commit(a) == 0);
  M(a)->xCommit(a);
  CHECK(strcmp(get(b, k2), "z") == 0);
  group("prepare/commit/rollback; the handle is reused after each");
}

static void case_snapshots(tito_kv *a, tito_kv *b) {
  if (!fix.bOwnSnapshot) {
    skip("snapshots: one per transaction and per read bracket, never reused",
         "the embedded store reads SQLite's state; its snapshot is the host statement's");
    return;
  }
  const char *k = key("snap/1");
  CHECK(write1(b, k, "v1") == TITO_OK);
  /* a transaction reads one snapshot, fixed at its first read */
  CHECK(M(a)->xBegin(a) == 0);
  CHECK(strcmp(get(a, k), "v1") == 0);
  CHECK(write1(b, k, "v2") == TITO_OK);
  CHECK(strcmp(get(a, k), "v1") == 0);
  M(a)->xRollback(a);
  /* ...or at its first write */
  CHECK(M(a)->xBegin(a) == 0);
  CHECK(put(a, key("snap/other"), "o") == 0);
  CHECK(write1(b, k, "v3") == TITO_OK);
  CHECK(strcmp(get(a, k), "v2") == 0);
  M(a)->xRollback(a);
  /* the next transaction never reuses the old snapshot */
  CHECK(M(a)->xBegin(a) == 0);
  CHECK(strcmp(get(a, k), "v3") == 0);
  M(a)->xRollback(a);
  /* outside a transaction each read is fresh ... */
  CHECK(strcmp(get(a, k), "v3") == 0);
  CHECK(write1(b, k, "v4") == TITO_OK);
  CHECK(strcmp(get(a, k), "v4") == 0);
  /* ... unless bracketed: one snapshot for the statement */
  CHECK(M(a)->xReadBegin(a) == 0);
  CHECK(M(a)->xReadBegin(a) == 0); /* nested */
  CHECK(strcmp(get(a, k), "v4") == 0);
  CHECK(write1(b, k, "v5") == TITO_OK);
  CHECK(strcmp(get(a, k), "v4") == 0);
  M(a)->xReadEnd(a);
  CHECK(strcmp(get(a, k), "v4") == 0); /* still inside the outer bracket */
  /* a transaction begun inside the bracket adopts its snapshot */
  CHECK(M(a)->xBegin(a) == 0);
  CHECK(strcmp(get(a, k), "v4") == 0);
  CHECK(put(a, k, "mine") == 0);
  CHECK(M(a)->xPrepare(a) == TITO_CONFLICT); /* v5 came after the snapshot */
  M(a)->xRollback(a);
  CHECK(strcmp(get(a, k), "v5") == 0); /* the ended txn's snapshot is gone */
  M(a)->xReadEnd(a);
  CHECK(write1(b, k, "v6") == TITO_OK);
  CHECK(strcmp(get(a, k), "v6") == 0);
  group("snapshots: one per transaction (first read or write) and per read bracket, never reused");
}

/* The failed-prepare contract (kv.h): the transaction is over, every use
** repeats the error until xRollback, nothing is ever committed by a retry. */
static void case_failed_prepare(tito_kv *a, tito_kv *b) {
  const char *k = key("fp/1"), *k2 = key("fp/2"), *kn = key("fp/new");
  if (fix.bHostCommitCanFail) {
    /* the host's COMMIT fails (SQLITE_BUSY) and is retried: the writes
    ** were kept and the retry commits them */
    CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
    CHECK(put(a, k, "kept") == 0);
    CHECK(M(a)->xPrepare(a) == 0);
    CHECK(kvf_block_host_commit(1) == 0);
    CHECK(kvf_host_commit(a) != 0);
    CHECK(kvf_block_host_commit(0) == 0);
    CHECK(M(a)->xPrepare(a) == 0);
    CHECK(kvf_host_commit(a) == 0);
    M(a)->xCommit(a);
    CHECK(strcmp(get(b, k), "kept") == 0);
  }
  if (!fix.bOptimistic) {
    skip("failed xPrepare: the transaction is over, the error repeats until xRollback",
         "this store's xPrepare cannot fail (SQLite's locks serialise writers)");
    if (fix.bHostCommitCanFail)
      group("a host COMMIT that failed and is retried commits the kept writes");
    return;
  }
  CHECK(write1(b, k, "0") == TITO_OK);
  /* a write conflict */
  CHECK(M(a)->xBegin(a) == 0);
  CHECK(strcmp(get(a, k), "0") == 0);
  CHECK(put(a, k, "a") == 0 && put(a, k2, "a2") == 0);
  CHECK(write1(b, k, "b") == TITO_OK);
  CHECK(M(a)->xPrepare(a) == TITO_CONFLICT);
  char zMsg[512];
  snprintf(zMsg, sizeof zMsg, "%s", M(a)->xErrmsg(a));
  CHECK(strstr(zMsg, "retry") != NULL);
  /* the retried COMMIT fails again, the same way, and sends nothing */
  CHECK(M(a)->xPrepare(a) == TITO_CONFLICT);
  CHECK(strcmp(M(a)->xErrmsg(a), zMsg) == 0);
  const uint8_t *v;
  int nv;
  CHECK(M(a)->xGet(a, U(k), L(k), &v, &nv) == TITO_CONFLICT);
  CHECK(put(a, k2, "late") == TITO_CONFLICT);
  CHECK(M(a)->xSavepoint(a, 0) == TITO_CONFLICT);
  CHECK(M(a)->xPrepare(a) == TITO_CONFLICT);
  CHECK(strcmp(get(b, k), "b") == 0 && strcmp(get(b, k2), "-") == 0);
  M(a)->xRollback(a);
  /* the handle works again, on a fresh snapshot */
  CHECK(strcmp(get(a, k), "b") == 0);
  CHECK(write1(a, k2, "after") == TITO_OK);
  CHECK(strcmp(get(b, k2), "after") == 0);
  /* a uniqueness violation found at commit: TITO_EXISTS (or a conflict),
  ** repeated the same way */
  CHECK(M(a)->xBegin(a) == 0 && M(b)->xBegin(b) == 0);
  CHECK(M(a)->xInsert(a, U(kn), L(kn), U("A"), 1) == 0);
  CHECK(M(b)->xInsert(b, U(kn), L(kn), U("B"), 1) == 0);
  CHECK(M(b)->xPrepare(b) == 0);
  M(b)->xCommit(b);
  int rc = M(a)->xPrepare(a);
  CHECK(rc == TITO_EXISTS || rc == TITO_CONFLICT);
  CHECK(M(a)->xPrepare(a) == rc);
  /* xCommit after a failed xPrepare forgets the transaction */
  M(a)->xCommit(a);
  CHECK(strcmp(get(a, kn), "B") == 0);
  group("failed xPrepare: the transaction is over, the same error repeats until xRollback, nothing is committed later");
}

typedef struct stat_ctx {
  int n;
  const char *zWant;
  int64_t iWant;
} stat_ctx;

static int stat_row(void *pCtx, const char *zName, int64_t iVal) {
  stat_ctx *c = pCtx;
  c->n++;
  if (c->zWant && strcmp(zName, c->zWant) == 0) c->iWant = iVal;
  return 0;
}

static void case_errors_stats(tito_kv *a) {
  /* NOTFOUND is not an error; errors carry a message */
  const uint8_t *v;
  int nv;
  CHECK(M(a)->xGet(a, U(key("none")), L(key("none")), &v, &nv) == TITO_NOTFOUND);
  /* counters: enumerated, and they count */
  const char *zCounter = "commits"; /* both backends have one */
  stat_ctx c;
  memset(&c, 0, sizeof c);
  c.zWant = zCounter;
  c.iWant = -1;
  CHECK(M(a)->xStats(a, stat_row, &c) == 0 && c.n >= 5 && c.iWant >= 0);
  int64_t nBefore = c.iWant;
  CHECK(write1(a, key("st/1"), "s") == TITO_OK);
  memset(&c, 0, sizeof c);
  c.zWant = zCounter;
  CHECK(M(a)->xStats(a, stat_row, &c) == 0 && c.iWant > nBefore);
  group("errors and counters: NOTFOUND is no error; xStats enumerates counters that count");
}

/* tito_kv_skip over [zLo, zHi): "n:last" (last without the prefix). */
static const char *skipped(tito_kv *p, const char *zLo, const char *zHi,
                           int flags, int64_t nSkip) {
  static char a[4][128];
  static int i;
  char *z = a[i++ % 4];
  char zL[256], zH[256];
  tito_buf last = TITO_BUF_INIT;
  int64_t n = -1;
  int rc;
  snprintf(zL, sizeof zL, "%s", key(zLo));
  snprintf(zH, sizeof zH, "%s", key(zHi));
  rc = tito_kv_skip(p, U(zL), L(zL), U(zH), L(zH), flags, nSkip, &n, &last);
  if (rc != TITO_OK) snprintf(z, 128, "!%d", rc);
  else if (n == 0) snprintf(z, 128, "0");
  else snprintf(z, 128, "%lld:%.*s", (long long)n,
                last.n - L(kvf_prefix()), (const char *)last.a + L(kvf_prefix()));
  tito_buf_free(&last);
  return z;
}

static void case_skip(tito_kv *a) {
  const char *aK[6], *aV[6] = {"A", "B", "C", "D", "E", "F"};
  static char az[6][16];
  for (int i = 0; i < 6; i++) {
    snprintf(az[i], sizeof az[i], "sk/%c", 'a' + i);
    aK[i] = strcpy(malloc(strlen(key(az[i])) + 1), key(az[i]));
  }
  CHECK(txn_write(a, aK, aV, 6) == TITO_OK);
  CHECK(strcmp(skipped(a, "sk/", "sk0", 0, 3), "3:sk/c") == 0);
  CHECK(strcmp(skipped(a, "sk/", "sk0", 0, 6), "6:sk/f") == 0);
  CHECK(strcmp(skipped(a, "sk/", "sk0", 0, 50), "6:sk/f") == 0);
  CHECK(strcmp(skipped(a, "sk/", "sk0", TITO_SCAN_REVERSE, 2), "2:sk/e") == 0);
  CHECK(strcmp(skipped(a, "sk/", "sk0", TITO_SCAN_REVERSE, 9), "6:sk/a") == 0);
  CHECK(strcmp(skipped(a, "sk/b0", "sk/e", 0, 9), "2:sk/d") == 0);
  CHECK(strcmp(skipped(a, "sk/x", "sk0", 0, 9), "0") == 0);
  CHECK(strcmp(skipped(a, "sk/", "sk0", 0, 0), "0") == 0);
  /* The key just past the count is the bound itself, or just inside it. */
  CHECK(strcmp(skipped(a, "sk/", "sk/d", 0, 3), "3:sk/c") == 0);
  CHECK(strcmp(skipped(a, "sk/", "sk/d", 0, 4), "3:sk/c") == 0);
  CHECK(strcmp(skipped(a, "sk/b", "sk0", TITO_SCAN_REVERSE, 5), "5:sk/b") == 0);
  CHECK(strcmp(skipped(a, "sk/b", "sk0", TITO_SCAN_REVERSE, 6), "5:sk/b") == 0);
  CHECK(strcmp(skipped(a, "sk/c", "sk/d", TITO_SCAN_REVERSE, 2), "1:sk/c") == 0);
  group("skip: passes over keys in scan order, bounds as xScan's");
  /* a transaction's own writes count, deleted keys do not */
  CHECK(kvf_host_begin(a) == 0 && M(a)->xBegin(a) == 0);
  CHECK(put(a, key("sk/bb"), "X") == 0);
  CHECK(M(a)->xDelete(a, U(key("sk/c")), L(key("sk/c"))) == 0);
  CHECK(strcmp(skipped(a, "sk/", "sk0", 0, 3), "3:sk/bb") == 0);
  CHECK(strcmp(skipped(a, "sk/", "sk0", 0, 9), "6:sk/f") == 0);
  CHECK(strcmp(skipped(a, "sk/", "sk0", TITO_SCAN_REVERSE, 4), "4:sk/bb") == 0);
  M(a)->xRollback(a);
  kvf_host_rollback(a);
  CHECK(strcmp(skipped(a, "sk/", "sk0", 0, 3), "3:sk/c") == 0);
  group("skip: sees the transaction's own writes");
  for (int i = 0; i < 6; i++) aV[i] = NULL;
  CHECK(txn_write(a, aK, aV, 6) == TITO_OK);
  for (int i = 0; i < 6; i++) free((void *)aK[i]);
}

int main(void) {
  if (kvf_setup(&fix) != 0) {
    printf("not ok - kv conformance: fixture setup failed\n");
    return 1;
  }
  if (fix.zSkip) {
    printf("ok - kv conformance %s # skip %s\n", fix.zName, fix.zSkip);
    return 0;
  }
  tito_kv *a = kvf_open(), *b = kvf_open();
  if (!a || !b) {
    printf("not ok - kv conformance %s: cannot open handles\n", fix.zName);
    kvf_teardown();
    return 1;
  }
  case_point(a, b);
  case_insert(a, b);
  case_probe(a, b);
  case_put_many(a, b);
  case_scan(a);
  case_delete_range(a, b);
  case_multi_get(a);
  case_iter_during_writes(a);
  case_savepoints(a, b);
  case_commit_rollback(a, b);
  case_snapshots(a, b);
  case_failed_prepare(a, b);
  case_errors_stats(a);
  case_skip(a);
  kvf_close(a);
  kvf_close(b);
  CHECK(kvf_teardown() == 0);
  group("teardown leaves no key of the run");
  return check_exit();
}
