/*
** kv_embedded.c: the embedded default store (the tito_kv interface of kv.h
** over a table "<schema>".tito_store(k BLOB PRIMARY KEY, v BLOB) WITHOUT
** ROWID of the same SQLite database).
**
** Writes go straight to the table: commit and full rollback are SQLite's
** own. Statement-level rollback is not always SQLite's (see
** tito_kv_embedded_set_undo_log), so while a savepoint mark is open each
** write first records the previous state of its key in an in-memory undo
** log, which xRollbackTo replays backwards.
**
** Every statement is prepared once (SQLITE_PREPARE_PERSISTENT) and reused.
** Scan iterators each own a statement; closed iterators go back to a small
** pool per SQL variant instead of being finalized.
*/
#include "kv_embedded.h"
#include "buf.h"

#include <stdatomic.h>
#include <string.h>

/* Process-wide counters of every embedded handle (xStats). Lock-free C11
** atomics: the only global mutable state here, safe from any thread. */
enum {
  EMB_STAT_GETS,          /* point reads (xGet) */
  EMB_STAT_MULTI_GETS,    /* batch reads (xMultiGet) */
  EMB_STAT_SCANS,         /* scans opened (xScan) */
  EMB_STAT_ROWS_SCANNED,  /* rows stepped by scans */
  EMB_STAT_PUTS,          /* xPut */
  EMB_STAT_INSERTS,       /* xInsert that wrote */
  EMB_STAT_DELETES,       /* xDelete */
  EMB_STAT_DELETE_RANGES, /* xDeleteRange */
  EMB_STAT_COMMITS,       /* xCommit */
  EMB_STAT_ROLLBACKS,     /* xRollback */
  EMB_STAT_N
};
static const char *const azEmbStat[EMB_STAT_N] = {
  "gets", "multi_gets", "scans", "rows_scanned", "puts", "inserts",
  "deletes", "delete_ranges", "commits", "rollbacks"};
static _Atomic int64_t aEmbStat[EMB_STAT_N];

static void embCount(int e) { atomic_fetch_add(&aEmbStat[e], 1); }

/* Cached single-purpose statements, indexed by these. */
enum {
  STMT_GET,
  STMT_PUT,
  STMT_INSERT,
  STMT_DELETE,
  STMT_DELRANGE,   /* + RANGE_LO|RANGE_HI: 4 variants */
  STMT_PUT_MANY = STMT_DELRANGE + 4, /* PUT_MANY_ROWS keys at once */
  STMT_INSERT_MANY,                  /* the same, insert if absent */
  N_STMT
};

/* Keys a batch write (embPutMany) writes with one statement step: fewer
** steps, and SQLite keeps its cursor where the last key went. */
#define PUT_MANY_ROWS 64

/* Bits of a range or scan variant. */
#define RANGE_LO     0x01 /* has a lower bound ?1 */
#define RANGE_HI     0x02 /* has an upper bound ?2 */
#define SCAN_REV     0x04 /* ORDER BY k DESC */
#define SCAN_KEYONLY 0x08 /* SELECT k only */
#define N_VARIANT    16

#define POOL_MAX 8 /* closed iterators kept per variant */

typedef struct EmbKv EmbKv;
typedef struct EmbIter EmbIter;

/* A scan iterator (handed out as a tito_kv_iter *). */
struct EmbIter {
  EmbKv *pKv;
  sqlite3_stmt *pStmt;   /* owned; reset while pooled */
  int iVariant;          /* RANGE_* | SCAN_* bits */
  int bEof;
  int64_t nLeft;         /* rows the scan's limit still allows, or -1 */
  uint8_t *aBound;       /* copies of the bounds, bound SQLITE_STATIC */
  int nBoundAlloc;
  int nLo, nHi;          /* their lengths (low bound first) */
  const uint8_t *pKey;   /* the current key (SQLite's, until the next step) */
  int nKey;
  int bKeyBlob;          /* it is a blob (see iterPastEnd) */
  uint8_t *aLast;        /* the current key, saved before a write (bSaved) */
  int nLast, nLastAlloc;
  int bSaved;
  int64_t nStepped;      /* rows stepped, not yet in the shared count (one
                         ** atomic add per scan, not per row) */
  EmbIter *pNext;        /* live list or pool list */
  EmbIter *pPrev;        /* live list only */
};

/* One undo record: the key's bytes then, if nOld >= 0, its old value. */
typedef struct UndoEntry {
  int iOff;  /* offset of the key in aArena */
  int nKey;
  int nOld;  /* -1: the key was absent */
} UndoEntry;

/* A savepoint mark: the undo log length when it was set. */
typedef struct UndoMark {
  int iSave;
  int nEntry;
  int nArena;
} UndoMark;

#define MULTI_GET_N 32 /* keys per batched read statement */

struct EmbKv {
  tito_kv base;
  sqlite3 *db;
  char *zTable;                 /* "schema".tito_store, quoted */
  sqlite3_stmt *aStmt[N_STMT];  /* prepared on first use */
  sqlite3_stmt *pMultiGet;      /* k IN (?1..?MULTI_GET_N), on first use */
  EmbIter *apPool[N_VARIANT];   /* closed iterators, by variant */
  sqlite3_stmt *apSkip[8];      /* xSkip: the nth key, by RANGE_* |
                                ** SCAN_REV variant */
  sqlite3_stmt *apSkipCount[4]; /* xSkip: a range's count, by RANGE_* */
  uint8_t *aSkipKey;            /* copy of the last key xSkip passed */
  int nSkipKeyAlloc;
  int anPool[N_VARIANT];
  EmbIter *pLive;               /* open iterators */
  uint8_t *aVal;                /* copy of the last xGet value */
  int nValAlloc;
  int bUndo;                    /* undo log enabled */
  UndoMark *aMark;
  int nMark, nMarkAlloc;
  UndoEntry *aEntry;
  int nEntry, nEntryAlloc;
  uint8_t *aArena;              /* keys and old values of aEntry */
  int nArena, nArenaAlloc;
  char *zErr;                   /* last error message, or NULL */
  int bNomem;                   /* the last error was out of memory */
};

static const uint8_t aEmpty[1] = {0}; /* non-NULL pointer for 0 bytes */

/* Map a SQLite result code to a TITO_* code. */
static int embRc(int rc) {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return TITO_OK;
    case SQLITE_NOMEM: return TITO_NOMEM;
    case SQLITE_READONLY: return TITO_READONLY;
    default: return TITO_ERROR;
  }
}

