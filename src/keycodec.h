/*
** keycodec.h: the order-preserving key codec.
**
** memcmp order of encoded values equals SQLite's ORDER BY order with BINARY
** collation: NULL < numbers < TEXT < BLOB; integers and reals compare by
** exact value in one numeric space (1 < 1.5 < 2, 3 = 3.0, -0.0 = 0.0).
** Fields concatenate into composite keys (the encoding is prefix-free); a
** DESC field has every byte of its encoding inverted.
** (Layout: see keycodec.c's header comment.)
*/
#ifndef TITO_KEYCODEC_H
#define TITO_KEYCODEC_H
#include "buf.h"

/* Append the encoding of *v (inverted when bDesc). */
void tito_key_append(tito_buf *pOut, const tito_value *v, int bDesc);

/*
** Decode one field at p[0..n). Returns the number of bytes consumed, or -1
** if the bytes are not a valid field. TEXT/BLOB point into p when possible,
** else into pScratch (which must then outlive *pOut; it is appended to, not
** reset). A number decodes as SQLITE_INTEGER when it is integral and fits
** in 64 bits, else SQLITE_FLOAT; bReal forces SQLITE_FLOAT (REAL affinity).
** Growing pScratch may move it: to decode several fields of one key
** through one scratch, tito_buf_reserve(pScratch, n) first (a field never
** decodes to more bytes than it takes), so earlier z stay valid. Scratch
** is needed only for DESC or escaped (00-containing) TEXT/BLOB; if it is
** then NULL or cannot grow, -1 is returned (pScratch->rc says NOMEM).
*/
int tito_key_decode(const uint8_t *p, int n, int bDesc, int bReal,
                    tito_value *pOut, tito_buf *pScratch);

/* Bytes taken by the field at p[0..n), or -1 if invalid. */
int tito_key_skip(const uint8_t *p, int n, int bDesc);

/*
** The smallest key greater than every key that starts with p[0..n): p with
** trailing 0xFF bytes removed and the last byte incremented. Writes it to
** pOut (reset first). Returns 0 if there is none (p is all 0xFF or empty):
** the range then has no upper bound. Also 0 when out of memory: check
** pOut->rc. p may be pOut->a itself.
*/
int tito_key_prefix_end(const uint8_t *p, int n, tito_buf *pOut);

#endif
