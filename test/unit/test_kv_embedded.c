/*
** test_kv_embedded.c: unit tests of the embedded store (src/kv_embedded.c).
**
** Point and range operations, ordered scans against a sorted list, many
** open iterators, savepoint marks, atomicity with SQLite transactions on a
** file database, attached schemas, a differential test against an
** in-memory reference model, the store driven from inside a small virtual
** table (nested statements, statement rollback), and allocation failures.
*/
#include "kv_embedded.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define M(p) ((p)->pMethods)

/* ---------------------------------------------------------------------- */
/* Helpers. */

static sqlite3 *openDb(const char *zFile) {
  sqlite3 *db = NULL;
  if (sqlite3_open(zFile, &db) != SQLITE_OK) {
    printf("# cannot open %s\n", zFile);
    exit(1);
  }
  return db;
}

static tito_kv *openKv(sqlite3 *db, const char *zSchema) {
  tito_kv *p = NULL;
  char *zErr = NULL;
  int rc = tito_kv_embedded_open(db, zSchema, &p, &zErr);
  if (rc != TITO_OK) {
    printf("# open failed (%d): %s\n", rc, zErr ? zErr : "?");
    sqlite3_free(zErr);
    return NULL;
  }
  return p;
}

static int put(tito_kv *p, const char *k, const char *v) {
  return M(p)->xPut(p, (const uint8_t *)k, (int)strlen(k), (const uint8_t *)v,
                    (int)strlen(v));
}

static int ins(tito_kv *p, const char *k, const char *v) {
  return M(p)->xInsert(p, (const uint8_t *)k, (int)strlen(k),
                       (const uint8_t *)v, (int)strlen(v));
}

static int del(tito_kv *p, const char *k) {
  return M(p)->xDelete(p, (const uint8_t *)k, (int)strlen(k));
}

/* Range delete; NULL bounds are unbounded. */
static int delRange(tito_kv *p, const char *lo, const char *hi) {
  return M(p)->xDeleteRange(p, (const uint8_t *)lo, lo ? (int)strlen(lo) : 0,
                            (const uint8_t *)hi, hi ? (int)strlen(hi) : 0);
}

/* The value of k as a NUL-terminated string in a static buffer, or
** "<none>" if absent, "<error>" on error. */
static const char *get(tito_kv *p, const char *k) {
  static char z[256];
  const uint8_t *v;
  int n;
  int rc = M(p)->xGet(p, (const uint8_t *)k, (int)strlen(k), &v, &n);
  if (rc == TITO_NOTFOUND) return "<none>";
  if (rc != TITO_OK || n >= (int)sizeof(z)) return "<error>";
  memcpy(z, v, (size_t)n);
  z[n] = 0;
  return z;
}

/* Scan and render "k=v,k=v" (or "k,k" for key-only) into a static buffer.
** Non-printable bytes show as \xx. */
static const char *scan(tito_kv *p, const char *lo, const char *hi, int flags,
                        int64_t nLimit) {
  static char z[4096];
  tito_kv_iter *it;
  int n = 0, nRow = 0;
  int rc = M(p)->xScan(p, (const uint8_t *)lo, lo ? (int)strlen(lo) : 0,
                       (const uint8_t *)hi, hi ? (int)strlen(hi) : 0, flags,
                       nLimit, &it);
  z[0] = 0;
  if (rc != TITO_OK) return "<error>";
  while (!M(p)->xIterEof(it) && n < (int)sizeof(z) - 600) {
    int nk, nv, i;
    const uint8_t *k = M(p)->xIterKey(it, &nk);
    if (nRow++) z[n++] = ',';
    for (i = 0; i < nk; i++) {
      if (k[i] >= 0x20 && k[i] < 0x7f) z[n++] = (char)k[i];
      else n += sprintf(z + n, "\\%02x", k[i]);
    }
    if (!(flags & TITO_SCAN_KEYONLY)) {
      const uint8_t *v = M(p)->xIterValue(it, &nv);
      z[n++] = '=';
      memcpy(z + n, v, (size_t)nv);
      n += nv;
    }
    z[n] = 0;
    if (M(p)->xIterNext(it) != TITO_OK) {
      M(p)->xIterClose(it);
      return "<error>";
    }
  }
  M(p)->xIterClose(it);
  return z;
}

/* First column of the first row of zSql as text, in a static buffer. */
static const char *sql1(sqlite3 *db, const char *zSql) {
  static char z[1024];
  sqlite3_stmt *s;
  if (sqlite3_prepare_v2(db, zSql, -1, &s, NULL) != SQLITE_OK) {
    snprintf(z, sizeof(z), "<prepare: %s>", sqlite3_errmsg(db));
    return z;
  }
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
    snprintf(z, sizeof(z), "%s", (const char *)sqlite3_column_text(s, 0));
  } else {
    z[0] = 0;
  }
  sqlite3_finalize(s);
  return z;
}

/* Run SQL; returns the SQLite result code. */
static int exec(sqlite3 *db, const char *zSql) {
  return sqlite3_exec(db, zSql, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------------- */

static void test_point_ops(void) {
  sqlite3 *db = openDb(":memory:");
  tito_kv *p = openKv(db, "main");
  const uint8_t *v;
  int n;
  CHECK(p != NULL);
  if (!p) goto done;
  CHECK(strcmp(get(p, "a"), "<none>") == 0);
  CHECK(put(p, "a", "1") == TITO_OK);
  CHECK(strcmp(get(p, "a"), "1") == 0);
  CHECK(put(p, "a", "2") == TITO_OK);
  CHECK(strcmp(get(p, "a"), "2") == 0);
  CHECK(ins(p, "a", "3") == TITO_EXISTS);
  CHECK(strcmp(get(p, "a"), "2") == 0);
  CHECK(ins(p, "b", "3") == TITO_OK);
  CHECK(strcmp(get(p, "b"), "3") == 0);
  CHECK(del(p, "a") == TITO_OK);
  CHECK(strcmp(get(p, "a"), "<none>") == 0);
  CHECK(del(p, "a") == TITO_OK); /* absent: fine */
  /* Empty key and empty value are real values, not NULL. */
  CHECK(put(p, "", "") == TITO_OK);
  CHECK(M(p)->xGet(p, (const uint8_t *)"", 0, &v, &n) == TITO_OK);
  CHECK(n == 0 && v != NULL);
  CHECK(strcmp(sql1(db, "SELECT typeof(k)||typeof(v) FROM tito_store "
                        "WHERE k=x''"), "blobblob") == 0);
  CHECK(ins(p, "", "x") == TITO_EXISTS);
  /* Binary keys with NUL bytes. */
  {
    const uint8_t k1[] = {0, 1, 0}, k2[] = {0, 1};
    CHECK(M(p)->xPut(p, k1, 3, (const uint8_t *)"k1", 2) == TITO_OK);
    CHECK(M(p)->xPut(p, k2, 2, (const uint8_t *)"k2", 2) == TITO_OK);
    CHECK(M(p)->xGet(p, k1, 3, &v, &n) == TITO_OK && n == 2 &&
          memcmp(v, "k1", 2) == 0);
    CHECK(M(p)->xGet(p, k2, 2, &v, &n) == TITO_OK && n == 2 &&
          memcmp(v, "k2", 2) == 0);
  }
  /* A large value, and the returned pointer survives other writes until
  ** the next call on the handle. */
  {
    static uint8_t big[100000];
    int i;
    for (i = 0; i < (int)sizeof(big); i++) big[i] = (uint8_t)(i * 7);
    CHECK(M(p)->xPut(p, (const uint8_t *)"big", 3, big, (int)sizeof(big)) ==
          TITO_OK);
    CHECK(M(p)->xGet(p, (const uint8_t *)"big", 3, &v, &n) == TITO_OK);
    CHECK(n == (int)sizeof(big) && memcmp(v, big, sizeof(big)) == 0);
    CHECK(exec(db, "UPDATE tito_store SET v=x'00' WHERE k=CAST('big' AS BLOB)")
          == SQLITE_OK);
    CHECK(n == (int)sizeof(big) && memcmp(v, big, sizeof(big)) == 0);
  }
  /* Range delete with each kind of bound. */
  CHECK(exec(db, "DELETE FROM tito_store") == SQLITE_OK);
  {
    const char *az[] = {"a", "aa", "ab", "b", "ba", "c", "d"};
    int i;
    for (i = 0; i < 7; i++) put(p, az[i], "v");
  }
  CHECK(delRange(p, "aa", "b") == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, TITO_SCAN_KEYONLY, 0), "a,b,ba,c,d") == 0);
  CHECK(delRange(p, NULL, "b") == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, TITO_SCAN_KEYONLY, 0), "b,ba,c,d") == 0);
  CHECK(delRange(p, "c", NULL) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, TITO_SCAN_KEYONLY, 0), "b,ba") == 0);
  CHECK(delRange(p, "ba", "ba") == TITO_OK); /* empty range */
  CHECK(strcmp(scan(p, 0, 0, TITO_SCAN_KEYONLY, 0), "b,ba") == 0);
  CHECK(delRange(p, NULL, NULL) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, TITO_SCAN_KEYONLY, 0), "") == 0);
  CHECK(strcmp(M(p)->xErrmsg(p), "") == 0);
  M(p)->xClose(p);
