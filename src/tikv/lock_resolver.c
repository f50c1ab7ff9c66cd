/*
** lock_resolver.c: resolving other transactions' locks (protocol sheet 3.9)
** and the request helpers shared by reads and commit (see lock_resolver.h).
*/
#include "lock_resolver.h"
#include "stats.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define M_CTS "/tikvpb.Tikv/KvCheckTxnStatus"
#define M_RESOLVE "/tikvpb.Tikv/KvResolveLock"
#define M_CHECK_SECONDARY "/tikvpb.Tikv/KvCheckSecondaryLocks"
#define M_PESSIMISTIC_ROLLBACK "/tikvpb.Tikv/KVPessimisticRollback"

/* client-go: below this many keys per region, resolve lock by lock. */
#define RESOLVE_LITE_MAX 512
/* Final statuses remembered per transaction. */
#define STATUS_CACHE_MAX 2048

void tikv_lock_state_init(tikv_lock_state *s) {
  memset(s, 0, sizeof(*s));
  pthread_mutex_init(&s->mu, NULL);
}

void tikv_lock_state_free(tikv_lock_state *s) {
  free(s->aResolved);
  free(s->aCommitted);
  free(s->aStatus);
  pthread_mutex_destroy(&s->mu);
  memset(s, 0, sizeof(*s));
}

/* Append ts to a uint64 list unless present. Caller holds the mutex. */
static int u64_list_add(uint64_t **pa, int *pn, int *pnAlloc, uint64_t ts) {
  for (int i = 0; i < *pn; i++)
    if ((*pa)[i] == ts) return TITO_OK;
  if (*pn == *pnAlloc) {
    int nNew = *pnAlloc ? *pnAlloc * 2 : 8;
    uint64_t *a = realloc(*pa, nNew * sizeof(uint64_t));
    if (!a) return TITO_NOMEM;
    *pa = a;
    *pnAlloc = nNew;
  }
  (*pa)[(*pn)++] = ts;
  return TITO_OK;
}

/* Remember a final status, and where reads must treat its locks. */
static int state_record(tikv_lock_state *s, uint64_t startTs,
                        uint64_t commitTs, uint64_t callerStartTs) {
  int rc;
  pthread_mutex_lock(&s->mu);
  if (s->nStatus == s->nStatusAlloc && s->nStatusAlloc < STATUS_CACHE_MAX) {
    int nNew = s->nStatusAlloc ? s->nStatusAlloc * 2 : 16;
    tikv_txn_status *a = realloc(s->aStatus, nNew * sizeof(*a));
    if (a) {
      s->aStatus = a;
      s->nStatusAlloc = nNew;
    }
  }
  if (s->nStatus == s->nStatusAlloc && s->nStatus > 0) {
    /* Full: forget the older half. */
    int nKeep = s->nStatus / 2;
    memmove(s->aStatus, s->aStatus + (s->nStatus - nKeep),
            nKeep * sizeof(*s->aStatus));
    s->nStatus = nKeep;
  }
  if (s->nStatus < s->nStatusAlloc) {
    s->aStatus[s->nStatus].start_ts = startTs;
    s->aStatus[s->nStatus].commit_ts = commitTs;
    s->nStatus++;
  }
  if (commitTs > 0 && commitTs <= callerStartTs) {
    rc = u64_list_add(&s->aCommitted, &s->nCommitted, &s->nCommittedAlloc,
                      startTs);
  } else {
    rc = u64_list_add(&s->aResolved, &s->nResolved, &s->nResolvedAlloc,
                      startTs);
  }
  pthread_mutex_unlock(&s->mu);
  return rc;
}

/* A reader may skip this txn's locks (its min_commit_ts was pushed). */
static int state_skip(tikv_lock_state *s, uint64_t startTs) {
  pthread_mutex_lock(&s->mu);
  int rc = u64_list_add(&s->aResolved, &s->nResolved, &s->nResolvedAlloc,
                        startTs);
  pthread_mutex_unlock(&s->mu);
  return rc;
}

