/*
** catalog.c: the store's catalog of models (catalog.h).
**
** Keys (P = the keyspace prefix as a TEXT key field, as in table.h):
**   P | u32 0 | 0x00 | lower(name) as TEXT field -> u32 id | definition
**   P | u32 0 | 0x01                             -> u32 last id used (by
**                                                   sequential allocation)
**
** A new model's id is never one that a catalog entry or a key of the store
** still uses: a damaged catalog or counter must never make a new table
** adopt another model's rows. The embedded store allocates random ids, so
** that two databases' stores (one read into the other from a dump) almost
** surely use different ids; a shared store (TiKV) counts up.
*/
#include "catalog.h"
#include "outbox.h"
#include "sqlite_api.h"
#include <stdarg.h>
#include <string.h>
#include "buf.h"
#include "keycodec.h"

static void catText(tito_buf *p, const char *z) {
  tito_value v;
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_TEXT;
  v.z = (const uint8_t *)(z ? z : "");
  v.n = (int)strlen((const char *)v.z);
  tito_key_append(p, &v, 0);
}

/* P | u32 0 | kind [| lower(zName)] into p. */
static int catKey(tito_buf *p, const char *zPrefix, uint8_t kind,
                  const char *zName) {
  p->n = 0;
  catText(p, zPrefix);
  tito_buf_append_u32be(p, 0);
  tito_buf_append_byte(p, kind);
  if (zName) {
    char *zLower = sqlite3_mprintf("%s", zName);
    int i;
    if (zLower == 0) return SQLITE_NOMEM;
    for (i = 0; zLower[i]; i++) {
      if (zLower[i] >= 'A' && zLower[i] <= 'Z') zLower[i] += 'a' - 'A';
    }
    catText(p, zLower);
    sqlite3_free(zLower);
  }
  return p->rc ? SQLITE_NOMEM : SQLITE_OK;
}

static uint32_t catU32(const uint8_t *a) {
  return ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) |
         ((uint32_t)a[2] << 8) | a[3];
}

static int catError(tito_kv *pKv, int rc, char **pzErr) {
  if (rc == TITO_NOMEM) return SQLITE_NOMEM;
  *pzErr = sqlite3_mprintf("tito: catalog: %s", pKv->pMethods->xErrmsg(pKv));
  return SQLITE_ERROR;
}

/* Write model zName's entry (value pVal) if the name is free: a
** concurrent creator of the same name conflicts in the store. */
static int catInsertEntry(tito_kv *pKv, const char *zPrefix,
                          const char *zName, const tito_buf *pVal,
                          char **pzErr) {
  tito_buf k = TITO_BUF_INIT;
  int r, rc = catKey(&k, zPrefix, 0x00, zName);
  if (rc == SQLITE_OK) {
    r = pKv->pMethods->xInsert(pKv, k.a, k.n, pVal->a, pVal->n);
    if (r == TITO_EXISTS) {
      *pzErr = sqlite3_mprintf("tito: a model named %s already exists in "
                               "the store", zName);
      rc = SQLITE_ERROR;
    } else if (r != TITO_OK) {
      rc = catError(pKv, r, pzErr);
    }
  }
  tito_buf_free(&k);
  return rc;
}

int tito_catalog_key(tito_buf *pKey, const char *zPrefix, const char *zName) {
  return catKey(pKey, zPrefix, 0x00, zName);
}

int tito_catalog_entry_is(const uint8_t *pVal, int nVal, uint32_t iId,
                          const char *zDef) {
  size_t n = strlen(zDef);
  return pVal && nVal >= 4 && catU32(pVal) == iId &&
         (size_t)(nVal - 4) == n && memcmp(pVal + 4, zDef, n) == 0;
}

int tito_catalog_decode(const uint8_t *pVal, int nVal, const char *zName,
                        uint32_t *piId, char **pzDef, char **pzErr) {
  int rc = SQLITE_OK;
  if (pzDef) *pzDef = 0;
  if (pVal == 0) return SQLITE_DONE;
  if (nVal < 4) {
    *pzErr = sqlite3_mprintf("tito: catalog entry of %s is corrupt", zName);
    return SQLITE_CORRUPT;
  }
  *piId = catU32(pVal);
  if (pzDef) {
    *pzDef = sqlite3_mprintf("%.*s", nVal - 4, pVal + 4);
    if (*pzDef == 0) rc = SQLITE_NOMEM;
  }
  return rc;
}

