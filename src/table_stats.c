/*
** table_stats.c: counting a model's key paths for the planner, and storing the
** counts in the store (see table_stats.h for the layout and the text format).
*/
#include "table_stats.h"
#include <stdlib.h>
#include <string.h>
#include "keycodec.h"
#include "sqlite_api.h"

/* The statistics key: P | model id | 0x03. */
static void statsKey(tito_table *pTab, tito_buf *pOut) {
  tito_table_model_key(pTab, TITO_KIND_STATS, pOut);
}

void tito_stats_free(tito_stats *p) {
  int i;
  if (p == 0) return;
  for (i = 0; i < p->nPath; i++) sqlite3_free(p->aPath[i].aAvg);
  sqlite3_free(p->aPath);
  sqlite3_free(p);
}

/* New statistics for pModel, every path "not analyzed". */
static tito_stats *statsNew(const tito_model *pModel) {
  tito_stats *p = sqlite3_malloc(sizeof(*p));
  int i;
  if (p == 0) return 0;
  memset(p, 0, sizeof(*p));
  p->nPath = 1 + pModel->nIndex;
  p->aPath = sqlite3_malloc(sizeof(tito_path_stats) * p->nPath);
  if (p->aPath == 0) {
    sqlite3_free(p);
    return 0;
  }
  memset(p->aPath, 0, sizeof(tito_path_stats) * p->nPath);
  for (i = 0; i < p->nPath; i++) p->aPath[i].nEntry = -1;
  return p;
}

/* The fields of path iPath (0: pk, 1 + i: index i): count and DESC flags. */
static int pathFields(const tito_table *pTab, int iPath,
                      const uint8_t **pabDesc) {
  const tito_model *pModel = pTab->pModel;
  if (iPath == 0) {
    *pabDesc = pModel->nPk ? pModel->abPkDesc : 0;
    return pTab->nPkKey;
  }
  *pabDesc = pModel->aIndex[iPath - 1].abDesc;
  return pModel->aIndex[iPath - 1].nCol;
}

/* End offsets of the first nField fields of key a[0..n) after nPrefix
** bytes, into aEnd; returns how many fields were found. */
static int keyFieldEnds(const uint8_t *a, int n, int nPrefix, int nField,
                        const uint8_t *abDesc, int *aEnd) {
  int k, off = nPrefix;
  for (k = 0; k < nField && off < n; k++) {
    int m = tito_key_skip(a + off, n - off, abDesc ? abDesc[k] : 0);
    if (m <= 0) break;
    off += m;
    aEnd[k] = off;
  }
  return k;
}