/* 1 and *pCommit set if the final status of startTs is cached. */
static int state_lookup(tikv_lock_state *s, uint64_t startTs,
                        uint64_t *pCommit) {
  int bFound = 0;
  pthread_mutex_lock(&s->mu);
  for (int i = s->nStatus - 1; i >= 0; i--) {
    if (s->aStatus[i].start_ts == startTs) {
      *pCommit = s->aStatus[i].commit_ts;
      bFound = 1;
      break;
    }
  }
  pthread_mutex_unlock(&s->mu);
  return bFound;
}

int tikv_ctx_set_locks(tikv_lock_state *s, Kvrpcpb__Context *ctx) {
  int rc = TITO_OK;
  pthread_mutex_lock(&s->mu);
  if (s->nResolved) {
    ctx->resolved_locks = malloc(s->nResolved * sizeof(uint64_t));
    if (ctx->resolved_locks) {
      memcpy(ctx->resolved_locks, s->aResolved, s->nResolved * sizeof(uint64_t));
      ctx->n_resolved_locks = s->nResolved;
    } else {
      rc = TITO_NOMEM;
    }
  }
  if (s->nCommitted && rc == TITO_OK) {
    ctx->committed_locks = malloc(s->nCommitted * sizeof(uint64_t));
    if (ctx->committed_locks) {
      memcpy(ctx->committed_locks, s->aCommitted,
             s->nCommitted * sizeof(uint64_t));
      ctx->n_committed_locks = s->nCommitted;
    } else {
      rc = TITO_NOMEM;
    }
  }
  pthread_mutex_unlock(&s->mu);
  return rc;
}

void tikv_ctx_clear_locks(Kvrpcpb__Context *ctx) {
  free(ctx->resolved_locks);
  free(ctx->committed_locks);
  ctx->resolved_locks = ctx->committed_locks = NULL;
  ctx->n_resolved_locks = ctx->n_committed_locks = 0;
}

char *tikv_key_str(const uint8_t *k, size_t n, char *zOut, size_t nOut) {
  size_t i, o = 0;
  int bText = 1;
  for (i = 0; i < n; i++)
    if (k[i] < 0x20 || k[i] > 0x7e || k[i] == '\'') bText = 0;
  if (nOut == 0) return zOut;
  if (bText) {
    o = (size_t)snprintf(zOut, nOut, "'%.*s'", (int)(n > 200 ? 200 : n),
                         (const char *)k);
  } else {
    o = (size_t)snprintf(zOut, nOut, "x'");
    for (i = 0; i < n && o + 4 < nOut && i < 100; i++)
      o += (size_t)snprintf(zOut + o, nOut - o, "%02x", k[i]);
    if (o + 2 < nOut) snprintf(zOut + o, nOut - o, "'");
  }
  if (n > 200 && nOut > 4) memcpy(zOut + nOut - 4, "...", 4);
  return zOut;
}

int64_t tikv_ms_since_ts(uint64_t ts) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  int64_t now = (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
  int64_t d = now - TIKV_TS_PHYSICAL(ts);
  return d > 0 ? d : 0;
}

