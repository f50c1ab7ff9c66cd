/*
** tito_plan.c: query planning for tito tables (xBestIndex).
**
** A plan reads one key path: the primary key (rows), or one secondary
** index, or all rows. On the path's key fields it takes equality
** constraints on a leading prefix (the first may be an IN list, read all at
** once through sqlite3_vtab_in), then a range on the next field: one
** bounded scan per IN value, or point gets when the whole primary key is
** fixed. It consumes ORDER BY when the path's order gives it (forward or
** reverse), LIMIT/OFFSET when it consumes every constraint, and reads only
** index entries when they hold every column the statement uses (covering).
** A partial index is a candidate only when the query's literal constraints
** imply its condition.
**
** idxNum bits (xFilter reads its arguments in this order: equality values,
** low bound, high bound, LIMIT, OFFSET):
**   0-6   path: 0 full scan, 1 primary key, 2+i index i (i < 64)
**   7     an OFFSET argument follows LIMIT's
**   8-13  equality fields
**   14-15 low bound on the next field: 0 none, 1 >, 2 >=
**   16-17 high bound: 0 none, 1 <, 2 <=
**   18    reverse key order      19 the first equality is an IN list
**   20    LIMIT argument (then OFFSET's, when the query has one)
**   21    the scan's order gives the ORDER BY
**   22    covering index scan    23 no column value is read (keys only)
**   24-29 1 + iAmbig, the first key field whose constraint may match
**         more than its seek value says (0: none); see below
**   30    the plan lets LIMIT end the scan and OFFSET skip rows, where
**         the running SQLite allows it (else LIMIT + OFFSET is a hint)
** Arguments after these are constraints a partial index applies exactly
** (omitted; xFilter ignores them).
**
** AFFINITY OF ARGUMENTS. SQLite compares "col OP rhs" under an affinity
** that depends on the right-hand side's own (expr.c, sqlite3CompareAffinity
** and sqlite3ExprAffinity): a literal, a parameter, arithmetic, a function
** or "+x" has none, and the column's applies to the value; CAST(x AS type),
** another table's column and a scalar subquery have one, and then NUMERIC
** applies to BOTH sides when either is numeric (so text in a TEXT or
** untyped key field that reads as a number, '-0' or ' 12 ', compares as
** that number), nothing when neither is. Neither callback sees the
** expression: xFilter gets its raw value and cannot tell a parameter from a
** column or a CAST (sqlite3_value_frombind is true for CAST(? AS REAL) too);
** sqlite3_vtab_rhs_value evaluates literals and CASTs of literals alike
** (vdbemem.c, valueFromExpr), to the same value for "CAST(0 AS INT)" and
** "+CAST(0 AS INT)", which has no affinity. So a seek covers what every
** right-hand side of the value it gets could match:
**   - INTEGER, REAL, NUMERIC fields: NUMERIC applies to the value whatever
**     its origin (titoSeekAffinity); the seek is exact.
**   - TEXT and untyped fields, a number: a literal compares as text (TEXT)
**     or as a number (untyped); with numeric affinity any text that reads
**     as an equal number matches too. Such text starts with a space, sign,
**     dot or digit, all below ':', so the seek also covers the text below
**     ':' (ext/tito_seek.c: "the numeric zone").
**   - TEXT and untyped fields, a text: = is exact under every rule (under
**     numeric affinity a text that reads as a number is a number, never
**     equal to one that does not; an ordinary numeric column never holds
**     text that reads as a number); > and >= are exact; < and <= that are
**     not literals or parameters reach up to ':' at least (numbers are
**     below any text).
**   - a blob, or NULL: exact.
** A TEXT or untyped field's constraint is therefore omitted only when it is
** a literal that is text, a blob or NULL. From the first field that has
** another constraint on (idxNum bits 24-29, iAmbig) nothing is omitted:
** SQLite re-checks, and xFilter widens the seek by the values it gets; if
** the plan promised the ORDER BY and an equality had to widen, the scan is
** read whole and sorted (src/scan.h). IN values (sqlite3_vtab_in_first)
** carry the IN's affinity already: a number on a TEXT or untyped field then
** reads the whole path.
**
** LIKE AND GLOB. For x GLOB 'ab*' (or LIKE under case_sensitive_like)
** SQLite also offers x >= 'ab' AND x < 'ac', BINARY. An ordinary index
** scans that range twice, the second time for BLOBs, which GLOB matches as
** text; a virtual table is offered the range once, and an exact seek on it
** would lose every matching BLOB. So unless SQLite is built with
** SQLITE_LIKE_DOESNT_MATCH_BLOBS (Debian's is, most others are not), such
** a pair is never used to seek (planLikeRange). A written-out pair of the
** same shape is refused too: that only costs a seek.
**
** LIMIT AND OFFSET: see planLimit.
** idxStr is for people: EXPLAIN QUERY PLAN shows it, e.g.
**   "pk get", "pk range", "index by_email eq", "index by_role eq range
**   ordered reverse cover", "full scan limit". "ordered" means the scan
**   gives the ORDER BY; "reverse" that it runs in descending key order.
** After its terminating zero (where EXPLAIN and EXPLAIN QUERY PLAN stop)
** it carries the id of the index the plan reads (0: none), in decimal:
** xFilter finds the index by it, since the model a plan was made with may
** have changed by then (another database's tito_alter, followed), and an
** index's position with it; an index's id is never given to another.
** SQLite hands xFilter the very string xBestIndex made (where.c makes it
** the P4 of OP_VFilter; 3.40 and 3.52 alike): nothing copies it up to its
** zero.
*/
#include "tito_ext.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "keycodec.h"

/* Key fields a plan seeks on: nEq and iAmbig + 1 fit in 6 bits, 63 is
** "none". Fields after these are filtered by SQLite. */
#define MAX_FIELDS 62

/* A constraint the chosen partial index applies, until it is numbered
** after LIMIT and OFFSET (titoBestIndex). */
#define IMPLIED_ARG 0x7fff0000

uint32_t titoPlanIndexId(const char *idxStr) {
  if (idxStr == 0) return 0;
  return (uint32_t)strtoul(idxStr + strlen(idxStr) + 1, 0, 10);
}

void titoPlanDecode(int idxNum, tito_plan *p) {
  p->iPath = idxNum & 0x7f;
  p->nEq = (idxNum >> 8) & 0x3f;
  p->eLo = (idxNum >> 14) & 3;
  p->eHi = (idxNum >> 16) & 3;
  p->bDesc = (idxNum >> 18) & 1;
  p->bIn = (idxNum >> 19) & 1;
  p->bLimit = (idxNum >> 20) & 1;
  p->bLimitExact = (idxNum >> 30) & 1;
  p->bOffset = (idxNum >> 7) & 1;
  p->bCover = (idxNum >> 22) & 1;
  p->bOrdered = (idxNum >> 21) & 1;
  p->iAmbig = (idxNum >> 24) & 0x3f ? ((idxNum >> 24) & 0x3f) - 1 : 63;
}

static const tito_model *vtabModel(tito_vtab *p) {
  return p->pTab ? p->pTab->pModel : p->pModel;
}

/* ------------------------------------------------- partial conditions */

/* tito_pterm.op of "column IN (literal, ...)": lit holds every literal. */
#define COND_IN 0x100

/* Tokens of a condition. */
enum { TK_END, TK_ID, TK_NUM, TK_STR, TK_OP, TK_OTHER };

