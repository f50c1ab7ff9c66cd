/*
** test_rowcodec.c: unit tests of the row codec (src/rowcodec.c).
**
** Exact bytes of the documented layout, round-trips of edge and random
** rows (types kept exactly, doubles bit for bit), short and long rows,
** and malformed input: truncations, trailing bytes and random bytes in
** exactly-sized heap blocks (so `make test SAN=1` catches any over-read).
*/
#include <sqlite3.h>
#include <math.h>
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "buf.h"
#include "kv.h"
#include "rowcodec.h"

static tito_value vNull(void) {
  tito_value v = {SQLITE_NULL, 0, 0, 0, 0};
  return v;
}
static tito_value vInt(int64_t i) {
  tito_value v = {SQLITE_INTEGER, 0, i, 0, 0};
  return v;
}
static tito_value vReal(double r) {
  tito_value v = {SQLITE_FLOAT, 0, 0, r, 0};
  return v;
}
static tito_value vBytes(int eType, const void *z, int n) {
  tito_value v = {eType, n, 0, 0, (const uint8_t *)z};
  return v;
}

/* Same type and same value (doubles compared bit for bit). */
static int sameExact(const tito_value *a, const tito_value *b) {
  if (a->eType != b->eType) return 0;
  switch (a->eType) {
    case SQLITE_NULL: return 1;
    case SQLITE_INTEGER: return a->i == b->i;
    case SQLITE_FLOAT: return memcmp(&a->r, &b->r, 8) == 0;
    default:
      return a->n == b->n && (a->n == 0 || memcmp(a->z, b->z, a->n) == 0);
  }
}

static uint64_t rngState = 0x243F6A8885A308D3ULL;
static uint64_t rnd(void) {
  uint64_t x = rngState;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rngState = x;
  return x * 0x2545F4914F6CDD1DULL;
}
static int rndN(int n) { return (int)(rnd() % (uint64_t)n); }

/* Copy b's bytes into an exactly-sized heap block (ASan sees overruns). */
static uint8_t *exactCopy(const uint8_t *a, int n) {
  uint8_t *p = malloc(n ? n : 1);
  if (n) memcpy(p, a, n);
  return p;
}

/* Check the encoding of row aVal[0..n) equals hex string zHex. */
static int rowIs(int n, const tito_value *aVal, const char *zHex) {
  tito_buf b = TITO_BUF_INIT;
  uint8_t a[128];
  int m = 0, ok;
  tito_row_encode(&b, n, aVal);
  while (zHex[0] && zHex[1]) {
    if (zHex[0] == ' ') {
      zHex++;
      continue;
    }
    a[m++] = (uint8_t)strtol((char[]){zHex[0], zHex[1], 0}, 0, 16);
    zHex += 2;
  }
  ok = b.rc == TITO_OK && b.n == m && memcmp(b.a, a, m) == 0;
  if (!ok) {
    int i;
    printf("# got:");
    for (i = 0; i < b.n; i++) printf(" %02X", b.a[i]);
    printf("\n");
  }
  tito_buf_free(&b);
  return ok;
}

static void test_layout(void) {
  tito_value r1[] = {vNull(), vInt(0), vInt(1), vInt(-1), vInt(127),
                     vInt(128), vInt(-129)};
  tito_value r2[] = {vReal(1.0), vBytes(SQLITE_TEXT, "ab", 2),
                     vBytes(SQLITE_BLOB, "\0", 1), vBytes(SQLITE_TEXT, "", 0),
                     vBytes(SQLITE_BLOB, "", 0)};
  tito_value r3[] = {vInt(INT64_MIN), vInt(INT64_MAX)};
  CHECK(rowIs(0, 0, "00"));
  CHECK(rowIs(7, r1, "07 00 01 02 03FF 037F 040080 04FF7F"));
  CHECK(rowIs(5, r2, "05 0B3FF0000000000000 106162 0F00 0C 0D"));
  CHECK(rowIs(2, r3, "02 0A8000000000000000 0A7FFFFFFFFFFFFFFF"));
  /* a 64-byte TEXT: header 12 + 128 = 140 = varint 8C 01 */
  {
    char z[64];
    tito_value v;
    tito_buf b = TITO_BUF_INIT;
    memset(z, 'x', 64);
    v = vBytes(SQLITE_TEXT, z, 64);
    tito_row_encode(&b, 1, &v);
    CHECK(b.n == 67 && b.a[0] == 1 && b.a[1] == 0x8C && b.a[2] == 0x01);
    tito_buf_free(&b);
  }
  check_group("row layout: exact bytes of the documented encoding");
}

