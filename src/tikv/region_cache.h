/*
** region_cache.h: the client's map from user keys to regions, and from
** store ids to addresses. Entries are kept sorted by (decoded, raw) start
** key and never overlap: inserting a region first drops every cached region
** it overlaps, which is how splits and merges replace stale entries. Pure
** data structure (no RPC), guarded by a rwlock; thread-safe.
*/
#ifndef TITO_TIKV_REGION_CACHE_H
#define TITO_TIKV_REGION_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include "metapb.pb-c.h"
#include "region_call.h"

typedef struct tikv_region_cache tikv_region_cache;

int tikv_rc_new(tikv_region_cache **pp);
void tikv_rc_free(tikv_region_cache *);

/* Region containing raw key (key, n): 1 and *pOut filled (caller clears)
** on a hit, 0 on a miss, -1 when out of memory. */
int tikv_rc_lookup(tikv_region_cache *, const uint8_t *key, size_t n,
                   tikv_region *pOut);

/* The cached region whose end is exactly (key, n) (n == 0: the region with
** no upper bound): 1 / 0 / -1 as tikv_rc_lookup. */
int tikv_rc_lookup_ending_at(tikv_region_cache *, const uint8_t *key,
                             size_t n, tikv_region *pOut);

/* The cached region with the largest start key: 1 / 0 / -1. */
int tikv_rc_lookup_last(tikv_region_cache *, tikv_region *pOut);

/* Insert a region as PD or TiKV described it (boundaries ENCODED; they are
** decoded here). leader_store_id / leader_peer_id may be 0 (unknown); a
** leader that is not one of the region's peers is ignored. If pOut is not
** NULL it receives a copy. TITO_OK, TITO_ERROR (undecodable boundary,
** message in *pzErr), TITO_NOMEM. */
int tikv_rc_insert(tikv_region_cache *, const Metapb__Region *r,
                   uint64_t leader_peer_id, uint64_t leader_store_id,
                   tikv_region *pOut, char **pzErr);

/* Drop region id (no-op if absent). */
void tikv_rc_invalidate(tikv_region_cache *, uint64_t region_id);

/* Record that (peer_id, store_id) leads region id. Returns 1 if the peer is
** one of the cached region's peers (leader updated), 0 otherwise (the
** caller should drop the region and reload it). */
int tikv_rc_set_leader(tikv_region_cache *, uint64_t region_id,
                       uint64_t peer_id, uint64_t store_id);

/* A peer to try for region id when its leader is unknown: the first voter
** that is not a witness and not on store skip_store. 1 if found. */
int tikv_rc_pick_peer(tikv_region_cache *, uint64_t region_id,
                      uint64_t skip_store, uint64_t *pPeerId,
                      uint64_t *pStoreId);

/* The peer of region id on store store_id: 1 if found. */
int tikv_rc_peer_on_store(tikv_region_cache *, uint64_t region_id,
                          uint64_t store_id, uint64_t *pPeerId);

/* Store addresses. tikv_rc_store_addr returns a malloc'd copy or NULL. */
char *tikv_rc_store_addr(tikv_region_cache *, uint64_t store_id);
int tikv_rc_store_set(tikv_region_cache *, uint64_t store_id,
                      const char *zAddr);
void tikv_rc_store_drop(tikv_region_cache *, uint64_t store_id);

/* Number of cached regions (tests). */
int tikv_rc_count(tikv_region_cache *);

#endif /* TITO_TIKV_REGION_CACHE_H */
