/*
** commit.c: Percolator two-phase commit of a write buffer (see commit.h).
**
** The mutation list points into the membuf, which does not change while the
** commit runs. A "range" is a run [a, b) of that sorted list believed to
** lie in one region; region errors re-locate a range and split it when the
** region split under it.
*/
#include "commit.h"
#include "stats.h"
#include "txn.h"
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define M_PREWRITE "/tikvpb.Tikv/KvPrewrite"
#define M_COMMIT "/tikvpb.Tikv/KvCommit"
#define M_ROLLBACK "/tikvpb.Tikv/KvBatchRollback"
#define M_HEARTBEAT "/tikvpb.Tikv/KvTxnHeartBeat"

#define MAX_WRITE_THREADS 16
#define COMMIT_TS_RETRIES 10     /* commit_ts_expired on the primary */
#define HEARTBEAT_MAX_FAILS 10
#define HEARTBEAT_TTL_MS 20000
#define MAX_TXN_LIFETIME_MS (3600 * 1000)

typedef struct mutation {
  int op; /* MEMBUF_PUT / DEL / INSERT */
  const uint8_t *k;
  size_t nk;
  const uint8_t *v;
  size_t nv;
} mutation;

typedef struct wrange {
  int a, b;          /* [a, b) into aMut */
  uint64_t txnSize;  /* keys of this txn in the range's region */
} wrange;

typedef struct committer {
  tikv_client *c;
  uint64_t startTs, commitTs;
  tikv_lock_state *locks;
  const tikv_commit_opts *opts;
  mutation *aMut;
  int nMut, nMutAlloc;
  int64_t nBytes;
  uint64_t lockTtl;
  wrange *aRange;    /* batches; aRange[0] holds the primary */
  int nRange, nRangeAlloc;
  /* parallel phase state */
  pthread_mutex_t mu;
  int iNext;
  int bSecondary;    /* phase: 0 prewrite, 1 commit secondaries */
  int rc;
  char *zErr;
  /* heartbeat */
  int bWantHeartbeat;
  int bHeartbeatRunning, bStop;
  pthread_t heartbeat;
  pthread_cond_t cond;
} committer;

/* ---- collecting and grouping --------------------------------------------- */

static int collect_one(void *pCtx, int op, const uint8_t *k, size_t nk,
                       const uint8_t *v, size_t nv) {
  committer *p = pCtx;
  if (p->nMut == p->nMutAlloc) {
    int nNew = p->nMutAlloc ? p->nMutAlloc * 2 : 64;
    mutation *a = realloc(p->aMut, nNew * sizeof(*a));
    if (!a) return TITO_NOMEM;
    p->aMut = a;
    p->nMutAlloc = nNew;
  }
  mutation *m = &p->aMut[p->nMut++];
  m->op = op;
  m->k = k;
  m->nk = nk;
  m->v = v;
  m->nv = nv;
  p->nBytes += (int64_t)(nk + nv);
  return TITO_OK;
}

static int add_range(committer *p, int a, int b, uint64_t txnSize) {
  if (p->nRange == p->nRangeAlloc) {
    int nNew = p->nRangeAlloc ? p->nRangeAlloc * 2 : 16;
    wrange *x = realloc(p->aRange, nNew * sizeof(*x));
    if (!x) return TITO_NOMEM;
    p->aRange = x;
    p->nRangeAlloc = nNew;
  }
  p->aRange[p->nRange].a = a;
  p->aRange[p->nRange].b = b;
  p->aRange[p->nRange].txnSize = txnSize;
  p->nRange++;
  return TITO_OK;
}

/* Bytes a mutation adds to a batch: key+value for prewrite, key only for
** commit/rollback. */
static size_t mut_size(const mutation *m, int bKeysOnly) {
  return m->nk + (bKeysOnly ? 0 : m->nv);
}

