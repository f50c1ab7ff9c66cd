/*
** lock_resolver.h: what a transaction does when a request meets another
** transaction's lock (protocol sheet 3.8, 3.9), and the small helpers every
** transactional request shares (send to the region of a key, KeyError to
** TITO_* code and message).
**
** A tikv_lock_state belongs to one transaction (one snapshot): it caches the
** final status of transactions it has checked, and the start_ts lists that
** go into Context.resolved_locks / committed_locks of later reads. It is
** shared by the threads of a parallel batch get or prewrite, hence its
** mutex.
*/
#ifndef TITO_TIKV_LOCK_RESOLVER_H
#define TITO_TIKV_LOCK_RESOLVER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "region_call.h"

typedef struct tikv_txn_status {
  uint64_t start_ts;
  uint64_t commit_ts; /* 0 = rolled back */
} tikv_txn_status;

typedef struct tikv_lock_state {
  pthread_mutex_t mu;
  uint64_t *aResolved; /* txns whose locks reads may skip */
  int nResolved, nResolvedAlloc;
  uint64_t *aCommitted; /* txns committed at <= our ts: read through */
  int nCommitted, nCommittedAlloc;
  tikv_txn_status *aStatus; /* final statuses seen (bounded cache) */
  int nStatus, nStatusAlloc;
} tikv_lock_state;

void tikv_lock_state_init(tikv_lock_state *);
void tikv_lock_state_free(tikv_lock_state *);

/* Copy the state's resolved/committed lists into ctx (malloc'd arrays that
** tikv_ctx_clear_locks frees). TITO_OK or TITO_NOMEM. */
int tikv_ctx_set_locks(tikv_lock_state *, Kvrpcpb__Context *ctx);
void tikv_ctx_clear_locks(Kvrpcpb__Context *ctx);

/*
** Resolve the locks aLock[0..nLock) that a request of the transaction
** callerStartTs met. bForWrite: the caller is a prewrite (a writer never
** skips a live lock). For each distinct lock: CheckTxnStatus on its primary's
** region (rollback_if_not_exist once the lock's TTL has passed), then, when
** the owner is final, ResolveLock on the lock's region (one key, or the whole
** region for big transactions). Live locks make it sleep in bo, at most
** until the first of them expires.
** Locks of other clients' (TiDB's) protocols, as client-go resolves them:
**   - async commit: TiKV never rolls an async-commit primary back; once its
**     TTL has passed, CheckSecondaryLocks on every secondary (region by
**     region) decides: a key already committed gives the commit ts, a key
**     missing (TiKV then writes a rollback record) means rolled back, every
**     key still locked means committed at the largest min_commit_ts. Every
**     remaining lock (and the primary) is then resolved at that ts. A
**     secondary that is not an async-commit lock means the owner fell back
**     to 2PC: CheckTxnStatus again with force_sync_commit.
**   - pessimistic locks (never met by reads): CheckTxnStatus with
**     resolving_pessimistic_lock; once the owner is final (or the lock has
**     expired and its primary is gone) the lock is removed with
**     KVPessimisticRollback (it carries no data: never committed).
**   - undetermined_result answers are resent (region_call.h).
** Returns TITO_OK when the caller should resend its request,
** TITO_UNAVAILABLE when bo's budget is spent, or another error.
*/
int tikv_resolve_locks(tikv_client *, tikv_backoff *bo, tikv_lock_state *,
                       uint64_t callerStartTs, int bForWrite,
                       Kvrpcpb__LockInfo *const *aLock, size_t nLock,
                       char **pzErr);

/* Send req to the region holding key, re-locating on TIKV_RETRY_REGION. On
** success *ppResp is the response; pRegionOut (if not NULL) receives the
** region it went to (caller clears it). Other results as tikv_send. */
int tikv_send_key(tikv_client *, tikv_backoff *bo, const uint8_t *key,
                  size_t nKey, const char *zMethod, ProtobufCMessage *req,
                  Kvrpcpb__Context *ctx,
                  const ProtobufCMessageDescriptor *respDesc,
                  ProtobufCMessage **ppResp, tikv_region *pRegionOut,
                  char **pzErr);

/* Map a KeyError other than `locked` to a TITO_* code and a message naming
** the key: conflict/retryable/txn_lock_not_found -> TITO_CONFLICT (counted
** in TIKV_STAT_CONFLICTS), already_exist -> TITO_EXISTS, the rest
** TITO_ERROR. zWhat names the operation ("prewrite", "get"...). */
int tikv_key_error(const Kvrpcpb__KeyError *, const char *zWhat, char **pzErr);

/* A printable rendering of a key for messages: "abc" or hex; writes a NUL
** terminated string of at most nOut bytes into zOut and returns zOut. */
char *tikv_key_str(const uint8_t *k, size_t n, char *zOut, size_t nOut);

/* Milliseconds of wall time since the physical part of ts (>= 0). */
int64_t tikv_ms_since_ts(uint64_t ts);

#endif /* TITO_TIKV_LOCK_RESOLVER_H */
