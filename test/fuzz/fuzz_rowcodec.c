/*
** fuzz_rowcodec.c: the row codec's decoder (src/rowcodec.c) on any bytes.
**
** Input: one byte nCol (0..255), then the stored row bytes. Checked:
**   - no read outside the input, no crash (the sanitizers; the input is an
**     exact-size copy);
**   - every TEXT/BLOB decoded points inside the input;
**   - a row that decodes re-encodes to bytes that decode to the very same
**     values (type, number bits, bytes), and re-encoding those gives the
**     same bytes again (the encoder is canonical);
**   - a decoded row of nCol values also decodes with any other nCol (fewer:
**     a prefix of the values; more: NULLs after them).
*/
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "kv.h"
#include "rowcodec.h"

#define FAIL(msg) fuzzFail(msg, __LINE__)
static void fuzzFail(const char *z, int line) {
  fprintf(stderr, "fuzz_rowcodec: %s (line %d)\n", z, line);
  abort();
}

static int sameValue(const tito_value *a, const tito_value *b) {
  if (a->eType != b->eType) return 0;
  switch (a->eType) {
    case SQLITE_INTEGER: return a->i == b->i;
    case SQLITE_FLOAT: return memcmp(&a->r, &b->r, sizeof(double)) == 0;
    case SQLITE_TEXT:
    case SQLITE_BLOB:
      return a->n == b->n && (a->n == 0 || memcmp(a->z, b->z, (size_t)a->n) == 0);
    default: return 1;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tito_value a[256], b[256], c[256 + 8];
  tito_buf enc = TITO_BUF_INIT, enc2 = TITO_BUF_INIT;
  int nCol, n, i;
  if (size < 1 || size > 1000000) return 0;
  nCol = data[0];
  data++;
  n = (int)size - 1;
  if (tito_row_decode(n ? data : NULL, n, nCol, a) != TITO_OK) return 0;
  for (i = 0; i < nCol; i++) {
    if ((a[i].eType == SQLITE_TEXT || a[i].eType == SQLITE_BLOB) && a[i].n > 0 &&
        (a[i].z < data || a[i].z + a[i].n > data + n)) {
      FAIL("a decoded value points outside the input");
    }
    if (a[i].eType < SQLITE_INTEGER || a[i].eType > SQLITE_NULL) {
      FAIL("a decoded value of no SQL type");
    }
  }
  tito_row_encode(&enc, nCol, a);
  if (enc.rc) FAIL("nomem");
  if (tito_row_decode(enc.a, enc.n, nCol, b) != TITO_OK) {
    FAIL("a re-encoded row does not decode");
  }
  for (i = 0; i < nCol; i++) {
    if (!sameValue(&a[i], &b[i])) FAIL("a value changed through re-encoding");
  }
  tito_row_encode(&enc2, nCol, b);
  if (enc2.rc || enc2.n != enc.n || memcmp(enc.a, enc2.a, (size_t)enc.n)) {
    FAIL("the encoder is not canonical");
  }
  /* Other column counts: a prefix, or NULLs added. */
  {
    int nLess = nCol / 2, nMore = nCol + 8;
    if (tito_row_decode(enc.a, enc.n, nLess, c) != TITO_OK) FAIL("fewer");
    for (i = 0; i < nLess; i++) {
      if (!sameValue(&a[i], &c[i])) FAIL("fewer columns changed a value");
    }
    if (tito_row_decode(enc.a, enc.n, nMore, c) != TITO_OK) FAIL("more");
    for (i = 0; i < nMore; i++) {
      if (i < nCol ? !sameValue(&a[i], &c[i]) : c[i].eType != SQLITE_NULL) {
        FAIL("more columns changed a value");
      }
    }
  }
  tito_buf_free(&enc);
  tito_buf_free(&enc2);
  return 0;
}