typedef struct cond_tok {
  int eType;
  const char *z;
  int n;
} cond_tok;

/* Read the next token of z at *pi. */
static void condNext(const char *z, int *pi, cond_tok *t) {
  int i = *pi, j;
  while (z[i] == ' ' || z[i] == '\t' || z[i] == '\n' || z[i] == '\r') i++;
  t->z = &z[i];
  t->n = 0;
  if (z[i] == 0) {
    t->eType = TK_END;
  } else if (z[i] == '\'' || z[i] == '"' || z[i] == '`' || z[i] == '[') {
    char cEnd = z[i] == '[' ? ']' : z[i];
    for (j = i + 1; z[j] && !(z[j] == cEnd && z[j + 1] != cEnd); j++) {
      if (z[j] == cEnd) j++;
    }
    if (z[j] == 0) {
      t->eType = TK_OTHER;
      j--;
    } else {
      t->eType = z[i] == '\'' ? TK_STR : TK_ID;
    }
    t->n = j + 1 - i;
    i = j + 1;
  } else if ((z[i] >= '0' && z[i] <= '9') || z[i] == '.' ||
             ((z[i] == '-' || z[i] == '+') &&
              ((z[i + 1] >= '0' && z[i + 1] <= '9') || z[i + 1] == '.'))) {
    j = i + 1;
    while ((z[j] >= '0' && z[j] <= '9') || z[j] == '.' || z[j] == 'e' ||
           z[j] == 'E' ||
           ((z[j] == '-' || z[j] == '+') && (z[j - 1] == 'e' || z[j - 1] == 'E'))) {
      j++;
    }
    t->eType = TK_NUM;
    t->n = j - i;
    i = j;
  } else if ((z[i] >= 'a' && z[i] <= 'z') || (z[i] >= 'A' && z[i] <= 'Z') ||
             z[i] == '_') {
    j = i;
    while ((z[j] >= 'a' && z[j] <= 'z') || (z[j] >= 'A' && z[j] <= 'Z') ||
           (z[j] >= '0' && z[j] <= '9') || z[j] == '_') {
      j++;
    }
    t->eType = TK_ID;
    t->n = j - i;
    i = j;
  } else if (strchr("=<>!", z[i])) {
    j = i + 1;
    if (z[j] == '=' || (z[i] == '<' && z[j] == '>')) j++;
    t->eType = TK_OP;
    t->n = j - i;
    i = j;
  } else {
    t->eType = TK_OTHER;
    t->n = 1;
    i++;
  }
  *pi = i;
}

static int tokIs(const cond_tok *t, const char *zWord) {
  return t->eType == TK_ID && (int)strlen(zWord) == t->n &&
         sqlite3_strnicmp(t->z, zWord, t->n) == 0;
}

/* The column named by identifier token t, or -1. */
static int condColumn(const tito_model *pModel, const cond_tok *t) {
  char *zName;
  int iCol;
  if (t->eType != TK_ID) return -1;
  if (t->z[0] == '"' || t->z[0] == '`' || t->z[0] == '[') {
    zName = sqlite3_mprintf("%.*s", t->n - 2, t->z + 1);
  } else {
    zName = sqlite3_mprintf("%.*s", t->n, t->z);
  }
  if (zName == 0) return -1;
  iCol = tito_model_column(pModel, zName);
  sqlite3_free(zName);
  return iCol;
}

/* The constraint op of an operator token, or 0. */
static int condOp(const cond_tok *t) {
  if (t->eType != TK_OP) return 0;
  if (t->n == 1 && t->z[0] == '=') return SQLITE_INDEX_CONSTRAINT_EQ;
  if (t->n == 2 && t->z[0] == '=' && t->z[1] == '=')
    return SQLITE_INDEX_CONSTRAINT_EQ;
  if (t->n == 1 && t->z[0] == '<') return SQLITE_INDEX_CONSTRAINT_LT;
  if (t->n == 1 && t->z[0] == '>') return SQLITE_INDEX_CONSTRAINT_GT;
  if (t->n == 2 && t->z[0] == '<' && t->z[1] == '=')
    return SQLITE_INDEX_CONSTRAINT_LE;
  if (t->n == 2 && t->z[0] == '>' && t->z[1] == '=')
    return SQLITE_INDEX_CONSTRAINT_GE;
  return 0;
}

/* Mirror an operator for "literal op column". */
static int condFlip(int op) {
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_LT: return SQLITE_INDEX_CONSTRAINT_GT;
    case SQLITE_INDEX_CONSTRAINT_GT: return SQLITE_INDEX_CONSTRAINT_LT;
    case SQLITE_INDEX_CONSTRAINT_LE: return SQLITE_INDEX_CONSTRAINT_GE;
    case SQLITE_INDEX_CONSTRAINT_GE: return SQLITE_INDEX_CONSTRAINT_LE;
    default: return op;
  }
}

/* Key-encode a literal token with column affinity cAff, appended to pOut.
** Text literals in numeric columns are left alone unless they read as a
** whole number (SQLite's affinity rule). */
static int condLiteral(const cond_tok *t, char cAff, tito_buf *pOut) {
  tito_value v;
  char *zText = 0, *zEnd = 0;
  int rc = SQLITE_OK;
  memset(&v, 0, sizeof(v));
  if (t->eType == TK_STR) {
    int i, j;
    zText = sqlite3_malloc(t->n);
    if (zText == 0) return SQLITE_NOMEM;
    for (i = 1, j = 0; i < t->n - 1; i++) {
      zText[j++] = t->z[i];
      if (t->z[i] == '\'') i++;
    }
    zText[j] = 0;
    v.eType = SQLITE_TEXT;
    v.z = (const uint8_t *)zText;
    v.n = j;
  } else {
    zText = sqlite3_mprintf("%.*s", t->n, t->z);
    if (zText == 0) return SQLITE_NOMEM;
    v.eType = SQLITE_TEXT;
    v.z = (const uint8_t *)zText;
    v.n = t->n;
    if (cAff == TITO_AFF_TEXT) goto encode;
    cAff = cAff == TITO_AFF_BLOB ? TITO_AFF_NUMERIC : cAff;
  }
  if (cAff == TITO_AFF_INTEGER || cAff == TITO_AFF_NUMERIC ||
      cAff == TITO_AFF_REAL) {
    long long ll;
    double r;
    errno = 0;
    ll = strtoll(zText, &zEnd, 10);
    if (zEnd != zText && *zEnd == 0 && errno == 0 && cAff != TITO_AFF_REAL) {
      v.eType = SQLITE_INTEGER;
      v.i = ll;
    } else {
      r = strtod(zText, &zEnd);
      if (zEnd != zText && *zEnd == 0) {
        v.eType = SQLITE_FLOAT;
        v.r = r;
        if (cAff != TITO_AFF_REAL && r == (double)(long long)r &&
            r > -9.2e18 && r < 9.2e18) {
          v.eType = SQLITE_INTEGER;
          v.i = (long long)r;
        }
      }
    }
  }
encode:
  tito_key_append(pOut, &v, 0);
  if (pOut->rc) rc = SQLITE_NOMEM;
  sqlite3_free(zText);
  return rc;
}

