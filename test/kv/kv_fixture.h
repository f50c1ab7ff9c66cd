/*
** kv_fixture.h: what the KV conformance suite (kv_conformance.c) needs from
** a backend. The suite is built once per backend, linked with that
** backend's fixture: fixture_embedded.c (SQLite file database) and
** fixture_tikv.c (the fake cluster, or a real one named by TITO_TIKV_PD).
**
** The fixture plays the host: the embedded store commits with SQLite's own
** transaction, so kvf_host_begin/commit/rollback run BEGIN/COMMIT/ROLLBACK
** on the handle's connection, as the SQL layer's transaction would; for
** TiKV they do nothing (the store's xPrepare is the commit).
*/
#ifndef TITO_TEST_KV_FIXTURE_H
#define TITO_TEST_KV_FIXTURE_H

#include "kv.h"

typedef struct kv_fixture {
  const char *zName;    /* "embedded", "tikv" */
  const char *zSkip;    /* non-NULL: the whole suite is skipped, why */
  /* Capabilities (0 = the cases needing them are skipped, with a reason):
  ** bOptimistic: concurrent writers of one key both write, the second
  **   xPrepare fails with TITO_CONFLICT (the embedded store serialises
  **   writers with SQLite's locks instead);
  ** bOwnSnapshot: a handle's open transaction or read bracket keeps
  **   reading its snapshot while another handle commits (the embedded
  **   store's snapshot is the host statement's, which the suite does not
  **   simulate);
  ** bHostCommitCanFail: kvf_block_host_commit makes the host's COMMIT
  **   fail and stay retryable (SQLITE_BUSY). */
  int bOptimistic;
  int bOwnSnapshot;
  int bHostCommitCanFail;
} kv_fixture;

/* Set up the store (once). */
int kvf_setup(kv_fixture *pFix);
/* Tear it down: delete every key written under kvf_prefix(). Returns 0 if
** the store is left without a key of the run. */
int kvf_teardown(void);
/* A new handle on the shared store (several may be open). */
tito_kv *kvf_open(void);
void kvf_close(tito_kv *);
/* The run's key prefix: every key the suite writes starts with it, and
** kvf_prefix_end() is above all of them. */
const char *kvf_prefix(void);
const char *kvf_prefix_end(void);
/* The host transaction around a store transaction (see above). 0 = ok. */
int kvf_host_begin(tito_kv *);
int kvf_host_commit(tito_kv *);
void kvf_host_rollback(tito_kv *);
/* bHostCommitCanFail: while on, a host COMMIT fails (and may be retried
** once it is off). */
int kvf_block_host_commit(int bOn);

#endif /* TITO_TEST_KV_FIXTURE_H */
