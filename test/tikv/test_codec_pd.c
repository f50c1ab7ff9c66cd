/*
** test_codec_pd.c: server-less tests of the TiKV client's pure parts: the
** memcomparable boundary codec (protocol sheet 4.1 examples), the region
** cache (sorted lookup, overlap replacement on split/merge, leader
** updates, lookups for reverse scans), backoff budgets, stats counters,
** URL handling and the error helper.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"
#include "client.h"
#include "grpc_conn.h"
#include "mcodec.h"
#include "region_cache.h"
#include "region_call.h"
#include "stats.h"

/* Hex string -> bytes (test helper). */
static size_t unhex(const char *z, uint8_t *out) {
  size_t n = 0;
  while (z[0] && z[1]) {
    if (z[0] == ' ') {
      z++;
      continue;
    }
    unsigned v;
    sscanf(z, "%2x", &v);
    out[n++] = (uint8_t)v;
    z += 2;
  }
  return n;
}

static int enc_is(const char *zKey, size_t nKey, const char *zHex) {
  uint8_t want[64], got[64];
  size_t nWant = unhex(zHex, want);
  size_t nGot = tikv_mc_encode((const uint8_t *)zKey, nKey, got);
  return nGot == nWant && memcmp(got, want, nGot) == 0 &&
         nGot == TIKV_MC_ENCODED_LEN(nKey);
}

static void test_codec(void) {
  /* The sheet's worked examples. */
  CHECK(enc_is("", 0, "00 00 00 00 00 00 00 00 F7"));
  CHECK(enc_is("abc", 3, "61 62 63 00 00 00 00 00 FA"));
  CHECK(enc_is("abc\0", 4, "61 62 63 00 00 00 00 00 FB"));
  CHECK(enc_is("abcdefgh", 8,
               "61 62 63 64 65 66 67 68 FF 00 00 00 00 00 00 00 00 F7"));
  CHECK(enc_is("abcdefghi", 9,
               "61 62 63 64 65 66 67 68 FF 69 00 00 00 00 00 00 00 F8"));
  check_group("mcodec encodes the sheet's examples");

  /* Round trips and order preservation over assorted keys. */
  const char *az[] = {"", "\0", "a", "a\0", "a\0\0", "ab", "abcdefg",
                      "abcdefgh", "abcdefgh\0", "abcdefghi", "b", "\xff",
                      "\xff\xff\xff\xff\xff\xff\xff\xff\xff"};
  size_t an[] = {0, 1, 1, 2, 3, 2, 7, 8, 9, 9, 1, 1, 9};
  int nk = (int)(sizeof(an) / sizeof(an[0]));
  for (int i = 0; i < nk; i++) {
    uint8_t enc[64], *dec = 0;
    size_t ne = tikv_mc_encode((const uint8_t *)az[i], an[i], enc), nd = 9;
    CHECK(tikv_mc_decode(enc, ne, &dec, &nd) == 0);
    CHECK(nd == an[i] && (nd == 0 || memcmp(dec, az[i], nd) == 0));
    free(dec);
    for (int j = 0; j < nk; j++) {
      uint8_t enc2[64];
      size_t ne2 = tikv_mc_encode((const uint8_t *)az[j], an[j], enc2);
      size_t m1 = an[i] < an[j] ? an[i] : an[j];
      int cRaw = memcmp(az[i], az[j], m1);
      if (!cRaw) cRaw = an[i] < an[j] ? -1 : an[i] > an[j];
      size_t m2 = ne < ne2 ? ne : ne2;
      int cEnc = memcmp(enc, enc2, m2);
      if (!cEnc) cEnc = ne < ne2 ? -1 : ne > ne2;
      CHECK((cRaw < 0) == (cEnc < 0) && (cRaw == 0) == (cEnc == 0));
    }
  }
  check_group("mcodec round trip and order preservation");

  uint8_t bad[32], *dec = 0;
  size_t nd;
  size_t nb = unhex("61 62 63 00 00 00 00 00", bad); /* truncated */
  CHECK(tikv_mc_decode(bad, nb, &dec, &nd) == 1 && dec == 0);
  nb = unhex("61 62 63 00 00 00 00 01 FA", bad); /* non-zero pad */
  CHECK(tikv_mc_decode(bad, nb, &dec, &nd) == 1);
  nb = unhex("61 62 63 00 00 00 00 00 F0", bad); /* pad > 8 */
  CHECK(tikv_mc_decode(bad, nb, &dec, &nd) == 1);
  nb = unhex("61 62 63 64 65 66 67 68 FF", bad); /* no final group */
  CHECK(tikv_mc_decode(bad, nb, &dec, &nd) == 1);
  /* Trailing bytes after the terminating group are ignored (client-go). */
  nb = unhex("61 62 63 00 00 00 00 00 FA 00 00 00 00 00 00 00 01", bad);
  CHECK(tikv_mc_decode(bad, nb, &dec, &nd) == 0 && nd == 3 &&
        memcmp(dec, "abc", 3) == 0);
  free(dec);
  check_group("mcodec rejects malformed boundaries");
}

