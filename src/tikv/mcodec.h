/*
** mcodec.h: the memcomparable "EncodeBytes" format of region boundaries
** (protocol sheet 4.1). Under API v1 transactional keys, PD and TiKV keep
** region start/end keys encoded; KV requests carry raw user keys. The region
** cache therefore encodes a key before asking PD and decodes every boundary
** it receives.
*/
#ifndef TITO_TIKV_MCODEC_H
#define TITO_TIKV_MCODEC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Raw keys in TiKV's order: memcmp, a proper prefix first (the write
** buffer, the region cache, transactions and gaps all order keys so). */
static inline int tikv_key_cmp(const uint8_t *a, size_t na, const uint8_t *b,
                               size_t nb) {
  size_t m = na < nb ? na : nb;
  int c = m ? memcmp(a, b, m) : 0;
  if (c) return c;
  return na < nb ? -1 : (na > nb ? 1 : 0);
}

/* Bytes needed to encode n raw bytes: (n/8 + 1) * 9. */
#define TIKV_MC_ENCODED_LEN(n) (((n) / 8 + 1) * 9)

/* Encode p[0..n) into out (room for TIKV_MC_ENCODED_LEN(n) bytes); returns
** the encoded length. */
size_t tikv_mc_encode(const uint8_t *p, size_t n, uint8_t *out);

/* Encode into a malloc'd buffer; NULL when out of memory. */
uint8_t *tikv_mc_encode_alloc(const uint8_t *p, size_t n, size_t *pnOut);

/* Decode enc[0..n) into a malloc'd buffer (*ppOut, *pnOut; a 1-byte
** allocation for an empty result). Bytes after the terminating group are
** ignored, as client-go does. Returns 0 on success, 1 if the input is not
** valid EncodeBytes output, 2 when out of memory. */
int tikv_mc_decode(const uint8_t *enc, size_t n, uint8_t **ppOut,
                   size_t *pnOut);

#endif /* TITO_TIKV_MCODEC_H */