done:
  sqlite3_close(db);
  check_group("kv_embedded: get/put/insert/delete/delete-range");
}

static void test_scans(void) {
  sqlite3 *db = openDb(":memory:");
  tito_kv *p = openKv(db, NULL);
  const char *az[] = {"a", "ab", "abc", "abd", "b", "ba", "c"};
  int i;
  CHECK(p != NULL);
  if (!p) goto done;
  for (i = 0; i < 7; i++) put(p, az[i], az[i]);
  put(p, "", "E");
  CHECK(strcmp(scan(p, 0, 0, 0, 0), "=E,a=a,ab=ab,abc=abc,abd=abd,b=b,ba=ba,"
                                    "c=c") == 0);
  CHECK(strcmp(scan(p, 0, 0, TITO_SCAN_REVERSE | TITO_SCAN_KEYONLY, 0),
               "c,ba,b,abd,abc,ab,a,") == 0);
  /* Prefix bounds: [ab, ac) holds ab and its extensions only. */
  CHECK(strcmp(scan(p, "ab", "ac", TITO_SCAN_KEYONLY, 0), "ab,abc,abd") == 0);
  CHECK(strcmp(scan(p, "ab", "ac", TITO_SCAN_KEYONLY | TITO_SCAN_REVERSE, 0),
               "abd,abc,ab") == 0);
  CHECK(strcmp(scan(p, "ab", "abc", TITO_SCAN_KEYONLY, 0), "ab") == 0);
  CHECK(strcmp(scan(p, "abc", "b", TITO_SCAN_KEYONLY, 0), "abc,abd") == 0);
  /* Unbounded sides; the empty key is the least key. */
  CHECK(strcmp(scan(p, 0, "ab", TITO_SCAN_KEYONLY, 0), ",a") == 0);
  CHECK(strcmp(scan(p, "", "a", 0, 0), "=E") == 0);
  CHECK(strcmp(scan(p, "", "", 0, 0), "") == 0);
  CHECK(strcmp(scan(p, "b", 0, 0, 0), "b=b,ba=ba,c=c") == 0);
  CHECK(strcmp(scan(p, "b", 0, TITO_SCAN_REVERSE, 0), "c=c,ba=ba,b=b") == 0);
  CHECK(strcmp(scan(p, "bb", 0, TITO_SCAN_KEYONLY, 0), "c") == 0);
  /* Empty and inverted ranges. */
  CHECK(strcmp(scan(p, "b", "b", 0, 0), "") == 0);
  CHECK(strcmp(scan(p, "c", "a", 0, 0), "") == 0);
  CHECK(strcmp(scan(p, "d", 0, 0, 0), "") == 0);
  /* Limits. */
  CHECK(strcmp(scan(p, "a", 0, TITO_SCAN_KEYONLY, 2), "a,ab") == 0);
  CHECK(strcmp(scan(p, 0, "b", TITO_SCAN_KEYONLY | TITO_SCAN_REVERSE, 2),
               "abd,abc") == 0);
  CHECK(strcmp(scan(p, 0, 0, TITO_SCAN_KEYONLY, 100), ",a,ab,abc,abd,b,ba,c")
        == 0);
  CHECK(strcmp(scan(p, 0, 0, TITO_SCAN_KEYONLY, -5), ",a,ab,abc,abd,b,ba,c")
        == 0);
  /* A bound that is the caller's temporary buffer: freed right after
  ** xScan, the iterator must not read it again. */
  {
    char *lo = malloc(3), *hi = malloc(3);
    tito_kv_iter *it;
    int nk, cnt = 0;
    memcpy(lo, "ab", 3);
    memcpy(hi, "ba", 3);
    CHECK(M(p)->xScan(p, (uint8_t *)lo, 2, (uint8_t *)hi, 2, 0, 0, &it) ==
          TITO_OK);
    memset(lo, 'z', 3);
    memset(hi, 0, 3);
    free(lo);
    free(hi);
    for (; !M(p)->xIterEof(it); M(p)->xIterNext(it)) {
      M(p)->xIterKey(it, &nk);
      cnt++;
    }
    M(p)->xIterClose(it);
    CHECK(cnt == 4); /* ab abc abd b */
  }
  /* Memcmp order of bytes above 0x7f, and a key after its prefix. */
  {
    const uint8_t k1[] = {0xff}, k2[] = {0xff, 0x00}, k3[] = {0x80};
    tito_kv_iter *it;
    int nk;
    const uint8_t *k;
    M(p)->xPut(p, k1, 1, k1, 1);
    M(p)->xPut(p, k2, 2, k2, 2);
    M(p)->xPut(p, k3, 1, k3, 1);
    CHECK(M(p)->xScan(p, (const uint8_t *)"c", 1, NULL, 0, TITO_SCAN_KEYONLY,
                      0, &it) == TITO_OK);
    k = M(p)->xIterKey(it, &nk);
    CHECK(nk == 1 && k[0] == 'c');
    M(p)->xIterNext(it);
    k = M(p)->xIterKey(it, &nk);
    CHECK(nk == 1 && k[0] == 0x80);
    M(p)->xIterNext(it);
    k = M(p)->xIterKey(it, &nk);
    CHECK(nk == 1 && k[0] == 0xff);
    M(p)->xIterNext(it);
    k = M(p)->xIterKey(it, &nk);
    CHECK(nk == 2 && k[0] == 0xff && k[1] == 0);
    CHECK(M(p)->xIterNext(it) == TITO_OK && M(p)->xIterEof(it));
    CHECK(M(p)->xIterNext(it) == TITO_OK && M(p)->xIterEof(it));
    M(p)->xIterClose(it);
  }
  M(p)->xClose(p);
done:
  sqlite3_close(db);
  check_group("kv_embedded: ordered scans, bounds, limits, key-only");
}

