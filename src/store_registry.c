/*
** store_registry.c: store URLs and the process-wide registry of remote
** stores (store_registry.h).
**
** The registry is a list of clusters, one per canonical URL, under one
** mutex. An entry keeps the handles connections gave back (up to
** POOL_MAX, each holding a reference on the shared TiKV client) and, while
** a first handle is being opened, an "opening" flag that other callers for
** the same URL wait on (a condition variable), so an unreachable PD costs
** one bounded wait, not one per connection. The mutex is never held while
** the network is used.
*/
#include "store_registry.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "kv_keyspace.h"
#include "sqlite_api.h"
#include "tikv/kv_tikv.h"

#define POOL_MAX 4

/* ------------------------------------------------------------------ URLs */

static int hexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decode z[0..n) (sqlite3_malloc'd; NULL on OOM or a bad escape,
** *pbBad then set). */
static char *urlDecode(const char *z, int n, int *pbBad) {
  char *zOut = sqlite3_malloc(n + 1);
  int i, j = 0;
  if (zOut == 0) return 0;
  for (i = 0; i < n; i++) {
    if (z[i] == '%') {
      int h = i + 2 < n ? hexVal(z[i + 1]) : -1;
      int l = i + 2 < n ? hexVal(z[i + 2]) : -1;
      if (h < 0 || l < 0 || (h == 0 && l == 0)) {
        *pbBad = 1;
        sqlite3_free(zOut);
        return 0;
      }
      zOut[j++] = (char)(h * 16 + l);
      i += 2;
    } else {
      zOut[j++] = z[i];
    }
  }
  zOut[j] = 0;
  return zOut;
}

/* Append z percent-encoded (only what the URL grammar needs escaped). */
static void urlEncode(sqlite3_str *p, const char *z) {
  for (; *z; z++) {
    unsigned char c = (unsigned char)*z;
    if (c == '%' || c == '&' || c == '=' || c == '?' || c <= ' ' || c >= 0x7f) {
      sqlite3_str_appendf(p, "%%%02X", c);
    } else {
      sqlite3_str_appendchar(p, 1, (char)c);
    }
  }
}

/* Is z[0..n) "host:port" with a port in 1..65535? */
static int endpointOk(const char *z, int n) {
  int i = n - 1, port = 0, nDigit = 0, mul = 1;
  while (i >= 0 && z[i] >= '0' && z[i] <= '9') {
    port += (z[i] - '0') * mul;
    mul = mul < 100000 ? mul * 10 : mul;
    nDigit++;
    i--;
  }
  return i > 0 && z[i] == ':' && nDigit > 0 && nDigit <= 5 && port > 0 &&
         port <= 65535;
}

void tito_store_url_clear(tito_store_url *p) {
  sqlite3_free(p->zCanon);
  sqlite3_free(p->zEndpoints);
  sqlite3_free(p->zKeyspace);
  sqlite3_free(p->zTlsCa);
  sqlite3_free(p->zTlsCert);
  sqlite3_free(p->zTlsKey);
  memset(p, 0, sizeof(*p));
}

/* The parameter slot named z[0..n), or NULL. */
static char **urlParam(tito_store_url *p, const char *z, int n) {
  static const char *const az[] = {"keyspace", "tls_ca", "tls_cert",
                                   "tls_key"};
  char **apSlot[4];
  int i;
  apSlot[0] = &p->zKeyspace;
  apSlot[1] = &p->zTlsCa;
  apSlot[2] = &p->zTlsCert;
  apSlot[3] = &p->zTlsKey;
  for (i = 0; i < 4; i++) {
    if ((int)strlen(az[i]) == n && sqlite3_strnicmp(az[i], z, n) == 0) {
      return apSlot[i];
    }
  }
  return 0;
}

#define URL_PARAMS "keyspace, tls_ca, tls_cert, tls_key, timeout_ms"