/* Encode, decode into exactly nCol slots, compare; also every truncation. */
static void roundTrip(int n, const tito_value *aVal) {
  tito_buf b = TITO_BUF_INIT;
  tito_value *aOut = malloc((n + 3) * sizeof(tito_value));
  uint8_t *p;
  int i, k;
  tito_row_encode(&b, n, aVal);
  CHECK(b.rc == TITO_OK);
  p = exactCopy(b.a, b.n);
  CHECK(tito_row_decode(p, b.n, n, aOut) == TITO_OK);
  for (i = 0; i < n; i++) {
    CHECK(sameExact(&aVal[i], &aOut[i]));
    if (aOut[i].eType == SQLITE_TEXT || aOut[i].eType == SQLITE_BLOB)
      CHECK(aOut[i].z >= p && aOut[i].z + aOut[i].n <= p + b.n);
  }
  /* More columns wanted than stored: NULLs. Fewer: the rest ignored. */
  CHECK(tito_row_decode(p, b.n, n + 3, aOut) == TITO_OK);
  for (i = n; i < n + 3; i++) CHECK(aOut[i].eType == SQLITE_NULL);
  if (n > 0) {
    CHECK(tito_row_decode(p, b.n, n - 1, aOut) == TITO_OK);
    for (i = 0; i < n - 1; i++) CHECK(sameExact(&aVal[i], &aOut[i]));
  }
  free(p);
  /* Every proper prefix is rejected (long rows: the first and last 300
  ** and a random sample), and so is a trailing byte. */
  for (k = 0; k < b.n; k++) {
    if (k == 300 && b.n > 1000) k = b.n - 300;
    p = exactCopy(b.a, k);
    CHECK(tito_row_decode(p, k, n, aOut) == TITO_ERROR);
    free(p);
  }
  for (k = 0; b.n > 1000 && k < 200; k++) {
    int m = rndN(b.n);
    p = exactCopy(b.a, m);
    CHECK(tito_row_decode(p, m, n, aOut) == TITO_ERROR);
    free(p);
  }
  tito_buf_append_byte(&b, 0);
  p = exactCopy(b.a, b.n);
  CHECK(tito_row_decode(p, b.n, n, aOut) == TITO_ERROR);
  free(p);
  tito_buf_free(&b);
  free(aOut);
}