/* Many iterators open at once, interleaved; then reuse of pooled ones. */
/* A damaged store may hold a key that is not a blob: SQLite sorts it
** before every blob. A scan's far bound, checked on the keys read, must
** keep SQLite's order: such a key is below an upper bound (the scan goes
** on to the blobs after it) and below a lower one (a reverse scan ends). */
static void test_scans_nonblob_keys(void) {
  sqlite3 *db = openDb(":memory:");
  tito_kv *p = openKv(db, "main");
  CHECK(p != NULL);
  if (!p) goto done;
  put(p, "a", "a");
  put(p, "b", "b");
  put(p, "c", "c");
  CHECK(sqlite3_exec(db, "INSERT INTO tito_store VALUES ('zzz', x'00')", 0,
                     0, 0) == SQLITE_OK);
  CHECK(strcmp(scan(p, 0, "c", TITO_SCAN_KEYONLY, 0), "zzz,a,b") == 0);
  CHECK(strcmp(scan(p, "a", 0, TITO_SCAN_KEYONLY | TITO_SCAN_REVERSE, 0),
               "c,b,a") == 0);
  CHECK(strcmp(scan(p, "a", "c", TITO_SCAN_KEYONLY | TITO_SCAN_REVERSE, 0),
               "b,a") == 0);
  CHECK(strcmp(scan(p, "a", "c", TITO_SCAN_KEYONLY, 0), "a,b") == 0);
  p->pMethods->xClose(p);
done:
  sqlite3_close(db);
  check_group("kv_embedded: a key that is not a blob keeps SQLite's order "
              "at a scan's far bound");
}

static void test_many_iterators(void) {
  enum { N_IT = 40, N_KEY = 50 };
  sqlite3 *db = openDb(":memory:");
  tito_kv *p = openKv(db, "main");
  tito_kv_iter *a[N_IT];
  int pos[N_IT];
  char k[16];
  int i, round, ok = 1;
  CHECK(p != NULL);
  if (!p) goto done;
  for (i = 0; i < N_KEY; i++) {
    snprintf(k, sizeof(k), "k%03d", i);
    put(p, k, k);
  }
  for (round = 0; round < 3; round++) {
    for (i = 0; i < N_IT; i++) {
      int flags = (i % 2 ? TITO_SCAN_REVERSE : 0) | (i % 3 ? 0 : TITO_SCAN_KEYONLY);
      CHECK(M(p)->xScan(p, NULL, 0, NULL, 0, flags, 0, &a[i]) == TITO_OK);
      pos[i] = 0;
    }
    /* Step each iterator by a different stride, check what it sees. */
    for (int step = 0; step < N_KEY + 5; step++) {
      for (i = 0; i < N_IT; i++) {
        int nk, want;
        const uint8_t *kk;
        if (M(p)->xIterEof(a[i])) {
          if (pos[i] != N_KEY) ok = 0;
          continue;
        }
        want = i % 2 ? N_KEY - 1 - pos[i] : pos[i];
        snprintf(k, sizeof(k), "k%03d", want);
        kk = M(p)->xIterKey(a[i], &nk);
        if (nk != 4 || memcmp(kk, k, 4) != 0) ok = 0;
        if (i % 3) {
          int nv;
          const uint8_t *vv = M(p)->xIterValue(a[i], &nv);
          if (nv != 4 || memcmp(vv, k, 4) != 0) ok = 0;
        }
        if ((step + i) % 2 == 0 || round == 2) {
          M(p)->xIterNext(a[i]);
          pos[i]++;
        }
      }
    }
    /* Close in a scrambled order. */
    for (i = 0; i < N_IT; i++) M(p)->xIterClose(a[(i * 7) % N_IT]);
  }
  CHECK(ok);
  /* Nothing left active on the connection once all are closed. */
  CHECK(sqlite3_next_stmt(db, NULL) != NULL);
  {
    sqlite3_stmt *s = NULL;
    int nBusy = 0;
    while ((s = sqlite3_next_stmt(db, s)) != NULL) nBusy += sqlite3_stmt_busy(s);
    CHECK(nBusy == 0);
  }
  M(p)->xClose(p);
  CHECK(sqlite3_next_stmt(db, NULL) == NULL); /* all finalized */
done:
  CHECK(sqlite3_close(db) == SQLITE_OK);
  check_group("kv_embedded: many concurrent iterators, pooled reuse");
}

/* xMultiGet collects found keys; a non-zero xRow stops the batch. */
typedef struct MgCtx {
  int nSeen;
  int aIdx[16];
  char az[16][8];
  int nStopAt; /* return 99 on this call (1-based), 0 never */
} MgCtx;

static int mgRow(void *pCtx, int iKey, const uint8_t *pVal, int nVal) {
  MgCtx *c = pCtx;
  c->aIdx[c->nSeen] = iKey;
  memcpy(c->az[c->nSeen], pVal, (size_t)nVal);
  c->az[c->nSeen][nVal] = 0;
  c->nSeen++;
  return c->nSeen == c->nStopAt ? 99 : 0;
}

/* Count hits per key index; the value must be the key itself. */
static int mgHit(void *pCtx, int iKey, const uint8_t *pVal, int nVal) {
  int *aHit = pCtx;
  (void)pVal;
  aHit[iKey] += nVal == 3 ? 1 : 100;
  return 0;
}

/* Order the collected rows by key index. */
static void mgSort(MgCtx *c) {
  int i, j;
  for (i = 1; i < c->nSeen; i++) {
    for (j = i; j > 0 && c->aIdx[j - 1] > c->aIdx[j]; j--) {
      int t = c->aIdx[j];
      char z[8];
      c->aIdx[j] = c->aIdx[j - 1];
      c->aIdx[j - 1] = t;
      memcpy(z, c->az[j], 8);
      memcpy(c->az[j], c->az[j - 1], 8);
      memcpy(c->az[j - 1], z, 8);
    }
  }
}

static void test_multiget(void) {
  sqlite3 *db = openDb(":memory:");
  tito_kv *p = openKv(db, "main");
  const char *az[] = {"x", "a", "zz", "b", "", "c"};
  const uint8_t *ap[6];
  int an[6], i;
  MgCtx c;
  CHECK(p != NULL);
  if (!p) goto done;
  put(p, "a", "A");
  put(p, "b", "B");
  put(p, "c", "C");
  put(p, "", "E");
  for (i = 0; i < 6; i++) {
    ap[i] = (const uint8_t *)az[i];
    an[i] = (int)strlen(az[i]);
  }
  memset(&c, 0, sizeof(c));
  CHECK(M(p)->xMultiGet(p, 6, ap, an, mgRow, &c) == TITO_OK);
  CHECK(c.nSeen == 4);
  mgSort(&c); /* kv.h: keys come in no particular order */
  CHECK(c.aIdx[0] == 1 && strcmp(c.az[0], "A") == 0);
  CHECK(c.aIdx[1] == 3 && strcmp(c.az[1], "B") == 0);
  CHECK(c.aIdx[2] == 4 && strcmp(c.az[2], "E") == 0);
  CHECK(c.aIdx[3] == 5 && strcmp(c.az[3], "C") == 0);
  memset(&c, 0, sizeof(c));
  c.nStopAt = 2;
  CHECK(M(p)->xMultiGet(p, 6, ap, an, mgRow, &c) == 99);
  CHECK(c.nSeen == 2);
  memset(&c, 0, sizeof(c));
  CHECK(M(p)->xMultiGet(p, 0, ap, an, mgRow, &c) == TITO_OK && c.nSeen == 0);
  {
    /* Several batches (70 keys), every other one present, one repeated. */
    char azK[70][16];
    const uint8_t *apK[70];
    int anK[70], aHit[70], k;
    for (k = 0; k < 70; k++) {
      snprintf(azK[k], sizeof(azK[k]), "m%02d", k == 69 ? 2 : k);
      apK[k] = (const uint8_t *)azK[k];
      anK[k] = (int)strlen(azK[k]);
      if (k % 2 == 0 && k < 69) put(p, azK[k], azK[k]);
    }
    memset(aHit, 0, sizeof(aHit));
    CHECK(M(p)->xMultiGet(p, 70, apK, anK, mgHit, aHit) == TITO_OK);
    for (k = 0; k < 70; k++) {
      CHECK(aHit[k] == ((k % 2 == 0 || k == 69) ? 1 : 0));
    }
  }
  M(p)->xClose(p);
done:
  sqlite3_close(db);
  check_group("kv_embedded: multi-get");
}

