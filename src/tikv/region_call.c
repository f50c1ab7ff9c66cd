/*
** region_call.c: locating regions (cache first, then PD with encoded keys)
** and sending one KV RPC to a region's leader with the region-error table
** of the protocol sheet (3.6) and transport-failure handling (3.7).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "client_int.h"
#include "mcodec.h"
#include "pdpb.pb-c.h"
#include "errorpb.pb-c.h"
#include "region_call.h"
#include "stats.h"

#define MAX_FAST_RETRY 8   /* retries without sleep before backing off */
#define MAX_REGION_WALK 100000

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int key_cmp(const uint8_t *a, size_t na, const uint8_t *b, size_t nb) {
  size_t m = na < nb ? na : nb;
  int c = m ? memcmp(a, b, m) : 0;
  if (c) return c;
  return na < nb ? -1 : (na > nb ? 1 : 0);
}

void tikv_region_invalidate(tikv_client *p, uint64_t region_id) {
  tikv_rc_invalidate(p->pCache, region_id);
}

/* Ask PD (zPath = GetRegion or GetPrevRegion) for the region of raw key k,
** insert it into the cache and copy it to *pOut. TITO_NOTFOUND when PD has
** no such region. */
static int load_region(tikv_client *p, const char *zPath, const uint8_t *k,
                       size_t n, tikv_region *pOut, char **pzErr) {
  Pdpb__GetRegionRequest req = PDPB__GET_REGION_REQUEST__INIT;
  Pdpb__GetRegionResponse *resp = 0;
  size_t nEnc;
  uint8_t *aEnc = tikv_mc_encode_alloc(k, n, &nEnc);
  int rc;
  if (!aEnc) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  req.region_key.data = aEnc;
  req.region_key.len = nEnc;
  rc = tikv_pd_call(p->pPd, zPath, &req.base,
                    &pdpb__get_region_response__descriptor,
                    (ProtobufCMessage **)&resp, pzErr);
  free(aEnc);
  if (rc != TITO_OK) return rc;
  if (!resp->region) {
    rc = tikv_error(pzErr, TITO_NOTFOUND, "PD %s: no region", zPath);
  } else if (resp->region->n_peers == 0) {
    rc = tikv_error(pzErr, TITO_NOTFOUND, "PD %s: region %llu has no peers",
                    zPath, (unsigned long long)resp->region->id);
  } else {
    uint64_t lp = resp->leader ? resp->leader->id : 0;
    uint64_t ls = resp->leader ? resp->leader->store_id : 0;
    rc = tikv_rc_insert(p->pCache, resp->region, lp, ls, pOut, pzErr);
  }
  protobuf_c_message_free_unpacked(&resp->base, 0);
  return rc;
}

/* load_region, retried with backoff while PD has no (matching) region:
** right after a split or restart PD may lag behind. bEndsAt: the region
** must end at k (GetPrevRegion); else it must contain k. */
static int load_region_retry(tikv_client *p, const char *zPath,
                             const uint8_t *k, size_t n, int bEndsAt,
                             tikv_region *pOut, char **pzErr) {
  tikv_backoff bo;
  tikv_backoff_init(&bo, p);
  for (;;) {
    int rc = load_region(p, zPath, k, n, pOut, pzErr);
    if (rc == TITO_OK) {
      int ok = bEndsAt ? (pOut->n_end == n && key_cmp(pOut->end_key,
                                                      pOut->n_end, k, n) == 0)
                       : tikv_region_contains(pOut, k, n);
      if (ok) return TITO_OK;
      tikv_region_clear(pOut);
      snprintf(bo.zLast, sizeof(bo.zLast), "PD %s returned a region that %s",
               zPath, bEndsAt ? "does not end at the key"
                              : "does not contain the key");
    } else if (rc == TITO_NOTFOUND) {
      snprintf(bo.zLast, sizeof(bo.zLast), "%s",
               pzErr && *pzErr ? *pzErr : "PD: no region");
    } else {
      return rc;
    }
    rc = tikv_backoff_sleep(&bo, TIKV_BO_REGION_MISS, pzErr);
    if (rc != TITO_OK) return rc;
  }
}

