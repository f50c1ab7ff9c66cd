/*
** txn.c: transactions: begin, snapshot reads (get, batch get, scan) merged
** with the write buffer, buffered writes, savepoints; commit is in commit.c.
*/
#include "txn.h"
#include "tikv/mcodec.h"
#include "commit.h"
#include "gaps.h"
#include "lock_resolver.h"
#include "membuf.h"
#include "stats.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define M_GET "/tikvpb.Tikv/KvGet"
#define M_BATCH_GET "/tikvpb.Tikv/KvBatchGet"
#define M_SCAN "/tikvpb.Tikv/KvScan"

#define BATCH_GET_MAX_KEYS 5120 /* client-go's BatchGet batch */
#define MAX_READ_THREADS 16

/* A key above every key TiKV can store (max-key-size is 8 KiB encoded):
** the concrete upper bound of a reverse scan with no upper bound. */
#define KEY_INF_LEN 8192

/* A condition of the commit (tikv_txn_fence). */
struct tikv_fence {
  uint8_t *k, *v; /* v NULL: the key must be absent */
  size_t nk, nv;
  char *zWhat;
};

struct tikv_txn {
  tikv_client *pClient;
  uint64_t startTs;       /* 0 until taken (lazy) */
  membuf *pBuf;
  tikv_lock_state locks;
  int nPage;              /* pairs of a scan's first page */
  int bFixedPage;         /* tikv_txn_set_scan_page: every page that size */
  tikv_commit_opts opts;
  int bEnded;             /* tikv_txn_commit ran: the transaction is over */
  int rcEnd;              /* its result, repeated by later commits */
  char *zEnd;             /* its message (malloc'd), or NULL */
  tikv_fence *aFence;     /* tikv_txn_fence: checked at the commit point */
  int nFence;
  tikv_gaps *pGaps;       /* ranges the snapshot holds no key in (gaps.h),
                          ** or NULL until the first insert check */
};

/* The error of a write to a transaction that is over. */
static int txn_ended(tikv_txn *t, char **pzErr) {
  return tikv_error(pzErr, TITO_ERROR,
                    "the transaction is over (its commit %s); start a new one",
                    t->rcEnd == TITO_OK ? "succeeded" : "failed");
}

int tikv_txn_begin(tikv_client *c, int flags, tikv_txn **pp, char **pzErr) {
  *pp = NULL;
  tikv_txn *t = calloc(1, sizeof(*t));
  if (!t) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  t->pBuf = membuf_new();
  if (!t->pBuf) {
    free(t);
    return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  }
  t->pClient = c;
  t->nPage = 256;
  t->opts.nHeartbeatMinBytes = 32 * 1024 * 1024;
  t->opts.msHeartbeat = 10000;
  tikv_lock_state_init(&t->locks);
  if (!(flags & TIKV_TXN_LAZY_TS)) {
    int rc = tikv_get_ts(c, &t->startTs, pzErr);
    if (rc) {
      tikv_txn_free(t);
      return rc;
    }
  }
  *pp = t;
  return TITO_OK;
}

uint64_t tikv_txn_start_ts(tikv_txn *t) { return t->startTs; }

/* Take the start_ts of a lazy transaction. */
static int txn_ensure_ts(tikv_txn *t, char **pzErr) {
  if (t->startTs) return TITO_OK;
  return tikv_get_ts(t->pClient, &t->startTs, pzErr);
}

int tikv_txn_snapshot(tikv_txn *t, char **pzErr) {
  return txn_ensure_ts(t, pzErr);
}

static void fences_clear(tikv_txn *t) {
  for (int i = 0; i < t->nFence; i++) {
    free(t->aFence[i].k);
    free(t->aFence[i].v);
    free(t->aFence[i].zWhat);
  }
  free(t->aFence);
  t->aFence = NULL;
  t->nFence = 0;
}

void tikv_txn_free(tikv_txn *t) {
  if (!t) return;
  fences_clear(t);
  membuf_free(t->pBuf);
  tikv_lock_state_free(&t->locks);
  tikv_gaps_free(t->pGaps);
  free(t->zEnd);
  free(t);
}

void tikv_txn_rollback(tikv_txn *t) {
  membuf_clear(t->pBuf);
  fences_clear(t);
}

void tikv_txn_set_scan_page(tikv_txn *t, int nPage) {
  t->nPage = nPage > 0 ? nPage : 256;
  t->bFixedPage = 1;
}

void tikv_txn_set_heartbeat(tikv_txn *t, int64_t nMinBytes, int msInterval) {
  t->opts.nHeartbeatMinBytes = nMinBytes;
  if (msInterval > 0) t->opts.msHeartbeat = msInterval;
}

void tikv_txn_set_commit_hook(tikv_txn *t, int (*xHook)(void *, int),
                              void *pArg) {
  t->opts.xHook = xHook;
  t->opts.pHookArg = pArg;
}

int64_t tikv_txn_mutation_count(tikv_txn *t) { return membuf_count(t->pBuf); }

/* ------------------------------------------------------------------------
** Point reads.
*/

/* KvGet of one key at version ts, resolving locks on the way. */
static int get_at(tikv_client *c, tikv_lock_state *locks, uint64_t ts,
                  const uint8_t *k, size_t n, uint8_t **ppVal, size_t *pn,
                  char **pzErr) {
  tikv_backoff bo;
  tikv_backoff_init(&bo, c);
  for (;;) {
    Kvrpcpb__GetRequest req = KVRPCPB__GET_REQUEST__INIT;
    Kvrpcpb__Context ctx = KVRPCPB__CONTEXT__INIT;
    Kvrpcpb__GetResponse *resp = NULL;
    req.context = &ctx;
    req.key.data = (uint8_t *)k;
    req.key.len = n;
    req.version = ts;
    int rc = tikv_ctx_set_locks(locks, &ctx);
    if (rc == TITO_OK) {
      rc = tikv_send_key(c, &bo, k, n, M_GET, &req.base, &ctx,
                         &kvrpcpb__get_response__descriptor,
                         (ProtobufCMessage **)&resp, NULL, pzErr);
    }
    tikv_ctx_clear_locks(&ctx);
    if (rc) return rc == TITO_NOMEM ? tikv_error(pzErr, rc, "out of memory") : rc;
    if (resp->error && resp->error->locked) {
      Kvrpcpb__LockInfo *aL[1] = {resp->error->locked};
      rc = tikv_resolve_locks(c, &bo, locks, ts, 0, aL, 1, pzErr);
      protobuf_c_message_free_unpacked(&resp->base, NULL);
      if (rc) return rc;
      continue;
    }
    if (resp->error) {
      rc = tikv_key_error(resp->error, "get", pzErr);
    } else if (resp->not_found) {
      rc = TITO_NOTFOUND;
    } else {
      *ppVal = malloc(resp->value.len ? resp->value.len : 1);
      if (!*ppVal) {
        rc = tikv_error(pzErr, TITO_NOMEM, "out of memory");
      } else {
        if (resp->value.len) memcpy(*ppVal, resp->value.data, resp->value.len);
        *pn = resp->value.len;
        tikv_stats_add(TIKV_STAT_BYTES_READ, (int64_t)(n + resp->value.len));
      }
    }
    protobuf_c_message_free_unpacked(&resp->base, NULL);
    return rc;
  }
}