/* Build a metapb.Region with ENCODED bounds from raw strings (NULL =
** unbounded) and peers on stores 1..nPeer (peer id = id*10 + store). */
typedef struct fake_region {
  Metapb__Region r;
  Metapb__RegionEpoch ep;
  Metapb__Peer aPeer[3];
  Metapb__Peer *apPeer[3];
  uint8_t s[64], e[64];
} fake_region;

static Metapb__Region *mk(fake_region *f, uint64_t id, uint64_t ver,
                          const char *zStart, const char *zEnd, int nPeer) {
  metapb__region__init(&f->r);
  metapb__region_epoch__init(&f->ep);
  f->r.id = id;
  f->ep.version = ver;
  f->ep.conf_ver = 1;
  f->r.region_epoch = &f->ep;
  if (zStart) {
    f->r.start_key.data = f->s;
    f->r.start_key.len = tikv_mc_encode((const uint8_t *)zStart,
                                        strlen(zStart), f->s);
  }
  if (zEnd) {
    f->r.end_key.data = f->e;
    f->r.end_key.len = tikv_mc_encode((const uint8_t *)zEnd, strlen(zEnd),
                                      f->e);
  }
  for (int i = 0; i < nPeer; i++) {
    metapb__peer__init(&f->aPeer[i]);
    f->aPeer[i].id = id * 10 + (uint64_t)i + 1;
    f->aPeer[i].store_id = (uint64_t)i + 1;
    f->apPeer[i] = &f->aPeer[i];
  }
  f->r.n_peers = (size_t)nPeer;
  f->r.peers = f->apPeer;
  return &f->r;
}

/* Region id found for key z, or 0 on a miss. */
static uint64_t find(tikv_region_cache *c, const char *z) {
  tikv_region r;
  memset(&r, 0, sizeof(r));
  if (tikv_rc_lookup(c, (const uint8_t *)z, strlen(z), &r) != 1) return 0;
  uint64_t id = r.id;
  tikv_region_clear(&r);
  return id;
}

