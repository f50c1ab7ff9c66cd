/*
** event.c: model events (event.h).
**
** A topic of a model (model.h) takes the events of the actions it names
** (all by default). Its WHERE condition and AT due time are SQL over the
** row, evaluated by SQLite in one statement per model:
**
**   WITH "tito old" AS (SELECT ?.. AS "a", ...), "tito new" AS (...),
**        "tito row" AS (...)
**   SELECT (SELECT (SELECT CASE WHEN (where1) THEN 1 ELSE 0 END
**                   FROM "tito row") FROM "tito new" AS NEW), ...
**   FROM "tito old" AS OLD
**
** A bare column names the written row (the new one; the old one for a
** DELETE), which the innermost query holds; OLD.col and NEW.col reach the
** outer ones (NULL where there is no such row). Columns carry their
** declared affinity through a CAST when the value has its column's type
** (the write made it so); a row holding a value of another type (text in
** an INTEGER column, a BLOB anywhere) is evaluated by a second statement
** with plain parameters, without affinity.
**
** The due time is AT's value in unix seconds (NULL or past: now); the
** partition key is PARTITION BY's columns (the primary key by default),
** key-encoded, hashed by tito_outbox_partition.
*/
#include "event.h"
#include <math.h>
#include <string.h>
#include <time.h>
#include "keycodec.h"
#include "outbox.h"
#include "predicate.h"

typedef struct emit_topic {
  tito_topic_rec rec; /* the store's settings, once known */
  int bKnown;
  int iWhere, iAt;    /* result columns, or -1 */
} emit_topic;

struct tito_emitter {
  sqlite3 *db;
  uint8_t aSeed[16];    /* random part of event ids (libuuid), see emitId */
  uint64_t nSeq;        /* ids made so far */
  const tito_model *pModel;
  sqlite3_stmt *pCast;  /* expressions, columns cast to their affinity */
  sqlite3_stmt *pRaw;   /* the same, plain parameters */
  emit_topic *aTopic;
  tito_buf part;        /* scratch: a partition key */
  char *zKeys;          /* the columns' JSON keys, see jsonRow */
  int *anKey;
  tito_value *aNull;    /* nCol NULLs */
};

static void appendRow(sqlite3_str *s, const tito_model *pM, const char *zName,
                      int iBase, int bCast) {
  int i;
  sqlite3_str_appendf(s, "\"%w\" AS (SELECT ", zName);
  for (i = 0; i < pM->nCol; i++) {
    const char *zCast = bCast ? tito_cast_type(pM->aCol[i].cAff) : 0;
    if (i) sqlite3_str_appendall(s, ", ");
    if (zCast) {
      sqlite3_str_appendf(s, "CAST(?%d AS %s)", iBase + i + 1, zCast);
    } else {
      sqlite3_str_appendf(s, "?%d", iBase + i + 1);
    }
    sqlite3_str_appendf(s, " AS \"%w\"", pM->aCol[i].zName);
  }
  sqlite3_str_appendall(s, ")");
}

static void appendScalar(sqlite3_str *s, const char *zExpr, int bBool) {
  sqlite3_str_appendall(s, "(SELECT (SELECT ");
  if (bBool) {
    sqlite3_str_appendf(s, "CASE WHEN (%s) THEN 1 ELSE 0 END", zExpr);
  } else {
    sqlite3_str_appendf(s, "(%s)", zExpr);
  }
  sqlite3_str_appendall(s, " FROM \"tito row\") FROM \"tito new\" AS NEW)");
}

/* The statement of every topic expression, or NULL SQL if none. */
static char *emitSql(tito_emitter *p, int bCast) {
  const tito_model *pM = p->pModel;
  sqlite3_str *s = sqlite3_str_new(p->db);
  int i, n = 0;
  sqlite3_str_appendall(s, "WITH ");
  appendRow(s, pM, "tito old", 2 * pM->nCol, bCast);
  sqlite3_str_appendall(s, ", ");
  appendRow(s, pM, "tito new", pM->nCol, bCast);
  sqlite3_str_appendall(s, ", ");
  appendRow(s, pM, "tito row", 0, bCast);
  sqlite3_str_appendall(s, " SELECT ");
  for (i = 0; i < pM->nTopic; i++) {
    const tito_topic *pT = &pM->aTopic[i];
    if (pT->zWhere) {
      if (n) sqlite3_str_appendall(s, ", ");
      appendScalar(s, pT->zWhere, 1);
      p->aTopic[i].iWhere = n++;
    }
    if (pT->zAt) {
      if (n) sqlite3_str_appendall(s, ", ");
      appendScalar(s, pT->zAt, 0);
      p->aTopic[i].iAt = n++;
    }
  }
  sqlite3_str_appendall(s, " FROM \"tito old\" AS OLD");
  if (n == 0) {
    sqlite3_free(sqlite3_str_finish(s));
    return 0;
  }
  return sqlite3_str_finish(s);
}

