/*
** region_cache.c: sorted, non-overlapping array of cached regions plus a
** store-address table (see region_cache.h). Lookups take the read lock;
** inserts and invalidations the write lock. Regions are few (tens to
** thousands), so a sorted array with binary search and memmove is enough.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "region_cache.h"
#include "mcodec.h"
#include "client.h"

typedef struct rc_peer {
  uint64_t id, store_id;
  int role, bWitness;
} rc_peer;

typedef struct rc_entry {
  tikv_region r;   /* bounds raw; leader fields */
  rc_peer *aPeer;
  int nPeer;
} rc_entry;

typedef struct rc_store {
  uint64_t id;
  char *zAddr;
} rc_store;

struct tikv_region_cache {
  pthread_rwlock_t lock;
  rc_entry **a;    /* sorted by start key */
  int n, nAlloc;
  rc_store *aStore;
  int nStore, nStoreAlloc;
};

/* 1 if raw key k lies in [start, end) of r. */
static int region_has(const tikv_region *r, const uint8_t *k, size_t n) {
  if (r->n_start && tikv_key_cmp(k, n, r->start_key, r->n_start) < 0) return 0;
  if (r->n_end && tikv_key_cmp(k, n, r->end_key, r->n_end) >= 0) return 0;
  return 1;
}

int tikv_region_contains(const tikv_region *p, const uint8_t *key, size_t n) {
  return region_has(p, key, n);
}

void tikv_region_clear(tikv_region *p) {
  if (!p) return;
  free(p->start_key);
  free(p->end_key);
  memset(p, 0, sizeof(*p));
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n) {
  uint8_t *z = malloc(n ? n : 1);
  if (z && n) memcpy(z, p, n);
  return z;
}

int tikv_region_copy(tikv_region *pDst, const tikv_region *pSrc) {
  *pDst = *pSrc;
  pDst->start_key = dup_bytes(pSrc->start_key, pSrc->n_start);
  pDst->end_key = dup_bytes(pSrc->end_key, pSrc->n_end);
  if (!pDst->start_key || !pDst->end_key) {
    tikv_region_clear(pDst);
    return TITO_NOMEM;
  }
  return TITO_OK;
}

static void entry_free(rc_entry *e) {
  if (!e) return;
  tikv_region_clear(&e->r);
  free(e->aPeer);
  free(e);
}

int tikv_rc_new(tikv_region_cache **pp) {
  tikv_region_cache *c = calloc(1, sizeof(*c));
  *pp = 0;
  if (!c) return TITO_NOMEM;
  pthread_rwlock_init(&c->lock, 0);
  *pp = c;
  return TITO_OK;
}

void tikv_rc_free(tikv_region_cache *c) {
  if (!c) return;
  for (int i = 0; i < c->n; i++) entry_free(c->a[i]);
  for (int i = 0; i < c->nStore; i++) free(c->aStore[i].zAddr);
  free(c->a);
  free(c->aStore);
  pthread_rwlock_destroy(&c->lock);
  free(c);
}

