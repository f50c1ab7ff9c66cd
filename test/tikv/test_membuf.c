/*
** test_membuf.c: unit tests of the transaction write buffer (no server).
**
** Fixed cases check each rule (insert over put/delete, savepoint numbering,
** merge hiding and overriding in both directions); a randomized run compares
** the buffer and its merge with a plain reference model after thousands of
** writes, savepoint operations and bounded, limited scans.
*/
#include "check.h"
#include "kv.h"
#include "tikv/membuf.h"
#include <stdlib.h>
#include <string.h>

/* ---- a fake store: a sorted array of string pairs fed as a source ---- */
typedef struct store_src {
  const char **aK, **aV; /* ascending keys and their values */
  int n;
  int i;                 /* next index to deliver (reverse: counts down) */
  int bReverse;
  const char *lo, *hi;   /* bounds (NULL = none) */
  int nCalls;
  int failAt;            /* return TITO_UNAVAILABLE on this call (0 = never) */
} store_src;

static int in_bounds(store_src *s, const char *k) {
  if (s->lo && strcmp(k, s->lo) < 0) return 0;
  if (s->hi && strcmp(k, s->hi) >= 0) return 0;
  return 1;
}

static int store_next(void *p, const uint8_t **ppK, size_t *pnK,
                      const uint8_t **ppV, size_t *pnV) {
  store_src *s = p;
  s->nCalls++;
  if (s->failAt && s->nCalls == s->failAt) return TITO_UNAVAILABLE;
  while (s->i >= 0 && s->i < s->n && !in_bounds(s, s->aK[s->i]))
    s->i += s->bReverse ? -1 : 1;
  if (s->i < 0 || s->i >= s->n) return TITO_NOTFOUND;
  *ppK = (const uint8_t *)s->aK[s->i];
  *pnK = strlen(s->aK[s->i]);
  *ppV = (const uint8_t *)s->aV[s->i];
  *pnV = strlen(s->aV[s->i]);
  s->i += s->bReverse ? -1 : 1;
  return TITO_OK;
}

static membuf_source src_of(store_src *s) {
  membuf_source src = {s, store_next};
  return src;
}

static int put(membuf *b, const char *k, const char *v) {
  return membuf_put(b, (const uint8_t *)k, strlen(k), (const uint8_t *)v,
                    strlen(v));
}
static int ins(membuf *b, const char *k, const char *v) {
  return membuf_insert(b, (const uint8_t *)k, strlen(k), (const uint8_t *)v,
                       strlen(v));
}
static int del(membuf *b, const char *k) {
  return membuf_delete(b, (const uint8_t *)k, strlen(k));
}
/* "op:value" of a key, e.g. "P:1", "D", "I:x", "-" for none. */
static const char *look(membuf *b, const char *k) {
  static char z[256];
  const uint8_t *v = NULL;
  size_t nv = 0;
  int op = membuf_lookup(b, (const uint8_t *)k, strlen(k), &v, &nv);
  switch (op) {
  case MEMBUF_PUT: snprintf(z, sizeof z, "P:%.*s", (int)nv, v); break;
  case MEMBUF_INSERT: snprintf(z, sizeof z, "I:%.*s", (int)nv, v); break;
  case MEMBUF_DEL: snprintf(z, sizeof z, "D"); break;
  default: snprintf(z, sizeof z, "-");
  }
  return z;
}