static void test_savepoints(void) {
  sqlite3 *db = openDb(":memory:");
  tito_kv *p = openKv(db, "main");
  CHECK(p != NULL);
  if (!p) goto done;
  CHECK(M(p)->xBegin(p) == TITO_OK);
  put(p, "a", "1");
  put(p, "b", "1");
  CHECK(M(p)->xSavepoint(p, 0) == TITO_OK);
  put(p, "a", "2");          /* overwrite */
  ins(p, "c", "2");          /* new key */
  del(p, "b");               /* delete */
  CHECK(M(p)->xSavepoint(p, 1) == TITO_OK);
  put(p, "a", "3");
  put(p, "d", "3");
  CHECK(ins(p, "d", "x") == TITO_EXISTS);
  CHECK(strcmp(scan(p, 0, 0, 0, 0), "a=3,c=2,d=3") == 0);
  CHECK(M(p)->xRollbackTo(p, 1) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, 0, 0), "a=2,c=2") == 0);
  /* Mark 1 stays: more writes, then roll back to it again. */
  put(p, "e", "4");
  delRange(p, NULL, NULL);
  CHECK(strcmp(scan(p, 0, 0, 0, 0), "") == 0);
  CHECK(M(p)->xRollbackTo(p, 1) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, 0, 0), "a=2,c=2") == 0);
  CHECK(M(p)->xRollbackTo(p, 0) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, 0, 0), "a=1,b=1") == 0);
  /* Mark 0 stays after rollback-to; release keeps the writes. */
  put(p, "f", "5");
  CHECK(M(p)->xSavepoint(p, 1) == TITO_OK);
  put(p, "g", "6");
  CHECK(M(p)->xRelease(p, 1) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, 0, 0), "a=1,b=1,f=5,g=6") == 0);
  CHECK(M(p)->xRollbackTo(p, 0) == TITO_OK); /* g was under 1, now under 0 */
  CHECK(strcmp(scan(p, 0, 0, 0, 0), "a=1,b=1") == 0);
  /* A released mark is gone: rolling back to it undoes nothing. */
  CHECK(M(p)->xRelease(p, 0) == TITO_OK);
  put(p, "h", "7");
  CHECK(M(p)->xRollbackTo(p, 0) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, 0, 0), "a=1,b=1,h=7") == 0);
  /* Skipped numbers and an unseen mark: marks 2 and 5 are set; rolling
  ** back to unseen 3 undoes what came after mark 5 (the oldest mark above
  ** 3), and 3 then stands for that mark. */
  CHECK(M(p)->xSavepoint(p, 2) == TITO_OK);
  put(p, "i", "8");
  CHECK(M(p)->xSavepoint(p, 5) == TITO_OK);
  put(p, "j", "9");
  CHECK(M(p)->xRollbackTo(p, 3) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, TITO_SCAN_KEYONLY, 0), "a,b,h,i") == 0);
  put(p, "k", "10");
  CHECK(M(p)->xRollbackTo(p, 3) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, TITO_SCAN_KEYONLY, 0), "a,b,h,i") == 0);
  /* An unseen mark above all marks: nothing to undo. */
  put(p, "l", "11");
  CHECK(M(p)->xRollbackTo(p, 9) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, TITO_SCAN_KEYONLY, 0), "a,b,h,i,l") == 0);
  CHECK(M(p)->xRollbackTo(p, 2) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, TITO_SCAN_KEYONLY, 0), "a,b,h") == 0);
  /* Range delete under a mark is logged key by key. */
  put(p, "m", "12");
  CHECK(M(p)->xSavepoint(p, 3) == TITO_OK);
  CHECK(delRange(p, "b", "m") == TITO_OK);
  CHECK(del(p, "zz") == TITO_OK); /* absent key under a mark */
  CHECK(strcmp(scan(p, 0, 0, 0, 0), "a=1,m=12") == 0);
  CHECK(M(p)->xRollbackTo(p, 3) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, 0, 0), "a=1,b=1,h=7,m=12") == 0);
  /* What SQLite sends when the handle joins inside SAVEPOINT a, b: a
  ** catch-up mark 1, then ROLLBACK TO a as xRollbackTo(0), and ROLLBACK TO
  ** a transaction-opening SAVEPOINT as xRollbackTo(-1). */
  CHECK(M(p)->xRelease(p, 0) == TITO_OK);
  CHECK(M(p)->xSavepoint(p, 1) == TITO_OK);
  put(p, "x1", "1");
  CHECK(M(p)->xSavepoint(p, 2) == TITO_OK);
  put(p, "x2", "2");
  CHECK(M(p)->xRollbackTo(p, 0) == TITO_OK);
  CHECK(strcmp(scan(p, "x", 0, TITO_SCAN_KEYONLY, 0), "") == 0);
  put(p, "x3", "3");
  CHECK(M(p)->xRollbackTo(p, -1) == TITO_OK);
  CHECK(strcmp(scan(p, "x", 0, TITO_SCAN_KEYONLY, 0), "") == 0);
  CHECK(M(p)->xRelease(p, -1) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, 0, 0), "a=1,b=1,h=7,m=12") == 0);
  /* Commit and rollback forget the marks (data is SQLite's business). */
  CHECK(M(p)->xPrepare(p) == TITO_OK);
  M(p)->xCommit(p);
  put(p, "n", "13");
  CHECK(M(p)->xRollbackTo(p, 2) == TITO_OK);
  CHECK(strcmp(scan(p, 0, 0, TITO_SCAN_KEYONLY, 0), "a,b,h,m,n") == 0);
  /* Commit/rollback without begin, release of nothing: no-ops. */
  M(p)->xRollback(p);
  M(p)->xCommit(p);
  CHECK(M(p)->xRelease(p, 0) == TITO_OK);
  M(p)->xClose(p);
done:
  sqlite3_close(db);
  check_group("kv_embedded: savepoint marks, rollback-to, release");
}

