/*
** pd.c: the PD client (see pd.h).
**
** Leader discovery: GetMembers on every known endpoint (the configured ones
** plus the client URLs of the members PD reported) until one answers with
** no header error; its cluster id must match the one already known, and
** its leader's first client URL (scheme stripped) becomes the target of
** every later call. Rediscoveries are serialised and counted by a
** generation number, so threads failing on the same dead leader trigger
** one GetMembers sweep between them.
**
** TSO: callers queue up; whichever thread finds no round trip in flight
** takes the whole queue, sends one TsoRequest{count = n} on the stream and
** hands out the n timestamps ending at the returned (largest) one.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pd.h"
#include "pdpb.pb-c.h"
#include "client.h"
#include "region_call.h"
#include "stats.h"

#define PD_MAX_ENDPOINTS 16
#define TSO_MAX_BATCH 10000

typedef struct tso_waiter tso_waiter;
struct tso_waiter {
  uint64_t ts;
  int rc;
  char *zErr;
  int bDone;
  tso_waiter *pNext;
};

struct tikv_pd {
  tikv_conn_pool *pPool;
  int msTimeout, msMaxBackoff;
  pthread_mutex_t mu;       /* guards the fields down to gen */
  char *azEndpoint[PD_MAX_ENDPOINTS];
  int nEndpoint;
  uint64_t clusterId;
  char *zLeader;            /* "host:port" of the PD leader, or NULL */
  uint64_t gen;             /* bumped by every successful rediscovery */
  pthread_mutex_t refreshMu; /* serialises rediscoveries */

  pthread_mutex_t tsoMu;    /* guards the TSO fields below */
  pthread_cond_t tsoCond;
  tso_waiter *pQueue;       /* waiting, not yet taken by a round */
  tso_waiter **ppQueueTail;
  int bTsoBusy;             /* a thread is doing a round trip */
  tikv_stream *pTso;        /* used only by the thread doing the round */
  char *zTsoAddr;
  uint64_t lastTs;
};

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Add a "host:port" to the endpoint list unless present (mu held). */
static void add_endpoint(tikv_pd *pd, const char *zUrl) {
  char *z = tikv_url_to_target(zUrl);
  if (!z) return;
  for (int i = 0; i < pd->nEndpoint; i++) {
    if (strcmp(pd->azEndpoint[i], z) == 0) {
      free(z);
      return;
    }
  }
  if (z[0] == 0 || pd->nEndpoint >= PD_MAX_ENDPOINTS) {
    free(z);
    return;
  }
  pd->azEndpoint[pd->nEndpoint++] = z;
}

/* Point field "header" of req at pHdr; returns the previous value. */
static ProtobufCMessage *swap_header(ProtobufCMessage *req,
                                     ProtobufCMessage *pHdr) {
  const ProtobufCFieldDescriptor *f =
      protobuf_c_message_descriptor_get_field_by_name(req->descriptor,
                                                      "header");
  ProtobufCMessage **pp;
  ProtobufCMessage *pOld;
  if (!f) return 0;
  pp = (ProtobufCMessage **)((char *)req + f->offset);
  pOld = *pp;
  *pp = pHdr;
  return pOld;
}

/* The response header of a PD response (NULL if absent). */
static Pdpb__ResponseHeader *resp_header(ProtobufCMessage *resp) {
  const ProtobufCFieldDescriptor *f =
      protobuf_c_message_descriptor_get_field_by_name(resp->descriptor,
                                                      "header");
  if (!f) return 0;
  return *(Pdpb__ResponseHeader **)((char *)resp + f->offset);
}

