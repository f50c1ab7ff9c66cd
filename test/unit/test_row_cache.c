/*
** test_row_cache.c: unit tests of the rows kept for the writes that follow
** a scan (src/row_cache.c): answers by key and snapshot, a new snapshot
** replacing the rows, a key kept again, the row and byte limits, and a
** randomized run against a plain reference.
*/
#include "row_cache.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t *U(const char *z) { return (const uint8_t *)z; }

/* The value kept for key z at snapshot s, as a string ("" if none). */
static const char *get(tito_row_cache *p, unsigned s, const char *z) {
  static char a[4][256];
  static int i;
  char *o = a[i++ % 4];
  int n = 0;
  const uint8_t *v = tito_row_cache_get(p, s, U(z), (int)strlen(z), &n);
  snprintf(o, 256, "%.*s", v ? n : 0, v ? (const char *)v : "");
  if (v == 0) snprintf(o, 256, "<none>");
  return o;
}

static void put(tito_row_cache *p, unsigned s, const char *k, const char *v) {
  tito_row_cache_put(p, s, U(k), (int)strlen(k), U(v), (int)strlen(v));
}

static void test_rules(void) {
  tito_row_cache *p = tito_row_cache_new();
  CHECK(p && strcmp(get(p, 1, "a"), "<none>") == 0);
  put(p, 7, "a", "A");
  put(p, 7, "b", "");
  CHECK(strcmp(get(p, 7, "a"), "A") == 0 && strcmp(get(p, 7, "b"), "") == 0);
  CHECK(strcmp(get(p, 8, "a"), "<none>") == 0); /* another snapshot */
  put(p, 7, "a", "A2");                          /* kept again: the later */
  CHECK(strcmp(get(p, 7, "a"), "A2") == 0);
  put(p, 9, "c", "C");                           /* a new snapshot: the rest go */
  CHECK(strcmp(get(p, 9, "c"), "C") == 0 && strcmp(get(p, 9, "a"), "<none>") == 0 &&
        strcmp(get(p, 7, "a"), "<none>") == 0);
  put(p, 0, "d", "D");                           /* snapshot 0: unknown, not kept */
  CHECK(strcmp(get(p, 0, "d"), "<none>") == 0 && strcmp(get(p, 9, "d"), "<none>") == 0);
  tito_row_cache_clear(p);
  CHECK(strcmp(get(p, 9, "c"), "<none>") == 0);
  /* the row limit: rows past it are not kept, the kept ones stay */
  {
    char k[32];
    int i, nKept = 0;
    for (i = 0; i < ROW_CACHE_MAX_ROWS + 10; i++) {
      snprintf(k, sizeof k, "k%06d", i);
      put(p, 3, k, "v");
    }
    for (i = 0; i < ROW_CACHE_MAX_ROWS + 10; i++) {
      snprintf(k, sizeof k, "k%06d", i);
      nKept += strcmp(get(p, 3, k), "v") == 0;
    }
    CHECK(nKept == ROW_CACHE_MAX_ROWS);
    snprintf(k, sizeof k, "k%06d", 5);
    put(p, 3, k, "w"); /* a kept key may still change */
    CHECK(strcmp(get(p, 3, k), "w") == 0);
  }
  /* the byte limit: a row that does not fit is not kept; a kept key whose
  ** new value does not fit is forgotten, never left stale */
  {
    int n = ROW_CACHE_MAX_BYTES / 2;
    char *big = malloc((size_t)n + 1);
    memset(big, 'x', (size_t)n);
    big[n] = 0;
    tito_row_cache_clear(p);
    put(p, 4, "s", "small");
    put(p, 4, "b1", big);
    CHECK(strcmp(get(p, 4, "b1"), "<none>") != 0);
    put(p, 4, "s", big); /* does not fit any more */
    CHECK(strcmp(get(p, 4, "s"), "<none>") == 0);
    free(big);
  }
  tito_row_cache_free(p);
  check_group("row cache: by key and snapshot, a new snapshot replaces the rows, limits never leave a stale row");
}

/* Keys named by an entries-only scan: read ahead from the one a write
** misses, in the order named, skipping those read since. */
static void test_named(void) {
  tito_row_cache *p = tito_row_cache_new();
  tito_buf out = TITO_BUF_INIT;
  int an[8], n;
  tito_row_cache_name(p, 5, U("k1"), 2);
  tito_row_cache_name(p, 5, U("k3"), 2);
  tito_row_cache_name(p, 5, U("k2"), 2);
  tito_row_cache_name(p, 5, U("k4"), 2);
  put(p, 5, "k2", "v2"); /* read since: skipped */
  CHECK(strcmp(get(p, 5, "k3"), "<none>") == 0); /* named: no value yet */
  n = tito_row_cache_named_from(p, 5, U("k3"), 2, 8, &out, an);
  CHECK(n == 2 && out.n == 4 && memcmp(out.a, "k3k4", 4) == 0 &&
        an[0] == 2 && an[1] == 2);
  n = tito_row_cache_named_from(p, 5, U("k1"), 2, 2, &out, an);
  CHECK(n == 2 && memcmp(out.a, "k1k3", 4) == 0); /* at most nMax */
  CHECK(tito_row_cache_named_from(p, 6, U("k1"), 2, 8, &out, an) == 0);
  CHECK(tito_row_cache_named_from(p, 5, U("k2"), 2, 8, &out, an) == 0);
  CHECK(tito_row_cache_named_from(p, 5, U("k9"), 2, 8, &out, an) == 0);
  put(p, 5, "k9", "v9");
  tito_row_cache_name(p, 5, U("k9"), 2); /* read already: stays read */
  CHECK(strcmp(get(p, 5, "k9"), "v9") == 0);
  tito_buf_free(&out);
  tito_row_cache_free(p);
  check_group("row cache: keys named by an entries-only scan, read ahead in order");
}

/* Random puts of 64 keys over a few snapshots, compared with a reference
** after each step. */
static void test_random(void) {
  tito_row_cache *p = tito_row_cache_new();
  char ref[64][16];
  int bRef[64], ok = 1, step, i;
  unsigned snap = 1;
  srand(20261204);
  memset(bRef, 0, sizeof bRef);
  for (step = 0; step < 20000 && ok; step++) {
    int r = rand() % 100;
    char k[16];
    if (r < 3) {
      snap++;
      memset(bRef, 0, sizeof bRef); /* rows are put under the new one next */
      continue;
    }
    i = rand() % 64;
    snprintf(k, sizeof k, "key%d", i);
    if (r < 60) {
      snprintf(ref[i], sizeof ref[i], "v%d", rand() % 1000);
      put(p, snap, k, ref[i]);
      bRef[i] = 1;
    } else {
      const char *z = get(p, snap, k);
      if (bRef[i] ? strcmp(z, ref[i]) != 0 : strcmp(z, "<none>") != 0) ok = 0;
    }
  }
  CHECK(ok);
  tito_row_cache_free(p);
  check_group("row cache: 20,000 random puts and gets against a reference");
}

int main(void) {
  test_rules();
  test_named();
  test_random();
  return check_exit();
}