/* The literals of "( lit, lit, ... )" after the "(" at *pi, key-encoded
** one after the other into pOut (left empty if the list is not only
** literals). */
static int condList(const char *z, int *pi, char cAff, tito_buf *pOut) {
  cond_tok t;
  int rc = SQLITE_OK;
  for (;;) {
    condNext(z, pi, &t);
    if (t.eType != TK_NUM && t.eType != TK_STR) break;
    rc = condLiteral(&t, cAff, pOut);
    if (rc != SQLITE_OK) return rc;
    condNext(z, pi, &t);
    if (t.eType == TK_OTHER && t.z[0] == ')') return SQLITE_OK;
    if (t.eType != TK_OTHER || t.z[0] != ',') break;
  }
  pOut->n = 0;
  return SQLITE_OK;
}

/* Parse one condition into pc; bUsable stays 0 if any part is beyond the
** simple "column op literal", "column IN (literal, ...)" and "column IS
** NOT NULL" forms joined by AND. */
static int condParseOne(const tito_model *pModel, const char *zWhere,
                        tito_pcond *pc) {
  cond_tok a, b, c;
  int i = 0, nAlloc = 0, rc = SQLITE_OK;
  for (;;) {
    tito_pterm term;
    memset(&term, 0, sizeof(term));
    condNext(zWhere, &i, &a);
    condNext(zWhere, &i, &b);
    condNext(zWhere, &i, &c);
    if (condColumn(pModel, &a) >= 0 && tokIs(&b, "IS") && tokIs(&c, "NOT")) {
      condNext(zWhere, &i, &c);
      if (!tokIs(&c, "NULL")) return SQLITE_OK;
      term.iCol = condColumn(pModel, &a);
      term.op = SQLITE_INDEX_CONSTRAINT_ISNOTNULL;
    } else if (condColumn(pModel, &a) >= 0 && tokIs(&b, "IN") &&
               c.eType == TK_OTHER && c.z[0] == '(') {
      term.iCol = condColumn(pModel, &a);
      term.op = COND_IN;
      rc = condList(zWhere, &i,
                    titoSeekAffinity(pModel->aCol[term.iCol].cAff), &term.lit);
      if (rc != SQLITE_OK || term.lit.n == 0) {
        tito_buf_free(&term.lit);
        return rc;
      }
    } else if (condColumn(pModel, &a) >= 0 && condOp(&b) &&
               (c.eType == TK_NUM || c.eType == TK_STR)) {
      term.iCol = condColumn(pModel, &a);
      term.op = condOp(&b);
      rc = condLiteral(&c, titoSeekAffinity(pModel->aCol[term.iCol].cAff),
                       &term.lit);
    } else if (condColumn(pModel, &c) >= 0 && condOp(&b) &&
               (a.eType == TK_NUM || a.eType == TK_STR)) {
      term.iCol = condColumn(pModel, &c);
      term.op = condFlip(condOp(&b));
      rc = condLiteral(&a, titoSeekAffinity(pModel->aCol[term.iCol].cAff),
                       &term.lit);
    } else {
      return SQLITE_OK;
    }
    if (rc == SQLITE_OK && pc->nTerm == nAlloc) {
      tito_pterm *aNew;
      nAlloc = nAlloc ? nAlloc * 2 : 4;
      aNew = sqlite3_realloc(pc->aTerm, nAlloc * sizeof(*aNew));
      if (aNew == 0) rc = SQLITE_NOMEM;
      else pc->aTerm = aNew;
    }
    if (rc != SQLITE_OK) {
      tito_buf_free(&term.lit);
      return rc;
    }
    pc->aTerm[pc->nTerm++] = term;
    condNext(zWhere, &i, &a);
    if (a.eType == TK_END) break;
    if (!tokIs(&a, "AND")) return SQLITE_OK;
  }
  pc->bUsable = 1;
  return SQLITE_OK;
}

int titoCondParse(tito_vtab *p) {
  const tito_model *pModel = vtabModel(p);
  int i, rc = SQLITE_OK;
  if (p->aCond) return SQLITE_OK; /* made already, for this model */
  if (pModel->nIndex == 0) return SQLITE_OK;
  p->aCond = sqlite3_malloc(sizeof(tito_pcond) * pModel->nIndex);
  if (p->aCond == 0) return SQLITE_NOMEM;
  memset(p->aCond, 0, sizeof(tito_pcond) * pModel->nIndex);
  for (i = 0; rc == SQLITE_OK && i < pModel->nIndex; i++) {
    if (pModel->aIndex[i].zWhere == 0) {
      p->aCond[i].bUsable = 1; /* no condition: always usable */
    } else {
      rc = condParseOne(pModel, pModel->aIndex[i].zWhere, &p->aCond[i]);
      if (!p->aCond[i].bUsable) p->aCond[i].nTerm = p->aCond[i].nTerm;
    }
  }
  return rc;
}

void titoCondFree(tito_vtab *p) {
  int i, j;
  const tito_model *pModel = vtabModel(p);
  if (p->aCond == 0) return;
  for (i = 0; pModel && i < pModel->nIndex; i++) {
    for (j = 0; j < p->aCond[i].nTerm; j++) {
      tito_buf_free(&p->aCond[i].aTerm[j].lit);
    }
    sqlite3_free(p->aCond[i].aTerm);
  }
  sqlite3_free(p->aCond);
  p->aCond = 0;
}

/* ------------------------------------------------------------- planning */

/* The TEXT value of constraint i's right-hand side if it is a literal,
** else NULL. */
static const unsigned char *consText(sqlite3_index_info *pInfo, int i,
                                     int *pn) {
  sqlite3_value *pVal = 0;
  if (sqlite3_vtab_rhs_value(pInfo, i, &pVal) != SQLITE_OK || pVal == 0 ||
      sqlite3_value_type(pVal) != SQLITE_TEXT) {
    return 0;
  }
  *pn = sqlite3_value_bytes(pVal);
  return sqlite3_value_text(pVal);
}

/*
** Is constraint i half of a range SQLite derives from LIKE or GLOB (see
** "LIKE AND GLOB")? That is x >= 'p' with a partner x < 'q' on the same
** column, or the reverse, where q is p with its last character incremented
** the way SQLite increments it (a UTF-8 continuation byte 0xBF carries).
*/
static int planLikeRange(sqlite3_index_info *pInfo, int i) {
  const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
  int j, op = c->op, opPartner;
  if (op != SQLITE_INDEX_CONSTRAINT_GE && op != SQLITE_INDEX_CONSTRAINT_LT) {
    return 0;
  }
  opPartner = op == SQLITE_INDEX_CONSTRAINT_GE ? SQLITE_INDEX_CONSTRAINT_LT
                                              : SQLITE_INDEX_CONSTRAINT_GE;
  for (j = 0; j < pInfo->nConstraint; j++) {
    const struct sqlite3_index_constraint *d = &pInfo->aConstraint[j];
    int iLo = op == SQLITE_INDEX_CONSTRAINT_GE ? i : j;
    int iHi = op == SQLITE_INDEX_CONSTRAINT_GE ? j : i;
    const unsigned char *zLo, *zHi;
    unsigned char aBuf[64];
    int nLo = 0, nHi = 0, k;
    if (j == i || d->iColumn != c->iColumn || d->op != opPartner) continue;
    zLo = consText(pInfo, iLo, &nLo);
    zHi = consText(pInfo, iHi, &nHi);
    if (zLo == 0 || zHi == 0 || nLo != nHi || nLo == 0) continue;
    if (nLo > (int)sizeof(aBuf)) return 1; /* long: assume it is one */
    memcpy(aBuf, zLo, nLo);
    for (k = nLo - 1; k > 0 && aBuf[k] == 0xBF; k--) aBuf[k] = 0x80;
    aBuf[k]++;
    if (memcmp(aBuf, zHi, nHi) == 0) return 1;
  }
  return 0;
}

