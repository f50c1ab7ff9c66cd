/*
** grpc_conn.h: the gRPC transport of the TiKV client, on the gRPC core C
** API. A pool owns one channel per target address (created on first use,
** reused by every later call, thread-safe) and the channel credentials
** (insecure, or TLS from PEM files). On top of it: a unary call helper and
** a bidi-stream helper (one request, one response per round, as PD's Tso
** stream needs). Messages are protobuf-c structs packed/unpacked here.
*/
#ifndef TITO_TIKV_GRPC_CONN_H
#define TITO_TIKV_GRPC_CONN_H

#include <protobuf-c/protobuf-c.h>

typedef struct tikv_conn_pool tikv_conn_pool;
typedef struct tikv_stream tikv_stream;

/* New pool. zCa/zCert/zKey: PEM file names; all NULL (or "") = insecure;
** with zCa alone, server-authenticated TLS; with all three, mutual TLS.
** Calls grpc_init(); tikv_conn_pool_free() calls grpc_shutdown(). */
int tikv_conn_pool_new(const char *zCa, const char *zCert, const char *zKey,
                       tikv_conn_pool **pp, char **pzErr);
void tikv_conn_pool_free(tikv_conn_pool *);

/* One unary RPC to zAddr ("host:port") with a deadline of msTimeout.
** TITO_OK: *ppResp is the decoded response (protobuf_c_message_free_unpacked
** it). TITO_UNAVAILABLE: transport failure, non-OK status or deadline; the
** gRPC status code goes to *pStatus (if not NULL) and the message names the
** address. TITO_ERROR: undecodable response. TITO_NOMEM. */
int tikv_conn_unary(tikv_conn_pool *, const char *zAddr, const char *zPath,
                    const ProtobufCMessage *req,
                    const ProtobufCMessageDescriptor *respDesc, int msTimeout,
                    ProtobufCMessage **ppResp, int *pStatus, char **pzErr);

/* Open a bidi stream (no deadline on the stream itself). */
int tikv_stream_open(tikv_conn_pool *, const char *zAddr, const char *zPath,
                     tikv_stream **pp, char **pzErr);

/* Send one message and wait up to msTimeout for the next response. Any
** failure (TITO_UNAVAILABLE) leaves the stream broken: close it. */
int tikv_stream_roundtrip(tikv_stream *, const ProtobufCMessage *req,
                          const ProtobufCMessageDescriptor *respDesc,
                          int msTimeout, ProtobufCMessage **ppResp,
                          char **pzErr);

/* Cancel (if still open) and free. NULL is a no-op. */
void tikv_stream_close(tikv_stream *);

/* Strip "http://" / "https://" and any trailing '/' from a PD URL into a
** malloc'd "host:port"; NULL when out of memory. */
char *tikv_url_to_target(const char *zUrl);

#endif /* TITO_TIKV_GRPC_CONN_H */