static void test_edges(void) {
  static char zBig[70000];
  int64_t ai[] = {0, 1, -1, 2, 127, 128, -128, -129, 255, 256, 32767, 32768,
                  -32768, -32769, 8388607, 8388608, -8388608, -8388609,
                  INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1,
                  (int64_t)INT32_MIN - 1, ((int64_t)1 << 39) - 1,
                  (int64_t)1 << 39, -((int64_t)1 << 39),
                  -((int64_t)1 << 39) - 1, ((int64_t)1 << 47) - 1,
                  (int64_t)1 << 47, ((int64_t)1 << 55) - 1, (int64_t)1 << 55,
                  -((int64_t)1 << 55) - 1, INT64_MAX, INT64_MIN,
                  INT64_MAX - 1, INT64_MIN + 1};
  double ar[] = {0.0, -0.0, 1.0, -1.0, 3.0, 1.5, -1.5, 1e308, -1e308,
                 DBL_MAX, DBL_MIN, 4.9e-324, INFINITY, -INFINITY, NAN,
                 9223372036854775808.0, 0.1};
  tito_value row[80];
  int n = 0, i, lens[] = {0, 1, 57, 58, 59, 8185, 8186, 70000};
  memset(zBig, 'q', sizeof(zBig));
  zBig[5] = 0;
  for (i = 0; i < (int)(sizeof(ai) / sizeof(ai[0])); i++)
    row[n++] = vInt(ai[i]);
  for (i = 0; i < (int)(sizeof(ar) / sizeof(ar[0])); i++)
    row[n++] = vReal(ar[i]);
  row[n++] = vNull();
  for (i = 0; i < (int)(sizeof(lens) / sizeof(lens[0])); i++) {
    row[n++] = vBytes(SQLITE_TEXT, zBig, lens[i]);
    row[n++] = vBytes(SQLITE_BLOB, zBig, lens[i]);
  }
  /* Each value alone, then all together. */
  for (i = 0; i < n; i++) roundTrip(1, &row[i]);
  roundTrip(n, row);
  roundTrip(0, row);
  /* 3 and 3.0, '' and x'' stay distinct. */
  {
    tito_value a[] = {vInt(3), vReal(3.0), vBytes(SQLITE_TEXT, "", 0),
                      vBytes(SQLITE_BLOB, "", 0)};
    tito_value o[4];
    tito_buf b = TITO_BUF_INIT;
    tito_row_encode(&b, 4, a);
    CHECK(tito_row_decode(b.a, b.n, 4, o) == TITO_OK);
    CHECK(o[0].eType == SQLITE_INTEGER && o[1].eType == SQLITE_FLOAT);
    CHECK(o[2].eType == SQLITE_TEXT && o[3].eType == SQLITE_BLOB);
    tito_buf_free(&b);
  }
  /* Appending to a non-empty buffer keeps what was there. */
  {
    tito_buf b = TITO_BUF_INIT;
    tito_value o[3];
    tito_buf_append(&b, "pfx", 3);
    tito_row_encode(&b, 3, row);
    CHECK(memcmp(b.a, "pfx", 3) == 0);
    CHECK(tito_row_decode(b.a + 3, b.n - 3, 3, o) == TITO_OK);
    CHECK(sameExact(&o[2], &row[2]));
    tito_buf_free(&b);
  }
  check_group("row edge values round-trip exactly; truncations rejected");
}

/* A random value; TEXT/BLOB bytes come from pool. */
static tito_value rndValue(const uint8_t *pool, int nPool) {
  uint64_t b;
  double r;
  int n;
  switch (rndN(6)) {
    case 0: return vNull();
    case 1: return vInt((int64_t)(rnd() >> rndN(64)) * (rndN(2) ? 1 : -1));
    case 2: return vInt(rndN(5) - 2);
    case 3:
      b = rnd();
      memcpy(&r, &b, 8);
      return vReal(r); /* any bits, NaNs included: kept bit for bit */
    default:
      n = rndN(10) == 0 ? rndN(nPool) : rndN(70);
      return vBytes(rndN(2) ? SQLITE_TEXT : SQLITE_BLOB,
                    pool + rndN(nPool - n + 1), n);
  }
}

static void test_random(void) {
  static uint8_t pool[20000];
  tito_value row[40];
  int iter, i;
  for (i = 0; i < (int)sizeof(pool); i++) pool[i] = (uint8_t)rnd();
  for (iter = 0; iter < 3000; iter++) {
    int n = rndN(40);
    for (i = 0; i < n; i++) row[i] = rndValue(pool, sizeof(pool));
    roundTrip(n, row);
  }
  check_group("row random rows round-trip exactly");
}