int tikv_key_error(const Kvrpcpb__KeyError *e, const char *zWhat,
                   char **pzErr) {
  char zKey[480];
  if (e->conflict) {
    const Kvrpcpb__WriteConflict *c = e->conflict;
    tikv_stats_add(TIKV_STAT_CONFLICTS, 1);
    return tikv_error(pzErr, TITO_CONFLICT,
                      "write conflict on key %s: transaction %" PRIu64
                      " committed it at %" PRIu64 " after this one started"
                      " (start_ts %" PRIu64 "); retry the transaction",
                      tikv_key_str(c->key.data, c->key.len, zKey, sizeof zKey),
                      c->conflict_ts, c->conflict_commit_ts, c->start_ts);
  }
  if (e->already_exist) {
    return tikv_error(pzErr, TITO_EXISTS, "key %s already exists",
                      tikv_key_str(e->already_exist->key.data,
                                   e->already_exist->key.len, zKey,
                                   sizeof zKey));
  }
  if (e->txn_lock_not_found) {
    tikv_stats_add(TIKV_STAT_CONFLICTS, 1);
    return tikv_error(pzErr, TITO_CONFLICT,
                      "%s: the transaction's lock on key %s is gone (rolled "
                      "back by another client after its TTL expired); retry "
                      "the transaction", zWhat,
                      tikv_key_str(e->txn_lock_not_found->key.data,
                                   e->txn_lock_not_found->key.len, zKey,
                                   sizeof zKey));
  }
  if (e->retryable && e->retryable[0]) {
    tikv_stats_add(TIKV_STAT_CONFLICTS, 1);
    return tikv_error(pzErr, TITO_CONFLICT, "%s: retryable: %s", zWhat,
                      e->retryable);
  }
  if (e->abort && e->abort[0])
    return tikv_error(pzErr, TITO_ERROR, "%s: aborted: %s", zWhat, e->abort);
  if (e->commit_ts_expired)
    return tikv_error(pzErr, TITO_ERROR, "%s: commit ts expired", zWhat);
  if (e->txn_not_found)
    return tikv_error(pzErr, TITO_ERROR, "%s: transaction %" PRIu64
                      " not found", zWhat, e->txn_not_found->start_ts);
  if (e->assertion_failed)
    return tikv_error(pzErr, TITO_ERROR, "%s: assertion failed on key %s",
                      zWhat, tikv_key_str(e->assertion_failed->key.data,
                                          e->assertion_failed->key.len, zKey,
                                          sizeof zKey));
  if (e->primary_mismatch)
    return tikv_error(pzErr, TITO_ERROR, "%s: primary mismatch", zWhat);
  if (e->deadlock) return tikv_error(pzErr, TITO_ERROR, "%s: deadlock", zWhat);
  if (e->locked)
    return tikv_error(pzErr, TITO_ERROR, "%s: key %s is locked", zWhat,
                      tikv_key_str(e->locked->key.data, e->locked->key.len,
                                   zKey, sizeof zKey));
  return tikv_error(pzErr, TITO_ERROR, "%s: unknown key error", zWhat);
}

int tikv_send_key(tikv_client *c, tikv_backoff *bo, const uint8_t *key,
                  size_t nKey, const char *zMethod, ProtobufCMessage *req,
                  Kvrpcpb__Context *ctx,
                  const ProtobufCMessageDescriptor *respDesc,
                  ProtobufCMessage **ppResp, tikv_region *pRegionOut,
                  char **pzErr) {
  for (;;) {
    tikv_region r;
    memset(&r, 0, sizeof r);
    int rc = tikv_locate(c, key, nKey, &r, pzErr);
    if (rc) return rc;
    rc = tikv_send(c, bo, &r, zMethod, req, ctx, respDesc, ppResp, pzErr);
    if (rc == TITO_OK && pRegionOut) {
      *pRegionOut = r;
    } else {
      tikv_region_clear(&r);
    }
    if (rc != TIKV_RETRY_REGION) return rc;
  }
}

/* 1 if a lock of txn startTs with ttl has expired at currentTs (TiKV's
** strict test). */
static int lock_expired_ttl(uint64_t startTs, uint64_t ttl,
                            uint64_t currentTs) {
  return TIKV_TS_PHYSICAL(startTs) + (int64_t)ttl <
         TIKV_TS_PHYSICAL(currentTs);
}

/* 1 if lock L's TTL has passed at currentTs. */
static int lock_expired(const Kvrpcpb__LockInfo *L, uint64_t currentTs) {
  return lock_expired_ttl(L->lock_version, L->lock_ttl, currentTs);
}

/* One CheckTxnStatus on L's primary (bForceSync: treat an async-commit
** primary as a normal lock, the fallback of async-commit recovery). */
static int check_txn_status_ex(tikv_client *c, tikv_backoff *bo,
                               const Kvrpcpb__LockInfo *L,
                               uint64_t callerStartTs, uint64_t currentTs,
                               int bRollbackIfNotExist, int bForceSync,
                               Kvrpcpb__CheckTxnStatusResponse **ppResp,
                               char **pzErr);

static int check_txn_status(tikv_client *c, tikv_backoff *bo,
                            const Kvrpcpb__LockInfo *L, uint64_t callerStartTs,
                            uint64_t currentTs, int bRollbackIfNotExist,
                            Kvrpcpb__CheckTxnStatusResponse **ppResp,
                            char **pzErr) {
  return check_txn_status_ex(c, bo, L, callerStartTs, currentTs,
                             bRollbackIfNotExist, 0, ppResp, pzErr);
}