/* Record "zWhat: <sqlite message>" as the handle's error; returns the code. */
static int embSqlError(EmbKv *p, int rc, const char *zWhat) {
  sqlite3_free(p->zErr);
  p->zErr = sqlite3_mprintf("%s: %s", zWhat, sqlite3_errmsg(p->db));
  p->bNomem = p->zErr == NULL;
  return embRc(rc) == TITO_OK ? TITO_ERROR : embRc(rc);
}

/* Record an out-of-memory error. */
static int embNomem(EmbKv *p) {
  sqlite3_free(p->zErr);
  p->zErr = NULL;
  p->bNomem = 1;
  return TITO_NOMEM;
}

/* Bind n bytes at a as a BLOB (never as NULL, even for n == 0). */
static int embBind(sqlite3_stmt *s, int i, const uint8_t *a, int n) {
  return sqlite3_bind_blob(s, i, n > 0 ? (const void *)a : (const void *)aEmpty,
                           n, SQLITE_STATIC);
}

/* A column as bytes: never NULL. One sqlite3_column_value() instead of
** column_blob + column_bytes, each of which takes the connection's mutex;
** the value is read at once by the thread stepping the statement. */
static const uint8_t *embValueBytes(sqlite3_value *v, int *pn) {
  const uint8_t *a = sqlite3_value_blob(v);
  *pn = sqlite3_value_bytes(v);
  return a ? a : aEmpty;
}

static const uint8_t *embColumn(sqlite3_stmt *s, int i, int *pn) {
  return embValueBytes(sqlite3_column_value(s, i), pn);
}

/* Prepare zSql (a format with one %s for the table) for long reuse. */
static int embPrepare(EmbKv *p, const char *zFmt, sqlite3_stmt **ppStmt) {
  char *zSql = sqlite3_mprintf(zFmt, p->zTable);
  int rc;
  if (zSql == NULL) return embNomem(p);
  rc = sqlite3_prepare_v3(p->db, zSql, -1, SQLITE_PREPARE_PERSISTENT, ppStmt,
                          NULL);
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) {
    *ppStmt = NULL;
    return embSqlError(p, rc, "preparing a tito_store statement");
  }
  return TITO_OK;
}

/* The cached statement iStmt in *ppStmt, prepared on first use. */
static int embStmt(EmbKv *p, int iStmt, sqlite3_stmt **ppStmt) {
  static const char *const azSql[N_STMT] = {
    "SELECT v FROM %s WHERE k=?1",
    "INSERT OR REPLACE INTO %s(k,v) VALUES(?1,?2)",
    "INSERT INTO %s(k,v) VALUES(?1,?2) ON CONFLICT(k) DO NOTHING",
    "DELETE FROM %s WHERE k=?1",
    "DELETE FROM %s",
    "DELETE FROM %s WHERE k>=?1",
    "DELETE FROM %s WHERE k<?2",
    "DELETE FROM %s WHERE k>=?1 AND k<?2",
    0, 0, /* STMT_PUT_MANY, STMT_INSERT_MANY: embPutManyStmt */
  };
  *ppStmt = p->aStmt[iStmt];
  if (*ppStmt) return TITO_OK;
  {
    int rc = embPrepare(p, azSql[iStmt], &p->aStmt[iStmt]);
    *ppStmt = p->aStmt[iStmt];
    return rc;
  }
}

/* Step a write statement to its end and reset it. */
static int embRunWrite(EmbKv *p, sqlite3_stmt *s, const char *zWhat) {
  int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) {
    int trc = embSqlError(p, rc, zWhat);
    sqlite3_reset(s);
    return trc;
  }
  sqlite3_reset(s);
  return TITO_OK;
}

/* ---------------------------------------------------------------------- */
/* Writes without undo logging. */

/* Before a write: every open iterator keeps a copy of its current key, so
** that its next step can skip what the write makes SQLite step onto again
** (kv.h: iterators stay ordered while the handle writes). A copy that
** cannot be made (out of memory) only loses that protection. */
static void embSaveIters(EmbKv *p) {
  EmbIter *it;
  for (it = p->pLive; it; it = it->pNext) {
    int nk;
    const uint8_t *k;
    if (it->bEof || it->bSaved) continue;
    k = it->pKey;
    nk = it->nKey;
    if (nk > it->nLastAlloc) {
      uint8_t *a = sqlite3_realloc64(it->aLast, (sqlite3_uint64)nk);
      if (a == NULL) continue;
      it->aLast = a;
      it->nLastAlloc = nk;
    }
    if (nk > 0) memcpy(it->aLast, k, (size_t)nk);
    it->nLast = nk;
    it->bSaved = 1;
  }
}

static int rawPut(EmbKv *p, const uint8_t *pKey, int nKey, const uint8_t *pVal,
                  int nVal) {
  sqlite3_stmt *s;
  int rc = embStmt(p, STMT_PUT, &s);
  if (rc != TITO_OK) return rc;
  embSaveIters(p);
  embBind(s, 1, pKey, nKey);
  embBind(s, 2, pVal, nVal);
  return embRunWrite(p, s, "writing a key");
}

static int rawDelete(EmbKv *p, const uint8_t *pKey, int nKey) {
  sqlite3_stmt *s;
  int rc = embStmt(p, STMT_DELETE, &s);
  if (rc != TITO_OK) return rc;
  embSaveIters(p);
  embBind(s, 1, pKey, nKey);
  return embRunWrite(p, s, "deleting a key");
}

/* ---------------------------------------------------------------------- */
/* The undo log. */

/* Grow *pa (elements of sz bytes, *pnAlloc of them) to hold nNeed. */
static int embGrow(void **pa, int *pnAlloc, int nNeed, int sz) {
  int64_t nNew;
  void *aNew;
  if (nNeed <= *pnAlloc) return TITO_OK;
  nNew = *pnAlloc ? (int64_t)*pnAlloc * 2 : 16;
  while (nNew < nNeed) nNew *= 2;
  if (nNew * sz > 0x7fffffff) return TITO_NOMEM;
  aNew = sqlite3_realloc64(*pa, (sqlite3_uint64)(nNew * sz));
  if (aNew == NULL) return TITO_NOMEM;
  *pa = aNew;
  *pnAlloc = (int)nNew;
  return TITO_OK;
}