/*
** Random bytes, and random mutations of valid rows, decoded from
** exactly-sized blocks: never crashes or over-reads; whatever is accepted
** points inside the input and re-encodes to a row that decodes the same.
*/
static void test_malformed(void) {
  static uint8_t pool[300];
  tito_value row[12], out[16], out2[16];
  int iter, i, nOk = 0, nBad = 0;
  for (i = 0; i < (int)sizeof(pool); i++) pool[i] = (uint8_t)rnd();
  for (iter = 0; iter < 200000; iter++) {
    tito_buf b = TITO_BUF_INIT;
    uint8_t *p;
    int n, nCol = rndN(16), rc;
    if (rndN(2)) {
      n = rndN(24);
      for (i = 0; i < n; i++)
        tito_buf_append_byte(&b, rndN(2) ? (uint8_t)rndN(16) : (uint8_t)rnd());
    } else {
      int m = rndN(12);
      for (i = 0; i < m; i++) row[i] = rndValue(pool, sizeof(pool));
      tito_row_encode(&b, m, row);
      for (i = rndN(4); i > 0 && b.n > 0; i--)
        b.a[rndN(b.n)] = rndN(2) ? (uint8_t)rnd() : (uint8_t)rndN(16);
      if (rndN(4) == 0 && b.n > 0) b.n = rndN(b.n);
    }
    n = b.n;
    p = exactCopy(b.a, n);
    rc = tito_row_decode(p, n, nCol, out);
    CHECK(rc == TITO_OK || rc == TITO_ERROR);
    if (rc == TITO_OK) {
      tito_buf r = TITO_BUF_INIT;
      nOk++;
      for (i = 0; i < nCol; i++) {
        if (out[i].eType == SQLITE_TEXT || out[i].eType == SQLITE_BLOB)
          CHECK(out[i].n >= 0 && (out[i].n == 0 ||
                (out[i].z >= p && out[i].z + out[i].n <= p + n)));
        else
          CHECK(out[i].eType >= SQLITE_INTEGER &&
                out[i].eType <= SQLITE_NULL);
      }
      tito_row_encode(&r, nCol, out);
      CHECK(tito_row_decode(r.a, r.n, nCol, out2) == TITO_OK);
      for (i = 0; i < nCol; i++) CHECK(sameExact(&out[i], &out2[i]));
      tito_buf_free(&r);
    } else {
      nBad++;
    }
    free(p);
    tito_buf_free(&b);
  }
  CHECK(nOk > 1000 && nBad > 1000); /* both paths were exercised */
  /* Hand-made bad rows. */
  {
    static const struct { const char *z; int n; } bad[] = {
      {"", 0},                        /* empty */
      {"\x01", 1},                    /* count 1, no value */
      {"\x80", 1},                    /* truncated varint */
      {"\x01\x0B\x00", 3},            /* REAL with 1 of 8 bytes */
      {"\x01\x0A\x00\x00", 4},        /* 8-byte INTEGER with 2 */
      {"\x01\x14\x61", 3},            /* TEXT of 4 with 1 byte */
      {"\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11}, /* huge len */
      {"\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 11}, /* > 64 bits */
      {"\xff\xff\xff\xff\x0f\x00", 6}, /* count way past the bytes */
      {"\x01\x00\x00", 3},            /* trailing byte */
    };
    for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
      uint8_t *p = exactCopy((const uint8_t *)bad[i].z, bad[i].n);
      if (tito_row_decode(p, bad[i].n, 4, out) != TITO_ERROR) {
        CHECK(0);
        printf("# bad row %d accepted\n", i);
      }
      free(p);
    }
    CHECK(tito_row_decode(0, 0, 1, out) == TITO_ERROR);
  }
  check_group("row malformed input rejected without over-reads");
}

/* Decoding into mapped slots (an index entry's INCLUDE columns straight
** into their columns): value i lands in aiTo[i], slots not named keep what
** they held, values past nCol are read and dropped, missing ones are NULL. */
static void test_decode_to(void) {
  tito_value aIn[3], aOut[6];
  tito_buf b = TITO_BUF_INIT;
  static const int aiTo[4] = {4, 1, 3, 0};
  int i;
  aIn[0] = vInt(7);
  aIn[1] = vBytes(SQLITE_TEXT, "ab", 2);
  aIn[2] = vInt(-1);
  tito_row_encode(&b, 3, aIn);
  for (i = 0; i < 6; i++) aOut[i] = vInt(100 + i);
  CHECK(tito_row_decode_to(b.a, b.n, 2, aOut, aiTo) == TITO_OK);
  CHECK(sameExact(&aOut[4], &aIn[0]) && sameExact(&aOut[1], &aIn[1]));
  CHECK(aOut[0].i == 100 && aOut[2].i == 102 && aOut[3].i == 103 &&
        aOut[5].i == 105);
  CHECK(tito_row_decode_to(b.a, b.n, 4, aOut, aiTo) == TITO_OK);
  CHECK(sameExact(&aOut[3], &aIn[2]) && aOut[0].eType == SQLITE_NULL);
  CHECK(aOut[2].i == 102 && aOut[5].i == 105);
  CHECK(tito_row_decode_to(b.a, b.n - 1, 2, aOut, aiTo) == TITO_ERROR);
  tito_buf_free(&b);
  check_group("row decode into mapped slots");
}

int main(void) {
  test_layout();
  test_edges();
  test_random();
  test_malformed();
  test_decode_to();
  return check_exit();
}