/* Count the entries of path iPath under prefix pPre into *pPath. */
static int statsCountPath(tito_table *pTab, int iPath, const tito_buf *pPre,
                          tito_path_stats *pPath) {
  tito_kv *pKv = pTab->pKv;
  tito_kv_iter *pIt = 0;
  const uint8_t *abDesc;
  int nField = pathFields(pTab, iPath, &abDesc), k, rc;
  int *aEnd = sqlite3_malloc(sizeof(int) * 2 * (nField + 1));
  int64_t *aDistinct = sqlite3_malloc(sizeof(int64_t) * (nField + 1));
  int *aPrevEnd = aEnd ? aEnd + nField + 1 : 0;
  tito_buf prev = TITO_BUF_INIT, hi = TITO_BUF_INIT;
  int nPrevField = 0;
  int64_t nEntry = 0;
  pPath->aAvg = sqlite3_malloc(sizeof(int64_t) * (nField + 1));
  if (aEnd == 0 || aDistinct == 0 || pPath->aAvg == 0) {
    rc = TITO_NOMEM;
    goto done;
  }
  memset(aDistinct, 0, sizeof(int64_t) * (nField + 1));
  /* The end of the prefix: its last byte incremented, with carry (it
  ** ends in a kind byte or an index id, never all 0xff). */
  tito_buf_append(&hi, pPre->a, pPre->n);
  if (hi.rc) {
    rc = TITO_NOMEM;
    goto done;
  }
  for (k = hi.n - 1; k >= 0 && ++hi.a[k] == 0; k--) {
  }
  rc = pKv->pMethods->xScan(pKv, pPre->a, pPre->n, hi.a, hi.n,
                            TITO_SCAN_KEYONLY, 0, &pIt);
  while (rc == TITO_OK && !pKv->pMethods->xIterEof(pIt)) {
    int nKey, nFound, nCommon = 0;
    const uint8_t *pKey = pKv->pMethods->xIterKey(pIt, &nKey);
    nFound = keyFieldEnds(pKey, nKey, pPre->n, nField, abDesc, aEnd);
    /* The first field whose bytes differ from the previous key's starts
    ** a new value of every prefix from it on. */
    if (nEntry > 0) {
      while (nCommon < nFound && nCommon < nPrevField &&
             aEnd[nCommon] == aPrevEnd[nCommon] &&
             memcmp(pKey, prev.a, aEnd[nCommon]) == 0) {
        nCommon++;
      }
    }
    for (k = nCommon; k < nFound; k++) aDistinct[k]++;
    nEntry++;
    prev.n = 0;
    tito_buf_append(&prev, pKey, nKey);
    if (prev.rc) rc = TITO_NOMEM;
    memcpy(aPrevEnd, aEnd, sizeof(int) * nFound);
    nPrevField = nFound;
    if (rc == TITO_OK) rc = pKv->pMethods->xIterNext(pIt);
  }
  if (pIt) pKv->pMethods->xIterClose(pIt);
  pPath->nEntry = nEntry;
  pPath->nField = nField;
  for (k = 0; k < nField; k++) {
    int64_t d = aDistinct[k] > 0 ? aDistinct[k] : 1;
    pPath->aAvg[k] = (nEntry + d - 1) / d;
    if (pPath->aAvg[k] < 1) pPath->aAvg[k] = 1;
  }
done:
  sqlite3_free(aEnd);
  sqlite3_free(aDistinct);
  tito_buf_free(&prev);
  tito_buf_free(&hi);
  return rc == TITO_OK ? SQLITE_OK : tito_table_kv_error(pTab, rc);
}

char *tito_stats_text(const tito_model *pModel, const tito_stats *p) {
  sqlite3_str *s = sqlite3_str_new(0);
  int i, k;
  sqlite3_str_appendf(s, "analyzed %lld\n", (long long)p->iWhen);
  for (i = 0; i < p->nPath && i <= pModel->nIndex; i++) {
    const tito_path_stats *q = &p->aPath[i];
    if (q->nEntry < 0) continue;
    if (i == 0) sqlite3_str_appendf(s, "pk");
    else sqlite3_str_appendf(s, "index %s", pModel->aIndex[i - 1].zName);
    sqlite3_str_appendf(s, " %lld", (long long)q->nEntry);
    for (k = 0; k < q->nField; k++) {
      sqlite3_str_appendf(s, " %lld", (long long)q->aAvg[k]);
    }
    sqlite3_str_appendchar(s, 1, '\n');
  }
  return sqlite3_str_finish(s);
}

int tito_stats_analyze(tito_table *pTab, int64_t iNow, tito_stats **ppStats) {
  const tito_model *pModel = pTab->pModel;
  tito_stats *p = statsNew(pModel);
  tito_buf pre = TITO_BUF_INIT;
  char *zText = 0;
  int i, rc = SQLITE_OK;
  *ppStats = 0;
  if (p == 0) return SQLITE_NOMEM;
  p->iWhen = iNow;
  for (i = 0; rc == SQLITE_OK && i < p->nPath; i++) {
    if (i == 0) {
      pre.n = 0;
      tito_buf_append(&pre, pTab->rowPrefix.a, pTab->rowPrefix.n);
    } else {
      tito_table_index_prefix(pTab, i - 1, &pre);
    }
    rc = pre.rc ? SQLITE_NOMEM : statsCountPath(pTab, i, &pre, &p->aPath[i]);
  }
  if (rc == SQLITE_OK) {
    zText = tito_stats_text(pModel, p);
    statsKey(pTab, &pre);
    if (zText == 0 || pre.rc) {
      rc = SQLITE_NOMEM;
    } else {
      int rcKv;
      tito_table_records_drop(pTab); /* see tito_table_record_get */
      rcKv = pTab->pKv->pMethods->xPut(pTab->pKv, pre.a, pre.n,
                                           (const uint8_t *)zText,
                                           (int)strlen(zText));
      if (rcKv != TITO_OK) rc = tito_table_kv_error(pTab, rcKv);
    }
  }
  sqlite3_free(zText);
  tito_buf_free(&pre);
  if (rc != SQLITE_OK) {
    tito_stats_free(p);
    return rc;
  }
  *ppStats = p;
  return SQLITE_OK;
}