/* Make room for one more entry with nBytes of key and value. */
static int undoReserve(EmbKv *p, int64_t nBytes) {
  if (p->nArena + nBytes > 0x7fffffff) return embNomem(p);
  if (embGrow((void **)&p->aEntry, &p->nEntryAlloc, p->nEntry + 1,
              (int)sizeof(UndoEntry)) ||
      embGrow((void **)&p->aArena, &p->nArenaAlloc,
              p->nArena + (int)nBytes, 1)) {
    return embNomem(p);
  }
  return TITO_OK;
}

/* Append an entry: key, and old value if nOld >= 0. Room is reserved. */
static void undoPush(EmbKv *p, const uint8_t *pKey, int nKey,
                     const uint8_t *pOld, int nOld) {
  UndoEntry *e = &p->aEntry[p->nEntry++];
  e->iOff = p->nArena;
  e->nKey = nKey;
  e->nOld = nOld;
  if (nKey > 0) memcpy(p->aArena + p->nArena, pKey, (size_t)nKey);
  p->nArena += nKey;
  if (nOld > 0) memcpy(p->aArena + p->nArena, pOld, (size_t)nOld);
  if (nOld > 0) p->nArena += nOld;
}

/* True if writes must be logged now. */
static int undoActive(EmbKv *p) { return p->bUndo && p->nMark > 0; }

static int embGet(tito_kv *pKv, const uint8_t *pKey, int nKey,
                  const uint8_t **ppVal, int *pnVal);

/* Log the current state of one key (value or absent). *pbFound says
** whether it exists. */
static int undoLogKey(EmbKv *p, const uint8_t *pKey, int nKey, int *pbFound) {
  const uint8_t *pOld;
  int nOld;
  int rc = embGet(&p->base, pKey, nKey, &pOld, &nOld);
  *pbFound = rc == TITO_OK;
  if (rc == TITO_NOTFOUND) {
    pOld = NULL;
    nOld = -1;
  } else if (rc != TITO_OK) {
    return rc;
  }
  rc = undoReserve(p, (int64_t)nKey + (nOld > 0 ? nOld : 0));
  if (rc == TITO_OK) undoPush(p, pKey, nKey, pOld, nOld);
  return rc;
}

/* Undo the log back to nEntry entries (newest first). */
static int undoReplay(EmbKv *p, int nEntry, int nArena) {
  while (p->nEntry > nEntry) {
    const UndoEntry *e = &p->aEntry[p->nEntry - 1];
    const uint8_t *pKey = p->aArena + e->iOff;
    int rc = e->nOld < 0 ? rawDelete(p, pKey, e->nKey)
                         : rawPut(p, pKey, e->nKey, pKey + e->nKey, e->nOld);
    if (rc != TITO_OK) return rc; /* the entry stays: a retry may work */
    p->nEntry--;
  }
  p->nArena = nArena;
  return TITO_OK;
}

/* Forget every mark and the log. */
static void undoClear(EmbKv *p) {
  p->nMark = 0;
  p->nEntry = 0;
  p->nArena = 0;
}

/* ---------------------------------------------------------------------- */
/* Reads. */

/* Point read; the value is copied to p->aVal (no statement stays active). */
static int embGet(tito_kv *pKv, const uint8_t *pKey, int nKey,
                  const uint8_t **ppVal, int *pnVal) {
  EmbKv *p = (EmbKv *)pKv;
  sqlite3_stmt *s;
  int rc = embStmt(p, STMT_GET, &s);
  embCount(EMB_STAT_GETS);
  if (rc != TITO_OK) return rc;
  embBind(s, 1, pKey, nKey);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    int n;
    const uint8_t *a = embColumn(s, 0, &n);
    if (n > p->nValAlloc &&
        embGrow((void **)&p->aVal, &p->nValAlloc, n, 1) != TITO_OK) {
      sqlite3_reset(s);
      return embNomem(p);
    }
    if (n > 0) memcpy(p->aVal, a, (size_t)n);
    *ppVal = n > 0 ? p->aVal : aEmpty;
    *pnVal = n;
    rc = TITO_OK;
  } else if (rc == SQLITE_DONE) {
    *ppVal = NULL;
    *pnVal = 0;
    rc = TITO_NOTFOUND;
  } else {
    rc = embSqlError(p, rc, "reading a key");
  }
  sqlite3_reset(s);
  return rc;
}

/*
** Read up to MULTI_GET_N keys apKey[0..n) with one statement, calling
** xRow(pCtx, iBase + i, value) for each key found:
**   WITH q(key) AS (VALUES (?1),...,(?N)) SELECT s.k, s.v
**   FROM q CROSS JOIN tito_store s ON s.k = q.key
** Rows come back in the order of the parameters (q is the outer loop), so
** matching them to keys is one forward walk; unused parameters are NULL,
** which seeks nothing. (An IN list costs more: SQLite builds an ephemeral
** index of its values on every run.)
*/
static int embMultiGetChunk(EmbKv *p, int iBase, int n,
                            const uint8_t *const *apKey, const int *anKey,
                            tito_kv_row_fn xRow, void *pCtx) {
  sqlite3_stmt *s = p->pMultiGet;
  int i, rc = TITO_OK, r, iNext = 0;
  if (s == NULL) {
    char zSql[600];
    int o;
    sqlite3_snprintf(100, zSql, "WITH q(key) AS (VALUES (?1)");
    o = (int)strlen(zSql);
    for (i = 2; i <= MULTI_GET_N; i++) {
      sqlite3_snprintf((int)sizeof(zSql) - o, zSql + o, ",(?%d)", i);
      o += (int)strlen(zSql + o);
    }
    sqlite3_snprintf((int)sizeof(zSql) - o, zSql + o,
                     ") SELECT s.k, s.v FROM q CROSS JOIN %%s AS s"
                     " ON s.k = q.key");
    rc = embPrepare(p, zSql, &p->pMultiGet);
    if (rc != TITO_OK) return rc;
    s = p->pMultiGet;
  }
  for (i = 0; i < MULTI_GET_N; i++) {
    if (i < n) {
      embBind(s, i + 1, apKey[i], anKey[i]);
    } else {
      sqlite3_bind_null(s, i + 1);
    }
  }
  while (rc == TITO_OK && (r = sqlite3_step(s)) == SQLITE_ROW) {
    int nk, nv;
    const uint8_t *k = embColumn(s, 0, &nk);
    const uint8_t *v = embColumn(s, 1, &nv);
    while (iNext < n &&
           !(anKey[iNext] == nk && (nk == 0 || memcmp(apKey[iNext], k, nk) == 0))) {
      iNext++; /* that key is absent */
    }
    if (iNext < n) rc = xRow(pCtx, iBase + iNext++, v, nv);
  }
  if (rc == TITO_OK && r != SQLITE_DONE) {
    rc = embSqlError(p, r, "reading keys");
  }
  sqlite3_reset(s);
  return rc;
}

