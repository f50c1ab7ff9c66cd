/*
** rowcodec.c: the row (value) codec of rowcodec.h.
**
** ROW LAYOUT
**
**   row    := count value*          count = number of values, a varint
**   value  := header payload        header = a varint h:
**
**     h = 0        NULL                       no payload
**     h = 1        INTEGER 0                  no payload
**     h = 2        INTEGER 1                  no payload
**     h = 3..10    INTEGER                    h-2 bytes, big-endian two's
**                                             complement, sign-extended
**     h = 11       REAL                       8 bytes, IEEE bits big-endian
**     h >= 12, even TEXT of (h-12)/2 bytes    the bytes (UTF-8)
**     h >= 13, odd  BLOB of (h-13)/2 bytes    the bytes
**
** varint: unsigned LEB128 (7 bits a byte, least significant group first,
** high bit set on every byte but the last), at most 10 bytes.
** Integers are written in the fewest bytes that sign-extend back; TEXT of
** up to 57 bytes and BLOB of up to 57 bytes have a 1-byte header. The
** byte order is fixed (not the host's), so rows move between machines.
** Values keep their exact type: 3 and 3.0, '' and x'' stay distinct.
*/
#include "sqlite_api.h"
#include <string.h>
#include "rowcodec.h"
#include "kv.h"

#define ROW_NULL  0
#define ROW_ZERO  1
#define ROW_ONE   2
#define ROW_INT1  3  /* INTEGER of 1 byte; ROW_INT1 + k - 1 for k bytes */
#define ROW_REAL  11
#define ROW_TEXT0 12 /* TEXT of n bytes: 12 + 2n; BLOB: 13 + 2n */

/* Write the varint of x at w; returns the byte after it. */
static uint8_t *rowPutVarint(uint8_t *w, uint64_t x) {
  while (x >= 0x80) {
    *w++ = (uint8_t)(x | 0x80);
    x >>= 7;
  }
  *w++ = (uint8_t)x;
  return w;
}

/*
** Read a varint at *pp, never past e. Returns 0 and advances *pp, or -1
** (truncated, or more than 64 bits).
*/
static inline int rowGetVarint(const uint8_t **pp, const uint8_t *e,
                               uint64_t *pX) {
  const uint8_t *p = *pp;
  uint64_t x = 0;
  int shift = 0;
  if (p < e && *p < 0x80) { /* the common case: one byte */
    *pX = *p;
    *pp = p + 1;
    return 0;
  }
  while (p < e) {
    uint8_t c = *p++;
    if (shift == 63 && c > 1) return -1;
    x |= (uint64_t)(c & 0x7F) << shift;
    if (c < 0x80) {
      *pX = x;
      *pp = p;
      return 0;
    }
    shift += 7;
    if (shift > 63) return -1;
  }
  return -1;
}

/* Bytes needed for i in big-endian two's complement (1..8). */
static int rowIntLen(int64_t i) {
  uint64_t u = i < 0 ? ~(uint64_t)i : (uint64_t)i; /* bits besides sign */
  int n = 1;
  while (n < 8 && (u >> (8 * n - 1)) != 0) n++;
  return n;
}

/* The header h of v, and its payload size in *pnPay. */
static uint64_t rowHeader(const tito_value *v, int *pnPay) {
  int n;
  switch (v->eType) {
    case SQLITE_INTEGER:
      if (v->i == 0 || v->i == 1) {
        *pnPay = 0;
        return v->i == 0 ? ROW_ZERO : ROW_ONE;
      }
      n = rowIntLen(v->i);
      *pnPay = n;
      return ROW_INT1 + n - 1;
    case SQLITE_FLOAT:
      *pnPay = 8;
      return ROW_REAL;
    case SQLITE_TEXT:
    case SQLITE_BLOB:
      n = (v->n > 0 && v->z) ? v->n : 0;
      *pnPay = n;
      return ROW_TEXT0 + 2 * (uint64_t)n + (v->eType == SQLITE_BLOB);
    default:
      *pnPay = 0;
      return ROW_NULL;
  }
}

/* Write the payload of v (nPay bytes) at w; returns the byte after it. */
static uint8_t *rowPutPayload(uint8_t *w, const tito_value *v, int nPay) {
  uint64_t u;
  int k;
  if (nPay == 0) return w;
  switch (v->eType) {
    case SQLITE_INTEGER:
      u = (uint64_t)v->i;
      for (k = nPay - 1; k >= 0; k--, u >>= 8) w[k] = (uint8_t)u;
      return w + nPay;
    case SQLITE_FLOAT:
      memcpy(&u, &v->r, 8);
      for (k = 7; k >= 0; k--, u >>= 8) w[k] = (uint8_t)u;
      return w + 8;
    default:
      memcpy(w, v->z, nPay);
      return w + nPay;
  }
}

