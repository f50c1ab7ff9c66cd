/*
** outbox.c: the store side of events (outbox.h has the key layout):
** topics, appending to partition logs in commit order, consuming with
** checkpoints, scheduled events, retries, dead letters and the cleanup of
** consumed events. Everything goes through the KV interface, inside the
** caller's store transaction.
*/
#include "outbox.h"
#include <string.h>
#include <uuid/uuid.h>
#include "keycodec.h"
#include "rowcodec.h"

#define KIND_TOPIC 0x10
#define KIND_EVENT 0x11
#define KIND_CKPT  0x13
#define KIND_SCHED 0x14
#define KIND_RETRY 0x15
#define KIND_DEAD  0x16
#define KIND_LEASE 0x17

/* Events moved from the scheduled range, and consumed events deleted, per
** consumer opening: bounded work per call. */
#define PROMOTE_MAX 1000
#define GC_SLACK 16

static int obErr(char **pzErr, tito_kv *pKv, int rc, const char *zWhat) {
  if (rc == TITO_NOMEM) return SQLITE_NOMEM;
  sqlite3_free(*pzErr);
  *pzErr = sqlite3_mprintf("tito: %s: %s", zWhat,
                           pKv ? pKv->pMethods->xErrmsg(pKv) : "error");
  return rc == TITO_CONFLICT ? SQLITE_BUSY
         : rc == TITO_UNAVAILABLE || rc == TITO_UNKNOWN ? SQLITE_IOERR
                                                        : SQLITE_ERROR;
}

static int obCorrupt(char **pzErr, const char *zTopic, const char *zWhat) {
  sqlite3_free(*pzErr);
  *pzErr = sqlite3_mprintf("tito: topic %s: corrupt %s", zTopic, zWhat);
  return SQLITE_CORRUPT;
}

static void appendText(tito_buf *b, const char *z) {
  tito_value v;
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_TEXT;
  v.z = (const uint8_t *)z;
  v.n = (int)strlen(z);
  tito_key_append(b, &v, 0);
}

static void appendU16(tito_buf *b, int x) {
  tito_buf_append_byte(b, (uint8_t)(x >> 8));
  tito_buf_append_byte(b, (uint8_t)x);
}

static void appendU64(tito_buf *b, uint64_t x) {
  tito_buf_append_u32be(b, (uint32_t)(x >> 32));
  tito_buf_append_u32be(b, (uint32_t)x);
}

static uint64_t readU64(const uint8_t *p) {
  uint64_t x = 0;
  int i;
  for (i = 0; i < 8; i++) x = (x << 8) | p[i];
  return x;
}

/* P | u32 0 | kind | T: the start of every outbox key of a topic. */
static void obKey(tito_buf *b, int kind, const char *zTopic) {
  b->n = 0;
  appendText(b, "");
  tito_buf_append_u32be(b, 0);
  tito_buf_append_byte(b, (uint8_t)kind);
  if (zTopic) appendText(b, zTopic);
}

void tito_value_int(tito_value *v, int64_t i) {
  memset(v, 0, sizeof(*v));
  v->eType = SQLITE_INTEGER;
  v->i = i;
}

void tito_value_text(tito_value *v, const char *z) {
  memset(v, 0, sizeof(*v));
  v->eType = z ? SQLITE_TEXT : SQLITE_NULL;
  v->z = (const uint8_t *)z;
  v->n = z ? (int)strlen(z) : 0;
}

/* ------------------------------------------------------------ topics */

