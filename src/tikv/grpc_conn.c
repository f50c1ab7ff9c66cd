/*
** grpc_conn.c: channels, unary calls and bidi streams on the gRPC core C
** API (see grpc_conn.h).
**
** Every unary call gets its own pluck completion queue: the call's deadline
** is enforced by gRPC, so waiting for the single batch cannot hang. A
** stream owns a "next" queue and waits for each round with a deadline of
** its own; buffers an unfinished operation may still write to live in the
** stream struct, not on the stack, until the call is cancelled and the
** queue drained.
*/
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include "grpc_conn.h"
#include "client.h"

typedef struct conn_channel conn_channel;
struct conn_channel {
  char *zAddr;
  grpc_channel *pChannel;
  conn_channel *pNext;
};

struct tikv_conn_pool {
  pthread_mutex_t mu;            /* guards pList */
  conn_channel *pList;           /* one channel per address */
  grpc_channel_credentials *pCreds;
};

struct tikv_stream {
  grpc_completion_queue *cq;
  grpc_call *call;
  char *zAddr;
  int nPending;                  /* started batches not yet completed */
  int bStarted;                  /* initial metadata sent */
  int bBroken;
  grpc_byte_buffer *pSend;       /* owned until its batch completes */
  grpc_byte_buffer *pRecv;       /* written by the recv batch */
  grpc_metadata_array mdInitial;
};

/* Read a whole file into a NUL-terminated malloc'd string. */
static int read_pem(const char *zFile, char **pz, char **pzErr) {
  FILE *f = fopen(zFile, "rb");
  char *z = 0;
  long n;
  *pz = 0;
  if (!f) {
    return tikv_error(pzErr, TITO_ERROR, "cannot open %s: %s", zFile,
                      strerror(errno));
  }
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
      fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return tikv_error(pzErr, TITO_ERROR, "cannot read %s", zFile);
  }
  z = malloc((size_t)n + 1);
  if (!z) {
    fclose(f);
    return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  }
  if (fread(z, 1, (size_t)n, f) != (size_t)n) {
    free(z);
    fclose(f);
    return tikv_error(pzErr, TITO_ERROR, "cannot read %s", zFile);
  }
  z[n] = 0;
  fclose(f);
  *pz = z;
  return TITO_OK;
}

/* Channel credentials: insecure, or TLS from PEM files. */
static int make_creds(const char *zCa, const char *zCert, const char *zKey,
                      grpc_channel_credentials **pp, char **pzErr) {
  char *zRoot = 0, *zCertPem = 0, *zKeyPem = 0;
  int rc = TITO_OK;
  int bCa = zCa && zCa[0], bCert = zCert && zCert[0], bKey = zKey && zKey[0];
  *pp = 0;
  if (!bCa && !bCert && !bKey) {
    *pp = grpc_insecure_credentials_create();
    return *pp ? TITO_OK : tikv_error(pzErr, TITO_NOMEM, "out of memory");
  }
  if (bCert != bKey) {
    return tikv_error(pzErr, TITO_ERROR,
                      "TLS needs both a certificate and a key file");
  }
  if (bCa) rc = read_pem(zCa, &zRoot, pzErr);
  if (rc == TITO_OK && bCert) rc = read_pem(zCert, &zCertPem, pzErr);
  if (rc == TITO_OK && bKey) rc = read_pem(zKey, &zKeyPem, pzErr);
  if (rc == TITO_OK) {
    grpc_ssl_pem_key_cert_pair pair = {zKeyPem, zCertPem};
    *pp = grpc_ssl_credentials_create(zRoot, bCert ? &pair : 0, 0, 0);
    if (!*pp) rc = tikv_error(pzErr, TITO_ERROR, "bad TLS credentials");
  }
  free(zRoot);
  free(zCertPem);
  free(zKeyPem);
  return rc;
}

int tikv_conn_pool_new(const char *zCa, const char *zCert, const char *zKey,
                       tikv_conn_pool **pp, char **pzErr) {
  tikv_conn_pool *p;
  int rc;
  *pp = 0;
  p = calloc(1, sizeof(*p));
  if (!p) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  grpc_init();
  rc = make_creds(zCa, zCert, zKey, &p->pCreds, pzErr);
  if (rc != TITO_OK) {
    free(p);
    grpc_shutdown();
    return rc;
  }
  pthread_mutex_init(&p->mu, 0);
  *pp = p;
  return TITO_OK;
}