/* KvGet of one key at the transaction's snapshot. */
static int snapshot_get(tikv_txn *t, const uint8_t *k, size_t n,
                        uint8_t **ppVal, size_t *pn, char **pzErr) {
  return get_at(t->pClient, &t->locks, t->startTs, k, n, ppVal, pn, pzErr);
}

/* Learn that [k, hi) holds no key at the snapshot (nhi 0: none above k).
** Out of memory only forgets (gaps.h). */
static void snapshot_gap(tikv_txn *t, const uint8_t *k, size_t n,
                         const uint8_t *hi, size_t nhi) {
  if (!t->pGaps) t->pGaps = tikv_gaps_new();
  if (t->pGaps) tikv_gaps_add(t->pGaps, k, n, hi, nhi);
}

/* Does the snapshot hold key k? TITO_OK (yes), TITO_NOTFOUND or an error.
** Inside a known gap: no round trip. Else one KvScan of k's region, key
** only, for the first key at or after k: it answers for k, and a key found
** past k (or none before the region's end) is a gap learned. */
static int snapshot_probe(tikv_txn *t, const uint8_t *k, size_t n,
                          char **pzErr) {
  tikv_client *c = t->pClient;
  tikv_backoff bo;
  if (t->pGaps && tikv_gaps_has(t->pGaps, k, n)) return TITO_NOTFOUND;
  tikv_backoff_init(&bo, c);
  for (;;) {
    Kvrpcpb__ScanRequest req = KVRPCPB__SCAN_REQUEST__INIT;
    Kvrpcpb__Context ctx = KVRPCPB__CONTEXT__INIT;
    Kvrpcpb__ScanResponse *resp = NULL;
    Kvrpcpb__LockInfo *pLock = NULL;
    Kvrpcpb__KeyError *pErr = NULL;
    tikv_region r;
    memset(&r, 0, sizeof r);
    int rc = tikv_locate(c, k, n, &r, pzErr);
    if (rc) return rc;
    req.context = &ctx;
    req.version = t->startTs;
    req.key_only = 1;
    req.limit = 1;
    req.start_key.data = (uint8_t *)k;
    req.start_key.len = n;
    req.end_key.data = r.end_key; /* empty: the last region, no end */
    req.end_key.len = r.n_end;
    rc = tikv_ctx_set_locks(&t->locks, &ctx);
    if (rc == TITO_OK) {
      rc = tikv_send(c, &bo, &r, M_SCAN, &req.base, &ctx,
                     &kvrpcpb__scan_response__descriptor,
                     (ProtobufCMessage **)&resp, pzErr);
    } else {
      rc = tikv_error(pzErr, rc, "out of memory");
    }
    tikv_ctx_clear_locks(&ctx);
    if (rc == TIKV_RETRY_REGION) {
      tikv_region_clear(&r);
      continue;
    }
    if (rc) {
      tikv_region_clear(&r);
      return rc;
    }
    pErr = resp->error ? resp->error
           : resp->n_pairs > 0 ? resp->pairs[0]->error : NULL;
    if (pErr && pErr->locked) {
      pLock = pErr->locked;
      rc = tikv_resolve_locks(c, &bo, &t->locks, t->startTs, 0, &pLock, 1,
                              pzErr);
      protobuf_c_message_free_unpacked(&resp->base, NULL);
      tikv_region_clear(&r);
      if (rc) return rc;
      continue;
    }
    if (pErr) {
      rc = tikv_key_error(pErr, "scan", pzErr);
    } else if (resp->n_pairs == 0) {
      snapshot_gap(t, k, n, r.end_key, r.n_end);
      rc = TITO_NOTFOUND;
    } else {
      ProtobufCBinaryData *f = &resp->pairs[0]->key;
      rc = TITO_OK;
      if (tikv_key_cmp(f->data, f->len, k, n) != 0) {
        snapshot_gap(t, k, n, f->data, f->len);
        rc = TITO_NOTFOUND;
      }
      tikv_stats_add(TIKV_STAT_BYTES_READ, (int64_t)f->len);
    }
    protobuf_c_message_free_unpacked(&resp->base, NULL);
    tikv_region_clear(&r);
    return rc;
  }
}

/* A value the write buffer holds, copied as tikv_txn_get returns it. */
static int buffered_value(const uint8_t *v, size_t nv, uint8_t **ppVal,
                          size_t *pn, char **pzErr) {
  *ppVal = malloc(nv ? nv : 1);
  if (!*ppVal) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  if (nv) memcpy(*ppVal, v, nv);
  *pn = nv;
  return TITO_OK;
}

int tikv_txn_buffered(tikv_txn *t, const uint8_t *k, size_t n) {
  return membuf_lookup(t->pBuf, k, n, NULL, NULL) != MEMBUF_NONE;
}

/* Returned by buffer_read when the snapshot decides. */
#define TXN_UNDECIDED (-1)

/* What the write buffer says of k (ppVal NULL: only whether it exists), or
** TXN_UNDECIDED: the snapshot decides, its start_ts taken. */
static int buffer_read(tikv_txn *t, const uint8_t *k, size_t n,
                       uint8_t **ppVal, size_t *pn, char **pzErr) {
  const uint8_t *v = NULL;
  size_t nv = 0;
  int rc;
  if (ppVal) {
    *ppVal = NULL;
    *pn = 0;
  }
  switch (membuf_lookup(t->pBuf, k, n, &v, &nv)) {
  case MEMBUF_PUT:
  case MEMBUF_INSERT:
    return ppVal ? buffered_value(v, nv, ppVal, pn, pzErr) : TITO_OK;
  case MEMBUF_DEL:
    return TITO_NOTFOUND;
  }
  rc = txn_ensure_ts(t, pzErr);
  return rc == TITO_OK ? TXN_UNDECIDED : rc;
}