void tito_row_encode(tito_buf *pOut, int nCol, const tito_value *aVal) {
  int64_t nMax;
  int i, nPay;
  uint8_t *w;
  if (nCol < 0) nCol = 0;
  /* One pass for an upper bound (a header varint takes at most 10 bytes,
  ** a number at most 8), then one pass writing. */
  nMax = 10;
  for (i = 0; i < nCol; i++) {
    const tito_value *v = &aVal[i];
    nMax += 10 + ((v->eType == SQLITE_TEXT || v->eType == SQLITE_BLOB) &&
                          v->n > 0
                      ? v->n
                      : 8);
  }
  if (nMax > 0x7FFFFFFF - (int64_t)pOut->n) {
    if (pOut->rc == TITO_OK) pOut->rc = TITO_NOMEM; /* too big for a buf */
    return;
  }
  if (tito_buf_reserve(pOut, (int)nMax)) return;
  w = rowPutVarint(pOut->a + pOut->n, (uint64_t)nCol);
  for (i = 0; i < nCol; i++) {
    uint64_t h = rowHeader(&aVal[i], &nPay);
    w = rowPutVarint(w, h);
    w = rowPutPayload(w, &aVal[i], nPay);
  }
  pOut->n = (int)(w - pOut->a);
}

/* The big-endian 8 bytes at p. */
static inline uint64_t rowGetBE64(const uint8_t *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t u;
  memcpy(&u, p, 8);
  return __builtin_bswap64(u);
#else
  uint64_t u = 0;
  int k;
  for (k = 0; k < 8; k++) u = (u << 8) | p[k];
  return u;
#endif
}

/*
** Decode the value at *pp (never past e) into *v and advance *pp.
** Returns 0, or -1 if the bytes are not a valid value.
*/
static inline int rowGetValue(const uint8_t **pp, const uint8_t *e,
                              tito_value *v) {
  const uint8_t *p;
  uint64_t h, u;
  int k, nPay;
  if (rowGetVarint(pp, e, &h)) return -1;
  p = *pp;
  if (h >= ROW_TEXT0) {
    uint64_t len = (h - ROW_TEXT0) >> 1;
    if (len > (uint64_t)(e - p)) return -1;
    v->eType = (h & 1) ? SQLITE_BLOB : SQLITE_TEXT;
    v->n = (int)len;
    v->z = p;
    *pp = p + len;
    return 0;
  }
  v->n = 0;
  v->z = 0;
  if (h == ROW_NULL) {
    v->eType = SQLITE_NULL;
    return 0;
  }
  if (h <= ROW_ONE) {
    v->eType = SQLITE_INTEGER;
    v->i = (int64_t)(h - ROW_ZERO);
    return 0;
  }
  nPay = h == ROW_REAL ? 8 : (int)(h - ROW_INT1 + 1);
  if (nPay > e - p) return -1;
  if (nPay == 8) {
    u = rowGetBE64(p); /* a REAL, or an integer of 8 bytes */
  } else {
    u = (p[0] & 0x80) ? ~(uint64_t)0 : 0; /* sign */
    for (k = 0; k < nPay; k++) u = (u << 8) | p[k];
  }
  *pp = p + nPay;
  if (h == ROW_REAL) {
    v->eType = SQLITE_FLOAT;
    memcpy(&v->r, &u, 8);
  } else {
    v->eType = SQLITE_INTEGER;
    memcpy(&v->i, &u, 8); /* two's complement bits, no overflow */
  }
  return 0;
}

/* Decode nCol values, value i into aOut[aiTo ? aiTo[i] : i]. */
static int rowDecode(const uint8_t *p, int n, int nCol, tito_value *aOut,
                     const int *aiTo, int *pnStored) {
  const uint8_t *e;
  uint64_t nStored, i, nWant = nCol > 0 ? (uint64_t)nCol : 0;
  tito_value skip;
  *pnStored = 0;
  if (n <= 0 || p == 0) return TITO_ERROR;
  e = p + n;
  if (rowGetVarint(&p, e, &nStored)) return TITO_ERROR;
  if (nStored > (uint64_t)(e - p)) return TITO_ERROR; /* >= 1 byte a value */
  *pnStored = (int)nStored;
  for (i = 0; i < nStored; i++) {
    tito_value *v = i >= nWant ? &skip : &aOut[aiTo ? aiTo[i] : (int)i];
    if (rowGetValue(&p, e, v)) return TITO_ERROR;
  }
  if (p != e) return TITO_ERROR; /* trailing bytes */
  for (; i < nWant; i++) {
    tito_value *v = &aOut[aiTo ? aiTo[i] : (int)i];
    memset(v, 0, sizeof(*v));
    v->eType = SQLITE_NULL;
  }
  return TITO_OK;
}

int tito_row_decode(const uint8_t *p, int n, int nCol, tito_value *aOut) {
  int nStored;
  return rowDecode(p, n, nCol, aOut, 0, &nStored);
}

int tito_row_decode_n(const uint8_t *p, int n, int nCol, tito_value *aOut,
                      int *pnStored) {
  return rowDecode(p, n, nCol, aOut, 0, pnStored);
}

int tito_row_decode_to(const uint8_t *p, int n, int nCol, tito_value *aOut,
                       const int *aiTo) {
  int nStored;
  return rowDecode(p, n, nCol, aOut, aiTo, &nStored);
}
