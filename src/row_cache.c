/*
** row_cache.c: rows read at one snapshot, by row key (see row_cache.h).
**
** Open addressing over a power-of-two slot array (at most half full), the
** keys and values back to back in one arena. A key kept again gets a new
** copy in the arena (the old bytes are left: the arena is bounded anyway).
*/
#include "row_cache.h"
#include <string.h>
#include "sqlite_api.h"

#define N_SLOT (2 * ROW_CACHE_MAX_ROWS) /* a power of two */

/* nv of a slot whose value may be stale (forgotten) or was never read. */
#define NV_STALE (-1)
#define NV_NAMED (-2)

typedef struct rc_slot {
  uint32_t hash;
  int off;      /* of the key in the arena; -1: empty slot */
  int nk, nv;   /* the value follows the key; or NV_STALE, NV_NAMED */
  int iNamed;   /* its place in aNamed, or -1 */
} rc_slot;

struct tito_row_cache {
  unsigned iSnap;
  int nRow;
  rc_slot *aSlot;      /* N_SLOT, allocated at the first put */
  uint8_t *aArena;
  int nArena, nArenaAlloc;
  int *aNamed;         /* slots of the keys named, in order */
  int nNamed;
};

tito_row_cache *tito_row_cache_new(void) {
  tito_row_cache *p = sqlite3_malloc(sizeof(*p));
  if (p) memset(p, 0, sizeof(*p));
  return p;
}

void tito_row_cache_clear(tito_row_cache *p) {
  int i;
  if (p == 0) return;
  if (p->aSlot) {
    for (i = 0; i < N_SLOT; i++) p->aSlot[i].off = -1;
  }
  p->nRow = 0;
  p->nArena = 0;
  p->nNamed = 0;
  p->iSnap = 0;
}

void tito_row_cache_free(tito_row_cache *p) {
  if (p == 0) return;
  sqlite3_free(p->aSlot);
  sqlite3_free(p->aArena);
  sqlite3_free(p->aNamed);
  sqlite3_free(p);
}

/* FNV-1a. */
static uint32_t rcHash(const uint8_t *k, int n) {
  uint32_t h = 2166136261u;
  int i;
  for (i = 0; i < n; i++) h = (h ^ k[i]) * 16777619u;
  return h;
}

/* The slot holding k, or the empty slot where it would go. */
static rc_slot *rcFind(tito_row_cache *p, const uint8_t *k, int nk,
                       uint32_t h) {
  uint32_t i = h & (N_SLOT - 1);
  for (;;) {
    rc_slot *s = &p->aSlot[i];
    if (s->off < 0) return s;
    if (s->hash == h && s->nk == nk &&
        (nk == 0 || memcmp(p->aArena + s->off, k, (size_t)nk) == 0)) {
      return s;
    }
    i = (i + 1) & (N_SLOT - 1);
  }
}

static int rcArena(tito_row_cache *p, int n) {
  if (p->nArena + n <= p->nArenaAlloc) return 0;
  {
    int nNew = p->nArenaAlloc ? 2 * p->nArenaAlloc : 64 * 1024;
    uint8_t *a;
    while (nNew < p->nArena + n) nNew *= 2;
    if (nNew > ROW_CACHE_MAX_BYTES) nNew = ROW_CACHE_MAX_BYTES;
    if (nNew < p->nArena + n) return 1;
    a = sqlite3_realloc(p->aArena, nNew);
    if (a == 0) return 1;
    p->aArena = a;
    p->nArenaAlloc = nNew;
  }
  return 0;
}