/* Cut [a, b) into batches of one region and at most TIKV_TXN_BATCH_BYTES,
** appending them to p->aRange. txnSize of each: its region's key count
** (or u64 max when bUnknownSize, for retries). */
static int group_ranges(committer *p, int a, int b, int bKeysOnly,
                        int bUnknownSize, char **pzErr) {
  int i = a;
  while (i < b) {
    tikv_region r;
    memset(&r, 0, sizeof r);
    int rc = tikv_locate(p->c, p->aMut[i].k, p->aMut[i].nk, &r, pzErr);
    if (rc) return rc;
    int end = i + 1;
    while (end < b && tikv_region_contains(&r, p->aMut[end].k, p->aMut[end].nk))
      end++;
    tikv_region_clear(&r);
    uint64_t txnSize = bUnknownSize ? UINT64_MAX : (uint64_t)(end - i);
    while (i < end) {
      int j = i;
      size_t nBytes = 0;
      while (j < end && (j == i || (nBytes < TIKV_TXN_BATCH_BYTES &&
                                    j - i < TIKV_TXN_BATCH_KEYS))) {
        nBytes += mut_size(&p->aMut[j], bKeysOnly);
        j++;
      }
      if (add_range(p, i, j, txnSize)) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
      i = j;
    }
  }
  return TITO_OK;
}

/* ---- one request per range ----------------------------------------------- */

/* Located region of range [a, b): TITO_OK and *pbSplit = 0 if all its keys
** are in *pr, *pbSplit = 1 otherwise. */
static int locate_range(committer *p, int a, int b, tikv_region *pr,
                        int *pbSplit, char **pzErr) {
  memset(pr, 0, sizeof *pr);
  int rc = tikv_locate(p->c, p->aMut[a].k, p->aMut[a].nk, pr, pzErr);
  if (rc) return rc;
  *pbSplit = !tikv_region_contains(pr, p->aMut[b - 1].k, p->aMut[b - 1].nk);
  return TITO_OK;
}

static int prewrite_range(committer *p, tikv_backoff *bo, int a, int b,
                          uint64_t txnSize, char **pzErr);

/* The range no longer fits one region: prewrite it piece by piece. */
static int prewrite_split(committer *p, tikv_backoff *bo, int a, int b,
                          char **pzErr) {
  int i = a;
  while (i < b) {
    tikv_region r;
    memset(&r, 0, sizeof r);
    int rc = tikv_locate(p->c, p->aMut[i].k, p->aMut[i].nk, &r, pzErr);
    if (rc) return rc;
    int j = i + 1;
    while (j < b && tikv_region_contains(&r, p->aMut[j].k, p->aMut[j].nk)) j++;
    tikv_region_clear(&r);
    rc = prewrite_range(p, bo, i, j, UINT64_MAX, pzErr);
    if (rc) return rc;
    i = j;
  }
  return TITO_OK;
}