static int check_txn_status_ex(tikv_client *c, tikv_backoff *bo,
                               const Kvrpcpb__LockInfo *L,
                               uint64_t callerStartTs, uint64_t currentTs,
                               int bRollbackIfNotExist, int bForceSync,
                               Kvrpcpb__CheckTxnStatusResponse **ppResp,
                               char **pzErr) {
  Kvrpcpb__CheckTxnStatusRequest req = KVRPCPB__CHECK_TXN_STATUS_REQUEST__INIT;
  Kvrpcpb__Context ctx = KVRPCPB__CONTEXT__INIT;
  req.context = &ctx;
  req.primary_key = L->primary_lock;
  req.lock_ts = L->lock_version;
  req.caller_start_ts = callerStartTs;
  req.current_ts = currentTs;
  req.rollback_if_not_exist = bRollbackIfNotExist;
  req.force_sync_commit = bForceSync;
  req.resolving_pessimistic_lock =
      L->lock_type == KVRPCPB__OP__PessimisticLock;
  req.verify_is_primary = 1;
  return tikv_send_key(c, bo, L->primary_lock.data, L->primary_lock.len, M_CTS,
                       &req.base, &ctx,
                       &kvrpcpb__check_txn_status_response__descriptor,
                       (ProtobufCMessage **)ppResp, NULL, pzErr);
}

/* ResolveLock for L's transaction at commitTs (0 = roll back): lite (just
** L.key) or the whole region of L.key. *pRegionId receives the region. */
static int resolve_one(tikv_client *c, tikv_backoff *bo,
                       const Kvrpcpb__LockInfo *L, uint64_t commitTs,
                       int bLite, uint64_t *pRegionId, char **pzErr) {
  Kvrpcpb__ResolveLockRequest req = KVRPCPB__RESOLVE_LOCK_REQUEST__INIT;
  Kvrpcpb__Context ctx = KVRPCPB__CONTEXT__INIT;
  ProtobufCBinaryData aKey[1];
  Kvrpcpb__ResolveLockResponse *resp = NULL;
  tikv_region r;
  memset(&r, 0, sizeof r);
  req.context = &ctx;
  req.start_version = L->lock_version;
  req.commit_version = commitTs;
  if (bLite) {
    aKey[0] = L->key;
    req.keys = aKey;
    req.n_keys = 1;
  }
  int rc = tikv_send_key(c, bo, L->key.data, L->key.len, M_RESOLVE, &req.base,
                         &ctx, &kvrpcpb__resolve_lock_response__descriptor,
                         (ProtobufCMessage **)&resp, &r, pzErr);
  if (rc) return rc;
  *pRegionId = r.id;
  tikv_region_clear(&r);
  if (resp->error) rc = tikv_key_error(resp->error, "resolve lock", pzErr);
  protobuf_c_message_free_unpacked(&resp->base, NULL);
  return rc;
}

/* Remove pessimistic lock L (its owner is final: committed without this
** key, or rolled back) with KVPessimisticRollback, as client-go does: a
** pessimistic lock never carries data, so there is nothing to commit. */
static int pessimistic_rollback(tikv_client *c, tikv_backoff *bo,
                                const Kvrpcpb__LockInfo *L, char **pzErr) {
  Kvrpcpb__PessimisticRollbackRequest req =
      KVRPCPB__PESSIMISTIC_ROLLBACK_REQUEST__INIT;
  Kvrpcpb__Context ctx = KVRPCPB__CONTEXT__INIT;
  Kvrpcpb__PessimisticRollbackResponse *resp = NULL;
  ProtobufCBinaryData aKey[1];
  aKey[0] = L->key;
  req.context = &ctx;
  req.start_version = L->lock_version;
  req.for_update_ts = L->lock_for_update_ts ? L->lock_for_update_ts : UINT64_MAX;
  req.keys = aKey;
  req.n_keys = 1;
  int rc = tikv_send_key(c, bo, L->key.data, L->key.len, M_PESSIMISTIC_ROLLBACK,
                         &req.base, &ctx,
                         &kvrpcpb__pessimistic_rollback_response__descriptor,
                         (ProtobufCMessage **)&resp, NULL, pzErr);
  if (rc) return rc;
  if (resp->n_errors) rc = tikv_key_error(resp->errors[0], "pessimistic rollback", pzErr);
  protobuf_c_message_free_unpacked(&resp->base, NULL);
  return rc;
}