int tito_outbox_partition(const uint8_t *p, int n, int nPartitions) {
  uint64_t h = 0xcbf29ce484222325ULL;
  int i;
  for (i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  /* FNV's low bits barely depend on a key's first bytes (a multiplication
  ** carries only upwards), and integer keys differ in their first bytes:
  ** MurmurHash3's 64-bit finalizer mixes every bit into every other. */
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return nPartitions > 0 ? (int)(h % (uint64_t)nPartitions) : 0;
}

int tito_outbox_topic(tito_kv *pKv, const char *zTopic, tito_topic_rec *pRec,
                      char **pzErr) {
  tito_buf k = TITO_BUF_INIT;
  const uint8_t *pVal;
  tito_value a[3];
  int nVal, r;
  obKey(&k, KIND_TOPIC, zTopic);
  if (k.rc) return SQLITE_NOMEM;
  r = pKv->pMethods->xGet(pKv, k.a, k.n, &pVal, &nVal);
  tito_buf_free(&k);
  if (r == TITO_NOTFOUND) return SQLITE_DONE;
  if (r != TITO_OK) return obErr(pzErr, pKv, r, "reading a topic");
  if (tito_row_decode(pVal, nVal, 3, a) != TITO_OK ||
      a[0].eType != SQLITE_INTEGER || a[0].i < 1 || a[0].i > 65536 ||
      a[1].eType != SQLITE_INTEGER || a[2].eType != SQLITE_INTEGER) {
    return obCorrupt(pzErr, zTopic, "topic entry");
  }
  pRec->nPartitions = (int)a[0].i;
  pRec->nMaxAttempts = (int)a[1].i;
  pRec->nRetain = a[2].i;
  return SQLITE_OK;
}

int tito_outbox_topic_ensure(tito_kv *pKv, const char *zTopic,
                             const tito_topic_rec *pWant, tito_topic_rec *pRec,
                             char **pzErr) {
  tito_buf k = TITO_BUF_INIT, v = TITO_BUF_INIT;
  tito_value a[3];
  int rc = tito_outbox_topic(pKv, zTopic, pRec, pzErr);
  if (rc == SQLITE_OK) {
    if (pWant->nPartitions > 0 && pWant->nPartitions != pRec->nPartitions) {
      sqlite3_free(*pzErr);
      *pzErr = sqlite3_mprintf(
          "tito: topic %s has %d partitions (fixed when it was created); "
          "PARTITIONS %d differs", zTopic, pRec->nPartitions,
          pWant->nPartitions);
      return SQLITE_ERROR;
    }
    return SQLITE_OK;
  }
  if (rc != SQLITE_DONE) return rc;
  pRec->nPartitions = pWant->nPartitions > 0 ? pWant->nPartitions
                                             : TITO_TOPIC_PARTITIONS;
  pRec->nMaxAttempts = pWant->nMaxAttempts > 0 ? pWant->nMaxAttempts
                                               : TITO_TOPIC_MAX_ATTEMPTS;
  pRec->nRetain = pWant->nRetain > 0 ? pWant->nRetain : 0;
  tito_value_int(&a[0], pRec->nPartitions);
  tito_value_int(&a[1], pRec->nMaxAttempts);
  tito_value_int(&a[2], pRec->nRetain);
  obKey(&k, KIND_TOPIC, zTopic);
  tito_row_encode(&v, 3, a);
  if (k.rc || v.rc) {
    rc = SQLITE_NOMEM;
  } else {
    int r = pKv->pMethods->xPut(pKv, k.a, k.n, v.a, v.n);
    rc = r == TITO_OK ? SQLITE_OK : obErr(pzErr, pKv, r, "creating a topic");
  }
  tito_buf_free(&k);
  tito_buf_free(&v);
  return rc;
}

void tito_outbox_random16(uint8_t *a) {
  uuid_t u;
  uuid_generate_random(u);
  memcpy(a, u, 16);
}

void tito_outbox_event_id(char *zOut) {
  uuid_t u;
  uuid_generate_random(u);
  uuid_unparse_lower(u, zOut);
}

/* ------------------------------------------------------------ heads */

#define HEADS_MAX 256

typedef struct head_entry {
  char *zTopic;
  int iPart;
  int64_t iHead;
} head_entry;

struct tito_heads {
  sqlite3 *db;
  char *zSchema;
  unsigned int iVersion; /* data version the entries belong to */
  int n;
  head_entry a[HEADS_MAX];
};

tito_heads *tito_heads_new(sqlite3 *db, const char *zSchema) {
  tito_heads *p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return 0;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->zSchema = sqlite3_mprintf("%s", zSchema);
  if (p->zSchema == 0) {
    sqlite3_free(p);
    return 0;
  }
  return p;
}

static void headsClear(tito_heads *p) {
  int i;
  for (i = 0; i < p->n; i++) sqlite3_free(p->a[i].zTopic);
  p->n = 0;
}

void tito_heads_free(tito_heads *p) {
  if (p == 0) return;
  headsClear(p);
  sqlite3_free(p->zSchema);
  sqlite3_free(p);
}

/* The entry of (zTopic, iPart), after dropping every entry if the file
** changed since they were made; NULL if none. */
static head_entry *headsFind(tito_heads *p, const char *zTopic, int iPart) {
  unsigned int v = 0;
  int i;
  if (p == 0) return 0;
  if (sqlite3_file_control(p->db, p->zSchema, SQLITE_FCNTL_DATA_VERSION,
                           &v) != SQLITE_OK ||
      v != p->iVersion) {
    headsClear(p);
    p->iVersion = v;
    return 0;
  }
  for (i = 0; i < p->n; i++) {
    if (p->a[i].iPart == iPart && strcmp(p->a[i].zTopic, zTopic) == 0) {
      return &p->a[i];
    }
  }
  return 0;
}

static void headsSet(tito_heads *p, const char *zTopic, int iPart,
                     int64_t iHead) {
  head_entry *e;
  if (p == 0) return;
  e = headsFind(p, zTopic, iPart);
  if (e == 0) {
    if (p->n == HEADS_MAX) headsClear(p);
    e = &p->a[p->n];
    e->zTopic = sqlite3_mprintf("%s", zTopic);
    if (e->zTopic == 0) return; /* no cache entry: still correct */
    e->iPart = iPart;
    p->n++;
  }
  e->iHead = iHead;
}

static void headsForget(tito_heads *p, const char *zTopic, int iPart) {
  head_entry *e = headsFind(p, zTopic, iPart);
  if (e) {
    sqlite3_free(e->zTopic);
    *e = p->a[--p->n];
  }
}

/* ------------------------------------------------------------ append */

/* The head of a partition: the position of its last event, 0 if none
** (the cleanup of consumed events always keeps the last one). */
static int obHead(tito_kv *pKv, const char *zTopic, int iPart, int64_t *piHead,
                  char **pzErr) {
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT;
  tito_kv_iter *pIter = 0;
  int r;
  *piHead = 0;
  obKey(&lo, KIND_EVENT, zTopic);
  appendU16(&lo, iPart);
  tito_key_prefix_end(lo.a, lo.n, &hi);
  r = lo.rc || hi.rc ? TITO_NOMEM
                     : pKv->pMethods->xScan(pKv, lo.a, lo.n, hi.a, hi.n,
                                            TITO_SCAN_REVERSE |
                                                TITO_SCAN_KEYONLY,
                                            1, &pIter);
  if (r == TITO_OK && !pKv->pMethods->xIterEof(pIter)) {
    int n;
    const uint8_t *k = pKv->pMethods->xIterKey(pIter, &n);
    if (n == lo.n + 8) {
      *piHead = (int64_t)readU64(k + lo.n);
    } else {
      r = TITO_ERROR;
    }
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  if (r == TITO_ERROR) return obCorrupt(pzErr, zTopic, "event key");
  return r == TITO_OK ? SQLITE_OK
                      : obErr(pzErr, pKv, r, "reading a partition head");
}

/*
** Into the log of its partition at the next position.
**
** Why positions follow commit order: a consumer's checkpoint says "every
** event up to position N is consumed", so an event must never appear
** below a checkpoint after the checkpoint has passed it. The position is
** the partition's head + 1 (its last event's), read in the appending
** transaction, and the event key is written with insert-if-absent. On the
** embedded store SQLite has one writer at a time: a transaction holds the
** write lock from its first write to its commit, so no other transaction
** can take a position and commit in between: positions are given in
** commit order. On TiKV two transactions that read the same head write
** the same event key: the second to prewrite meets the first's lock, its
** newer commit (a write conflict) or the key itself (already exists), and
** fails (SQLITE_BUSY_SNAPSHOT: the whole transaction is retried); a key
** deleted meanwhile by the cleanup is a newer write too. So a transaction
** that commits got a position above every one committed before it read
** the head. A position drawn from a start timestamp or a clock would not
** have this property. The cost: producers of one partition serialize.
*/
static int obAppendLog(tito_kv *pKv, tito_heads *pHeads, const char *zTopic,
                       tito_value *aEv, char **pzErr) {
  tito_buf k = TITO_BUF_INIT, v = TITO_BUF_INIT;
  int iPart = (int)aEv[TITO_EV_PARTITION].i;
  head_entry *e = headsFind(pHeads, zTopic, iPart);
  int64_t iHead = e ? e->iHead : 0;
  int r = TITO_OK, rc = SQLITE_OK, bCached = e != 0;
  for (;;) {
    if (!bCached) rc = obHead(pKv, zTopic, iPart, &iHead, pzErr);
    if (rc != SQLITE_OK) break;
    tito_value_int(&aEv[TITO_EV_POSITION], iHead + 1);
    k.n = v.n = 0;
    obKey(&k, KIND_EVENT, zTopic);
    appendU16(&k, iPart);
    appendU64(&k, (uint64_t)iHead + 1);
    tito_row_encode(&v, TITO_EV_N, aEv);
    r = k.rc || v.rc ? TITO_NOMEM
                     : pKv->pMethods->xInsert(pKv, k.a, k.n, v.a, v.n);
    if (r != TITO_EXISTS || !bCached) break;
    /* A cached head behind the store's: read it again. */
    headsForget(pHeads, zTopic, iPart);
    bCached = 0;
  }
  tito_buf_free(&k);
  tito_buf_free(&v);
  if (rc != SQLITE_OK) return rc;
  if (r == TITO_EXISTS) return obCorrupt(pzErr, zTopic, "partition head");
  if (r != TITO_OK) return obErr(pzErr, pKv, r, "appending an event");
  headsSet(pHeads, zTopic, iPart, iHead + 1);
  return SQLITE_OK;
}

/* Put aEv under key prefix b (completed with due | id). */
static int obPutTimed(tito_kv *pKv, tito_buf *b, const tito_value *aEv,
                      int64_t due, char **pzErr) {
  tito_buf v = TITO_BUF_INIT;
  int r;
  appendU64(b, (uint64_t)(due < 0 ? 0 : due));
  tito_key_append(b, &aEv[TITO_EV_ID], 0);
  tito_row_encode(&v, TITO_EV_N, aEv);
  if (b->rc || v.rc) {
    tito_buf_free(&v);
    return SQLITE_NOMEM;
  }
  r = pKv->pMethods->xPut(pKv, b->a, b->n, v.a, v.n);
  tito_buf_free(&v);
  return r == TITO_OK ? SQLITE_OK : obErr(pzErr, pKv, r, "writing an event");
}

int tito_outbox_append(tito_kv *pKv, tito_heads *pHeads, const char *zTopic,
                       tito_value *aEv, int64_t now, char **pzErr) {
  int64_t due = aEv[TITO_EV_DUE].i;
  tito_value_int(&aEv[TITO_EV_POSITION], 0);
  if (due > now) {
    tito_buf k = TITO_BUF_INIT;
    int rc;
    obKey(&k, KIND_SCHED, zTopic);
    rc = obPutTimed(pKv, &k, aEv, due, pzErr);
    tito_buf_free(&k);
    return rc;
  }
  return obAppendLog(pKv, pHeads, zTopic, aEv, pzErr);
}

int tito_outbox_publish(tito_kv *pKv, tito_heads *pHeads, const char *zTopic,
                        const tito_value *pKey,
                        const tito_value *pPayload, int64_t due, int64_t now,
                        int64_t *piPos, char **pzErr) {
  tito_topic_rec rec;
  tito_value aEv[TITO_EV_N];
  tito_buf part = TITO_BUF_INIT;
  char zId[40];
  int i, rc = tito_outbox_topic(pKv, zTopic, &rec, pzErr);
  *piPos = 0;
  if (rc == SQLITE_DONE) {
    *pzErr = sqlite3_mprintf("no such topic: %s (declare it with TOPIC in a "
                             "model)", zTopic);
    return SQLITE_ERROR;
  }
  if (rc != SQLITE_OK) return rc;
  for (i = 0; i < TITO_EV_N; i++) tito_value_text(&aEv[i], 0);
  tito_outbox_event_id(zId);
  tito_value_text(&aEv[TITO_EV_ID], zId);
  tito_value_text(&aEv[TITO_EV_ACTION], "publish");
  aEv[TITO_EV_KEY] = *pKey;
  aEv[TITO_EV_PAYLOAD] = *pPayload;
  tito_value_int(&aEv[TITO_EV_CREATED], now);
  tito_value_int(&aEv[TITO_EV_DUE], due > now ? due : now);
  tito_value_int(&aEv[TITO_EV_ATTEMPTS], 0);
  tito_key_append(&part, pKey, 0);
  if (part.rc) return SQLITE_NOMEM;
  tito_value_int(&aEv[TITO_EV_PARTITION],
         tito_outbox_partition(part.a, part.n, rec.nPartitions));
  tito_buf_free(&part);
  rc = tito_outbox_append(pKv, pHeads, zTopic, aEv, now, pzErr);
  *piPos = aEv[TITO_EV_POSITION].i;
  return rc;
}

/* Move scheduled events that are due into their logs (bounded). */
static int obPromote(tito_kv *pKv, tito_heads *pHeads, const char *zTopic,
                     int64_t now, char **pzErr) {
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT, key = TITO_BUF_INIT;
  tito_buf val = TITO_BUF_INIT;
  tito_kv_iter *pIter = 0;
  int rc = SQLITE_OK, r, n = 0;
  obKey(&lo, KIND_SCHED, zTopic);
  obKey(&hi, KIND_SCHED, zTopic);
  appendU64(&hi, (uint64_t)now + 1);
  if (lo.rc || hi.rc) rc = SQLITE_NOMEM;
  while (rc == SQLITE_OK && n < PROMOTE_MAX) {
    tito_value aEv[TITO_EV_N];
    const uint8_t *p;
    int np;
    /* One at a time: the log writes may not be seen by an open iterator. */
    r = pKv->pMethods->xScan(pKv, lo.a, lo.n, hi.a, hi.n, 0, 1, &pIter);
    if (r != TITO_OK) {
      rc = obErr(pzErr, pKv, r, "reading scheduled events");
      break;
    }
    if (pKv->pMethods->xIterEof(pIter)) break;
    key.n = val.n = 0;
    p = pKv->pMethods->xIterKey(pIter, &np);
    tito_buf_append(&key, p, np);
    p = pKv->pMethods->xIterValue(pIter, &np);
    tito_buf_append(&val, p, np);
    pKv->pMethods->xIterClose(pIter);
    pIter = 0;
    if (key.rc || val.rc) {
      rc = SQLITE_NOMEM;
      break;
    }
    if (tito_row_decode(val.a, val.n, TITO_EV_N, aEv) != TITO_OK ||
        aEv[TITO_EV_PARTITION].eType != SQLITE_INTEGER) {
      rc = obCorrupt(pzErr, zTopic, "scheduled event");
      break;
    }
    r = pKv->pMethods->xDelete(pKv, key.a, key.n);
    if (r != TITO_OK) {
      rc = obErr(pzErr, pKv, r, "moving a scheduled event");
      break;
    }
    rc = obAppendLog(pKv, pHeads, zTopic, aEv, pzErr);
    n++;
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  tito_buf_free(&key);
  tito_buf_free(&val);
  return rc;
}

/* ------------------------------------------------------------ consume */

struct tito_consumer {
  tito_kv *pKv;
  char *zTopic, *zGroup;
  tito_topic_rec topic;
  int iLo, iHi;          /* partitions to read */
  int64_t nBatch, nDone; /* cap (<= 0: none) and rows handed so far */
  int bPeek;
  int64_t now;
  int iPhase;            /* 0: retries, 1: partition logs, 2: done */
  int iPart;             /* current partition (phase 1) */
  int64_t nAcked;        /* rows acknowledged in the current partition */
  tito_kv_iter *pIter;
  tito_buf key, val;     /* the current row's key and value */
  tito_buf hi;           /* upper bound of the current scan */
  tito_value aEv[TITO_EV_N];
  int bEof;
  uint8_t *aHeld;        /* with a worker: per partition, 1 if its lease
                         ** is the worker's (else NULL: every partition) */
  char *zErr;
};

/* The checkpoint of (topic, iPart, group): last position consumed, or -1
** if the group has none. */
static int obCheckpoint(tito_kv *pKv, const char *zTopic, int iPart,
                        const char *zGroup, int64_t *piPos, char **pzErr) {
  tito_buf k = TITO_BUF_INIT;
  const uint8_t *pVal;
  tito_value a[1];
  int nVal, r;
  obKey(&k, KIND_CKPT, zTopic);
  appendU16(&k, iPart);
  appendText(&k, zGroup);
  if (k.rc) return SQLITE_NOMEM;
  r = pKv->pMethods->xGet(pKv, k.a, k.n, &pVal, &nVal);
  tito_buf_free(&k);
  *piPos = -1;
  if (r == TITO_NOTFOUND) return SQLITE_OK;
  if (r != TITO_OK) return obErr(pzErr, pKv, r, "reading a checkpoint");
  if (tito_row_decode(pVal, nVal, 1, a) != TITO_OK ||
      a[0].eType != SQLITE_INTEGER) {
    return obCorrupt(pzErr, zTopic, "checkpoint");
  }
  *piPos = a[0].i;
  return SQLITE_OK;
}

static int obSetCheckpoint(tito_kv *pKv, const char *zTopic, int iPart,
                           const char *zGroup, int64_t iPos, char **pzErr) {
  tito_buf k = TITO_BUF_INIT, v = TITO_BUF_INIT;
  tito_value a[1];
  int r;
  tito_value_int(&a[0], iPos);
  obKey(&k, KIND_CKPT, zTopic);
  appendU16(&k, iPart);
  appendText(&k, zGroup);
  tito_row_encode(&v, 1, a);
  r = k.rc || v.rc ? TITO_NOMEM
                   : pKv->pMethods->xPut(pKv, k.a, k.n, v.a, v.n);
  tito_buf_free(&k);
  tito_buf_free(&v);
  return r == TITO_OK ? SQLITE_OK : obErr(pzErr, pKv, r, "moving a checkpoint");
}

static int obMinCheckpoint(tito_kv *, const char *, int, int64_t *, char **);

/* Open the scan of the current phase/partition. */
static int consScan(tito_consumer *c) {
  tito_kv *pKv = c->pKv;
  tito_buf lo = TITO_BUF_INIT;
  int64_t nLimit = c->nBatch > 0 ? c->nBatch - c->nDone : 0;
  int r, rc = SQLITE_OK;
  if (c->iPhase == 0) {
    obKey(&lo, KIND_RETRY, c->zTopic);
    appendText(&lo, c->zGroup);
    obKey(&c->hi, KIND_RETRY, c->zTopic);
    appendText(&c->hi, c->zGroup);
    appendU64(&c->hi, (uint64_t)c->now + 1);
  } else {
    int64_t iPos;
    rc = obCheckpoint(pKv, c->zTopic, c->iPart, c->zGroup, &iPos, &c->zErr);
    if (rc == SQLITE_OK && iPos < 0) {
      /* A new group starts at the oldest event kept: without retention,
      ** after what every other group consumed (the cleanup keeps the
      ** last consumed event as the partition's head). */
      iPos = 0;
      if (c->topic.nRetain <= 0) {
        rc = obMinCheckpoint(pKv, c->zTopic, c->iPart, &iPos, &c->zErr);
        if (iPos < 0) iPos = 0;
      }
    }
    if (rc != SQLITE_OK) return rc;
    obKey(&lo, KIND_EVENT, c->zTopic);
    appendU16(&lo, c->iPart);
    obKey(&c->hi, KIND_EVENT, c->zTopic);
    appendU16(&c->hi, c->iPart);
    tito_key_prefix_end(c->hi.a, c->hi.n, &c->hi);
    appendU64(&lo, (uint64_t)iPos + 1);
  }
  if (lo.rc || c->hi.rc) {
    tito_buf_free(&lo);
    return SQLITE_NOMEM;
  }
  r = pKv->pMethods->xScan(pKv, lo.a, lo.n, c->hi.a, c->hi.n,
                           nLimit > 0 ? TITO_SCAN_HINT : 0, nLimit,
                           &c->pIter);
  tito_buf_free(&lo);
  if (r != TITO_OK) return obErr(&c->zErr, pKv, r, "reading events");
  return SQLITE_OK;
}

/* The lowest checkpoint of every group of partition iPart (-1: none). */
static int obMinCheckpoint(tito_kv *pKv, const char *zTopic, int iPart,
                           int64_t *piMin, char **pzErr) {
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT;
  tito_kv_iter *pIter = 0;
  int r, rc = SQLITE_OK;
  *piMin = -1;
  obKey(&lo, KIND_CKPT, zTopic);
  appendU16(&lo, iPart);
  tito_key_prefix_end(lo.a, lo.n, &hi);
  if (lo.rc || hi.rc) rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK) {
    r = pKv->pMethods->xScan(pKv, lo.a, lo.n, hi.a, hi.n, 0, 0, &pIter);
    if (r != TITO_OK) rc = obErr(pzErr, pKv, r, "reading checkpoints");
  }
  while (rc == SQLITE_OK && !pKv->pMethods->xIterEof(pIter)) {
    tito_value a[1];
    int nVal;
    const uint8_t *pVal = pKv->pMethods->xIterValue(pIter, &nVal);
    if (tito_row_decode(pVal, nVal, 1, a) != TITO_OK ||
        a[0].eType != SQLITE_INTEGER) {
      rc = obCorrupt(pzErr, zTopic, "checkpoint");
      break;
    }
    if (*piMin < 0 || a[0].i < *piMin) *piMin = a[0].i;
    r = pKv->pMethods->xIterNext(pIter);
    if (r != TITO_OK) rc = obErr(pzErr, pKv, r, "reading checkpoints");
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  return rc;
}

/* Remove consumed events of partition iPart that every group has passed
** (and that are older than the topic's retention), at most nMax. */
static int obCollect(tito_kv *pKv, const char *zTopic,
                     const tito_topic_rec *pTopic, int iPart, int64_t nMax,
                     int64_t now, char **pzErr) {
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT;
  tito_kv_iter *pIter = 0;
  int64_t iMin = -1;
  int r, rc = SQLITE_OK;
  rc = obMinCheckpoint(pKv, zTopic, iPart, &iMin, pzErr);
  if (rc == SQLITE_OK && iMin > 0) {
    /* The last event stays: it is the partition's head. */
    int64_t iHead;
    rc = obHead(pKv, zTopic, iPart, &iHead, pzErr);
    if (rc == SQLITE_OK && iMin >= iHead) iMin = iHead - 1;
  }
  if (rc != SQLITE_OK || iMin <= 0) goto done;
  /* Events at positions 1..iMin, oldest first. */
  obKey(&lo, KIND_EVENT, zTopic);
  appendU16(&lo, iPart);
  hi.n = 0;
  tito_buf_append(&hi, lo.a, lo.n);
  appendU64(&hi, (uint64_t)iMin + 1);
  if (lo.rc || hi.rc) {
    rc = SQLITE_NOMEM;
    goto done;
  }
  if (pTopic->nRetain <= 0) {
    /* Without retention the whole range goes: one range delete. */
    r = pKv->pMethods->xDeleteRange(pKv, lo.a, lo.n, hi.a, hi.n);
    if (r != TITO_OK) rc = obErr(pzErr, pKv, r, "removing consumed events");
    goto done;
  }
  r = pKv->pMethods->xScan(pKv, lo.a, lo.n, hi.a, hi.n, 0, nMax, &pIter);
  if (r != TITO_OK) {
    rc = obErr(pzErr, pKv, r, "reading consumed events");
    goto done;
  }
  hi.n = 0; /* becomes the key after the last event old enough */
  while (!pKv->pMethods->xIterEof(pIter)) {
    tito_value aEv[TITO_EV_N];
    int nVal, nk;
    const uint8_t *pVal = pKv->pMethods->xIterValue(pIter, &nVal);
    const uint8_t *pk;
    if (tito_row_decode(pVal, nVal, TITO_EV_N, aEv) != TITO_OK ||
        aEv[TITO_EV_CREATED].eType != SQLITE_INTEGER) {
      rc = obCorrupt(pzErr, zTopic, "event");
      break;
    }
    if (aEv[TITO_EV_CREATED].i + pTopic->nRetain > now) break;
    pk = pKv->pMethods->xIterKey(pIter, &nk);
    hi.n = 0;
    tito_buf_append(&hi, pk, nk);
    tito_buf_append_byte(&hi, 0);
    r = pKv->pMethods->xIterNext(pIter);
    if (r != TITO_OK) {
      rc = obErr(pzErr, pKv, r, "reading consumed events");
      break;
    }
  }
  pKv->pMethods->xIterClose(pIter);
  pIter = 0;
  if (rc == SQLITE_OK && hi.n > 0) {
    r = hi.rc ? TITO_NOMEM
              : pKv->pMethods->xDeleteRange(pKv, lo.a, lo.n, hi.a, hi.n);
    if (r != TITO_OK) rc = obErr(pzErr, pKv, r, "removing consumed events");
  }
done:
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  return rc;
}

/* Leave the current scan; when a partition was consumed from, collect. */
static int consEndScan(tito_consumer *c) {
  int rc = SQLITE_OK;
  if (c->pIter) {
    c->pKv->pMethods->xIterClose(c->pIter);
    c->pIter = 0;
  }
  if (c->iPhase == 1 && c->nAcked > 0 && !c->bPeek) {
    rc = obCollect(c->pKv, c->zTopic, &c->topic, c->iPart,
                   c->nAcked + GC_SLACK, c->now, &c->zErr);
  }
  c->nAcked = 0;
  return rc;
}

/* Settle on the next row at or after the iterator's position, moving
** through phases and partitions (with a worker: only its partitions). */
static int consSettle(tito_consumer *c) {
  tito_kv *pKv = c->pKv;
  int rc;
  for (;;) {
    int n;
    const uint8_t *p;
    if (c->nBatch > 0 && c->nDone >= c->nBatch) c->iPhase = 2;
    if (c->iPhase == 2) {
      rc = consEndScan(c);
      c->bEof = 1;
      return rc;
    }
    if (c->iPhase == 1 && c->aHeld && !c->aHeld[c->iPart]) {
      if (++c->iPart > c->iHi) c->iPhase = 2;
      continue;
    }
    if (c->pIter == 0) {
      rc = consScan(c);
      if (rc != SQLITE_OK) return rc;
    }
    if (pKv->pMethods->xIterEof(c->pIter)) {
      rc = consEndScan(c);
      if (rc != SQLITE_OK) return rc;
      if (c->iPhase == 0) {
        c->iPhase = 1;
        c->iPart = c->iLo;
      } else if (++c->iPart > c->iHi) {
        c->iPhase = 2;
      }
      if (c->iPhase == 1 && c->iPart >= c->topic.nPartitions) c->iPhase = 2;
      continue;
    }
    p = pKv->pMethods->xIterKey(c->pIter, &n);
    c->key.n = 0;
    tito_buf_append(&c->key, p, n);
    p = pKv->pMethods->xIterValue(c->pIter, &n);
    c->val.n = 0;
    tito_buf_append(&c->val, p, n);
    if (c->key.rc || c->val.rc) return SQLITE_NOMEM;
    if (tito_row_decode(c->val.a, c->val.n, TITO_EV_N, c->aEv) != TITO_OK ||
        c->aEv[TITO_EV_ID].eType != SQLITE_TEXT ||
        c->aEv[TITO_EV_PARTITION].eType != SQLITE_INTEGER) {
      return obCorrupt(&c->zErr, c->zTopic, "event");
    }
    if (c->iPhase == 0) {
      /* A retry of a partition outside the range or another worker's. */
      int64_t iPart = c->aEv[TITO_EV_PARTITION].i;
      if (iPart < c->iLo || iPart > c->iHi ||
          (c->aHeld && (iPart >= c->topic.nPartitions || !c->aHeld[iPart]))) {
        int r = pKv->pMethods->xIterNext(c->pIter);
        if (r != TITO_OK) return obErr(&c->zErr, pKv, r, "reading events");
        continue;
      }
    } else {
      /* The log's key is the truth for partition and position. */
      tito_value_int(&c->aEv[TITO_EV_PARTITION], c->iPart);
      tito_value_int(&c->aEv[TITO_EV_POSITION],
             (int64_t)readU64(c->key.a + c->key.n - 8));
    }
    c->nDone++;
    return SQLITE_OK;
  }
}

/* ------------------------------------------------------------ leases */

/* P | 0 | 0x17 | T | G (| u16 partition) */
static void obLeaseKey(tito_buf *b, const char *zTopic, const char *zGroup,
                       int iPart) {
  obKey(b, KIND_LEASE, zTopic);
  appendText(b, zGroup);
  if (iPart >= 0) appendU16(b, iPart);
}

/* Decode a lease record: owner (into *pOwner, not terminated), expiry,
** generation. */
static int obLeaseDecode(const uint8_t *p, int n, tito_value *a) {
  return tito_row_decode(p, n, 3, a) == TITO_OK &&
         a[0].eType == SQLITE_TEXT && a[1].eType == SQLITE_INTEGER &&
         a[2].eType == SQLITE_INTEGER;
}

static int obOwnerIs(const tito_value *v, const char *zWorker) {
  return v->n == (int)strlen(zWorker) &&
         memcmp(v->z, zWorker, (size_t)v->n) == 0;
}

/* Which partitions the worker holds (live leases); unless bPeek, each held
** lease is written again in the consuming transaction: a worker whose lease
** was taken over meanwhile then conflicts at COMMIT (TiKV: a write
** conflict on the lease key; the embedded store: SQLite refuses a write on
** a stale snapshot) instead of processing twice. */
static int consLeases(tito_consumer *c, const char *zWorker) {
  tito_kv *pKv = c->pKv;
  int i, rc = SQLITE_OK;
  c->aHeld = sqlite3_malloc(c->topic.nPartitions);
  if (c->aHeld == 0) return SQLITE_NOMEM;
  memset(c->aHeld, 0, (size_t)c->topic.nPartitions);
  for (i = 0; rc == SQLITE_OK && i < c->topic.nPartitions; i++) {
    tito_buf k = TITO_BUF_INIT;
    const uint8_t *pVal;
    tito_value a[3];
    int nVal, r;
    obLeaseKey(&k, c->zTopic, c->zGroup, i);
    r = k.rc ? TITO_NOMEM : pKv->pMethods->xGet(pKv, k.a, k.n, &pVal, &nVal);
    if (r == TITO_OK) {
      if (!obLeaseDecode(pVal, nVal, a)) {
        rc = obCorrupt(&c->zErr, c->zTopic, "lease");
      } else if (obOwnerIs(&a[0], zWorker) && a[1].i > c->now) {
        c->aHeld[i] = 1;
        if (!c->bPeek) {
          tito_buf v = TITO_BUF_INIT;
          tito_buf_append(&v, pVal, nVal);
          r = v.rc ? TITO_NOMEM
                   : pKv->pMethods->xPut(pKv, k.a, k.n, v.a, v.n);
          tito_buf_free(&v);
          if (r != TITO_OK) rc = obErr(&c->zErr, pKv, r, "fencing a lease");
        }
      }
    } else if (r != TITO_NOTFOUND) {
      rc = obErr(&c->zErr, pKv, r, "reading a lease");
    }
    tito_buf_free(&k);
  }
  return rc;
}

int tito_outbox_lease(tito_kv *pKv, const char *zTopic, const char *zGroup,
                      const char *zWorker, int64_t nSeconds, int nMax,
                      int64_t now, int *pnHeld, char **pzErr) {
  tito_topic_rec topic;
  int pass, i, rc = tito_outbox_topic(pKv, zTopic, &topic, pzErr);
  *pnHeld = 0;
  if (rc == SQLITE_DONE) {
    *pzErr = sqlite3_mprintf("no such topic: %s", zTopic);
    return SQLITE_ERROR;
  }
  /* Pass 0 renews (or, with 0 seconds, gives up) the worker's own leases;
  ** pass 1 claims free and expired ones until it holds nMax. */
  for (pass = 0; rc == SQLITE_OK && pass < 2; pass++) {
    for (i = 0; rc == SQLITE_OK && i < topic.nPartitions; i++) {
      tito_buf k = TITO_BUF_INIT, v = TITO_BUF_INIT;
      const uint8_t *pVal;
      tito_value a[3];
      int nVal, r, bMine = 0, bFree = 1;
      int64_t iGen = 0;
      obLeaseKey(&k, zTopic, zGroup, i);
      r = k.rc ? TITO_NOMEM : pKv->pMethods->xGet(pKv, k.a, k.n, &pVal, &nVal);
      if (r == TITO_OK) {
        if (!obLeaseDecode(pVal, nVal, a)) {
          rc = obCorrupt(pzErr, zTopic, "lease");
        } else {
          bMine = obOwnerIs(&a[0], zWorker);
          bFree = a[1].i <= now;
          iGen = a[2].i;
        }
      } else if (r != TITO_NOTFOUND) {
        rc = obErr(pzErr, pKv, r, "reading a lease");
      }
      if (rc == SQLITE_OK && pass == 0 && bMine && nSeconds == 0) {
        r = pKv->pMethods->xDelete(pKv, k.a, k.n);
        if (r != TITO_OK) rc = obErr(pzErr, pKv, r, "giving up a lease");
      } else if (rc == SQLITE_OK && nSeconds > 0 &&
                 ((pass == 0 && bMine && !bFree) ||
                  (pass == 1 && bFree && (nMax <= 0 || *pnHeld < nMax)))) {
        tito_value_text(&a[0], zWorker);
        tito_value_int(&a[1], now + nSeconds);
        tito_value_int(&a[2], pass == 0 ? iGen : iGen + 1);
        tito_row_encode(&v, 3, a);
        r = v.rc ? TITO_NOMEM : pKv->pMethods->xPut(pKv, k.a, k.n, v.a, v.n);
        if (r != TITO_OK) rc = obErr(pzErr, pKv, r, "writing a lease");
        (*pnHeld)++;
        if (rc == SQLITE_OK && pass == 1) {
          /* The group shows in tito_consumers from its first lease. */
          int64_t iPos;
          rc = obCheckpoint(pKv, zTopic, i, zGroup, &iPos, pzErr);
          if (rc == SQLITE_OK && iPos < 0) {
            rc = obSetCheckpoint(pKv, zTopic, i, zGroup, 0, pzErr);
          }
        }
      }
      tito_buf_free(&k);
      tito_buf_free(&v);
    }
  }
  return rc;
}

int tito_consumer_open(tito_kv *pKv, tito_heads *pHeads, const char *zTopic,
                       const char *zGroup, const char *zWorker, int iLo, int iHi, int64_t nBatch,
                       int bPeek, int64_t now, tito_consumer **ppCons,
                       char **pzErr) {
  tito_consumer *c;
  int rc;
  *ppCons = 0;
  c = sqlite3_malloc(sizeof(*c));
  if (c == 0) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  c->pKv = pKv;
  c->zTopic = sqlite3_mprintf("%s", zTopic);
  c->zGroup = sqlite3_mprintf("%s", zGroup);
  c->nBatch = nBatch;
  c->bPeek = bPeek;
  c->now = now;
  c->iLo = iLo < 0 ? 0 : iLo;
  c->iHi = iHi;
  *ppCons = c;
  if (c->zTopic == 0 || c->zGroup == 0) return SQLITE_NOMEM;
  rc = tito_outbox_topic(pKv, zTopic, &c->topic, &c->zErr);
  if (rc == SQLITE_DONE) {
    c->zErr = sqlite3_mprintf("tito_events: no such topic: %s (declare it "
                              "with TOPIC in a model)", zTopic);
    rc = SQLITE_ERROR;
  }
  if (rc == SQLITE_OK && (c->iHi < 0 || c->iHi >= c->topic.nPartitions)) {
    c->iHi = c->topic.nPartitions - 1;
  }
  if (rc == SQLITE_OK && zWorker) rc = consLeases(c, zWorker);
  if (rc == SQLITE_OK && !bPeek) {
    rc = obPromote(pKv, pHeads, zTopic, now, &c->zErr);
  }
  if (rc == SQLITE_OK) rc = consSettle(c);
  if (rc != SQLITE_OK && c->zErr) {
    *pzErr = sqlite3_mprintf("%s", c->zErr);
  }
  return rc;
}

int tito_consumer_next(tito_consumer *c) {
  int r;
  if (c->bEof) return SQLITE_OK;
  r = c->pKv->pMethods->xIterNext(c->pIter);
  if (r != TITO_OK) return obErr(&c->zErr, c->pKv, r, "reading events");
  return consSettle(c);
}

int tito_consumer_eof(tito_consumer *c) { return c->bEof; }

const tito_value *tito_consumer_row(tito_consumer *c) { return c->aEv; }

int tito_consumer_ack(tito_consumer *c) {
  int r;
  if (c->bPeek || c->bEof) return SQLITE_OK;
  if (c->iPhase == 0) {
    r = c->pKv->pMethods->xDelete(c->pKv, c->key.a, c->key.n);
    return r == TITO_OK ? SQLITE_OK
                        : obErr(&c->zErr, c->pKv, r, "taking a retry");
  }
  c->nAcked++;
  return obSetCheckpoint(c->pKv, c->zTopic, c->iPart, c->zGroup,
                         c->aEv[TITO_EV_POSITION].i, &c->zErr);
}

const char *tito_consumer_errmsg(tito_consumer *c) {
  return c && c->zErr ? c->zErr : "";
}

void tito_consumer_close(tito_consumer *c) {
  if (c == 0) return;
  if (c->pIter) c->pKv->pMethods->xIterClose(c->pIter);
  sqlite3_free(c->zTopic);
  sqlite3_free(c->zGroup);
  tito_buf_free(&c->key);
  tito_buf_free(&c->val);
  tito_buf_free(&c->hi);
  sqlite3_free(c->aHeld);
  sqlite3_free(c->zErr);
  sqlite3_free(c);
}

/* ------------------------------------------------- retries, dead letters */

int tito_outbox_retry(tito_kv *pKv, const char *zTopic, const char *zGroup,
                      const tito_value *aIn, int64_t nDelay, int64_t now,
                      int *pbDead, char **pzErr) {
  tito_topic_rec topic;
  tito_value aEv[TITO_EV_N];
  tito_buf k = TITO_BUF_INIT;
  int rc = tito_outbox_topic(pKv, zTopic, &topic, pzErr);
  int64_t nAttempt;
  if (rc == SQLITE_DONE) {
    *pzErr = sqlite3_mprintf("tito_retry: no such topic: %s", zTopic);
    return SQLITE_ERROR;
  }
  if (rc != SQLITE_OK) return rc;
  memcpy(aEv, aIn, sizeof(aEv));
  nAttempt = (aEv[TITO_EV_ATTEMPTS].eType == SQLITE_INTEGER
                  ? aEv[TITO_EV_ATTEMPTS].i : 0) + 1;
  tito_value_int(&aEv[TITO_EV_ATTEMPTS], nAttempt);
  *pbDead = nAttempt >= topic.nMaxAttempts;
  if (*pbDead) {
    tito_buf v = TITO_BUF_INIT;
    int r;
    tito_value_int(&aEv[TITO_EV_DUE], now);
    obKey(&k, KIND_DEAD, zTopic);
    appendText(&k, zGroup);
    tito_key_append(&k, &aEv[TITO_EV_ID], 0);
    tito_row_encode(&v, TITO_EV_N, aEv);
    r = k.rc || v.rc ? TITO_NOMEM
                     : pKv->pMethods->xPut(pKv, k.a, k.n, v.a, v.n);
    rc = r == TITO_OK ? SQLITE_OK : obErr(pzErr, pKv, r, "writing a dead letter");
    tito_buf_free(&v);
  } else {
    if (nDelay < 0) {
      nDelay = nAttempt >= 12 ? 3600 : ((int64_t)1 << nAttempt);
      if (nDelay > 3600) nDelay = 3600;
    }
    tito_value_int(&aEv[TITO_EV_DUE], now + nDelay);
    obKey(&k, KIND_RETRY, zTopic);
    appendText(&k, zGroup);
    rc = obPutTimed(pKv, &k, aEv, now + nDelay, pzErr);
  }
  tito_buf_free(&k);
  return rc;
}

/* The dead letter's key and record, copied into pVal. */
static int obDeadGet(tito_kv *pKv, const char *zTopic, const char *zGroup,
                     const char *zEventId, tito_buf *pKey, tito_buf *pVal,
                     char **pzErr) {
  tito_value v;
  const uint8_t *p;
  int n, r;
  tito_value_text(&v, zEventId);
  obKey(pKey, KIND_DEAD, zTopic);
  appendText(pKey, zGroup);
  tito_key_append(pKey, &v, 0);
  if (pKey->rc) return SQLITE_NOMEM;
  r = pKv->pMethods->xGet(pKv, pKey->a, pKey->n, &p, &n);
  if (r == TITO_NOTFOUND) return SQLITE_DONE;
  if (r != TITO_OK) return obErr(pzErr, pKv, r, "reading a dead letter");
  pVal->n = 0;
  tito_buf_append(pVal, p, n);
  return pVal->rc ? SQLITE_NOMEM : SQLITE_OK;
}

int tito_outbox_dead_replay(tito_kv *pKv, const char *zTopic,
                            const char *zGroup, const char *zEventId,
                            int64_t now, char **pzErr) {
  tito_buf k = TITO_BUF_INIT, v = TITO_BUF_INIT;
  tito_value aEv[TITO_EV_N];
  int r, rc = obDeadGet(pKv, zTopic, zGroup, zEventId, &k, &v, pzErr);
  if (rc == SQLITE_OK) {
    if (tito_row_decode(v.a, v.n, TITO_EV_N, aEv) != TITO_OK) {
      rc = obCorrupt(pzErr, zTopic, "dead letter");
    }
  }
  if (rc == SQLITE_OK) {
    r = pKv->pMethods->xDelete(pKv, k.a, k.n);
    if (r != TITO_OK) rc = obErr(pzErr, pKv, r, "replaying a dead letter");
  }
  if (rc == SQLITE_OK) {
    tito_value_int(&aEv[TITO_EV_ATTEMPTS], 0);
    tito_value_int(&aEv[TITO_EV_DUE], now);
    obKey(&k, KIND_RETRY, zTopic);
    appendText(&k, zGroup);
    rc = obPutTimed(pKv, &k, aEv, now, pzErr);
  }
  tito_buf_free(&k);
  tito_buf_free(&v);
  return rc;
}

int tito_outbox_dead_drop(tito_kv *pKv, const char *zTopic, const char *zGroup,
                          const char *zEventId, char **pzErr) {
  tito_buf k = TITO_BUF_INIT, v = TITO_BUF_INIT;
  int r, rc = obDeadGet(pKv, zTopic, zGroup, zEventId, &k, &v, pzErr);
  if (rc == SQLITE_OK) {
    r = pKv->pMethods->xDelete(pKv, k.a, k.n);
    if (r != TITO_OK) rc = obErr(pzErr, pKv, r, "dropping a dead letter");
  }
  tito_buf_free(&k);
  tito_buf_free(&v);
  return rc;
}

int tito_outbox_group_start(tito_kv *pKv, const char *zTopic,
                            const char *zGroup, int bEnd, char **pzErr) {
  tito_topic_rec topic;
  int i, rc = tito_outbox_topic(pKv, zTopic, &topic, pzErr);
  if (rc == SQLITE_DONE) {
    *pzErr = sqlite3_mprintf("tito_group_start: no such topic: %s", zTopic);
    return SQLITE_ERROR;
  }
  for (i = 0; rc == SQLITE_OK && i < topic.nPartitions; i++) {
    int64_t iHead = 0;
    if (bEnd) rc = obHead(pKv, zTopic, i, &iHead, pzErr);
    if (rc == SQLITE_OK) {
      rc = obSetCheckpoint(pKv, zTopic, i, zGroup, iHead, pzErr);
    }
  }
  return rc;
}

/* ------------------------------------------------------------ views */

/* Name of the TEXT field at p[0..n) into pOut (NUL-terminated); bytes
** taken or -1. */
static int obTakeText(const uint8_t *p, int n, tito_buf *pOut) {
  tito_value v;
  tito_buf scratch = TITO_BUF_INIT;
  int m = tito_key_decode(p, n, 0, 0, &v, &scratch);
  if (m < 0 || v.eType != SQLITE_TEXT) m = -1;
  if (m >= 0) {
    pOut->n = 0;
    tito_buf_append(pOut, v.z, v.n);
    tito_buf_append_byte(pOut, 0);
    if (pOut->rc) m = -1;
  }
  tito_buf_free(&scratch);
  return m;
}

/* Age of the oldest due event after iPos in partition iPart (-1: none). */
static int obOldest(tito_kv *pKv, const char *zTopic, int iPart, int64_t iPos,
                    int64_t now, int64_t *pnAge, char **pzErr) {
  tito_buf lo = TITO_BUF_INIT;
  tito_kv_iter *pIter = 0;
  int r, rc = SQLITE_OK;
  *pnAge = -1;
  obKey(&lo, KIND_EVENT, zTopic);
  appendU16(&lo, iPart);
  appendU64(&lo, (uint64_t)iPos + 1);
  if (lo.rc) return SQLITE_NOMEM;
  {
    tito_buf hi = TITO_BUF_INIT;
    tito_buf_append(&hi, lo.a, lo.n - 8);
    tito_key_prefix_end(hi.a, hi.n, &hi);
    r = hi.rc ? TITO_NOMEM
              : pKv->pMethods->xScan(pKv, lo.a, lo.n, hi.a, hi.n, 0, 1, &pIter);
    tito_buf_free(&hi);
  }
  if (r != TITO_OK) {
    rc = obErr(pzErr, pKv, r, "reading events");
  } else if (!pKv->pMethods->xIterEof(pIter)) {
    tito_value aEv[TITO_EV_N];
    int n;
    const uint8_t *p = pKv->pMethods->xIterValue(pIter, &n);
    if (tito_row_decode(p, n, TITO_EV_N, aEv) == TITO_OK &&
        aEv[TITO_EV_DUE].eType == SQLITE_INTEGER) {
      *pnAge = now - aEv[TITO_EV_DUE].i;
      if (*pnAge < 0) *pnAge = 0;
    }
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  tito_buf_free(&lo);
  return rc;
}

/* Dead letters of (topic, group). */
static int obDeadCount(tito_kv *pKv, const char *zTopic, const char *zGroup,
                       int64_t *pn, char **pzErr) {
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT;
  tito_kv_iter *pIter = 0;
  int r, rc = SQLITE_OK;
  *pn = 0;
  obKey(&lo, KIND_DEAD, zTopic);
  appendText(&lo, zGroup);
  tito_key_prefix_end(lo.a, lo.n, &hi);
  r = lo.rc || hi.rc ? TITO_NOMEM
                     : pKv->pMethods->xScan(pKv, lo.a, lo.n, hi.a, hi.n,
                                            TITO_SCAN_KEYONLY, 0, &pIter);
  while (r == TITO_OK && !pKv->pMethods->xIterEof(pIter)) {
    (*pn)++;
    r = pKv->pMethods->xIterNext(pIter);
  }
  if (r != TITO_OK) rc = obErr(pzErr, pKv, r, "counting dead letters");
  if (pIter) pKv->pMethods->xIterClose(pIter);
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  return rc;
}

/* One checkpoint key's row of the consumers view. */
static int obConsumerRow(tito_kv *pKv, const uint8_t *k, int nk,
                         const uint8_t *pVal, int nVal, int nPrefix,
                         int64_t now, tito_consumer_row_fn xRow, void *pCtx,
                         char **pzErr) {
  tito_buf topic = TITO_BUF_INIT, group = TITO_BUF_INIT;
  tito_value a[1];
  int64_t iHead = 0, nAge = -1, nDead = 0;
  int m, iPart, rc = SQLITE_OK;
  m = obTakeText(k + nPrefix, nk - nPrefix, &topic);
  if (m < 0 || nk < nPrefix + m + 2) {
    rc = SQLITE_CORRUPT;
  } else {
    iPart = (k[nPrefix + m] << 8) | k[nPrefix + m + 1];
    if (obTakeText(k + nPrefix + m + 2, nk - nPrefix - m - 2, &group) < 0 ||
        tito_row_decode(pVal, nVal, 1, a) != TITO_OK ||
        a[0].eType != SQLITE_INTEGER) {
      rc = SQLITE_CORRUPT;
    } else {
      const char *zT = (const char *)topic.a, *zG = (const char *)group.a;
      rc = obHead(pKv, zT, iPart, &iHead, pzErr);
      if (rc == SQLITE_OK) rc = obOldest(pKv, zT, iPart, a[0].i, now, &nAge, pzErr);
      if (rc == SQLITE_OK) rc = obDeadCount(pKv, zT, zG, &nDead, pzErr);
      if (rc == SQLITE_OK) {
        int64_t nLag = iHead > a[0].i ? iHead - a[0].i : 0;
        tito_buf lk = TITO_BUF_INIT, owner = TITO_BUF_INIT;
        tito_value l[3];
        const uint8_t *pl;
        int nl, r;
        int64_t iExp = 0, iGen = 0;
        obLeaseKey(&lk, zT, zG, iPart);
        r = lk.rc ? TITO_NOMEM : pKv->pMethods->xGet(pKv, lk.a, lk.n, &pl, &nl);
        if (r == TITO_OK && obLeaseDecode(pl, nl, l)) {
          tito_buf_append(&owner, l[0].z, l[0].n);
          tito_buf_append_byte(&owner, 0);
          iExp = l[1].i;
          iGen = l[2].i;
        } else if (r != TITO_OK && r != TITO_NOTFOUND) {
          rc = obErr(pzErr, pKv, r, "reading a lease");
        }
        if (rc == SQLITE_OK) {
          rc = owner.rc ? SQLITE_NOMEM
                        : xRow(pCtx, zT, zG, iPart, a[0].i, iHead, nLag, nAge,
                               nDead, owner.n ? (const char *)owner.a : 0,
                               iExp, iGen);
        }
        tito_buf_free(&lk);
        tito_buf_free(&owner);
      }
    }
  }
  if (rc == SQLITE_CORRUPT && *pzErr == 0) {
    *pzErr = sqlite3_mprintf("tito_consumers: a corrupt checkpoint");
  }
  tito_buf_free(&topic);
  tito_buf_free(&group);
  return rc;
}

int tito_outbox_consumers(tito_kv *pKv, int64_t now, tito_consumer_row_fn xRow,
                          void *pCtx, char **pzErr) {
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT, k = TITO_BUF_INIT;
  tito_buf v = TITO_BUF_INIT;
  int r, rc = SQLITE_OK, nPrefix;
  obKey(&lo, KIND_CKPT, 0);
  nPrefix = lo.n;
  tito_key_prefix_end(lo.a, lo.n, &hi);
  if (lo.rc || hi.rc) rc = SQLITE_NOMEM;
  /* One key at a time: the callback reads the store too. */
  while (rc == SQLITE_OK) {
    tito_kv_iter *pIter = 0;
    const uint8_t *p;
    int n;
    r = pKv->pMethods->xScan(pKv, lo.a, lo.n, hi.a, hi.n, 0, 1, &pIter);
    if (r != TITO_OK) {
      rc = obErr(pzErr, pKv, r, "reading checkpoints");
      break;
    }
    if (pKv->pMethods->xIterEof(pIter)) {
      pKv->pMethods->xIterClose(pIter);
      break;
    }
    p = pKv->pMethods->xIterKey(pIter, &n);
    k.n = 0;
    tito_buf_append(&k, p, n);
    p = pKv->pMethods->xIterValue(pIter, &n);
    v.n = 0;
    tito_buf_append(&v, p, n);
    pKv->pMethods->xIterClose(pIter);
    if (k.rc || v.rc) {
      rc = SQLITE_NOMEM;
      break;
    }
    rc = obConsumerRow(pKv, k.a, k.n, v.a, v.n, nPrefix, now, xRow, pCtx,
                       pzErr);
    lo.n = 0;
    tito_buf_append(&lo, k.a, k.n);
    tito_buf_append_byte(&lo, 0);
    if (lo.rc) rc = SQLITE_NOMEM;
  }
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  tito_buf_free(&k);
  tito_buf_free(&v);
  return rc;
}

int tito_outbox_dead_letters(tito_kv *pKv, tito_dead_row_fn xRow, void *pCtx,
                             char **pzErr) {
  tito_buf lo = TITO_BUF_INIT, hi = TITO_BUF_INIT;
  tito_buf topic = TITO_BUF_INIT, group = TITO_BUF_INIT;
  tito_kv_iter *pIter = 0;
  int r, rc = SQLITE_OK;
  obKey(&lo, KIND_DEAD, 0);
  tito_key_prefix_end(lo.a, lo.n, &hi);
  r = lo.rc || hi.rc ? TITO_NOMEM
                     : pKv->pMethods->xScan(pKv, lo.a, lo.n, hi.a, hi.n, 0, 0,
                                            &pIter);
  if (r != TITO_OK) rc = obErr(pzErr, pKv, r, "reading dead letters");
  while (rc == SQLITE_OK && !pKv->pMethods->xIterEof(pIter)) {
    tito_value aEv[TITO_EV_N];
    int nk, nv, m, m2;
    const uint8_t *k = pKv->pMethods->xIterKey(pIter, &nk);
    const uint8_t *pv = pKv->pMethods->xIterValue(pIter, &nv);
    m = obTakeText(k + lo.n, nk - lo.n, &topic);
    m2 = m < 0 ? -1 : obTakeText(k + lo.n + m, nk - lo.n - m, &group);
    if (m2 < 0 || tito_row_decode(pv, nv, TITO_EV_N, aEv) != TITO_OK) {
      rc = SQLITE_CORRUPT;
      *pzErr = sqlite3_mprintf("tito_dead_letters: a corrupt dead letter");
      break;
    }
    rc = xRow(pCtx, (const char *)topic.a, (const char *)group.a, aEv);
    if (rc == SQLITE_OK) {
      r = pKv->pMethods->xIterNext(pIter);
      if (r != TITO_OK) rc = obErr(pzErr, pKv, r, "reading dead letters");
    }
  }
  if (pIter) pKv->pMethods->xIterClose(pIter);
  tito_buf_free(&lo);
  tito_buf_free(&hi);
  tito_buf_free(&topic);
  tito_buf_free(&group);
  return rc;
}

/* ------------------------------------------------------------ check */

int tito_outbox_check_key(tito_kv *pKv, const uint8_t *pKey, int nKey,
                          const uint8_t *rest, int nRest) {
  tito_buf name = TITO_BUF_INIT;
  const uint8_t *pVal;
  tito_value aEv[TITO_EV_N];
  int nVal, m, kind, bad = 0;
  if (nRest < 5 || rest[4] < KIND_TOPIC || rest[4] > KIND_LEASE) return -1;
  kind = rest[4];
  m = obTakeText(rest + 5, nRest - 5, &name);
  tito_buf_free(&name);
  if (m < 0) return 1;
  if (pKv->pMethods->xGet(pKv, pKey, nKey, &pVal, &nVal) != TITO_OK) return 1;
  switch (kind) {
    case KIND_TOPIC: bad = tito_row_decode(pVal, nVal, 3, aEv) != TITO_OK ||
                           aEv[0].eType != SQLITE_INTEGER ||
                           nRest != 5 + m;
      break;
    case KIND_CKPT: bad = tito_row_decode(pVal, nVal, 1, aEv) != TITO_OK ||
                          aEv[0].eType != SQLITE_INTEGER;
      break;
    case KIND_LEASE: bad = !obLeaseDecode(pVal, nVal, aEv); break;
    case KIND_EVENT: bad = nRest != 5 + m + 10;
      /* fall through */
    default:
      bad = bad || tito_row_decode(pVal, nVal, TITO_EV_N, aEv) != TITO_OK ||
            aEv[TITO_EV_ID].eType != SQLITE_TEXT;
  }
  return bad;
}