int tikv_txn_probe(tikv_txn *t, const uint8_t *k, size_t n, uint8_t **ppVal,
                   size_t *pn, char **pzErr) {
  int rc = buffer_read(t, k, n, ppVal, pn, pzErr);
  if (rc != TXN_UNDECIDED) return rc;
  rc = snapshot_probe(t, k, n, pzErr);
  if (rc == TITO_OK && ppVal) rc = snapshot_get(t, k, n, ppVal, pn, pzErr);
  return rc;
}

int tikv_txn_get(tikv_txn *t, const uint8_t *k, size_t n, uint8_t **ppVal,
                 size_t *pn, char **pzErr) {
  int rc = buffer_read(t, k, n, ppVal, pn, pzErr);
  if (rc != TXN_UNDECIDED) return rc;
  if (t->pGaps && tikv_gaps_has(t->pGaps, k, n)) return TITO_NOTFOUND;
  return snapshot_get(t, k, n, ppVal, pn, pzErr);
}

/* ------------------------------------------------------------------------
** Batch reads: the keys the buffer does not decide, sorted and unique, are
** cut into (region, at most BATCH_GET_MAX_KEYS) groups read by worker
** threads. Each unique key's value lands in its own slot, so workers write
** disjoint memory.
*/

typedef struct bg_key {
  const uint8_t *k;
  size_t n;
  uint8_t *v;     /* value found (malloc'd) */
  size_t nv;
  int bFound;
} bg_key;

typedef struct bg_job {
  tikv_txn *t;
  bg_key *aKey;      /* sorted unique keys */
  int nKey;
  int (*aRange)[2];  /* groups: [first, last+1) into aKey */
  int nRange;
  int iNext;         /* next group to take */
  int rc;            /* first error */
  char *zErr;
  pthread_mutex_t mu;
} bg_job;


/* Index of key (k, n) in aKey[lo..hi), or -1. */
static int bg_find(bg_key *aKey, int lo, int hi, const uint8_t *k, size_t n) {
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    int c = tikv_key_cmp(aKey[mid].k, aKey[mid].n, k, n);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1; else hi = mid;
  }
  return -1;
}

/* Read the keys aIdx[0..nIdx) (indexes into job->aKey, ascending), which
** are all believed to be in region r, with BatchGet; re-groups on region
** errors and retries locked keys after resolving. */
static int bg_read(bg_job *job, tikv_backoff *bo, int *aIdx, int nIdx,
                   char **pzErr);

/* Split aIdx[0..nIdx) by region (fresh locate) and read each part. */
static int bg_read_regrouped(bg_job *job, tikv_backoff *bo, int *aIdx,
                             int nIdx, char **pzErr) {
  int i = 0;
  while (i < nIdx) {
    tikv_region r;
    memset(&r, 0, sizeof r);
    bg_key *pk = &job->aKey[aIdx[i]];
    int rc = tikv_locate(job->t->pClient, pk->k, pk->n, &r, pzErr);
    if (rc) return rc;
    int j = i + 1;
    while (j < nIdx && j - i < BATCH_GET_MAX_KEYS &&
           tikv_region_contains(&r, job->aKey[aIdx[j]].k, job->aKey[aIdx[j]].n))
      j++;
    tikv_region_clear(&r);
    rc = bg_read(job, bo, aIdx + i, j - i, pzErr);
    if (rc) return rc;
    i = j;
  }
  return TITO_OK;
}

