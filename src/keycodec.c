/*
** keycodec.c: the order-preserving key codec of keycodec.h.
**
** KEY LAYOUT OF ONE VALUE (the reference: every key tito writes uses it)
**
**   NULL     05
**   number   15 F[8] [E[2]]
**   TEXT     25 bytes-escaped 00 00
**   BLOB     35 bytes-escaped 00 00
**
** A DESC field is the same bytes, every one inverted (x ^ 0xFF), the tag
** included. Fields of a composite key are simply concatenated.
**
** Numbers. INTEGER and REAL share one numeric space. A value v is written
** as the pair (F, E): F is the largest double <= v, E = v - F, an exact
** non-negative integer. For a REAL, F = v and E = 0; for an INTEGER i with
** |i| <= 2^53, F = (double)i and E = 0; beyond 2^53 doubles are spaced 2..1024
** apart (|i| < 2^63), so E < 1024. F is 8 bytes big-endian: the IEEE bits of
** F (-0.0 first made +0.0) with all bits flipped when F is negative, else
** only the sign bit flipped. E is 2 bytes big-endian and is present exactly
** when 2^53 <= |F| <= 2^63 (the only F an integer may need an E for);
** presence depends on F alone, so the encoding stays prefix-free.
** So 3 and 3.0 encode identically, -0.0 and 0.0 too; ±inf are plain F.
** NaN never reaches here (SQLite turns it into NULL); if it does, it is
** written as NULL.
**
** Why comparing (F, E) lexicographically is comparing exact values:
** the F bytes compare as the doubles do (the bit flip turns IEEE order
** into unsigned big-endian order), and an omitted E is always 0 (below
** 2^53 every integer is a double; reals have E = 0; beyond 2^63 there are
** only reals). Let a < b. F(a) is a double <= a < b, so the largest double
** <= b is at least F(a): F(a) <= F(b). If F(a) = F(b) = F, then E(a) =
** a - F < b - F = E(b). So a < b gives (F,E)(a) < (F,E)(b), a = b gives
** equal pairs, and by trichotomy the converse holds: the encoding is an
** order embedding of the numeric space into memcmp order.
**
** TEXT and BLOB. The raw bytes (TEXT: UTF-8, BINARY collation = memcmp,
** then shorter first), each 00 written as 00 FF, then the terminator 00 00.
** 00 followed by 00 occurs only as the terminator, so the encoding is
** prefix-free. Order: at the first differing byte the smaller byte wins
** (an escaped 00 is 00 FF, still smaller than any byte 01..FF); when one
** string is a prefix of the other, the shorter one's terminator 00 00 is
** below the longer one's next byte (01..FF, or 00 FF).
** Inverting every byte reverses memcmp order between two prefix-free
** encodings (they differ within the shorter one), hence DESC.
*/
#include "sqlite_api.h"
#include <string.h>
#include "keycodec.h"
#include "kv.h"

#define KEY_NULL   0x05
#define KEY_NUMBER 0x15
#define KEY_TEXT   0x25
#define KEY_BLOB   0x35

#define KEY_TWO53 9007199254740992.0    /* 2^53 */
#define KEY_TWO63 9223372036854775808.0 /* 2^63 */
#define KEY_SIGN  ((uint64_t)1 << 63)

/*
** Split the integer i into (F, E): F the largest double <= i, E = i - F.
** Exact integer math: (double)i would round to nearest, not down.
*/
static void keySplitInt(int64_t i, double *pF, uint32_t *pE) {
  uint64_t u, f, mask;
  int shift = 0;
  if (i >= -((int64_t)1 << 53) && i <= ((int64_t)1 << 53)) {
    *pF = (double)i;
    *pE = 0;
    return;
  }
  /* u = |i| as unsigned (fine for INT64_MIN); keep its top 53 bits. */
  u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
  while (((u >> 53) >> shift) != 0) shift++;
  mask = ((uint64_t)1 << shift) - 1;
  if (i > 0) {
    f = u & ~mask; /* round the magnitude down */
    *pF = (double)f;
    *pE = (uint32_t)(u - f);
  } else {
    f = (u + mask) & ~mask; /* round the magnitude up: F below i */
    *pF = -(double)f;
    *pE = (uint32_t)(f - u);
  }
}

/* True if a number with this F carries the 2-byte E. */
static int keyHasE(double f) {
  double a = f < 0 ? -f : f;
  return a >= KEY_TWO53 && a <= KEY_TWO63;
}

/* Write the order-preserving 8 bytes of F at a. */
static void keyPutF(uint8_t *a, double f) {
  uint64_t b;
  int k;
  if (f == 0.0) f = 0.0; /* -0.0 == 0.0: one encoding */
  memcpy(&b, &f, 8);
  b = (b & KEY_SIGN) ? ~b : (b | KEY_SIGN);
  for (k = 7; k >= 0; k--) {
    a[k] = (uint8_t)b;
    b >>= 8;
  }
}