/* Async-commit recovery state: what CheckSecondaryLocks told so far. */
typedef struct async_state {
  uint64_t startTs;
  uint64_t commitTs;   /* max min_commit_ts seen, or the committed ts */
  int bMissing;        /* some key has no lock: committed or rolled back */
  int bNonAsync;       /* a lock without use_async_commit: fall back */
  ProtobufCBinaryData *aKey; /* still-locked keys to resolve */
  size_t nKey, nKeyAlloc;
} async_state;

/* Append a copy of key k (the response holding it is freed soon). */
static int async_add_key(async_state *a, const ProtobufCBinaryData *k) {
  if (a->nKey == a->nKeyAlloc) {
    size_t nNew = a->nKeyAlloc ? a->nKeyAlloc * 2 : 16;
    ProtobufCBinaryData *x = realloc(a->aKey, nNew * sizeof(*x));
    if (!x) return TITO_NOMEM;
    a->aKey = x;
    a->nKeyAlloc = nNew;
  }
  uint8_t *z = malloc(k->len ? k->len : 1);
  if (!z) return TITO_NOMEM;
  if (k->len) memcpy(z, k->data, k->len);
  a->aKey[a->nKey].data = z;
  a->aKey[a->nKey].len = k->len;
  a->nKey++;
  return TITO_OK;
}

static int bin_cmp(const void *pa, const void *pb) {
  const ProtobufCBinaryData *a = pa, *b = pb;
  size_t m = a->len < b->len ? a->len : b->len;
  int c = m ? memcmp(a->data, b->data, m) : 0;
  if (c) return c;
  return a->len < b->len ? -1 : (a->len > b->len ? 1 : 0);
}

/* Send one request per region over the sorted keys a[0..n): xSend(..., r,
** keys of r) for each run of keys in one region; a region error re-locates
** the run. */
typedef int (*region_keys_fn)(tikv_client *, tikv_backoff *, const tikv_region *,
                              ProtobufCBinaryData *, size_t, void *, char **);
static int for_each_region(tikv_client *c, tikv_backoff *bo,
                           ProtobufCBinaryData *a, size_t n, region_keys_fn xSend,
                           void *pArg, char **pzErr) {
  size_t i = 0;
  while (i < n) {
    tikv_region r;
    memset(&r, 0, sizeof r);
    int rc = tikv_locate(c, a[i].data, a[i].len, &r, pzErr);
    if (rc) return rc;
    size_t j = i + 1;
    while (j < n && tikv_region_contains(&r, a[j].data, a[j].len)) j++;
    rc = xSend(c, bo, &r, a + i, j - i, pArg, pzErr);
    tikv_region_clear(&r);
    if (rc == TIKV_RETRY_REGION) continue; /* re-locate this run */
    if (rc) return rc;
    i = j;
  }
  return TITO_OK;
}

/* CheckSecondaryLocks of one region's keys into the async_state. */
static int send_check_secondary(tikv_client *c, tikv_backoff *bo,
                                const tikv_region *r, ProtobufCBinaryData *aK,
                                size_t nK, void *pArg, char **pzErr) {
  async_state *a = pArg;
  Kvrpcpb__CheckSecondaryLocksRequest req =
      KVRPCPB__CHECK_SECONDARY_LOCKS_REQUEST__INIT;
  Kvrpcpb__Context ctx = KVRPCPB__CONTEXT__INIT;
  Kvrpcpb__CheckSecondaryLocksResponse *resp = NULL;
  req.context = &ctx;
  req.keys = aK;
  req.n_keys = nK;
  req.start_version = a->startTs;
  int rc = tikv_send(c, bo, r, M_CHECK_SECONDARY, &req.base, &ctx,
                     &kvrpcpb__check_secondary_locks_response__descriptor,
                     (ProtobufCMessage **)&resp, pzErr);
  if (rc) return rc;
  if (resp->error) {
    rc = tikv_key_error(resp->error, "check secondary locks", pzErr);
  } else if (resp->n_locks < nK) {
    /* A key is no longer locked: the transaction is decided (commit_ts,
    ** or 0 = rolled back), and every region must agree. */
    if (a->bMissing && a->commitTs != resp->commit_ts) {
      rc = tikv_error(pzErr, TITO_ERROR,
                      "async-commit recovery of transaction %" PRIu64
                      ": secondaries disagree (commit ts %" PRIu64
                      " and %" PRIu64 ")", a->startTs, a->commitTs,
                      resp->commit_ts);
    }
    a->bMissing = 1;
    a->commitTs = resp->commit_ts;
  } else {
    for (size_t i = 0; i < resp->n_locks && rc == TITO_OK; i++) {
      const Kvrpcpb__LockInfo *l = resp->locks[i];
      if (!l->use_async_commit) {
        a->bNonAsync = 1;
        break;
      }
      if (!a->bMissing && l->min_commit_ts > a->commitTs)
        a->commitTs = l->min_commit_ts;
      if (async_add_key(a, &l->key)) rc = tikv_error(pzErr, TITO_NOMEM, "out of memory");
    }
  }
  protobuf_c_message_free_unpacked(&resp->base, NULL);
  return rc;
}