/* Run a merge and render its results as "k=v,k=v". */
static int merge_str(membuf *b, store_src *s, const char *lo, const char *hi,
                     int bRev, int64_t nLimit, char *zOut, size_t nOut) {
  membuf_merge *m = NULL;
  s->bReverse = bRev;
  s->i = bRev ? s->n - 1 : 0;
  s->lo = lo;
  s->hi = hi;
  s->nCalls = 0;
  int rc = membuf_merge_open(b, (const uint8_t *)lo, lo ? strlen(lo) : 0,
                             (const uint8_t *)hi, hi ? strlen(hi) : 0, bRev,
                             nLimit, src_of(s), &m);
  size_t o = 0;
  zOut[0] = 0;
  while (rc == TITO_OK && !membuf_merge_eof(m)) {
    size_t nk, nv;
    const uint8_t *k = membuf_merge_key(m, &nk);
    const uint8_t *v = membuf_merge_value(m, &nv);
    o += snprintf(zOut + o, nOut - o, "%s%.*s=%.*s", o ? "," : "", (int)nk, k,
                  (int)nv, v);
    rc = membuf_merge_next(m);
  }
  membuf_merge_close(m);
  return rc;
}

static void test_basic_ops(void) {
  membuf *b = membuf_new();
  CHECK(b != NULL);
  CHECK(put(b, "a", "1") == TITO_OK);
  CHECK(strcmp(look(b, "a"), "P:1") == 0);
  CHECK(put(b, "a", "2") == TITO_OK);
  CHECK(strcmp(look(b, "a"), "P:2") == 0);
  CHECK(del(b, "a") == TITO_OK);
  CHECK(strcmp(look(b, "a"), "D") == 0);
  CHECK(strcmp(look(b, "zz"), "-") == 0);
  /* insert over a delete is a plain put; over a put it fails. */
  CHECK(ins(b, "a", "3") == TITO_OK);
  CHECK(strcmp(look(b, "a"), "P:3") == 0);
  CHECK(ins(b, "a", "4") == TITO_EXISTS);
  CHECK(strcmp(look(b, "a"), "P:3") == 0);
  /* insert of an unknown key is an insert; a put over it keeps the check. */
  CHECK(ins(b, "b", "x") == TITO_OK);
  CHECK(strcmp(look(b, "b"), "I:x") == 0);
  CHECK(ins(b, "b", "y") == TITO_EXISTS);
  CHECK(put(b, "b", "y") == TITO_OK);
  CHECK(strcmp(look(b, "b"), "I:y") == 0);
  CHECK(del(b, "b") == TITO_OK);
  CHECK(strcmp(look(b, "b"), "D") == 0);
  /* empty key and empty value are ordinary entries. */
  CHECK(put(b, "", "") == TITO_OK);
  CHECK(strcmp(look(b, ""), "P:") == 0);
  CHECK(membuf_count(b) == 3);
  CHECK(membuf_bytes(b) == (1 + 1) + 1 + 0);
  membuf_clear(b);
  CHECK(membuf_count(b) == 0 && membuf_bytes(b) == 0);
  CHECK(strcmp(look(b, "a"), "-") == 0);
  membuf_free(b);
  check_group("membuf put/delete/insert rules");
}

static int visit_cat(void *pCtx, int op, const uint8_t *k, size_t nk,
                     const uint8_t *v, size_t nv) {
  char *z = pCtx;
  size_t o = strlen(z);
  snprintf(z + o, 512 - o, "%s%c%.*s%s%.*s", o ? "," : "",
           op == MEMBUF_DEL ? '-' : (op == MEMBUF_INSERT ? '!' : '+'),
           (int)nk, k, nv ? "=" : "", (int)nv, v ? (const char *)v : "");
  return 0;
}