int tikv_locate(tikv_client *p, const uint8_t *key, size_t n,
                tikv_region *pOut, char **pzErr) {
  int hit = tikv_rc_lookup(p->pCache, key, n, pOut);
  if (hit < 0) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  if (hit) {
    tikv_stats_add(TIKV_STAT_CACHE_HIT, 1);
    return TITO_OK;
  }
  tikv_stats_add(TIKV_STAT_CACHE_MISS, 1);
  return load_region_retry(p, "/pdpb.PD/GetRegion", key, n, 0, pOut, pzErr);
}

/* The last region (no upper bound): walk region by region from the last
** cached one (or from the first region) until the one with no end. */
static int locate_last(tikv_client *p, tikv_region *pOut, char **pzErr) {
  tikv_region r;
  int hit = tikv_rc_lookup_ending_at(p->pCache, 0, 0, pOut), rc;
  if (hit < 0) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  if (hit) {
    tikv_stats_add(TIKV_STAT_CACHE_HIT, 1);
    return TITO_OK;
  }
  memset(&r, 0, sizeof(r));
  hit = tikv_rc_lookup_last(p->pCache, &r);
  if (hit < 0) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  rc = hit ? TITO_OK : tikv_locate(p, (const uint8_t *)"", 0, &r, pzErr);
  for (int i = 0; rc == TITO_OK && r.n_end > 0; i++) {
    tikv_region next;
    if (i > MAX_REGION_WALK) {
      rc = tikv_error(pzErr, TITO_ERROR, "region walk does not end");
      break;
    }
    rc = tikv_locate(p, r.end_key, r.n_end, &next, pzErr);
    tikv_region_clear(&r);
    if (rc == TITO_OK) r = next;
  }
  if (rc == TITO_OK) {
    *pOut = r;
  } else {
    tikv_region_clear(&r);
  }
  return rc;
}

int tikv_locate_prev(tikv_client *p, const uint8_t *key, size_t n,
                     tikv_region *pOut, char **pzErr) {
  int rc, hit;
  memset(pOut, 0, sizeof(*pOut));
  if (n == 0) return locate_last(p, pOut, pzErr);
  rc = tikv_locate(p, key, n, pOut, pzErr);
  if (rc != TITO_OK) return rc;
  /* Keys just below key live in the same region unless it starts at key. */
  if (pOut->n_start == 0 ||
      key_cmp(pOut->start_key, pOut->n_start, key, n) < 0) {
    return TITO_OK;
  }
  tikv_region_clear(pOut);
  hit = tikv_rc_lookup_ending_at(p->pCache, key, n, pOut);
  if (hit < 0) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  if (hit) {
    tikv_stats_add(TIKV_STAT_CACHE_HIT, 1);
    return TITO_OK;
  }
  tikv_stats_add(TIKV_STAT_CACHE_MISS, 1);
  return load_region_retry(p, "/pdpb.PD/GetPrevRegion", key, n, 1, pOut,
                           pzErr);
}

/* Count a retry and sleep class `kind` (kind < 0: retry at once, unless
** too many immediate retries happened in a row). TIKV_RETRY_REGION, or the
** backoff's TITO_UNAVAILABLE once the budget is spent. */
static int retry_after(tikv_backoff *bo, int kind, char **pzErr) {
  int rc;
  bo->nRetry++;
  tikv_stats_add(TIKV_STAT_RETRIES, 1);
  if (kind < 0) {
    if (++bo->nFastRetry <= MAX_FAST_RETRY) return TIKV_RETRY_REGION;
    kind = TIKV_BO_REGION_MISS;
  }
  rc = tikv_backoff_sleep(bo, kind, pzErr);
  return rc == TITO_OK ? TIKV_RETRY_REGION : rc;
}