/* Append a number (F, E), inverted under the mask x (0x00 or 0xFF). */
static void keyAppendNumber(tito_buf *pOut, double f, uint32_t e, uint8_t x) {
  uint8_t a[11];
  int n = 9, k;
  a[0] = KEY_NUMBER;
  keyPutF(&a[1], f);
  if (keyHasE(f)) {
    a[9] = (uint8_t)(e >> 8);
    a[10] = (uint8_t)e;
    n = 11;
  }
  if (x) for (k = 0; k < n; k++) a[k] ^= x;
  tito_buf_append(pOut, a, n);
}

/* Append TEXT or BLOB bytes z[0..n) escaped, tag first, terminator last. */
static void keyAppendBytes(tito_buf *pOut, uint8_t tag, const uint8_t *z,
                           int n, uint8_t x) {
  int nZero = 0, i;
  uint8_t *w;
  const uint8_t *q, *end;
  if (n < 0 || z == 0) {
    n = 0;
    z = (const uint8_t *)"";
  }
  q = z;
  end = z + n;
  while ((q = memchr(q, 0, end - q)) != 0) nZero++, q++;
  if (tito_buf_reserve(pOut, 3 + n + nZero)) return;
  w = pOut->a + pOut->n;
  *w++ = tag ^ x;
  if (nZero == 0 && x == 0) {
    memcpy(w, z, n);
    w += n;
  } else {
    for (i = 0; i < n; i++) {
      *w++ = z[i] ^ x;
      if (z[i] == 0) *w++ = 0xFF ^ x;
    }
  }
  *w++ = x;
  *w++ = x;
  pOut->n = (int)(w - pOut->a);
}

void tito_key_append(tito_buf *pOut, const tito_value *v, int bDesc) {
  uint8_t x = bDesc ? 0xFF : 0x00;
  double f;
  uint32_t e;
  switch (v->eType) {
    case SQLITE_INTEGER:
      keySplitInt(v->i, &f, &e);
      keyAppendNumber(pOut, f, e, x);
      break;
    case SQLITE_FLOAT:
      if (v->r != v->r) { /* NaN: SQLite would have made it NULL */
        tito_buf_append_byte(pOut, KEY_NULL ^ x);
      } else {
        keyAppendNumber(pOut, v->r, 0, x);
      }
      break;
    case SQLITE_TEXT:
      keyAppendBytes(pOut, KEY_TEXT, v->z, v->n, x);
      break;
    case SQLITE_BLOB:
      keyAppendBytes(pOut, KEY_BLOB, v->z, v->n, x);
      break;
    default:
      tito_buf_append_byte(pOut, KEY_NULL ^ x);
      break;
  }
}

/*
** Read the number after the tag at p[0..n) (mask x). Sets *pF, *pE and
** returns the bytes taken (tag included), or -1 if they are not a number
** this codec writes (NaN bits, -0.0, E where impossible).
*/
static int keyGetNumber(const uint8_t *p, int n, uint8_t x, double *pF,
                        uint32_t *pE) {
  uint64_t b = 0;
  int k;
  if (n < 9) return -1;
  for (k = 1; k <= 8; k++) b = (b << 8) | (uint8_t)(p[k] ^ x);
  b = (b & KEY_SIGN) ? (b & ~KEY_SIGN) : ~b;
  if (b == KEY_SIGN) return -1;                        /* -0.0 */
  if ((b & ~KEY_SIGN) > 0x7FF0000000000000ULL) return -1; /* NaN */
  memcpy(pF, &b, 8);
  *pE = 0;
  if (!keyHasE(*pF)) return 9;
  if (n < 11) return -1;
  *pE = ((uint32_t)(p[9] ^ x) << 8) | (uint8_t)(p[10] ^ x);
  return 11;
}

/*
** The integer F + E when E > 0, checking that (F, E) is what keySplitInt
** gives for it. Returns 0 and sets *pI, or -1.
*/
static int keyJoinInt(double f, uint32_t e, int64_t *pI) {
  double f2;
  uint32_t e2;
  uint64_t u;
  if (f >= 0) {
    if (f >= KEY_TWO63) return -1;
    u = (uint64_t)f + e;
    if (u > (uint64_t)INT64_MAX) return -1;
    *pI = (int64_t)u;
  } else {
    u = (uint64_t)(-f); /* <= 2^63, and e > 0: the difference fits */
    if (e > u) return -1;
    *pI = -(int64_t)(u - e);
  }
  keySplitInt(*pI, &f2, &e2);
  return (f2 == f && e2 == e) ? 0 : -1;
}