static void test_savepoints(void) {
  membuf *b = membuf_new();
  char z[512];
  put(b, "a", "1");
  put(b, "c", "1");
  CHECK(membuf_savepoint(b, 0) == TITO_OK);
  put(b, "a", "2");
  del(b, "c");
  put(b, "b", "2");
  CHECK(membuf_savepoint(b, 1) == TITO_OK);
  put(b, "a", "3");
  put(b, "a", "4");
  ins(b, "d", "4");
  CHECK(membuf_savepoint(b, 2) == TITO_OK);
  del(b, "b");
  z[0] = 0;
  membuf_foreach(b, visit_cat, z);
  CHECK(strcmp(z, "+a=4,-b,-c,!d=4") == 0);
  CHECK(membuf_rollback_to(b, 2) == TITO_OK); /* keeps mark 2 */
  z[0] = 0;
  membuf_foreach(b, visit_cat, z);
  CHECK(strcmp(z, "+a=4,+b=2,-c,!d=4") == 0);
  del(b, "a");                                /* recorded again under 2 */
  CHECK(membuf_rollback_to(b, 2) == TITO_OK);
  CHECK(strcmp(look(b, "a"), "P:4") == 0);
  CHECK(membuf_rollback_to(b, 1) == TITO_OK);
  z[0] = 0;
  membuf_foreach(b, visit_cat, z);
  CHECK(strcmp(z, "+a=2,+b=2,-c") == 0);
  CHECK(membuf_count(b) == 3);
  /* mark 2 was dropped by the rollback to 1: rolling back to 2 now goes
  ** nowhere, and mark 1 still undoes new writes. */
  put(b, "e", "5");
  CHECK(membuf_rollback_to(b, 2) == TITO_OK);
  CHECK(strcmp(look(b, "e"), "P:5") == 0);
  CHECK(membuf_rollback_to(b, 1) == TITO_OK);
  CHECK(strcmp(look(b, "e"), "-") == 0);
  /* release keeps the writes but rollback to an outer mark still undoes
  ** them. */
  put(b, "f", "6");
  CHECK(membuf_release(b, 1) == TITO_OK);
  CHECK(strcmp(look(b, "f"), "P:6") == 0);
  CHECK(membuf_rollback_to(b, 0) == TITO_OK);
  z[0] = 0;
  membuf_foreach(b, visit_cat, z);
  CHECK(strcmp(z, "+a=1,+c=1") == 0);
  CHECK(membuf_count(b) == 2 && membuf_bytes(b) == 4);
  /* releasing every mark makes the writes permanent. */
  put(b, "a", "9");
  CHECK(membuf_release(b, 0) == TITO_OK);
  CHECK(membuf_rollback_to(b, 0) == TITO_OK); /* no mark: nothing to do */
  CHECK(strcmp(look(b, "a"), "P:9") == 0);
  /* a rollback to a mark never seen goes to the first later mark (a store
  ** that joined at level 3). */
  CHECK(membuf_savepoint(b, 3) == TITO_OK);
  put(b, "g", "7");
  CHECK(membuf_rollback_to(b, 1) == TITO_OK);
  CHECK(strcmp(look(b, "g"), "-") == 0);
  put(b, "g", "8");
  CHECK(membuf_rollback_to(b, 3) == TITO_OK); /* mark 3 is still there */
  CHECK(strcmp(look(b, "g"), "-") == 0);
  /* setting an existing mark number again keeps the mark where it was (a
  ** second caller announcing the same savepoint). */
  put(b, "h", "1");
  CHECK(membuf_savepoint(b, 3) == TITO_OK);
  put(b, "h", "2");
  CHECK(membuf_rollback_to(b, 3) == TITO_OK);
  CHECK(strcmp(look(b, "h"), "-") == 0);
  membuf_free(b);
  check_group("membuf savepoints restore exact states");
}

