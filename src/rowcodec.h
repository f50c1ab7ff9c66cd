/*
** rowcodec.h: the row (value) codec.
**
** A row is the values of a model's columns, in declaration order, in one
** self-describing byte string: each value keeps its exact SQLite type
** (3 and 3.0 stay distinct). Decoding is in place, with no allocation.
** (Layout: see rowcodec.c's header comment.)
*/
#ifndef TITO_ROWCODEC_H
#define TITO_ROWCODEC_H
#include "buf.h"

/* Append the encoding of nCol values. */
void tito_row_encode(tito_buf *pOut, int nCol, const tito_value *aVal);

/*
** Decode a row into aOut[0..nCol). A row with fewer stored values than nCol
** (written before columns were added) gives NULL for the missing ones; extra
** stored values are ignored. TEXT/BLOB point into p. Returns TITO_OK or
** TITO_ERROR if the bytes are not a valid row.
*/
int tito_row_decode(const uint8_t *p, int n, int nCol, tito_value *aOut);
/* The same; *pnStored gets how many values the row holds. */
int tito_row_decode_n(const uint8_t *p, int n, int nCol, tito_value *aOut,
                      int *pnStored);
/* The same, value i into aOut[aiTo[i]] (an index entry's INCLUDE values
** straight into their columns). */
int tito_row_decode_to(const uint8_t *p, int n, int nCol, tito_value *aOut,
                       const int *aiTo);

#endif