/* Decode a number field into *pOut. Returns bytes taken or -1. */
static int keyDecodeNumber(const uint8_t *p, int n, uint8_t x, int bReal,
                           tito_value *pOut) {
  double f;
  uint32_t e;
  int64_t i;
  int nTaken = keyGetNumber(p, n, x, &f, &e);
  if (nTaken < 0) return -1;
  if (e != 0) {
    if (keyJoinInt(f, e, &i)) return -1;
    if (bReal) {
      pOut->eType = SQLITE_FLOAT;
      pOut->r = (double)i;
    } else {
      pOut->eType = SQLITE_INTEGER;
      pOut->i = i;
    }
  } else if (!bReal && f >= -KEY_TWO63 && f < KEY_TWO63 &&
             f == (double)(int64_t)f) {
    pOut->eType = SQLITE_INTEGER;
    pOut->i = (int64_t)f;
  } else {
    pOut->eType = SQLITE_FLOAT;
    pOut->r = f;
  }
  return nTaken;
}

/*
** Find the end of escaped bytes starting at p[1] (mask x). Sets *pEnd to
** the offset of the terminator and *pnEsc to the count of escaped 00s.
** Returns 0, or -1 if there is no valid terminator.
*/
static inline int keyScanBytes(const uint8_t *p, int n, uint8_t x,
                               int *pEnd, int *pnEsc) {
  int i = 1, nEsc = 0;
  for (;;) {
    const uint8_t *q = memchr(p + i, x, n - i);
    if (q == 0) return -1;
    i = (int)(q - p);
    if (i + 1 >= n) return -1;
    if (p[i + 1] == x) break;
    if ((p[i + 1] ^ x) != 0xFF) return -1;
    nEsc++;
    i += 2;
  }
  *pEnd = i;
  *pnEsc = nEsc;
  return 0;
}

/* Decode a TEXT or BLOB field. Returns bytes taken or -1. */
static inline int keyDecodeBytes(const uint8_t *p, int n, uint8_t x,
                                 int eType, tito_value *pOut,
                                 tito_buf *pScratch) {
  int end, nEsc, i, len;
  uint8_t *w;
  if (keyScanBytes(p, n, x, &end, &nEsc)) return -1;
  len = end - 1 - nEsc;
  pOut->eType = eType;
  pOut->n = len;
  if ((nEsc == 0 && x == 0) || len == 0) {
    pOut->z = p + 1;
    return end + 2;
  }
  if (pScratch == 0 || tito_buf_reserve(pScratch, len)) return -1;
  w = pScratch->a + pScratch->n;
  pOut->z = w;
  for (i = 1; i < end; i++) {
    *w++ = p[i] ^ x;
    if (p[i] == x) i++; /* skip the escape's second byte */
  }
  pScratch->n += len;
  return end + 2;
}

int tito_key_decode(const uint8_t *p, int n, int bDesc, int bReal,
                    tito_value *pOut, tito_buf *pScratch) {
  uint8_t x = bDesc ? 0xFF : 0x00;
  memset(pOut, 0, sizeof(*pOut));
  pOut->eType = SQLITE_NULL;
  if (n < 1) return -1;
  switch (p[0] ^ x) {
    case KEY_NULL:
      return 1;
    case KEY_NUMBER:
      return keyDecodeNumber(p, n, x, bReal, pOut);
    case KEY_TEXT:
      return keyDecodeBytes(p, n, x, SQLITE_TEXT, pOut, pScratch);
    case KEY_BLOB:
      return keyDecodeBytes(p, n, x, SQLITE_BLOB, pOut, pScratch);
  }
  return -1;
}

int tito_key_skip(const uint8_t *p, int n, int bDesc) {
  uint8_t x = bDesc ? 0xFF : 0x00;
  double f;
  uint32_t e;
  int64_t i;
  int end, nEsc, nTaken;
  if (n < 1) return -1;
  switch (p[0] ^ x) {
    case KEY_NULL:
      return 1;
    case KEY_NUMBER:
      nTaken = keyGetNumber(p, n, x, &f, &e);
      if (nTaken > 0 && e != 0 && keyJoinInt(f, e, &i)) return -1;
      return nTaken;
    case KEY_TEXT:
    case KEY_BLOB:
      if (keyScanBytes(p, n, x, &end, &nEsc)) return -1;
      return end + 2;
  }
  return -1;
}

int tito_key_prefix_end(const uint8_t *p, int n, tito_buf *pOut) {
  while (n > 0 && p[n - 1] == 0xFF) n--;
  if (n == 0) {
    pOut->n = 0;
    return 0;
  }
  if (p != pOut->a) {
    pOut->n = 0;
    tito_buf_append(pOut, p, n);
    if (pOut->rc) return 0;
  }
  pOut->n = n;
  pOut->a[n - 1]++;
  return 1;
}
