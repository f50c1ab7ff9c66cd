/*
** test_gaps.c: unit tests of the set of key ranges known to hold no key
** (src/tikv/gaps.c; no server).
**
** Fixed cases check merging (overlap, touching, unbounded); a randomized
** run adds thousands of ranges over a small key space and compares every
** key's answer with a plain reference (a flag per key), and the ranges
** with the fewest that could hold the same keys.
*/
#include "check.h"
#include "kv.h"
#include "tikv/gaps.h"
#include <stdlib.h>
#include <string.h>

/* Keys are 1 or 2 bytes over a small alphabet: "a" < "aa" < "ab" < "b". */
#define NALPHA 6
#define NKEY (NALPHA + NALPHA * NALPHA)

static void keyOf(int i, uint8_t *z, size_t *pn) {
  /* the i-th key in byte order */
  int a = i / (NALPHA + 1), b = i % (NALPHA + 1);
  z[0] = (uint8_t)('a' + a);
  *pn = 1;
  if (b > 0) {
    z[1] = (uint8_t)('a' + b - 1);
    *pn = 2;
  }
}

static int has(tikv_gaps *g, const char *z) {
  return tikv_gaps_has(g, (const uint8_t *)z, strlen(z));
}

static void add(tikv_gaps *g, const char *lo, const char *hi) {
  CHECK(tikv_gaps_add(g, (const uint8_t *)lo, strlen(lo),
                      (const uint8_t *)hi, hi ? strlen(hi) : 0) == TITO_OK);
}

static void test_fixed(void) {
  tikv_gaps *g = tikv_gaps_new();
  CHECK(g && !has(g, "a"));
  add(g, "b", "d");
  CHECK(!has(g, "a") && has(g, "b") && has(g, "c") && has(g, "cz") &&
        !has(g, "d"));
  add(g, "d", "f"); /* touching: one range */
  CHECK(tikv_gaps_count(g) == 1 && has(g, "d") && has(g, "e") && !has(g, "f"));
  add(g, "h", "j");
  add(g, "a", "ab");
  CHECK(tikv_gaps_count(g) == 3 && has(g, "aa") && !has(g, "ab"));
  add(g, "c", "i"); /* overlaps two */
  CHECK(tikv_gaps_count(g) == 2 && has(g, "g") && has(g, "i") && !has(g, "j"));
  add(g, "e", "f"); /* inside one: nothing new */
  CHECK(tikv_gaps_count(g) == 2);
  add(g, "x", NULL); /* unbounded */
  CHECK(has(g, "zzzz") && !has(g, "w"));
  add(g, "k", NULL);
  CHECK(tikv_gaps_count(g) == 3 && has(g, "w") && !has(g, "j"));
  add(g, "c", "b"); /* empty */
  CHECK(tikv_gaps_count(g) == 3);
  tikv_gaps_free(g);
  check_group("gaps: overlapping and touching ranges merge, unbounded ones too");
}

static void test_random(void) {
  int bOk = 1;
  srand(20261204);
  for (int round = 0; round < 200 && bOk; round++) {
    tikv_gaps *g = tikv_gaps_new();
    char ref[NKEY];
    memset(ref, 0, sizeof ref);
    for (int step = 0; step < 60 && bOk; step++) {
      int lo = rand() % NKEY, hi = lo + rand() % 8, bInf = rand() % 15 == 0;
      uint8_t zl[2], zh[2];
      size_t nl, nh = 0;
      keyOf(lo, zl, &nl);
      if (!bInf && hi < NKEY) keyOf(hi, zh, &nh);
      if (!bInf && hi >= NKEY) bInf = 1;
      if (tikv_gaps_add(g, zl, nl, zh, nh) != TITO_OK) bOk = 0;
      for (int i = lo; i < (bInf ? NKEY : hi); i++) ref[i] = 1;
      /* every key answers as the reference does */
      for (int i = 0; i < NKEY && bOk; i++) {
        uint8_t z[2];
        size_t n;
        keyOf(i, z, &n);
        if (tikv_gaps_has(g, z, n) != ref[i]) bOk = 0;
      }
      /* no two ranges that could be one: as many as runs of covered keys
      ** (keys between the alphabet's are never tested, so runs can only
      ** be counted from above) */
      {
        int nRun = 0;
        for (int i = 0; i < NKEY; i++) nRun += ref[i] && (i == 0 || !ref[i - 1]);
        if (tikv_gaps_count(g) > nRun) bOk = 0;
      }
    }
    tikv_gaps_free(g);
  }
  CHECK(bOk);
  check_group("gaps: 200 x 60 random ranges answer every key as a reference");
}

int main(void) {
  test_fixed();
  test_random();
  return check_exit();
}