/* Which topic an error in the statement is about: the first one whose
** expressions alone fail to compile. */
static char *emitBlame(tito_emitter *p, const char *zErr) {
  const tito_model *pM = p->pModel;
  int i;
  for (i = 0; i < pM->nTopic; i++) {
    const tito_topic *pT = &pM->aTopic[i];
    const char *azPart[2] = {pT->zWhere, pT->zAt};
    int j;
    for (j = 0; j < 2; j++) {
      sqlite3_str *s;
      sqlite3_stmt *pStmt = 0;
      char *zSql;
      int rc;
      if (azPart[j] == 0) continue;
      s = sqlite3_str_new(p->db);
      sqlite3_str_appendall(s, "WITH ");
      appendRow(s, pM, "tito old", 2 * pM->nCol, 0);
      sqlite3_str_appendall(s, ", ");
      appendRow(s, pM, "tito new", pM->nCol, 0);
      sqlite3_str_appendall(s, ", ");
      appendRow(s, pM, "tito row", 0, 0);
      sqlite3_str_appendall(s, " SELECT ");
      appendScalar(s, azPart[j], j == 0);
      sqlite3_str_appendall(s, " FROM \"tito old\" AS OLD");
      zSql = sqlite3_str_finish(s);
      if (zSql == 0) return 0;
      rc = sqlite3_prepare_v2(p->db, zSql, -1, &pStmt, 0);
      sqlite3_free(zSql);
      if (rc != SQLITE_OK) {
        char *z = sqlite3_mprintf("tito: %s: TOPIC %s: %s: %s", pM->zTable,
                                  pT->zName, j == 0 ? "WHERE" : "AT",
                                  sqlite3_errmsg(p->db));
        sqlite3_finalize(pStmt);
        return z;
      }
      sqlite3_finalize(pStmt);
    }
  }
  return sqlite3_mprintf("tito: %s: TOPIC: %s", pM->zTable, zErr);
}

static int emitKeys(tito_emitter *p);

int tito_emitter_open(sqlite3 *db, const tito_model *pModel,
                      tito_emitter **pp, char **pzErr) {
  tito_emitter *p;
  char *zSql;
  int i, rc = SQLITE_OK;
  *pp = 0;
  if (pModel->nTopic == 0) return SQLITE_OK;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pModel = pModel;
  tito_outbox_random16(p->aSeed);
  p->aTopic = sqlite3_malloc64(sizeof(emit_topic) * pModel->nTopic);
  p->aNull = sqlite3_malloc64(sizeof(tito_value) * (pModel->nCol + 1));
  if (p->aTopic == 0 || p->aNull == 0) {
    tito_emitter_close(p);
    return SQLITE_NOMEM;
  }
  if (emitKeys(p) != SQLITE_OK) {
    tito_emitter_close(p);
    return SQLITE_NOMEM;
  }
  memset(p->aNull, 0, sizeof(tito_value) * (pModel->nCol + 1));
  for (i = 0; i <= pModel->nCol; i++) p->aNull[i].eType = SQLITE_NULL;
  for (i = 0; i < pModel->nTopic; i++) {
    memset(&p->aTopic[i], 0, sizeof(emit_topic));
    p->aTopic[i].iWhere = p->aTopic[i].iAt = -1;
  }
  for (i = 0; rc == SQLITE_OK && i < 2; i++) {
    sqlite3_stmt **ppStmt = i == 0 ? &p->pCast : &p->pRaw;
    zSql = emitSql(p, i == 0);
    if (zSql == 0) break; /* no expressions (or out of memory: found later) */
    rc = sqlite3_prepare_v3(db, zSql, -1, SQLITE_PREPARE_PERSISTENT, ppStmt,
                            0);
    sqlite3_free(zSql);
    if (rc != SQLITE_OK) *pzErr = emitBlame(p, sqlite3_errmsg(db));
  }
  if (rc != SQLITE_OK) {
    tito_emitter_close(p);
    return rc;
  }
  *pp = p;
  return SQLITE_OK;
}