/* GetMembers on one endpoint; on success adopt cluster id and leader. */
static int members_from(tikv_pd *pd, const char *zAddr, char **pzErr) {
  Pdpb__GetMembersRequest req = PDPB__GET_MEMBERS_REQUEST__INIT;
  Pdpb__RequestHeader hdr = PDPB__REQUEST_HEADER__INIT;
  Pdpb__GetMembersResponse *resp = 0;
  int64_t t0 = now_us();
  int rc;
  pthread_mutex_lock(&pd->mu);
  hdr.cluster_id = pd->clusterId;
  pthread_mutex_unlock(&pd->mu);
  req.header = &hdr;
  rc = tikv_conn_unary(pd->pPool, zAddr, "/pdpb.PD/GetMembers", &req.base,
                       &pdpb__get_members_response__descriptor,
                       pd->msTimeout, (ProtobufCMessage **)&resp, 0, pzErr);
  tikv_stats_rpc("GetMembers", now_us() - t0);
  if (rc != TITO_OK) return rc;
  /* A header error comes with cluster_id 0: never adopt it. */
  if (resp->header && resp->header->error &&
      resp->header->error->type != PDPB__ERROR_TYPE__OK) {
    rc = tikv_error(pzErr, TITO_UNAVAILABLE, "PD %s GetMembers: %s", zAddr,
                    resp->header->error->message);
  } else if (!resp->header || resp->header->cluster_id == 0) {
    rc = tikv_error(pzErr, TITO_UNAVAILABLE, "PD %s: no cluster id", zAddr);
  } else if (!resp->leader || resp->leader->n_client_urls == 0) {
    rc = tikv_error(pzErr, TITO_UNAVAILABLE, "PD %s: no leader elected",
                    zAddr);
  } else {
    char *zLeader = tikv_url_to_target(resp->leader->client_urls[0]);
    pthread_mutex_lock(&pd->mu);
    if (!zLeader) {
      rc = tikv_error(pzErr, TITO_NOMEM, "out of memory");
    } else if (pd->clusterId && pd->clusterId != resp->header->cluster_id) {
      rc = tikv_error(pzErr, TITO_ERROR,
                      "PD %s belongs to cluster %llu, not %llu", zAddr,
                      (unsigned long long)resp->header->cluster_id,
                      (unsigned long long)pd->clusterId);
      free(zLeader);
    } else {
      pd->clusterId = resp->header->cluster_id;
      free(pd->zLeader);
      pd->zLeader = zLeader;
      pd->gen++;
      for (size_t i = 0; i < resp->n_members; i++) {
        for (size_t j = 0; j < resp->members[i]->n_client_urls; j++) {
          add_endpoint(pd, resp->members[i]->client_urls[j]);
        }
      }
    }
    pthread_mutex_unlock(&pd->mu);
  }
  protobuf_c_message_free_unpacked(&resp->base, 0);
  return rc;
}

/* Rediscover the leader unless someone already did since generation
** genSeen. Tries every endpoint once. */
static int refresh_leader(tikv_pd *pd, uint64_t genSeen, char **pzErr) {
  char *azTry[PD_MAX_ENDPOINTS];
  int nTry = 0, rc = TITO_UNAVAILABLE;
  char *zErr = 0;
  pthread_mutex_lock(&pd->refreshMu);
  pthread_mutex_lock(&pd->mu);
  if (pd->gen != genSeen) {
    pthread_mutex_unlock(&pd->mu);
    pthread_mutex_unlock(&pd->refreshMu);
    return TITO_OK;
  }
  for (int i = 0; i < pd->nEndpoint; i++) {
    if ((azTry[nTry] = strdup(pd->azEndpoint[i])) != 0) nTry++;
  }
  pthread_mutex_unlock(&pd->mu);
  tikv_stats_add(TIKV_STAT_PD_RECONNECTS, 1);
  for (int i = 0; i < nTry && rc != TITO_OK; i++) {
    rc = members_from(pd, azTry[i], &zErr);
  }
  if (rc != TITO_OK) {
    char zList[512] = "";
    for (int i = 0; i < nTry; i++) {
      size_t n = strlen(zList);
      snprintf(zList + n, sizeof(zList) - n, "%s%s", i ? "," : "", azTry[i]);
    }
    rc = tikv_error(pzErr, TITO_UNAVAILABLE, "no PD leader reachable (%s): %s",
                    zList, zErr ? zErr : "no endpoint");
  }
  for (int i = 0; i < nTry; i++) free(azTry[i]);
  free(zErr);
  pthread_mutex_unlock(&pd->refreshMu);
  return rc;
}