/* ResolveLock of one region's keys at the recovered commit ts. */
static int send_resolve_keys(tikv_client *c, tikv_backoff *bo,
                             const tikv_region *r, ProtobufCBinaryData *aK,
                             size_t nK, void *pArg, char **pzErr) {
  async_state *a = pArg;
  Kvrpcpb__ResolveLockRequest req = KVRPCPB__RESOLVE_LOCK_REQUEST__INIT;
  Kvrpcpb__Context ctx = KVRPCPB__CONTEXT__INIT;
  Kvrpcpb__ResolveLockResponse *resp = NULL;
  req.context = &ctx;
  req.start_version = a->startTs;
  req.commit_version = a->commitTs;
  req.keys = aK;
  req.n_keys = nK;
  int rc = tikv_send(c, bo, r, M_RESOLVE, &req.base, &ctx,
                     &kvrpcpb__resolve_lock_response__descriptor,
                     (ProtobufCMessage **)&resp, pzErr);
  if (rc) return rc;
  if (resp->error) rc = tikv_key_error(resp->error, "resolve lock", pzErr);
  protobuf_c_message_free_unpacked(&resp->base, NULL);
  return rc;
}

/*
** Async-commit recovery (sheet 3.9 step 5) of the transaction whose expired
** primary lock is P: CheckSecondaryLocks on every secondary, region by
** region. A key without lock decides: committed at the reported ts, or
** rolled back (0). If every key is still locked the transaction is
** committed at the largest min_commit_ts (primary's included): all its
** prewrites succeeded, which is the async-commit commit point. Then the
** remaining locks (and the primary) are resolved at that ts.
** *pbNonAsync: a secondary lock is not an async-commit lock; the caller
** falls back to CheckTxnStatus with force_sync_commit.
*/
static int async_commit_recover(tikv_client *c, tikv_backoff *bo,
                                const Kvrpcpb__LockInfo *P, uint64_t *pCommit,
                                int *pbNonAsync, char **pzErr) {
  async_state a;
  memset(&a, 0, sizeof a);
  a.startTs = P->lock_version;
  a.commitTs = P->min_commit_ts;
  *pbNonAsync = 0;
  size_t n = P->n_secondaries;
  ProtobufCBinaryData *aSec = malloc((n ? n : 1) * sizeof(*aSec));
  if (!aSec) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) aSec[i] = P->secondaries[i];
  qsort(aSec, n, sizeof(*aSec), bin_cmp);
  int rc = for_each_region(c, bo, aSec, n, send_check_secondary, &a, pzErr);
  if (rc == TITO_OK && a.bNonAsync) {
    *pbNonAsync = 1;
  } else if (rc == TITO_OK) {
    rc = async_add_key(&a, &P->key) ? TITO_NOMEM : TITO_OK;
    if (rc) rc = tikv_error(pzErr, rc, "out of memory");
    if (rc == TITO_OK) {
      qsort(a.aKey, a.nKey, sizeof(*a.aKey), bin_cmp);
      rc = for_each_region(c, bo, a.aKey, a.nKey, send_resolve_keys, &a, pzErr);
    }
    if (rc == TITO_OK) *pCommit = a.commitTs;
  }
  for (size_t i = 0; i < a.nKey; i++) free(a.aKey[i].data);
  free(a.aKey);
  free(aSec);
  return rc;
}