/* The address of a store: cache, else PD GetStore. TIKV_RETRY_REGION when
** the store is gone (tombstone / unknown): the region must be reloaded. */
static int store_address(tikv_client *p, tikv_backoff *bo, uint64_t regionId,
                         uint64_t storeId, char **pzAddr, char **pzErr) {
  Pdpb__GetStoreRequest req = PDPB__GET_STORE_REQUEST__INIT;
  Pdpb__GetStoreResponse *resp = 0;
  char *zErr = 0;
  int rc;
  *pzAddr = tikv_rc_store_addr(p->pCache, storeId);
  if (*pzAddr) return TITO_OK;
  req.store_id = storeId;
  rc = tikv_pd_call(p->pPd, "/pdpb.PD/GetStore", &req.base,
                    &pdpb__get_store_response__descriptor,
                    (ProtobufCMessage **)&resp, &zErr);
  if (rc == TITO_OK) {
    const Metapb__Store *s = resp->store;
    if (!s || s->address[0] == 0 || s->state == METAPB__STORE_STATE__Tombstone) {
      rc = tikv_error(&zErr, TITO_NOTFOUND, "store %llu is %s",
                      (unsigned long long)storeId,
                      s && s->state == METAPB__STORE_STATE__Tombstone
                          ? "a tombstone"
                          : "unknown to PD");
    } else {
      rc = tikv_rc_store_set(p->pCache, storeId, s->address);
      if (rc == TITO_OK) *pzAddr = strdup(s->address);
      if (!*pzAddr) rc = TITO_NOMEM;
    }
    protobuf_c_message_free_unpacked(&resp->base, 0);
  }
  if (rc == TITO_ERROR || rc == TITO_NOTFOUND) {
    /* The region's peer list is stale: reload it. */
    snprintf(bo->zLast, sizeof(bo->zLast), "%s", zErr ? zErr : "GetStore");
    free(zErr);
    tikv_rc_invalidate(p->pCache, regionId);
    return retry_after(bo, TIKV_BO_REGION_MISS, pzErr);
  }
  if (rc != TITO_OK) {
    if (rc == TITO_NOMEM) rc = tikv_error(&zErr, rc, "out of memory");
    if (pzErr) {
      free(*pzErr);
      *pzErr = zErr;
    } else {
      free(zErr);
    }
  }
  return rc;
}

/* The region_error member of any KV response (all have it as field 1). */
static Errorpb__Error *region_error_of(ProtobufCMessage *resp) {
  const ProtobufCFieldDescriptor *f =
      protobuf_c_message_descriptor_get_field_by_name(resp->descriptor,
                                                      "region_error");
  if (!f) return 0;
  return *(Errorpb__Error **)((char *)resp + f->offset);
}

/* EpochNotMatch with current regions: cache them (the store that answered
** leads them, as far as we know). Returns 1 if any is older than ours. */
static int adopt_current_regions(tikv_client *p, const tikv_region *pOld,
                                 const Errorpb__EpochNotMatch *e,
                                 uint64_t storeId) {
  int bStale = 0;
  for (size_t i = 0; i < e->n_current_regions; i++) {
    const Metapb__Region *m = e->current_regions[i];
    uint64_t leaderPeer = 0;
    for (size_t k = 0; k < m->n_peers; k++) {
      if (m->peers[k]->store_id == storeId) leaderPeer = m->peers[k]->id;
    }
    if (m->id == pOld->id && m->region_epoch &&
        (m->region_epoch->version < pOld->version ||
         m->region_epoch->conf_ver < pOld->conf_ver)) {
      bStale = 1;
      continue;
    }
    if (tikv_rc_insert(p->pCache, m, leaderPeer, leaderPeer ? storeId : 0, 0,
                       0) != TITO_OK) {
      bStale = 1;
    }
  }
  return bStale;
}

