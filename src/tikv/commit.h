/*
** commit.h: the two-phase commit of a transaction's write buffer
** (protocol sheet 3.10, 3.11, 3.14).
**
** Mutations (sorted by key) are grouped by region and split into batches of
** about 16 KiB; every batch is prewritten in parallel with the first key as
** primary; then commit_ts comes from PD, the primary's batch is committed
** (the commit point), and the other batches after it, in parallel. A failed
** prewrite rolls back what was written. A heartbeat thread keeps the primary
** lock alive while a big commit runs.
*/
#ifndef TITO_TIKV_COMMIT_H
#define TITO_TIKV_COMMIT_H

#include <stdint.h>
#include "lock_resolver.h"
#include "membuf.h"

typedef struct tikv_commit_opts {
  int64_t nHeartbeatMinBytes; /* heartbeat when the buffer has this many bytes */
  int msHeartbeat;            /* heartbeat interval */
  int (*xHook)(void *, int);  /* test hook, see tikv_txn_set_commit_hook */
  void *pHookArg;
  /* Conditions of the commit (txn.h's fences), or NULL: called with each
  ** commit_ts after every prewrite succeeded and before the primary
  ** commits; an error abandons the commit (its locks rolled back). */
  int (*xCheck)(void *, uint64_t commitTs, char **pzErr);
  void *pCheckArg;
} tikv_commit_opts;

/* Commit the buffer of transaction startTs. Returns TITO_OK (committed),
** TITO_CONFLICT, TITO_EXISTS, TITO_UNKNOWN (the primary commit's outcome
** could not be learned), TITO_UNAVAILABLE, TITO_ERROR or TITO_NOMEM. */
int tikv_commit_2pc(tikv_client *, membuf *, uint64_t startTs,
                    tikv_lock_state *, const tikv_commit_opts *, char **pzErr);

/* Batch limits (bytes of key+value per prewrite, keys per request). */
#define TIKV_TXN_BATCH_BYTES (16 * 1024)
#define TIKV_TXN_BATCH_KEYS 4096
/* Client-side entry limit (txn-entry-size-limit): key + value. */
#define TIKV_TXN_ENTRY_MAX (6 * 1024 * 1024)

#endif /* TITO_TIKV_COMMIT_H */