int tito_catalog_find(tito_kv *pKv, const char *zPrefix, const char *zName,
                      uint32_t *piId, char **pzDef, char **pzErr) {
  tito_buf k = TITO_BUF_INIT;
  const uint8_t *pVal = 0;
  int nVal = 0, rc;
  if (pzDef) *pzDef = 0;
  rc = catKey(&k, zPrefix, 0x00, zName);
  if (rc == SQLITE_OK) {
    int r = pKv->pMethods->xGet(pKv, k.a, k.n, &pVal, &nVal);
    if (r == TITO_NOTFOUND) {
      pVal = 0;
    } else if (r != TITO_OK) {
      rc = catError(pKv, r, pzErr);
    }
  }
  if (rc == SQLITE_OK) {
    rc = tito_catalog_decode(pVal, nVal, zName, piId, pzDef, pzErr);
  }
  tito_buf_free(&k);
  return rc;
}

/* Does any key start with p[0..n)? (TITO_OK with *pbAny, or an error) */
static int catAnyKey(tito_kv *pKv, const uint8_t *p, int n, int *pbAny) {
  tito_buf end = TITO_BUF_INIT;
  tito_kv_iter *pIter = 0;
  int r;
  *pbAny = 0;
  tito_key_prefix_end(p, n, &end);
  if (end.rc) return TITO_NOMEM;
  r = pKv->pMethods->xScan(pKv, p, n, end.n ? end.a : 0, end.n,
                           TITO_SCAN_KEYONLY, 1, &pIter);
  if (r == TITO_OK) *pbAny = !pKv->pMethods->xIterEof(pIter);
  if (pIter) pKv->pMethods->xIterClose(pIter);
  tito_buf_free(&end);
  return r;
}

/* Is model id iId in use under zPrefix: by a key of its own, or by a
** catalog entry? */
static int catIdInUse(tito_kv *pKv, const char *zPrefix, uint32_t iId,
                      int *pbUsed) {
  tito_buf k = TITO_BUF_INIT, end = TITO_BUF_INIT;
  tito_kv_iter *pIter = 0;
  int r;
  *pbUsed = 0;
  if (catKey(&k, zPrefix, 0x00, 0) != SQLITE_OK) return TITO_NOMEM;
  /* P | u32 iId: replace the kind byte by the id. */
  k.n -= 5;
  tito_buf_append_u32be(&k, iId);
  r = k.rc ? TITO_NOMEM : catAnyKey(pKv, k.a, k.n, pbUsed);
  if (r == TITO_OK && !*pbUsed) {
    /* Every catalog entry: P | u32 0 | 0x00 ... */
    k.n -= 4;
    tito_buf_append_u32be(&k, 0);
    tito_buf_append_byte(&k, 0x00);
    tito_key_prefix_end(k.a, k.n, &end);
    r = k.rc || end.rc ? TITO_NOMEM
                       : pKv->pMethods->xScan(pKv, k.a, k.n, end.a, end.n, 0,
                                              0, &pIter);
    while (r == TITO_OK && !pKv->pMethods->xIterEof(pIter)) {
      int nVal;
      const uint8_t *pVal = pKv->pMethods->xIterValue(pIter, &nVal);
      if (nVal >= 4 && catU32(pVal) == iId) {
        *pbUsed = 1;
        break;
      }
      r = pKv->pMethods->xIterNext(pIter);
    }
    if (pIter) pKv->pMethods->xIterClose(pIter);
  }
  tito_buf_free(&k);
  tito_buf_free(&end);
  return r;
}

/* Fresh model ids tried before giving up (the store would be nearly full
** of models: 2^32 ids). */
#define CAT_ID_TRIES 100