/* Act on a region error as the sheet's table (3.6) says. */
static int on_region_error(tikv_client *p, tikv_backoff *bo,
                           const tikv_region *r, uint64_t peerId,
                           uint64_t storeId, const char *zAddr,
                           const char *zPath, const Errorpb__Error *e,
                           char **pzErr) {
  tikv_region_cache *c = p->pCache;
  const char *zMethod = strrchr(zPath, '/') ? strrchr(zPath, '/') + 1 : zPath;
  tikv_stats_add(TIKV_STAT_REGION_ERRORS, 1);
  snprintf(bo->zLast, sizeof(bo->zLast), "%s region %llu at store %llu (%s): %s",
           zMethod, (unsigned long long)r->id, (unsigned long long)storeId,
           zAddr, e->message && e->message[0] ? e->message : "region error");
  if (e->not_leader) {
    const Metapb__Peer *l = e->not_leader->leader;
    if (l && l->store_id) {
      if (l->store_id == storeId && l->id == peerId) {
        /* It names itself: an election is settling. */
        return retry_after(bo, TIKV_BO_REGION_SCHEDULING, pzErr);
      }
      if (!tikv_rc_set_leader(c, r->id, l->id, l->store_id)) {
        tikv_rc_invalidate(c, r->id);
      }
      return retry_after(bo, -1, pzErr);
    }
    tikv_rc_invalidate(c, r->id);
    return retry_after(bo, TIKV_BO_REGION_SCHEDULING, pzErr);
  }
  if (e->region_not_found || e->key_not_in_region || e->mismatch_peer_id ||
      e->bucket_version_not_match) {
    tikv_rc_invalidate(c, r->id);
    return retry_after(bo, -1, pzErr);
  }
  if (e->epoch_not_match) {
    int bStale = 1;
    tikv_rc_invalidate(c, r->id);
    if (e->epoch_not_match->n_current_regions > 0) {
      bStale = adopt_current_regions(p, r, e->epoch_not_match, storeId);
    }
    return retry_after(bo, bStale ? TIKV_BO_REGION_MISS : -1, pzErr);
  }
  if (e->server_is_busy) {
    return retry_after(bo, TIKV_BO_SERVER_BUSY, pzErr);
  }
  if (e->stale_command) return retry_after(bo, TIKV_BO_STALE_CMD, pzErr);
  if (e->store_not_match) {
    tikv_rc_invalidate(c, r->id);
    tikv_rc_store_drop(c, storeId);
    return retry_after(bo, -1, pzErr);
  }
  if (e->raft_entry_too_large) {
    return tikv_error(pzErr, TITO_ERROR, "%s: request too large for one Raft "
                      "entry (%llu bytes); split the batch", bo->zLast,
                      (unsigned long long)e->raft_entry_too_large->entry_size);
  }
  if (e->max_timestamp_not_synced) {
    return retry_after(bo, TIKV_BO_MAX_TS_NOT_SYNCED, pzErr);
  }
  if (e->read_index_not_ready || e->proposal_in_merging_mode) {
    return retry_after(bo, TIKV_BO_REGION_SCHEDULING, pzErr);
  }
  if (e->data_is_not_ready) return retry_after(bo, -1, pzErr);
  if (e->region_not_initialized) {
    return retry_after(bo, TIKV_BO_REGION_NOT_INIT, pzErr);
  }
  if (e->disk_full) return retry_after(bo, TIKV_BO_DISK_FULL, pzErr);
  if (e->recoveryinprogress) {
    tikv_rc_invalidate(c, r->id);
    return retry_after(bo, TIKV_BO_RECOVERY, pzErr);
  }
  if (e->flashbackinprogress || e->flashbacknotprepared) {
    return tikv_error(pzErr, TITO_ERROR, "%s: flashback in progress",
                      bo->zLast);
  }
  if (e->is_witness) {
    tikv_rc_invalidate(c, r->id);
    return retry_after(bo, TIKV_BO_WITNESS, pzErr);
  }
  if (e->undetermined_result && bo->bUndeterminedIsFinal) {
    return tikv_error(pzErr, TITO_UNKNOWN, "%s: result undetermined",
                      bo->zLast);
  }
  /* undetermined_result elsewhere: resending the same command for the same
  ** start_ts is safe (client-go retries it as a region error). */
  /* Unknown or message-only error. */
  tikv_rc_invalidate(c, r->id);
  return retry_after(bo, TIKV_BO_REGION_MISS, pzErr);
}

