/*
** kv_skip.h: passing over keys of a range without reading them, on any
** store: the store's own xSkip when it has one (the embedded store counts
** inside SQLite), else a keys-only scan (TiKV sends keys, no values).
** Scans use it to count rows nobody reads (count(*)) and to skip an OFFSET.
*/
#ifndef TITO_KV_SKIP_H
#define TITO_KV_SKIP_H
#include "buf.h"
#include "kv.h"

/* Pass over up to nSkip keys of [pLo, pHi) in scan order (flags:
** TITO_SCAN_REVERSE or 0); *pnSkipped gets how many, pLast the last one
** (left as it was when none). A store result code (TITO_*). */
int tito_kv_skip(tito_kv *, const uint8_t *pLo, int nLo, const uint8_t *pHi,
                 int nHi, int flags, int64_t nSkip, int64_t *pnSkipped,
                 tito_buf *pLast);

#endif