static void test_cache(void) {
  tikv_region_cache *c = 0;
  fake_region f;
  tikv_region r;
  char *zErr = 0;
  memset(&r, 0, sizeof(r));
  CHECK(tikv_rc_new(&c) == TITO_OK);
  /* Three regions: (-inf, "g"), ["g", "p"), ["p", +inf). */
  CHECK(tikv_rc_insert(c, mk(&f, 1, 1, 0, "g", 3), 11, 1, 0, &zErr) == 0);
  CHECK(tikv_rc_insert(c, mk(&f, 3, 1, "p", 0, 3), 32, 2, &r, &zErr) == 0);
  CHECK(r.id == 3 && r.n_start == 1 && r.start_key[0] == 'p' &&
        r.n_end == 0 && r.leader_peer_id == 32 && r.leader_store_id == 2);
  tikv_region_clear(&r);
  CHECK(tikv_rc_insert(c, mk(&f, 2, 1, "g", "p", 3), 0, 0, 0, &zErr) == 0);
  CHECK(tikv_rc_count(c) == 3);
  CHECK(find(c, "") == 1 && find(c, "a") == 1 && find(c, "f\xff\xff") == 1);
  CHECK(find(c, "g") == 2 && find(c, "o") == 2 && find(c, "p") == 3);
  CHECK(find(c, "zzzz") == 3);
  check_group("region cache: lookup by raw key across decoded boundaries");

  /* A split of region 2 at "k" (version 2): the new halves replace it. */
  CHECK(tikv_rc_insert(c, mk(&f, 2, 2, "g", "k", 3), 0, 0, 0, &zErr) == 0);
  CHECK(tikv_rc_count(c) == 3);
  CHECK(find(c, "g") == 2 && find(c, "j") == 2 && find(c, "k") == 0);
  CHECK(tikv_rc_insert(c, mk(&f, 4, 2, "k", "p", 3), 0, 0, 0, &zErr) == 0);
  CHECK(find(c, "k") == 4 && find(c, "o") == 4 && tikv_rc_count(c) == 4);
  /* A merge of 2 and 4 back into one region drops both. */
  CHECK(tikv_rc_insert(c, mk(&f, 2, 3, "g", "p", 3), 0, 0, 0, &zErr) == 0);
  CHECK(find(c, "k") == 2 && tikv_rc_count(c) == 3);
  check_group("region cache: split and merge replace overlapping entries");

  /* Leader updates and invalidation. */
  CHECK(tikv_rc_set_leader(c, 2, 23, 3) == 1);
  CHECK(tikv_rc_lookup(c, (const uint8_t *)"h", 1, &r) == 1 &&
        r.leader_peer_id == 23 && r.leader_store_id == 3);
  tikv_region_clear(&r);
  CHECK(tikv_rc_set_leader(c, 2, 99, 9) == 0); /* not a peer of region 2 */
  uint64_t pid = 0, sid = 0;
  CHECK(tikv_rc_pick_peer(c, 2, 1, &pid, &sid) == 1 && sid == 2 && pid == 22);
  CHECK(tikv_rc_peer_on_store(c, 3, 3, &pid) == 1 && pid == 33);
  tikv_rc_invalidate(c, 2);
  CHECK(find(c, "h") == 0 && tikv_rc_count(c) == 2);
  CHECK(tikv_rc_pick_peer(c, 2, 0, &pid, &sid) == 0);
  check_group("region cache: leader update, peer choice, invalidation");

  /* Reverse-scan helpers. */
  CHECK(tikv_rc_insert(c, mk(&f, 2, 3, "g", "p", 3), 0, 0, 0, &zErr) == 0);
  CHECK(tikv_rc_lookup_ending_at(c, (const uint8_t *)"p", 1, &r) == 1 &&
        r.id == 2);
  tikv_region_clear(&r);
  CHECK(tikv_rc_lookup_ending_at(c, (const uint8_t *)"g", 1, &r) == 1 &&
        r.id == 1);
  tikv_region_clear(&r);
  CHECK(tikv_rc_lookup_ending_at(c, (const uint8_t *)"h", 1, &r) == 0);
  CHECK(tikv_rc_lookup_ending_at(c, 0, 0, &r) == 1 && r.id == 3);
  tikv_region_clear(&r);
  CHECK(tikv_rc_lookup_last(c, &r) == 1 && r.id == 3);
  CHECK(tikv_region_contains(&r, (const uint8_t *)"p", 1) &&
        !tikv_region_contains(&r, (const uint8_t *)"o", 1));
  tikv_region_clear(&r);
  check_group("region cache: region ending at a key, last region");

  /* An undecodable boundary is refused with a message. */
  Metapb__Region *m = mk(&f, 9, 1, "x", 0, 1);
  m->start_key.len = 5;
  CHECK(tikv_rc_insert(c, m, 0, 0, 0, &zErr) == TITO_ERROR && zErr &&
        strstr(zErr, "memcomparable"));
  CHECK(find(c, "x") == 3);
  free(zErr);
  zErr = 0;

  /* Store addresses. */
  CHECK(tikv_rc_store_set(c, 1, "127.0.0.1:20160") == TITO_OK);
  CHECK(tikv_rc_store_set(c, 1, "127.0.0.1:20161") == TITO_OK);
  char *z = tikv_rc_store_addr(c, 1);
  CHECK(z && strcmp(z, "127.0.0.1:20161") == 0);
  free(z);
  tikv_rc_store_drop(c, 1);
  CHECK(tikv_rc_store_addr(c, 1) == 0);
  check_group("region cache: bad boundaries refused, store addresses");
  tikv_rc_free(c);
}

static int64_t ms_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_backoff(void) {
  tikv_backoff bo;
  char *zErr = 0;
  int rc = TITO_OK, n = 0;
  int64_t t0 = ms_now();
  tikv_stats_reset();
  tikv_backoff_init_budget(&bo, 0, 60);
  snprintf(bo.zLast, sizeof(bo.zLast), "store 7 at 10.0.0.1:20160: down");
  while (rc == TITO_OK && n < 100) {
    rc = tikv_backoff_sleep(&bo, TIKV_BO_TIKV_RPC, &zErr);
    n++;
  }
  int64_t dt = ms_now() - t0;
  CHECK(rc == TITO_UNAVAILABLE);
  CHECK(n >= 2 && n < 10); /* 100 ms base: the 60 ms budget goes fast */
  CHECK(bo.msSlept == 60 && dt >= 55 && dt < 1000);
  CHECK(zErr && strstr(zErr, "10.0.0.1:20160"));
  CHECK(tikv_stats_get(TIKV_STAT_BACKOFF_MS) == 60);
  free(zErr);
  zErr = 0;
  /* Exponential growth within one class, capped by msMax. */
  tikv_backoff_init_budget(&bo, 0, 10000);
  t0 = ms_now();
  for (int i = 0; i < 5; i++) tikv_backoff_sleep(&bo, TIKV_BO_REGION_MISS, 0);
  /* 2,4,8,16,32 ms with equal jitter: between 31 and 62 ms in total. */
  CHECK(bo.msSlept >= 31 && bo.msSlept <= 62);
  CHECK(bo.aAttempt[TIKV_BO_REGION_MISS] == 5);
  int before = bo.msSlept;
  tikv_backoff_sleep_max(&bo, TIKV_BO_SERVER_BUSY, 3, 0);
  CHECK(bo.msSlept - before == 3);
  CHECK(ms_now() - t0 >= bo.msSlept - 1);
  check_group("backoff: exponential classes, cap, budget exhaustion");
}