/* True if constraint i can seek a key: usable, a comparison, BINARY, and
** not a LIKE/GLOB range that could miss BLOBs. */
static int consSeekable(tito_vtab *p, sqlite3_index_info *pInfo, int i) {
  const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
  const char *zColl;
  if (!c->usable) return 0;
  switch (c->op) {
    case SQLITE_INDEX_CONSTRAINT_EQ:
    case SQLITE_INDEX_CONSTRAINT_GT:
    case SQLITE_INDEX_CONSTRAINT_GE:
    case SQLITE_INDEX_CONSTRAINT_LT:
    case SQLITE_INDEX_CONSTRAINT_LE: break;
    default: return 0;
  }
  zColl = sqlite3_vtab_collation(pInfo, i);
  if (zColl && sqlite3_stricmp(zColl, "BINARY") != 0) return 0;
  return !p->pConn->caps.bLikeBlobs || !planLikeRange(pInfo, i);
}

/* Does constraint column iCons denote key field column iField? (-1 is the
** rowid, which a rowid-alias column also is.) */
static int colMatch(const tito_model *pModel, int iField, int iCons) {
  if (iField == iCons) return 1;
  if (iCons == -1 && iField == pModel->iRowidCol && iField >= 0) return 1;
  return 0;
}

/* Does the list of key-encoded literals pList hold the encoding pEnc? */
static int condListHas(const tito_buf *pList, const tito_buf *pEnc) {
  int off = 0;
  while (off < pList->n) {
    int n = tito_key_skip(pList->a + off, pList->n - off, 0);
    if (n <= 0) return 0;
    if (n == pEnc->n && memcmp(pList->a + off, pEnc->a, n) == 0) return 1;
    off += n;
  }
  return 0;
}

/* Is the partial condition pc implied by the literal constraints? */
static int condImplied(tito_vtab *p, const tito_pcond *pc,
                       sqlite3_index_info *pInfo) {
  const tito_model *pModel = vtabModel(p);
  tito_buf enc = TITO_BUF_INIT;
  int t, i, bOk = 1;
  if (!pc->bUsable) return 0;
  for (t = 0; bOk && t < pc->nTerm; t++) {
    const tito_pterm *term = &pc->aTerm[t];
    int bFound = 0;
    for (i = 0; !bFound && i < pInfo->nConstraint; i++) {
      const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
      sqlite3_value *pVal = 0;
      tito_value v;
      int cmp, n;
      char cAff;
      if (c->iColumn != term->iCol || !consSeekable(p, pInfo, i)) continue;
      if (term->op == SQLITE_INDEX_CONSTRAINT_ISNOTNULL) {
        bFound = 1; /* any comparison is false on NULL */
        continue;
      }
      if (sqlite3_vtab_rhs_value(pInfo, i, &pVal) != SQLITE_OK || !pVal) {
        continue;
      }
      /* A number on a TEXT or untyped column may be a CAST, which compares
      ** numerically (see "AFFINITY OF ARGUMENTS"): it proves nothing. */
      cAff = pModel->aCol[term->iCol].cAff;
      if ((cAff == TITO_AFF_TEXT || cAff == TITO_AFF_BLOB) &&
          (sqlite3_value_type(pVal) == SQLITE_INTEGER ||
           sqlite3_value_type(pVal) == SQLITE_FLOAT)) {
        continue;
      }
      titoValueFromSql(pVal, titoSeekAffinity(cAff), &v);
      if (v.eType == SQLITE_NULL) continue;
      enc.n = 0;
      tito_key_append(&enc, &v, 0);
      if (enc.rc) break;
      if (term->op == COND_IN) {
        bFound = c->op == SQLITE_INDEX_CONSTRAINT_EQ &&
                 condListHas(&term->lit, &enc);
        continue;
      }
      n = enc.n < term->lit.n ? enc.n : term->lit.n;
      cmp = memcmp(enc.a, term->lit.a, n);
      if (cmp == 0) cmp = enc.n - term->lit.n;
      switch (term->op) {
        case SQLITE_INDEX_CONSTRAINT_EQ:
          bFound = c->op == SQLITE_INDEX_CONSTRAINT_EQ && cmp == 0;
          break;
        case SQLITE_INDEX_CONSTRAINT_GT:
          bFound = (c->op == SQLITE_INDEX_CONSTRAINT_EQ && cmp > 0) ||
                   (c->op == SQLITE_INDEX_CONSTRAINT_GT && cmp >= 0) ||
                   (c->op == SQLITE_INDEX_CONSTRAINT_GE && cmp > 0);
          break;
        case SQLITE_INDEX_CONSTRAINT_GE:
          bFound = (c->op == SQLITE_INDEX_CONSTRAINT_EQ ||
                    c->op == SQLITE_INDEX_CONSTRAINT_GT ||
                    c->op == SQLITE_INDEX_CONSTRAINT_GE) && cmp >= 0;
          break;
        case SQLITE_INDEX_CONSTRAINT_LT:
          bFound = (c->op == SQLITE_INDEX_CONSTRAINT_EQ && cmp < 0) ||
                   (c->op == SQLITE_INDEX_CONSTRAINT_LT && cmp <= 0) ||
                   (c->op == SQLITE_INDEX_CONSTRAINT_LE && cmp < 0);
          break;
        case SQLITE_INDEX_CONSTRAINT_LE:
          bFound = (c->op == SQLITE_INDEX_CONSTRAINT_EQ ||
                    c->op == SQLITE_INDEX_CONSTRAINT_LT ||
                    c->op == SQLITE_INDEX_CONSTRAINT_LE) && cmp <= 0;
          break;
      }
    }
    bOk = bFound;
  }
  tito_buf_free(&enc);
  return bOk;
}

/* A candidate plan. */
typedef struct cand {
  int iPath;
  int n;                 /* key fields of the path */
  const int *aiCol;      /* their columns (-1: rowid) */
  const uint8_t *abDesc; /* their DESC flags, or NULL */
  int nEq;
  int aiEq[MAX_FIELDS];  /* constraint of each equality field */
  int iLo, iHi;          /* range constraints on field nEq, or -1 */
  int eLo, eHi;
  int bIn, bDesc, bOrdered, bCover, bUnique, bKeyOnly, bPartial;
  int bAllUsed;          /* every constraint but LIMIT/OFFSET is applied */
  sqlite3_uint64 mImplied; /* constraints a partial index's condition
                         ** applies exactly (omitted, see condExactMask) */
  int iAmbig;            /* see "AFFINITY OF ARGUMENTS"; 63: none */
  double rows, cost;
} cand;

#define NROWS_GUESS 100000.0