/* Batch read: point reads for a few keys, else batches of MULTI_GET_N. */
static int embMultiGet(tito_kv *pKv, int nKey, const uint8_t *const *apKey,
                       const int *anKey, tito_kv_row_fn xRow, void *pCtx) {
  EmbKv *p = (EmbKv *)pKv;
  int i, rc;
  embCount(EMB_STAT_MULTI_GETS);
  if (nKey <= 2) {
    for (i = 0; i < nKey; i++) {
      const uint8_t *pVal;
      int nVal;
      rc = embGet(pKv, apKey[i], anKey[i], &pVal, &nVal);
      if (rc == TITO_NOTFOUND) continue;
      if (rc != TITO_OK) return rc;
      rc = xRow(pCtx, i, pVal, nVal);
      if (rc != 0) return rc;
    }
    return TITO_OK;
  }
  for (i = 0; i < nKey; i += MULTI_GET_N) {
    int n = nKey - i < MULTI_GET_N ? nKey - i : MULTI_GET_N;
    rc = embMultiGetChunk(p, i, n, apKey + i, anKey + i, xRow, pCtx);
    if (rc != TITO_OK) return rc;
  }
  return TITO_OK;
}

/* ---------------------------------------------------------------------- */
/* Scans. */

/* Prepare the SELECT of scan variant v. A scan's limit is counted by the
** iterator, not written as LIMIT ?: SQLite 3.52 (not 3.40) reads a
** LIMIT's bound value when it plans, so every new value bound would
** prepare the statement again. */
static int iterPrepare(EmbKv *p, int v, sqlite3_stmt **ppStmt) {
  char zFmt[160];
  const char *zWhere = "";
  /* Only the bound the scan starts from is SQL: the far one is checked by
  ** iterStep on the key it reads anyway, which spares SQLite comparing
  ** each row's record with it (about a tenth of a covering scan). */
  if ((v & SCAN_REV) ? (v & RANGE_HI) : (v & RANGE_LO)) {
    zWhere = (v & SCAN_REV) ? " WHERE k<?2" : " WHERE k>=?1";
  }
  sqlite3_snprintf((int)sizeof(zFmt), zFmt,
                   "SELECT k%s FROM %%s%s ORDER BY k%s",
                   (v & SCAN_KEYONLY) ? "" : ", v", zWhere,
                   (v & SCAN_REV) ? " DESC" : "");
  return embPrepare(p, zFmt, ppStmt);
}

/* An iterator of variant v from the pool, or a new one, in *ppIt. */
static int iterAcquire(EmbKv *p, int v, EmbIter **ppIt) {
  EmbIter *it = p->apPool[v];
  *ppIt = NULL;
  if (it) {
    p->apPool[v] = it->pNext;
    p->anPool[v]--;
  } else {
    int rc;
    it = sqlite3_malloc(sizeof(*it));
    if (it == NULL) return embNomem(p);
    memset(it, 0, sizeof(*it));
    it->pKv = p;
    it->iVariant = v;
    rc = iterPrepare(p, v, &it->pStmt);
    if (rc != TITO_OK) {
      sqlite3_free(it);
      return rc;
    }
  }
  it->bSaved = 0;
  it->pNext = p->pLive; /* link into the live list */
  it->pPrev = NULL;
  if (p->pLive) p->pLive->pPrev = it;
  p->pLive = it;
  *ppIt = it;
  return TITO_OK;
}

/* Finalize and free an iterator (not linked anywhere). */
static void iterDestroy(EmbIter *it) {
  sqlite3_finalize(it->pStmt);
  sqlite3_free(it->aBound);
  sqlite3_free(it->aLast);
  sqlite3_free(it);
}

/* Is the key just stepped onto beyond the far bound (see iterPrepare)?
** A key that is not a blob (only a damaged store has one) sorts before
** every blob in SQLite, as the SQL bound compared it: below a lower bound,
** below an upper one. */
static int iterPastEnd(EmbIter *it) {
  if (!(it->iVariant & ((it->iVariant & SCAN_REV) ? RANGE_LO : RANGE_HI))) {
    return 0;
  }
  if (it->iVariant & SCAN_REV) {
    return !it->bKeyBlob ||
           tito_bytes_cmp(it->pKey, it->nKey, it->aBound, it->nLo) < 0;
  }
  return it->bKeyBlob && tito_bytes_cmp(it->pKey, it->nKey,
                                        it->aBound + it->nLo, it->nHi) >= 0;
}

/* Step an iterator's statement; sets bEof. */
static int iterStep(EmbIter *it) {
  int rc;
  if (it->nLeft == 0) {
    it->bEof = 1;
    return TITO_OK;
  }
  for (;;) {
    rc = sqlite3_step(it->pStmt);
    if (rc != SQLITE_ROW) break;
    {
      /* One column_value (sqlite3_column_type would take the connection's
      ** mutex once more: a twentieth of a covering scan's row). */
      sqlite3_value *pK = sqlite3_column_value(it->pStmt, 0);
      it->pKey = embValueBytes(pK, &it->nKey);
      it->bKeyBlob = sqlite3_value_type(pK) == SQLITE_BLOB;
    }
    if (!it->bSaved) break;
    /* A write moved the table under the statement: SQLite may step onto a
    ** key again. Skip until past the key last returned. */
    {
      int c = tito_bytes_cmp(it->pKey, it->nKey, it->aLast, it->nLast);
      if ((it->iVariant & SCAN_REV) ? c < 0 : c > 0) break;
    }
  }
  if (rc == SQLITE_ROW && iterPastEnd(it)) rc = SQLITE_DONE;
  if (rc == SQLITE_ROW) {
    it->nStepped++;
    it->bSaved = 0;
    it->bEof = 0;
    if (it->nLeft > 0) it->nLeft--;
    return TITO_OK;
  }
  it->bEof = 1;
  if (rc == SQLITE_DONE) return TITO_OK;
  return embSqlError(it->pKv, rc, "scanning keys");
}

static void embIterClose(tito_kv_iter *pIter);