/* Parse the "?a=b&c=d" part. */
static int urlParseParams(const char *zUrl, const char *z,
                          tito_store_url *p, char **pzErr) {
  while (*z) {
    const char *zEq, *zEnd = strchr(z, '&');
    int n = zEnd ? (int)(zEnd - z) : (int)strlen(z), nName, bBad = 0;
    char *zVal, **pSlot;
    zEq = memchr(z, '=', n);
    if (zEq == 0 || zEq == z) {
      *pzErr = sqlite3_mprintf("bad store URL '%s': parameter '%.*s' is not "
                               "NAME=VALUE", zUrl, n, z);
      return SQLITE_ERROR;
    }
    nName = (int)(zEq - z);
    zVal = urlDecode(zEq + 1, n - nName - 1, &bBad);
    if (zVal == 0) {
      if (!bBad) return SQLITE_NOMEM;
      *pzErr = sqlite3_mprintf("bad store URL '%s': bad %%-escape in "
                               "parameter '%.*s'", zUrl, nName, z);
      return SQLITE_ERROR;
    }
    pSlot = urlParam(p, z, nName);
    if (pSlot == 0 && nName == 10 && sqlite3_strnicmp(z, "timeout_ms", 10) == 0) {
      int ms = atoi(zVal);
      sqlite3_free(zVal);
      if (ms <= 0 || ms > 3600000) {
        *pzErr = sqlite3_mprintf("bad store URL '%s': timeout_ms must be a "
                                 "number of milliseconds (1..3600000)", zUrl);
        return SQLITE_ERROR;
      }
      p->msTimeout = ms;
    } else if (pSlot == 0) {
      sqlite3_free(zVal);
      *pzErr = sqlite3_mprintf("bad store URL '%s': unknown parameter "
                               "'%.*s' (parameters are " URL_PARAMS ")",
                               zUrl, nName, z);
      return SQLITE_ERROR;
    } else if (*pSlot) {
      sqlite3_free(zVal);
      *pzErr = sqlite3_mprintf("bad store URL '%s': parameter '%.*s' given "
                               "twice", zUrl, nName, z);
      return SQLITE_ERROR;
    } else if (zVal[0] == 0) {
      sqlite3_free(zVal);
      *pzErr = sqlite3_mprintf("bad store URL '%s': parameter '%.*s' is "
                               "empty", zUrl, nName, z);
      return SQLITE_ERROR;
    } else {
      *pSlot = zVal;
    }
    z += n;
    if (*z == '&') z++;
  }
  return SQLITE_OK;
}

/* Check the endpoint list z[0..n) and keep it. */
static int urlParseEndpoints(const char *zUrl, const char *z, int n,
                             tito_store_url *p, char **pzErr) {
  int i = 0;
  if (n == 0) {
    *pzErr = sqlite3_mprintf("bad store URL '%s': no PD endpoint (expected "
                             "tikv://host:port[,host:port...])", zUrl);
    return SQLITE_ERROR;
  }
  while (i < n) {
    const char *zComma = memchr(z + i, ',', n - i);
    int m = zComma ? (int)(zComma - (z + i)) : n - i;
    if (!endpointOk(z + i, m)) {
      *pzErr = sqlite3_mprintf("bad store URL '%s': PD endpoint '%.*s' is "
                               "not host:port", zUrl, m, z + i);
      return SQLITE_ERROR;
    }
    i += m + 1;
  }
  if (z[n - 1] == ',') {
    *pzErr = sqlite3_mprintf("bad store URL '%s': empty PD endpoint", zUrl);
    return SQLITE_ERROR;
  }
  p->zEndpoints = sqlite3_mprintf("%.*s", n, z);
  return p->zEndpoints ? SQLITE_OK : SQLITE_NOMEM;
}

/* The canonical URL: endpoints as given, parameters in a fixed order. */
static int urlCanon(tito_store_url *p) {
  sqlite3_str *s = sqlite3_str_new(0);
  const char *zSep = "?";
  const char *azName[4] = {"keyspace", "tls_ca", "tls_cert", "tls_key"};
  const char *azVal[4];
  int i;
  azVal[0] = p->zKeyspace;
  azVal[1] = p->zTlsCa;
  azVal[2] = p->zTlsCert;
  azVal[3] = p->zTlsKey;
  sqlite3_str_appendf(s, "tikv://%s", p->zEndpoints);
  for (i = 0; i < 4; i++) {
    if (azVal[i] == 0) continue;
    sqlite3_str_appendf(s, "%s%s=", zSep, azName[i]);
    urlEncode(s, azVal[i]);
    zSep = "&";
  }
  if (p->msTimeout) sqlite3_str_appendf(s, "%stimeout_ms=%d", zSep, p->msTimeout);
  p->zCanon = sqlite3_str_finish(s);
  return p->zCanon ? SQLITE_OK : SQLITE_NOMEM;
}

