/*
** buf.h: a growable byte buffer (sqlite3_malloc'd) and the decoded-value
** struct shared by the key and row codecs.
**
** A tito_buf records the first allocation failure in rc and ignores later
** appends, so a caller may build a whole key and check rc once at the end.
*/
#ifndef TITO_BUF_H
#define TITO_BUF_H
#include <stdint.h>

typedef struct tito_buf {
  uint8_t *a;  /* bytes (sqlite3_malloc'd), or NULL */
  int n;       /* bytes used */
  int nAlloc;  /* bytes allocated */
  int rc;      /* TITO_OK, or TITO_NOMEM after a failed growth */
} tito_buf;

#define TITO_BUF_INIT {0, 0, 0, 0}

int tito_buf_reserve(tito_buf *, int nExtra); /* room for nExtra more bytes */
void tito_buf_append(tito_buf *, const void *p, int n);
void tito_buf_append_byte(tito_buf *, uint8_t c);
void tito_buf_append_u32be(tito_buf *, uint32_t x); /* 4 bytes big-endian */
void tito_buf_free(tito_buf *);                     /* frees and zeroes */

/* The order of keys in every store: their bytes (memcmp), then the shorter
** first. Negative, 0 or positive. */
int tito_bytes_cmp(const uint8_t *a, int na, const uint8_t *b, int nb);

/*
** One SQL value, decoded in place: for TEXT and BLOB, z points into the
** buffer it was decoded from (or a caller's scratch buffer) and is not
** NUL-terminated. eType is one of SQLITE_INTEGER, SQLITE_FLOAT,
** SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL (values 1..5 as in sqlite3.h).
*/
typedef struct tito_value {
  int eType;
  int n;            /* bytes of z */
  int64_t i;        /* SQLITE_INTEGER */
  double r;         /* SQLITE_FLOAT */
  const uint8_t *z; /* SQLITE_TEXT, SQLITE_BLOB */
} tito_value;

#endif