void tikv_conn_pool_free(tikv_conn_pool *p) {
  if (!p) return;
  while (p->pList) {
    conn_channel *c = p->pList;
    p->pList = c->pNext;
    grpc_channel_destroy(c->pChannel);
    free(c->zAddr);
    free(c);
  }
  grpc_channel_credentials_release(p->pCreds);
  pthread_mutex_destroy(&p->mu);
  free(p);
  grpc_shutdown();
}

/* The channel of zAddr, created on first use; NULL when out of memory. */
static grpc_channel *pool_channel(tikv_conn_pool *p, const char *zAddr) {
  conn_channel *c;
  grpc_channel *ch = 0;
  pthread_mutex_lock(&p->mu);
  for (c = p->pList; c; c = c->pNext) {
    if (strcmp(c->zAddr, zAddr) == 0) {
      ch = c->pChannel;
      break;
    }
  }
  if (!ch && (c = calloc(1, sizeof(*c))) != 0 &&
      (c->zAddr = strdup(zAddr)) != 0) {
    /* Unlimited receive size (Scan/BatchGet answers exceed 4 MiB); quick
    ** reconnects so a restarted store is found again within a backoff;
    ** no built-in retries: the region layer decides what to resend. */
    grpc_arg aArg[5];
    memset(aArg, 0, sizeof(aArg));
    aArg[0].type = GRPC_ARG_INTEGER;
    aArg[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    aArg[0].value.integer = -1;
    aArg[1].type = GRPC_ARG_INTEGER;
    aArg[1].key = (char *)GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS;
    aArg[1].value.integer = 100;
    aArg[2].type = GRPC_ARG_INTEGER;
    aArg[2].key = (char *)GRPC_ARG_MIN_RECONNECT_BACKOFF_MS;
    aArg[2].value.integer = 100;
    aArg[3].type = GRPC_ARG_INTEGER;
    aArg[3].key = (char *)GRPC_ARG_MAX_RECONNECT_BACKOFF_MS;
    aArg[3].value.integer = 1000;
    aArg[4].type = GRPC_ARG_INTEGER;
    aArg[4].key = (char *)GRPC_ARG_ENABLE_RETRIES;
    aArg[4].value.integer = 0;
    grpc_channel_args args = {5, aArg};
    c->pChannel = grpc_channel_create(zAddr, p->pCreds, &args);
    if (c->pChannel) {
      c->pNext = p->pList;
      p->pList = c;
      ch = c->pChannel;
    } else {
      free(c->zAddr);
      free(c);
    }
  } else if (!ch && c) {
    free(c);
  }
  pthread_mutex_unlock(&p->mu);
  return ch;
}

/* Pack a protobuf-c message into a new gRPC byte buffer. */
static grpc_byte_buffer *pack_message(const ProtobufCMessage *req) {
  size_t n = protobuf_c_message_get_packed_size(req);
  grpc_slice s = grpc_slice_malloc(n);
  grpc_byte_buffer *bb;
  protobuf_c_message_pack(req, GRPC_SLICE_START_PTR(s));
  bb = grpc_raw_byte_buffer_create(&s, 1);
  grpc_slice_unref(s);
  return bb;
}

/* Decode a received byte buffer. */
static int unpack_message(grpc_byte_buffer *bb,
                          const ProtobufCMessageDescriptor *desc,
                          ProtobufCMessage **pp, const char *zAddr,
                          const char *zPath, char **pzErr) {
  grpc_byte_buffer_reader r;
  grpc_slice s;
  *pp = 0;
  if (!grpc_byte_buffer_reader_init(&r, bb)) {
    return tikv_error(pzErr, TITO_ERROR, "%s %s: unreadable response",
                      zAddr, zPath);
  }
  s = grpc_byte_buffer_reader_readall(&r);
  grpc_byte_buffer_reader_destroy(&r);
  *pp = protobuf_c_message_unpack(desc, 0, GRPC_SLICE_LENGTH(s),
                                  GRPC_SLICE_START_PTR(s));
  grpc_slice_unref(s);
  if (!*pp) {
    return tikv_error(pzErr, TITO_ERROR, "%s %s: malformed %s", zAddr, zPath,
                      desc->name);
  }
  return TITO_OK;
}

static gpr_timespec deadline_in(int ms) {
  return gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                      gpr_time_from_millis(ms, GPR_TIMESPAN));
}

