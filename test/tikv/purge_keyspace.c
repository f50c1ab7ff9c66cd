/*
** purge_keyspace.c: removes every key of the keyspaces whose name starts
** with a given prefix, from a TiKV cluster (a test run's leftovers: each
** test uses keyspaces "<run prefix>..." and purges them at the end, so
** nothing is left on a shared real cluster).
**
**   purge_keyspace PD_ENDPOINTS NAME_PREFIX
**
** A keyspace's keys start with its name as a key-codec TEXT field
** (src/kv_keyspace.h): 0x25, the name's bytes, 00 00; so every keyspace
** named NAME_PREFIX... lives in [25 NAME_PREFIX, 25 NAME_PREFIX + 1).
** Prints the number of keys removed. Exit status 0 on success.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kv_tikv.h"

int main(int argc, char **argv) {
  tikv_config cfg;
  tito_kv *pKv = NULL;
  char *zErr = NULL;
  unsigned char lo[512], hi[512];
  size_t n;
  int rc;
  if (argc != 3 || strlen(argv[2]) == 0 || strlen(argv[2]) > 500) {
    fprintf(stderr, "usage: purge_keyspace PD_ENDPOINTS NAME_PREFIX\n");
    return 2;
  }
  n = strlen(argv[2]);
  lo[0] = 0x25;
  memcpy(lo + 1, argv[2], n);
  memcpy(hi, lo, n + 1);
  hi[n]++; /* the name prefix's last byte + 1: past every such name */
  memset(&cfg, 0, sizeof(cfg));
  cfg.zPdEndpoints = argv[1];
  rc = tito_kv_tikv_open(&cfg, &pKv, &zErr);
  if (rc != TITO_OK) {
    fprintf(stderr, "purge_keyspace: %s\n", zErr ? zErr : "cannot open");
    return 1;
  }
  rc = pKv->pMethods->xBegin(pKv);
  if (rc == TITO_OK) {
    rc = pKv->pMethods->xDeleteRange(pKv, lo, (int)n + 1, hi, (int)n + 1);
  }
  if (rc == TITO_OK) rc = pKv->pMethods->xPrepare(pKv);
  if (rc != TITO_OK) {
    fprintf(stderr, "purge_keyspace: %s\n", pKv->pMethods->xErrmsg(pKv));
    pKv->pMethods->xRollback(pKv);
  } else {
    pKv->pMethods->xCommit(pKv);
  }
  pKv->pMethods->xClose(pKv);
  free(zErr);
  return rc == TITO_OK ? 0 : 1;
}