/* The next id of the counter (P | 0 | 0x01) not in use, and the counter
** moved to it. */
static int catNextSequential(tito_kv *pKv, const char *zPrefix,
                             uint32_t *piId, char **pzErr) {
  tito_buf k = TITO_BUF_INIT, v = TITO_BUF_INIT;
  const uint8_t *pVal;
  uint32_t iId = 1;
  int nVal, r, rc, bUsed = 1;
  rc = catKey(&k, zPrefix, 0x01, 0);
  if (rc != SQLITE_OK) goto done;
  r = pKv->pMethods->xGet(pKv, k.a, k.n, &pVal, &nVal);
  if (r == TITO_OK && nVal >= 4) {
    iId = catU32(pVal) + 1;
  } else if (r != TITO_NOTFOUND && r != TITO_OK) {
    rc = catError(pKv, r, pzErr);
    goto done;
  }
  /* Skip ids still in use (a counter set back, a damaged catalog). */
  for (;;) {
    if (iId == 0) iId = 1; /* 0 is the catalog's own */
    r = catIdInUse(pKv, zPrefix, iId, &bUsed);
    if (r != TITO_OK) {
      rc = catError(pKv, r, pzErr);
      goto done;
    }
    if (!bUsed) break;
    if (++iId == 0) {
      *pzErr = sqlite3_mprintf("tito: no free model id in the store");
      rc = SQLITE_FULL;
      goto done;
    }
  }
  tito_buf_append_u32be(&v, iId);
  r = v.rc ? TITO_NOMEM : pKv->pMethods->xPut(pKv, k.a, k.n, v.a, v.n);
  if (r != TITO_OK) rc = catError(pKv, r, pzErr);
  *piId = iId;
done:
  tito_buf_free(&k);
  tito_buf_free(&v);
  return rc;
}

/* A random id not in use. */
static int catNextRandom(tito_kv *pKv, const char *zPrefix, uint32_t *piId,
                         char **pzErr) {
  uint32_t iId = 0;
  int r, i, bUsed = 1;
  for (i = 0; i < CAT_ID_TRIES && bUsed; i++) {
    sqlite3_randomness(sizeof(iId), &iId);
    if (iId == 0) continue; /* 0 is the catalog's own */
    r = catIdInUse(pKv, zPrefix, iId, &bUsed);
    if (r != TITO_OK) return catError(pKv, r, pzErr);
  }
  if (bUsed) {
    *pzErr = sqlite3_mprintf("tito: no free model id found in the store");
    return SQLITE_FULL;
  }
  *piId = iId;
  return SQLITE_OK;
}

int tito_catalog_create(tito_kv *pKv, const char *zPrefix, const char *zName,
                        const char *zDef, int bRandomId, uint32_t *piId,
                        char **pzErr) {
  tito_buf v = TITO_BUF_INIT;
  uint32_t iId = 0;
  int rc = bRandomId ? catNextRandom(pKv, zPrefix, &iId, pzErr)
                     : catNextSequential(pKv, zPrefix, &iId, pzErr);
  if (rc != SQLITE_OK) return rc;
  tito_buf_append_u32be(&v, iId);
  tito_buf_append(&v, zDef, (int)strlen(zDef));
  rc = v.rc ? SQLITE_NOMEM : catInsertEntry(pKv, zPrefix, zName, &v, pzErr);
  if (rc == SQLITE_OK) *piId = iId;
  tito_buf_free(&v);
  return rc;
}