/* Prewrite mutations [a, b) (one region), resolving older locks met. */
static int prewrite_range(committer *p, tikv_backoff *bo, int a, int b,
                          uint64_t txnSize, char **pzErr) {
  int n = b - a;
  Kvrpcpb__Mutation *aM = calloc(n, sizeof(*aM));
  Kvrpcpb__Mutation **apM = calloc(n, sizeof(*apM));
  int rc = TITO_OK;
  if (!aM || !apM) rc = tikv_error(pzErr, TITO_NOMEM, "out of memory");
  for (int i = 0; i < n && rc == TITO_OK; i++) {
    const mutation *m = &p->aMut[a + i];
    kvrpcpb__mutation__init(&aM[i]);
    aM[i].op = m->op == MEMBUF_DEL ? KVRPCPB__OP__Del
               : m->op == MEMBUF_INSERT ? KVRPCPB__OP__Insert
                                        : KVRPCPB__OP__Put;
    aM[i].key.data = (uint8_t *)m->k;
    aM[i].key.len = m->nk;
    if (m->op != MEMBUF_DEL) {
      aM[i].value.data = (uint8_t *)m->v;
      aM[i].value.len = m->nv;
    }
    apM[i] = &aM[i];
  }
  while (rc == TITO_OK) {
    tikv_region r;
    int bSplit = 0;
    rc = locate_range(p, a, b, &r, &bSplit, pzErr);
    if (rc) break;
    if (bSplit) {
      tikv_region_clear(&r);
      rc = prewrite_split(p, bo, a, b, pzErr);
      break;
    }
    Kvrpcpb__PrewriteRequest req = KVRPCPB__PREWRITE_REQUEST__INIT;
    Kvrpcpb__Context ctx = KVRPCPB__CONTEXT__INIT;
    Kvrpcpb__PrewriteResponse *resp = NULL;
    req.context = &ctx;
    req.mutations = apM;
    req.n_mutations = n;
    req.primary_lock.data = (uint8_t *)p->aMut[0].k;
    req.primary_lock.len = p->aMut[0].nk;
    req.start_version = p->startTs;
    req.lock_ttl = p->lockTtl;
    req.txn_size = txnSize;
    req.min_commit_ts = p->startTs + 1;
    rc = tikv_send(p->c, bo, &r, M_PREWRITE, &req.base, &ctx,
                   &kvrpcpb__prewrite_response__descriptor,
                   (ProtobufCMessage **)&resp, pzErr);
    tikv_region_clear(&r);
    if (rc == TIKV_RETRY_REGION) {
      txnSize = UINT64_MAX;
      rc = TITO_OK;
      continue;
    }
    /* (undetermined_result was retried by tikv_send: a plain 2PC prewrite
    ** is idempotent for our start_ts; only async-commit/1PC prewrites, which
    ** this client does not send, would make the outcome unknown.) */
    if (rc) break;
    Kvrpcpb__LockInfo **aLock = NULL;
    size_t nLock = 0;
    if (resp->n_errors) {
      aLock = malloc(resp->n_errors * sizeof(*aLock));
      if (!aLock) rc = tikv_error(pzErr, TITO_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < resp->n_errors && rc == TITO_OK; i++) {
      Kvrpcpb__KeyError *e = resp->errors[i];
      if (e->locked && e->locked->lock_version > p->startTs) {
        /* Locked by a newer transaction: an optimistic txn conflicts. */
        char zKey[480];
        tikv_stats_add(TIKV_STAT_CONFLICTS, 1);
        rc = tikv_error(pzErr, TITO_CONFLICT,
                        "write conflict on key %s: locked by newer transaction "
                        "%" PRIu64 " (start_ts %" PRIu64 "); retry the "
                        "transaction",
                        tikv_key_str(e->locked->key.data, e->locked->key.len,
                                     zKey, sizeof zKey),
                        e->locked->lock_version, p->startTs);
      } else if (e->locked) {
        aLock[nLock++] = e->locked;
      } else {
        rc = tikv_key_error(e, "prewrite", pzErr);
      }
    }
    if (rc == TITO_OK && nLock > 0) {
      rc = tikv_resolve_locks(p->c, bo, p->locks, p->startTs, 1, aLock, nLock,
                              pzErr);
      free(aLock);
      protobuf_c_message_free_unpacked(&resp->base, NULL);
      continue; /* resend (the loop stops if rc is set) */
    }
    free(aLock);
    protobuf_c_message_free_unpacked(&resp->base, NULL);
    break;
  }
  free(aM);
  free(apM);
  return rc;
}

/* Send Commit (or BatchRollback when bRollback) for keys [a, b), splitting
** the range on region changes. bPrimary only marks the commit role. */
static int finish_range(committer *p, tikv_backoff *bo, int a, int b,
                        int bRollback, int bPrimary, char **pzErr) {
  int n = b - a;
  ProtobufCBinaryData *aK = calloc(n, sizeof(*aK));
  if (!aK) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  for (int i = 0; i < n; i++) {
    aK[i].data = (uint8_t *)p->aMut[a + i].k;
    aK[i].len = p->aMut[a + i].nk;
  }
  int rc = TITO_OK;
  for (;;) {
    tikv_region r;
    int bSplit = 0;
    rc = locate_range(p, a, b, &r, &bSplit, pzErr);
    if (rc) break;
    if (bSplit) {
      /* Do the part in r now, the rest after it. */
      int j = a + 1;
      while (j < b && tikv_region_contains(&r, p->aMut[j].k, p->aMut[j].nk)) j++;
      tikv_region_clear(&r);
      rc = finish_range(p, bo, a, j, bRollback, bPrimary, pzErr);
      if (rc == TITO_OK) {
        char *zIgnored = NULL;
        int bFinal = bo->bUndeterminedIsFinal;
        bo->bUndeterminedIsFinal = 0; /* the rest are secondaries */
        int rc2 = finish_range(p, bo, j, b, bRollback, 0, &zIgnored);
        bo->bUndeterminedIsFinal = bFinal;
        free(zIgnored);
        /* Once the primary's part is committed the txn is: the rest are
        ** secondaries whose failures readers repair. */
        if (!bPrimary || bRollback) rc = rc2;
      }
      break;
    }
    Kvrpcpb__Context ctx = KVRPCPB__CONTEXT__INIT;
    ProtobufCMessage *pResp = NULL;
    Kvrpcpb__KeyError *pErr = NULL;
    if (bRollback) {
      Kvrpcpb__BatchRollbackRequest req = KVRPCPB__BATCH_ROLLBACK_REQUEST__INIT;
      req.context = &ctx;
      req.start_version = p->startTs;
      req.keys = aK;
      req.n_keys = n;
      rc = tikv_send(p->c, bo, &r, M_ROLLBACK, &req.base, &ctx,
                     &kvrpcpb__batch_rollback_response__descriptor, &pResp,
                     pzErr);
      if (rc == TITO_OK) pErr = ((Kvrpcpb__BatchRollbackResponse *)pResp)->error;
    } else {
      Kvrpcpb__CommitRequest req = KVRPCPB__COMMIT_REQUEST__INIT;
      req.context = &ctx;
      req.start_version = p->startTs;
      req.keys = aK;
      req.n_keys = n;
      req.commit_version = p->commitTs;
      req.commit_role = bPrimary ? KVRPCPB__COMMIT_ROLE__Primary
                                 : KVRPCPB__COMMIT_ROLE__Secondary;
      req.primary_key.data = (uint8_t *)p->aMut[0].k;
      req.primary_key.len = p->aMut[0].nk;
      rc = tikv_send(p->c, bo, &r, M_COMMIT, &req.base, &ctx,
                     &kvrpcpb__commit_response__descriptor, &pResp, pzErr);
      if (rc == TITO_OK) pErr = ((Kvrpcpb__CommitResponse *)pResp)->error;
    }
    tikv_region_clear(&r);
    if (rc == TIKV_RETRY_REGION) continue;
    if (rc) break;
    if (pErr && pErr->commit_ts_expired && bPrimary) {
      /* The lock's min_commit_ts was pushed past our commit_ts: take a new
      ** one (the caller loops). */
      rc = tikv_error(pzErr, TIKV_RETRY_REGION, "commit ts expired");
    } else if (pErr) {
      rc = tikv_key_error(pErr, bRollback ? "rollback" : "commit", pzErr);
    }
    protobuf_c_message_free_unpacked(pResp, NULL);
    break;
  }
  free(aK);
  return rc;
}

/* ---- parallel phases --------------------------------------------------- */

static void *heartbeat_main(void *pArg);

/* Start the heartbeat once (after the primary's prewrite). */
static void heartbeat_start(committer *p) {
  pthread_mutex_lock(&p->mu);
  if (p->bWantHeartbeat && !p->bHeartbeatRunning && !p->bStop) {
    if (pthread_create(&p->heartbeat, NULL, heartbeat_main, p) == 0)
      p->bHeartbeatRunning = 1;
  }
  pthread_mutex_unlock(&p->mu);
}

static void heartbeat_stop(committer *p) {
  pthread_mutex_lock(&p->mu);
  p->bStop = 1;
  pthread_cond_broadcast(&p->cond);
  int bJoin = p->bHeartbeatRunning;
  p->bHeartbeatRunning = 0;
  pthread_mutex_unlock(&p->mu);
  if (bJoin) pthread_join(p->heartbeat, NULL);
}

/* Worker of the prewrite phase (bSecondary = 0) or of the secondary commit
** phase (bSecondary = 1, errors ignored: readers roll those keys forward). */
static void *range_worker(void *pArg) {
  committer *p = pArg;
  tikv_backoff bo;
  tikv_backoff_init(&bo, p->c);
  for (;;) {
    pthread_mutex_lock(&p->mu);
    int i = -1;
    if ((p->rc == TITO_OK || p->bSecondary) && p->iNext < p->nRange)
      i = p->iNext++;
    pthread_mutex_unlock(&p->mu);
    if (i < 0) break;
    wrange *w = &p->aRange[i];
    char *zErr = NULL;
    int rc;
    if (p->bSecondary) {
      rc = finish_range(p, &bo, w->a, w->b, 0, 0, &zErr);
    } else {
      rc = prewrite_range(p, &bo, w->a, w->b, w->txnSize, &zErr);
      if (rc == TITO_OK && i == 0) heartbeat_start(p);
    }
    if (rc && !p->bSecondary) {
      pthread_mutex_lock(&p->mu);
      if (p->rc == TITO_OK) {
        p->rc = rc;
        p->zErr = zErr;
        zErr = NULL;
      }
      pthread_mutex_unlock(&p->mu);
    }
    free(zErr);
  }
  return NULL;
}

/* Run range_worker over aRange[iFirst..] with up to MAX_WRITE_THREADS. */
static int run_parallel(committer *p, int iFirst, int bSecondary) {
  p->iNext = iFirst;
  p->bSecondary = bSecondary;
  int nTodo = p->nRange - iFirst;
  if (nTodo <= 0) return TITO_OK;
  int nThread = nTodo < MAX_WRITE_THREADS ? nTodo : MAX_WRITE_THREADS;
  if (nThread == 1) {
    range_worker(p);
  } else {
    pthread_t aTh[MAX_WRITE_THREADS];
    int nStarted = 0;
    for (int i = 0; i < nThread; i++) {
      if (pthread_create(&aTh[i], NULL, range_worker, p) != 0) break;
      nStarted++;
    }
    if (nStarted == 0) range_worker(p);
    for (int i = 0; i < nStarted; i++) pthread_join(aTh[i], NULL);
  }
  return p->rc;
}

/* Best-effort BatchRollback of every mutation (errors ignored). */
static void rollback_all(committer *p) {
  tikv_backoff bo;
  tikv_backoff_init(&bo, p->c);
  char *zErr = NULL;
  int nOld = p->nRange;
  if (group_ranges(p, 0, p->nMut, 1, 0, &zErr) == TITO_OK) {
    for (int i = nOld; i < p->nRange; i++)
      finish_range(p, &bo, p->aRange[i].a, p->aRange[i].b, 1, 0, &zErr);
  }
  p->nRange = nOld;
  free(zErr);
}

/* ---- heartbeat ----------------------------------------------------------- */

/* Keep the primary lock alive: TxnHeartBeat every msHeartbeat until stopped,
** the lock is gone, too many failures, or the txn is an hour old. */
static void *heartbeat_main(void *pArg) {
  committer *p = pArg;
  int nFail = 0;
  for (;;) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += p->opts->msHeartbeat / 1000;
    until.tv_nsec += (long)(p->opts->msHeartbeat % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    while (!p->bStop &&
           pthread_cond_timedwait(&p->cond, &p->mu, &until) == 0) {
    }
    int bStop = p->bStop;
    pthread_mutex_unlock(&p->mu);
    if (bStop) break;
    uint64_t now = 0;
    char *zErr = NULL;
    int rc = tikv_get_ts(p->c, &now, &zErr);
    int64_t msAge = TIKV_TS_PHYSICAL(now) - TIKV_TS_PHYSICAL(p->startTs);
    if (rc == TITO_OK && msAge > MAX_TXN_LIFETIME_MS) {
      free(zErr);
      break;
    }
    if (rc == TITO_OK) {
      Kvrpcpb__TxnHeartBeatRequest req = KVRPCPB__TXN_HEART_BEAT_REQUEST__INIT;
      Kvrpcpb__Context ctx = KVRPCPB__CONTEXT__INIT;
      Kvrpcpb__TxnHeartBeatResponse *resp = NULL;
      tikv_backoff bo;
      tikv_backoff_init(&bo, p->c);
      req.context = &ctx;
      req.primary_lock.data = (uint8_t *)p->aMut[0].k;
      req.primary_lock.len = p->aMut[0].nk;
      req.start_version = p->startTs;
      req.advise_lock_ttl = (uint64_t)(msAge > 0 ? msAge : 0) + HEARTBEAT_TTL_MS;
      rc = tikv_send_key(p->c, &bo, p->aMut[0].k, p->aMut[0].nk, M_HEARTBEAT,
                         &req.base, &ctx,
                         &kvrpcpb__txn_heart_beat_response__descriptor,
                         (ProtobufCMessage **)&resp, NULL, &zErr);
      if (rc == TITO_OK) {
        int bGone = resp->error != NULL;
        protobuf_c_message_free_unpacked(&resp->base, NULL);
        if (bGone) {
          free(zErr);
          break; /* the lock is gone: nothing left to keep alive */
        }
      }
    }
    free(zErr);
    nFail = rc == TITO_OK ? 0 : nFail + 1;
    if (nFail >= HEARTBEAT_MAX_FAILS) break;
  }
  return NULL;
}

/* ---- the commit ---------------------------------------------------------- */

/* client-go's TTL: 3 s below 16 KiB, else 6 s * sqrt(MiB) in [3 s, 20 s];
** plus the transaction's age, since TTL counts from start_ts. */
static uint64_t lock_ttl(int64_t nBytes, uint64_t startTs) {
  double ttl = 3000;
  if (nBytes >= 16 * 1024) {
    ttl = 6000.0 * sqrt((double)nBytes / (1024.0 * 1024.0));
    if (ttl < 3000) ttl = 3000;
    if (ttl > 20000) ttl = 20000;
  }
  return (uint64_t)ttl + (uint64_t)tikv_ms_since_ts(startTs);
}

/* Commit the primary's range aRange[0]: the commit point. Returns TITO_OK
** (committed), TITO_UNKNOWN, or a definite failure. */
static int commit_primary(committer *p, char **pzErr) {
  tikv_backoff bo;
  tikv_backoff_init(&bo, p->c);
  bo.bUndeterminedIsFinal = 1; /* the commit point: never guess */
  int rc = TITO_OK;
  for (int nTry = 0; nTry < COMMIT_TS_RETRIES; nTry++) {
    rc = finish_range(p, &bo, p->aRange[0].a, p->aRange[0].b, 0, 1, pzErr);
    if (rc != TIKV_RETRY_REGION) break;
    /* commit_ts_expired: a fresh commit_ts and again. */
    rc = tikv_get_ts(p->c, &p->commitTs, pzErr);
    if (rc == TITO_OK && p->opts->xCheck) {
      rc = p->opts->xCheck(p->opts->pCheckArg, p->commitTs, pzErr);
    }
    if (rc) break;
    rc = TIKV_RETRY_REGION;
  }
  if (rc == TIKV_RETRY_REGION)
    rc = tikv_error(pzErr, TITO_ERROR, "commit ts kept expiring");
  if (rc == TITO_UNKNOWN ||
      (rc == TITO_UNAVAILABLE && bo.nTransportErr > 0)) {
    char zKey[480];
    return tikv_error(pzErr, TITO_UNKNOWN,
                      "commit outcome unknown: the commit of primary key %s "
                      "(start_ts %" PRIu64 ") got no definite answer (%s); "
                      "do not retry blindly: read the data to find out",
                      tikv_key_str(p->aMut[0].k, p->aMut[0].nk, zKey,
                                   sizeof zKey),
                      p->startTs, bo.zLast[0] ? bo.zLast : "transport failure");
  }
  return rc;
}

int tikv_commit_2pc(tikv_client *c, membuf *pBuf, uint64_t startTs,
                    tikv_lock_state *locks, const tikv_commit_opts *opts,
                    char **pzErr) {
  committer cm;
  committer *p = &cm;
  memset(p, 0, sizeof cm);
  p->c = c;
  p->startTs = startTs;
  p->locks = locks;
  p->opts = opts;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cond, NULL);
  int rc = membuf_foreach(pBuf, collect_one, p);
  if (rc) rc = tikv_error(pzErr, TITO_NOMEM, "out of memory");
  if (rc == TITO_OK && p->nMut == 0) goto done;
  /* Phase 1: prewrite every batch in parallel (aRange[0] has the primary,
  ** the smallest key). */
  if (rc == TITO_OK) rc = group_ranges(p, 0, p->nMut, 0, 0, pzErr);
  if (rc == TITO_OK) {
    p->lockTtl = lock_ttl(p->nBytes, startTs);
    p->bWantHeartbeat = membuf_bytes(pBuf) >= opts->nHeartbeatMinBytes;
    rc = run_parallel(p, 0, 0);
    if (rc) {
      if (pzErr) {
        free(*pzErr);
        *pzErr = p->zErr;
        p->zErr = NULL;
      }
      heartbeat_stop(p);
      rollback_all(p);
      goto done;
    }
  }
  if (rc) goto done;
  if (opts->xHook && opts->xHook(opts->pHookArg, TIKV_HOOK_PREWRITTEN)) {
    heartbeat_stop(p);
    rc = tikv_error(pzErr, TITO_ERROR, "commit abandoned after prewrite");
    goto done;
  }
  /* Phase 2: commit_ts, then the primary's batch (the commit point).
  ** Commit requests carry keys only: regroup with the key sizes. */
  p->nRange = 0;
  rc = group_ranges(p, 0, p->nMut, 1, 0, pzErr);
  if (rc == TITO_OK) rc = tikv_get_ts(c, &p->commitTs, pzErr);
  /* The commit's conditions, read at commit_ts: that read sees every
  ** change of a fenced key committed below commit_ts (waiting out a lock
  ** of one in flight), and a change it does not see gets a commit_ts above
  ** ours (taken after its prewrite, so after our read): it comes later. */
  if (rc == TITO_OK && opts->xCheck) {
    rc = opts->xCheck(opts->pCheckArg, p->commitTs, pzErr);
  }
  if (rc) {
    heartbeat_stop(p);
    rollback_all(p);
    goto done;
  }
  if (rc == TITO_OK && opts->xHook &&
      opts->xHook(opts->pHookArg, TIKV_HOOK_COMMIT_TS)) {
    heartbeat_stop(p);
    rc = tikv_error(pzErr, TITO_ERROR, "commit abandoned before the primary commit");
    goto done;
  }
  if (rc == TITO_OK) rc = commit_primary(p, pzErr);
  heartbeat_stop(p);
  if (rc != TITO_OK && rc != TITO_UNKNOWN) {
    /* Definitely not committed: clean up our locks. */
    rollback_all(p);
    goto done;
  }
  if (rc) goto done;
  /* Phase 3: the other batches; failures only leave locks that readers
  ** roll forward. */
  run_parallel(p, 1, 1);

done:
  if (rc == TITO_OK && p->nMut > 0) {
    tikv_stats_add(TIKV_STAT_COMMITS, 1);
    tikv_stats_add(TIKV_STAT_BYTES_WRITTEN, p->nBytes);
  } else if (rc != TITO_OK) {
    tikv_stats_add(TIKV_STAT_COMMIT_FAILURES, 1);
  }
  heartbeat_stop(p);
  free(p->aMut);
  free(p->aRange);
  free(p->zErr);
  pthread_cond_destroy(&p->cond);
  pthread_mutex_destroy(&p->mu);
  return rc;
}
