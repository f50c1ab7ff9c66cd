/*
** catalog.c: the store's catalog of models (catalog.h).
**
** Keys (P = the keyspace prefix as a TEXT key field, as in table.h):
**   P | u32 0 | 0x00 | lower(name) as TEXT field -> u32 id | definition
**   P | u32 0 | 0x01                             -> u32 last id used
*/
#include "catalog.h"
#include "sqlite_api.h"
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

int tito_catalog_find(tito_kv *pKv, const char *zPrefix, const char *zName,
                      uint32_t *piId, char **pzDef, char **pzErr) {
  tito_buf k = TITO_BUF_INIT;
  const uint8_t *pVal;
  int nVal, rc;
  if (pzDef) *pzDef = 0;
  rc = catKey(&k, zPrefix, 0x00, zName);
  if (rc == SQLITE_OK) {
    int r = pKv->pMethods->xGet(pKv, k.a, k.n, &pVal, &nVal);
    if (r == TITO_NOTFOUND) {
      rc = SQLITE_DONE;
    } else if (r != TITO_OK) {
      rc = catError(pKv, r, pzErr);
    } else if (nVal < 4) {
      *pzErr = sqlite3_mprintf("tito: catalog entry of %s is corrupt", zName);
      rc = SQLITE_CORRUPT;
    } else {
      *piId = catU32(pVal);
      if (pzDef) {
        *pzDef = sqlite3_mprintf("%.*s", nVal - 4, pVal + 4);
        if (*pzDef == 0) rc = SQLITE_NOMEM;
      }
    }
  }
  tito_buf_free(&k);
  return rc;
}

int tito_catalog_create(tito_kv *pKv, const char *zPrefix, const char *zName,
                        const char *zDef, uint32_t *piId, char **pzErr) {
  tito_buf k = TITO_BUF_INIT, v = TITO_BUF_INIT;
  const uint8_t *pVal;
  uint32_t iId = 1;
  int nVal, r, rc;
  rc = catKey(&k, zPrefix, 0x01, 0);
  if (rc != SQLITE_OK) goto done;
  r = pKv->pMethods->xGet(pKv, k.a, k.n, &pVal, &nVal);
  if (r == TITO_OK && nVal >= 4) {
    iId = catU32(pVal) + 1;
  } else if (r != TITO_NOTFOUND && r != TITO_OK) {
    rc = catError(pKv, r, pzErr);
    goto done;
  }
  tito_buf_append_u32be(&v, iId);
  if (v.rc) {
    rc = SQLITE_NOMEM;
    goto done;
  }
  r = pKv->pMethods->xPut(pKv, k.a, k.n, v.a, v.n);
  if (r != TITO_OK) {
    rc = catError(pKv, r, pzErr);
    goto done;
  }
  tito_buf_append(&v, zDef, (int)strlen(zDef));
  rc = v.rc ? SQLITE_NOMEM : catInsertEntry(pKv, zPrefix, zName, &v, pzErr);
  *piId = iId;
done:
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