void tito_emitter_close(tito_emitter *p) {
  if (p == 0) return;
  sqlite3_finalize(p->pCast);
  sqlite3_finalize(p->pRaw);
  sqlite3_free(p->aTopic);
  sqlite3_free(p->aNull);
  sqlite3_free(p->zKeys);
  sqlite3_free(p->anKey);
  tito_buf_free(&p->part);
  sqlite3_free(p);
}

int tito_topics_ensure(tito_kv *pKv, const tito_model *pModel, char **pzErr) {
  int i, rc = SQLITE_OK;
  for (i = 0; rc == SQLITE_OK && i < pModel->nTopic; i++) {
    const tito_topic *pT = &pModel->aTopic[i];
    tito_topic_rec want, rec;
    want.nPartitions = pT->nPartitions;
    want.nMaxAttempts = pT->nMaxAttempts;
    want.nRetain = pT->nRetain;
    rc = tito_outbox_topic_ensure(pKv, pT->zName, &want, &rec, pzErr);
  }
  return rc;
}

/* ------------------------------------------------------------- JSON */

void tito_json_value(sqlite3_str *s, const tito_value *v) {
  int i;
  switch (v->eType) {
    case SQLITE_INTEGER: sqlite3_str_appendf(s, "%lld", (long long)v->i); break;
    case SQLITE_FLOAT:
      if (isfinite(v->r)) {
        sqlite3_str_appendf(s, "%!.17g", v->r);
      } else {
        sqlite3_str_appendall(s, "null");
      }
      break;
    case SQLITE_TEXT: {
      int iRun = 0; /* start of the run of characters that need no escape */
      sqlite3_str_appendchar(s, 1, '"');
      for (i = 0; i < v->n; i++) {
        unsigned char c = v->z[i];
        if (c != '"' && c != '\\' && c >= 0x20) continue;
        sqlite3_str_append(s, (const char *)v->z + iRun, i - iRun);
        if (c < 0x20) {
          sqlite3_str_appendf(s, "\\u%04x", c);
        } else {
          sqlite3_str_appendchar(s, 1, '\\');
          sqlite3_str_appendchar(s, 1, (char)c);
        }
        iRun = i + 1;
      }
      sqlite3_str_append(s, (const char *)v->z + iRun, v->n - iRun);
      sqlite3_str_appendchar(s, 1, '"');
      break;
    }
    case SQLITE_BLOB:
      sqlite3_str_appendchar(s, 1, '"');
      for (i = 0; i < v->n; i++) sqlite3_str_appendf(s, "%02x", v->z[i]);
      sqlite3_str_appendchar(s, 1, '"');
      break;
    default: sqlite3_str_appendall(s, "null");
  }
}

/* The row as a JSON object; zKeys holds each column's name as a JSON
** string and a colon, one after the other (made once, emitKeys). */
static char *jsonRow(const tito_emitter *p, const tito_value *aRow) {
  const tito_model *pM = p->pModel;
  sqlite3_str *s = sqlite3_str_new(0);
  const char *z = p->zKeys;
  int i;
  sqlite3_str_appendchar(s, 1, '{');
  for (i = 0; i < pM->nCol; i++) {
    int n = p->anKey[i];
    if (i) sqlite3_str_appendchar(s, 1, ',');
    sqlite3_str_append(s, z, n);
    z += n;
    tito_json_value(s, &aRow[i]);
  }
  sqlite3_str_appendchar(s, 1, '}');
  return sqlite3_str_finish(s);
}

/* zKeys and anKey for jsonRow. */
static int emitKeys(tito_emitter *p) {
  const tito_model *pM = p->pModel;
  sqlite3_str *s = sqlite3_str_new(0);
  int i, nBefore = 0;
  p->anKey = sqlite3_malloc64(sizeof(int) * (pM->nCol + 1));
  for (i = 0; p->anKey && i < pM->nCol; i++) {
    tito_value name;
    tito_value_text(&name, pM->aCol[i].zName);
    tito_json_value(s, &name);
    sqlite3_str_appendchar(s, 1, ':');
    p->anKey[i] = sqlite3_str_length(s) - nBefore;
    nBefore = sqlite3_str_length(s);
  }
  p->zKeys = sqlite3_str_finish(s);
  return p->anKey && p->zKeys ? SQLITE_OK : SQLITE_NOMEM;
}

