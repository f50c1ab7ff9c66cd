/*
** pd.h: the PD client: cluster id and leader discovery over several
** endpoints (GetMembers), unary PD calls sent to the leader with failover,
** and timestamps from the Tso bidi stream with concurrent callers batched
** into one request. Thread-safe.
*/
#ifndef TITO_TIKV_PD_H
#define TITO_TIKV_PD_H

#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "grpc_conn.h"

typedef struct tikv_pd tikv_pd;

/* Connect: GetMembers on the endpoints ("host:port,http://host:port") until
** one answers with a cluster id and a leader. */
int tikv_pd_open(tikv_conn_pool *, const char *zEndpoints, int msTimeout,
                 int msMaxBackoff, tikv_pd **pp, char **pzErr);
void tikv_pd_close(tikv_pd *);

uint64_t tikv_pd_cluster_id(tikv_pd *);

/* A malloc'd copy of the current leader's "host:port" (NULL if none). */
char *tikv_pd_leader(tikv_pd *);

/* One unary RPC (zPath = "/pdpb.PD/GetRegion", ...) to the leader. req must
** have a "header" field (pdpb.RequestHeader): this function fills it with
** the cluster id. On a transport failure it rediscovers the leader and
** retries within the backoff budget. A response whose header carries an
** error gives TITO_ERROR (TITO_NOTFOUND for REGION_NOT_FOUND). */
int tikv_pd_call(tikv_pd *, const char *zPath, ProtobufCMessage *req,
                 const ProtobufCMessageDescriptor *respDesc,
                 ProtobufCMessage **ppResp, char **pzErr);

/* One timestamp; concurrent callers share one Tso round trip. */
int tikv_pd_get_ts(tikv_pd *, uint64_t *pTs, char **pzErr);

#endif /* TITO_TIKV_PD_H */