static void test_merge_fixed(void) {
  const char *aK[] = {"b", "d", "f", "h", "j"};
  const char *aV[] = {"sb", "sd", "sf", "sh", "sj"};
  store_src s = {aK, aV, 5, 0, 0, NULL, NULL, 0, 0};
  membuf *b = membuf_new();
  char z[512];
  /* empty buffer: the store as is. */
  CHECK(merge_str(b, &s, NULL, NULL, 0, 0, z, sizeof z) == TITO_OK);
  CHECK(strcmp(z, "b=sb,d=sd,f=sf,h=sh,j=sj") == 0);
  put(b, "a", "ba");  /* adds before */
  del(b, "d");        /* hides */
  put(b, "f", "bf");  /* overrides */
  ins(b, "g", "bg");  /* adds between */
  del(b, "i");        /* delete of an absent key: nothing */
  put(b, "k", "bk");  /* adds after */
  CHECK(merge_str(b, &s, NULL, NULL, 0, 0, z, sizeof z) == TITO_OK);
  CHECK(strcmp(z, "a=ba,b=sb,f=bf,g=bg,h=sh,j=sj,k=bk") == 0);
  CHECK(merge_str(b, &s, NULL, NULL, 1, 0, z, sizeof z) == TITO_OK);
  CHECK(strcmp(z, "k=bk,j=sj,h=sh,g=bg,f=bf,b=sb,a=ba") == 0);
  CHECK(merge_str(b, &s, "b", "h", 0, 0, z, sizeof z) == TITO_OK);
  CHECK(strcmp(z, "b=sb,f=bf,g=bg") == 0);
  CHECK(merge_str(b, &s, "b", "h", 1, 0, z, sizeof z) == TITO_OK);
  CHECK(strcmp(z, "g=bg,f=bf,b=sb") == 0);
  CHECK(merge_str(b, &s, "c", NULL, 0, 3, z, sizeof z) == TITO_OK);
  CHECK(strcmp(z, "f=bf,g=bg,h=sh") == 0);
  CHECK(merge_str(b, &s, NULL, "j", 1, 2, z, sizeof z) == TITO_OK);
  CHECK(strcmp(z, "h=sh,g=bg") == 0);
  CHECK(merge_str(b, &s, "x", NULL, 0, 0, z, sizeof z) == TITO_OK);
  CHECK(strcmp(z, "") == 0);
  /* a source error surfaces from the step that needed it. */
  s.failAt = 3;
  CHECK(merge_str(b, &s, NULL, NULL, 0, 0, z, sizeof z) == TITO_UNAVAILABLE);
  s.failAt = 0;
  membuf_free(b);
  check_group("membuf merge hides, overrides and adds, both directions");
}

/* Writes made while a merge is open are safe; results already copied. */
static void test_merge_concurrent_writes(void) {
  const char *aK[] = {"b", "d", "f"};
  const char *aV[] = {"sb", "sd", "sf"};
  store_src s = {aK, aV, 3, 0, 0, NULL, NULL, 0, 0};
  membuf *b = membuf_new();
  put(b, "a", "ba");
  put(b, "c", "bc");
  membuf_merge *m = NULL;
  CHECK(membuf_merge_open(b, NULL, 0, NULL, 0, 0, 0, src_of(&s), &m) == 0);
  size_t n;
  const uint8_t *k = membuf_merge_key(m, &n);
  CHECK(n == 1 && k[0] == 'a');
  put(b, "a", "changed-a-value-longer-than-before");
  del(b, "c");
  k = membuf_merge_key(m, &n);
  const uint8_t *v = membuf_merge_value(m, &n);
  CHECK(k[0] == 'a' && n == 2 && memcmp(v, "ba", 2) == 0);
  char z[256];
  size_t o = 0;
  while (!membuf_merge_eof(m)) {
    k = membuf_merge_key(m, &n);
    o += snprintf(z + o, sizeof z - o, "%.*s", (int)n, k);
    CHECK(membuf_merge_next(m) == TITO_OK);
  }
  CHECK(strcmp(z, "abdf") == 0); /* c was deleted before the merge reached it */
  membuf_merge_close(m);
  membuf_free(b);
  check_group("membuf merge survives writes made while it is open");
}

/* ---- randomized comparison with a reference model ---- */
#define NKEY 40
typedef struct model {
  int op[NKEY];          /* MEMBUF_* */
  int val[NKEY];
} model;

static void key_of(int i, char *z) { snprintf(z, 8, "k%02d", i); }