/* Index of the last entry whose start <= k, or -1 (lock held). */
static int find_floor(tikv_region_cache *c, const uint8_t *k, size_t n) {
  int lo = 0, hi = c->n - 1, ans = -1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    const tikv_region *r = &c->a[mid]->r;
    if (r->n_start == 0 || tikv_key_cmp(r->start_key, r->n_start, k, n) <= 0) {
      ans = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return ans;
}

/* Copy entry i into *pOut: 1, or -1 when out of memory (lock held). */
static int copy_out(tikv_region_cache *c, int i, tikv_region *pOut) {
  return tikv_region_copy(pOut, &c->a[i]->r) == TITO_OK ? 1 : -1;
}

int tikv_rc_lookup(tikv_region_cache *c, const uint8_t *key, size_t n,
                   tikv_region *pOut) {
  int rc = 0, i;
  pthread_rwlock_rdlock(&c->lock);
  i = find_floor(c, key, n);
  if (i >= 0 && region_has(&c->a[i]->r, key, n)) rc = copy_out(c, i, pOut);
  pthread_rwlock_unlock(&c->lock);
  return rc;
}

int tikv_rc_lookup_ending_at(tikv_region_cache *c, const uint8_t *key,
                             size_t n, tikv_region *pOut) {
  int rc = 0;
  pthread_rwlock_rdlock(&c->lock);
  if (n == 0) {
    if (c->n > 0 && c->a[c->n - 1]->r.n_end == 0) rc = copy_out(c, c->n - 1, pOut);
  } else {
    /* The region ending at key starts below key: floor of key minus one
    ** step is the entry just before the one starting at key. */
    int i = find_floor(c, key, n);
    if (i >= 0) {
      const tikv_region *r = &c->a[i]->r;
      if (r->n_start && tikv_key_cmp(r->start_key, r->n_start, key, n) == 0)
        i--;
    }
    if (i >= 0) {
      const tikv_region *r = &c->a[i]->r;
      if (r->n_end && tikv_key_cmp(r->end_key, r->n_end, key, n) == 0) {
        rc = copy_out(c, i, pOut);
      }
    }
  }
  pthread_rwlock_unlock(&c->lock);
  return rc;
}

int tikv_rc_lookup_last(tikv_region_cache *c, tikv_region *pOut) {
  int rc = 0;
  pthread_rwlock_rdlock(&c->lock);
  if (c->n > 0) rc = copy_out(c, c->n - 1, pOut);
  pthread_rwlock_unlock(&c->lock);
  return rc;
}

/* Decode one encoded boundary; empty stays empty. */
static int decode_bound(const ProtobufCBinaryData *b, uint8_t **pp, size_t *pn,
                        char **pzErr) {
  int rc;
  if (b->len == 0) {
    *pp = malloc(1);
    *pn = 0;
    return *pp ? TITO_OK : TITO_NOMEM;
  }
  rc = tikv_mc_decode(b->data, b->len, pp, pn);
  if (rc == 2) return TITO_NOMEM;
  if (rc != 0) {
    return tikv_error(pzErr, TITO_ERROR,
                      "region boundary of %zu bytes is not memcomparable-"
                      "encoded (is the cluster running API v1 txn keys?)",
                      b->len);
  }
  return TITO_OK;
}

/* Build an entry from a PD region. */
static int entry_from(const Metapb__Region *m, uint64_t leaderPeer,
                      uint64_t leaderStore, rc_entry **pp, char **pzErr) {
  rc_entry *e = calloc(1, sizeof(*e));
  int rc;
  *pp = 0;
  if (!e) return TITO_NOMEM;
  e->r.id = m->id;
  if (m->region_epoch) {
    e->r.conf_ver = m->region_epoch->conf_ver;
    e->r.version = m->region_epoch->version;
  }
  rc = decode_bound(&m->start_key, &e->r.start_key, &e->r.n_start, pzErr);
  if (rc == TITO_OK) {
    rc = decode_bound(&m->end_key, &e->r.end_key, &e->r.n_end, pzErr);
  }
  if (rc == TITO_OK && m->n_peers) {
    e->aPeer = calloc(m->n_peers, sizeof(rc_peer));
    if (!e->aPeer) rc = TITO_NOMEM;
  }
  for (size_t i = 0; rc == TITO_OK && i < m->n_peers; i++) {
    rc_peer *p = &e->aPeer[e->nPeer++];
    p->id = m->peers[i]->id;
    p->store_id = m->peers[i]->store_id;
    p->role = m->peers[i]->role;
    p->bWitness = m->peers[i]->is_witness;
    if (p->id == leaderPeer && p->store_id == leaderStore) {
      e->r.leader_peer_id = leaderPeer;
      e->r.leader_store_id = leaderStore;
    }
  }
  if (rc != TITO_OK) {
    entry_free(e);
    return rc == TITO_NOMEM ? tikv_error(pzErr, rc, "out of memory") : rc;
  }
  *pp = e;
  return TITO_OK;
}

/* 1 if entries a and b overlap. */
static int overlaps(const tikv_region *a, const tikv_region *b) {
  /* a.start < b.end and b.start < a.end, with empty ends = +inf. */
  if (b->n_end && a->n_start &&
      tikv_key_cmp(a->start_key, a->n_start, b->end_key, b->n_end) >= 0) {
    return 0;
  }
  if (a->n_end && b->n_start &&
      tikv_key_cmp(b->start_key, b->n_start, a->end_key, a->n_end) >= 0) {
    return 0;
  }
  return 1;
}

int tikv_rc_insert(tikv_region_cache *c, const Metapb__Region *m,
                   uint64_t leader_peer_id, uint64_t leader_store_id,
                   tikv_region *pOut, char **pzErr) {
  rc_entry *e;
  int rc = entry_from(m, leader_peer_id, leader_store_id, &e, pzErr);
  int i, j, pos;
  if (rc != TITO_OK) return rc;
  if (e->r.n_end && e->r.n_start &&
      tikv_key_cmp(e->r.start_key, e->r.n_start, e->r.end_key, e->r.n_end) >=
          0) {
    entry_free(e);
    return tikv_error(pzErr, TITO_ERROR, "region %llu has an empty range",
                      (unsigned long long)m->id);
  }
  if (pOut && tikv_region_copy(pOut, &e->r) != TITO_OK) {
    entry_free(e);
    return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  }
  pthread_rwlock_wrlock(&c->lock);
  /* Drop every entry that overlaps the new one or has its id. */
  for (i = j = 0; i < c->n; i++) {
    if (c->a[i]->r.id == e->r.id || overlaps(&c->a[i]->r, &e->r)) {
      entry_free(c->a[i]);
    } else {
      c->a[j++] = c->a[i];
    }
  }
  c->n = j;
  if (c->n == c->nAlloc) {
    int nNew = c->nAlloc ? c->nAlloc * 2 : 16;
    rc_entry **aNew = realloc(c->a, (size_t)nNew * sizeof(*aNew));
    if (!aNew) {
      pthread_rwlock_unlock(&c->lock);
      entry_free(e);
      if (pOut) tikv_region_clear(pOut);
      return tikv_error(pzErr, TITO_NOMEM, "out of memory");
    }
    c->a = aNew;
    c->nAlloc = nNew;
  }
  pos = e->r.n_start ? find_floor(c, e->r.start_key, e->r.n_start) + 1 : 0;
  memmove(&c->a[pos + 1], &c->a[pos], (size_t)(c->n - pos) * sizeof(*c->a));
  c->a[pos] = e;
  c->n++;
  pthread_rwlock_unlock(&c->lock);
  return TITO_OK;
}

/* Index of region id, or -1 (lock held). */
static int find_id(tikv_region_cache *c, uint64_t id) {
  for (int i = 0; i < c->n; i++) {
    if (c->a[i]->r.id == id) return i;
  }
  return -1;
}

void tikv_rc_invalidate(tikv_region_cache *c, uint64_t region_id) {
  int i;
  pthread_rwlock_wrlock(&c->lock);
  i = find_id(c, region_id);
  if (i >= 0) {
    entry_free(c->a[i]);
    memmove(&c->a[i], &c->a[i + 1], (size_t)(c->n - i - 1) * sizeof(*c->a));
    c->n--;
  }
  pthread_rwlock_unlock(&c->lock);
}

int tikv_rc_set_leader(tikv_region_cache *c, uint64_t region_id,
                       uint64_t peer_id, uint64_t store_id) {
  int found = 0, i;
  pthread_rwlock_wrlock(&c->lock);
  i = find_id(c, region_id);
  if (i >= 0) {
    rc_entry *e = c->a[i];
    for (int k = 0; k < e->nPeer; k++) {
      if (e->aPeer[k].id == peer_id && e->aPeer[k].store_id == store_id) {
        e->r.leader_peer_id = peer_id;
        e->r.leader_store_id = store_id;
        found = 1;
      }
    }
  }
  pthread_rwlock_unlock(&c->lock);
  return found;
}

int tikv_rc_pick_peer(tikv_region_cache *c, uint64_t region_id,
                      uint64_t skip_store, uint64_t *pPeerId,
                      uint64_t *pStoreId) {
  int found = 0, i;
  pthread_rwlock_rdlock(&c->lock);
  i = find_id(c, region_id);
  for (int k = 0; i >= 0 && k < c->a[i]->nPeer && !found; k++) {
    const rc_peer *p = &c->a[i]->aPeer[k];
    if (p->bWitness || p->store_id == skip_store) continue;
    if (p->role == METAPB__PEER_ROLE__Learner) continue;
    *pPeerId = p->id;
    *pStoreId = p->store_id;
    found = 1;
  }
  pthread_rwlock_unlock(&c->lock);
  return found;
}

int tikv_rc_peer_on_store(tikv_region_cache *c, uint64_t region_id,
                          uint64_t store_id, uint64_t *pPeerId) {
  int found = 0, i;
  pthread_rwlock_rdlock(&c->lock);
  i = find_id(c, region_id);
  for (int k = 0; i >= 0 && k < c->a[i]->nPeer && !found; k++) {
    if (c->a[i]->aPeer[k].store_id == store_id) {
      *pPeerId = c->a[i]->aPeer[k].id;
      found = 1;
    }
  }
  pthread_rwlock_unlock(&c->lock);
  return found;
}

char *tikv_rc_store_addr(tikv_region_cache *c, uint64_t store_id) {
  char *z = 0;
  pthread_rwlock_rdlock(&c->lock);
  for (int i = 0; i < c->nStore; i++) {
    if (c->aStore[i].id == store_id) {
      z = strdup(c->aStore[i].zAddr);
      break;
    }
  }
  pthread_rwlock_unlock(&c->lock);
  return z;
}

int tikv_rc_store_set(tikv_region_cache *c, uint64_t store_id,
                      const char *zAddr) {
  char *z = strdup(zAddr);
  int rc = TITO_OK, i;
  if (!z) return TITO_NOMEM;
  pthread_rwlock_wrlock(&c->lock);
  for (i = 0; i < c->nStore; i++) {
    if (c->aStore[i].id == store_id) break;
  }
  if (i < c->nStore) {
    free(c->aStore[i].zAddr);
    c->aStore[i].zAddr = z;
  } else {
    if (c->nStore == c->nStoreAlloc) {
      int nNew = c->nStoreAlloc ? c->nStoreAlloc * 2 : 8;
      rc_store *aNew = realloc(c->aStore, (size_t)nNew * sizeof(*aNew));
      if (!aNew) {
        free(z);
        z = 0;
        rc = TITO_NOMEM;
      } else {
        c->aStore = aNew;
        c->nStoreAlloc = nNew;
      }
    }
    if (z) {
      c->aStore[c->nStore].id = store_id;
      c->aStore[c->nStore].zAddr = z;
      c->nStore++;
    }
  }
  pthread_rwlock_unlock(&c->lock);
  return rc;
}

void tikv_rc_store_drop(tikv_region_cache *c, uint64_t store_id) {
  pthread_rwlock_wrlock(&c->lock);
  for (int i = 0; i < c->nStore; i++) {
    if (c->aStore[i].id == store_id) {
      free(c->aStore[i].zAddr);
      c->aStore[i] = c->aStore[--c->nStore];
      break;
    }
  }
  pthread_rwlock_unlock(&c->lock);
}

int tikv_rc_count(tikv_region_cache *c) {
  int n;
  pthread_rwlock_rdlock(&c->lock);
  n = c->n;
  pthread_rwlock_unlock(&c->lock);
  return n;
}