/* Region-wide resolutions done in one call: (txn, region) pairs. */
typedef struct done_list {
  uint64_t a[64][2];
  int n;
} done_list;

static int done_has(done_list *d, uint64_t txn, uint64_t region) {
  for (int i = 0; i < d->n; i++)
    if (d->a[i][0] == txn && d->a[i][1] == region) return 1;
  return 0;
}

/* Outcome of checking one lock (LK_CACHED: final, known before;
** LK_RESOLVED: final, and every lock of the owner already resolved). */
enum { LK_FINAL, LK_SKIP, LK_ALIVE, LK_CACHED, LK_RESOLVED };

/* Find the status of L's owner: LK_FINAL with *pCommit, LK_SKIP (a reader
** may ignore it), or LK_ALIVE with *pmsWait. */
static int lock_status(tikv_client *c, tikv_backoff *bo, tikv_lock_state *s,
                       const Kvrpcpb__LockInfo *L, uint64_t callerStartTs,
                       int bForWrite, uint64_t *pCurrentTs, uint64_t *pCommit,
                       int64_t *pmsWait, int *peResult, char **pzErr) {
  if (state_lookup(s, L->lock_version, pCommit)) {
    *peResult = LK_CACHED;
    return TITO_OK;
  }
  uint64_t currentTs = UINT64_MAX;
  if (L->lock_ttl != 0) {
    if (*pCurrentTs == 0) {
      int rc = tikv_get_ts(c, pCurrentTs, pzErr);
      if (rc) return rc;
    }
    currentTs = *pCurrentTs;
  }
  Kvrpcpb__CheckTxnStatusResponse *resp = NULL;
  int rc = check_txn_status(c, bo, L, callerStartTs, currentTs, 0, &resp, pzErr);
  if (rc) return rc;
  if (resp->error && resp->error->txn_not_found) {
    protobuf_c_message_free_unpacked(&resp->base, NULL);
    resp = NULL;
    if (!lock_expired(L, currentTs)) {
      /* The primary may not be prewritten yet: wait, at most until the
      ** lock expires (then it is rolled back below). */
      *peResult = LK_ALIVE;
      *pmsWait = TIKV_TS_PHYSICAL(L->lock_version) + (int64_t)L->lock_ttl -
                 TIKV_TS_PHYSICAL(currentTs) + 1;
      return TITO_OK;
    }
    /* Expired and no primary lock: make sure it can never be written. */
    rc = check_txn_status(c, bo, L, callerStartTs, currentTs, 1, &resp, pzErr);
    if (rc) return rc;
  }
  if (resp->error) {
    rc = tikv_key_error(resp->error, "check txn status", pzErr);
  } else if (resp->commit_version > 0) {
    *pCommit = resp->commit_version;
    *peResult = LK_FINAL;
  } else if (resp->lock_ttl == 0) {
    *pCommit = 0;
    *peResult = LK_FINAL;
  } else if (resp->lock_info && resp->lock_info->use_async_commit &&
             lock_expired_ttl(L->lock_version, resp->lock_ttl, currentTs)) {
    /* TiKV never rolls back an async-commit primary: its fate is in the
    ** secondaries. */
    int bNonAsync = 0;
    rc = async_commit_recover(c, bo, resp->lock_info, pCommit, &bNonAsync,
                              pzErr);
    if (rc == TITO_OK && !bNonAsync) {
      *peResult = LK_RESOLVED;
    } else if (rc == TITO_OK) {
      /* A secondary is a normal lock: the owner fell back to 2PC. */
      protobuf_c_message_free_unpacked(&resp->base, NULL);
      resp = NULL;
      rc = check_txn_status_ex(c, bo, L, 0, UINT64_MAX, 1, 1, &resp, pzErr);
      if (rc) return rc;
      if (resp->error) {
        rc = tikv_key_error(resp->error, "check txn status", pzErr);
      } else if (resp->lock_ttl > 0 && resp->commit_version == 0) {
        rc = tikv_error(pzErr, TITO_ERROR,
                        "transaction %" PRIu64 " is still locked after a "
                        "forced rollback", L->lock_version);
      } else {
        *pCommit = resp->commit_version;
        *peResult = LK_FINAL;
      }
    }
  } else if (resp->action == KVRPCPB__ACTION__MinCommitTSPushed && !bForWrite) {
    *peResult = LK_SKIP;
  } else {
    *peResult = LK_ALIVE;
    *pmsWait = TIKV_TS_PHYSICAL(L->lock_version) + (int64_t)resp->lock_ttl -
               TIKV_TS_PHYSICAL(currentTs);
  }
  if (resp) protobuf_c_message_free_unpacked(&resp->base, NULL);
  return rc;
}

