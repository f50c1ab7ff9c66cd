/*
** fuzz_keycodec.c: the key codec's decoder (src/keycodec.c) on any bytes.
**
** Input: one mode byte (bit 0 DESC, bit 1 REAL affinity), then key bytes.
** The fields are decoded one after the other until one is invalid. Checked:
**   - no read outside the input (the sanitizers; the input is an exact-size
**     copy), no crash;
**   - tito_key_skip agrees with tito_key_decode on every field's length;
**   - a decoded field re-encodes to exactly the bytes it was read from (the
**     decoder accepts only what the encoder writes: one encoding per value);
**   - REAL affinity decodes the same number;
**   - order: for the first two decodable fields of the input, memcmp of
**     their encodings orders them as SQLite's own comparison does;
**   - tito_key_prefix_end gives a key above every key with that prefix.
*/
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "keycodec.h"
#include "kv.h"

#define FAIL(msg) fuzzFail(msg, __LINE__)
static void fuzzFail(const char *z, int line) {
  fprintf(stderr, "fuzz_keycodec: %s (line %d)\n", z, line);
  abort();
}

static sqlite3 *db;
static sqlite3_stmt *pCmp;

static void bindValue(sqlite3_stmt *s, int i, const tito_value *v) {
  switch (v->eType) {
    case SQLITE_INTEGER: sqlite3_bind_int64(s, i, v->i); break;
    case SQLITE_FLOAT: sqlite3_bind_double(s, i, v->r); break;
    case SQLITE_TEXT:
      sqlite3_bind_text(s, i, (const char *)(v->z ? v->z : (const uint8_t *)""),
                        v->n, SQLITE_TRANSIENT);
      break;
    case SQLITE_BLOB:
      sqlite3_bind_blob(s, i, v->z ? (const void *)v->z : (const void *)"",
                        v->n, SQLITE_TRANSIENT);
      break;
    default: sqlite3_bind_null(s, i); break;
  }
}

/* SQLite's ORDER BY order of a and b: -1, 0, 1. */
static int sqlCompare(const tito_value *a, const tito_value *b) {
  int r;
  if (db == NULL) {
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) FAIL("open");
    /* (a < b) - (a > b) under ORDER BY rules: NULLs equal, first. */
    if (sqlite3_prepare_v2(db,
                           "SELECT CASE WHEN ?1 IS NULL AND ?2 IS NULL THEN 0"
                           " WHEN ?1 IS NULL THEN -1 WHEN ?2 IS NULL THEN 1"
                           " WHEN ?1 < ?2 THEN -1 WHEN ?1 > ?2 THEN 1"
                           " ELSE 0 END",
                           -1, &pCmp, NULL) != SQLITE_OK) {
      FAIL("prepare");
    }
  }
  bindValue(pCmp, 1, a);
  bindValue(pCmp, 2, b);
  if (sqlite3_step(pCmp) != SQLITE_ROW) FAIL("step");
  r = sqlite3_column_int(pCmp, 0);
  sqlite3_reset(pCmp);
  return r;
}

static int bytesCmp(const uint8_t *a, int na, const uint8_t *b, int nb) {
  int c = memcmp(a, b, (size_t)(na < nb ? na : nb));
  if (c == 0) c = na - nb;
  return c < 0 ? -1 : c > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tito_buf scratch = TITO_BUF_INIT, enc = TITO_BUF_INIT, end = TITO_BUF_INIT;
  tito_value aFirst[2];
  int aOff[2], aLen[2], nFirst = 0;
  int bDesc, bReal, off = 0, n;
  if (size < 1 || size > 100000) return 0;
  bDesc = data[0] & 1;
  bReal = (data[0] >> 1) & 1;
  data++;
  size--;
  n = (int)size;
  /* Room for every field's scratch at once: earlier z stay valid. */
  if (tito_buf_reserve(&scratch, n + 1)) FAIL("nomem");
  while (off < n) {
    tito_value v, vr;
    int len = tito_key_decode(data + off, n - off, bDesc, 0, &v, &scratch);
    int skip = tito_key_skip(data + off, n - off, bDesc);
    if (len != skip) FAIL("decode and skip disagree on a field's length");
    if (len < 0) break;
    if (len == 0 || len > n - off) FAIL("field length out of range");
    enc.n = 0;
    tito_key_append(&enc, &v, bDesc);
    if (enc.rc) FAIL("nomem");
    if (enc.n != len || memcmp(enc.a, data + off, (size_t)len) != 0) {
      FAIL("a decoded field does not re-encode to its bytes");
    }
    if (bReal) {
      tito_buf s2 = TITO_BUF_INIT;
      if (tito_key_decode(data + off, n - off, bDesc, 1, &vr, &s2) != len) {
        FAIL("REAL affinity changes the field length");
      }
      if (v.eType == SQLITE_INTEGER &&
          !(vr.eType == SQLITE_FLOAT && vr.r == (double)v.i)) {
        FAIL("REAL affinity changes the number");
      }
      if (v.eType != SQLITE_INTEGER && vr.eType != v.eType) {
        FAIL("REAL affinity changes a non-integer's type");
      }
      tito_buf_free(&s2);
    }
    if (nFirst < 2) {
      aFirst[nFirst] = v;
      aOff[nFirst] = off;
      aLen[nFirst] = len;
      nFirst++;
    }
    off += len;
  }
  if (nFirst == 2) {
    int c1 = bytesCmp(data + aOff[0], aLen[0], data + aOff[1], aLen[1]);
    int c2 = sqlCompare(&aFirst[0], &aFirst[1]);
    if (bDesc) c2 = -c2;
    if (c1 != c2) FAIL("memcmp order of two fields differs from SQLite's");
  }
  /* The end of the prefix range is above every key starting with it. */
  if (n > 0 && tito_key_prefix_end(data, n, &end)) {
    if (bytesCmp(end.a, end.n, data, n) <= 0) FAIL("prefix end not above");
    if (end.n <= n && memcmp(end.a, data, (size_t)end.n) == 0) {
      FAIL("prefix end is a prefix of the key");
    }
  }
  tito_buf_free(&scratch);
  tito_buf_free(&enc);
  tito_buf_free(&end);
  return 0;
}
