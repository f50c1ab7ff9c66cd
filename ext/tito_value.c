/*
** tito_value.c: SQL values in and out of the engine's tito_value, with
** SQLite's column affinity applied the way an ordinary table applies it on
** write ('42' into an INTEGER column stores 42, 7 into TEXT stores '7').
*/
#include "tito_ext.h"
#include <stdarg.h>
#include <string.h>

/* Convert an integral real to an integer as NUMERIC affinity does. */
static void valueRealToInt(tito_value *p) {
  double r = p->r;
  if (r > -9223372036854775808.0 && r < 9223372036854775808.0) {
    int64_t ix = (int64_t)r;
    if ((double)ix == r && ix > INT64_MIN && ix < INT64_MAX) {
      p->eType = SQLITE_INTEGER;
      p->i = ix;
    }
  }
}

static void valueRaw(sqlite3_value *v, int eType, tito_value *pOut) {
  memset(pOut, 0, sizeof(*pOut));
  pOut->eType = eType;
  switch (eType) {
    case SQLITE_INTEGER: pOut->i = sqlite3_value_int64(v); break;
    case SQLITE_FLOAT: pOut->r = sqlite3_value_double(v); break;
    case SQLITE_TEXT:
      pOut->z = sqlite3_value_text(v);
      pOut->n = sqlite3_value_bytes(v);
      if (pOut->z == 0) pOut->z = (const uint8_t *)"";
      break;
    case SQLITE_BLOB:
      pOut->z = sqlite3_value_blob(v);
      pOut->n = sqlite3_value_bytes(v);
      if (pOut->z == 0) pOut->z = (const uint8_t *)"";
      break;
    default: pOut->eType = SQLITE_NULL; break;
  }
}

void titoValueFromSql(sqlite3_value *v, char cAff, tito_value *pOut) {
  int eType = sqlite3_value_type(v);
  switch (cAff) {
    case TITO_AFF_TEXT:
      if (eType == SQLITE_INTEGER || eType == SQLITE_FLOAT) {
        eType = SQLITE_TEXT; /* SQLite's own number-to-text rendering */
      }
      valueRaw(v, eType, pOut);
      break;
    case TITO_AFF_INTEGER:
    case TITO_AFF_NUMERIC:
    case TITO_AFF_REAL:
      if (eType == SQLITE_TEXT) eType = sqlite3_value_numeric_type(v);
      valueRaw(v, eType, pOut);
      if (pOut->eType == SQLITE_FLOAT && cAff != TITO_AFF_REAL) {
        valueRealToInt(pOut);
      } else if (pOut->eType == SQLITE_INTEGER && cAff == TITO_AFF_REAL) {
        pOut->eType = SQLITE_FLOAT;
        pOut->r = (double)pOut->i;
      }
      /* SQLite stores an integral REAL as an integer: -0.0 reads back 0.0. */
      if (pOut->eType == SQLITE_FLOAT && pOut->r == 0.0) pOut->r = 0.0;
      break;
    default: valueRaw(v, eType, pOut); break;
  }
}

void titoValueResult(sqlite3_context *ctx, const tito_value *v) {
  switch (v->eType) {
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, v->i); break;
    case SQLITE_FLOAT: sqlite3_result_double(ctx, v->r); break;
    case SQLITE_TEXT:
      sqlite3_result_text(ctx, (const char *)v->z, v->n, SQLITE_TRANSIENT);
      break;
    case SQLITE_BLOB:
      sqlite3_result_blob(ctx, v->z, v->n, SQLITE_TRANSIENT);
      break;
    default: sqlite3_result_null(ctx); break;
  }
}

void titoSetError(sqlite3_vtab *pVtab, const char *zFmt, ...) {
  va_list ap;
  va_start(ap, zFmt);
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
}