/* Writes commit and roll back with SQLite's transaction; a file database
** keeps them across close and reopen. */
static void test_atomic_file(void) {
  char zDir[] = "/tmp/tito_kv_XXXXXX";
  char zFile[64];
  sqlite3 *db;
  tito_kv *p;
  if (mkdtemp(zDir) == NULL) {
    CHECK(0);
    check_group("kv_embedded: atomic with SQLite transactions, reopen");
    return;
  }
  snprintf(zFile, sizeof(zFile), "%s/t.db", zDir);
  db = openDb(zFile);
  p = openKv(db, "main");
  CHECK(p != NULL);
  if (p) {
    CHECK(exec(db, "BEGIN") == SQLITE_OK);
    put(p, "r", "rolled back");
    CHECK(strcmp(get(p, "r"), "rolled back") == 0);
    CHECK(exec(db, "ROLLBACK") == SQLITE_OK);
    M(p)->xRollback(p);
    CHECK(strcmp(get(p, "r"), "<none>") == 0);
    CHECK(exec(db, "BEGIN") == SQLITE_OK);
    put(p, "c", "committed");
    put(p, "d", "deleted later");
    CHECK(exec(db, "COMMIT") == SQLITE_OK);
    CHECK(exec(db, "BEGIN") == SQLITE_OK);
    del(p, "d");
    put(p, "c", "changed then rolled back");
    CHECK(exec(db, "ROLLBACK") == SQLITE_OK);
    CHECK(exec(db, "BEGIN") == SQLITE_OK);
    del(p, "d");
    CHECK(exec(db, "COMMIT") == SQLITE_OK);
    put(p, "e", "autocommit");
    M(p)->xClose(p);
  }
  CHECK(sqlite3_close(db) == SQLITE_OK);
  db = openDb(zFile);
  p = openKv(db, "main"); /* the table exists already */
  CHECK(p != NULL);
  if (p) {
    CHECK(strcmp(scan(p, 0, 0, 0, 0), "c=committed,e=autocommit") == 0);
    M(p)->xClose(p);
  }
  sqlite3_close(db);
  /* A read-only connection: reads work, writes say TITO_READONLY. */
  if (sqlite3_open_v2(zFile, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
    p = openKv(db, "main");
    CHECK(p != NULL);
    if (p) {
      CHECK(strcmp(get(p, "c"), "committed") == 0);
      CHECK(put(p, "x", "y") == TITO_READONLY);
      CHECK(strstr(M(p)->xErrmsg(p), "writing a key: ") != NULL);
      CHECK(strstr(M(p)->xErrmsg(p), "readonly") != NULL);
      M(p)->xClose(p);
    }
  } else {
    CHECK(0);
  }
  sqlite3_close(db);
  unlink(zFile);
  rmdir(zDir);
  check_group("kv_embedded: atomic with SQLite transactions, reopen");
}

/* An attached schema (with a name that needs quoting) is a separate
** store; a missing schema fails with a message. */
static void test_schemas(void) {
  sqlite3 *db = openDb(":memory:");
  tito_kv *pMain, *pAux, *pTemp, *pBad = NULL;
  char *zErr = NULL;
  CHECK(exec(db, "ATTACH ':memory:' AS \"we\"\"ird sch\"") == SQLITE_OK);
  pMain = openKv(db, "main");
  pAux = openKv(db, "we\"ird sch");
  pTemp = openKv(db, "temp");
  CHECK(pMain && pAux && pTemp);
  if (pMain && pAux && pTemp) {
    put(pMain, "k", "main");
    put(pAux, "k", "aux");
    put(pTemp, "k", "temp");
    CHECK(strcmp(get(pMain, "k"), "main") == 0);
    CHECK(strcmp(get(pAux, "k"), "aux") == 0);
    CHECK(strcmp(get(pTemp, "k"), "temp") == 0);
    CHECK(strcmp(sql1(db, "SELECT CAST(v AS TEXT) FROM \"we\"\"ird sch\"."
                          "tito_store"), "aux") == 0);
    CHECK(strcmp(sql1(db, "SELECT CAST(v AS TEXT) FROM temp.tito_store"),
                 "temp") == 0);
  }
  if (pMain) M(pMain)->xClose(pMain);
  if (pAux) M(pAux)->xClose(pAux);
  if (pTemp) M(pTemp)->xClose(pTemp);
  CHECK(tito_kv_embedded_open(db, "nosuch", &pBad, &zErr) == TITO_ERROR);
  CHECK(pBad == NULL);
  CHECK(zErr != NULL && strstr(zErr, "nosuch") != NULL);
  sqlite3_free(zErr);
  CHECK(sqlite3_close(db) == SQLITE_OK);
  check_group("kv_embedded: :memory:, temp and attached schemas");
}

/* Writes through the handle while scans are open on the table: no crash,
** no endless loop, each iterator ends. */
static void test_scan_while_writing(void) {
  sqlite3 *db = openDb(":memory:");
  tito_kv *p = openKv(db, "main");
  tito_kv_iter *it, *it2;
  char k[16];
  int i, n = 0, ok = 1;
  CHECK(p != NULL);
  if (!p) goto done;
  for (i = 0; i < 200; i += 2) {
    snprintf(k, sizeof(k), "k%03d", i);
    put(p, k, "v");
  }
  CHECK(M(p)->xScan(p, NULL, 0, NULL, 0, 0, 0, &it) == TITO_OK);
  CHECK(M(p)->xScan(p, NULL, 0, NULL, 0, TITO_SCAN_REVERSE, 0, &it2) ==
        TITO_OK);
  while (!M(p)->xIterEof(it) && n < 10000) {
    int nk;
    char cur[16];
    const uint8_t *kk = M(p)->xIterKey(it, &nk);
    if (nk != 4) ok = 0;
    memcpy(cur, kk, 4);
    cur[4] = 0;
    i = atoi(cur + 1);
    put(p, cur, "updated");                 /* the current key */
    snprintf(k, sizeof(k), "k%03d", i + 1); /* a key just ahead */
    put(p, k, "new");
    snprintf(k, sizeof(k), "k%03d", i + 4); /* a key further ahead */
    del(p, k);
    if (i > 0) { /* a key behind */
      snprintf(k, sizeof(k), "k%03d", i - 1);
      del(p, k);
    }
    if (i % 10 == 0) delRange(p, "k150", "k160");
    if (!M(p)->xIterEof(it2)) M(p)->xIterNext(it2);
    if (M(p)->xIterNext(it) != TITO_OK) ok = 0;
    n++;
  }
  CHECK(ok);
  CHECK(n < 10000);
  CHECK(M(p)->xIterEof(it));
  M(p)->xIterClose(it);
  M(p)->xIterClose(it2);
  M(p)->xClose(p);
done:
  sqlite3_close(db);
  check_group("kv_embedded: scans while writing on the same table");
}

/* ---------------------------------------------------------------------- */
/* Differential test against a sorted-array reference model. */

typedef struct RefEnt {
  uint8_t k[4];
  int nk;
  uint8_t v[8];
  int nv;
} RefEnt;

typedef struct Ref {
  RefEnt a[128];
  int n;
} Ref;

static int refCmp(const uint8_t *a, int na, const uint8_t *b, int nb) {
  int n = na < nb ? na : nb;
  int c = n ? memcmp(a, b, (size_t)n) : 0;
  return c ? c : na - nb;
}

/* Index of the first entry >= key. */
static int refFind(const Ref *r, const uint8_t *k, int nk) {
  int lo = 0, hi = r->n;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (refCmp(r->a[mid].k, r->a[mid].nk, k, nk) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static int refHas(const Ref *r, const uint8_t *k, int nk, int *pi) {
  int i = refFind(r, k, nk);
  *pi = i;
  return i < r->n && refCmp(r->a[i].k, r->a[i].nk, k, nk) == 0;
}

static void refPut(Ref *r, const uint8_t *k, int nk, const uint8_t *v, int nv) {
  int i;
  if (!refHas(r, k, nk, &i)) {
    memmove(&r->a[i + 1], &r->a[i], sizeof(RefEnt) * (size_t)(r->n - i));
    r->n++;
    memcpy(r->a[i].k, k, (size_t)nk);
    r->a[i].nk = nk;
  }
  memcpy(r->a[i].v, v, (size_t)nv);
  r->a[i].nv = nv;
}

static void refDel(Ref *r, const uint8_t *k, int nk) {
  int i;
  if (refHas(r, k, nk, &i)) {
    memmove(&r->a[i], &r->a[i + 1], sizeof(RefEnt) * (size_t)(r->n - i - 1));
    r->n--;
  }
}

/* Does entry e fall in [lo, hi) (NULL = unbounded)? */
static int refIn(const RefEnt *e, const uint8_t *lo, int nlo,
                 const uint8_t *hi, int nhi) {
  if (lo && refCmp(e->k, e->nk, lo, nlo) < 0) return 0;
  if (hi && refCmp(e->k, e->nk, hi, nhi) >= 0) return 0;
  return 1;
}

static unsigned rngState = 12345;
static unsigned rnd(unsigned n) {
  rngState = rngState * 1103515245u + 12345u;
  return (rngState >> 8) % n;
}

/* A random key of 0..3 bytes over {00, 01, 'a', ff}: many prefixes. */
static int rndKey(uint8_t *k) {
  static const uint8_t alpha[] = {0x00, 0x01, 'a', 0xff};
  int n = (int)rnd(4), i;
  for (i = 0; i < n; i++) k[i] = alpha[rnd(4)];
  return n;
}

typedef struct RefMark {
  int iSave;
  Ref snap;
} RefMark;

/* Compare one scan of the store with the model; returns 1 if equal. */
static int diffScan(tito_kv *p, const Ref *r, const uint8_t *lo, int nlo,
                    const uint8_t *hi, int nhi, int flags, int64_t nLimit) {
  tito_kv_iter *it;
  int idx[128], nIdx = 0, i, got = 0;
  if (M(p)->xScan(p, lo, nlo, hi, nhi, flags, nLimit, &it) != TITO_OK) return 0;
  for (i = 0; i < r->n; i++) {
    if (refIn(&r->a[i], lo, nlo, hi, nhi)) idx[nIdx++] = i;
  }
  for (i = 0; i < nIdx && (nLimit <= 0 || i < nLimit); i++) {
    const RefEnt *e = &r->a[idx[(flags & TITO_SCAN_REVERSE) ? nIdx - 1 - i : i]];
    int nk, nv;
    const uint8_t *k, *v;
    if (M(p)->xIterEof(it)) break;
    k = M(p)->xIterKey(it, &nk);
    if (refCmp(k, nk, e->k, e->nk) != 0) break;
    if (!(flags & TITO_SCAN_KEYONLY)) {
      v = M(p)->xIterValue(it, &nv);
      if (refCmp(v, nv, e->v, e->nv) != 0) break;
    }
    got++;
    M(p)->xIterNext(it);
  }
  i = M(p)->xIterEof(it) &&
      got == (nLimit > 0 && nLimit < nIdx ? (int)nLimit : nIdx);
  M(p)->xIterClose(it);
  return i;
}

static void test_differential(void) {
  static RefMark aMark[16];
  static Ref ref;
  sqlite3 *db = openDb(":memory:");
  tito_kv *p = openKv(db, "main");
  int nMark = 0, nextSave = 0, step, ok = 1, nOps = 20000;
  int nScan = 0, nRollback = 0;
  CHECK(p != NULL);
  if (!p) goto done;
  memset(&ref, 0, sizeof(ref));
  CHECK(exec(db, "BEGIN") == SQLITE_OK);
  M(p)->xBegin(p);
  for (step = 0; step < nOps && ok; step++) {
    uint8_t k[4], k2[4], v[8];
    int nk = rndKey(k), nk2, nv = (int)rnd(8), i, op = (int)rnd(100);
    for (i = 0; i < nv; i++) v[i] = (uint8_t)rnd(256);
    if (op < 25) {
      ok = M(p)->xPut(p, k, nk, v, nv) == TITO_OK;
      refPut(&ref, k, nk, v, nv);
    } else if (op < 35) {
      int exists = refHas(&ref, k, nk, &i);
      int rc = M(p)->xInsert(p, k, nk, v, nv);
      ok = rc == (exists ? TITO_EXISTS : TITO_OK);
      if (!exists) refPut(&ref, k, nk, v, nv);
    } else if (op < 45) {
      ok = M(p)->xDelete(p, k, nk) == TITO_OK;
      refDel(&ref, k, nk);
    } else if (op < 49) {
      int bLo = rnd(4) != 0, bHi = rnd(4) != 0;
      nk2 = rndKey(k2);
      ok = M(p)->xDeleteRange(p, bLo ? k : NULL, nk, bHi ? k2 : NULL, nk2) ==
           TITO_OK;
      for (i = ref.n - 1; i >= 0; i--) {
        if (refIn(&ref.a[i], bLo ? k : NULL, nk, bHi ? k2 : NULL, nk2)) {
          refDel(&ref, ref.a[i].k, ref.a[i].nk);
        }
      }
    } else if (op < 64) {
      const uint8_t *pv;
      int npv, exists = refHas(&ref, k, nk, &i);
      int rc = M(p)->xGet(p, k, nk, &pv, &npv);
      ok = exists ? (rc == TITO_OK &&
                     refCmp(pv, npv, ref.a[i].v, ref.a[i].nv) == 0)
                  : rc == TITO_NOTFOUND;
    } else if (op < 78) {
      int bLo = rnd(3) != 0, bHi = rnd(3) != 0;
      nk2 = rndKey(k2);
      nScan++;
      ok = diffScan(p, &ref, bLo ? k : NULL, nk, bHi ? k2 : NULL, nk2,
                    (int)rnd(4), rnd(3) ? 0 : (int64_t)rnd(6));
    } else if (op < 86) {
      if (nMark < 16) {
        nextSave += 1 + (int)rnd(2); /* numbers may skip */
        ok = M(p)->xSavepoint(p, nextSave) == TITO_OK;
        aMark[nMark].iSave = nextSave;
        aMark[nMark].snap = ref;
        nMark++;
      }
    } else if (op < 94) {
      /* Roll back to a seen mark, or to an unseen number: the oldest mark
      ** at or above it, or nothing. */
      int target = nMark ? aMark[rnd((unsigned)nMark)].iSave : 0;
      if (rnd(5) == 0) target = (int)rnd((unsigned)nextSave + 2);
      ok = M(p)->xRollbackTo(p, target) == TITO_OK;
      for (i = 0; i < nMark && aMark[i].iSave < target; i++) {
      }
      if (i < nMark) {
        ref = aMark[i].snap;
        aMark[i].iSave = target;
        nMark = i + 1;
        nRollback++;
      }
      if (nMark) nextSave = aMark[nMark - 1].iSave;
    } else {
      int target = nMark ? aMark[rnd((unsigned)nMark)].iSave : 0;
      ok = M(p)->xRelease(p, target) == TITO_OK;
      while (nMark > 0 && aMark[nMark - 1].iSave >= target) nMark--;
    }
    if (!ok) printf("# differential: step %d op %d failed\n", step, op);
  }
  CHECK(ok);
  CHECK(diffScan(p, &ref, NULL, 0, NULL, 0, 0, 0));
  CHECK(nScan > 1000 && nRollback > 100);
  /* The whole run was one SQLite transaction: rolling it back empties the
  ** store. */
  CHECK(exec(db, "ROLLBACK") == SQLITE_OK);
  M(p)->xRollback(p);
  CHECK(strcmp(sql1(db, "SELECT count(*) FROM tito_store"), "0") == 0);
  M(p)->xClose(p);
done:
  sqlite3_close(db);
  check_group("kv_embedded: differential test against a reference model");
}

/* ---------------------------------------------------------------------- */
/* The store driven from inside a virtual table: xUpdate writes through the
** handle (nested statements), the transaction methods forward to it. The
** value 'bad' makes xUpdate fail, so a multi-row statement must roll back
** its earlier rows. */

typedef struct NestVtab {
  sqlite3_vtab base;
  tito_kv *pKv;
} NestVtab;

typedef struct NestCur {
  sqlite3_vtab_cursor base;
} NestCur;

static int nestConnect(sqlite3 *db, void *pAux, int argc,
                       const char *const *argv, sqlite3_vtab **ppVtab,
                       char **pzErr) {
  NestVtab *v;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(k TEXT PRIMARY KEY) "
                                    "WITHOUT ROWID");
  (void)argc;
  (void)argv;
  (void)pzErr;
  if (rc != SQLITE_OK) return rc;
  v = sqlite3_malloc(sizeof(*v));
  if (v == NULL) return SQLITE_NOMEM;
  memset(v, 0, sizeof(*v));
  v->pKv = pAux;
  *ppVtab = &v->base;
  return SQLITE_OK;
}

static int nestDisconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int nestBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *p) {
  (void)pVtab;
  p->estimatedCost = 1e6;
  return SQLITE_OK;
}

static int nestOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **pp) {
  NestCur *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if (c == NULL) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *pp = &c->base;
  return SQLITE_OK;
}

