/*
** client.c: the process-wide registry of shared tikv_client objects and
** the error-message helper (see client.h). Clients are keyed by their
** whole configuration; the registry is a list under one mutex. A client
** is opened (PD contacted, which can take a whole timeout) outside the
** mutex: an unreachable cluster delays only those opening that same
** cluster, who wait for the first opener instead of opening it twice.
*/
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "client_int.h"

static pthread_mutex_t registryMu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t registryCv = PTHREAD_COND_INITIALIZER;
static tikv_client *pRegistry = 0; /* guarded by registryMu */

int tikv_error(char **pzErr, int rc, const char *zFmt, ...) {
  va_list ap;
  char *z = 0;
  int n;
  if (!pzErr) return rc;
  va_start(ap, zFmt);
  n = vsnprintf(0, 0, zFmt, ap);
  va_end(ap);
  if (n >= 0 && (z = malloc((size_t)n + 1)) != 0) {
    va_start(ap, zFmt);
    vsnprintf(z, (size_t)n + 1, zFmt, ap);
    va_end(ap);
  }
  free(*pzErr);
  *pzErr = z;
  return rc;
}

/* The registry key of a configuration (malloc'd). */
static char *config_key(const tikv_config *c, int msTimeout, int msBackoff) {
  const char *z[4] = {c->zPdEndpoints, c->zCaFile, c->zCertFile, c->zKeyFile};
  size_t n = 64;
  char *zKey;
  for (int i = 0; i < 4; i++) n += (z[i] ? strlen(z[i]) : 0) + 1;
  zKey = malloc(n);
  if (zKey) {
    snprintf(zKey, n, "%s\n%s\n%s\n%s\n%d\n%d", z[0] ? z[0] : "",
             z[1] ? z[1] : "", z[2] ? z[2] : "", z[3] ? z[3] : "", msTimeout,
             msBackoff);
  }
  return zKey;
}

static void client_free(tikv_client *p) {
  if (!p) return;
  tikv_pd_close(p->pPd);
  tikv_rc_free(p->pCache);
  tikv_conn_pool_free(p->pPool);
  free(p->zKey);
  free(p);
}

int tikv_client_open(const tikv_config *pConfig, tikv_client **pp,
                     char **pzErr) {
  int msTimeout = pConfig->msTimeout > 0 ? pConfig->msTimeout : 3000;
  int msBackoff = pConfig->msMaxBackoff > 0 ? pConfig->msMaxBackoff : 20000;
  char *zKey = config_key(pConfig, msTimeout, msBackoff);
  tikv_client *p;
  int rc;
  *pp = 0;
  if (!zKey) return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  pthread_mutex_lock(&registryMu);
  for (;;) {
    for (p = pRegistry; p; p = p->pNext) {
      if (strcmp(p->zKey, zKey) == 0) break;
    }
    if (!p || !p->bOpening) break;
    pthread_cond_wait(&registryCv, &registryMu);
  }
  if (p) {
    p->nRef++;
    pthread_mutex_unlock(&registryMu);
    free(zKey);
    *pp = p;
    return TITO_OK;
  }
  /* Registered as being opened, then opened without the lock. */
  p = calloc(1, sizeof(*p));
  if (!p) {
    pthread_mutex_unlock(&registryMu);
    free(zKey);
    return tikv_error(pzErr, TITO_NOMEM, "out of memory");
  }
  p->zKey = zKey;
  p->nRef = 1;
  p->bOpening = 1;
  p->msTimeout = msTimeout;
  p->msMaxBackoff = msBackoff;
  p->pNext = pRegistry;
  pRegistry = p;
  pthread_mutex_unlock(&registryMu);
  rc = tikv_conn_pool_new(pConfig->zCaFile, pConfig->zCertFile,
                          pConfig->zKeyFile, &p->pPool, pzErr);
  if (rc == TITO_OK && tikv_rc_new(&p->pCache) != TITO_OK) {
    rc = tikv_error(pzErr, TITO_NOMEM, "out of memory");
  }
  if (rc == TITO_OK) {
    rc = tikv_pd_open(p->pPool, pConfig->zPdEndpoints, msTimeout, msBackoff,
                      &p->pPd, pzErr);
  }
  pthread_mutex_lock(&registryMu);
  p->bOpening = 0;
  if (rc != TITO_OK) {
    /* Those waiting try again themselves (and get their own error). */
    tikv_client **ppp;
    for (ppp = &pRegistry; *ppp; ppp = &(*ppp)->pNext) {
      if (*ppp == p) {
        *ppp = p->pNext;
        break;
      }
    }
  }
  pthread_cond_broadcast(&registryCv);
  pthread_mutex_unlock(&registryMu);
  if (rc != TITO_OK) {
    client_free(p);
    return rc;
  }
  *pp = p;
  return TITO_OK;
}

void tikv_client_close(tikv_client *p) {
  tikv_client **pp;
  if (!p) return;
  pthread_mutex_lock(&registryMu);
  if (--p->nRef > 0) {
    pthread_mutex_unlock(&registryMu);
    return;
  }
  for (pp = &pRegistry; *pp; pp = &(*pp)->pNext) {
    if (*pp == p) {
      *pp = p->pNext;
      break;
    }
  }
  pthread_mutex_unlock(&registryMu);
  client_free(p);
}

int tikv_get_ts(tikv_client *p, uint64_t *pTs, char **pzErr) {
  return tikv_pd_get_ts(p->pPd, pTs, pzErr);
}

uint64_t tikv_client_cluster_id(tikv_client *p) {
  return tikv_pd_cluster_id(p->pPd);
}

int tikv_client_timeout_ms(tikv_client *p) { return p->msTimeout; }
int tikv_client_max_backoff_ms(tikv_client *p) { return p->msMaxBackoff; }
tikv_region_cache *tikv_client_cache(tikv_client *p) { return p->pCache; }
tikv_pd *tikv_client_pd(tikv_client *p) { return p->pPd; }
