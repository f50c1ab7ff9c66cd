/*
** buf.c: the growable byte buffer of buf.h.
*/
#include "sqlite_api.h"
#include <string.h>
#include "buf.h"
#include "kv.h"

int tito_buf_reserve(tito_buf *p, int nExtra) {
  if (p->rc) return p->rc;
  if (p->n + nExtra > p->nAlloc) {
    int nNew = p->nAlloc ? p->nAlloc * 2 : 64;
    uint8_t *aNew;
    while (nNew < p->n + nExtra) nNew *= 2;
    aNew = sqlite3_realloc(p->a, nNew);
    if (aNew == 0) {
      p->rc = TITO_NOMEM;
      return p->rc;
    }
    p->a = aNew;
    p->nAlloc = nNew;
  }
  return TITO_OK;
}

void tito_buf_append(tito_buf *p, const void *z, int n) {
  if (n <= 0 || tito_buf_reserve(p, n)) return;
  memcpy(p->a + p->n, z, n);
  p->n += n;
}

void tito_buf_append_byte(tito_buf *p, uint8_t c) {
  if (tito_buf_reserve(p, 1)) return;
  p->a[p->n++] = c;
}

void tito_buf_append_u32be(tito_buf *p, uint32_t x) {
  uint8_t a[4];
  a[0] = (uint8_t)(x >> 24);
  a[1] = (uint8_t)(x >> 16);
  a[2] = (uint8_t)(x >> 8);
  a[3] = (uint8_t)x;
  tito_buf_append(p, a, 4);
}

void tito_buf_free(tito_buf *p) {
  sqlite3_free(p->a);
  memset(p, 0, sizeof(*p));
}

int tito_bytes_cmp(const uint8_t *a, int na, const uint8_t *b, int nb) {
  int c = na > 0 && nb > 0 ? memcmp(a, b, (size_t)(na < nb ? na : nb)) : 0;
  return c ? c : (na < nb ? -1 : na > nb);
}
