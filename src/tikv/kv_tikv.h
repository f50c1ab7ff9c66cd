/*
** kv_tikv.h: the TiKV store behind the transactional KV interface of
** src/kv.h (see txn.h for the transaction model).
**
** Mapping: xBegin opens a transaction lazily (its start_ts is taken at the
** first read or at commit), writes are buffered, xPrepare runs the two-phase
** commit (its error is the one the user sees), xCommit/xRollback forget the
** transaction. Reads outside a transaction each take a fresh snapshot (one
** PD timestamp). xInsert reads the key first (so TITO_EXISTS comes at once)
** and is still sent as an Insert mutation, which catches a concurrent insert
** at commit. xDeleteRange scans the range and deletes each key (MVCC, so
** other snapshots are unaffected). An iterator's errors are reported by
** the handle's xErrmsg (iterators must be closed before the handle).
*/
#ifndef TITO_TIKV_KV_TIKV_H
#define TITO_TIKV_KV_TIKV_H

#include "client.h"
#include "kv.h"

/* Open a handle on the cluster of *pConfig (the client object is shared by
** all handles with the same configuration). *pzErr: malloc'd, free(). */
int tito_kv_tikv_open(const tikv_config *pConfig, tito_kv **pp, char **pzErr);

#endif /* TITO_TIKV_KV_TIKV_H */
