/*
** mcodec.c: memcomparable EncodeBytes / DecodeBytes (see mcodec.h). Groups
** of 8 data bytes, each followed by a marker 0xFF - (number of zero pad
** bytes); the first group with padding ends the key.
*/
#include <stdlib.h>
#include <string.h>
#include "mcodec.h"

#define MC_GROUP 8
#define MC_MARKER 0xFF

size_t tikv_mc_encode(const uint8_t *p, size_t n, uint8_t *out) {
  size_t i = 0, o = 0;
  for (;;) {
    size_t nData = n - i < MC_GROUP ? n - i : MC_GROUP;
    size_t nPad = MC_GROUP - nData;
    if (nData) memcpy(out + o, p + i, nData);
    memset(out + o + nData, 0, nPad);
    out[o + MC_GROUP] = (uint8_t)(MC_MARKER - nPad);
    o += MC_GROUP + 1;
    i += nData;
    if (nPad) break; /* a full group is always followed by another one */
  }
  return o;
}

uint8_t *tikv_mc_encode_alloc(const uint8_t *p, size_t n, size_t *pnOut) {
  uint8_t *out = malloc(TIKV_MC_ENCODED_LEN(n));
  if (out) *pnOut = tikv_mc_encode(p, n, out);
  return out;
}

int tikv_mc_decode(const uint8_t *enc, size_t n, uint8_t **ppOut,
                   size_t *pnOut) {
  /* The decoded key is never longer than the input. */
  uint8_t *out = malloc(n ? n : 1);
  size_t i = 0, o = 0;
  *ppOut = 0;
  *pnOut = 0;
  if (!out) return 2;
  for (;;) {
    if (n - i < MC_GROUP + 1) break; /* truncated: invalid */
    unsigned nPad = MC_MARKER - enc[i + MC_GROUP];
    if (nPad > MC_GROUP) break;
    size_t nData = MC_GROUP - nPad;
    for (size_t k = nData; k < MC_GROUP; k++) {
      if (enc[i + k] != 0) goto bad;
    }
    memcpy(out + o, enc + i, nData);
    o += nData;
    i += MC_GROUP + 1;
    if (nPad) {
      *ppOut = out;
      *pnOut = o;
      return 0;
    }
  }
bad:
  free(out);
  return 1;
}