int tikv_pd_open(tikv_conn_pool *pPool, const char *zEndpoints, int msTimeout,
                 int msMaxBackoff, tikv_pd **pp, char **pzErr) {
  tikv_pd *pd = calloc(1, sizeof(*pd));
  const char *z = zEndpoints ? zEndpoints : "";
  int rc;
  *pp = 0;
  if (!pd) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  pd->pPool = pPool;
  pd->msTimeout = msTimeout;
  pd->msMaxBackoff = msMaxBackoff;
  pthread_mutex_init(&pd->mu, 0);
  pthread_mutex_init(&pd->refreshMu, 0);
  pthread_mutex_init(&pd->tsoMu, 0);
  pthread_cond_init(&pd->tsoCond, 0);
  pd->ppQueueTail = &pd->pQueue;
  while (*z) {
    const char *zEnd = strchr(z, ',');
    size_t n = zEnd ? (size_t)(zEnd - z) : strlen(z);
    char *zOne = strndup(z, n);
    if (zOne) {
      add_endpoint(pd, zOne);
      free(zOne);
    }
    z += n;
    if (*z == ',') z++;
  }
  if (pd->nEndpoint == 0) {
    tikv_pd_close(pd);
    return tikv_error(pzErr, TITO_ERROR, "no PD endpoint given");
  }
  rc = refresh_leader(pd, 0, pzErr);
  if (rc != TITO_OK) {
    tikv_pd_close(pd);
    return rc;
  }
  *pp = pd;
  return TITO_OK;
}

void tikv_pd_close(tikv_pd *pd) {
  if (!pd) return;
  tikv_stream_close(pd->pTso);
  free(pd->zTsoAddr);
  for (int i = 0; i < pd->nEndpoint; i++) free(pd->azEndpoint[i]);
  free(pd->zLeader);
  pthread_mutex_destroy(&pd->mu);
  pthread_mutex_destroy(&pd->refreshMu);
  pthread_mutex_destroy(&pd->tsoMu);
  pthread_cond_destroy(&pd->tsoCond);
  free(pd);
}

uint64_t tikv_pd_cluster_id(tikv_pd *pd) {
  uint64_t id;
  pthread_mutex_lock(&pd->mu);
  id = pd->clusterId;
  pthread_mutex_unlock(&pd->mu);
  return id;
}

char *tikv_pd_leader(tikv_pd *pd) {
  char *z;
  pthread_mutex_lock(&pd->mu);
  z = pd->zLeader ? strdup(pd->zLeader) : 0;
  pthread_mutex_unlock(&pd->mu);
  return z;
}

/* Current leader (malloc'd copy), cluster id and generation. */
static char *leader_snapshot(tikv_pd *pd, uint64_t *pCluster, uint64_t *pGen) {
  char *z;
  pthread_mutex_lock(&pd->mu);
  z = pd->zLeader ? strdup(pd->zLeader) : 0;
  *pCluster = pd->clusterId;
  *pGen = pd->gen;
  pthread_mutex_unlock(&pd->mu);
  return z;
}

/* After a failure on the leader of generation gen: rediscover, and sleep
** unless the rediscovery moved us to a different leader. */
static int pd_failover(tikv_pd *pd, tikv_backoff *bo, uint64_t gen,
                       const char *zOld, char **pzErr) {
  char *zErr = 0;
  int rc = refresh_leader(pd, gen, &zErr);
  char *zNew = tikv_pd_leader(pd);
  int bMoved = rc == TITO_OK && zNew && (!zOld || strcmp(zNew, zOld) != 0);
  if (rc != TITO_OK) {
    snprintf(bo->zLast, sizeof(bo->zLast), "%s", zErr ? zErr : "PD down");
  }
  free(zErr);
  free(zNew);
  bo->nRetry++;
  tikv_stats_add(TIKV_STAT_RETRIES, 1);
  if (bMoved && bo->nFastRetry < 3) {
    bo->nFastRetry++;
    return TITO_OK;
  }
  return tikv_backoff_sleep(bo, TIKV_BO_PD_RPC, pzErr);
}