/* Fill the equality prefix and the range of candidate c. */
static void candConstraints(tito_vtab *p, sqlite3_index_info *pInfo,
                            cand *c) {
  const tito_model *pModel = vtabModel(p);
  int k, i;
  c->iLo = c->iHi = -1;
  for (k = 0; k < c->n && k < MAX_FIELDS; k++) {
    int iFound = -1;
    for (i = 0; i < pInfo->nConstraint; i++) {
      if (pInfo->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_EQ &&
          colMatch(pModel, c->aiCol[k], pInfo->aConstraint[i].iColumn) &&
          consSeekable(p, pInfo, i)) {
        iFound = i;
        /* Prefer a plain equality over an IN list on later fields. */
        if (k == 0 || !sqlite3_vtab_in(pInfo, i, -1)) break;
      }
    }
    if (iFound < 0) break;
    c->aiEq[k] = iFound;
  }
  c->nEq = k;
  c->bIn = c->nEq > 0 && sqlite3_vtab_in(pInfo, c->aiEq[0], -1);
  if (c->nEq >= c->n) return;
  for (i = 0; i < pInfo->nConstraint; i++) {
    int op = pInfo->aConstraint[i].op;
    if (!colMatch(pModel, c->aiCol[c->nEq], pInfo->aConstraint[i].iColumn) ||
        !consSeekable(p, pInfo, i)) {
      continue;
    }
    if ((op == SQLITE_INDEX_CONSTRAINT_GT ||
         op == SQLITE_INDEX_CONSTRAINT_GE) && c->iLo < 0) {
      c->iLo = i;
      c->eLo = op == SQLITE_INDEX_CONSTRAINT_GT ? 1 : 2;
    } else if ((op == SQLITE_INDEX_CONSTRAINT_LT ||
                op == SQLITE_INDEX_CONSTRAINT_LE) && c->iHi < 0) {
      c->iHi = i;
      c->eHi = op == SQLITE_INDEX_CONSTRAINT_LT ? 1 : 2;
    }
  }
}

/* Is constraint i on a TEXT or untyped field matched exactly by its seek
** value, whatever its right-hand side? Only a literal text, blob or NULL
** is (see "AFFINITY OF ARGUMENTS"). */
static int consExact(sqlite3_index_info *pInfo, int i) {
  sqlite3_value *pVal = 0;
  int eType;
  if (sqlite3_vtab_rhs_value(pInfo, i, &pVal) != SQLITE_OK || pVal == 0) {
    return 0;
  }
  eType = sqlite3_value_type(pVal);
  return eType == SQLITE_TEXT || eType == SQLITE_BLOB || eType == SQLITE_NULL;
}

/* Can a constraint on key column iCol (-1: rowid) match more than its
** seek value? Only on a TEXT or untyped column. */
static int fieldLoose(const tito_model *pModel, int iCol) {
  char cAff = iCol < 0 ? TITO_AFF_INTEGER : pModel->aCol[iCol].cAff;
  return cAff == TITO_AFF_TEXT || cAff == TITO_AFF_BLOB;
}

/* The first field whose constraint may match more than its seek value
** says: a TEXT or untyped field without an exact constraint. */
static void candAmbig(const tito_model *pModel, sqlite3_index_info *pInfo,
                      cand *c) {
  int k;
  c->iAmbig = 63;
  for (k = 0; k <= c->nEq && k < c->n; k++) {
    int aiCons[2], nCons = 0, j;
    if (k < c->nEq) {
      aiCons[nCons++] = c->aiEq[k];
    } else {
      if (c->iLo >= 0) aiCons[nCons++] = c->iLo;
      if (c->iHi >= 0) aiCons[nCons++] = c->iHi;
    }
    if (!fieldLoose(pModel, c->aiCol[k])) continue;
    for (j = 0; j < nCons; j++) {
      if (!consExact(pInfo, aiCons[j])) {
        c->iAmbig = k;
        return;
      }
    }
  }
}

/* Can the path's order give the ORDER BY? Sets bOrdered and bDesc. */
static void candOrder(const tito_model *pModel, sqlite3_index_info *pInfo,
                      cand *c) {
  int aFree[MAX_FIELDS + 1], nFree = 0, j = 0, t, k, dir = -1;
  if (pInfo->nOrderBy == 0) return;
  if (c->bIn) aFree[nFree++] = 0;
  for (k = c->nEq; k < c->n && k < MAX_FIELDS; k++) aFree[nFree++] = k;
  for (t = 0; t < pInfo->nOrderBy; t++) {
    int iCol = pInfo->aOrderBy[t].iColumn, bTermDesc = pInfo->aOrderBy[t].desc;
    int bConst = 0;
    /* An equality makes its field constant, unless it may match more
    ** than one value (a number on a TEXT or untyped field, from iAmbig
    ** on: '0' and ' 0' both equal CAST(0 AS INT)). */
    for (k = c->bIn ? 1 : 0; k < c->nEq; k++) {
      if (colMatch(pModel, c->aiCol[k], iCol) &&
          (k < c->iAmbig || !fieldLoose(pModel, c->aiCol[k]))) {
        bConst = 1;
      }
    }
    if (j < nFree && colMatch(pModel, c->aiCol[aFree[j]], iCol)) {
      int d = bTermDesc ^ (c->abDesc ? c->abDesc[aFree[j]] : 0);
      if (dir >= 0 && d != dir) return;
      dir = d;
      j++;
    } else if (!bConst) {
      return;
    }
  }
  if (dir == 1 && c->bIn) return; /* IN values are visited ascending */
  c->bOrdered = 1;
  c->bDesc = dir == 1;
}

/* colUsed's bit of column i: bit 63 stands for column 63 and every later
** one. */
static sqlite3_uint64 colBit(int i) {
  return (sqlite3_uint64)1 << (i < 63 ? i : 63);
}

/* The columns the statement reads from rows: not the hint column, whose
** value is the plan's (tito_hint.c). */
static sqlite3_uint64 colRead(const tito_vtab *p, sqlite3_uint64 colUsed) {
  if (p->iHintCol >= 0 && p->iHintCol < 63) colUsed &= ~colBit(p->iHintCol);
  return colUsed;
}

/* Does the statement read no column value, at most the hidden _key? */
static int colKeyOnly(const tito_vtab *p, sqlite3_uint64 colUsed) {
  colUsed = colRead(p, colUsed);
  return colUsed == 0 ||
         (p->iKeyCol >= 0 && p->iKeyCol < 63 && colUsed == colBit(p->iKeyCol));
}

/* Does the index entry hold every column the statement reads (bValue: in
** its key or its value; else in its key alone)? */
static int candHolds(tito_vtab *p, const tito_index *pIdx,
                     sqlite3_uint64 colUsed, int bValue) {
  const tito_model *pModel = vtabModel(p);
  sqlite3_uint64 have = 0;
  uint8_t *aHave;
  int i, nWide = 0, nCol = pModel->nCol + 2; /* with the hidden columns */
  aHave = sqlite3_malloc(nCol);
  if (aHave == 0) return 0;
  memset(aHave, 0, nCol);
  /* A key field gives back its exact value only if the column's affinity
  ** fixes the type (the key codec makes 1 and 1.0 one key): an untyped
  ** column's value must come from the row. INCLUDE values are exact. */
  for (i = 0; i < pIdx->nCol; i++) {
    if (pModel->aCol[pIdx->aiCol[i]].cAff != TITO_AFF_BLOB) {
      aHave[pIdx->aiCol[i]] = 1;
    }
  }
  for (i = 0; bValue && i < pIdx->nInclude; i++) aHave[pIdx->aiInclude[i]] = 1;
  for (i = 0; i < pModel->nPk; i++) {
    if (pModel->aCol[pModel->aiPk[i]].cAff != TITO_AFF_BLOB) {
      aHave[pModel->aiPk[i]] = 1;
    }
  }
  if (p->iKeyCol >= 0) aHave[p->iKeyCol] = 1;
  if (p->iHintCol >= 0) aHave[p->iHintCol] = 1;
  for (i = 0; i < nCol; i++) {
    if (i < 63) {
      if (aHave[i]) have |= colBit(i);
    } else {
      nWide += aHave[i];
    }
  }
  /* Bit 63 is had only when every column from 63 on is. */
  if (nCol > 63 && nWide == nCol - 63) have |= colBit(63);
  sqlite3_free(aHave);
  return (colUsed & ~have) == 0;
}