static unsigned rnd_state = 12345;
static unsigned rnd(void) {
  rnd_state = rnd_state * 1103515245u + 12345u;
  return (rnd_state >> 8) & 0xFFFFFF;
}

static int model_equal(membuf *b, const model *m) {
  int64_t nLive = 0;
  for (int i = 0; i < NKEY; i++) {
    char k[8], want[32];
    key_of(i, k);
    switch (m->op[i]) {
    case MEMBUF_PUT: snprintf(want, sizeof want, "P:%d", m->val[i]); break;
    case MEMBUF_INSERT: snprintf(want, sizeof want, "I:%d", m->val[i]); break;
    case MEMBUF_DEL: snprintf(want, sizeof want, "D"); break;
    default: snprintf(want, sizeof want, "-");
    }
    if (m->op[i] != MEMBUF_NONE) nLive++;
    if (strcmp(look(b, k), want) != 0) {
      printf("# key %s: buffer %s, model %s\n", k, look(b, k), want);
      return 0;
    }
  }
  return membuf_count(b) == nLive;
}

static void test_random(void) {
  enum { NSTACK = 8 };
  model cur, saved[NSTACK];
  int aMarkNum[NSTACK], nMark = 0;
  memset(&cur, 0, sizeof cur);
  membuf *b = membuf_new();
  /* store: every third key, value "s<i>" */
  const char *aK[NKEY], *aV[NKEY];
  char aKbuf[NKEY][8], aVbuf[NKEY][16];
  int nStore = 0;
  int inStore[NKEY];
  for (int i = 0; i < NKEY; i++) {
    inStore[i] = (i % 3 == 0);
    if (!inStore[i]) continue;
    key_of(i, aKbuf[nStore]);
    snprintf(aVbuf[nStore], 16, "s%d", i);
    aK[nStore] = aKbuf[nStore];
    aV[nStore] = aVbuf[nStore];
    nStore++;
  }
  store_src s = {aK, aV, nStore, 0, 0, NULL, NULL, 0, 0};
  int bOk = 1;
  for (int step = 0; step < 20000 && bOk; step++) {
    int r = rnd() % 100, i = rnd() % NKEY, v = rnd() % 1000;
    char k[8], zv[16];
    key_of(i, k);
    snprintf(zv, sizeof zv, "%d", v);
    if (r < 35) {
      bOk &= put(b, k, zv) == TITO_OK;
      cur.op[i] = cur.op[i] == MEMBUF_INSERT ? MEMBUF_INSERT : MEMBUF_PUT;
      cur.val[i] = v;
    } else if (r < 55) {
      bOk &= del(b, k) == TITO_OK;
      cur.op[i] = MEMBUF_DEL;
    } else if (r < 70) {
      int rc = ins(b, k, zv);
      if (cur.op[i] == MEMBUF_PUT || cur.op[i] == MEMBUF_INSERT) {
        bOk &= rc == TITO_EXISTS;
      } else {
        bOk &= rc == TITO_OK;
        cur.op[i] = cur.op[i] == MEMBUF_DEL ? MEMBUF_PUT : MEMBUF_INSERT;
        cur.val[i] = v;
      }
    } else if (r < 78) {
      /* new savepoint with a number above the current ones (or reusing) */
      int num = nMark ? aMarkNum[nMark - 1] + (int)(rnd() % 2) : (int)(rnd() % 2);
      if (nMark > 0 && aMarkNum[nMark - 1] == num) {
        /* already set: the mark stays where it was */
        bOk &= membuf_savepoint(b, num) == TITO_OK;
      } else if (nMark < NSTACK) {
        bOk &= membuf_savepoint(b, num) == TITO_OK;
        aMarkNum[nMark] = num;
        saved[nMark++] = cur;
      } else {
        membuf_release(b, aMarkNum[0]);
        nMark = 0;
      }
    } else if (r < 88) {
      if (nMark) {
        int j = rnd() % nMark;
        bOk &= membuf_rollback_to(b, aMarkNum[j]) == TITO_OK;
        cur = saved[j];
        nMark = j + 1;
      }
    } else if (r < 94) {
      if (nMark) {
        int j = rnd() % nMark;
        bOk &= membuf_release(b, aMarkNum[j]) == TITO_OK;
        nMark = j;
      }
    } else {
      /* merge check over random bounds, direction and limit */
      int a = rnd() % (NKEY + 1), z = rnd() % (NKEY + 1), bRev = rnd() % 2;
      int lim = rnd() % 5 == 0 ? (int)(rnd() % 6) : 0;
      char zlo[8], zhi[8], got[2048], want[2048];
      key_of(a, zlo);
      key_of(z, zhi);
      const char *lo = a == 0 ? NULL : zlo, *hi = z == NKEY ? NULL : zhi;
      bOk &= merge_str(b, &s, lo, hi, bRev, lim, got, sizeof got) == TITO_OK;
      size_t o = 0;
      int nOut = 0;
      want[0] = 0;
      for (int t = 0; t < NKEY; t++) {
        int ix = bRev ? NKEY - 1 - t : t;
        if (ix < a || (hi && ix >= z)) continue;
        if (lim && nOut >= lim) break;
        char kk[8];
        key_of(ix, kk);
        if (cur.op[ix] == MEMBUF_PUT || cur.op[ix] == MEMBUF_INSERT) {
          o += snprintf(want + o, sizeof want - o, "%s%s=%d", o ? "," : "", kk,
                        cur.val[ix]);
          nOut++;
        } else if (cur.op[ix] == MEMBUF_NONE && inStore[ix]) {
          o += snprintf(want + o, sizeof want - o, "%s%s=s%d", o ? "," : "",
                        kk, ix);
          nOut++;
        }
      }
      if (strcmp(got, want) != 0) {
        printf("# step %d merge [%s,%s) rev=%d lim=%d\n#  got  %s\n#  want %s\n",
               step, lo ? lo : "-", hi ? hi : "-", bRev, lim, got, want);
        bOk = 0;
      }
    }
    if (bOk && !model_equal(b, &cur)) {
      printf("# mismatch after step %d (r=%d)\n", step, r);
      bOk = 0;
    }
  }
  CHECK(bOk);
  membuf_free(b);
  check_group("membuf random writes, savepoints and merges match a model");
}