/* Open a scan of [pLo, pHi) positioned on its first row. */
static int embScan(tito_kv *pKv, const uint8_t *pLo, int nLo,
                   const uint8_t *pHi, int nHi, int flags, int64_t nLimit,
                   tito_kv_iter **ppIter) {
  EmbKv *p = (EmbKv *)pKv;
  int v = (pLo ? RANGE_LO : 0) | (pHi ? RANGE_HI : 0) |
          ((flags & TITO_SCAN_REVERSE) ? SCAN_REV : 0) |
          ((flags & TITO_SCAN_KEYONLY) ? SCAN_KEYONLY : 0);
  int nLoB = pLo ? nLo : 0, nHiB = pHi ? nHi : 0;
  EmbIter *it;
  int rc;
  *ppIter = NULL;
  embCount(EMB_STAT_SCANS);
  rc = iterAcquire(p, v, &it);
  if (rc != TITO_OK) return rc;
  /* The statement reads its bounds at every step, after the caller's
  ** buffers may be gone: keep copies in the iterator. */
  if (embGrow((void **)&it->aBound, &it->nBoundAlloc, nLoB + nHiB + 1, 1)) {
    embIterClose((tito_kv_iter *)it);
    return embNomem(p);
  }
  if (nLoB) memcpy(it->aBound, pLo, (size_t)nLoB);
  if (nHiB) memcpy(it->aBound + nLoB, pHi, (size_t)nHiB);
  it->nLo = nLoB;
  it->nHi = nHiB;
  if (pLo && !(v & SCAN_REV)) embBind(it->pStmt, 1, it->aBound, nLoB);
  if (pHi && (v & SCAN_REV)) embBind(it->pStmt, 2, it->aBound + nLoB, nHiB);
  /* A hint costs nothing to ignore here: rows are stepped one at a time. */
  if (flags & TITO_SCAN_HINT) nLimit = 0;
  it->nLeft = nLimit > 0 ? nLimit : -1;
  rc = iterStep(it);
  if (rc != TITO_OK) {
    embIterClose((tito_kv_iter *)it);
    return rc;
  }
  *ppIter = (tito_kv_iter *)it;
  return TITO_OK;
}

static int embIterNext(tito_kv_iter *pIter) {
  EmbIter *it = (EmbIter *)pIter;
  if (it->bEof) return TITO_OK;
  return iterStep(it);
}

static int embIterEof(tito_kv_iter *pIter) { return ((EmbIter *)pIter)->bEof; }

static const uint8_t *embIterKey(tito_kv_iter *pIter, int *pnKey) {
  EmbIter *it = (EmbIter *)pIter;
  *pnKey = it->nKey;
  return it->pKey;
}

static const uint8_t *embIterValue(tito_kv_iter *pIter, int *pnVal) {
  EmbIter *it = (EmbIter *)pIter;
  if (it->iVariant & SCAN_KEYONLY) {
    *pnVal = 0;
    return aEmpty;
  }
  return embColumn(it->pStmt, 1, pnVal);
}

/* Unlink from the live list; pool the iterator or free it. */
static void embIterClose(tito_kv_iter *pIter) {
  EmbIter *it = (EmbIter *)pIter;
  EmbKv *p;
  if (it == NULL) return;
  p = it->pKv;
  if (it->pPrev) it->pPrev->pNext = it->pNext;
  else p->pLive = it->pNext;
  if (it->pNext) it->pNext->pPrev = it->pPrev;
  atomic_fetch_add(&aEmbStat[EMB_STAT_ROWS_SCANNED], it->nStepped);
  it->nStepped = 0;
  sqlite3_reset(it->pStmt); /* ends its read of the table now */
  if (p->anPool[it->iVariant] < POOL_MAX) {
    it->pNext = p->apPool[it->iVariant];
    it->pPrev = NULL;
    p->apPool[it->iVariant] = it;
    p->anPool[it->iVariant]++;
  } else {
    iterDestroy(it);
  }
}

/* ---------------------------------------------------------------------- */
/* Writes. */

static int embPut(tito_kv *pKv, const uint8_t *pKey, int nKey,
                  const uint8_t *pVal, int nVal) {
  EmbKv *p = (EmbKv *)pKv;
  embCount(EMB_STAT_PUTS);
  if (undoActive(p)) {
    int bFound;
    int rc = undoLogKey(p, pKey, nKey, &bFound);
    if (rc != TITO_OK) return rc;
  }
  return rawPut(p, pKey, nKey, pVal, nVal);
}

/* The statement writing PUT_MANY_ROWS keys (iStmt STMT_PUT_MANY) or
** inserting the absent ones (STMT_INSERT_MANY), prepared on first use. */
static int embPutManyStmt(EmbKv *p, int iStmt, sqlite3_stmt **ppStmt) {
  sqlite3_str *s;
  char *zFmt;
  int i, rc;
  *ppStmt = p->aStmt[iStmt];
  if (*ppStmt) return TITO_OK;
  /* OR IGNORE, and an upsert for put: a statement writing many rows that
  ** may abort (OR REPLACE aborts on a NULL key) makes SQLite keep a
  ** statement journal, which spilled to a temp file took twice the time
  ** (1,000,000 sorted keys into the middle of a table, 3.40.1). */
  s = sqlite3_str_new(0);
  sqlite3_str_appendall(s, "INSERT OR IGNORE INTO %s(k,v) VALUES");
  for (i = 0; i < PUT_MANY_ROWS; i++) {
    sqlite3_str_appendf(s, "%s(?%d,?%d)", i ? "," : "", 2 * i + 1, 2 * i + 2);
  }
  if (iStmt == STMT_PUT_MANY) {
    sqlite3_str_appendall(s, " ON CONFLICT(k) DO UPDATE SET v=excluded.v");
  }
  zFmt = sqlite3_str_finish(s);
  if (zFmt == NULL) return embNomem(p);
  rc = embPrepare(p, zFmt, &p->aStmt[iStmt]);
  sqlite3_free(zFmt);
  *ppStmt = p->aStmt[iStmt];
  return rc;
}

static int embInsert(tito_kv *pKv, const uint8_t *pKey, int nKey,
                     const uint8_t *pVal, int nVal);

