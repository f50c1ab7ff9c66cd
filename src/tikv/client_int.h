/*
** client_int.h: the inside of struct tikv_client, shared by client.c (open,
** close, registry) and region_call.c (locate, send). Not for other layers.
*/
#ifndef TITO_TIKV_CLIENT_INT_H
#define TITO_TIKV_CLIENT_INT_H

#include "client.h"
#include "grpc_conn.h"
#include "pd.h"
#include "region_cache.h"

struct tikv_client {
  char *zKey;                 /* registry key: the configuration */
  int nRef;                   /* guarded by the registry mutex */
  int bOpening;               /* being opened (guarded likewise): others
                              ** asking for the same cluster wait */
  int msTimeout, msMaxBackoff;
  tikv_conn_pool *pPool;      /* channels, one per address */
  tikv_pd *pPd;               /* PD leader, cluster id, TSO */
  tikv_region_cache *pCache;  /* regions and store addresses */
  tikv_client *pNext;         /* registry list */
};

/* The region cache of a client (tests inspect it). */
tikv_region_cache *tikv_client_cache(tikv_client *);
tikv_pd *tikv_client_pd(tikv_client *);

#endif /* TITO_TIKV_CLIENT_INT_H */