static int nestClose(sqlite3_vtab_cursor *c) {
  sqlite3_free(c);
  return SQLITE_OK;
}

static int nestFilter(sqlite3_vtab_cursor *c, int i, const char *z, int n,
                      sqlite3_value **a) {
  (void)c; (void)i; (void)z; (void)n; (void)a;
  return SQLITE_OK;
}

static int nestNext(sqlite3_vtab_cursor *c) {
  (void)c;
  return SQLITE_OK;
}

static int nestEof(sqlite3_vtab_cursor *c) {
  (void)c;
  return 1; /* reads are not under test */
}

static int nestColumn(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int i) {
  (void)c; (void)i;
  sqlite3_result_null(ctx);
  return SQLITE_OK;
}

static int nestRowid(sqlite3_vtab_cursor *c, sqlite3_int64 *pRowid) {
  (void)c;
  *pRowid = 0;
  return SQLITE_OK;
}

static int nestUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                      sqlite3_int64 *pRowid) {
  tito_kv *p = ((NestVtab *)pVtab)->pKv;
  const char *k;
  (void)pRowid;
  if (argc < 3) return SQLITE_OK;
  k = (const char *)sqlite3_value_text(argv[2]);
  if (k == NULL) return SQLITE_MISUSE;
  if (strcmp(k, "bad") == 0) {
    pVtab->zErrMsg = sqlite3_mprintf("bad row");
    return SQLITE_CONSTRAINT;
  }
  return put(p, k, "v") == TITO_OK ? SQLITE_OK : SQLITE_ERROR;
}