static void test_stats_misc(void) {
  tikv_stat_row a[TIKV_STATS_MAX_ROWS];
  int n, bFound = 0;
  tikv_stats_reset();
  tikv_stats_rpc("/tikvpb.Tikv/KvGet", 100);
  tikv_stats_rpc("KvGet", 50);
  tikv_stats_rpc("/pdpb.PD/Tso", 7);
  tikv_stats_rpc("/x.Y/Weird", 1);
  tikv_stats_add(TIKV_STAT_CACHE_HIT, 3);
  CHECK(tikv_stats_rpc_count("KvGet") == 2);
  CHECK(tikv_stats_rpc_count("/pdpb.PD/Tso") == 1);
  CHECK(tikv_stats_rpc_count("KvScan") == 0);
  CHECK(tikv_stats_get(TIKV_STAT_CACHE_HIT) == 3);
  n = tikv_stats_snapshot(a, TIKV_STATS_MAX_ROWS);
  CHECK(n == TIKV_STAT_NCOUNTER + 3);
  for (int i = 0; i < n; i++) {
    if (strcmp(a[i].zName, "rpc.KvGet") == 0) {
      bFound = a[i].n == 2 && a[i].us == 150;
    }
  }
  CHECK(bFound);
  CHECK(strcmp(tikv_stat_name(TIKV_STAT_CACHE_MISS), "region_cache_misses") == 0);
  tikv_stats_reset();
  CHECK(tikv_stats_rpc_count("KvGet") == 0 &&
        tikv_stats_get(TIKV_STAT_CACHE_HIT) == 0);
  check_group("stats: per-method RPC rows, counters, reset");

  char *z = tikv_url_to_target("http://10.0.0.1:2379/");
  CHECK(z && strcmp(z, "10.0.0.1:2379") == 0);
  free(z);
  z = tikv_url_to_target("https://pd.example:2379");
  CHECK(z && strcmp(z, "pd.example:2379") == 0);
  free(z);
  z = tikv_url_to_target("127.0.0.1:1");
  CHECK(z && strcmp(z, "127.0.0.1:1") == 0);
  free(z);
  char *zErr = 0;
  CHECK(tikv_error(&zErr, TITO_CONFLICT, "k=%d", 5) == TITO_CONFLICT);
  CHECK(zErr && strcmp(zErr, "k=5") == 0);
  CHECK(tikv_error(&zErr, TITO_ERROR, "again") == TITO_ERROR &&
        strcmp(zErr, "again") == 0);
  free(zErr);
  CHECK(tikv_error(0, TITO_ERROR, "ignored") == TITO_ERROR);
  CHECK(TIKV_TS_PHYSICAL(TIKV_TS_COMPOSE(1700000000000LL, 5)) ==
            1700000000000LL &&
        TIKV_TS_LOGICAL(TIKV_TS_COMPOSE(1700000000000LL, 5)) == 5);
  check_group("PD URL scheme stripping, error helper, TSO layout");
}

static void test_unreachable_pd(void) {
  /* Nothing listens on port 1: open fails with a message naming it. */
  tikv_config cfg;
  tikv_client *p = 0;
  char *zErr = 0;
  memset(&cfg, 0, sizeof(cfg));
  cfg.zPdEndpoints = "http://127.0.0.1:1";
  cfg.msTimeout = 500;
  int rc = tikv_client_open(&cfg, &p, &zErr);
  CHECK(rc == TITO_UNAVAILABLE && p == 0);
  CHECK(zErr && strstr(zErr, "127.0.0.1:1"));
  free(zErr);
  zErr = 0;
  cfg.zPdEndpoints = "";
  CHECK(tikv_client_open(&cfg, &p, &zErr) == TITO_ERROR && zErr);
  free(zErr);
  check_group("client open: unreachable PD gives TITO_UNAVAILABLE");
}

int main(void) {
  test_codec();
  test_cache();
  test_backoff();
  test_stats_misc();
  test_unreachable_pd();
  return check_exit();
}