int tito_catalog_shared(tito_kv *pKv, const char *zPrefix, const char *zName,
                        uint32_t iId, char **pzOther, char **pzErr) {
  tito_buf k = TITO_BUF_INIT, end = TITO_BUF_INIT, lower = TITO_BUF_INIT;
  tito_kv_iter *pIter = 0;
  int r, rc = SQLITE_OK;
  *pzOther = 0;
  rc = catKey(&k, zPrefix, 0x00, 0);
  if (rc == SQLITE_OK) rc = catKey(&lower, zPrefix, 0x00, zName);
  if (rc != SQLITE_OK) goto done;
  tito_key_prefix_end(k.a, k.n, &end);
  if (end.rc) {
    rc = SQLITE_NOMEM;
    goto done;
  }
  r = pKv->pMethods->xScan(pKv, k.a, k.n, end.a, end.n, 0, 0, &pIter);
  while (r == TITO_OK && !pKv->pMethods->xIterEof(pIter)) {
    int nk, nv;
    const uint8_t *pk = pKv->pMethods->xIterKey(pIter, &nk);
    const uint8_t *pv = pKv->pMethods->xIterValue(pIter, &nv);
    if (nv >= 4 && catU32(pv) == iId &&
        !(nk == lower.n && memcmp(pk, lower.a, (size_t)nk) == 0)) {
      tito_value name;
      tito_buf scratch = TITO_BUF_INIT;
      int n = tito_key_decode(pk + k.n, nk - k.n, 0, 0, &name, &scratch);
      *pzOther = sqlite3_mprintf("%.*s", n > 0 ? name.n : 1,
                                 n > 0 && name.z ? (const char *)name.z : "?");
      tito_buf_free(&scratch);
      if (*pzOther == 0) rc = SQLITE_NOMEM;
      break;
    }
    r = pKv->pMethods->xIterNext(pIter);
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  if (rc == SQLITE_OK && r != TITO_OK) rc = catError(pKv, r, pzErr);
done:
  tito_buf_free(&k);
  tito_buf_free(&end);
  tito_buf_free(&lower);
  return rc;
}

int tito_catalog_fence(tito_kv *pKv, const char *zPrefix, const char *zName,
                       uint32_t iId, const char *zDef, char **pzErr) {
  tito_buf k = TITO_BUF_INIT, v = TITO_BUF_INIT;
  char *zWhat = 0;
  int rc;
  if (pKv->pMethods->xFence == 0) return SQLITE_OK;
  rc = catKey(&k, zPrefix, 0x00, zName);
  tito_buf_append_u32be(&v, iId);
  tito_buf_append(&v, zDef, (int)strlen(zDef));
  zWhat = sqlite3_mprintf("the definition of %s in the store's catalog "
                          "(another connection altered, dropped or "
                          "re-created the table)", zName);
  if (rc == SQLITE_OK && (v.rc || zWhat == 0)) rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK) {
    int r = pKv->pMethods->xFence(pKv, k.a, k.n, v.a, v.n, zWhat);
    if (r != TITO_OK) rc = catError(pKv, r, pzErr);
  }
  sqlite3_free(zWhat);
  tito_buf_free(&k);
  tito_buf_free(&v);
  return rc;
}

int tito_catalog_drop(tito_kv *pKv, const char *zPrefix, const char *zName,
                      char **pzErr) {
  tito_buf k = TITO_BUF_INIT;
  int rc = catKey(&k, zPrefix, 0x00, zName);
  if (rc == SQLITE_OK) {
    int r = pKv->pMethods->xDelete(pKv, k.a, k.n);
    if (r != TITO_OK) rc = catError(pKv, r, pzErr);
  }
  tito_buf_free(&k);
  return rc;
}

int tito_catalog_rename(tito_kv *pKv, const char *zPrefix, const char *zOld,
                        const char *zNew, char **pzErr) {
  tito_buf k = TITO_BUF_INIT, v = TITO_BUF_INIT;
  const uint8_t *pVal;
  int nVal, r, rc = catKey(&k, zPrefix, 0x00, zOld);
  if (rc != SQLITE_OK) goto done;
  r = pKv->pMethods->xGet(pKv, k.a, k.n, &pVal, &nVal);
  if (r != TITO_OK) {
    rc = r == TITO_NOTFOUND ? SQLITE_OK : catError(pKv, r, pzErr);
    goto done;
  }
  tito_buf_append(&v, pVal, nVal);
  r = pKv->pMethods->xDelete(pKv, k.a, k.n);
  if (r != TITO_OK) {
    rc = catError(pKv, r, pzErr);
  } else {
    rc = v.rc ? SQLITE_NOMEM : catInsertEntry(pKv, zPrefix, zNew, &v, pzErr);
  }
done:
  tito_buf_free(&k);
  tito_buf_free(&v);
  return rc;
}