/* ------------------------------------------------------------- emit */

/*
** An event id: a uuid version 7 (RFC 9562): 48 bits of unix time in
** milliseconds, then 74 bits that start at random (16 bytes from libuuid
** when the emitter opens) and count up with every id (RFC 9562's
** "monotonic random" method), so ids are unique and ordered by creation
** within a table's emitter. A kernel random draw per event cost a fifth
** of an insert's time.
*/
static void emitId(tito_emitter *p, char *zOut) {
  static const char hex[] = "0123456789abcdef";
  struct timespec ts;
  uint8_t u[16];
  uint64_t ms, lo = 0;
  int i, j;
  clock_gettime(CLOCK_REALTIME, &ts);
  ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
  memcpy(u, p->aSeed, 16);
  for (i = 8; i < 16; i++) lo = (lo << 8) | u[i];
  lo += ++p->nSeq;
  for (i = 15; i >= 8; i--, lo >>= 8) u[i] = (uint8_t)lo;
  for (i = 0; i < 6; i++) u[i] = (uint8_t)(ms >> (40 - 8 * i));
  u[6] = (uint8_t)(0x70 | (u[6] & 0x0f));
  u[8] = (uint8_t)(0x80 | (u[8] & 0x3f));
  for (i = j = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) zOut[j++] = '-';
    zOut[j++] = hex[u[i] >> 4];
    zOut[j++] = hex[u[i] & 15];
  }
  zOut[j] = 0;
}

/* Evaluate the expressions on the row: the statement is left on its row
** (or NULL when there are none). */
static int emitEval(tito_emitter *p, const tito_value *aRow,
                    const tito_value *aOld, const tito_value *aNew,
                    sqlite3_stmt **ppStmt, char **pzErr) {
  const tito_model *pM = p->pModel;
  const tito_value *aSrc[3];
  sqlite3_stmt *pStmt = p->pCast;
  int i, j, rc;
  *ppStmt = 0;
  if (pStmt == 0) return SQLITE_OK;
  aSrc[0] = aRow;
  aSrc[1] = aNew ? aNew : p->aNull;
  aSrc[2] = aOld ? aOld : p->aNull;
  for (j = 0; j < 3; j++) {
    for (i = 0; i < pM->nCol; i++) {
      if (!tito_cast_keeps(pM->aCol[i].cAff, aSrc[j][i].eType)) pStmt = p->pRaw;
    }
  }
  for (j = 0; j < 3; j++) {
    for (i = 0; i < pM->nCol; i++) {
      tito_bind_value(pStmt, j * pM->nCol + i + 1, &aSrc[j][i]);
    }
  }
  rc = sqlite3_step(pStmt);
  if (rc != SQLITE_ROW) {
    rc = sqlite3_reset(pStmt);
    *pzErr = sqlite3_mprintf("tito: %s: TOPIC: %s", pM->zTable,
                             sqlite3_errmsg(p->db));
    return rc == SQLITE_OK ? SQLITE_ERROR : rc;
  }
  *ppStmt = pStmt;
  return SQLITE_OK;
}

/* The event's key column: the primary key, as a JSON array if composite. */
static void emitKey(const tito_value *aPk, int nPk, tito_value *pOut,
                    char **pzJson) {
  sqlite3_str *s;
  int i;
  *pzJson = 0;
  if (nPk == 1) {
    *pOut = aPk[0];
    return;
  }
  s = sqlite3_str_new(0);
  sqlite3_str_appendchar(s, 1, '[');
  for (i = 0; i < nPk; i++) {
    if (i) sqlite3_str_appendchar(s, 1, ',');
    tito_json_value(s, &aPk[i]);
  }
  sqlite3_str_appendchar(s, 1, ']');
  *pzJson = sqlite3_str_finish(s);
  memset(pOut, 0, sizeof(*pOut));
  pOut->eType = *pzJson ? SQLITE_TEXT : SQLITE_NULL;
  pOut->z = (const uint8_t *)*pzJson;
  pOut->n = *pzJson ? (int)strlen(*pzJson) : 0;
}