/* Batch write: PUT_MANY_ROWS keys per statement step where no undo log is
** kept (the log needs each key's prior state: then one at a time). */
static int embPutMany(tito_kv *pKv, int n, const uint8_t *const *apKey,
                      const int *anKey, const uint8_t *const *apVal,
                      const int *anVal, int bIfAbsent) {
  EmbKv *p = (EmbKv *)pKv;
  int iStmt = bIfAbsent ? STMT_INSERT_MANY : STMT_PUT_MANY;
  int i = 0, j, bExists = 0, rc = TITO_OK;
  sqlite3_stmt *s;
  if (!undoActive(p)) {
    for (; rc == TITO_OK && n - i >= PUT_MANY_ROWS; i += PUT_MANY_ROWS) {
      rc = embPutManyStmt(p, iStmt, &s);
      if (rc != TITO_OK) return rc;
      embSaveIters(p);
      for (j = 0; j < PUT_MANY_ROWS; j++) {
        embBind(s, 2 * j + 1, apKey[i + j], anKey[i + j]);
        embBind(s, 2 * j + 2, apVal[i + j], anVal[i + j]);
      }
      rc = embRunWrite(p, s, bIfAbsent ? "inserting keys" : "writing keys");
      j = bIfAbsent ? sqlite3_changes(p->db) : PUT_MANY_ROWS;
      if (j < PUT_MANY_ROWS) bExists = 1;
      atomic_fetch_add(&aEmbStat[bIfAbsent ? EMB_STAT_INSERTS : EMB_STAT_PUTS],
                       j);
    }
  }
  for (; (rc == TITO_OK || rc == TITO_EXISTS) && i < n; i++) {
    rc = bIfAbsent ? embInsert(pKv, apKey[i], anKey[i], apVal[i], anVal[i])
                   : embPut(pKv, apKey[i], anKey[i], apVal[i], anVal[i]);
    if (rc == TITO_EXISTS) bExists = 1;
  }
  if (rc == TITO_EXISTS) rc = TITO_OK;
  return rc == TITO_OK && bExists ? TITO_EXISTS : rc;
}

/* Insert if absent. Under a mark the key is known absent before the write,
** so the log entry needs no probe; its room is reserved first so that the
** log cannot miss a write that happened. */
static int embInsert(tito_kv *pKv, const uint8_t *pKey, int nKey,
                     const uint8_t *pVal, int nVal) {
  EmbKv *p = (EmbKv *)pKv;
  int bLog = undoActive(p);
  sqlite3_stmt *s;
  int rc = embStmt(p, STMT_INSERT, &s);
  if (rc != TITO_OK) return rc;
  if (bLog && undoReserve(p, nKey) != TITO_OK) return TITO_NOMEM;
  embSaveIters(p);
  embBind(s, 1, pKey, nKey);
  embBind(s, 2, pVal, nVal);
  rc = embRunWrite(p, s, "inserting a key");
  if (rc != TITO_OK) return rc;
  if (sqlite3_changes(p->db) == 0) return TITO_EXISTS;
  embCount(EMB_STAT_INSERTS);
  if (bLog) undoPush(p, pKey, nKey, NULL, -1);
  return TITO_OK;
}

static int embDelete(tito_kv *pKv, const uint8_t *pKey, int nKey) {
  EmbKv *p = (EmbKv *)pKv;
  embCount(EMB_STAT_DELETES);
  if (undoActive(p)) {
    int bFound = 0;
    int rc = undoLogKey(p, pKey, nKey, &bFound);
    if (rc != TITO_OK || !bFound) return rc;
  }
  return rawDelete(p, pKey, nKey);
}

/* Log every key of [pLo, pHi) with its value (before a range delete). */
static int undoLogRange(EmbKv *p, const uint8_t *pLo, int nLo,
                        const uint8_t *pHi, int nHi) {
  tito_kv_iter *pIter;
  int rc = embScan(&p->base, pLo, nLo, pHi, nHi, 0, 0, &pIter);
  while (rc == TITO_OK && !embIterEof(pIter)) {
    int nKey, nVal;
    const uint8_t *pKey = embIterKey(pIter, &nKey);
    const uint8_t *pVal = embIterValue(pIter, &nVal);
    rc = undoReserve(p, (int64_t)nKey + nVal);
    if (rc == TITO_OK) {
      undoPush(p, pKey, nKey, pVal, nVal);
      rc = embIterNext(pIter);
    }
  }
  if (pIter) embIterClose(pIter);
  return rc;
}

static int embDeleteRange(tito_kv *pKv, const uint8_t *pLo, int nLo,
                          const uint8_t *pHi, int nHi) {
  EmbKv *p = (EmbKv *)pKv;
  int v = (pLo ? RANGE_LO : 0) | (pHi ? RANGE_HI : 0);
  sqlite3_stmt *s;
  int rc = undoActive(p) ? undoLogRange(p, pLo, nLo, pHi, nHi) : TITO_OK;
  embCount(EMB_STAT_DELETE_RANGES);
  if (rc == TITO_OK) rc = embStmt(p, STMT_DELRANGE + v, &s);
  if (rc != TITO_OK) return rc;
  if (pLo) embBind(s, 1, pLo, nLo);
  if (pHi) embBind(s, 2, pHi, nHi);
  embSaveIters(p);
  return embRunWrite(p, s, "deleting a key range");
}

/* ---------------------------------------------------------------------- */
/* Transactions. The data side is SQLite's; these keep the undo marks. */

static int embBegin(tito_kv *pKv) {
  undoClear((EmbKv *)pKv);
  return TITO_OK;
}

/* Set mark iSave, unless it is set already (a second caller announcing the
** same savepoint: the mark keeps its first position, kv.h). Marks > iSave
** left over are dropped: their writes stay logged under the earlier
** marks. */
static int embSavepoint(tito_kv *pKv, int iSave) {
  EmbKv *p = (EmbKv *)pKv;
  UndoMark *m;
  int i;
  for (i = 0; i < p->nMark; i++) {
    if (p->aMark[i].iSave == iSave) return TITO_OK;
  }
  while (p->nMark > 0 && p->aMark[p->nMark - 1].iSave >= iSave) p->nMark--;
  if (embGrow((void **)&p->aMark, &p->nMarkAlloc, p->nMark + 1,
              (int)sizeof(UndoMark))) {
    return embNomem(p);
  }
  m = &p->aMark[p->nMark++];
  m->iSave = iSave;
  m->nEntry = p->nEntry;
  m->nArena = p->nArena;
  return TITO_OK;
}

/* Drop marks >= iSave, keeping their writes. */
static int embRelease(tito_kv *pKv, int iSave) {
  EmbKv *p = (EmbKv *)pKv;
  while (p->nMark > 0 && p->aMark[p->nMark - 1].iSave >= iSave) p->nMark--;
  if (p->nMark == 0) undoClear(p);
  return TITO_OK;
}