static int bg_read(bg_job *job, tikv_backoff *bo, int *aIdx, int nIdx,
                   char **pzErr) {
  tikv_txn *t = job->t;
  ProtobufCBinaryData *aK = malloc(nIdx * sizeof(*aK));
  if (!aK) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  int rc = TITO_OK;
  for (;;) {
    tikv_region r;
    memset(&r, 0, sizeof r);
    bg_key *p0 = &job->aKey[aIdx[0]];
    rc = tikv_locate(t->pClient, p0->k, p0->n, &r, pzErr);
    if (rc) break;
    /* All keys still in one region? If not, split first. */
    int bSplit = !tikv_region_contains(&r, job->aKey[aIdx[nIdx - 1]].k,
                                       job->aKey[aIdx[nIdx - 1]].n);
    if (bSplit) {
      tikv_region_clear(&r);
      rc = bg_read_regrouped(job, bo, aIdx, nIdx, pzErr);
      break;
    }
    Kvrpcpb__BatchGetRequest req = KVRPCPB__BATCH_GET_REQUEST__INIT;
    Kvrpcpb__Context ctx = KVRPCPB__CONTEXT__INIT;
    Kvrpcpb__BatchGetResponse *resp = NULL;
    for (int i = 0; i < nIdx; i++) {
      aK[i].data = (uint8_t *)job->aKey[aIdx[i]].k;
      aK[i].len = job->aKey[aIdx[i]].n;
    }
    req.context = &ctx;
    req.keys = aK;
    req.n_keys = nIdx;
    req.version = t->startTs;
    rc = tikv_ctx_set_locks(&t->locks, &ctx);
    if (rc == TITO_OK) {
      rc = tikv_send(t->pClient, bo, &r, M_BATCH_GET, &req.base, &ctx,
                     &kvrpcpb__batch_get_response__descriptor,
                     (ProtobufCMessage **)&resp, pzErr);
    } else {
      rc = tikv_error(pzErr, rc, "out of memory");
    }
    tikv_ctx_clear_locks(&ctx);
    tikv_region_clear(&r);
    if (rc == TIKV_RETRY_REGION) {
      rc = bg_read_regrouped(job, bo, aIdx, nIdx, pzErr);
      break;
    }
    if (rc) break;
    if (resp->error && resp->error->locked) {
      /* The whole request met a lock: resolve, then redo it. */
      Kvrpcpb__LockInfo *aL[1] = {resp->error->locked};
      rc = tikv_resolve_locks(t->pClient, bo, &t->locks, t->startTs, 0, aL, 1,
                              pzErr);
      protobuf_c_message_free_unpacked(&resp->base, NULL);
      if (rc) break;
      continue;
    }
    if (resp->error) {
      rc = tikv_key_error(resp->error, "batch get", pzErr);
      protobuf_c_message_free_unpacked(&resp->base, NULL);
      break;
    }
    /* Record values; collect the locks of error pairs. */
    Kvrpcpb__LockInfo **aLock = NULL;
    int nLock = 0;
    if (resp->n_pairs) aLock = malloc(resp->n_pairs * sizeof(*aLock));
    if (resp->n_pairs && !aLock) rc = tikv_error(pzErr, TITO_NOMEM, "out of memory");
    int lo = aIdx[0], hi = aIdx[nIdx - 1] + 1;
    for (size_t i = 0; i < resp->n_pairs && rc == TITO_OK; i++) {
      Kvrpcpb__KvPair *kp = resp->pairs[i];
      if (kp->error) {
        if (kp->error->locked) {
          aLock[nLock++] = kp->error->locked;
        } else {
          rc = tikv_key_error(kp->error, "batch get", pzErr);
        }
        continue;
      }
      int ix = bg_find(job->aKey, lo, hi, kp->key.data, kp->key.len);
      if (ix < 0) continue; /* not asked for: ignore */
      bg_key *pk = &job->aKey[ix];
      free(pk->v);
      pk->v = malloc(kp->value.len ? kp->value.len : 1);
      if (!pk->v) {
        rc = tikv_error(pzErr, TITO_NOMEM, "out of memory");
        break;
      }
      if (kp->value.len) memcpy(pk->v, kp->value.data, kp->value.len);
      pk->nv = kp->value.len;
      pk->bFound = 1;
      tikv_stats_add(TIKV_STAT_BYTES_READ, (int64_t)(pk->n + pk->nv));
    }
    if (rc == TITO_OK && nLock > 0) {
      rc = tikv_resolve_locks(t->pClient, bo, &t->locks, t->startTs, 0, aLock,
                              nLock, pzErr);
      /* Retry just the locked keys (kept in order). */
      int nKeep = 0;
      for (int i = 0; i < nIdx && rc == TITO_OK; i++) {
        bg_key *pk = &job->aKey[aIdx[i]];
        for (int j = 0; j < nLock; j++) {
          if (tikv_key_cmp(aLock[j]->key.data, aLock[j]->key.len, pk->k,
                           pk->n) == 0) {
            aIdx[nKeep++] = aIdx[i];
            break;
          }
        }
      }
      free(aLock);
      protobuf_c_message_free_unpacked(&resp->base, NULL);
      if (rc) break;
      if (nKeep == 0) break;
      nIdx = nKeep;
      continue;
    }
    free(aLock);
    protobuf_c_message_free_unpacked(&resp->base, NULL);
    break;
  }
  free(aK);
  return rc;
}

/* Worker: take groups until none is left or a worker failed. */
static void *bg_worker(void *pArg) {
  bg_job *job = pArg;
  tikv_backoff bo;
  tikv_backoff_init(&bo, job->t->pClient);
  for (;;) {
    pthread_mutex_lock(&job->mu);
    int i = job->rc == TITO_OK && job->iNext < job->nRange ? job->iNext++ : -1;
    pthread_mutex_unlock(&job->mu);
    if (i < 0) break;
    int a = job->aRange[i][0], b = job->aRange[i][1];
    int *aIdx = malloc((b - a) * sizeof(int));
    char *zErr = NULL;
    int rc;
    if (!aIdx) {
      rc = tikv_error(&zErr, TITO_NOMEM, "out of memory");
    } else {
      for (int j = a; j < b; j++) aIdx[j - a] = j;
      rc = bg_read(job, &bo, aIdx, b - a, &zErr);
      free(aIdx);
    }
    if (rc) {
      pthread_mutex_lock(&job->mu);
      if (job->rc == TITO_OK) {
        job->rc = rc;
        job->zErr = zErr;
        zErr = NULL;
      }
      pthread_mutex_unlock(&job->mu);
      free(zErr);
      break;
    }
  }
  return NULL;
}

/* Group the sorted unique keys by region (cache lookups only). */
static int bg_group(bg_job *job, char **pzErr) {
  job->aRange = malloc((job->nKey ? job->nKey : 1) * sizeof(*job->aRange));
  if (!job->aRange) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  int i = 0;
  while (i < job->nKey) {
    tikv_region r;
    memset(&r, 0, sizeof r);
    int rc = tikv_locate(job->t->pClient, job->aKey[i].k, job->aKey[i].n, &r,
                         pzErr);
    if (rc) return rc;
    int j = i + 1;
    while (j < job->nKey && j - i < BATCH_GET_MAX_KEYS &&
           tikv_region_contains(&r, job->aKey[j].k, job->aKey[j].n))
      j++;
    tikv_region_clear(&r);
    job->aRange[job->nRange][0] = i;
    job->aRange[job->nRange][1] = j;
    job->nRange++;
    i = j;
  }
  return TITO_OK;
}

/* Sort helper: order of pointers to bg_key. */
static int bg_key_qsort(const void *a, const void *b) {
  const bg_key *x = a, *y = b;
  return tikv_key_cmp(x->k, x->n, y->k, y->n);
}

/* Read the unique sorted keys job->aKey from the store, in parallel. */
static int bg_run(bg_job *job, char **pzErr) {
  int rc = bg_group(job, pzErr);
  if (rc) return rc;
  int nThread = job->nRange < MAX_READ_THREADS ? job->nRange : MAX_READ_THREADS;
  if (nThread <= 1) {
    bg_worker(job);
  } else {
    pthread_t aTh[MAX_READ_THREADS];
    int nStarted = 0;
    for (int i = 0; i < nThread; i++) {
      if (pthread_create(&aTh[i], NULL, bg_worker, job) != 0) break;
      nStarted++;
    }
    if (nStarted == 0) bg_worker(job); /* no thread: do it here */
    for (int i = 0; i < nStarted; i++) pthread_join(aTh[i], NULL);
  }
  if (job->rc) {
    if (pzErr) {
      free(*pzErr);
      *pzErr = job->zErr;
      job->zErr = NULL;
    }
    return job->rc;
  }
  return TITO_OK;
}