int tito_catalog_redefine(tito_kv *pKv, const char *zPrefix,
                          const char *zName, const char *zDef, char **pzErr) {
  tito_buf k = TITO_BUF_INIT, v = TITO_BUF_INIT;
  uint32_t iId = 0;
  int r, rc = tito_catalog_find(pKv, zPrefix, zName, &iId, 0, pzErr);
  if (rc == SQLITE_DONE) {
    *pzErr = sqlite3_mprintf("tito: the store has no model named %s", zName);
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK) rc = catKey(&k, zPrefix, 0x00, zName);
  if (rc == SQLITE_OK) {
    tito_buf_append_u32be(&v, iId);
    tito_buf_append(&v, (const uint8_t *)zDef, (int)strlen(zDef));
    if (v.rc) rc = SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) {
    r = pKv->pMethods->xPut(pKv, k.a, k.n, v.a, v.n);
    if (r != TITO_OK) rc = catError(pKv, r, pzErr);
  }
  tito_buf_free(&k);
  tito_buf_free(&v);
  return rc;
}

/* ------------------------------------------------------------- checking */

/* A catalog entry found by the check. */
typedef struct CheckEntry {
  char *zName;   /* as stored (lower case) */
  uint32_t iId;
  char *zDef;
  int bRef;      /* a table of aRef uses it */
} CheckEntry;

/* The check's state for one keyspace prefix (keys of one P are adjacent:
** the prefix field is prefix-free, and its catalog sorts first). */
typedef struct CheckSpace {
  tito_buf p;            /* the encoded P field */
  char *zPrefix;         /* P as text, for messages */
  CheckEntry *a;
  int n, nAlloc;
  uint32_t iRun;         /* model id of the current run of keys, or 0 */
  int64_t nRun;          /* keys in that run */
} CheckSpace;

typedef struct CheckCtx {
  tito_kv *pKv;
  sqlite3_str *pRep;
  int *pnProblem;
  int nRef;
  const tito_catalog_ref *aRef;
  int bOwned;
  int64_t nForeign;      /* keys that are no tito key at all */
  int64_t nStrayInSpace; /* keys under a P too short for an id and kind */
  int rc;
} CheckCtx;

static void checkProblem(CheckCtx *c, const char *zFmt, ...) {
  va_list ap;
  if ((*c->pnProblem)++ >= 20) return;
  va_start(ap, zFmt);
  if (sqlite3_str_length(c->pRep)) sqlite3_str_appendchar(c->pRep, 1, '\n');
  sqlite3_str_vappendf(c->pRep, zFmt, ap);
  va_end(ap);
}

/* " (prefix 'x')" for a non-default keyspace, else "". */
static char *checkWhere(const CheckSpace *s) {
  if (s->zPrefix == 0 || s->zPrefix[0] == 0) return sqlite3_mprintf("%s", "");
  return sqlite3_mprintf(" (prefix '%q')", s->zPrefix);
}

static const CheckEntry *checkEntryById(const CheckSpace *s, uint32_t iId) {
  int i;
  for (i = 0; i < s->n; i++) {
    if (s->a[i].iId == iId) return &s->a[i];
  }
  return 0;
}

/* The run of keys of one model id ended: it must have a catalog entry. */
static void checkEndRun(CheckCtx *c, CheckSpace *s) {
  if (s->iRun != 0 && s->nRun > 0 && checkEntryById(s, s->iRun) == 0) {
    char *zWhere = checkWhere(s);
    checkProblem(c, "store: %lld keys of model id %u belong to no model of "
                 "the catalog%s", (long long)s->nRun, s->iRun,
                 zWhere ? zWhere : "");
    sqlite3_free(zWhere);
  }
  s->iRun = 0;
  s->nRun = 0;
}

/* Lower-case copy of z (sqlite3_malloc'd). */
static char *checkLower(const char *z) {
  char *zLower = sqlite3_mprintf("%s", z ? z : "");
  int i;
  for (i = 0; zLower && zLower[i]; i++) {
    if (zLower[i] >= 'A' && zLower[i] <= 'Z') zLower[i] += 'a' - 'A';
  }
  return zLower;
}