/* Does the key of the index's entries alone hold every column the
** statement reads (its value, the INCLUDE columns, need not be read)? A
** non-unique entry ends with its row key. A unique one keeps the row key
** in its value, which a DELETE or UPDATE reads without colUsed saying so
** (the differential test found it): never without values. */
static int candKeyOnly(tito_vtab *p, const tito_index *pIdx,
                       sqlite3_uint64 colUsed) {
  return !pIdx->bUnique && candHolds(p, pIdx, colUsed, 0);
}

/*
** The constraints that a partial index's condition applies exactly, so a
** scan of that index may omit them: "col = literal" where the condition
** has the same term, and the literal matches exactly what it seeks (see
** "AFFINITY OF ARGUMENTS": a text, blob or NULL on a TEXT or untyped
** column; any value on a numeric one). Only the first 64 constraints.
*/
static sqlite3_uint64 condExactMask(tito_vtab *p, const tito_pcond *pc,
                                    sqlite3_index_info *pInfo) {
  const tito_model *pModel = vtabModel(p);
  tito_buf enc = TITO_BUF_INIT;
  sqlite3_uint64 m = 0;
  int t, i;
  if (!pc->bUsable) return 0;
  for (i = 0; i < pInfo->nConstraint && i < 64; i++) {
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    sqlite3_value *pVal = 0;
    tito_value v;
    char cAff;
    /* (Hidden columns, the hint's and _key, are no condition's terms.) */
    if (c->op != SQLITE_INDEX_CONSTRAINT_EQ || c->iColumn < 0 ||
        c->iColumn >= pModel->nCol ||
        !consSeekable(p, pInfo, i) || sqlite3_vtab_in(pInfo, i, -1) ||
        sqlite3_vtab_rhs_value(pInfo, i, &pVal) != SQLITE_OK || !pVal) {
      continue;
    }
    cAff = pModel->aCol[c->iColumn].cAff;
    if (fieldLoose(pModel, c->iColumn) && !consExact(pInfo, i)) continue;
    titoValueFromSql(pVal, titoSeekAffinity(cAff), &v);
    if (v.eType == SQLITE_NULL) continue;
    enc.n = 0;
    tito_key_append(&enc, &v, 0);
    if (enc.rc) break;
    for (t = 0; t < pc->nTerm; t++) {
      const tito_pterm *term = &pc->aTerm[t];
      if (term->iCol == c->iColumn && term->op == SQLITE_INDEX_CONSTRAINT_EQ &&
          term->lit.n == enc.n && memcmp(term->lit.a, enc.a, enc.n) == 0) {
        m |= (sqlite3_uint64)1 << i;
      }
    }
  }
  tito_buf_free(&enc);
  return m;
}

/* Does candidate c apply every constraint but LIMIT and OFFSET? */
static int candAllUsed(sqlite3_index_info *pInfo, const cand *c) {
  int i, k;
  for (i = 0; i < pInfo->nConstraint; i++) {
    int op = pInfo->aConstraint[i].op, bUsed = 0;
    if (op == SQLITE_INDEX_CONSTRAINT_LIMIT ||
        op == SQLITE_INDEX_CONSTRAINT_OFFSET || !pInfo->aConstraint[i].usable) {
      continue;
    }
    for (k = 0; k < c->nEq; k++) bUsed |= c->aiEq[k] == i;
    bUsed |= i == c->iLo || i == c->iHi;
    if (i < 64) bUsed |= (int)((c->mImplied >> i) & 1);
    if (!bUsed) return 0;
  }
  return 1;
}

/* How many rows a scan that gives the order reads before LIMIT stops the
** statement: LIMIT + OFFSET when both are literals (ten times that when
** SQLite still filters: bAllUsed 0), or 0 when unknown. */
static double planLimitGuess(sqlite3_index_info *pInfo, int bAllUsed) {
  double n = 0;
  int i, bLimit = 0;
  for (i = 0; i < pInfo->nConstraint; i++) {
    int op = pInfo->aConstraint[i].op;
    sqlite3_value *pVal = 0;
    if (op != SQLITE_INDEX_CONSTRAINT_LIMIT &&
        op != SQLITE_INDEX_CONSTRAINT_OFFSET) {
      continue;
    }
    if (!pInfo->aConstraint[i].usable ||
        sqlite3_vtab_rhs_value(pInfo, i, &pVal) != SQLITE_OK || !pVal ||
        sqlite3_value_type(pVal) != SQLITE_INTEGER) {
      return 0;
    }
    if (op == SQLITE_INDEX_CONSTRAINT_LIMIT) bLimit = 1;
    if (sqlite3_value_int64(pVal) > 0) n += (double)sqlite3_value_int64(pVal);
  }
  if (!bLimit) return 0;
  if (n < 1) n = 1;
  return bAllUsed ? n : n * 10;
}

/* Rows of the model and entries of candidate c's path: from the
** statistics when the path was analyzed, else guesses (a partial index
** holds about half the rows, as SQLite assumes without ANALYZE). */
static double candPathRows(const tito_stats *pSt, const cand *c,
                           double *pnRow) {
  double nRow = NROWS_GUESS;
  int iSt = c->iPath == PLAN_FULL ? 0 : c->iPath - 1;
  if (pSt && pSt->aPath[0].nEntry >= 0) {
    nRow = pSt->aPath[0].nEntry > 0 ? (double)pSt->aPath[0].nEntry : 1;
  }
  *pnRow = nRow;
  if (c->iPath <= PLAN_PK) return nRow;
  if (pSt && iSt < pSt->nPath && pSt->aPath[iSt].nEntry >= 0) {
    return pSt->aPath[iSt].nEntry > 0 ? (double)pSt->aPath[iSt].nEntry : 1;
  }
  return c->bPartial ? nRow / 2 : nRow;
}

/* Entries per value of the first nEq fields of candidate c's path. */
static double candEqRows(const tito_stats *pSt, const cand *c,
                         double nPath) {
  int iSt = c->iPath == PLAN_FULL ? 0 : c->iPath - 1;
  double rows;
  if (c->nEq == 0) return nPath;
  if (c->nEq >= c->n && c->bUnique) return 1;
  if (pSt && iSt < pSt->nPath && pSt->aPath[iSt].nEntry >= 0 &&
      c->nEq <= pSt->aPath[iSt].nField) {
    rows = (double)pSt->aPath[iSt].aAvg[c->nEq - 1];
  } else {
    /* SQLite's guesses without ANALYZE: 10 rows for one field, then
    ** fewer for each further one (sqlite3DefaultRowEst). */
    rows = c->nEq < 5 ? 11 - c->nEq : 5;
  }
  return rows < nPath ? rows : nPath;
}

