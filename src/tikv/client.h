/*
** client.h: the shared TiKV client object (PD discovery, TSO, region cache,
** gRPC channels) and the error-message convention of src/tikv/.
**
** One tikv_client exists per distinct configuration (PD endpoint string +
** TLS files) in the process: tikv_client_open() returns the existing one
** with its reference count raised, so several SQLite connections share
** channels, the region cache and the TSO stream. Every function here is
** thread-safe.
**
** Errors: functions return TITO_* codes (src/kv.h). When they fail and
** pzErr is not NULL, *pzErr receives a malloc'd message (the caller frees it
** with free(); this library does not link SQLite). A previous *pzErr is
** freed first, so one char* can collect the last error of a sequence.
*/
#ifndef TITO_TIKV_CLIENT_H
#define TITO_TIKV_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include "kv.h"

typedef struct tikv_client tikv_client;

typedef struct tikv_config {
  const char *zPdEndpoints; /* "host:port,host:port" (http:// optional) */
  const char *zCaFile;      /* PEM root CA; all three NULL = insecure */
  const char *zCertFile;    /* PEM client certificate */
  const char *zKeyFile;     /* PEM client private key */
  int msTimeout;            /* per-RPC deadline; <= 0 means 3000 */
  int msMaxBackoff;         /* backoff sleep budget per operation; <= 0: 20000 */
} tikv_config;

/* Open (or share) the client for *pConfig: contacts PD (GetMembers) before
** returning. TITO_UNAVAILABLE if no PD endpoint answers. */
int tikv_client_open(const tikv_config *pConfig, tikv_client **pp,
                     char **pzErr);

/* Drop one reference; the last one closes channels and the TSO stream. */
void tikv_client_close(tikv_client *);

/* One timestamp from PD's TSO. Concurrent callers are batched into one Tso
** stream round trip. Timestamps handed out by one client are strictly
** increasing. */
int tikv_get_ts(tikv_client *, uint64_t *pTs, char **pzErr);

/* The cluster id learned from PD (never 0 once open succeeded). */
uint64_t tikv_client_cluster_id(tikv_client *);

/* The effective configuration values (defaults applied). */
int tikv_client_timeout_ms(tikv_client *);
int tikv_client_max_backoff_ms(tikv_client *);

/* TSO layout: ts = (physical_ms << 18) | logical. */
#define TIKV_TS_LOGICAL_BITS 18
#define TIKV_TS_PHYSICAL(ts) ((int64_t)((ts) >> TIKV_TS_LOGICAL_BITS))
#define TIKV_TS_LOGICAL(ts) ((int64_t)((ts) & ((1u << TIKV_TS_LOGICAL_BITS) - 1)))
#define TIKV_TS_COMPOSE(phys, logical) \
  (((uint64_t)(phys) << TIKV_TS_LOGICAL_BITS) + (uint64_t)(logical))

/* Set *pzErr (if pzErr is not NULL) to a malloc'd printf-style message,
** freeing the previous one. Returns rc so that error paths can be written
** "return tikv_error(pzErr, TITO_ERROR, "...", ...);". */
int tikv_error(char **pzErr, int rc, const char *zFmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* TITO_TIKV_CLIENT_H */