/* The keyspace ended: the catalog's own soundness, and the tables that
** use this prefix. */
static void checkEndSpace(CheckCtx *c, CheckSpace *s) {
  char *zWhere;
  int i, j;
  checkEndRun(c, s);
  if (s->p.n == 0) return;
  zWhere = checkWhere(s);
  for (i = 0; i < s->n; i++) {
    for (j = i + 1; j < s->n; j++) {
      if (s->a[i].iId == s->a[j].iId) {
        checkProblem(c, "catalog: models %s and %s share id %u%s",
                     s->a[i].zName, s->a[j].zName, s->a[i].iId,
                     zWhere ? zWhere : "");
      }
    }
    if (s->a[i].iId == 0) {
      checkProblem(c, "catalog: model %s has id 0%s", s->a[i].zName,
                   zWhere ? zWhere : "");
    }
  }
  for (i = 0; i < c->nRef; i++) {
    const tito_catalog_ref *r = &c->aRef[i];
    char *zLower;
    if (strcmp(r->zPrefix ? r->zPrefix : "", s->zPrefix ? s->zPrefix : "")) {
      continue;
    }
    zLower = checkLower(r->zName);
    if (zLower == 0) {
      c->rc = SQLITE_NOMEM;
      break;
    }
    for (j = 0; j < s->n; j++) {
      if (strcmp(s->a[j].zName, zLower) == 0) s->a[j].bRef = 1;
    }
    sqlite3_free(zLower);
  }
  if (c->bOwned) {
    for (j = 0; j < s->n; j++) {
      if (!s->a[j].bRef) {
        checkProblem(c, "catalog: model %s has no table in the schema%s",
                     s->a[j].zName, zWhere ? zWhere : "");
      }
    }
  }
  sqlite3_free(zWhere);
}

static void checkSpaceReset(CheckSpace *s) {
  int i;
  for (i = 0; i < s->n; i++) {
    sqlite3_free(s->a[i].zName);
    sqlite3_free(s->a[i].zDef);
  }
  s->n = 0;
  s->p.n = 0;
  sqlite3_free(s->zPrefix);
  s->zPrefix = 0;
  s->iRun = 0;
  s->nRun = 0;
}

/* A catalog key P | 0 | kind ... (rest = after P, nr bytes). */
static void checkCatalogKey(CheckCtx *c, CheckSpace *s, const uint8_t *k,
                            int nk, const uint8_t *rest, int nr) {
  tito_kv *pKv = c->pKv;
  const uint8_t *pVal;
  int nVal, r;
  char *zWhere = checkWhere(s);
  if (rest[4] == 0x01 && nr == 5) {
    /* The id counter of stores made by earlier versions (unused now). */
    r = pKv->pMethods->xGet(pKv, k, nk, &pVal, &nVal);
    if (r == TITO_OK && nVal == 4) {
      /* sound */
    } else if (r == TITO_OK || r == TITO_NOTFOUND) {
      checkProblem(c, "catalog: the id counter is corrupt%s",
                   zWhere ? zWhere : "");
    } else {
      c->rc = r == TITO_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
    }
  } else if (rest[4] == 0x00) {
    tito_value v;
    tito_buf scratch = TITO_BUF_INIT;
    int n = tito_key_decode(rest + 5, nr - 5, 0, 0, &v, &scratch);
    r = pKv->pMethods->xGet(pKv, k, nk, &pVal, &nVal);
    if (r != TITO_OK && r != TITO_NOTFOUND) {
      c->rc = r == TITO_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
    } else if (n != nr - 5 || v.eType != SQLITE_TEXT || r != TITO_OK ||
               nVal < 4) {
      checkProblem(c, "catalog: a corrupt catalog entry%s",
                   zWhere ? zWhere : "");
    } else if (s->n < 100000) {
      if (s->n == s->nAlloc) {
        int nNew = s->nAlloc ? 2 * s->nAlloc : 8;
        CheckEntry *aNew = sqlite3_realloc(s->a, nNew * sizeof(CheckEntry));
        if (aNew == 0) {
          c->rc = SQLITE_NOMEM;
        } else {
          s->a = aNew;
          s->nAlloc = nNew;
        }
      }
      if (c->rc == SQLITE_OK) {
        CheckEntry *e = &s->a[s->n];
        e->zName = sqlite3_mprintf("%.*s", v.n, v.z ? (const char *)v.z : "");
        e->zDef = sqlite3_mprintf("%.*s", nVal - 4, (const char *)pVal + 4);
        e->iId = catU32(pVal);
        e->bRef = 0;
        if (e->zName == 0 || e->zDef == 0) {
          sqlite3_free(e->zName);
          sqlite3_free(e->zDef);
          c->rc = SQLITE_NOMEM;
        } else {
          s->n++;
        }
      }
    }
    tito_buf_free(&scratch);
  } else if ((r = tito_outbox_check_key(pKv, k, nk, rest, nr)) >= 0) {
    if (r) checkProblem(c, "outbox: a damaged event key or value%s",
                        zWhere ? zWhere : "");
  } else {
    checkProblem(c, "catalog: a key of no kind in the catalog%s",
                 zWhere ? zWhere : "");
  }
  sqlite3_free(zWhere);
}