int tikv_txn_batch_get(tikv_txn *t, int nKey, const uint8_t *const *apKey,
                       const size_t *anKey, tikv_row_fn xRow, void *pCtx,
                       char **pzErr) {
  bg_job job;
  memset(&job, 0, sizeof job);
  job.t = t;
  pthread_mutex_init(&job.mu, NULL);
  int rc = TITO_OK;
  /* Keys the buffer does not decide go to the store. */
  job.aKey = calloc(nKey > 0 ? nKey : 1, sizeof(bg_key));
  if (!job.aKey) rc = tikv_error(pzErr, TITO_NOMEM, "out of memory");
  for (int i = 0; i < nKey && rc == TITO_OK; i++) {
    if (membuf_lookup(t->pBuf, apKey[i], anKey[i], NULL, NULL) != MEMBUF_NONE)
      continue;
    job.aKey[job.nKey].k = apKey[i];
    job.aKey[job.nKey].n = anKey[i];
    job.nKey++;
  }
  if (rc == TITO_OK && job.nKey > 0) {
    qsort(job.aKey, job.nKey, sizeof(bg_key), bg_key_qsort);
    int nUnique = 0;
    for (int i = 0; i < job.nKey; i++) {
      if (nUnique &&
          tikv_key_cmp(job.aKey[nUnique - 1].k, job.aKey[nUnique - 1].n,
                       job.aKey[i].k, job.aKey[i].n) == 0)
        continue;
      job.aKey[nUnique++] = job.aKey[i];
    }
    job.nKey = nUnique;
    rc = txn_ensure_ts(t, pzErr);
    if (rc == TITO_OK) rc = bg_run(&job, pzErr);
  }
  /* Report every input key that exists, in input order. */
  for (int i = 0; i < nKey && rc == TITO_OK; i++) {
    const uint8_t *v = NULL;
    size_t nv = 0;
    int op = membuf_lookup(t->pBuf, apKey[i], anKey[i], &v, &nv);
    if (op == MEMBUF_PUT || op == MEMBUF_INSERT) {
      rc = xRow(pCtx, i, v, nv);
    } else if (op == MEMBUF_NONE) {
      int ix = bg_find(job.aKey, 0, job.nKey, apKey[i], anKey[i]);
      if (ix >= 0 && job.aKey[ix].bFound)
        rc = xRow(pCtx, i, job.aKey[ix].v, job.aKey[ix].nv);
    }
  }
  for (int i = 0; i < job.nKey; i++) free(job.aKey[i].v);
  free(job.aKey);
  free(job.aRange);
  free(job.zErr);
  pthread_mutex_destroy(&job.mu);
  return rc;
}

/* ------------------------------------------------------------------------
** Scans: a membuf merge whose store source pages through KvScan, region by
** region (forward: start_key = next key, end_key = min(hi, region end);
** reverse: start_key = exclusive upper bound, end_key = max(lo, region
** start)).
*/

struct tikv_scan {
  tikv_txn *t;
  membuf_merge *pMerge;
  uint8_t *lo, *hi;   /* user bounds (copies); n == 0 = unbounded */
  size_t nlo, nhi;
  int bReverse, bKeyOnly;
  int64_t nLimit;     /* 0 = none */
  int64_t nFromStore; /* pairs delivered by the store so far */
  int64_t nPageNext;  /* pairs the next page asks for (see scanGrowPage) */
  uint8_t *cur;       /* forward: next start; reverse: next upper bound */
  size_t ncur;
  int bCur;           /* cur is set (reverse: unset = +infinity) */
  int bStoreDone;
  Kvrpcpb__ScanResponse *pPage;
  size_t iPair;
  size_t nPair;       /* pairs of pPage to deliver (a probe pair is not) */
  char *zErr;         /* message of the source's last error */
};

static int set_bytes(uint8_t **pa, size_t *pn, const uint8_t *z, size_t n,
                     size_t nExtra) {
  uint8_t *a = malloc(n + nExtra + 1);
  if (!a) return TITO_NOMEM;
  if (n) memcpy(a, z, n);
  memset(a + n, 0, nExtra);
  free(*pa);
  *pa = a;
  *pn = n + nExtra;
  return TITO_OK;
}

/*
** Pages grow while a scan goes on: a long scan (a count, a covering index
** read whole) doubles its page after every full one, up to SCAN_PAGE_MAX
** pairs, as long as a page stays under SCAN_PAGE_BYTES / 2 (big rows keep
** pages small). A short scan, or one with a LIMIT, pays no more than the
** first page (client-go's 256): 10,000 keys take 7 KvScan, not 40.
*/
#define SCAN_PAGE_MAX 8192
#define SCAN_PAGE_BYTES (1 << 20)

static void scan_grow_page(tikv_scan *s, int64_t nBytes) {
  if (s->t->bFixedPage || s->nPageNext >= SCAN_PAGE_MAX) return;
  if (nBytes > SCAN_PAGE_BYTES / 2) return;
  s->nPageNext *= 2;
  if (s->nPageNext > SCAN_PAGE_MAX) s->nPageNext = SCAN_PAGE_MAX;
}