/* Estimate rows and cost. A plan that leaves the ORDER BY to SQLite pays
** for the sort; an ordered plan that consumes every constraint reads only
** as far as LIMIT + OFFSET (nLimit, 0 if none is known). */
static void candCost(const tito_stats *pSt, cand *c, int nOrderBy,
                     double nLimit) {
  double nRow, nPath = candPathRows(pSt, c, &nRow), rows, seeks = 1, read;
  rows = candEqRows(pSt, c, nPath);
  if (c->bIn) {
    rows *= 4;
    seeks = 4;
  }
  if (c->eLo && c->eHi) rows /= 16;
  else if (c->eLo || c->eHi) rows /= 4;
  if (rows < 1) rows = 1;
  c->rows = rows;
  read = rows;
  if (nLimit > 0 && (c->bOrdered || nOrderBy == 0) && read > nLimit) {
    read = nLimit;
    c->rows = nLimit;
  }
  /* A row read through a secondary index costs a second lookup. */
  c->cost = seeks * 10 + read * (c->iPath >= 2 && !c->bCover ? 3.0 : 1.0);
  if (nOrderBy > 0 && !c->bOrdered) c->cost += rows * 4;
}

/* Build and cost the candidate of path iPath. */
static void candMake(tito_vtab *p, sqlite3_index_info *pInfo, int iPath,
                     cand *c) {
  const tito_model *pModel = vtabModel(p);
  static const int aiRowid[1] = {-1};
  memset(c, 0, sizeof(*c));
  c->iPath = iPath;
  if (iPath == PLAN_FULL) {
    c->iLo = c->iHi = -1;
    c->rows = NROWS_GUESS;
    c->cost = 10 + NROWS_GUESS * (pInfo->nOrderBy > 0 ? 5 : 1);
    c->bKeyOnly = colKeyOnly(p, pInfo->colUsed);
    return;
  }
  if (iPath == PLAN_PK) {
    c->n = pModel->nPk ? pModel->nPk : 1;
    c->aiCol = pModel->nPk ? pModel->aiPk : aiRowid;
    c->abDesc = pModel->nPk ? pModel->abPkDesc : 0;
    c->bUnique = 1;
  } else {
    const tito_index *pIdx = &pModel->aIndex[iPath - 2];
    c->n = pIdx->nCol;
    c->aiCol = pIdx->aiCol;
    c->abDesc = pIdx->abDesc;
    c->bUnique = pIdx->bUnique;
    c->bCover = candHolds(p, pIdx, pInfo->colUsed, 1);
    c->bKeyOnly = c->bCover && candKeyOnly(p, pIdx, pInfo->colUsed);
  }
  candConstraints(p, pInfo, c);
  candAmbig(pModel, pInfo, c);
  candOrder(pModel, pInfo, c);
  if (iPath >= 2 && pModel->aIndex[iPath - 2].zWhere) {
    c->bPartial = 1;
    if (p->aCond) c->mImplied = condExactMask(p, &p->aCond[iPath - 2], pInfo);
  }
  c->bAllUsed = candAllUsed(pInfo, c);
  candCost(titoStatsGet(p), c, pInfo->nOrderBy,
           planLimitGuess(pInfo, c->bAllUsed));
  if (iPath == PLAN_PK) c->bKeyOnly = colKeyOnly(p, pInfo->colUsed);
}

/*
** LIMIT and OFFSET. SQLite offers them only to a statement that reads this
** table alone, without aggregate, DISTINCT or GROUP BY, and it counts the
** LIMIT (and skips an OFFSET it was not told is done) itself. A scan may
** end on LIMIT and skip OFFSET only if SQLite will drop none of the rows
** it yields: every WHERE term must be applied here, exactly. What SQLite
** guarantees for that differs between versions:
**
** - Up to 3.45, LIMIT is offered even when a WHERE term is filtered in
**   bytecode and never offered here (a comparison of two columns of the
**   table, a = b), and with the OFFSET of a compound SELECT. Nothing here
**   can tell, so LIMIT + OFFSET is only a read-ahead hint.
** - SQLite 3.46.0 (check-in of 2024-04-26, the one that adds
**   test/bestindexC.test) withdraws a plan that gives LIMIT or OFFSET an
**   argvIndex while an earlier constraint has none (whereLoopAddVirtualOne,
**   allConstraintsUsed()), and sqlite3WhereAddLimit no longer offers them
**   when a term's right-hand side reads the table, nor for a compound
**   SELECT with an OFFSET. OFFSET is now offered before LIMIT, so a plan
**   that takes LIMIT must take OFFSET too.
** - On every version a row-value comparison (a, b) > (?, ?) arrives only
**   as a >= ?, which SQLite re-checks in full whatever omit says. A GE or
**   LE whose right-hand side is not a literal may be one (GT, LT and EQ
**   never are), so it rules out an exact LIMIT.
**
** So: LIMIT (with OFFSET, if any) is taken when every other constraint has
** an argvIndex and the plan gives the ORDER BY. It ends the scan, and
** OFFSET is omitted and skipped by the scan, when the running SQLite is
** 3.46.0 or later (caps.bLimitExact), every other constraint is omitted
** (applied exactly here) and none may be a row value. Otherwise it is a
** hint and SQLite applies OFFSET.
*/
static void planLimit(tito_vtab *p, sqlite3_index_info *pInfo, int *piArg,
                      int *pIdxNum) {
  int i, iLimit = -1, iOffset = -1, bExact = 1;
  for (i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    sqlite3_value *pVal = 0;
    if (c->op == SQLITE_INDEX_CONSTRAINT_LIMIT) {
      iLimit = i;
    } else if (c->op == SQLITE_INDEX_CONSTRAINT_OFFSET) {
      iOffset = i;
    } else if (pInfo->aConstraintUsage[i].argvIndex <= 0) {
      return;
    } else if (!pInfo->aConstraintUsage[i].omit) {
      bExact = 0;
    } else if ((c->op == SQLITE_INDEX_CONSTRAINT_GE ||
                c->op == SQLITE_INDEX_CONSTRAINT_LE) &&
               (sqlite3_vtab_rhs_value(pInfo, i, &pVal) != SQLITE_OK ||
                pVal == 0)) {
      bExact = 0; /* perhaps a row value */
    }
  }
  if (iLimit < 0 || !pInfo->aConstraint[iLimit].usable) return;
  if (iOffset >= 0 && !pInfo->aConstraint[iOffset].usable) return;
  if (pInfo->nOrderBy > 0 && !pInfo->orderByConsumed) return;
  pInfo->aConstraintUsage[iLimit].argvIndex = ++*piArg;
  if (iOffset >= 0) {
    *pIdxNum |= 1 << 7; /* an OFFSET argument follows LIMIT's */
    pInfo->aConstraintUsage[iOffset].argvIndex = ++*piArg;
    pInfo->aConstraintUsage[iOffset].omit =
        (unsigned char)(bExact && p->pConn->caps.bLimitExact);
  }
  /* The bit says the plan allows it, the same on every version (so EXPLAIN
  ** QUERY PLAN reads the same); xFilter adds the version (titoPlanDecode
  ** callers: tito_plan.bLimitExact && caps.bLimitExact). */
  *pIdxNum |= (1 << 20) | (bExact << 30);
}

/* Use constraint i as the next argument; SQLite need not re-check it
** unless bCheck. */
static void planUse(sqlite3_index_info *pInfo, int i, int *piArg,
                    int bCheck) {
  pInfo->aConstraintUsage[i].argvIndex = ++*piArg;
  pInfo->aConstraintUsage[i].omit = !bCheck;
}