#define NEST_KV(t) (((NestVtab *)(t))->pKv)
static int nestBegin(sqlite3_vtab *t) {
  return M(NEST_KV(t))->xBegin(NEST_KV(t)) ? SQLITE_ERROR : SQLITE_OK;
}
static int nestSync(sqlite3_vtab *t) {
  return M(NEST_KV(t))->xPrepare(NEST_KV(t)) ? SQLITE_ERROR : SQLITE_OK;
}
static int nestCommit(sqlite3_vtab *t) {
  M(NEST_KV(t))->xCommit(NEST_KV(t));
  return SQLITE_OK;
}
static int nestRollback(sqlite3_vtab *t) {
  M(NEST_KV(t))->xRollback(NEST_KV(t));
  return SQLITE_OK;
}
static int nestSavepoint(sqlite3_vtab *t, int i) {
  return M(NEST_KV(t))->xSavepoint(NEST_KV(t), i) ? SQLITE_ERROR : SQLITE_OK;
}
static int nestRelease(sqlite3_vtab *t, int i) {
  return M(NEST_KV(t))->xRelease(NEST_KV(t), i) ? SQLITE_ERROR : SQLITE_OK;
}
static int nestRollbackTo(sqlite3_vtab *t, int i) {
  return M(NEST_KV(t))->xRollbackTo(NEST_KV(t), i) ? SQLITE_ERROR : SQLITE_OK;
}

static sqlite3_module nestModule = {
  2, nestConnect, nestConnect, nestBestIndex, nestDisconnect, nestDisconnect,
  nestOpen, nestClose, nestFilter, nestNext, nestEof, nestColumn, nestRowid,
  nestUpdate, nestBegin, nestSync, nestCommit, nestRollback, NULL, NULL,
  nestSavepoint, nestRelease, nestRollbackTo, NULL,
};

/* Run the statement-rollback and savepoint scenarios on a vtab in schema
** zVtab whose store lives in zStore. Returns the final keys, e.g. "a,d". */
static const char *nestScenario(const char *zVtab, const char *zStore,
                                int bUndo, int *pbStmtOk) {
  static char z[256];
  sqlite3 *db = openDb(":memory:");
  tito_kv *p;
  char zSql[128];
  char zCreate[64];
  exec(db, "ATTACH ':memory:' AS aux");
  p = openKv(db, zStore);
  if (p == NULL) {
    sqlite3_close(db);
    return "<open>";
  }
  tito_kv_embedded_set_undo_log(p, bUndo);
  sqlite3_create_module(db, "nest", &nestModule, p);
  snprintf(zCreate, sizeof(zCreate), "CREATE VIRTUAL TABLE %s.v USING nest",
           zVtab);
  exec(db, zCreate);
  snprintf(zSql, sizeof(zSql), "SELECT group_concat(CAST(k AS TEXT), ',') "
           "FROM (SELECT k FROM \"%s\".tito_store ORDER BY k)", zStore);
  /* A multi-row statement fails inside BEGIN: its rows must go. */
  exec(db, "BEGIN");
  exec(db, "INSERT INTO v VALUES('a')");
  *pbStmtOk =
      exec(db, "INSERT INTO v VALUES('b'),('c'),('bad')") == SQLITE_CONSTRAINT &&
      strcmp(sql1(db, zSql), "a") == 0;
  exec(db, "COMMIT");
  /* Nested savepoints, ROLLBACK TO twice, RELEASE, COMMIT. */
  exec(db, "BEGIN");
  exec(db, "INSERT INTO v VALUES('d')");
  exec(db, "SAVEPOINT s1");
  exec(db, "INSERT INTO v VALUES('e')");
  exec(db, "SAVEPOINT s2");
  exec(db, "INSERT INTO v VALUES('f')");
  exec(db, "ROLLBACK TO s2");
  exec(db, "INSERT INTO v VALUES('g')");
  exec(db, "ROLLBACK TO s1");
  exec(db, "INSERT INTO v VALUES('h')");
  exec(db, "RELEASE s1");
  exec(db, "COMMIT");
  /* A whole transaction rolled back, and an autocommit failure. */
  exec(db, "BEGIN");
  exec(db, "INSERT INTO v VALUES('i'),('j')");
  exec(db, "ROLLBACK");
  exec(db, "INSERT INTO v VALUES('k'),('bad')");
  /* Joining inside two savepoints, rolling back to the first. */
  exec(db, "BEGIN");
  exec(db, "SAVEPOINT a");
  exec(db, "SAVEPOINT b");
  exec(db, "INSERT INTO v VALUES('l')");
  exec(db, "SAVEPOINT c");
  exec(db, "INSERT INTO v VALUES('m'),('n')");
  exec(db, "ROLLBACK TO a");
  exec(db, "INSERT INTO v VALUES('o'),('bad')");
  exec(db, "COMMIT");
  snprintf(z, sizeof(z), "%s", sql1(db, zSql));
  exec(db, "DROP TABLE v");
  M(p)->xClose(p);
  if (sqlite3_close(db) != SQLITE_OK) return "<close>";
  return z;
}

static void test_nested_in_vtab(void) {
  static const char *azSchema[] = {"main", "aux", "temp"};
  int i, j, bOk;
  /* With the undo log, statement rollback is right wherever the store is. */
  for (i = 0; i < 3; i++) {
    for (j = 0; j < 3; j++) {
      bOk = 0;
      CHECK(strcmp(nestScenario(azSchema[i], azSchema[j], 1, &bOk), "a,d,h")
            == 0);
      CHECK(bOk);
    }
  }
  /* The measured premise of tito_kv_embedded_set_undo_log: with the log
  ** off, SQLite's journal still undoes the nested writes when the store is
  ** in the vtab's own schema, and misses a failed statement's rows when
  ** it is not. */
  for (i = 0; i < 3; i++) {
    bOk = 0;
    CHECK(strcmp(nestScenario(azSchema[i], azSchema[i], 0, &bOk), "a,d,h")
          == 0);
    CHECK(bOk);
  }
  bOk = 1;
  nestScenario("main", "aux", 0, &bOk);
  CHECK(!bOk);
  check_group("kv_embedded: nested in a vtab, statement rollback");
}