/* One key of the store. */
static void checkKey(CheckCtx *c, CheckSpace *s, const uint8_t *k, int nk) {
  tito_value v;
  tito_buf scratch = TITO_BUF_INIT;
  const uint8_t *rest;
  uint32_t iId;
  int n = nk > 0 && k[0] == 0x25 ? tito_key_skip(k, nk, 0) : -1;
  if (n < 0) {
    c->nForeign++;
    return;
  }
  if (s->p.n != n || memcmp(s->p.a, k, (size_t)n) != 0) {
    checkEndSpace(c, s);
    checkSpaceReset(s);
    tito_buf_append(&s->p, k, n);
    tito_key_decode(k, n, 0, 0, &v, &scratch);
    s->zPrefix = sqlite3_mprintf("%.*s", v.n, v.z ? (const char *)v.z : "");
    tito_buf_free(&scratch);
    if (s->p.rc || s->zPrefix == 0) {
      c->rc = SQLITE_NOMEM;
      return;
    }
  }
  rest = k + n;
  if (nk - n < 5) {
    c->nStrayInSpace++;
    return;
  }
  iId = catU32(rest);
  if (iId == 0) {
    checkCatalogKey(c, s, k, nk, rest, nk - n);
    return;
  }
  if (iId != s->iRun) {
    checkEndRun(c, s);
    s->iRun = iId;
  }
  s->nRun++;
}

int tito_catalog_check(tito_kv *pKv, int nRef, const tito_catalog_ref *aRef,
                       int bOwned, sqlite3_str *pRep, int *pnProblem,
                       char **pzErr) {
  CheckCtx c;
  CheckSpace s;
  tito_kv_iter *pIter = 0;
  tito_buf key = TITO_BUF_INIT;
  int r;
  memset(&c, 0, sizeof(c));
  memset(&s, 0, sizeof(s));
  c.pKv = pKv;
  c.pRep = pRep;
  c.pnProblem = pnProblem;
  c.nRef = nRef;
  c.aRef = aRef;
  c.bOwned = bOwned;
  r = pKv->pMethods->xScan(pKv, 0, 0, 0, 0, TITO_SCAN_KEYONLY, 0, &pIter);
  while (r == TITO_OK && c.rc == SQLITE_OK &&
         !pKv->pMethods->xIterEof(pIter)) {
    int nk;
    const uint8_t *k = pKv->pMethods->xIterKey(pIter, &nk);
    /* A copy: checking a catalog key reads the store (xGet). */
    key.n = 0;
    tito_buf_append(&key, k, nk);
    if (key.rc) {
      c.rc = SQLITE_NOMEM;
      break;
    }
    checkKey(&c, &s, key.a, key.n);
    r = pKv->pMethods->xIterNext(pIter);
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  if (r != TITO_OK && c.rc == SQLITE_OK) c.rc = catError(pKv, r, pzErr);
  if (c.rc == SQLITE_OK) checkEndSpace(&c, &s);
  if (c.rc == SQLITE_OK) {
    if (c.nForeign) {
      checkProblem(&c, "store: %lld keys that tito did not write (no "
                   "keyspace prefix)", (long long)c.nForeign);
    }
    if (c.nStrayInSpace) {
      checkProblem(&c, "store: %lld keys too short for a model id",
                   (long long)c.nStrayInSpace);
    }
  }
  checkSpaceReset(&s);
  sqlite3_free(s.a);
  tito_buf_free(&s.p);
  tito_buf_free(&key);
  return c.rc;
}