int tikv_pd_call(tikv_pd *pd, const char *zPath, ProtobufCMessage *req,
                 const ProtobufCMessageDescriptor *respDesc,
                 ProtobufCMessage **ppResp, char **pzErr) {
  tikv_backoff bo;
  tikv_backoff_init_budget(&bo, 0, pd->msMaxBackoff);
  *ppResp = 0;
  for (;;) {
    Pdpb__RequestHeader hdr = PDPB__REQUEST_HEADER__INIT;
    uint64_t gen;
    char *zLeader = leader_snapshot(pd, &hdr.cluster_id, &gen);
    ProtobufCMessage *pOld, *resp = 0;
    char *zErr = 0;
    int64_t t0 = now_us();
    int rc;
    if (!zLeader) {
      rc = pd_failover(pd, &bo, gen, 0, pzErr);
      if (rc != TITO_OK) return rc;
      continue;
    }
    pOld = swap_header(req, &hdr.base);
    rc = tikv_conn_unary(pd->pPool, zLeader, zPath, req, respDesc,
                         pd->msTimeout, &resp, 0, &zErr);
    swap_header(req, pOld);
    tikv_stats_rpc(zPath, now_us() - t0);
    if (rc == TITO_UNAVAILABLE) {
      /* Dead or deposed leader ("not leader" comes as UNAVAILABLE). */
      tikv_stats_add(TIKV_STAT_RPC_ERRORS, 1);
      snprintf(bo.zLast, sizeof(bo.zLast), "PD %s", zErr ? zErr : "");
      free(zErr);
      rc = pd_failover(pd, &bo, gen, zLeader, pzErr);
      free(zLeader);
      if (rc != TITO_OK) return rc;
      continue;
    }
    free(zLeader);
    if (rc != TITO_OK) {
      if (pzErr) {
        free(*pzErr);
        *pzErr = zErr;
      } else {
        free(zErr);
      }
      return rc;
    }
    Pdpb__ResponseHeader *h = resp_header(resp);
    if (h && h->error && h->error->type != PDPB__ERROR_TYPE__OK) {
      int eType = h->error->type;
      rc = tikv_error(pzErr,
                      eType == PDPB__ERROR_TYPE__REGION_NOT_FOUND
                          ? TITO_NOTFOUND
                          : TITO_ERROR,
                      "PD %s: error %d: %s", zPath, eType, h->error->message);
      protobuf_c_message_free_unpacked(resp, 0);
      if (eType == PDPB__ERROR_TYPE__NOT_BOOTSTRAPPED) {
        /* A fresh leader may still be loading: retry within the budget. */
        snprintf(bo.zLast, sizeof(bo.zLast), "PD %s: not bootstrapped", zPath);
        rc = tikv_backoff_sleep(&bo, TIKV_BO_PD_RPC, pzErr);
        if (rc != TITO_OK) return rc;
        continue;
      }
      return rc;
    }
    *ppResp = resp;
    return TITO_OK;
  }
}

/* One Tso round trip for n timestamps; *pFirst = the smallest. Reopens the
** stream on the current leader and retries within the backoff budget. */
static int tso_round(tikv_pd *pd, uint32_t n, uint64_t *pFirst,
                     char **pzErr) {
  tikv_backoff bo;
  tikv_backoff_init_budget(&bo, 0, pd->msMaxBackoff);
  for (;;) {
    Pdpb__TsoRequest req = PDPB__TSO_REQUEST__INIT;
    Pdpb__RequestHeader hdr = PDPB__REQUEST_HEADER__INIT;
    Pdpb__TsoResponse *resp = 0;
    uint64_t gen;
    char *zLeader = leader_snapshot(pd, &hdr.cluster_id, &gen);
    char *zErr = 0;
    int rc = TITO_OK;
    if (zLeader && pd->pTso && strcmp(zLeader, pd->zTsoAddr) != 0) {
      tikv_stream_close(pd->pTso); /* the leader moved */
      pd->pTso = 0;
    }
    if (zLeader && !pd->pTso) {
      free(pd->zTsoAddr);
      pd->zTsoAddr = strdup(zLeader);
      if (!pd->zTsoAddr) rc = tikv_error(&zErr, TITO_NOMEM, "out of memory");
      else rc = tikv_stream_open(pd->pPool, zLeader, "/pdpb.PD/Tso", &pd->pTso,
                                 &zErr);
    }
    if (rc == TITO_OK && zLeader) {
      int64_t t0 = now_us();
      req.header = &hdr;
      req.count = n;
      rc = tikv_stream_roundtrip(pd->pTso, &req.base,
                                 &pdpb__tso_response__descriptor,
                                 pd->msTimeout, (ProtobufCMessage **)&resp,
                                 &zErr);
      tikv_stats_rpc("Tso", now_us() - t0);
      if (rc == TITO_OK) {
        if (resp->header && resp->header->error &&
            resp->header->error->type != PDPB__ERROR_TYPE__OK) {
          rc = tikv_error(&zErr, TITO_UNAVAILABLE, "PD %s Tso: %s", zLeader,
                          resp->header->error->message);
        } else if (!resp->timestamp || resp->count != n ||
                   resp->timestamp->logical < (int64_t)n - 1 ||
                   resp->timestamp->physical <= 0) {
          rc = tikv_error(&zErr, TITO_UNAVAILABLE,
                          "PD %s Tso: malformed response", zLeader);
        } else {
          /* timestamp is the LAST of the batch (sheet 3.3). */
          *pFirst = TIKV_TS_COMPOSE(resp->timestamp->physical,
                                    resp->timestamp->logical - (int64_t)n + 1);
        }
        protobuf_c_message_free_unpacked(&resp->base, 0);
      }
    } else if (!zLeader) {
      rc = TITO_UNAVAILABLE;
    }
    if (rc == TITO_OK) {
      free(zLeader);
      return TITO_OK;
    }
    if (rc == TITO_NOMEM) {
      free(zLeader);
      free(zErr);
      return tikv_error(pzErr, TITO_NOMEM, "out of memory");
    }
    /* Any failure breaks the stream: drop it, find the leader, retry. */
    tikv_stats_add(TIKV_STAT_RPC_ERRORS, 1);
    tikv_stream_close(pd->pTso);
    pd->pTso = 0;
    snprintf(bo.zLast, sizeof(bo.zLast), "Tso: %s", zErr ? zErr : "no leader");
    free(zErr);
    rc = pd_failover(pd, &bo, gen, zLeader, pzErr);
    free(zLeader);
    if (rc != TITO_OK) return rc;
  }
}

