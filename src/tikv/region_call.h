/*
** region_call.h: locating the region of a key and sending one TiKV RPC to
** its leader, with the region-error handling of the protocol sheet (3.6,
** 3.7) and per-operation bounded backoff. This is what the transaction
** layer (txn.c, commit.c, lock_resolver.c) builds on.
**
** The caller's loop for one request is:
**
**   tikv_backoff bo; tikv_backoff_init(&bo, pClient);
**   for(;;){
**     tikv_region r;
**     rc = tikv_locate(pClient, key, nKey, &r, pzErr);   (or by batch)
**     if( rc ) break;
**     ... build req with req.context = &ctx (ctx = KVRPCPB__CONTEXT__INIT),
**         keys clipped to r ...
**     rc = tikv_send(pClient, &bo, &r, "/tikvpb.Tikv/KvGet", &req.base, &ctx,
**                    &kvrpcpb__get_response__descriptor, &pResp, pzErr);
**     tikv_region_clear(&r);
**     if( rc==TIKV_RETRY_REGION ) continue;  (cache already fixed, backoff
**                                             already slept)
**     break;
**   }
**
** All functions are thread-safe except that one tikv_backoff must be used
** by one thread at a time.
*/
#ifndef TITO_TIKV_REGION_CALL_H
#define TITO_TIKV_REGION_CALL_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "kvrpcpb.pb-c.h"
#include "client.h"

/* Returned by tikv_send (never by TITO_* code paths): the region cache was
** updated and, where the sheet says so, the backoff slept; re-locate the
** request's keys (a batch may now span several regions) and resend. */
#define TIKV_RETRY_REGION 100

/* A snapshot copy of one cached region, owned by the caller. Bounds are raw
** (decoded) user keys; n_start == 0 means unbounded below, n_end == 0
** unbounded above. */
typedef struct tikv_region {
  uint64_t id, conf_ver, version;
  uint8_t *start_key;
  size_t n_start;
  uint8_t *end_key;
  size_t n_end;
  uint64_t leader_peer_id, leader_store_id; /* 0 if PD knows no leader */
} tikv_region;

/* The region containing user key (key, n). */
int tikv_locate(tikv_client *, const uint8_t *key, size_t n, tikv_region *pOut,
                char **pzErr);

/* The region containing the largest keys below `key` (the region to scan
** first in a reverse scan whose exclusive upper bound is key). n == 0 means
** +infinity, i.e. the last region. */
int tikv_locate_prev(tikv_client *, const uint8_t *key, size_t n,
                     tikv_region *pOut, char **pzErr);

/* Free the bounds of *p and zero it (safe on a zeroed struct). */
void tikv_region_clear(tikv_region *p);

/* Drop a region from the cache (e.g. a KV response said a key lies
** outside it); the next tikv_locate asks PD again. */
void tikv_region_invalidate(tikv_client *, uint64_t region_id);

/* Deep copy; TITO_NOMEM on failure. */
int tikv_region_copy(tikv_region *pDst, const tikv_region *pSrc);

/* 1 if user key (key, n) lies in [start, end) of p. */
int tikv_region_contains(const tikv_region *p, const uint8_t *key, size_t n);

/* Backoff classes (protocol sheet 3.6, client-go's configs): base and cap
** of the exponential sleep, with jitter. */
enum {
  TIKV_BO_TIKV_RPC = 0,      /* transport failure: 100 -> 2000 ms */
  TIKV_BO_REGION_MISS,       /* unknown region error: 2 -> 500 ms */
  TIKV_BO_REGION_SCHEDULING, /* no leader, merging, not ready: 2 -> 500 ms */
  TIKV_BO_SERVER_BUSY,       /* ServerIsBusy: 2000 -> 10000 ms */
  TIKV_BO_STALE_CMD,         /* StaleCommand: 2 -> 1000 ms */
  TIKV_BO_MAX_TS_NOT_SYNCED, /* 2 -> 500 ms */
  TIKV_BO_REGION_NOT_INIT,   /* 2 -> 1000 ms */
  TIKV_BO_DISK_FULL,         /* 500 -> 5000 ms */
  TIKV_BO_RECOVERY,          /* RecoveryInProgress: 100 -> 10000 ms */
  TIKV_BO_WITNESS,           /* IsWitness: 1000 -> 10000 ms */
  TIKV_BO_PD_RPC,            /* PD unreachable / no leader: 500 -> 3000 ms */
  TIKV_BO_TXN_LOCK,          /* waiting for a live lock: 100 -> 3000 ms */
  TIKV_BO_TXN_LOCK_FAST,     /* reader meets a lock: 2 -> 3000 ms */
  TIKV_BO_TXN_NOT_FOUND,     /* CheckTxnStatus TxnNotFound: 2 -> 500 ms */
  TIKV_BO_NKIND
};