/* Parse one line "pk N a1 .." or "index NAME N a1 .." of z[0..n). */
static int statsParseLine(const tito_model *pModel, const char *z, int n,
                          tito_stats *p) {
  char *zLine = sqlite3_mprintf("%.*s", n, z), *zTok, *zSave = 0;
  int iPath = -1, k = 0;
  tito_path_stats *q;
  if (zLine == 0) return SQLITE_NOMEM;
  zTok = strtok_r(zLine, " ", &zSave);
  if (zTok && strcmp(zTok, "pk") == 0) {
    iPath = 0;
  } else if (zTok && strcmp(zTok, "index") == 0) {
    zTok = strtok_r(0, " ", &zSave);
    for (k = 0; zTok && k < pModel->nIndex; k++) {
      if (sqlite3_stricmp(pModel->aIndex[k].zName, zTok) == 0) iPath = 1 + k;
    }
  } else if (zTok && strcmp(zTok, "analyzed") == 0) {
    zTok = strtok_r(0, " ", &zSave);
    if (zTok) p->iWhen = strtoll(zTok, 0, 10);
  }
  if (iPath < 0) {
    sqlite3_free(zLine);
    return SQLITE_OK; /* a line of an index no longer there */
  }
  q = &p->aPath[iPath];
  q->nField = iPath == 0 ? (pModel->nPk ? pModel->nPk : 1)
                         : pModel->aIndex[iPath - 1].nCol;
  q->aAvg = sqlite3_malloc(sizeof(int64_t) * (q->nField + 1));
  if (q->aAvg == 0) {
    sqlite3_free(zLine);
    return SQLITE_NOMEM;
  }
  zTok = strtok_r(0, " ", &zSave);
  q->nEntry = zTok ? strtoll(zTok, 0, 10) : -1;
  for (k = 0; k < q->nField; k++) {
    zTok = strtok_r(0, " ", &zSave);
    q->aAvg[k] = zTok ? strtoll(zTok, 0, 10) : 0;
    if (q->aAvg[k] < 1) q->nEntry = -1; /* damaged or a changed index */
  }
  sqlite3_free(zLine);
  return SQLITE_OK;
}

int tito_stats_load(tito_table *pTab, tito_stats **ppStats) {
  const uint8_t *pVal;
  tito_stats *p;
  int nVal, rcKv, rc = SQLITE_OK, i = 0;
  *ppStats = 0;
  rcKv = tito_table_record_get(pTab, TITO_KIND_STATS, &pVal, &nVal);
  if (rcKv == TITO_NOTFOUND) return SQLITE_OK;
  if (rcKv != TITO_OK) return tito_table_kv_error(pTab, rcKv);
  p = statsNew(pTab->pModel);
  if (p == 0) return SQLITE_NOMEM;
  while (rc == SQLITE_OK && i < nVal) {
    int j = i;
    while (j < nVal && pVal[j] != '\n') j++;
    rc = statsParseLine(pTab->pModel, (const char *)pVal + i, j - i, p);
    i = j + 1;
  }
  if (rc != SQLITE_OK) {
    tito_stats_free(p);
    return rc;
  }
  *ppStats = p;
  return SQLITE_OK;
}

int tito_stats_clear(tito_table *pTab) {
  tito_buf key = TITO_BUF_INIT;
  int rcKv;
  statsKey(pTab, &key);
  if (key.rc) return SQLITE_NOMEM;
  tito_table_records_drop(pTab); /* see tito_table_record_get */
  rcKv = pTab->pKv->pMethods->xDelete(pTab->pKv, key.a, key.n);
  tito_buf_free(&key);
  return rcKv == TITO_OK || rcKv == TITO_NOTFOUND
             ? SQLITE_OK
             : tito_table_kv_error(pTab, rcKv);
}