/* Fetch the next non-empty page into s->pPage, or set bStoreDone. */
static int scan_fetch(tikv_scan *s) {
  tikv_txn *t = s->t;
  tikv_backoff bo;
  tikv_backoff_init(&bo, t->pClient);
  uint8_t *inf = NULL;
  int rc = TITO_OK;
  while (!s->bStoreDone && rc == TITO_OK) {
    tikv_region r;
    memset(&r, 0, sizeof r);
    if (!s->bReverse) {
      rc = tikv_locate(t->pClient, s->bCur ? s->cur : (const uint8_t *)"",
                       s->bCur ? s->ncur : 0, &r, &s->zErr);
    } else {
      const uint8_t *up = s->bCur ? s->cur : s->hi;
      size_t nup = s->bCur ? s->ncur : s->nhi;
      rc = tikv_locate_prev(t->pClient, up, nup, &r, &s->zErr);
    }
    if (rc) break;
    Kvrpcpb__ScanRequest req = KVRPCPB__SCAN_REQUEST__INIT;
    Kvrpcpb__Context ctx = KVRPCPB__CONTEXT__INIT;
    Kvrpcpb__ScanResponse *resp = NULL;
    req.context = &ctx;
    req.version = t->startTs;
    req.key_only = s->bKeyOnly;
    req.reverse = s->bReverse;
    int64_t nWant = s->nPageNext;
    int bProbe = 1;
    if (s->nLimit > 0 && s->nLimit - s->nFromStore <= nWant) {
      nWant = s->nLimit - s->nFromStore;
      bProbe = 0; /* the limit ends the scan with this page */
    }
    if (nWant < 1) nWant = 1;
    /* One pair more than the page tells whether the region has more:
    ** KvScan has no "more" flag, and a full last page would otherwise
    ** cost an empty KvScan. The probe pair is fetched again next page. */
    req.limit = (uint32_t)(nWant + bProbe);
    if (!s->bReverse) {
      req.start_key.data = s->bCur ? s->cur : NULL;
      req.start_key.len = s->bCur ? s->ncur : 0;
      /* end = min(hi, region end), empty = unbounded */
      if (r.n_end == 0 ||
          (s->nhi > 0 && tikv_key_cmp(s->hi, s->nhi, r.end_key, r.n_end) < 0)) {
        req.end_key.data = s->hi;
        req.end_key.len = s->nhi;
      } else {
        req.end_key.data = r.end_key;
        req.end_key.len = r.n_end;
      }
    } else {
      const uint8_t *up = s->bCur ? s->cur : s->hi;
      size_t nup = s->bCur ? s->ncur : s->nhi;
      if (nup == 0) {
        if (!inf) {
          inf = malloc(KEY_INF_LEN);
          if (!inf) {
            tikv_region_clear(&r);
            rc = tikv_error(&s->zErr, TITO_NOMEM, "out of memory");
            break;
          }
          memset(inf, 0xFF, KEY_INF_LEN);
        }
        up = inf;
        nup = KEY_INF_LEN;
      }
      req.start_key.data = (uint8_t *)up;
      req.start_key.len = nup;
      /* lower = max(lo, region start) */
      if (s->nlo > 0 &&
          tikv_key_cmp(s->lo, s->nlo, r.start_key, r.n_start) > 0) {
        req.end_key.data = s->lo;
        req.end_key.len = s->nlo;
      } else {
        req.end_key.data = r.start_key;
        req.end_key.len = r.n_start;
      }
    }
    rc = tikv_ctx_set_locks(&t->locks, &ctx);
    if (rc == TITO_OK) {
      rc = tikv_send(t->pClient, &bo, &r, M_SCAN, &req.base, &ctx,
                     &kvrpcpb__scan_response__descriptor,
                     (ProtobufCMessage **)&resp, &s->zErr);
    } else {
      rc = tikv_error(&s->zErr, rc, "out of memory");
    }
    tikv_ctx_clear_locks(&ctx);
    if (rc == TIKV_RETRY_REGION) {
      tikv_region_clear(&r);
      rc = TITO_OK;
      continue;
    }
    if (rc) {
      tikv_region_clear(&r);
      break;
    }
    /* Locks: the whole scan, or some pairs. Resolve and redo the page. */
    Kvrpcpb__LockInfo **aLock = NULL;
    size_t nLock = 0;
    if (resp->error && resp->error->locked) {
      aLock = malloc(sizeof(*aLock));
      if (aLock) {
        aLock[nLock++] = resp->error->locked;
      } else {
        rc = tikv_error(&s->zErr, TITO_NOMEM, "out of memory");
      }
    } else if (resp->error) {
      rc = tikv_key_error(resp->error, "scan", &s->zErr);
    } else {
      for (size_t i = 0; i < resp->n_pairs && rc == TITO_OK; i++) {
        Kvrpcpb__KeyError *e = resp->pairs[i]->error;
        if (!e) continue;
        if (!e->locked) {
          rc = tikv_key_error(e, "scan", &s->zErr);
          break;
        }
        if (!aLock) aLock = malloc(resp->n_pairs * sizeof(*aLock));
        if (!aLock) {
          rc = tikv_error(&s->zErr, TITO_NOMEM, "out of memory");
          break;
        }
        aLock[nLock++] = e->locked;
      }
    }
    if (rc == TITO_OK && nLock > 0) {
      rc = tikv_resolve_locks(t->pClient, &bo, &t->locks, t->startTs, 0, aLock,
                              nLock, &s->zErr);
      free(aLock);
      protobuf_c_message_free_unpacked(&resp->base, NULL);
      tikv_region_clear(&r);
      continue; /* the loop stops if rc is set */
    }
    free(aLock);
    if (rc) {
      protobuf_c_message_free_unpacked(&resp->base, NULL);
      tikv_region_clear(&r);
      break;
    }
    /* Where the next page starts. */
    size_t n = resp->n_pairs;
    if (n < req.limit) {
      /* This region has nothing more in range. */
      if (!s->bReverse) {
        if (r.n_end == 0 || (s->nhi > 0 && tikv_key_cmp(r.end_key, r.n_end,
                                                        s->hi, s->nhi) >= 0)) {
          s->bStoreDone = 1;
        } else {
          rc = set_bytes(&s->cur, &s->ncur, r.end_key, r.n_end, 0);
          s->bCur = 1;
        }
      } else {
        if (r.n_start == 0 ||
            (s->nlo > 0 &&
             tikv_key_cmp(r.start_key, r.n_start, s->lo, s->nlo) <= 0)) {
          s->bStoreDone = 1;
        } else {
          rc = set_bytes(&s->cur, &s->ncur, r.start_key, r.n_start, 0);
          s->bCur = 1;
        }
      }
    } else {
      if (bProbe) n--; /* the probe pair: more pairs follow */
      Kvrpcpb__KvPair *last = resp->pairs[n - 1];
      /* forward: continue after the last key; reverse: below it */
      rc = set_bytes(&s->cur, &s->ncur, last->key.data, last->key.len,
                     s->bReverse ? 0 : 1);
      s->bCur = 1;
    }
    tikv_region_clear(&r);
    if (rc) {
      protobuf_c_message_free_unpacked(&resp->base, NULL);
      rc = tikv_error(&s->zErr, TITO_NOMEM, "out of memory");
      break;
    }
    if (n == 0) {
      protobuf_c_message_free_unpacked(&resp->base, NULL);
      continue;
    }
    int64_t nBytes = 0;
    for (size_t i = 0; i < n; i++)
      nBytes += (int64_t)(resp->pairs[i]->key.len + resp->pairs[i]->value.len);
    tikv_stats_add(TIKV_STAT_BYTES_READ, nBytes);
    if (n == (size_t)nWant && bProbe) scan_grow_page(s, nBytes);
    s->pPage = resp;
    s->iPair = 0;
    s->nPair = n;
    break;
  }
  free(inf);
  return rc;
}