/* The slot of key k at snapshot iSnap (empty, or k's), the table made
** and the rows of another snapshot dropped first; NULL when not kept. */
static rc_slot *rcSlot(tito_row_cache *p, unsigned iSnap, const uint8_t *k,
                       int nk) {
  uint32_t h;
  rc_slot *s;
  if (p == 0 || iSnap == 0) return 0;
  if (p->aSlot == 0) {
    p->aSlot = sqlite3_malloc(sizeof(rc_slot) * N_SLOT);
    p->aNamed = sqlite3_malloc(sizeof(int) * ROW_CACHE_MAX_ROWS);
    if (p->aSlot == 0 || p->aNamed == 0) {
      sqlite3_free(p->aSlot);
      sqlite3_free(p->aNamed);
      p->aSlot = 0;
      p->aNamed = 0;
      return 0;
    }
    tito_row_cache_clear(p); /* every slot empty */
  }
  if (p->iSnap != iSnap) {
    tito_row_cache_clear(p);
    p->iSnap = iSnap;
  }
  h = rcHash(k, nk);
  s = rcFind(p, k, nk, h);
  if (s->off < 0 && p->nRow >= ROW_CACHE_MAX_ROWS) return 0;
  s->hash = h; /* an empty slot's is ignored until it is filled */
  return s;
}

/* Store key k and nv bytes of value (v NULL, nv < 0: none) in slot s
** (from rcSlot, which set its hash);
** 0 when the arena is full (a value already there is then forgotten). */
static int rcFill(tito_row_cache *p, rc_slot *s, const uint8_t *k, int nk,
                  const uint8_t *v, int nv) {
  int nData = nk + (nv > 0 ? nv : 0);
  if (rcArena(p, nData)) {
    if (s->off >= 0 && s->nv >= 0) s->nv = NV_STALE; /* may be stale now */
    return 0;
  }
  if (nk) memcpy(p->aArena + p->nArena, k, (size_t)nk);
  if (v && nv > 0) memcpy(p->aArena + p->nArena + nk, v, (size_t)nv);
  if (s->off < 0) {
    p->nRow++;
    s->iNamed = -1;
  }
  s->off = p->nArena;
  s->nk = nk;
  s->nv = nv;
  p->nArena += nData;
  return 1;
}

void tito_row_cache_put(tito_row_cache *p, unsigned iSnap, const uint8_t *k,
                        int nk, const uint8_t *v, int nv) {
  rc_slot *s = rcSlot(p, iSnap, k, nk);
  if (s) rcFill(p, s, k, nk, v, nv);
}

void tito_row_cache_name(tito_row_cache *p, unsigned iSnap, const uint8_t *k,
                         int nk) {
  rc_slot *s = rcSlot(p, iSnap, k, nk);
  /* A key read already (or named already) stays as it is. */
  if (s == 0 || s->off >= 0 || p->nNamed >= ROW_CACHE_MAX_ROWS) return;
  if (rcFill(p, s, k, nk, 0, NV_NAMED)) {
    s->iNamed = p->nNamed;
    p->aNamed[p->nNamed++] = (int)(s - p->aSlot);
  }
}

int tito_row_cache_named_from(tito_row_cache *p, unsigned iSnap,
                              const uint8_t *k, int nk, int nMax,
                              tito_buf *pOut, int *anKey) {
  rc_slot *s;
  int i, n = 0;
  pOut->n = 0;
  if (p == 0 || p->aSlot == 0 || iSnap == 0 || p->iSnap != iSnap) return 0;
  s = rcFind(p, k, nk, rcHash(k, nk));
  if (s->off < 0 || s->nv != NV_NAMED || s->iNamed < 0) return 0;
  for (i = s->iNamed; i < p->nNamed && n < nMax; i++) {
    rc_slot *t = &p->aSlot[p->aNamed[i]];
    if (t->nv != NV_NAMED) continue; /* read since */
    tito_buf_append(pOut, p->aArena + t->off, t->nk);
    anKey[n++] = t->nk;
  }
  return pOut->rc ? 0 : n;
}

const uint8_t *tito_row_cache_get(tito_row_cache *p, unsigned iSnap,
                                  const uint8_t *k, int nk, int *pnv) {
  rc_slot *s;
  if (p == 0 || p->aSlot == 0 || iSnap == 0 || p->iSnap != iSnap) return 0;
  s = rcFind(p, k, nk, rcHash(k, nk));
  if (s->off < 0 || s->nv < 0) return 0; /* absent, stale or named */
  *pnv = s->nv;
  return p->aArena + s->off + nk;
}