/* Undo the writes made since mark iSave; mark iSave stays.
**
** An unseen iSave (SQLite may skip numbers, or roll back to a savepoint
** opened before this handle joined) is resolved to the oldest mark above
** it: every write logged after that mark was made after savepoint iSave
** too. With no such mark there is nothing known to undo. */
static int embRollbackTo(tito_kv *pKv, int iSave) {
  EmbKv *p = (EmbKv *)pKv;
  int i, rc;
  for (i = 0; i < p->nMark && p->aMark[i].iSave < iSave; i++) {
  }
  if (i == p->nMark) return TITO_OK;
  rc = undoReplay(p, p->aMark[i].nEntry, p->aMark[i].nArena);
  if (rc != TITO_OK) return rc;
  p->aMark[i].iSave = iSave;
  p->nMark = i + 1;
  return TITO_OK;
}

/* Durability is SQLite's commit. */
static int embPrepareTxn(tito_kv *pKv) {
  (void)pKv;
  return TITO_OK;
}

static void embCommit(tito_kv *pKv) {
  embCount(EMB_STAT_COMMITS);
  undoClear((EmbKv *)pKv);
}

/* SQLite rolls back its own pages; only our state is dropped. */
static void embRollback(tito_kv *pKv) {
  embCount(EMB_STAT_ROLLBACKS);
  undoClear((EmbKv *)pKv);
}

/* A statement reads one state of the database already (SQLite holds its
** read transaction for the statement): the bracket has nothing to do. */
static int embReadBegin(tito_kv *pKv) {
  (void)pKv;
  return TITO_OK;
}

static void embReadEnd(tito_kv *pKv) { (void)pKv; }

static int embStats(tito_kv *pKv, tito_kv_stat_fn xStat, void *pCtx) {
  EmbKv *p = (EmbKv *)pKv;
  EmbIter *it;
  int64_t nLive = 0; /* rows stepped by this handle's open scans */
  int i, rc;
  for (it = p->pLive; it; it = it->pNext) nLive += it->nStepped;
  for (i = 0; i < EMB_STAT_N; i++) {
    int64_t n = atomic_load(&aEmbStat[i]);
    if (i == EMB_STAT_ROWS_SCANNED) n += nLive;
    rc = xStat(pCtx, azEmbStat[i], n);
    if (rc != 0) return rc;
  }
  return TITO_OK;
}

static const char *embErrmsg(tito_kv *pKv) {
  EmbKv *p = (EmbKv *)pKv;
  if (p->zErr) return p->zErr;
  return p->bNomem ? "out of memory" : "";
}

/* Free the handle: every statement, including those of iterators the
** caller left open (their pointers become invalid). */
static void embClose(tito_kv *pKv) {
  EmbKv *p = (EmbKv *)pKv;
  int i;
  if (p == NULL) return;
  for (i = 0; i < N_STMT; i++) sqlite3_finalize(p->aStmt[i]);
  for (i = 0; i < 8; i++) sqlite3_finalize(p->apSkip[i]);
  for (i = 0; i < 4; i++) sqlite3_finalize(p->apSkipCount[i]);
  sqlite3_free(p->aSkipKey);
  sqlite3_finalize(p->pMultiGet);
  for (i = 0; i < N_VARIANT; i++) {
    while (p->apPool[i]) {
      EmbIter *it = p->apPool[i];
      p->apPool[i] = it->pNext;
      iterDestroy(it);
    }
  }
  while (p->pLive) {
    EmbIter *it = p->pLive;
    p->pLive = it->pNext;
    iterDestroy(it);
  }
  sqlite3_free(p->aVal);
  sqlite3_free(p->aMark);
  sqlite3_free(p->aEntry);
  sqlite3_free(p->aArena);
  sqlite3_free(p->zErr);
  sqlite3_free(p->zTable);
  sqlite3_free(p);
}

/* The WHERE clause of range variant v. */
static const char *embRangeWhere(int v) {
  switch (v & (RANGE_LO | RANGE_HI)) {
    case RANGE_LO: return " WHERE k>=?1";
    case RANGE_HI: return " WHERE k<?2";
    case RANGE_LO | RANGE_HI: return " WHERE k>=?1 AND k<?2";
  }
  return "";
}

/* Bind the range and step statement s once; SQLITE_ROW or SQLITE_DONE
** (s is left to the caller to reset). */
static int embSkipStep(sqlite3_stmt *s, const uint8_t *pLo, int nLo,
                       const uint8_t *pHi, int nHi, int64_t iOffset) {
  if (pLo) embBind(s, 1, pLo, nLo);
  if (pHi) embBind(s, 2, pHi, nHi);
  if (iOffset >= 0) sqlite3_bind_int64(s, 3, iOffset);
  return sqlite3_step(s);
}

/* The key iOffset keys into the range (scan order of variant v) into
** aSkipKey; SQLITE_DONE if the range is shorter. */
static int embSkipNth(EmbKv *p, int v, const uint8_t *pLo, int nLo,
                      const uint8_t *pHi, int nHi, int64_t iOffset,
                      int *pnKey) {
  sqlite3_stmt *s = p->apSkip[v];
  int rc;
  if (s == NULL) {
    char zFmt[160];
    sqlite3_snprintf((int)sizeof(zFmt), zFmt,
                     "SELECT k FROM %%s%s ORDER BY k%s LIMIT 1 OFFSET ?3",
                     embRangeWhere(v), (v & SCAN_REV) ? " DESC" : "");
    rc = embPrepare(p, zFmt, &p->apSkip[v]);
    if (rc != TITO_OK) return rc;
    s = p->apSkip[v];
  }
  rc = embSkipStep(s, pLo, nLo, pHi, nHi, iOffset);
  if (rc == SQLITE_ROW) {
    int n;
    const uint8_t *pKey = embColumn(s, 0, &n);
    if (embGrow((void **)&p->aSkipKey, &p->nSkipKeyAlloc, n + 1, 1)) {
      sqlite3_reset(s);
      return embNomem(p);
    }
    if (n > 0) memcpy(p->aSkipKey, pKey, (size_t)n);
    *pnKey = n;
  }
  sqlite3_reset(s);
  if (rc == SQLITE_ROW) return TITO_OK;
  return rc == SQLITE_DONE ? SQLITE_DONE : embSqlError(p, rc, "skipping keys");
}

/* A range counted as non-empty had no first key. */
static int embCorrupt(EmbKv *p) {
  return embSqlError(p, SQLITE_CORRUPT, "skipping keys");
}