/* membuf_source.xNext: the store's next pair in scan order. */
static int scan_src_next(void *p, const uint8_t **ppK, size_t *pnK,
                         const uint8_t **ppV, size_t *pnV) {
  tikv_scan *s = p;
  if (s->nLimit > 0 && s->nFromStore >= s->nLimit) return TITO_NOTFOUND;
  if (s->pPage && s->iPair >= s->nPair) {
    protobuf_c_message_free_unpacked(&s->pPage->base, NULL);
    s->pPage = NULL;
  }
  if (!s->pPage) {
    if (s->bStoreDone) return TITO_NOTFOUND;
    int rc = scan_fetch(s);
    if (rc) return rc;
    if (!s->pPage) return TITO_NOTFOUND;
  }
  Kvrpcpb__KvPair *kp = s->pPage->pairs[s->iPair++];
  *ppK = kp->key.data;
  *pnK = kp->key.len;
  *ppV = kp->value.data;
  *pnV = kp->value.len;
  s->nFromStore++;
  return TITO_OK;
}

void tikv_scan_close(tikv_scan *s) {
  if (!s) return;
  membuf_merge_close(s->pMerge);
  if (s->pPage) protobuf_c_message_free_unpacked(&s->pPage->base, NULL);
  free(s->lo);
  free(s->hi);
  free(s->cur);
  free(s->zErr);
  free(s);
}

/* Hand the source's error message (or a generic one) to the caller. */
static int scan_error(tikv_scan *s, int rc, char **pzErr) {
  if (s->zErr) {
    if (pzErr) {
      free(*pzErr);
      *pzErr = s->zErr;
    } else {
      free(s->zErr);
    }
    s->zErr = NULL;
    return rc;
  }
  return tikv_error(pzErr, rc, "scan failed (code %d)", rc);
}

int tikv_txn_scan(tikv_txn *t, const uint8_t *lo, size_t nlo,
                  const uint8_t *hi, size_t nhi, int flags, int64_t nLimit,
                  tikv_scan **pp, char **pzErr) {
  *pp = NULL;
  int rc = txn_ensure_ts(t, pzErr);
  if (rc) return rc;
  tikv_scan *s = calloc(1, sizeof(*s));
  if (!s) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  s->t = t;
  s->bReverse = (flags & TIKV_SCAN_REVERSE) != 0;
  s->bKeyOnly = (flags & TIKV_SCAN_KEYONLY) != 0;
  s->nPageNext = t->nPage;
  /* Keys alone are small: a keys-only scan of n keys (a count, an OFFSET
  ** passed over) asks for all of them at once. */
  if (s->bKeyOnly && !t->bFixedPage && nLimit > s->nPageNext) {
    s->nPageNext = nLimit < SCAN_PAGE_MAX ? nLimit : SCAN_PAGE_MAX;
  }
  /* The store side may stop after nLimit pairs only when no buffered
  ** write can hide one of them: a key deleted in this transaction is
  ** fetched from the store and dropped by the merge, so the store must
  ** then go on (the merge still stops at nLimit rows). */
  s->nLimit = nLimit > 0 && membuf_count(t->pBuf) == 0 ? nLimit : 0;
  if (set_bytes(&s->lo, &s->nlo, lo, nlo, 0) ||
      set_bytes(&s->hi, &s->nhi, hi, nhi, 0)) {
    tikv_scan_close(s);
    return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  }
  if (!s->bReverse && nlo > 0) {
    if (set_bytes(&s->cur, &s->ncur, lo, nlo, 0)) {
      tikv_scan_close(s);
      return tikv_error(pzErr, TITO_NOMEM, "out of memory");
    }
    s->bCur = 1;
  }
  if (nlo > 0 && nhi > 0 && tikv_key_cmp(lo, nlo, hi, nhi) >= 0)
    s->bStoreDone = 1;
  membuf_source src = {s, scan_src_next};
  rc = membuf_merge_open(t->pBuf, lo, nlo, hi, nhi, s->bReverse,
                         nLimit > 0 ? nLimit : 0, src, &s->pMerge);
  if (rc) {
    rc = scan_error(s, rc, pzErr);
    tikv_scan_close(s);
    return rc;
  }
  *pp = s;
  return TITO_OK;
}

int tikv_scan_next(tikv_scan *s, char **pzErr) {
  int rc = membuf_merge_next(s->pMerge);
  return rc ? scan_error(s, rc, pzErr) : TITO_OK;
}

int tikv_scan_eof(tikv_scan *s) { return membuf_merge_eof(s->pMerge); }

const uint8_t *tikv_scan_key(tikv_scan *s, size_t *pn) {
  return membuf_merge_key(s->pMerge, pn);
}

const uint8_t *tikv_scan_value(tikv_scan *s, size_t *pn) {
  return membuf_merge_value(s->pMerge, pn);
}

/* ------------------------------------------------------------------------
** Writes and savepoints.
*/

/* TiKV's storage.max-key-size (default 8 KiB) applies to the
** memcomparable-encoded key: 9 bytes per started group of 8. */
#define MAX_ENCODED_KEY 8192

/* Refuse entries TiKV or the client-side limits would reject, now rather
** than at commit. */
static int check_entry(const uint8_t *k, size_t nk, size_t nv, char **pzErr) {
  (void)k;
  if (nk == 0) return tikv_error(pzErr, TITO_ERROR, "empty key");
  if ((nk / 8 + 1) * 9 > MAX_ENCODED_KEY)
    return tikv_error(pzErr, TITO_ERROR,
                      "key too large: %zu bytes (TiKV's limit is %d bytes "
                      "encoded, %d raw)", nk, MAX_ENCODED_KEY,
                      MAX_ENCODED_KEY / 9 * 8 - 1);
  if (nk + nv > TIKV_TXN_ENTRY_MAX)
    return tikv_error(pzErr, TITO_ERROR,
                      "entry too large: %zu bytes (limit %d)", nk + nv,
                      TIKV_TXN_ENTRY_MAX);
  return TITO_OK;
}