int tikv_send(tikv_client *p, tikv_backoff *bo, const tikv_region *pRegion,
              const char *zMethodPath, ProtobufCMessage *req,
              Kvrpcpb__Context *ctx, const ProtobufCMessageDescriptor *respDesc,
              ProtobufCMessage **ppResp, char **pzErr) {
  Metapb__RegionEpoch epoch = METAPB__REGION_EPOCH__INIT;
  Metapb__Peer peer = METAPB__PEER__INIT;
  Metapb__RegionEpoch *pOldEpoch;
  Metapb__Peer *pOldPeer;
  ProtobufCMessage *resp = 0;
  Errorpb__Error *re;
  uint64_t peerId = pRegion->leader_peer_id;
  uint64_t storeId = pRegion->leader_store_id;
  char *zAddr = 0, *zErr = 0;
  int64_t t0;
  int rc;

  *ppResp = 0;
  if (!storeId && !tikv_rc_pick_peer(p->pCache, pRegion->id, 0, &peerId,
                                     &storeId)) {
    /* Leader unknown and region gone from the cache: locate again. */
    snprintf(bo->zLast, sizeof(bo->zLast), "region %llu has no known leader",
             (unsigned long long)pRegion->id);
    tikv_rc_invalidate(p->pCache, pRegion->id);
    return retry_after(bo, TIKV_BO_REGION_SCHEDULING, pzErr);
  }
  rc = store_address(p, bo, pRegion->id, storeId, &zAddr, pzErr);
  if (rc != TITO_OK) return rc;

  pOldEpoch = ctx->region_epoch;
  pOldPeer = ctx->peer;
  epoch.conf_ver = pRegion->conf_ver;
  epoch.version = pRegion->version;
  peer.id = peerId;
  peer.store_id = storeId;
  ctx->region_id = pRegion->id;
  ctx->region_epoch = &epoch;
  ctx->peer = &peer;
  ctx->cluster_id = tikv_client_cluster_id(p);
  ctx->is_retry_request = bo->nRetry > 0;
  if (ctx->max_execution_duration_ms == 0) {
    ctx->max_execution_duration_ms = (uint64_t)p->msTimeout;
  }
  t0 = now_us();
  rc = tikv_conn_unary(p->pPool, zAddr, zMethodPath, req, respDesc,
                       p->msTimeout, &resp, 0, &zErr);
  tikv_stats_rpc(zMethodPath, now_us() - t0);
  ctx->region_epoch = pOldEpoch;
  ctx->peer = pOldPeer;

  if (rc == TITO_UNAVAILABLE) {
    /* No answer: the store may be down, restarted elsewhere or slow. The
    ** request may have been applied (bo->nTransportErr tells the caller). */
    tikv_stats_add(TIKV_STAT_RPC_ERRORS, 1);
    bo->nTransportErr++;
    snprintf(bo->zLast, sizeof(bo->zLast), "TiKV store %llu: %s",
             (unsigned long long)storeId, zErr ? zErr : zAddr);
    free(zErr);
    free(zAddr);
    tikv_rc_store_drop(p->pCache, storeId);
    /* Sheet 3.7: first switch to another peer of the region (a follower
    ** answers NotLeader with the leader it knows); after that, or with no
    ** other peer, reload the region from PD. */
    uint64_t otherPeer = 0, otherStore = 0;
    if (bo->nTransportErr > 1 ||
        !tikv_rc_pick_peer(p->pCache, pRegion->id, storeId, &otherPeer,
                           &otherStore) ||
        !tikv_rc_set_leader(p->pCache, pRegion->id, otherPeer, otherStore)) {
      tikv_rc_invalidate(p->pCache, pRegion->id);
    }
    return retry_after(bo, TIKV_BO_TIKV_RPC, pzErr);
  }
  if (rc != TITO_OK) {
    free(zAddr);
    if (pzErr) {
      free(*pzErr);
      *pzErr = zErr;
    } else {
      free(zErr);
    }
    return rc;
  }
  re = region_error_of(resp);
  if (re) {
    rc = on_region_error(p, bo, pRegion, peerId, storeId, zAddr, zMethodPath,
                         re, pzErr);
    protobuf_c_message_free_unpacked(resp, 0);
    free(zAddr);
    return rc;
  }
  free(zAddr);
  if (!pRegion->leader_store_id) {
    /* A probed peer answered as leader: remember it. */
    tikv_rc_set_leader(p->pCache, pRegion->id, peerId, storeId);
  }
  bo->nFastRetry = 0;
  *ppResp = resp;
  return TITO_OK;
}
