/*
** fixture_tikv.c: the KV conformance suite's fixture for the TiKV store,
** against the cluster named by TITO_TIKV_PD (the fake one of
** test/tikv/client_test.sh, or a real shared one). Keys live under the
** run's own prefix (test/tikv/testkeys.h), deleted at teardown; the host
** transaction is nothing (xPrepare is the commit).
*/
#include "kv_fixture.h"
#include "kv_tikv.h"
#include "testkeys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tikv_config cfg;
static tikv_client *pClient; /* for the cleanup */

int kvf_setup(kv_fixture *pFix) {
  memset(pFix, 0, sizeof(*pFix));
  pFix->zName = "tikv";
  pFix->bOptimistic = 1;
  pFix->bOwnSnapshot = 1;
  const char *zPd = getenv("TITO_TIKV_PD");
  if (!zPd || !zPd[0]) {
    pFix->zSkip = "TITO_TIKV_PD is not set (run through make test)";
    return 0;
  }
  memset(&cfg, 0, sizeof cfg);
  cfg.zPdEndpoints = zPd;
  cfg.msMaxBackoff = 5000;
  char *zErr = NULL;
  if (tikv_client_open(&cfg, &pClient, &zErr) != TITO_OK) {
    printf("# tikv client open: %s\n", zErr ? zErr : "?");
    free(zErr);
    return 1;
  }
  return tk_init("kvconf");
}

int kvf_teardown(void) {
  if (!pClient) return 0;
  int rc = tk_cleanup(pClient) >= 0 && tk_is_empty(pClient) ? 0 : 1;
  tikv_client_close(pClient);
  pClient = NULL;
  return rc;
}

tito_kv *kvf_open(void) {
  tito_kv *p = NULL;
  char *zErr = NULL;
  if (tito_kv_tikv_open(&cfg, &p, &zErr) != TITO_OK) {
    printf("# open: %s\n", zErr ? zErr : "?");
    free(zErr);
    return NULL;
  }
  return p;
}

void kvf_close(tito_kv *p) {
  if (p) p->pMethods->xClose(p);
}

const char *kvf_prefix(void) { return tk_zPrefix; }
const char *kvf_prefix_end(void) { return tk_zEnd; }

int kvf_host_begin(tito_kv *p) {
  (void)p;
  return 0;
}

int kvf_host_commit(tito_kv *p) {
  (void)p;
  return 0;
}

void kvf_host_rollback(tito_kv *p) { (void)p; }

int kvf_block_host_commit(int bOn) {
  (void)bOn;
  return 1;
}