int tikv_txn_put(tikv_txn *t, const uint8_t *k, size_t nk, const uint8_t *v,
                 size_t nv, char **pzErr) {
  if (t->bEnded) return txn_ended(t, pzErr);
  int rc = check_entry(k, nk, nv, pzErr);
  if (rc) return rc;
  rc = membuf_put(t->pBuf, k, nk, v, nv);
  return rc ? tikv_error(pzErr, rc, "out of memory") : TITO_OK;
}

int tikv_txn_delete(tikv_txn *t, const uint8_t *k, size_t nk, char **pzErr) {
  if (t->bEnded) return txn_ended(t, pzErr);
  int rc = check_entry(k, nk, 0, pzErr);
  if (rc) return rc;
  rc = membuf_delete(t->pBuf, k, nk);
  return rc ? tikv_error(pzErr, rc, "out of memory") : TITO_OK;
}

int tikv_txn_insert(tikv_txn *t, const uint8_t *k, size_t nk, const uint8_t *v,
                    size_t nv, int bCheckNow, char **pzErr) {
  if (t->bEnded) return txn_ended(t, pzErr);
  char zKey[480];
  int rc = check_entry(k, nk, nv, pzErr);
  if (rc) return rc;
  if (bCheckNow) {
    rc = tikv_txn_probe(t, k, nk, NULL, NULL, pzErr);
    if (rc == TITO_OK) {
      return tikv_error(pzErr, TITO_EXISTS, "key %s already exists",
                        tikv_key_str(k, nk, zKey, sizeof zKey));
    }
    if (rc != TITO_NOTFOUND) return rc;
  }
  rc = membuf_insert(t->pBuf, k, nk, v, nv);
  if (rc == TITO_EXISTS)
    return tikv_error(pzErr, rc, "key %s already exists",
                      tikv_key_str(k, nk, zKey, sizeof zKey));
  return rc ? tikv_error(pzErr, rc, "out of memory") : TITO_OK;
}

int tikv_txn_fence(tikv_txn *t, const uint8_t *k, size_t nk, const uint8_t *v,
                   size_t nv, const char *zWhat, char **pzErr) {
  if (t->bEnded) return txn_ended(t, pzErr);
  for (int i = 0; i < t->nFence; i++) {
    tikv_fence *f = &t->aFence[i];
    if (f->nk == nk && memcmp(f->k, k, nk) == 0 && (f->v == NULL) == !v &&
        f->nv == nv && (nv == 0 || memcmp(f->v, v, nv) == 0)) {
      return TITO_OK; /* the same condition */
    }
  }
  tikv_fence *a = realloc(t->aFence, sizeof(*a) * (size_t)(t->nFence + 1));
  if (!a) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  t->aFence = a;
  tikv_fence *f = &a[t->nFence];
  memset(f, 0, sizeof(*f));
  f->k = malloc(nk ? nk : 1);
  f->v = v ? malloc(nv ? nv : 1) : NULL;
  f->zWhat = strdup(zWhat ? zWhat : "a key the transaction depends on");
  if (!f->k || (v && !f->v) || !f->zWhat) {
    free(f->k);
    free(f->v);
    free(f->zWhat);
    return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  }
  if (nk) memcpy(f->k, k, nk);
  if (v && nv) memcpy(f->v, v, nv);
  f->nk = nk;
  f->nv = nv;
  t->nFence++;
  return TITO_OK;
}

/* tikv_commit_opts.xCheck: every fence holds at commitTs. */
static int fences_check(void *pArg, uint64_t commitTs, char **pzErr) {
  tikv_txn *t = pArg;
  for (int i = 0; i < t->nFence; i++) {
    tikv_fence *f = &t->aFence[i];
    const uint8_t *pv;
    size_t npv;
    if (membuf_lookup(t->pBuf, f->k, f->nk, &pv, &npv) != MEMBUF_NONE) {
      continue;
    }
    /* A lock state of its own: locks known to let the snapshot read at
    ** start_ts pass say nothing of commit_ts. */
    tikv_lock_state ls;
    uint8_t *v = NULL;
    size_t nv = 0;
    tikv_lock_state_init(&ls);
    int rc = get_at(t->pClient, &ls, commitTs, f->k, f->nk, &v, &nv, pzErr);
    tikv_lock_state_free(&ls);
    int bSame = rc == TITO_NOTFOUND
                    ? f->v == NULL
                    : rc == TITO_OK && f->v && nv == f->nv &&
                          (nv == 0 || memcmp(v, f->v, nv) == 0);
    free(v);
    if (rc != TITO_OK && rc != TITO_NOTFOUND) return rc;
    if (!bSame) {
      return tikv_error(pzErr, TITO_CONFLICT,
                        "%s changed since the transaction began", f->zWhat);
    }
  }
  return TITO_OK;
}

int tikv_txn_savepoint(tikv_txn *t, int iSave) {
  return membuf_savepoint(t->pBuf, iSave);
}
int tikv_txn_rollback_to(tikv_txn *t, int iSave) {
  return membuf_rollback_to(t->pBuf, iSave);
}
int tikv_txn_release(tikv_txn *t, int iSave) {
  return membuf_release(t->pBuf, iSave);
}

int tikv_txn_commit(tikv_txn *t, char **pzErr) {
  if (t->bEnded) {
    /* A retried commit: the first one's result, never a commit of the
    ** (now empty) buffer that would report success for lost writes. */
    if (t->rcEnd == TITO_OK) return TITO_OK;
    return tikv_error(pzErr, t->rcEnd, "%s",
                      t->zEnd ? t->zEnd : "the transaction's commit failed");
  }
  int rc = TITO_OK;
  if (membuf_count(t->pBuf) > 0) {
    rc = txn_ensure_ts(t, pzErr);
    if (rc == TITO_OK) {
      t->opts.xCheck = t->nFence ? fences_check : NULL;
      t->opts.pCheckArg = t;
      rc = tikv_commit_2pc(t->pClient, t->pBuf, t->startTs, &t->locks,
                           &t->opts, pzErr);
    }
  }
  fences_clear(t);
  t->bEnded = 1;
  t->rcEnd = rc;
  if (rc && pzErr && *pzErr) t->zEnd = strdup(*pzErr);
  membuf_clear(t->pBuf);
  return rc;
}