/* Per-operation retry state: a total sleep budget and the attempt count of
** each class. Stack-allocate it and call tikv_backoff_init. Fields are
** readable by callers; only this module writes them. */
typedef struct tikv_backoff {
  tikv_client *pClient;
  int msBudget;              /* total sleep allowed */
  int msSlept;               /* total slept so far */
  int nRetry;                /* retries so far (any cause) */
  int nFastRetry;            /* consecutive retries that did not sleep */
  int nTransportErr;         /* RPCs that failed in transport: the request
                             ** may have reached TiKV (commit outcome!) */
  int aAttempt[TIKV_BO_NKIND];
  int bUndeterminedIsFinal;  /* set by the caller: undetermined_result ends
                             ** the request with TITO_UNKNOWN (a primary
                             ** commit); otherwise it is retried */
  char zLast[256];           /* description of the last retried error */
} tikv_backoff;

/* Budget = the client's msMaxBackoff (default 20000 ms). */
void tikv_backoff_init(tikv_backoff *, tikv_client *);
/* Explicit budget in ms (client-go: prewrite / primary commit 40000). */
void tikv_backoff_init_budget(tikv_backoff *, tikv_client *, int msBudget);

/* Sleep the next exponential step of class `kind`. TITO_UNAVAILABLE (with a
** message carrying bo->zLast) once the budget is spent; the budget is
** checked before sleeping. */
int tikv_backoff_sleep(tikv_backoff *, int kind, char **pzErr);
/* The same, but never sleep more than msMax (e.g. a lock's remaining TTL). */
int tikv_backoff_sleep_max(tikv_backoff *, int kind, int msMax, char **pzErr);

/* The name of a backoff class ("serverBusy", ...), for messages. */
const char *tikv_backoff_class_name(int kind);

/* Send req to the leader of pRegion and wait for the response (deadline =
** the client's msTimeout). ctx is req's context sub-message (initialised by
** the caller with KVRPCPB__CONTEXT__INIT and linked from req): this function
** fills region_id, region_epoch, peer, cluster_id, is_retry_request and
** resets its own pointers before returning.
**
** Results:
**   TITO_OK            *ppResp = the decoded response, region_error absent
**                      (free it with protobuf_c_message_free_unpacked(x, 0));
**                      the caller checks KeyErrors and payload.
**   TIKV_RETRY_REGION  region error or transport failure handled as the
**                      sheet says (cache updated, backoff slept); re-locate
**                      and resend. *pzErr is not touched; bo->zLast says why.
**   TITO_UNAVAILABLE   the backoff budget is spent (message names the store
**                      address and the last error).
**   TITO_UNKNOWN       region_error.undetermined_result: the write may or may
**                      not have been applied; do not resend blindly.
**   TITO_ERROR         non-retryable region error (RaftEntryTooLarge,
**                      Flashback*), or a malformed response.
**   TITO_NOMEM
** zMethodPath is the full gRPC path, e.g. "/tikvpb.Tikv/KvPrewrite". */
int tikv_send(tikv_client *, tikv_backoff *, const tikv_region *pRegion,
              const char *zMethodPath, ProtobufCMessage *req,
              Kvrpcpb__Context *ctx, const ProtobufCMessageDescriptor *respDesc,
              ProtobufCMessage **ppResp, char **pzErr);

#endif /* TITO_TIKV_REGION_CALL_H */
