/*
** kv_tikv.h: the TiKV store behind the transactional KV interface of
** src/kv.h (see txn.h for the transaction model).
**
** Mapping: xBegin opens a transaction lazily (its start_ts is taken at the
** first read or write, one Tso), writes are buffered, xPrepare runs the
** two-phase commit (its error is the one the user sees, and it is repeated
** by every later use until xRollback, see kv.h), xCommit/xRollback forget
** the transaction. Reads outside a transaction each take a fresh snapshot
** (one Tso), or share one per xReadBegin/xReadEnd bracket. xInsert reads
** the key first (so TITO_EXISTS comes at once) and is still sent as an
** Insert mutation, which catches a concurrent insert at commit.
** xDeleteRange scans the range and deletes each key (MVCC, so other
** snapshots are unaffected). An iterator's errors are reported by the
** handle's xErrmsg (iterators must be closed before the handle). xStats
** reports the client's process-wide counters (stats.h): one row per
** counter, then "rpc.<Method>" (calls) and "rpc_us.<Method>" (total
** microseconds) for each RPC method used.
*/
#ifndef TITO_TIKV_KV_TIKV_H
#define TITO_TIKV_KV_TIKV_H

#include "client.h"
#include "kv.h"

/* Open a handle on the cluster of *pConfig (the client object is shared by
** all handles with the same configuration). *pzErr: malloc'd, free(). */
int tito_kv_tikv_open(const tikv_config *pConfig, tito_kv **pp, char **pzErr);

#endif /* TITO_TIKV_KV_TIKV_H */
