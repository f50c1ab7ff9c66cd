/*
** test_tls.c: the client over mutual TLS (run by tls_test.sh against
** tls_fake.py, with TITO_TIKV_PD and TITO_TLS_CA / TITO_TLS_CERT /
** TITO_TLS_KEY set). PD discovery, TSO and a KV read through the store
** channel must work with the right files, and fail cleanly without them.
*/
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "client.h"
#include "region_call.h"

static int open_with(const char *zPd, const char *zCa, const char *zCert,
                     const char *zKey, tikv_client **pp, char **pzErr) {
  tikv_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.zPdEndpoints = zPd;
  cfg.zCaFile = zCa;
  cfg.zCertFile = zCert;
  cfg.zKeyFile = zKey;
  cfg.msTimeout = 2000;
  cfg.msMaxBackoff = 2000;
  return tikv_client_open(&cfg, pp, pzErr);
}

int main(void) {
  const char *zPd = getenv("TITO_TIKV_PD"), *zCa = getenv("TITO_TLS_CA");
  const char *zCert = getenv("TITO_TLS_CERT"), *zKey = getenv("TITO_TLS_KEY");
  tikv_client *p = 0;
  char *zErr = 0;
  if (!zPd || !zCa || !zCert || !zKey) {
    printf("ok - TLS # skip TITO_TIKV_PD / TITO_TLS_* not set\n");
    return 0;
  }

  CHECK(open_with(zPd, zCa, zCert, zKey, &p, &zErr) == TITO_OK && p);
  if (zErr) printf("# %s\n", zErr);
  if (p) {
    uint64_t ts = 0;
    tikv_region r;
    Kvrpcpb__GetRequest req = KVRPCPB__GET_REQUEST__INIT;
    Kvrpcpb__Context ctx = KVRPCPB__CONTEXT__INIT;
    Kvrpcpb__GetResponse *resp = 0;
    tikv_backoff bo;
    CHECK(tikv_get_ts(p, &ts, &zErr) == TITO_OK && ts != 0);
    CHECK(tikv_locate(p, (const uint8_t *)"k", 1, &r, &zErr) == TITO_OK);
    req.context = &ctx;
    req.key.data = (uint8_t *)"k";
    req.key.len = 1;
    req.version = ts;
    tikv_backoff_init(&bo, p);
    int rc = tikv_send(p, &bo, &r, "/tikvpb.Tikv/KvGet", &req.base, &ctx,
                       &kvrpcpb__get_response__descriptor,
                       (ProtobufCMessage **)&resp, &zErr);
    CHECK(rc == TITO_OK && resp && resp->not_found && !resp->error);
    if (rc) printf("# %s\n", zErr ? zErr : "?");
    if (resp) protobuf_c_message_free_unpacked(&resp->base, 0);
    tikv_region_clear(&r);
    tikv_client_close(p);
  }
  check_group("TLS: PD, TSO stream and a store call over mutual TLS");

  p = 0;
  CHECK(open_with(zPd, 0, 0, 0, &p, &zErr) == TITO_UNAVAILABLE && !p);
  if (zErr) printf("# insecure: %s\n", zErr);
  CHECK(open_with(zPd, zCa, 0, 0, &p, &zErr) == TITO_UNAVAILABLE && !p);
  if (zErr) printf("# no client certificate: %s\n", zErr);
  CHECK(open_with(zPd, zCa, zCert, 0, &p, &zErr) == TITO_ERROR && !p);
  CHECK(open_with(zPd, "/nonexistent/ca.pem", zCert, zKey, &p, &zErr) ==
            TITO_ERROR &&
        zErr && strstr(zErr, "/nonexistent/ca.pem"));
  free(zErr);
  check_group("TLS: refused without a client certificate, bad files reported");
  return check_exit();
}