/* Many keys in random order: ordering and counts hold at scale. */
static void test_many(void) {
  membuf *b = membuf_new();
  enum { N = 20000 };
  int bOk = 1;
  for (int i = 0; i < N; i++) {
    unsigned x = (unsigned)(i * 7919u) % N; /* a permutation of 0..N-1 */
    char k[16];
    snprintf(k, sizeof k, "%08u", x);
    bOk &= put(b, k, "v") == TITO_OK;
  }
  CHECK(bOk);
  CHECK(membuf_count(b) == N);
  store_src s = {NULL, NULL, 0, 0, 0, NULL, NULL, 0, 0};
  membuf_merge *m = NULL;
  CHECK(membuf_merge_open(b, NULL, 0, NULL, 0, 1, 0, src_of(&s), &m) == 0);
  int n = 0, bOrder = 1;
  char prev[16] = "99999999";
  while (m && !membuf_merge_eof(m)) {
    size_t nk;
    const uint8_t *k = membuf_merge_key(m, &nk);
    if (nk != 8 || memcmp(k, prev, 8) >= 0) bOrder = 0;
    memcpy(prev, k, 8);
    n++;
    membuf_merge_next(m);
  }
  membuf_merge_close(m);
  CHECK(n == N && bOrder);
  membuf_free(b);
  check_group("membuf 20000 keys in reverse order");
}

int main(void) {
  test_basic_ops();
  test_savepoints();
  test_merge_fixed();
  test_merge_concurrent_writes();
  test_random();
  test_many();
  return check_exit();
}