/* Message for a non-OK status: "<addr> <path>: <CODE>: details". */
static int status_error(char **pzErr, const char *zAddr, const char *zPath,
                        grpc_status_code st, grpc_slice details) {
  static const char *const azCode[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  const char *zCode = (st >= 0 && st <= 16) ? azCode[st] : "STATUS";
  int n = (int)GRPC_SLICE_LENGTH(details);
  return tikv_error(pzErr, TITO_UNAVAILABLE, "%s %s: %s%s%.*s", zAddr, zPath,
                    zCode, n ? ": " : "", n,
                    (const char *)GRPC_SLICE_START_PTR(details));
}

int tikv_conn_unary(tikv_conn_pool *p, const char *zAddr, const char *zPath,
                    const ProtobufCMessage *req,
                    const ProtobufCMessageDescriptor *respDesc, int msTimeout,
                    ProtobufCMessage **ppResp, int *pStatus, char **pzErr) {
  grpc_channel *ch = pool_channel(p, zAddr);
  grpc_completion_queue *cq;
  grpc_call *call;
  grpc_metadata_array mdInit, mdTrail;
  grpc_byte_buffer *pSend, *pRecv = 0;
  grpc_status_code st = GRPC_STATUS_UNKNOWN;
  grpc_slice details = grpc_empty_slice();
  const char *zErrStr = 0;
  grpc_op ops[6];
  grpc_call_error ce;
  int rc = TITO_OK;

  *ppResp = 0;
  if (pStatus) *pStatus = GRPC_STATUS_OK;
  if (!ch) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  cq = grpc_completion_queue_create_for_pluck(0);
  grpc_slice method = grpc_slice_from_copied_string(zPath);
  call = grpc_channel_create_call(ch, 0, GRPC_PROPAGATE_DEFAULTS, cq, method,
                                  0, deadline_in(msTimeout), 0);
  grpc_slice_unref(method);
  pSend = pack_message(req);
  grpc_metadata_array_init(&mdInit);
  grpc_metadata_array_init(&mdTrail);
  memset(ops, 0, sizeof(ops));
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = pSend;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &mdInit;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &pRecv;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &mdTrail;
  ops[5].data.recv_status_on_client.status = &st;
  ops[5].data.recv_status_on_client.status_details = &details;
  ops[5].data.recv_status_on_client.error_string = &zErrStr;
  ce = grpc_call_start_batch(call, ops, 6, (void *)ops, 0);
  if (ce == GRPC_CALL_OK) {
    /* The call's deadline bounds this wait. */
    grpc_completion_queue_pluck(cq, (void *)ops,
                                gpr_inf_future(GPR_CLOCK_REALTIME), 0);
    if (pStatus) *pStatus = st;
    if (st != GRPC_STATUS_OK) {
      rc = status_error(pzErr, zAddr, zPath, st, details);
    } else if (!pRecv) {
      rc = tikv_error(pzErr, TITO_UNAVAILABLE, "%s %s: no response message",
                      zAddr, zPath);
    } else {
      rc = unpack_message(pRecv, respDesc, ppResp, zAddr, zPath, pzErr);
    }
  } else {
    rc = tikv_error(pzErr, TITO_ERROR, "%s %s: grpc_call_start_batch: %d",
                    zAddr, zPath, (int)ce);
  }
  grpc_call_unref(call);
  grpc_completion_queue_shutdown(cq);
  grpc_completion_queue_pluck(cq, 0, gpr_inf_future(GPR_CLOCK_REALTIME), 0);
  grpc_completion_queue_destroy(cq);
  grpc_byte_buffer_destroy(pSend);
  if (pRecv) grpc_byte_buffer_destroy(pRecv);
  grpc_metadata_array_destroy(&mdInit);
  grpc_metadata_array_destroy(&mdTrail);
  grpc_slice_unref(details);
  if (zErrStr) gpr_free((void *)zErrStr);
  return rc;
}

int tikv_stream_open(tikv_conn_pool *p, const char *zAddr, const char *zPath,
                     tikv_stream **pp, char **pzErr) {
  grpc_channel *ch = pool_channel(p, zAddr);
  tikv_stream *s;
  *pp = 0;
  if (!ch) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  s = calloc(1, sizeof(*s));
  if (!s || !(s->zAddr = strdup(zAddr))) {
    free(s);
    return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  }
  s->cq = grpc_completion_queue_create_for_next(0);
  grpc_slice method = grpc_slice_from_copied_string(zPath);
  s->call = grpc_channel_create_call(ch, 0, GRPC_PROPAGATE_DEFAULTS, s->cq,
                                     method, 0,
                                     gpr_inf_future(GPR_CLOCK_REALTIME), 0);
  grpc_slice_unref(method);
  grpc_metadata_array_init(&s->mdInitial);
  *pp = s;
  return TITO_OK;
}

/* Wait until no batch of s is pending or the deadline passes. */
static int stream_wait(tikv_stream *s, gpr_timespec deadline) {
  while (s->nPending > 0) {
    grpc_event ev = grpc_completion_queue_next(s->cq, deadline, 0);
    if (ev.type == GRPC_QUEUE_TIMEOUT) return 1;
    if (ev.type != GRPC_OP_COMPLETE) return 2;
    s->nPending--;
    if (!ev.success) s->bBroken = 1;
  }
  return 0;
}

int tikv_stream_roundtrip(tikv_stream *s, const ProtobufCMessage *req,
                          const ProtobufCMessageDescriptor *respDesc,
                          int msTimeout, ProtobufCMessage **ppResp,
                          char **pzErr) {
  grpc_op aSend[2], aRecv[2];
  int nSend = 0, nRecv = 0, w, rc;
  *ppResp = 0;
  if (s->bBroken) {
    return tikv_error(pzErr, TITO_UNAVAILABLE, "%s: stream broken", s->zAddr);
  }
  memset(aSend, 0, sizeof(aSend));
  memset(aRecv, 0, sizeof(aRecv));
  if (!s->bStarted) {
    aSend[nSend++].op = GRPC_OP_SEND_INITIAL_METADATA;
    aRecv[nRecv].op = GRPC_OP_RECV_INITIAL_METADATA;
    aRecv[nRecv++].data.recv_initial_metadata.recv_initial_metadata =
        &s->mdInitial;
    s->bStarted = 1;
  }
  if (s->pSend) grpc_byte_buffer_destroy(s->pSend);
  s->pSend = pack_message(req);
  aSend[nSend].op = GRPC_OP_SEND_MESSAGE;
  aSend[nSend++].data.send_message.send_message = s->pSend;
  aRecv[nRecv].op = GRPC_OP_RECV_MESSAGE;
  aRecv[nRecv++].data.recv_message.recv_message = &s->pRecv;
  if (grpc_call_start_batch(s->call, aSend, nSend, aSend, 0) != GRPC_CALL_OK) {
    s->bBroken = 1;
    return tikv_error(pzErr, TITO_UNAVAILABLE, "%s: cannot send on stream",
                      s->zAddr);
  }
  s->nPending++;
  if (grpc_call_start_batch(s->call, aRecv, nRecv, aRecv, 0) != GRPC_CALL_OK) {
    s->bBroken = 1;
    return tikv_error(pzErr, TITO_UNAVAILABLE, "%s: cannot receive on stream",
                      s->zAddr);
  }
  s->nPending++;
  w = stream_wait(s, deadline_in(msTimeout));
  if (w == 1) {
    s->bBroken = 1;
    return tikv_error(pzErr, TITO_UNAVAILABLE,
                      "%s: no stream response within %d ms (deadline)",
                      s->zAddr, msTimeout);
  }
  if (w != 0 || s->bBroken || !s->pRecv) {
    s->bBroken = 1;
    return tikv_error(pzErr, TITO_UNAVAILABLE, "%s: stream closed by server",
                      s->zAddr);
  }
  rc = unpack_message(s->pRecv, respDesc, ppResp, s->zAddr, "stream", pzErr);
  grpc_byte_buffer_destroy(s->pRecv);
  s->pRecv = 0;
  if (rc != TITO_OK) s->bBroken = 1;
  return rc;
}

void tikv_stream_close(tikv_stream *s) {
  if (!s) return;
  /* Cancelling completes every pending batch; then drain the queue before
  ** freeing what those batches point to. */
  grpc_call_cancel(s->call, 0);
  stream_wait(s, gpr_inf_future(GPR_CLOCK_REALTIME));
  grpc_call_unref(s->call);
  grpc_completion_queue_shutdown(s->cq);
  for (;;) {
    grpc_event ev = grpc_completion_queue_next(
        s->cq, gpr_inf_future(GPR_CLOCK_REALTIME), 0);
    if (ev.type == GRPC_QUEUE_SHUTDOWN) break;
  }
  grpc_completion_queue_destroy(s->cq);
  if (s->pSend) grpc_byte_buffer_destroy(s->pSend);
  if (s->pRecv) grpc_byte_buffer_destroy(s->pRecv);
  grpc_metadata_array_destroy(&s->mdInitial);
  free(s->zAddr);
  free(s);
}

char *tikv_url_to_target(const char *zUrl) {
  const char *z = zUrl;
  size_t n;
  char *zOut;
  while (*z == ' ') z++;
  if (strncmp(z, "http://", 7) == 0) z += 7;
  else if (strncmp(z, "https://", 8) == 0) z += 8;
  n = strlen(z);
  while (n > 0 && (z[n - 1] == '/' || z[n - 1] == ' ')) n--;
  zOut = malloc(n + 1);
  if (zOut) {
    memcpy(zOut, z, n);
    zOut[n] = 0;
  }
  return zOut;
}