int tito_store_url_parse(const char *zUrl, tito_store_url *p, char **pzErr) {
  const char *z, *zEnd;
  int rc;
  memset(p, 0, sizeof(*p));
  if (zUrl == 0 || sqlite3_stricmp(zUrl, "embedded") == 0) {
    p->zCanon = sqlite3_mprintf("embedded");
    return p->zCanon ? SQLITE_OK : SQLITE_NOMEM;
  }
  if (sqlite3_strnicmp(zUrl, "tikv://", 7) != 0) {
    *pzErr = sqlite3_mprintf("unknown store '%s' (expected 'embedded' or "
                             "'tikv://host:port[,host:port...]')", zUrl);
    return SQLITE_ERROR;
  }
  p->bRemote = 1;
  z = zUrl + 7;
  zEnd = z + strcspn(z, "/?");
  rc = urlParseEndpoints(zUrl, z, (int)(zEnd - z), p, pzErr);
  if (rc == SQLITE_OK && *zEnd == '/') {
    zEnd++;
    if (*zEnd && *zEnd != '?') {
      *pzErr = sqlite3_mprintf("bad store URL '%s': unexpected '%s' after "
                               "the endpoints", zUrl, zEnd - 1);
      rc = SQLITE_ERROR;
    }
  }
  if (rc == SQLITE_OK && *zEnd == '?') {
    rc = urlParseParams(zUrl, zEnd + 1, p, pzErr);
  }
  if (rc == SQLITE_OK) {
    int nTls = (p->zTlsCa != 0) + (p->zTlsCert != 0) + (p->zTlsKey != 0);
    if (nTls != 0 && nTls != 3) {
      *pzErr = sqlite3_mprintf("bad store URL '%s': TLS needs all three of "
                               "tls_ca, tls_cert and tls_key", zUrl);
      rc = SQLITE_ERROR;
    }
  }
  if (rc == SQLITE_OK) rc = urlCanon(p);
  if (rc != SQLITE_OK) tito_store_url_clear(p);
  return rc;
}

/* -------------------------------------------------------------- registry */

typedef struct Cluster Cluster;
struct Cluster {
  char *zCanon;
  tito_kv *apIdle[POOL_MAX];  /* handles given back, ready for reuse */
  int nIdle;
  int nOut;                   /* handles in use by connections */
  int bOpening;               /* a first handle is being opened */
  uint64_t iGen;              /* bumped when such an open ends */
  int rcLast;                 /* its result (SQLite code) */
  char *zLastErr;             /* its message (malloc'd), or NULL */
  pthread_cond_t cond;        /* signalled when bOpening drops */
  Cluster *pNext;
};

static pthread_mutex_t registryMu = PTHREAD_MUTEX_INITIALIZER;
static Cluster *pClusters = 0; /* guarded by registryMu */

/* The entry of zCanon, created if missing (registryMu held). Entries are
** never freed: a process talks to few clusters. */
static Cluster *clusterFind(const char *zCanon) {
  Cluster *c;
  for (c = pClusters; c; c = c->pNext) {
    if (strcmp(c->zCanon, zCanon) == 0) return c;
  }
  c = calloc(1, sizeof(*c));
  if (c == 0) return 0;
  c->zCanon = strdup(zCanon);
  if (c->zCanon == 0) {
    free(c);
    return 0;
  }
  pthread_cond_init(&c->cond, 0);
  c->pNext = pClusters;
  pClusters = c;
  return c;
}

