/*
** store_registry.h: store URLs, and the process-wide registry that opens
** remote stores from them.
**
** URL grammar (scheme case-insensitive):
**   embedded
**   tikv://HOST:PORT[,HOST:PORT...][/][?PARAM=VALUE[&PARAM=VALUE...]]
** Parameters (values percent-decoded):
**   keyspace=NAME     every key of the store lives under NAME (encoded as
**                     one prefix-free key field), so applications or test
**                     runs sharing a cluster never see each other's keys
**   tls_ca=FILE, tls_cert=FILE, tls_key=FILE
**                     mutual TLS (PEM files; all three or none)
**   timeout_ms=N      per-RPC deadline, also the time one PD endpoint gets
**                     to answer when the store is opened (default 3000)
**
** One registry entry per canonical URL. Connections never share a handle
** (a handle carries one transaction), but handles of one cluster share the
** TiKV client (PD connection, region cache, channels), and a handle a
** connection no longer needs is kept for the next one, so opening a store
** again costs no round trip. While one connection opens a cluster that no
** handle has reached yet, others asking for the same cluster wait for its
** result instead of each waiting out an unreachable PD; other clusters are
** not held up by the registry.
**
** Everything here is thread-safe (one mutex, never held across a network
** call).
*/
#ifndef TITO_STORE_REGISTRY_H
#define TITO_STORE_REGISTRY_H
#include "kv.h"

/* A parsed store URL. */
typedef struct tito_store_url {
  int bRemote;        /* 0: embedded, 1: tikv:// */
  char *zCanon;       /* canonical URL (the identity of the store) */
  char *zEndpoints;   /* "host:port,host:port" */
  char *zKeyspace;    /* NULL: none */
  char *zTlsCa, *zTlsCert, *zTlsKey;
  int msTimeout;      /* 0: the client's default */
} tito_store_url;

/* Parse zUrl (NULL means embedded). SQLITE_OK, or SQLITE_ERROR with
** *pzErr (sqlite3_malloc'd) naming the problem. Opens nothing. */
int tito_store_url_parse(const char *zUrl, tito_store_url *pUrl,
                         char **pzErr);
void tito_store_url_clear(tito_store_url *pUrl);

/* A handle on the remote store pUrl (bRemote), its keyspace applied.
** SQLite result code; *pzErr (sqlite3_malloc'd) on error. */
int tito_registry_open(const tito_store_url *pUrl, tito_kv **ppKv,
                       char **pzErr);

/* Give back a handle from tito_registry_open, no transaction open on it:
** kept for the next connection or closed. */
void tito_registry_release(const char *zCanon, tito_kv *pKv);

/* Process-wide counters of the TiKV client (tito_stats), read through a
** handle the registry keeps (none kept: nothing reported): xStat(pCtx,
** name, value) for each; a non-zero return stops the walk. */
int tito_registry_stats(int (*xStat)(void *, const char *, int64_t),
                        void *pCtx);

#endif