/* The due time from AT's result column (NULL or past: now). */
static int64_t emitDue(sqlite3_stmt *pStmt, int iCol, int64_t now) {
  double r;
  if (pStmt == 0 || iCol < 0) return now;
  switch (sqlite3_column_type(pStmt, iCol)) {
    case SQLITE_INTEGER: {
      sqlite3_int64 i = sqlite3_column_int64(pStmt, iCol);
      return i > now ? i : now;
    }
    case SQLITE_FLOAT:
      r = sqlite3_column_double(pStmt, iCol);
      if (!(r > (double)now)) return now;
      return r >= 9.2e18 ? INT64_MAX / 2 : (int64_t)r;
    default: return now;
  }
}

static const char *actionName(int eAction) {
  return eAction == TITO_ACT_INSERT ? "insert"
         : eAction == TITO_ACT_UPDATE ? "update" : "delete";
}

int tito_emitter_emit(tito_emitter *p, tito_kv *pKv, tito_heads *pHeads,
                      int eAction,
                      const tito_value *aOld, const tito_value *aNew,
                      const tito_value *aPk, int nPk, int64_t now,
                      char **pzErr) {
  const tito_model *pM = p->pModel;
  const tito_value *aRow = eAction == TITO_ACT_DELETE ? aOld : aNew;
  sqlite3_stmt *pStmt = 0;
  char *zNew = 0, *zOld = 0, *zKey = 0;
  char zId[40];
  tito_value aEv[TITO_EV_N];
  int i, j, bJson = 0, rc = SQLITE_OK;
  for (i = 0; rc == SQLITE_OK && i < pM->nTopic; i++) {
    const tito_topic *pT = &pM->aTopic[i];
    emit_topic *pE = &p->aTopic[i];
    if (!(pT->mAction & eAction)) continue;
    if (pStmt == 0 && p->pCast) {
      rc = emitEval(p, aRow, aOld, aNew, &pStmt, pzErr);
      if (rc != SQLITE_OK) break;
    }
    if (pE->iWhere >= 0 && !sqlite3_column_int(pStmt, pE->iWhere)) continue;
    if (!pE->bKnown) {
      tito_topic_rec want;
      want.nPartitions = pT->nPartitions;
      want.nMaxAttempts = pT->nMaxAttempts;
      want.nRetain = pT->nRetain;
      rc = tito_outbox_topic_ensure(pKv, pT->zName, &want, &pE->rec, pzErr);
      if (rc != SQLITE_OK) break;
      pE->bKnown = 1;
    }
    if (!bJson) {
      bJson = 1;
      if (aNew) zNew = jsonRow(p, aNew);
      if (aOld) zOld = jsonRow(p, aOld);
      if ((aNew && !zNew) || (aOld && !zOld)) {
        rc = SQLITE_NOMEM;
        break;
      }
    }
    p->part.n = 0;
    if (pT->nPart == 0) {
      for (j = 0; j < nPk; j++) tito_key_append(&p->part, &aPk[j], 0);
    } else {
      for (j = 0; j < pT->nPart; j++) {
        tito_key_append(&p->part, &aRow[pT->aiPart[j]], 0);
      }
    }
    if (p->part.rc) {
      rc = SQLITE_NOMEM;
      break;
    }
    emitId(p, zId);
    tito_value_text(&aEv[TITO_EV_ID], zId);
    tito_value_text(&aEv[TITO_EV_TABLE], pM->zTable);
    tito_value_text(&aEv[TITO_EV_ACTION], actionName(eAction));
    if (zKey == 0) emitKey(aPk, nPk, &aEv[TITO_EV_KEY], &zKey);
    else tito_value_text(&aEv[TITO_EV_KEY], zKey);
    tito_value_text(&aEv[TITO_EV_NEW], zNew);
    tito_value_text(&aEv[TITO_EV_OLD], zOld);
    tito_value_text(&aEv[TITO_EV_PAYLOAD], 0);
    tito_value_int(&aEv[TITO_EV_CREATED], now);
    tito_value_int(&aEv[TITO_EV_DUE], emitDue(pStmt, pE->iAt, now));
    tito_value_int(&aEv[TITO_EV_ATTEMPTS], 0);
    tito_value_int(&aEv[TITO_EV_PARTITION],
           tito_outbox_partition(p->part.a, p->part.n, pE->rec.nPartitions));
    rc = tito_outbox_append(pKv, pHeads, pT->zName, aEv, now, pzErr);
  }
  if (pStmt) sqlite3_reset(pStmt);
  sqlite3_free(zNew);
  sqlite3_free(zOld);
  sqlite3_free(zKey);
  return rc;
}
