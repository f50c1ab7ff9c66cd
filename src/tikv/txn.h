/*
** txn.h: Percolator transactions on TiKV (optimistic, snapshot isolation).
**
** A transaction reads at its start_ts (one PD timestamp) and buffers every
** write client-side (membuf.h) until commit, so reads see the
** transaction's own writes and locks are held only during the two-phase
** commit (commit.h). Reads that meet other transactions' locks resolve them
** (lock_resolver.h).
**
** Errors: TITO_* codes of src/kv.h with a malloc'd message in *pzErr (free
** with free(); see client.h). Distinct codes: TITO_CONFLICT (write conflict:
** retry the whole transaction), TITO_EXISTS (insert of an existing key),
** TITO_UNKNOWN (commit outcome unknown: do not retry blindly),
** TITO_UNAVAILABLE (cluster unreachable or the backoff budget spent).
**
** A transaction is used by one thread at a time; it runs threads of its own
** for parallel batch gets, prewrites and commits, and a heartbeat.
*/
#ifndef TITO_TIKV_TXN_H
#define TITO_TIKV_TXN_H

#include <stddef.h>
#include <stdint.h>
#include "client.h"

typedef struct tikv_txn tikv_txn;
typedef struct tikv_fence tikv_fence;
typedef struct tikv_scan tikv_scan;

/* Flags of tikv_txn_begin. */
#define TIKV_TXN_LAZY_TS 0x01 /* take start_ts at the first read or commit */

/* Start a transaction: one Tso round trip (none with TIKV_TXN_LAZY_TS). */
int tikv_txn_begin(tikv_client *, int flags, tikv_txn **pp, char **pzErr);
/* The start_ts (0 while a lazy transaction has not taken it yet). */
uint64_t tikv_txn_start_ts(tikv_txn *);
/* Fix the snapshot now: a lazy transaction takes its start_ts (one Tso);
** nothing happens when it has one. */
int tikv_txn_snapshot(tikv_txn *, char **pzErr);

/* Point read: *ppVal (malloc'd, caller frees with free()) and *pn, or
** TITO_NOTFOUND. */
int tikv_txn_get(tikv_txn *, const uint8_t *k, size_t n, uint8_t **ppVal,
                 size_t *pn, char **pzErr);

/* The same read of a key expected absent (kv.h xProbe; ppVal NULL: only
** whether it exists): a miss asks TiKV for the first key at or after k,
** learning the gap before it (gaps.h), and a read inside a learned gap
** needs no round trip. A hit that wants the value reads it with a KvGet. */
int tikv_txn_probe(tikv_txn *, const uint8_t *k, size_t n, uint8_t **ppVal,
                   size_t *pn, char **pzErr);

/* 1 if the transaction's write buffer holds key k (a put, insert or
** delete), else 0. No round trip. */
int tikv_txn_buffered(tikv_txn *, const uint8_t *k, size_t n);

/* Batch read: xRow(pCtx, i, value) for each apKey[i] that exists, on the
** calling thread, in no particular order (duplicates in apKey are reported
** once each). Keys are grouped by region and the regions read in parallel.
** A non-zero return from xRow stops the calls and is returned. */
typedef int (*tikv_row_fn)(void *pCtx, int iKey, const uint8_t *pVal,
                           size_t nVal);
int tikv_txn_batch_get(tikv_txn *, int nKey, const uint8_t *const *apKey,
                       const size_t *anKey, tikv_row_fn xRow, void *pCtx,
                       char **pzErr);

/* Ordered scan of [lo, hi) (n == 0: unbounded) merged with the buffer,
** across regions, page by page. nLimit <= 0: no limit. */
#define TIKV_SCAN_REVERSE 0x01 /* largest key first */
#define TIKV_SCAN_KEYONLY 0x02 /* values are not fetched (empty) */
int tikv_txn_scan(tikv_txn *, const uint8_t *lo, size_t nlo,
                  const uint8_t *hi, size_t nhi, int flags, int64_t nLimit,
                  tikv_scan **pp, char **pzErr);
int tikv_scan_next(tikv_scan *, char **pzErr);
int tikv_scan_eof(tikv_scan *);
/* Valid until the next tikv_scan_next or tikv_scan_close. */
const uint8_t *tikv_scan_key(tikv_scan *, size_t *pn);
const uint8_t *tikv_scan_value(tikv_scan *, size_t *pn);
void tikv_scan_close(tikv_scan *);

/* Buffered writes (no RPC). tikv_txn_insert writes only if the key is
** absent: with bCheckNow it reads the key first (one KvGet unless the buffer
** knows) and returns TITO_EXISTS at once; either way the mutation is sent
** as Op Insert, so a key written by someone else meanwhile makes the commit
** fail with TITO_EXISTS (or TITO_CONFLICT). */
int tikv_txn_put(tikv_txn *, const uint8_t *k, size_t nk, const uint8_t *v,
                 size_t nv, char **pzErr);
int tikv_txn_delete(tikv_txn *, const uint8_t *k, size_t nk, char **pzErr);
int tikv_txn_insert(tikv_txn *, const uint8_t *k, size_t nk, const uint8_t *v,
                    size_t nv, int bCheckNow, char **pzErr);

/* A condition of the commit: key k holds exactly v[0..nv) (v NULL: k is
** absent) at the commit point, read at commit_ts after every prewrite;
** otherwise the commit fails with TITO_CONFLICT "<zWhat> changed since the
** transaction began" and nothing is committed. A fence on a key the
** transaction writes is not read (the write's own conflict check covers
** it). Fences belong to the buffer: tikv_txn_rollback drops them. */
int tikv_txn_fence(tikv_txn *, const uint8_t *k, size_t nk, const uint8_t *v,
                   size_t nv, const char *zWhat, char **pzErr);
/* Savepoints on the buffer (numbering as src/kv.h). */
int tikv_txn_savepoint(tikv_txn *, int iSave);
int tikv_txn_rollback_to(tikv_txn *, int iSave);
int tikv_txn_release(tikv_txn *, int iSave);

/* Number of buffered mutations. */
int64_t tikv_txn_mutation_count(tikv_txn *);

/* Two-phase commit of the buffer (nothing to do, no RPC, if it is empty).
** After it returns, the transaction is over whatever the result: later
** writes fail, and a later tikv_txn_commit returns the first one's result
** again (its code and message) instead of committing anything. The caller
** frees it. TITO_OK: committed. */
int tikv_txn_commit(tikv_txn *, char **pzErr);
/* Forget the buffer (nothing was sent: locks exist only inside commit). */
void tikv_txn_rollback(tikv_txn *);
void tikv_txn_free(tikv_txn *);

/* Tuning, mostly for tests and the benchmark. */
void tikv_txn_set_scan_page(tikv_txn *, int nPage);     /* default 256 */
/* Heartbeat of the primary lock during commit: started when the buffer holds
** at least nMinBytes (default 32 MiB; 0 = always), every msInterval
** (default 10000). */
void tikv_txn_set_heartbeat(tikv_txn *, int64_t nMinBytes, int msInterval);
/* Test hook, called during commit with eStage TIKV_HOOK_PREWRITTEN (every
** prewrite succeeded) and TIKV_HOOK_COMMIT_TS (commit_ts taken, primary not
** yet committed). A non-zero return abandons the transaction there, leaving
** its locks as a crashed client would. */
#define TIKV_HOOK_PREWRITTEN 0
#define TIKV_HOOK_COMMIT_TS 1
void tikv_txn_set_commit_hook(tikv_txn *, int (*xHook)(void *, int eStage),
                              void *pArg);

#endif /* TITO_TIKV_TXN_H */
