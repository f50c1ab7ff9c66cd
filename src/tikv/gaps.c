/*
** gaps.c: key ranges known to hold no key at a snapshot (see gaps.h).
*/
#include "tikv/gaps.h"
#include "tikv/mcodec.h"
#include "kv.h"
#include <stdlib.h>
#include <string.h>

typedef struct gap {
  uint8_t *lo, *hi; /* one allocation: lo's bytes, then hi's */
  size_t nlo, nhi;  /* nhi 0: unbounded above */
} gap;

struct tikv_gaps {
  gap *a;
  int n, nAlloc;
};

tikv_gaps *tikv_gaps_new(void) { return calloc(1, sizeof(tikv_gaps)); }

static void gapsClear(tikv_gaps *p) {
  for (int i = 0; i < p->n; i++) free(p->a[i].lo);
  p->n = 0;
}

void tikv_gaps_free(tikv_gaps *p) {
  if (!p) return;
  gapsClear(p);
  free(p->a);
  free(p);
}

int tikv_gaps_count(const tikv_gaps *p) { return p ? p->n : 0; }

/* Compare key k with the upper bound of g (unbounded: above every key). */
static int cmpHi(const uint8_t *k, size_t n, const gap *g) {
  return g->nhi == 0 ? -1 : tikv_key_cmp(k, n, g->hi, g->nhi);
}

/* The last range whose lo <= k, or -1. */
static int gapsFloor(const tikv_gaps *p, const uint8_t *k, size_t n) {
  int lo = 0, hi = p->n - 1, r = -1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if (tikv_key_cmp(p->a[mid].lo, p->a[mid].nlo, k, n) <= 0) {
      r = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return r;
}

int tikv_gaps_has(const tikv_gaps *p, const uint8_t *k, size_t n) {
  int i = p ? gapsFloor(p, k, n) : -1;
  return i >= 0 && cmpHi(k, n, &p->a[i]) < 0;
}

static int gapSet(gap *g, const uint8_t *lo, size_t nlo, const uint8_t *hi,
                  size_t nhi) {
  uint8_t *z = malloc(nlo + nhi + 1);
  if (!z) return TITO_NOMEM;
  if (nlo) memcpy(z, lo, nlo);
  if (nhi) memcpy(z + nlo, hi, nhi);
  g->lo = z;
  g->nlo = nlo;
  g->hi = z + nlo;
  g->nhi = nhi;
  return TITO_OK;
}

int tikv_gaps_add(tikv_gaps *p, const uint8_t *lo, size_t nlo,
                  const uint8_t *hi, size_t nhi) {
  int i, j, k;
  gap g;
  if (nhi && tikv_key_cmp(lo, nlo, hi, nhi) >= 0) return TITO_OK; /* empty */
  if (p->n >= GAPS_MAX) gapsClear(p);
  /* The ranges that overlap or touch [lo, hi): a[i..j). */
  i = gapsFloor(p, lo, nlo);
  if (i < 0 || cmpHi(lo, nlo, &p->a[i]) > 0) i++;
  for (j = i; j < p->n; j++) {
    if (nhi && tikv_key_cmp(p->a[j].lo, p->a[j].nlo, hi, nhi) > 0) break;
  }
  /* The merged range: the lowest lo, the highest hi. */
  if (i < j && tikv_key_cmp(p->a[i].lo, p->a[i].nlo, lo, nlo) < 0) {
    lo = p->a[i].lo;
    nlo = p->a[i].nlo;
  }
  if (i < j && nhi &&
      (p->a[j - 1].nhi == 0 ||
       tikv_key_cmp(p->a[j - 1].hi, p->a[j - 1].nhi, hi, nhi) > 0)) {
    hi = p->a[j - 1].hi;
    nhi = p->a[j - 1].nhi;
  }
  if (gapSet(&g, lo, nlo, hi, nhi) != TITO_OK) {
    gapsClear(p);
    return TITO_NOMEM;
  }
  for (k = i; k < j; k++) free(p->a[k].lo);
  if (i == j && p->n == p->nAlloc) {
    int nNew = p->nAlloc ? 2 * p->nAlloc : 16;
    gap *a = realloc(p->a, sizeof(*a) * (size_t)nNew);
    if (!a) {
      free(g.lo);
      gapsClear(p);
      return TITO_NOMEM;
    }
    p->a = a;
    p->nAlloc = nNew;
  }
  /* Replace a[i..j) by g. */
  memmove(&p->a[i + 1], &p->a[j], sizeof(gap) * (size_t)(p->n - j));
  p->a[i] = g;
  p->n += 1 - (j - i);
  return TITO_OK;
}