int tikv_resolve_locks(tikv_client *c, tikv_backoff *bo, tikv_lock_state *s,
                       uint64_t callerStartTs, int bForWrite,
                       Kvrpcpb__LockInfo *const *aLock, size_t nLock,
                       char **pzErr) {
  uint64_t currentTs = 0;
  int64_t msWait = -1; /* smallest wait among live locks, -1 = none */
  int64_t nResolved = 0;
  done_list done;
  done.n = 0;
  int rc = TITO_OK;
  for (size_t i = 0; i < nLock && rc == TITO_OK; i++) {
    const Kvrpcpb__LockInfo *L = aLock[i];
    int bDup = 0;
    for (size_t j = 0; j < i && !bDup; j++) {
      bDup = aLock[j]->lock_version == L->lock_version &&
             aLock[j]->key.len == L->key.len &&
             memcmp(aLock[j]->key.data, L->key.data, L->key.len) == 0;
    }
    if (bDup) continue;
    uint64_t commitTs = 0;
    int64_t ms = 0;
    int e = LK_ALIVE;
    rc = lock_status(c, bo, s, L, callerStartTs, bForWrite, &currentTs,
                     &commitTs, &ms, &e, pzErr);
    if (rc) break;
    if (e == LK_SKIP) {
      rc = state_skip(s, L->lock_version);
    } else if (e == LK_ALIVE) {
      if (ms < 1) ms = 1;
      if (msWait < 0 || ms < msWait) msWait = ms;
    } else {
      if (e == LK_FINAL || e == LK_RESOLVED)
        rc = state_record(s, L->lock_version, commitTs, callerStartTs);
      /* CheckTxnStatus already settled a lock on the primary itself. */
      int bPrimary = L->key.len == L->primary_lock.len &&
                     memcmp(L->key.data, L->primary_lock.data, L->key.len) == 0;
      if (rc == TITO_OK && e == LK_RESOLVED) {
        /* async-commit recovery resolved every lock of the owner */
      } else if (rc == TITO_OK && !bPrimary &&
                 L->lock_type == KVRPCPB__OP__PessimisticLock) {
        rc = pessimistic_rollback(c, bo, L, pzErr);
      } else if (rc == TITO_OK && !bPrimary) {
        int bLite = L->txn_size < RESOLVE_LITE_MAX;
        uint64_t regionId = 0;
        tikv_region r;
        memset(&r, 0, sizeof r);
        if (!bLite && tikv_locate(c, L->key.data, L->key.len, &r, NULL) == 0 &&
            done_has(&done, L->lock_version, r.id)) {
          tikv_region_clear(&r);
          continue;
        }
        tikv_region_clear(&r);
        rc = resolve_one(c, bo, L, commitTs, bLite, &regionId, pzErr);
        if (rc == TITO_OK && !bLite && done.n < 64) {
          done.a[done.n][0] = L->lock_version;
          done.a[done.n][1] = regionId;
          done.n++;
        }
      }
      if (rc == TITO_OK) nResolved++;
    }
  }
  if (nResolved) tikv_stats_add(TIKV_STAT_RESOLVED_LOCKS, nResolved);
  if (rc == TITO_OK && msWait >= 0) {
    rc = tikv_backoff_sleep_max(bo, bForWrite ? TIKV_BO_TXN_LOCK
                                              : TIKV_BO_TXN_LOCK_FAST,
                                (int)(msWait > 3000 ? 3000 : msWait), pzErr);
  }
  return rc;
}