/* Describe the plan for EXPLAIN QUERY PLAN. */
static char *planDescribe(const tito_model *pModel, const cand *c, int idxNum,
                          int nArgOffset) {
  sqlite3_str *s = sqlite3_str_new(0);
  if (c->iPath == PLAN_FULL) {
    sqlite3_str_appendf(s, "full scan");
  } else {
    if (c->iPath == PLAN_PK) {
      int bGet = c->nEq == c->n && !c->eLo && !c->eHi;
      sqlite3_str_appendf(s, "pk %s", bGet ? (c->bIn ? "multi-get" : "get")
                                           : "range");
    } else {
      sqlite3_str_appendf(s, "index %s", pModel->aIndex[c->iPath - 2].zName);
      if (c->nEq) {
        if (c->nEq == 1) sqlite3_str_appendf(s, " eq");
        else sqlite3_str_appendf(s, " eq(%d)", c->nEq);
      }
      if (c->eLo || c->eHi || c->nEq == 0) sqlite3_str_appendf(s, " range");
    }
    if (c->bIn) sqlite3_str_appendf(s, " in");
    if (c->iPath == PLAN_PK && c->nEq && c->nEq < c->n)
      sqlite3_str_appendf(s, " eq(%d)", c->nEq);
  }
  if (c->bOrdered) sqlite3_str_appendf(s, " ordered");
  if (c->bDesc) sqlite3_str_appendf(s, " reverse");
  if (c->bCover && c->iPath >= 2) {
    sqlite3_str_appendf(s, c->bKeyOnly ? " cover keys" : " cover");
  }
  if (idxNum & (1 << 20)) sqlite3_str_appendf(s, " limit");
  if (nArgOffset) sqlite3_str_appendf(s, " offset");
  /* After the text people see: the id of the index read (titoPlanIndexId). */
  sqlite3_str_appendchar(s, 1, 0);
  sqlite3_str_appendf(s, "%u", c->iPath >= 2 ? pModel->aIndex[c->iPath - 2].iId
                                              : 0u);
  return sqlite3_str_finish(s);
}

/* The cheapest candidate the hint h allows into *pBest; 0 if none. An
** index scan that narrows nothing is a candidate only when a hint asks for
** an index (forces it, or forbids the primary key). */
static int planChoose(tito_vtab *p, sqlite3_index_info *pInfo,
                      const tito_hint *h, cand *pBest) {
  const tito_model *pModel = vtabModel(p);
  int i, bBest = 0, bAnyIndex = h->iForce >= 2 || h->aForbid[PLAN_PK];
  cand c;
  if (titoHintAllows(h, PLAN_FULL)) {
    candMake(p, pInfo, PLAN_FULL, pBest);
    bBest = 1;
  }
  if (titoHintAllows(h, PLAN_PK)) {
    candMake(p, pInfo, PLAN_PK, &c);
    if ((c.nEq || c.eLo || c.eHi || c.bOrdered) &&
        (!bBest || c.cost < pBest->cost)) {
      *pBest = c;
      bBest = 1;
    }
  }
  for (i = 0; i < pModel->nIndex && 2 + i < TITO_HINT_MAX_PATH; i++) {
    if (!titoHintAllows(h, 2 + i)) continue;
    if (pModel->aIndex[i].bBuilding) continue; /* read once complete */
    if (p->aCond && !(pModel->aIndex[i].zWhere == 0 ||
                      condImplied(p, &p->aCond[i], pInfo))) {
      continue;
    }
    candMake(p, pInfo, 2 + i, &c);
    if (!bAnyIndex &&
        !(c.nEq || c.eLo || c.eHi || c.bOrdered || c.bCover || c.bPartial)) {
      continue;
    }
    if (!bBest || c.cost < pBest->cost) {
      *pBest = c;
      bBest = 1;
    }
  }
  return bBest;
}

int titoBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  tito_vtab *p = (tito_vtab *)pVtab;
  const tito_model *pModel = vtabModel(p);
  cand best;
  tito_hint hint;
  int i, iArg = 0, idxNum, nArgOffset = 0;

  /* The table opened: its model knows which index is being built. (On
  ** failure, planned by the definition; xFilter reports the error.) */
  if (titoTableFresh(p) == SQLITE_OK) pModel = vtabModel(p);
  if (titoHintParse(p, pInfo, &hint) != SQLITE_OK) return SQLITE_ERROR;
  if (!planChoose(p, pInfo, &hint, &best)) return titoHintNoPlan(p, &hint);

  /* Arguments: equalities, low, high (then LIMIT, OFFSET). */
  for (i = 0; i < best.nEq; i++) {
    planUse(pInfo, best.aiEq[i], &iArg, i >= best.iAmbig);
  }
  if (best.bIn) sqlite3_vtab_in(pInfo, best.aiEq[0], 1);
  if (best.iLo >= 0) planUse(pInfo, best.iLo, &iArg, best.nEq >= best.iAmbig);
  if (best.iHi >= 0) planUse(pInfo, best.iHi, &iArg, best.nEq >= best.iAmbig);
  /* Constraints the partial index applies, and the hint's: arguments
  ** after LIMIT and OFFSET (xFilter ignores them); marked now so planLimit
  ** sees them. */
  for (i = 0; i < pInfo->nConstraint && i < 64; i++) {
    if (((best.mImplied >> i) & 1) &&
        pInfo->aConstraintUsage[i].argvIndex == 0) {
      pInfo->aConstraintUsage[i].argvIndex = IMPLIED_ARG;
      pInfo->aConstraintUsage[i].omit = 1;
    }
  }
  for (i = 0; i < hint.nCons; i++) {
    pInfo->aConstraintUsage[hint.aiCons[i]].argvIndex = IMPLIED_ARG;
    pInfo->aConstraintUsage[hint.aiCons[i]].omit = 1;
  }
  pInfo->orderByConsumed = best.bOrdered;
  idxNum = best.iPath | (best.nEq << 8) | (best.eLo << 14) |
           (best.eHi << 16) | (best.bDesc << 18) | (best.bIn << 19) |
           (best.bCover << 22) | (best.bKeyOnly << 23) |
           ((best.iPath == PLAN_FULL || best.iAmbig >= 63 ? 0
                                                     : best.iAmbig + 1)
            << 24) |
           (best.bOrdered << 21);
  planLimit(p, pInfo, &iArg, &idxNum);
  for (i = 0; i < pInfo->nConstraint; i++) {
    if (pInfo->aConstraintUsage[i].argvIndex == IMPLIED_ARG) {
      pInfo->aConstraintUsage[i].argvIndex = ++iArg;
    }
  }
  pInfo->idxNum = idxNum;
  for (i = 0; i < pInfo->nConstraint; i++) {
    if (pInfo->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_OFFSET &&
        pInfo->aConstraintUsage[i].argvIndex > 0) {
      nArgOffset = 1;
    }
  }
  pInfo->idxStr = planDescribe(pModel, &best, idxNum, nArgOffset);
  if (pInfo->idxStr == 0) return SQLITE_NOMEM; /* xFilter needs its id */
  pInfo->needToFreeIdxStr = 1;
  pInfo->estimatedRows = (sqlite3_int64)best.rows;
  pInfo->estimatedCost = best.cost;
  if (best.rows <= 1 && best.nEq == best.n && best.bUnique && !best.bIn &&
      best.iPath != PLAN_FULL && best.iAmbig >= best.n) {
    pInfo->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
  }
  return SQLITE_OK;
}