/* ---------------------------------------------------------------------- */
/* Allocation failures: a wrapper around SQLite's allocator fails the Nth
** allocation of a scripted run (open, writes under marks, scans, range
** delete, rollback-to). Every call must then succeed or return an error
** code with a message, and closing frees every byte. */

static sqlite3_mem_methods realMem;
static int nFailAt = 0; /* fail the allocation with this count; 0 = never */
static int nAllocs = 0;

static void *failMalloc(int n) {
  if (nFailAt && ++nAllocs == nFailAt) return NULL;
  return realMem.xMalloc(n);
}

static void *failRealloc(void *p, int n) {
  if (nFailAt && ++nAllocs == nFailAt) return NULL;
  return realMem.xRealloc(p, n);
}

/* A call's result is acceptable: OK (or an expected code), or an error
** with a message. */
static int oomOk(tito_kv *p, int rc, int rcAlso) {
  if (rc == TITO_OK || rc == rcAlso) return 1;
  if (rc != TITO_NOMEM && rc != TITO_ERROR) return 0;
  return M(p)->xErrmsg(p)[0] != 0;
}

/* The scripted run; returns 0 if some call gave an unacceptable result. */
static int oomScript(sqlite3 *db) {
  tito_kv *p = NULL;
  tito_kv_iter *it = NULL, *it2 = NULL;
  char *zErr = NULL;
  char big[3000];
  int ok = 1, i, rc;
  memset(big, 'b', sizeof(big) - 1);
  big[sizeof(big) - 1] = 0;
  rc = tito_kv_embedded_open(db, "main", &p, &zErr);
  if (rc != TITO_OK) {
    ok = (rc == TITO_NOMEM || rc == TITO_ERROR) && p == NULL;
    sqlite3_free(zErr);
    return ok;
  }
  for (i = 0; i < 5; i++) {
    char k[16];
    snprintf(k, sizeof(k), "k%d", i);
    ok &= oomOk(p, put(p, k, i % 2 ? big : "v"), -1);
  }
  ok &= oomOk(p, M(p)->xSavepoint(p, 0), -1);
  ok &= oomOk(p, put(p, "k1", big), -1);
  ok &= oomOk(p, ins(p, "k9", big), TITO_EXISTS);
  ok &= oomOk(p, del(p, "k3"), -1);
  ok &= oomOk(p, M(p)->xSavepoint(p, 1), -1);
  ok &= oomOk(p, delRange(p, "k", "k5"), -1);
  rc = M(p)->xScan(p, NULL, 0, NULL, 0, 0, 0, &it);
  ok &= oomOk(p, rc, -1) && (rc == TITO_OK) == (it != NULL);
  rc = M(p)->xScan(p, (const uint8_t *)"k", 1, NULL, 0, TITO_SCAN_REVERSE, 2,
                   &it2);
  ok &= oomOk(p, rc, -1) && (rc == TITO_OK) == (it2 != NULL);
  for (i = 0; it && !M(p)->xIterEof(it) && i < 20; i++) {
    ok &= oomOk(p, M(p)->xIterNext(it), -1);
  }
  if (it) M(p)->xIterClose(it);
  if (it2) M(p)->xIterClose(it2);
  {
    const uint8_t *v;
    int n;
    ok &= oomOk(p, M(p)->xGet(p, (const uint8_t *)"k1", 2, &v, &n),
                TITO_NOTFOUND);
  }
  ok &= oomOk(p, M(p)->xRollbackTo(p, 1), -1);
  ok &= oomOk(p, M(p)->xRollbackTo(p, 0), -1);
  ok &= oomOk(p, M(p)->xRelease(p, 0), -1);
  M(p)->xClose(p);
  return ok;
}

static void test_oom(void) {
  int i, bDone = 0, ok = 1, nLeak = 0;
  for (i = 1; i < 5000 && !bDone; i++) {
    sqlite3_int64 nBefore = sqlite3_memory_used();
    sqlite3 *db = openDb(":memory:");
    nAllocs = 0;
    nFailAt = i;
    if (!oomScript(db)) {
      if (ok) printf("# oom: failing allocation %d gave a bad result\n", i);
      ok = 0;
    }
    bDone = nAllocs < i; /* no allocation failed */
    nFailAt = 0;
    if (sqlite3_close(db) != SQLITE_OK) ok = 0;
    if (sqlite3_memory_used() != nBefore) nLeak++;
  }
  CHECK(bDone);
  CHECK(ok);
  CHECK(nLeak == 0);
  check_group("kv_embedded: allocation failures give errors, leak nothing");
}

/* Scans with a new limit each, and passes over keys with a new count
** each, reuse their statements: none is prepared again (SQLite 3.52 would
** for a statement whose LIMIT is a bound parameter). */
static void test_no_reprepare(void) {
  sqlite3 *db = openDb(":memory:");
  tito_kv *p = openKv(db, "main");
  sqlite3_stmt *s;
  int i, nRe = 0, nRow = 0;
  for (i = 0; i < 40; i++) {
    char k[16];
    snprintf(k, sizeof k, "r%02d", i);
    CHECK(M(p)->xPut(p, (const uint8_t *)k, 3, (const uint8_t *)"v", 1) ==
          TITO_OK);
  }
  for (i = 1; i <= 30; i++) {
    tito_kv_iter *it = 0;
    int64_t n = 0;
    const uint8_t *pLast;
    int nLast;
    CHECK(M(p)->xScan(p, (const uint8_t *)"r", 1, (const uint8_t *)"s", 1,
                      0, i, &it) == TITO_OK);
    while (it && !M(p)->xIterEof(it)) {
      nRow++;
      CHECK(M(p)->xIterNext(it) == TITO_OK);
    }
    if (it) M(p)->xIterClose(it);
    CHECK(M(p)->xSkip(p, (const uint8_t *)"r", 1, (const uint8_t *)"s", 1,
                      0, i, &n, &pLast, &nLast) == TITO_OK && n == i);
  }
  CHECK(nRow == 30 * 31 / 2); /* each scan stopped at its limit */
  for (s = sqlite3_next_stmt(db, 0); s; s = sqlite3_next_stmt(db, s)) {
    nRe += sqlite3_stmt_status(s, SQLITE_STMTSTATUS_REPREPARE, 0);
  }
  CHECK(nRe == 0);
  if (nRe) printf("# statements prepared again: %d (SQLite %s)\n", nRe,
                  sqlite3_libversion());
  M(p)->xClose(p);
  sqlite3_close(db);
  check_group("kv_embedded: scans and skips with new limits prepare nothing "
              "again");
}

int main(void) {
  sqlite3_mem_methods m;
  sqlite3_config(SQLITE_CONFIG_GETMALLOC, &realMem);
  m = realMem;
  m.xMalloc = failMalloc;
  m.xRealloc = failRealloc;
  sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
  test_point_ops();
  test_scans();
  test_scans_nonblob_keys();
  test_many_iterators();
  test_multiget();
  test_savepoints();
  test_atomic_file();
  test_schemas();
  test_scan_while_writing();
  test_differential();
  test_nested_in_vtab();
  test_no_reprepare();
  test_oom();
  return check_exit();
}
