/*
** kv_skip.c: tito_kv_skip (kv_skip.h).
*/
#include "kv_skip.h"

/* Without xSkip: a keys-only scan, limited to nSkip keys. */
static int skipByScan(tito_kv *pKv, const uint8_t *pLo, int nLo,
                      const uint8_t *pHi, int nHi, int flags, int64_t nSkip,
                      int64_t *pnSkipped, tito_buf *pLast) {
  const tito_kv_methods *m = pKv->pMethods;
  tito_kv_iter *pIt = 0;
  int64_t n = 0;
  int rc = m->xScan(pKv, pLo, nLo, pHi, nHi,
                    (flags & TITO_SCAN_REVERSE) | TITO_SCAN_KEYONLY, nSkip,
                    &pIt);
  while (rc == TITO_OK && n < nSkip && !m->xIterEof(pIt)) {
    int nKey;
    const uint8_t *pKey = m->xIterKey(pIt, &nKey);
    n++;
    pLast->n = 0;
    tito_buf_append(pLast, pKey, nKey);
    if (pLast->rc) rc = TITO_NOMEM;
    if (rc == TITO_OK) rc = m->xIterNext(pIt);
  }
  if (pIt) m->xIterClose(pIt);
  *pnSkipped = n;
  return rc;
}

int tito_kv_skip(tito_kv *pKv, const uint8_t *pLo, int nLo, const uint8_t *pHi,
                 int nHi, int flags, int64_t nSkip, int64_t *pnSkipped,
                 tito_buf *pLast) {
  const uint8_t *pKey = 0;
  int nKey = 0, rc;
  *pnSkipped = 0;
  if (nSkip <= 0) return TITO_OK;
  if (pKv->pMethods->xSkip == 0) {
    return skipByScan(pKv, pLo, nLo, pHi, nHi, flags, nSkip, pnSkipped,
                      pLast);
  }
  rc = pKv->pMethods->xSkip(pKv, pLo, nLo, pHi, nHi, flags, nSkip, pnSkipped,
                            &pKey, &nKey);
  if (rc == TITO_OK && *pnSkipped > 0) {
    pLast->n = 0;
    tito_buf_append(pLast, pKey, nKey);
    if (pLast->rc) rc = TITO_NOMEM;
  }
  return rc;
}