/* Open a new handle (no lock held). */
static int clusterConnect(const tito_store_url *pUrl, tito_kv **ppKv,
                          char **pzErr) {
  tikv_config cfg;
  tito_kv *pKv = 0;
  char *zErr = 0;
  int rc;
  memset(&cfg, 0, sizeof(cfg));
  cfg.zPdEndpoints = pUrl->zEndpoints;
  cfg.zCaFile = pUrl->zTlsCa;
  cfg.zCertFile = pUrl->zTlsCert;
  cfg.zKeyFile = pUrl->zTlsKey;
  cfg.msTimeout = pUrl->msTimeout;
  rc = tito_kv_tikv_open(&cfg, &pKv, &zErr);
  if (rc != TITO_OK) {
    *pzErr = sqlite3_mprintf("%s", zErr ? zErr : "out of memory");
    free(zErr);
    return rc == TITO_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
  }
  free(zErr);
  if (pUrl->zKeyspace) {
    rc = tito_kv_keyspace_wrap(pKv, pUrl->zKeyspace, &pKv);
    if (rc != TITO_OK) return SQLITE_NOMEM;
  }
  *ppKv = pKv;
  return SQLITE_OK;
}

int tito_registry_open(const tito_store_url *pUrl, tito_kv **ppKv,
                       char **pzErr) {
  Cluster *c;
  uint64_t iGen;
  int rc, bFirst;
  *ppKv = 0;
  pthread_mutex_lock(&registryMu);
  c = clusterFind(pUrl->zCanon);
  if (c == 0) {
    pthread_mutex_unlock(&registryMu);
    return SQLITE_NOMEM;
  }
  /* Someone is reaching this cluster for the first time: share the
  ** outcome of that attempt rather than starting another. */
  iGen = c->iGen;
  while (c->bOpening) pthread_cond_wait(&c->cond, &registryMu);
  if (c->iGen != iGen && c->rcLast != SQLITE_OK) {
    rc = c->rcLast;
    *pzErr = sqlite3_mprintf("%s", c->zLastErr ? c->zLastErr : "");
    pthread_mutex_unlock(&registryMu);
    return rc;
  }
  if (c->nIdle > 0) {
    *ppKv = c->apIdle[--c->nIdle];
    c->nOut++;
    pthread_mutex_unlock(&registryMu);
    return SQLITE_OK;
  }
  bFirst = c->nOut == 0;
  if (bFirst) c->bOpening = 1;
  pthread_mutex_unlock(&registryMu);

  rc = clusterConnect(pUrl, ppKv, pzErr);

  pthread_mutex_lock(&registryMu);
  if (rc == SQLITE_OK) c->nOut++;
  if (bFirst) {
    c->bOpening = 0;
    c->iGen++;
    c->rcLast = rc;
    free(c->zLastErr);
    c->zLastErr = rc != SQLITE_OK && *pzErr ? strdup(*pzErr) : 0;
    pthread_cond_broadcast(&c->cond);
  }
  pthread_mutex_unlock(&registryMu);
  return rc;
}

void tito_registry_release(const char *zCanon, tito_kv *pKv) {
  Cluster *c;
  if (pKv == 0) return;
  pthread_mutex_lock(&registryMu);
  for (c = pClusters; c; c = c->pNext) {
    if (strcmp(c->zCanon, zCanon) == 0) break;
  }
  if (c) c->nOut--;
  if (c && c->nIdle < POOL_MAX) {
    c->apIdle[c->nIdle++] = pKv;
    pKv = 0;
  }
  pthread_mutex_unlock(&registryMu);
  if (pKv) pKv->pMethods->xClose(pKv);
}

int tito_registry_stats(int (*xStat)(void *, const char *, int64_t),
                        void *pCtx) {
  Cluster *c;
  tito_kv *pKv = 0;
  int rc = 0;
  /* Any handle will do (the client's counters are the process's), but it
  ** must not be taken by a connection meanwhile: borrow an idle one. */
  pthread_mutex_lock(&registryMu);
  for (c = pClusters; c && pKv == 0; c = c->pNext) {
    if (c->nIdle > 0) {
      pKv = c->apIdle[--c->nIdle];
      break;
    }
  }
  pthread_mutex_unlock(&registryMu);
  if (pKv == 0) return 0;
  rc = pKv->pMethods->xStats(pKv, xStat, pCtx);
  pthread_mutex_lock(&registryMu);
  if (c->nIdle < POOL_MAX) {
    c->apIdle[c->nIdle++] = pKv;
    pKv = 0;
  }
  pthread_mutex_unlock(&registryMu);
  if (pKv) pKv->pMethods->xClose(pKv);
  return rc;
}