int tikv_pd_get_ts(tikv_pd *pd, uint64_t *pTs, char **pzErr) {
  tso_waiter w;
  int rc;
  memset(&w, 0, sizeof(w));
  pthread_mutex_lock(&pd->tsoMu);
  *pd->ppQueueTail = &w;
  pd->ppQueueTail = &w.pNext;
  while (!w.bDone) {
    if (pd->bTsoBusy) {
      pthread_cond_wait(&pd->tsoCond, &pd->tsoMu);
      continue;
    }
    /* Serve the whole queue (this thread's waiter included). */
    tso_waiter *pBatch = pd->pQueue, *p;
    uint32_t n = 0;
    for (p = pBatch; p && n < TSO_MAX_BATCH; p = p->pNext) n++;
    tso_waiter **pp = &pBatch;
    for (uint32_t i = 0; i < n; i++) pp = &(*pp)->pNext;
    pd->pQueue = *pp;
    *pp = 0;
    if (!pd->pQueue) pd->ppQueueTail = &pd->pQueue;
    pd->bTsoBusy = 1;
    pthread_mutex_unlock(&pd->tsoMu);

    uint64_t first = 0;
    char *zErr = 0;
    rc = tso_round(pd, n, &first, &zErr);

    pthread_mutex_lock(&pd->tsoMu);
    if (rc == TITO_OK && first <= pd->lastTs) {
      rc = tikv_error(&zErr, TITO_ERROR,
                      "TSO went backwards: %llu after %llu",
                      (unsigned long long)first,
                      (unsigned long long)pd->lastTs);
    }
    if (rc == TITO_OK) {
      pd->lastTs = first + n - 1;
      tikv_stats_add(TIKV_STAT_TSO_TIMESTAMPS, n);
    }
    uint32_t i = 0;
    for (p = pBatch; p; p = p->pNext, i++) {
      p->rc = rc;
      p->ts = first + i;
      p->zErr = (rc != TITO_OK && zErr) ? strdup(zErr) : 0;
    }
    /* Mark done only after reading pNext: a woken waiter's struct dies. */
    for (p = pBatch; p;) {
      tso_waiter *pNext = p->pNext;
      p->bDone = 1;
      p = pNext;
    }
    free(zErr);
    pd->bTsoBusy = 0;
    pthread_cond_broadcast(&pd->tsoCond);
  }
  pthread_mutex_unlock(&pd->tsoMu);
  rc = w.rc;
  if (rc == TITO_OK) {
    *pTs = w.ts;
  } else {
    tikv_error(pzErr, rc, "%s", w.zErr ? w.zErr : "TSO failed");
  }
  free(w.zErr);
  return rc;
}