/* How many keys the range holds. */
static int embSkipCount(EmbKv *p, int v, const uint8_t *pLo, int nLo,
                        const uint8_t *pHi, int nHi, int64_t *pn) {
  sqlite3_stmt *s = p->apSkipCount[v & (RANGE_LO | RANGE_HI)];
  int rc;
  if (s == NULL) {
    char zFmt[120];
    sqlite3_snprintf((int)sizeof(zFmt), zFmt, "SELECT count(*) FROM %%s%s",
                     embRangeWhere(v));
    rc = embPrepare(p, zFmt, &p->apSkipCount[v & (RANGE_LO | RANGE_HI)]);
    if (rc != TITO_OK) return rc;
    s = p->apSkipCount[v & (RANGE_LO | RANGE_HI)];
  }
  rc = embSkipStep(s, pLo, nLo, pHi, nHi, -1);
  *pn = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  return rc == SQLITE_ROW ? TITO_OK : embSqlError(p, rc, "counting keys");
}

/*
** The key nSkip - 1 keys in, found without the far bound of the range (the
** bound checked once, on that key, instead of on every key passed: SQLite
** then steps a key in a few nanoseconds). TITO_OK when the key is inside
** the range; SQLITE_DONE when not (or there is none): the range is shorter.
*/
static int embSkipOpen(EmbKv *p, int v, const uint8_t *pLo, int nLo,
                       const uint8_t *pHi, int nHi, int64_t nSkip,
                       int *pnLast) {
  int bRev = (v & SCAN_REV) != 0;
  int rc = embSkipNth(p, v & ~(bRev ? RANGE_LO : RANGE_HI), bRev ? 0 : pLo,
                      nLo, bRev ? pHi : 0, nHi, nSkip - 1, pnLast);
  if (rc != TITO_OK) return rc;
  if (bRev ? tito_bytes_cmp(p->aSkipKey, *pnLast, pLo, nLo) >= 0
           : tito_bytes_cmp(p->aSkipKey, *pnLast, pHi, nHi) < 0) {
    return TITO_OK;
  }
  return SQLITE_DONE;
}

/*
** xSkip: SQLite walks the keys inside one statement (no value leaves its
** page): the key nSkip - 1 keys in; if the range is shorter, its count and
** its last key.
*/
static int embSkip(tito_kv *pKv, const uint8_t *pLo, int nLo,
                   const uint8_t *pHi, int nHi, int flags, int64_t nSkip,
                   int64_t *pnSkipped, const uint8_t **ppLast, int *pnLast) {
  EmbKv *p = (EmbKv *)pKv;
  int v = (pLo ? RANGE_LO : 0) | (pHi ? RANGE_HI : 0) |
          ((flags & TITO_SCAN_REVERSE) ? SCAN_REV : 0);
  int bFar = (v & SCAN_REV) ? pLo != 0 : pHi != 0;
  int rc = bFar ? embSkipOpen(p, v, pLo, nLo, pHi, nHi, nSkip, pnLast)
                : SQLITE_DONE;
  if (rc == SQLITE_DONE) {
    rc = embSkipNth(p, v, pLo, nLo, pHi, nHi, nSkip - 1, pnLast);
  }
  *pnSkipped = 0;
  if (rc == TITO_OK) {
    *pnSkipped = nSkip;
  } else if (rc == SQLITE_DONE) {
    rc = embSkipCount(p, v, pLo, nLo, pHi, nHi, pnSkipped);
    if (rc == TITO_OK && *pnSkipped > 0) {
      /* The last key in scan order: the first in the other. */
      rc = embSkipNth(p, v ^ SCAN_REV, pLo, nLo, pHi, nHi, 0, pnLast);
      if (rc == SQLITE_DONE) rc = embCorrupt(p);
    }
  }
  *ppLast = p->aSkipKey; /* (re)allocated by embSkipNth */
  return rc;
}

static const tito_kv_methods embMethods = {
  embGet,       embMultiGet,  embScan,      embIterNext,    embIterEof,
  embIterKey,   embIterValue, embIterClose, embPut,         embInsert,
  embDelete,    embDeleteRange, embBegin,   embSavepoint,   embRelease,
  embRollbackTo, embPrepareTxn, embCommit,    embRollback,    embErrmsg,
  embClose,     embReadBegin, embReadEnd,   embStats,     embSkip,
  0, /* xFence: SQLite's write lock serializes the writers */
  embPutMany,
  0, /* xProbe: xGet, a read inside SQLite's own b-tree */
  0, /* xWritten: no snapshot of its own (reads see SQLite's state) */
};

int tito_kv_embedded_open(sqlite3 *db, const char *zSchema, tito_kv **ppKv,
                          char **pzErr) {
  EmbKv *p;
  char *zSql;
  int rc;
  *ppKv = NULL;
  if (pzErr) *pzErr = NULL;
  if (zSchema == NULL) zSchema = "main";
  p = sqlite3_malloc(sizeof(*p));
  if (p == NULL) return TITO_NOMEM;
  memset(p, 0, sizeof(*p));
  p->base.pMethods = &embMethods;
  p->db = db;
  p->bUndo = 1;
  p->zTable = sqlite3_mprintf("\"%w\".tito_store", zSchema);
  /* The quoted name makes the sqlite3 shell's .dump write "CREATE TABLE IF
  ** NOT EXISTS", so a dump read into a database that has a store already
  ** adds its keys to that store without an error (model ids are random, so
  ** they do not collide: see catalog.c). */
  zSql = p->zTable ? sqlite3_mprintf(
                         "CREATE TABLE IF NOT EXISTS \"%w\".\"tito_store\""
                         "(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID",
                         zSchema)
                   : NULL;
  if (zSql == NULL) {
    embClose(&p->base);
    return TITO_NOMEM;
  }
  rc = sqlite3_exec(db, zSql, NULL, NULL, NULL);
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) {
    if (pzErr) {
      *pzErr = sqlite3_mprintf("creating the tito_store table in \"%w\": %s",
                               zSchema, sqlite3_errmsg(db));
    }
    embClose(&p->base);
    return embRc(rc) == TITO_OK ? TITO_ERROR : embRc(rc);
  }
  *ppKv = &p->base;
  return TITO_OK;
}

void tito_kv_embedded_set_undo_log(tito_kv *pKv, int bOn) {
  ((EmbKv *)pKv)->bUndo = bOn != 0;
}
