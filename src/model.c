/*
** model.c: the parser of tito's table definitions (module arguments of
** CREATE VIRTUAL TABLE ... USING tito(...)) and the CREATE TABLE text
** declared to SQLite for a model.
**
** SQLite hands us one string per top-level comma-separated argument, with
** quotes and parentheses kept and surrounding whitespace trimmed. Each
** argument is tokenized (identifiers, quoted names, strings, numbers,
** punctuation) and handed to a chain of argument-kind parsers (aKind[]):
** option, table PRIMARY KEY, INDEX, TOPIC, column. Column names in keys and
** indexes are resolved only once every argument is read, so arguments may
** come in any order; then the whole model is validated.
**
** Grammar (one argument each; keywords are case-insensitive; names may be
** bare words or quoted with "..", `..` or [..]):
**   name [type] [constraint ...]     a column, as in CREATE TABLE.
**       type: words [(n) | (n, m)], kept as written; affinity by SQLite's
**       rules. constraints: PRIMARY KEY [ASC|DESC] | NOT NULL | NULL |
**       UNIQUE | DEFAULT (number | 'string' | X'hex' | NULL | TRUE | FALSE |
**       CURRENT_TIME | CURRENT_DATE | CURRENT_TIMESTAMP | (expr)) |
**       COLLATE BINARY | CONSTRAINT name (ignored).
**   PRIMARY KEY (col [ASC|DESC], ...)
**   [UNIQUE] INDEX name (col [ASC|DESC], ...) [INCLUDE (col, ...)]
**       [WHERE expr]                 INCLUDE and WHERE in either order; the
**       WHERE text runs to the end, or to an INCLUDE ( that follows a
**       complete operand.
**   prefix = value | store = value   a 'string' or a bare word; store is
**       'embedded' (the default) or 'tikv://host:port[,host:port...]'.
**   TOPIC name [ON INSERT|UPDATE|DELETE [OR ...]] [WHERE cond] [AT (due)]
**         [PARTITION BY (cols)] [PARTITIONS n] [MAX ATTEMPTS n] [RETAIN n]
**                                    an outbox topic (src/event.c).
** A column named index or topic must be quoted. Refused with a message:
** CHECK, REFERENCES / FOREIGN KEY, generated columns, AUTOINCREMENT,
** COLLATE other than BINARY, table-level UNIQUE (...) and CONSTRAINT names,
** a column named _key (the hidden encoded-key column).
**
** Choices: a column-level UNIQUE creates a unique index named
** "<column>_unique" (or "<column>_unique_2", "_3", ... if an index of that
** name exists), numbered where the column is written; none is created when
** the column alone is the primary key. INCLUDE columns that the entry
** already holds (index key fields, primary-key fields, repeats) are
** dropped silently. A single-column primary key whose type is exactly
** INTEGER aliases the rowid, as in SQLite (not when written "INTEGER
** PRIMARY KEY DESC" on the column, SQLite's quirk); every other key column
** is NOT NULL, as in a WITHOUT ROWID table: the key is the row's identity
** in the store. At most TITO_MAX_INDEX indexes.
*/
#include "model.h"
#include "kv.h"
#include "sqlite_api.h"
#include <stdarg.h>
#include <string.h>

/* Token kinds. */
#define TK_EOF    0
#define TK_ID     1  /* bare word */
#define TK_QID    2  /* "name", `name` or [name] */
#define TK_STRING 3  /* 'text' or X'hex' */
#define TK_NUMBER 4
#define TK_LP     5
#define TK_RP     6
#define TK_COMMA  7
#define TK_EQ     8
#define TK_OTHER  9  /* any other operator character */
#define TK_ERROR 10  /* unterminated quote or comment */

typedef struct Token {
  int e;          /* TK_* */
  const char *z;  /* start, inside the argument text */
  int n;          /* bytes */
} Token;

/*
** An index (or the primary key) as written: column names are resolved
** after all arguments are read.
*/
typedef struct Draft {
  int iArg;          /* 1-based argument it came from */
  uint8_t bAuto;     /* a column-level UNIQUE: named after parsing */
  uint8_t bColumn;   /* the primary key written as a column constraint */
  uint8_t bSkip;     /* not built (a UNIQUE on the whole primary key) */
  char *zName;       /* index name; NULL until named if bAuto */
  uint8_t bUnique;
  char *zWhere;      /* partial-index predicate, or NULL */
  int nCol;          /* key fields */
  char **azCol;
  uint8_t *abDesc;
  int nInc;          /* INCLUDE columns */
  char **azInc;
} Draft;

typedef struct Parser {
  tito_model *pM;
  int iArg;          /* current argument, 1-based */
  const char *zPos;  /* tokenizer position in the current argument */
  Token t;           /* current token */
  const char *zPrevEnd; /* end of the token before t */
  int rc;            /* TITO_OK, TITO_ERROR or TITO_NOMEM */
  char *zErr;        /* error message */
  int nDraft;        /* indexes, in the order written */
  Draft *aDraft;
  Draft pk;          /* the primary key, if bPk */
  int bPk;
  int bPrefix;       /* prefix= seen */
  int bStore;        /* store= seen */
  char ***aazPart;   /* per topic: its PARTITION BY column names */
} Parser;

/* Returned by an argument-kind parser that does not recognize the input. */
#define ARG_NOMATCH (-1)

/*************************** tokenizer ***************************/

static int isIdStart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c >= 0x80;
}
static int isIdChar(unsigned char c) {
  return isIdStart(c) || (c >= '0' && c <= '9') || c == '$';
}
static int isDigit(unsigned char c) { return c >= '0' && c <= '9'; }
static int isSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

/* Length of a quoted run starting at z (z[0] is the opening quote, cEnd
** the closing one; a doubled closing quote is an escape unless cEnd is
** ']'), or -1 if unterminated. */
static int quotedLen(const char *z, char cEnd) {
  int i = 1;
  for (;;) {
    if (z[i] == 0) return -1;
    if (z[i] == cEnd) {
      if (cEnd != ']' && z[i + 1] == cEnd) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
}

/* Length of the number starting at z. */
static int numberLen(const char *z) {
  int i = 0;
  if (z[0] == '0' && (z[1] == 'x' || z[1] == 'X')) {
    i = 2;
    while (isIdChar((unsigned char)z[i])) i++;
    return i;
  }
  while (isDigit((unsigned char)z[i])) i++;
  if (z[i] == '.') {
    i++;
    while (isDigit((unsigned char)z[i])) i++;
  }
  if ((z[i] == 'e' || z[i] == 'E') &&
      (isDigit((unsigned char)z[i + 1]) ||
       ((z[i + 1] == '+' || z[i + 1] == '-') &&
        isDigit((unsigned char)z[i + 2])))) {
    i += 2;
    while (isDigit((unsigned char)z[i])) i++;
  }
  return i;
}

/* Skip whitespace and comments; returns the new position (or NULL on an
** unterminated block comment). */
static const char *skipSpace(const char *z) {
  for (;;) {
    while (isSpace((unsigned char)*z)) z++;
    if (z[0] == '-' && z[1] == '-') {
      while (*z && *z != '\n') z++;
    } else if (z[0] == '/' && z[1] == '*') {
      const char *zEnd = strstr(z + 2, "*/");
      if (!zEnd) return NULL;
      z = zEnd + 2;
    } else {
      return z;
    }
  }
}

/* Read the token at z into *pT; returns the position after it. */
static const char *readToken(const char *z, Token *pT) {
  const char *zStart = skipSpace(z);
  int n = 1;
  if (!zStart) {
    pT->e = TK_ERROR;
    pT->z = z;
    pT->n = (int)strlen(z);
    return z + pT->n;
  }
  z = zStart;
  pT->z = z;
  switch (z[0]) {
    case 0: pT->e = TK_EOF; n = 0; break;
    case '(': pT->e = TK_LP; break;
    case ')': pT->e = TK_RP; break;
    case ',': pT->e = TK_COMMA; break;
    case '=': pT->e = (z[1] == '=') ? TK_OTHER : TK_EQ; n = (z[1] == '=') ? 2 : 1; break;
    case '\'': pT->e = TK_STRING; n = quotedLen(z, '\''); break;
    case '"': pT->e = TK_QID; n = quotedLen(z, '"'); break;
    case '`': pT->e = TK_QID; n = quotedLen(z, '`'); break;
    case '[': pT->e = TK_QID; n = quotedLen(z, ']'); break;
    default:
      if ((z[0] == 'x' || z[0] == 'X') && z[1] == '\'') {
        pT->e = TK_STRING;
        n = quotedLen(z + 1, '\'');
        if (n > 0) n++;
      } else if (isIdStart((unsigned char)z[0])) {
        pT->e = TK_ID;
        while (isIdChar((unsigned char)z[n])) n++;
      } else if (isDigit((unsigned char)z[0]) ||
                 (z[0] == '.' && isDigit((unsigned char)z[1]))) {
        pT->e = TK_NUMBER;
        n = numberLen(z);
      } else {
        pT->e = TK_OTHER;
      }
  }
  if (n < 0) {
    pT->e = TK_ERROR;
    n = (int)strlen(z);
  }
  pT->n = n;
  return z + n;
}

/* Advance to the next token of the current argument. */
static void nextToken(Parser *p) {
  /* Before the first token t.z is NULL (no arithmetic on it). */
  p->zPrevEnd = p->t.z ? p->t.z + p->t.n : p->zPos;
  p->zPos = readToken(p->zPos, &p->t);
}

/* The token after the current one, without consuming anything. */
static Token peekToken(Parser *p) {
  Token t;
  readToken(p->zPos, &t);
  return t;
}

/* True if pT is the bare keyword zKw (case-insensitive). */
static int tokIs(const Token *pT, const char *zKw) {
  return pT->e == TK_ID && (int)strlen(zKw) == pT->n &&
         sqlite3_strnicmp(pT->z, zKw, pT->n) == 0;
}
static int isKw(Parser *p, const char *zKw) { return tokIs(&p->t, zKw); }

/*************************** errors ***************************/

/* Set the error (the first one wins): "tito: TABLE argument N: MESSAGE",
** or "tito: TABLE: MESSAGE" when iArg is 0. Returns p->rc. */
static int perr(Parser *p, int iArg, const char *zFmt, ...) {
  va_list ap;
  char *zMsg;
  if (p->rc) return p->rc;
  va_start(ap, zFmt);
  zMsg = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  if (zMsg) {
    if (iArg > 0) {
      p->zErr = sqlite3_mprintf("tito: %s argument %d: %s", p->pM->zTable,
                                iArg, zMsg);
    } else {
      p->zErr = sqlite3_mprintf("tito: %s: %s", p->pM->zTable, zMsg);
    }
  }
  sqlite3_free(zMsg);
  p->rc = p->zErr ? TITO_ERROR : TITO_NOMEM;
  return p->rc;
}

/* Record an allocation failure. */
static int pnomem(Parser *p) {
  if (!p->rc) p->rc = TITO_NOMEM;
  return p->rc;
}

/* "expected WHAT, found "TOKEN"" at the current token. */
static int perrExpected(Parser *p, const char *zWhat) {
  if (p->t.e == TK_ERROR) {
    return perr(p, p->iArg, "unterminated quote or comment: %.*s", p->t.n,
                p->t.z);
  }
  if (p->t.e == TK_EOF) {
    return perr(p, p->iArg, "expected %s, found the end of the argument",
                zWhat);
  }
  return perr(p, p->iArg, "expected %s, found \"%.*s\"", zWhat, p->t.n,
              p->t.z);
}

/* Edit distance (with transpositions) between a and b, case-insensitive,
** capped at 100 characters each. */
static int editDistance(const char *a, const char *b) {
  int na = (int)strlen(a), nb = (int)strlen(b), i, j;
  int d[101][101];
  if (na > 100 || nb > 100) return 1000;
  for (i = 0; i <= na; i++) d[i][0] = i;
  for (j = 0; j <= nb; j++) d[0][j] = j;
  for (i = 1; i <= na; i++) {
    for (j = 1; j <= nb; j++) {
      int ca = sqlite3_strnicmp(a + i - 1, b + j - 1, 1) != 0;
      int v = d[i - 1][j - 1] + ca;
      if (d[i - 1][j] + 1 < v) v = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && sqlite3_strnicmp(a + i - 1, b + j - 2, 1) == 0 &&
          sqlite3_strnicmp(a + i - 2, b + j - 1, 1) == 0 &&
          d[i - 2][j - 2] + 1 < v) {
        v = d[i - 2][j - 2] + 1;
      }
      d[i][j] = v;
    }
  }
  return d[na][nb];
}

/* The candidate in az[0..n) nearest to zWord if it is close enough to be a
** plausible typo, else NULL. */
static const char *nearest(const char *zWord, int n, const char *const *az) {
  int nWord = (int)strlen(zWord), i, best = 1000;
  int lim = nWord <= 3 ? 1 : nWord <= 6 ? 2 : 3;
  const char *z = 0;
  for (i = 0; i < n; i++) {
    int d = editDistance(zWord, az[i]);
    if (d < best) {
      best = d;
      z = az[i];
    }
  }
  return best <= lim && best < nWord ? z : 0;
}

/* " (did you mean "X"?)" for an unknown column, or "". (sqlite3_malloc'd) */
static char *didYouMeanColumn(tito_model *pM, const char *zWord) {
  const char **az = sqlite3_malloc64(sizeof(char *) * (pM->nCol + 1));
  const char *z;
  char *zRet;
  int i;
  if (!az) return 0;
  for (i = 0; i < pM->nCol; i++) az[i] = pM->aCol[i].zName;
  z = nearest(zWord, pM->nCol, az);
  zRet = z ? sqlite3_mprintf(" (did you mean \"%s\"?)", z) : sqlite3_mprintf("");
  sqlite3_free(az);
  return zRet;
}

/*************************** small helpers ***************************/

/* Grow *pa (n elements of sz bytes) by one zeroed element. */
static int growArray(Parser *p, void **pa, int n, size_t sz) {
  char *a = sqlite3_realloc64(*pa, sz * (n + 1));
  if (!a) return pnomem(p);
  memset(a + sz * n, 0, sz);
  *pa = a;
  return TITO_OK;
}

/* The name in the current token (a bare word or quoted name), unquoted
** and sqlite3_malloc'd, or NULL (error set) if the token is not a name. */
static char *takeName(Parser *p, const char *zWhat) {
  char *z;
  int i, j;
  if (p->t.e == TK_ID) {
    z = sqlite3_mprintf("%.*s", p->t.n, p->t.z);
  } else if (p->t.e == TK_QID) {
    char q = p->t.z[0] == '[' ? ']' : p->t.z[0];
    z = sqlite3_malloc(p->t.n);
    if (z) {
      for (i = 1, j = 0; i < p->t.n - 1; i++) {
        z[j++] = p->t.z[i];
        if (p->t.z[i] == q && q != ']') i++;
      }
      z[j] = 0;
    }
  } else {
    perrExpected(p, zWhat);
    return 0;
  }
  if (!z) {
    pnomem(p);
    return 0;
  }
  if (z[0] == 0) {
    sqlite3_free(z);
    perr(p, p->iArg, "%s must not be empty", zWhat);
    return 0;
  }
  nextToken(p);
  return z;
}

/* Consume "ASC" or "DESC" if present; returns 1 for DESC. */
static int takeOrder(Parser *p) {
  if (isKw(p, "ASC")) {
    nextToken(p);
    return 0;
  }
  if (isKw(p, "DESC")) {
    nextToken(p);
    return 1;
  }
  return 0;
}

/* Consume "COLLATE name" if present; only BINARY is accepted. */
static int takeCollate(Parser *p) {
  char *zColl;
  int rc;
  if (!isKw(p, "COLLATE")) return TITO_OK;
  nextToken(p);
  zColl = takeName(p, "a collation name");
  if (!zColl) return p->rc;
  rc = sqlite3_stricmp(zColl, "BINARY") == 0
           ? TITO_OK
           : perr(p, p->iArg,
                  "COLLATE %s: tito supports only BINARY collation", zColl);
  sqlite3_free(zColl);
  return rc;
}

/* Expect the current token to be of kind e (described as zWhat); consume. */
static int expect(Parser *p, int e, const char *zWhat) {
  if (p->t.e != e) return perrExpected(p, zWhat);
  nextToken(p);
  return TITO_OK;
}

/* Expect the end of the argument. */
static int expectEnd(Parser *p, const char *zWhat) {
  if (p->t.e != TK_EOF) return perrExpected(p, zWhat);
  return TITO_OK;
}

/* Skip a balanced parenthesized group; the current token is "(". On
** return the current token follows the matching ")". */
static int skipParens(Parser *p) {
  int nDepth = 0;
  do {
    if (p->t.e == TK_LP) nDepth++;
    if (p->t.e == TK_RP) nDepth--;
    if (p->t.e == TK_EOF || p->t.e == TK_ERROR) {
      return perrExpected(p, "\")\"");
    }
    nextToken(p);
  } while (nDepth > 0);
  return TITO_OK;
}

/* Append a name (taking ownership of z) and a DESC flag to a name list. */
static int pushName(Parser *p, char ***paz, uint8_t **pabDesc, int *pn,
                    char *z, int bDesc) {
  if (growArray(p, (void **)paz, *pn, sizeof(char *))) {
    sqlite3_free(z);
    return p->rc;
  }
  (*paz)[*pn] = z;
  if (pabDesc) {
    if (growArray(p, (void **)pabDesc, *pn, 1)) {
      (*pn)++; /* the name is in the list: freed with it */
      return p->rc;
    }
    (*pabDesc)[*pn] = (uint8_t)bDesc;
  }
  (*pn)++;
  return TITO_OK;
}

/* Parse "(col [COLLATE BINARY] [ASC|DESC], ...)" into a name list. If
** pabDesc is NULL the ASC/DESC words are refused (INCLUDE lists). */
static int parseColumnList(Parser *p, char ***paz, uint8_t **pabDesc,
                           int *pn, const char *zWhat) {
  if (expect(p, TK_LP, "\"(\"")) return p->rc;
  if (p->t.e == TK_RP) {
    return perr(p, p->iArg, "%s needs at least one column", zWhat);
  }
  for (;;) {
    int bDesc = 0;
    char *z = takeName(p, "a column name");
    if (!z) return p->rc;
    if (takeCollate(p)) {
      sqlite3_free(z);
      return p->rc;
    }
    if (pabDesc) bDesc = takeOrder(p);
    if (pushName(p, paz, pabDesc, pn, z, bDesc)) return p->rc;
    if (p->t.e == TK_RP) break;
    if (expect(p, TK_COMMA, "\",\" or \")\"")) return p->rc;
  }
  nextToken(p);
  return TITO_OK;
}

static void draftClear(Draft *d) {
  int i;
  sqlite3_free(d->zName);
  sqlite3_free(d->zWhere);
  for (i = 0; i < d->nCol; i++) sqlite3_free(d->azCol[i]);
  for (i = 0; i < d->nInc; i++) sqlite3_free(d->azInc[i]);
  sqlite3_free(d->azCol);
  sqlite3_free(d->abDesc);
  sqlite3_free(d->azInc);
  memset(d, 0, sizeof(*d));
}

/* A new empty index draft at the end of p->aDraft, or NULL on OOM. */
static Draft *newDraft(Parser *p) {
  if (growArray(p, (void **)&p->aDraft, p->nDraft, sizeof(Draft))) return 0;
  p->aDraft[p->nDraft].iArg = p->iArg;
  return &p->aDraft[p->nDraft++];
}

/* Claim the primary key for the current argument; error if already set. */
static Draft *claimPk(Parser *p) {
  if (p->bPk) {
    perr(p, p->iArg,
         "more than one PRIMARY KEY (the first is in argument %d); use one "
         "PRIMARY KEY (a, b, ...) for a composite key",
         p->pk.iArg);
    return 0;
  }
  p->bPk = 1;
  p->pk.iArg = p->iArg;
  return &p->pk;
}

/*************************** argument kinds ***************************/

/* option: NAME = VALUE (prefix, store). */
static int tryOption(Parser *p) {
  Token tName = p->t, tVal;
  char *zVal;
  if (tName.e != TK_ID || peekToken(p).e != TK_EQ) return ARG_NOMATCH;
  nextToken(p);
  nextToken(p);
  tVal = p->t;
  if (tVal.e == TK_STRING && tVal.z[0] == '\'') {
    zVal = sqlite3_malloc(tVal.n);
    if (zVal) {
      int i, j;
      for (i = 1, j = 0; i < tVal.n - 1; i++) {
        zVal[j++] = tVal.z[i];
        if (tVal.z[i] == '\'') i++;
      }
      zVal[j] = 0;
    }
  } else if (tVal.e == TK_ID || tVal.e == TK_NUMBER) {
    zVal = sqlite3_mprintf("%.*s", tVal.n, tVal.z);
  } else {
    return perrExpected(p, "a quoted string or a word after \"=\"");
  }
  if (!zVal) return pnomem(p);
  nextToken(p);
  if (expectEnd(p, "the end of the option (quote values with ' ')")) {
    sqlite3_free(zVal);
    return p->rc;
  }
  if (tokIs(&tName, "prefix")) {
    if (p->bPrefix) {
      sqlite3_free(zVal);
      return perr(p, p->iArg, "more than one \"prefix\" option");
    }
    p->bPrefix = 1;
    sqlite3_free(p->pM->zPrefix);
    p->pM->zPrefix = zVal;
  } else if (tokIs(&tName, "store")) {
    if (p->bStore) {
      sqlite3_free(zVal);
      return perr(p, p->iArg, "more than one \"store\" option");
    }
    p->bStore = 1;
    if (sqlite3_stricmp(zVal, "embedded") == 0) {
      sqlite3_free(zVal);
    } else if (sqlite3_strnicmp(zVal, "tikv://", 7) == 0 && zVal[7]) {
      p->pM->zStore = zVal;
    } else {
      perr(p, p->iArg,
           "unknown store \"%s\" (expected 'embedded' or "
           "'tikv://host:port[,host:port...]')",
           zVal);
      sqlite3_free(zVal);
      return p->rc;
    }
  } else {
    static const char *const azOpt[] = {"prefix", "store"};
    char *zName = sqlite3_mprintf("%.*s", tName.n, tName.z);
    const char *zNear;
    sqlite3_free(zVal);
    if (!zName) return pnomem(p);
    zNear = nearest(zName, 2, azOpt);
    perr(p, p->iArg, "unknown option \"%s\"%s%s%s (options are prefix and store)",
         zName, zNear ? " (did you mean \"" : "", zNear ? zNear : "",
         zNear ? "\"?)" : "");
    sqlite3_free(zName);
  }
  return p->rc;
}

/* table constraint: PRIMARY KEY (col [ASC|DESC], ...). */
static int tryTablePk(Parser *p) {
  Draft *d;
  Token t2;
  if (!isKw(p, "PRIMARY")) return ARG_NOMATCH;
  t2 = peekToken(p);
  if (!tokIs(&t2, "KEY")) return ARG_NOMATCH;
  nextToken(p);
  nextToken(p);
  if (!(d = claimPk(p))) return p->rc;
  if (parseColumnList(p, &d->azCol, &d->abDesc, &d->nCol, "PRIMARY KEY")) {
    return p->rc;
  }
  return expectEnd(p, "the end of PRIMARY KEY (...)");
}

/* True if the current token starts "INCLUDE (" and follows a token that
** ends an operand, so it ends a WHERE expression. */
static int atInclude(Parser *p, const Token *pPrev) {
  static const char *const azOp[] = {"AND", "OR",    "NOT",  "IS",   "IN",
                                     "LIKE", "GLOB", "BETWEEN", "WHEN",
                                     "THEN", "ELSE", "CASE", "ESCAPE",
                                     "MATCH", "REGEXP", "WHERE"};
  Token t2;
  size_t i;
  if (!isKw(p, "INCLUDE")) return 0;
  t2 = peekToken(p);
  if (t2.e != TK_LP) return 0;
  if (pPrev->e == TK_ID) {
    for (i = 0; i < sizeof(azOp) / sizeof(azOp[0]); i++) {
      if (tokIs(pPrev, azOp[i])) return 0;
    }
    return 1;
  }
  return pPrev->e == TK_QID || pPrev->e == TK_STRING ||
         pPrev->e == TK_NUMBER || pPrev->e == TK_RP;
}

/* WHERE expr: keeps the text up to the end or a trailing INCLUDE. */
static int parseWhere(Parser *p, Draft *d) {
  const char *zStart = p->t.z, *zEnd = p->t.z;
  Token tPrev = p->t; /* the WHERE keyword itself */
  while (p->t.e != TK_EOF && !atInclude(p, &tPrev)) {
    if (p->t.e == TK_ERROR) return perrExpected(p, "an expression");
    if (p->t.e == TK_LP) {
      if (skipParens(p)) return p->rc;
      tPrev.e = TK_RP;
    } else {
      tPrev = p->t;
      nextToken(p);
    }
    zEnd = p->zPrevEnd;
  }
  if (zEnd == zStart) {
    return perr(p, d->iArg, "INDEX %s: WHERE needs a condition", d->zName);
  }
  d->zWhere = sqlite3_mprintf("%.*s", (int)(zEnd - zStart), zStart);
  return d->zWhere ? TITO_OK : pnomem(p);
}

/* index: [UNIQUE] INDEX name (cols) [INCLUDE (cols)] [WHERE expr]. */
static int tryIndex(Parser *p) {
  int bUnique = 0;
  Draft *d;
  if (isKw(p, "UNIQUE")) {
    Token t2 = peekToken(p);
    if (!tokIs(&t2, "INDEX")) {
      if (t2.e == TK_LP) {
        return perr(p, p->iArg,
                    "table-level UNIQUE (...) is not supported; write "
                    "UNIQUE INDEX name (...)");
      }
      return ARG_NOMATCH;
    }
    bUnique = 1;
    nextToken(p);
  } else if (isKw(p, "INDEX")) {
    Token t2 = peekToken(p);
    if (t2.e != TK_ID && t2.e != TK_QID) return ARG_NOMATCH;
  } else {
    return ARG_NOMATCH;
  }
  nextToken(p);
  if (!(d = newDraft(p))) return p->rc;
  d->bUnique = (uint8_t)bUnique;
  if (!(d->zName = takeName(p, "an index name"))) return p->rc;
  if (p->t.e != TK_LP) {
    return perrExpected(p, "\"(\" and the indexed columns");
  }
  if (parseColumnList(p, &d->azCol, &d->abDesc, &d->nCol, "an INDEX")) {
    return p->rc;
  }
  while (p->t.e != TK_EOF) {
    if (isKw(p, "INCLUDE") && d->nInc == 0) {
      nextToken(p);
      if (parseColumnList(p, &d->azInc, 0, &d->nInc, "INCLUDE")) return p->rc;
    } else if (isKw(p, "WHERE") && !d->zWhere) {
      nextToken(p);
      if (parseWhere(p, d)) return p->rc;
    } else {
      return perrExpected(p, "INCLUDE (...), WHERE or the end of the index");
    }
  }
  return TITO_OK;
}

/* Does the current token start a clause of TOPIC (the word after an
** operand, as atInclude decides for INCLUDE)? */
static int atTopicClause(Parser *p, const Token *pPrev) {
  static const char *const azWord[] = {"AT", "PARTITION", "PARTITIONS",
                                       "MAX", "RETAIN"};
  static const char *const azOp[] = {"AND", "OR", "NOT", "IS", "IN",
                                     "LIKE", "GLOB", "BETWEEN", "WHEN",
                                     "THEN", "ELSE", "CASE", "ESCAPE",
                                     "MATCH", "REGEXP", "WHERE"};
  size_t i;
  int bWord = 0;
  for (i = 0; i < sizeof(azWord) / sizeof(azWord[0]); i++) {
    if (isKw(p, azWord[i])) bWord = 1;
  }
  if (!bWord) return 0;
  if (pPrev->e == TK_ID) {
    for (i = 0; i < sizeof(azOp) / sizeof(azOp[0]); i++) {
      if (tokIs(pPrev, azOp[i])) return 0;
    }
    return 1;
  }
  return pPrev->e == TK_QID || pPrev->e == TK_STRING ||
         pPrev->e == TK_NUMBER || pPrev->e == TK_RP;
}

/* TOPIC t WHERE cond: the text up to the end or the next clause. */
static int parseTopicWhere(Parser *p, tito_topic *pT) {
  const char *zStart = p->t.z, *zEnd = p->t.z;
  Token tPrev = p->t;
  while (p->t.e != TK_EOF && !atTopicClause(p, &tPrev)) {
    if (p->t.e == TK_ERROR) return perrExpected(p, "an expression");
    if (p->t.e == TK_LP) {
      if (skipParens(p)) return p->rc;
      tPrev.e = TK_RP;
    } else {
      tPrev = p->t;
      nextToken(p);
    }
    zEnd = p->zPrevEnd;
  }
  if (zEnd == zStart) {
    return perr(p, pT->iArg, "TOPIC %s: WHERE needs a condition", pT->zName);
  }
  pT->zWhere = sqlite3_mprintf("%.*s", (int)(zEnd - zStart), zStart);
  return pT->zWhere ? TITO_OK : pnomem(p);
}

/* TOPIC t AT (expr): the text inside the parentheses. */
static int parseTopicAt(Parser *p, tito_topic *pT) {
  const char *zStart;
  if (p->t.e != TK_LP) {
    return perrExpected(p, "\"(\" and the due time (unix seconds) after AT");
  }
  zStart = p->t.z + 1;
  if (skipParens(p)) return p->rc;
  pT->zAt = sqlite3_mprintf("%.*s", (int)(p->zPrevEnd - 1 - zStart), zStart);
  if (!pT->zAt) return pnomem(p);
  if (skipSpace(pT->zAt)[0] == 0) {
    return perr(p, pT->iArg, "TOPIC %s: AT needs an expression", pT->zName);
  }
  return TITO_OK;
}

/* A positive integer after WORD (PARTITIONS, MAX ATTEMPTS), at most nMax. */
static int parseTopicCount(Parser *p, tito_topic *pT, const char *zWord,
                           int nMax, int *pn) {
  sqlite3_int64 v = 0;
  int i;
  if (p->t.e != TK_NUMBER) return perrExpected(p, "a number");
  for (i = 0; i < p->t.n && isDigit((unsigned char)p->t.z[i]) && v <= nMax;
       i++) {
    v = v * 10 + (p->t.z[i] - '0');
  }
  if (i < p->t.n || v < 1 || v > nMax) {
    return perr(p, pT->iArg, "TOPIC %s: %s must be a whole number from 1 to "
                "%d, not %.*s", pT->zName, zWord, nMax, p->t.n, p->t.z);
  }
  *pn = (int)v;
  nextToken(p);
  return TITO_OK;
}

/* TOPIC t ON INSERT [OR UPDATE] [OR DELETE] */
static int parseTopicOn(Parser *p, tito_topic *pT) {
  pT->mAction = 0;
  for (;;) {
    int m = isKw(p, "INSERT") ? TITO_ACT_INSERT
          : isKw(p, "UPDATE") ? TITO_ACT_UPDATE
          : isKw(p, "DELETE") ? TITO_ACT_DELETE : 0;
    if (m == 0) return perrExpected(p, "INSERT, UPDATE or DELETE after ON");
    if (pT->mAction & m) {
      return perr(p, pT->iArg, "TOPIC %s: ON %.*s twice", pT->zName, p->t.n,
                  p->t.z);
    }
    pT->mAction |= m;
    nextToken(p);
    if (!isKw(p, "OR")) return TITO_OK;
    nextToken(p);
  }
}

/* One clause of TOPIC; *pSeen has a bit per clause already read. */
static int parseTopicClause(Parser *p, tito_topic *pT, int *pSeen) {
  static const char *const azClause[] = {"ON", "WHERE", "AT", "PARTITION BY",
                                         "PARTITIONS", "MAX ATTEMPTS",
                                         "RETAIN"};
  int i = isKw(p, "ON") ? 0 : isKw(p, "WHERE") ? 1 : isKw(p, "AT") ? 2
        : isKw(p, "PARTITION") ? 3 : isKw(p, "PARTITIONS") ? 4
        : isKw(p, "MAX") ? 5 : isKw(p, "RETAIN") ? 6 : -1;
  char ***paz = &p->aazPart[p->pM->nTopic - 1];
  if (i < 0) {
    return perrExpected(p, "ON, WHERE, AT, PARTITION BY, PARTITIONS, MAX "
                           "ATTEMPTS, RETAIN or the end of the topic");
  }
  if (*pSeen & (1 << i)) {
    return perr(p, pT->iArg, "TOPIC %s: %s twice", pT->zName, azClause[i]);
  }
  *pSeen |= 1 << i;
  nextToken(p);
  switch (i) {
    case 0: return parseTopicOn(p, pT);
    case 1: return parseTopicWhere(p, pT);
    case 2: return parseTopicAt(p, pT);
    case 3:
      if (!isKw(p, "BY")) return perrExpected(p, "BY after PARTITION");
      nextToken(p);
      if (p->t.e != TK_LP) {
        return perrExpected(p, "\"(\" and the columns after PARTITION BY");
      }
      return parseColumnList(p, paz, 0, &pT->nPart, "PARTITION BY");
    case 4: return parseTopicCount(p, pT, "PARTITIONS", 65536,
                                   &pT->nPartitions);
    case 6: return parseTopicCount(p, pT, "RETAIN (seconds)", 1000000000,
                                   &pT->nRetain);
    default:
      if (!isKw(p, "ATTEMPTS")) return perrExpected(p, "ATTEMPTS after MAX");
      nextToken(p);
      return parseTopicCount(p, pT, "MAX ATTEMPTS", 1000, &pT->nMaxAttempts);
  }
}

/* Is the bare word of t one SQLite would read as a column type? */
static int looksLikeType(const Token *t) {
  static const char *const az[] = {"INT", "CHAR", "CLOB", "TEXT", "BLOB",
                                   "REAL", "FLOA", "DOUB", "NUM", "BOOL",
                                   "DATE"};
  size_t i;
  int j, k;
  for (i = 0; i < sizeof(az) / sizeof(az[0]); i++) {
    int n = (int)strlen(az[i]);
    for (j = 0; j + n <= t->n; j++) {
      for (k = 0; k < n; k++) {
        if ((t->z[j + k] & ~0x20) != az[i][k]) break;
      }
      if (k == n) return 1;
    }
  }
  return 0;
}

/* TOPIC name [clauses]: an outbox topic (a column named topic must be
** quoted, like one named index). */
static int tryTopic(Parser *p) {
  tito_model *pM = p->pM;
  tito_topic *pT;
  int seen = 0, i;
  Token t2;
  if (!isKw(p, "TOPIC")) return ARG_NOMATCH;
  t2 = peekToken(p);
  if (t2.e != TK_ID && t2.e != TK_QID) {
    nextToken(p);
    return perrExpected(p, "a topic name after TOPIC (for a column named "
                           "topic, quote the name: \"topic\")");
  }
  nextToken(p);
  if (p->t.e == TK_ID && looksLikeType(&p->t)) {
    return perr(p, p->iArg, "TOPIC %.*s: a column named topic must be quoted "
                "(\"topic\" %.*s); so must a topic named like a type",
                p->t.n, p->t.z, p->t.n, p->t.z);
  }
  if (pM->nTopic >= TITO_MAX_TOPIC) {
    return perr(p, p->iArg, "too many topics: at most %d", TITO_MAX_TOPIC);
  }
  if (growArray(p, (void **)&pM->aTopic, pM->nTopic, sizeof(tito_topic)) ||
      growArray(p, (void **)&p->aazPart, pM->nTopic, sizeof(char **))) {
    return p->rc;
  }
  pT = &pM->aTopic[pM->nTopic++];
  pT->iArg = p->iArg;
  pT->mAction = TITO_ACT_ALL;
  pT->nRetain = -1;
  if (!(pT->zName = takeName(p, "a topic name"))) return p->rc;
  for (i = 0; i < pM->nTopic - 1; i++) {
    if (sqlite3_stricmp(pM->aTopic[i].zName, pT->zName) == 0) {
      return perr(p, p->iArg, "duplicate topic \"%s\" (also in argument %d)",
                  pT->zName, pM->aTopic[i].iArg);
    }
  }
  while (p->t.e != TK_EOF && p->rc == TITO_OK) {
    parseTopicClause(p, pT, &seen);
  }
  return p->rc;
}

/* PARTITION BY names to column numbers (after every column is known). */
static int resolveTopics(Parser *p) {
  tito_model *pM = p->pM;
  int i, j;
  for (i = 0; i < pM->nTopic; i++) {
    tito_topic *pT = &pM->aTopic[i];
    if (pT->nPart == 0) continue;
    pT->aiPart = sqlite3_malloc64(sizeof(int) * pT->nPart);
    if (!pT->aiPart) return pnomem(p);
    for (j = 0; j < pT->nPart; j++) {
      const char *zCol = p->aazPart[i][j];
      int iCol = tito_model_column(pM, zCol);
      if (iCol < 0) {
        char *zHint = didYouMeanColumn(pM, zCol);
        perr(p, pT->iArg, "TOPIC %s: PARTITION BY: no such column: %s%s",
             pT->zName, zCol, zHint ? zHint : "");
        sqlite3_free(zHint);
        return p->rc;
      }
      pT->aiPart[j] = iCol;
    }
  }
  return TITO_OK;
}

/* Table constraints tito does not support: CHECK (...), FOREIGN KEY, and
** CONSTRAINT name before a table constraint. */
static int tryTableOther(Parser *p) {
  Token t2 = peekToken(p);
  if (isKw(p, "CONSTRAINT") && (t2.e == TK_ID || t2.e == TK_QID)) {
    return perr(p, p->iArg,
                "CONSTRAINT names are not supported on table constraints; "
                "write PRIMARY KEY (...) or UNIQUE INDEX name (...)");
  }
  if (isKw(p, "CHECK") && t2.e == TK_LP) {
    return perr(p, p->iArg, "CHECK constraints are not supported on tito tables");
  }
  if (isKw(p, "FOREIGN") && tokIs(&t2, "KEY")) {
    return perr(p, p->iArg,
                "FOREIGN KEY: foreign keys are not supported on tito tables");
  }
  return ARG_NOMATCH;
}

/* Words that end a column's type and start a constraint. */
static int isConstraintWord(const Token *pT) {
  static const char *const az[] = {
      "CONSTRAINT", "PRIMARY", "NOT",        "NULL",      "DEFAULT",
      "COLLATE",    "UNIQUE",  "CHECK",      "REFERENCES", "GENERATED",
      "AS"};
  size_t i;
  for (i = 0; i < sizeof(az) / sizeof(az[0]); i++) {
    if (tokIs(pT, az[i])) return 1;
  }
  return 0;
}

/* SQLite's affinity of a declared type (datatype3 section 3.1): the first
** matching rule wins, scanning for the substrings in order of appearance. */
static char typeAffinity(const char *zType) {
  char aff = TITO_AFF_NUMERIC;
  uint32_t h = 0;
  const unsigned char *z = (const unsigned char *)zType;
  if (!z[0]) return TITO_AFF_BLOB;
  for (; *z; z++) {
    unsigned char c = *z;
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    h = (h << 8) | c;
    if (h == (('c' << 24) | ('h' << 16) | ('a' << 8) | 'r') ||
        h == (('c' << 24) | ('l' << 16) | ('o' << 8) | 'b') ||
        h == (('t' << 24) | ('e' << 16) | ('x' << 8) | 't')) {
      aff = TITO_AFF_TEXT;
    } else if (h == (('b' << 24) | ('l' << 16) | ('o' << 8) | 'b')) {
      if (aff == TITO_AFF_NUMERIC || aff == TITO_AFF_REAL) aff = TITO_AFF_BLOB;
    } else if (h == (('r' << 24) | ('e' << 16) | ('a' << 8) | 'l') ||
               h == (('f' << 24) | ('l' << 16) | ('o' << 8) | 'a') ||
               h == (('d' << 24) | ('o' << 16) | ('u' << 8) | 'b')) {
      if (aff == TITO_AFF_NUMERIC) aff = TITO_AFF_REAL;
    } else if ((h & 0x00ffffff) == (('i' << 16) | ('n' << 8) | 't')) {
      return TITO_AFF_INTEGER;
    }
  }
  return aff;
}

/* DEFAULT value: a signed number, a literal, or a parenthesized expression;
** the text as written goes to pCol->zDefault. */
static int parseDefault(Parser *p, tito_column *pCol) {
  static const char *const azLit[] = {"NULL", "TRUE", "FALSE", "CURRENT_TIME",
                                      "CURRENT_DATE", "CURRENT_TIMESTAMP"};
  const char *zStart = p->t.z;
  size_t i;
  int ok = 0;
  if (pCol->zDefault) {
    return perr(p, p->iArg, "column %s has more than one DEFAULT",
                pCol->zName);
  }
  if (p->t.e == TK_LP) {
    if (skipParens(p)) return p->rc;
    ok = 1;
  } else if (p->t.e == TK_STRING) {
    nextToken(p);
    ok = 1;
  } else {
    if (p->t.e == TK_OTHER && p->t.n == 1 &&
        (p->t.z[0] == '-' || p->t.z[0] == '+')) {
      nextToken(p);
      if (p->t.e != TK_NUMBER) return perrExpected(p, "a number after the sign");
    }
    if (p->t.e == TK_NUMBER) {
      nextToken(p);
      ok = 1;
    }
    for (i = 0; !ok && i < sizeof(azLit) / sizeof(azLit[0]); i++) {
      if (isKw(p, azLit[i])) {
        nextToken(p);
        ok = 1;
      }
    }
  }
  if (!ok) {
    return perrExpected(p, "a number, a 'string', NULL, TRUE, FALSE, "
                           "CURRENT_TIMESTAMP or (expression) after DEFAULT");
  }
  pCol->zDefault =
      sqlite3_mprintf("%.*s", (int)(p->zPrevEnd - zStart), zStart);
  return pCol->zDefault ? TITO_OK : pnomem(p);
}

/* PRIMARY KEY [ASC|DESC] on column pCol. */
static int parseColumnPk(Parser *p, tito_column *pCol) {
  Draft *d;
  int bDesc;
  char *z;
  nextToken(p);
  if (!isKw(p, "KEY")) return perrExpected(p, "KEY after PRIMARY");
  nextToken(p);
  bDesc = takeOrder(p);
  if (isKw(p, "AUTOINCREMENT")) {
    return perr(p, p->iArg,
                "AUTOINCREMENT is not supported (an INTEGER PRIMARY KEY "
                "already allocates new keys)");
  }
  if (!(d = claimPk(p))) return p->rc;
  d->bColumn = 1;
  if (!(z = sqlite3_mprintf("%s", pCol->zName))) return pnomem(p);
  return pushName(p, &d->azCol, &d->abDesc, &d->nCol, z, bDesc);
}

/* Column-level UNIQUE: an index draft named later. */
static int parseColumnUnique(Parser *p, tito_column *pCol) {
  Draft *d;
  char *z;
  nextToken(p);
  if (!(d = newDraft(p))) return p->rc;
  d->bUnique = 1;
  d->bAuto = 1;
  if (!(z = sqlite3_mprintf("%s", pCol->zName))) return pnomem(p);
  return pushName(p, &d->azCol, &d->abDesc, &d->nCol, z, 0);
}

/* One column constraint at the current token. */
static int parseConstraint(Parser *p, tito_column *pCol) {
  if (isKw(p, "CONSTRAINT")) {
    char *z;
    nextToken(p);
    if (!(z = takeName(p, "a constraint name"))) return p->rc;
    sqlite3_free(z);
    return TITO_OK;
  }
  if (isKw(p, "PRIMARY")) return parseColumnPk(p, pCol);
  if (isKw(p, "NOT")) {
    nextToken(p);
    if (!isKw(p, "NULL")) return perrExpected(p, "NULL after NOT");
    nextToken(p);
    pCol->bNotNull = 1;
    return TITO_OK;
  }
  if (isKw(p, "NULL")) {
    nextToken(p);
    return TITO_OK;
  }
  if (isKw(p, "DEFAULT")) {
    nextToken(p);
    return parseDefault(p, pCol);
  }
  if (isKw(p, "COLLATE")) return takeCollate(p);
  if (isKw(p, "UNIQUE")) return parseColumnUnique(p, pCol);
  if (isKw(p, "CHECK")) {
    return perr(p, p->iArg, "CHECK constraints are not supported on tito tables");
  }
  if (isKw(p, "REFERENCES")) {
    return perr(p, p->iArg, "REFERENCES: foreign keys are not supported on tito tables");
  }
  if (isKw(p, "GENERATED") || isKw(p, "AS")) {
    return perr(p, p->iArg, "%.*s: generated columns are not supported on tito tables",
                p->t.n, p->t.z);
  }
  return perrExpected(p, "a column constraint (PRIMARY KEY, NOT NULL, "
                         "DEFAULT, UNIQUE, COLLATE BINARY) or the end of the "
                         "column");
}

/* Is z[0..n) a number as SQLite's tokenizer reads one (the tokenizer
** here also takes "0x" or "12ab" as one token, which SQLite refuses)? */
static int wellFormedNumber(const char *z, int n) {
  int i = 0, nDigit = 0;
  if (n > 2 && z[0] == '0' && (z[1] == 'x' || z[1] == 'X')) {
    for (i = 2; i < n; i++) {
      char c = z[i];
      if (!isDigit((unsigned char)c) && !((c >= 'a' && c <= 'f') ||
                                          (c >= 'A' && c <= 'F'))) {
        return 0;
      }
    }
    return 1;
  }
  while (i < n && isDigit((unsigned char)z[i])) i++, nDigit++;
  if (i < n && z[i] == '.') {
    for (i++; i < n && isDigit((unsigned char)z[i]); i++) nDigit++;
  }
  if (nDigit == 0) return 0;
  if (i < n && (z[i] == 'e' || z[i] == 'E')) {
    i++;
    if (i < n && (z[i] == '+' || z[i] == '-')) i++;
    if (i == n || !isDigit((unsigned char)z[i])) return 0;
    while (i < n && isDigit((unsigned char)z[i])) i++;
  }
  return i == n;
}

/* One signed number of a type's size, as SQLite's grammar allows. */
static int typeNumber(Parser *p) {
  if (p->t.e == TK_OTHER && p->t.n == 1 &&
      (p->t.z[0] == '+' || p->t.z[0] == '-')) {
    nextToken(p);
  }
  if (p->t.e != TK_NUMBER || !wellFormedNumber(p->t.z, p->t.n) ||
      isIdChar((unsigned char)p->t.z[p->t.n])) {
    return perrExpected(p, "a number in the type's size, as in VARCHAR(20)");
  }
  nextToken(p);
  return TITO_OK;
}

/* A type's size: "(n)" or "(n, m)"; the current token is "(". SQLite
** accepts nothing else there, so neither does tito (the declared table
** would not compile). */
static int typeSize(Parser *p) {
  nextToken(p);
  if (typeNumber(p)) return p->rc;
  if (p->t.e == TK_COMMA) {
    nextToken(p);
    if (typeNumber(p)) return p->rc;
  }
  if (p->t.e != TK_RP) return perrExpected(p, "\")\" after the type's size");
  nextToken(p);
  return TITO_OK;
}

/* column: name [type] [constraints]. */
static int tryColumn(Parser *p) {
  tito_model *pM = p->pM;
  tito_column *pCol;
  char *zName;
  const char *zType, *zTypeEnd;
  if (p->t.e != TK_ID && p->t.e != TK_QID) return ARG_NOMATCH;
  if (!(zName = takeName(p, "a column name"))) return p->rc;
  if (sqlite3_stricmp(zName, "_key") == 0) {
    perr(p, p->iArg, "column name \"%s\" is reserved by tito", zName);
    sqlite3_free(zName);
    return p->rc;
  }
  if (tito_model_column(pM, zName) >= 0) {
    perr(p, p->iArg, "duplicate column name \"%s\"", zName);
    sqlite3_free(zName);
    return p->rc;
  }
  if (growArray(p, (void **)&pM->aCol, pM->nCol, sizeof(tito_column))) {
    sqlite3_free(zName);
    return p->rc;
  }
  pCol = &pM->aCol[pM->nCol];
  pCol->iSlot = pM->nCol++;
  pM->nSlot = pM->nCol;
  pCol->zName = zName;
  pCol->iArg = p->iArg;
  /* The type: words up to a constraint keyword, then (n) or (n, m). */
  zType = zTypeEnd = p->t.z;
  while (p->t.e == TK_ID && !isConstraintWord(&p->t)) {
    nextToken(p);
    zTypeEnd = p->zPrevEnd;
  }
  if (zTypeEnd > zType && p->t.e == TK_LP) {
    if (typeSize(p)) return p->rc;
    zTypeEnd = p->zPrevEnd;
  }
  pCol->zType = sqlite3_mprintf("%.*s", (int)(zTypeEnd - zType), zType);
  if (!pCol->zType) return pnomem(p);
  pCol->cAff = typeAffinity(pCol->zType);
  while (p->t.e != TK_EOF) {
    if (parseConstraint(p, pCol)) return p->rc;
  }
  return TITO_OK;
}

/* The argument kinds, tried in order; the first that matches parses. */
static const struct ArgKind {
  int (*xTry)(Parser *);
} aKind[] = {{tryOption}, {tryTablePk}, {tryIndex},
             {tryTopic},  {tryTableOther}, {tryColumn}};

/* Parse one argument. */
static int parseArg(Parser *p, const char *zArg) {
  size_t i;
  p->zPos = zArg;
  nextToken(p);
  if (p->t.e == TK_EOF) return perr(p, p->iArg, "empty argument");
  for (i = 0; i < sizeof(aKind) / sizeof(aKind[0]); i++) {
    int rc = aKind[i].xTry(p);
    if (rc != ARG_NOMATCH) return rc;
  }
  return perrExpected(p, "a column definition, PRIMARY KEY (...), "
                         "[UNIQUE] INDEX name (...) or option = value");
}

/*************************** resolution ***************************/

/* Column number of zName for a key of draft d (described by zWhat), or -1
** with the error set. */
static int resolveColumn(Parser *p, const Draft *d, const char *zName,
                         const char *zWhat) {
  int iCol = tito_model_column(p->pM, zName);
  if (iCol < 0) {
    char *zHint = didYouMeanColumn(p->pM, zName);
    if (!zHint) {
      pnomem(p);
    } else {
      perr(p, d->iArg, "unknown column \"%s\" in %s%s", zName, zWhat, zHint);
    }
    sqlite3_free(zHint);
  }
  return iCol;
}

/* Resolve the primary key: aiPk, abPkDesc, iPk, NOT NULL, iRowidCol. */
static int resolvePk(Parser *p) {
  tito_model *pM = p->pM;
  Draft *d = &p->pk;
  int i;
  if (!p->bPk) return TITO_OK;
  pM->aiPk = sqlite3_malloc64(sizeof(int) * d->nCol);
  pM->abPkDesc = sqlite3_malloc64(d->nCol);
  if (!pM->aiPk || !pM->abPkDesc) return pnomem(p);
  for (i = 0; i < d->nCol; i++) {
    int iCol = resolveColumn(p, d, d->azCol[i], "PRIMARY KEY");
    if (iCol < 0) return p->rc;
    if (pM->aCol[iCol].iPk) {
      return perr(p, d->iArg, "column \"%s\" appears twice in PRIMARY KEY",
                  d->azCol[i]);
    }
    pM->aCol[iCol].iPk = i + 1;
    pM->aiPk[i] = iCol;
    pM->abPkDesc[i] = d->abDesc[i];
    pM->nPk = i + 1;
  }
  /* SQLite's rule: a one-column key of type INTEGER is the rowid, except
  ** when written "INTEGER PRIMARY KEY DESC" on the column (a documented
  ** quirk); "PRIMARY KEY (x DESC)" is the rowid, whose order is ascending
  ** whatever the DESC says. */
  if (pM->nPk == 1 && !(d->bColumn && pM->abPkDesc[0]) &&
      sqlite3_stricmp(pM->aCol[pM->aiPk[0]].zType, "INTEGER") == 0) {
    pM->iRowidCol = pM->aiPk[0];
    pM->abPkDesc[0] = 0;
  }
  for (i = 0; i < pM->nPk; i++) {
    if (pM->aiPk[i] != pM->iRowidCol) pM->aCol[pM->aiPk[i]].bNotNull = 1;
  }
  return TITO_OK;
}

/* Resolve one index draft into pIdx (whose arrays are allocated here). */
static int resolveIndex(Parser *p, Draft *d, tito_index *pIdx) {
  tito_model *pM = p->pM;
  char *zWhat = sqlite3_mprintf("INDEX %s", pIdx->zName);
  int i, j;
  if (!zWhat) return pnomem(p);
  pIdx->aiCol = sqlite3_malloc64(sizeof(int) * d->nCol);
  pIdx->abDesc = sqlite3_malloc64(d->nCol);
  pIdx->aiInclude = sqlite3_malloc64(sizeof(int) * (d->nInc + 1));
  if (!pIdx->aiCol || !pIdx->abDesc || !pIdx->aiInclude) pnomem(p);
  for (i = 0; p->rc == TITO_OK && i < d->nCol; i++) {
    int iCol = resolveColumn(p, d, d->azCol[i], zWhat);
    for (j = 0; iCol >= 0 && j < i; j++) {
      if (pIdx->aiCol[j] == iCol) {
        perr(p, d->iArg, "column \"%s\" appears twice in %s", d->azCol[i],
             zWhat);
      }
    }
    if (p->rc) break;
    pIdx->aiCol[i] = iCol;
    pIdx->abDesc[i] = d->abDesc[i];
    pIdx->nCol = i + 1;
  }
  /* INCLUDE columns already stored in the entry (key fields, primary-key
  ** fields, or listed twice) are dropped: they are there anyway. */
  for (i = 0; p->rc == TITO_OK && i < d->nInc; i++) {
    int iCol = resolveColumn(p, d, d->azInc[i], zWhat), bHave = 0;
    if (iCol < 0) break;
    bHave = pM->aCol[iCol].iPk > 0;
    for (j = 0; j < pIdx->nCol; j++) bHave |= pIdx->aiCol[j] == iCol;
    for (j = 0; j < pIdx->nInclude; j++) bHave |= pIdx->aiInclude[j] == iCol;
    if (!bHave) pIdx->aiInclude[pIdx->nInclude++] = iCol;
  }
  sqlite3_free(zWhat);
  return p->rc;
}

/* Give each column-level UNIQUE index a name no other index has. */
static int nameAutoIndexes(Parser *p) {
  int i, j, k;
  for (i = 0; i < p->nDraft; i++) {
    Draft *d = &p->aDraft[i];
    if (!d->bAuto || d->bSkip) continue;
    for (k = 1;; k++) {
      char *z = k == 1 ? sqlite3_mprintf("%s_unique", d->azCol[0])
                       : sqlite3_mprintf("%s_unique_%d", d->azCol[0], k);
      if (!z) return pnomem(p);
      for (j = 0; j < p->nDraft; j++) {
        if (p->aDraft[j].zName && sqlite3_stricmp(p->aDraft[j].zName, z) == 0) break;
      }
      if (j == p->nDraft) {
        d->zName = z;
        break;
      }
      sqlite3_free(z);
    }
  }
  return TITO_OK;
}

/* Build pM->aIndex from the drafts. */
static int resolveIndexes(Parser *p) {
  tito_model *pM = p->pM;
  int i, j;
  /* Duplicate names among the indexes the user named. */
  for (i = 0; i < p->nDraft; i++) {
    for (j = 0; p->aDraft[i].zName && j < i; j++) {
      if (p->aDraft[j].zName &&
          sqlite3_stricmp(p->aDraft[i].zName, p->aDraft[j].zName) == 0) {
        return perr(p, p->aDraft[i].iArg,
                    "duplicate index name \"%s\" (also in argument %d)",
                    p->aDraft[i].zName, p->aDraft[j].iArg);
      }
    }
  }
  /* A column-level UNIQUE on the whole primary key adds nothing. */
  for (i = 0; i < p->nDraft; i++) {
    Draft *d = &p->aDraft[i];
    if (d->bAuto && pM->nPk == 1 &&
        tito_model_column(pM, d->azCol[0]) == pM->aiPk[0]) {
      d->bSkip = 1;
    }
  }
  if (nameAutoIndexes(p)) return p->rc;
  pM->iIdNext = 1;
  if (p->nDraft == 0) return TITO_OK;
  for (i = j = 0; i < p->nDraft; i++) j += !p->aDraft[i].bSkip;
  if (j > TITO_MAX_INDEX) {
    return perr(p, 0, "too many indexes: %d, at most %d (a UNIQUE column "
                "counts as one)", j, TITO_MAX_INDEX);
  }
  pM->aIndex = sqlite3_malloc64(sizeof(tito_index) * p->nDraft);
  if (!pM->aIndex) return pnomem(p);
  memset(pM->aIndex, 0, sizeof(tito_index) * p->nDraft);
  for (i = 0; i < p->nDraft; i++) {
    Draft *d = &p->aDraft[i];
    tito_index *pIdx = &pM->aIndex[pM->nIndex];
    if (d->bSkip) continue;
    pM->nIndex++;
    pIdx->zName = d->zName;
    d->zName = 0;
    pIdx->zWhere = d->zWhere;
    d->zWhere = 0;
    pIdx->bUnique = d->bUnique;
    pIdx->iId = (uint32_t)pM->nIndex;
    pIdx->iArg = d->iArg;
    if (resolveIndex(p, d, pIdx)) return p->rc;
  }
  pM->iIdNext = (uint32_t)pM->nIndex + 1;
  return TITO_OK;
}

/*************************** public API ***************************/

int tito_model_parse(const char *zTable, int nArg, const char *const *azArg,
                     tito_model **ppModel, char **pzErr) {
  Parser sP, *p = &sP;
  tito_model *pM;
  int i;
  *ppModel = 0;
  *pzErr = 0;
  memset(p, 0, sizeof(*p));
  pM = sqlite3_malloc(sizeof(*pM));
  if (!pM) return TITO_NOMEM;
  memset(pM, 0, sizeof(*pM));
  pM->iRowidCol = -1;
  p->pM = pM;
  pM->zTable = sqlite3_mprintf("%s", zTable);
  pM->zPrefix = sqlite3_mprintf("");
  if (!pM->zTable || !pM->zPrefix) pnomem(p);
  for (i = 0; p->rc == TITO_OK && i < nArg; i++) {
    p->iArg = i + 1;
    parseArg(p, azArg[i]);
  }
  if (p->rc == TITO_OK && pM->nCol == 0) {
    perr(p, 0, "a tito table needs at least one column");
  }
  if (p->rc == TITO_OK) resolvePk(p);
  if (p->rc == TITO_OK) resolveIndexes(p);
  if (p->rc == TITO_OK) resolveTopics(p);
  for (i = 0; i < pM->nTopic && p->aazPart; i++) {
    int j;
    for (j = 0; p->aazPart[i] && j < pM->aTopic[i].nPart; j++) {
      sqlite3_free(p->aazPart[i][j]);
    }
    sqlite3_free(p->aazPart[i]);
  }
  sqlite3_free(p->aazPart);
  for (i = 0; i < p->nDraft; i++) draftClear(&p->aDraft[i]);
  sqlite3_free(p->aDraft);
  draftClear(&p->pk);
  if (p->rc) {
    tito_model_free(pM);
    *pzErr = p->zErr;
    return p->rc;
  }
  *ppModel = pM;
  return TITO_OK;
}

void tito_model_free(tito_model *pM) {
  int i;
  if (!pM) return;
  for (i = 0; i < pM->nCol; i++) {
    sqlite3_free(pM->aCol[i].zName);
    sqlite3_free(pM->aCol[i].zType);
    sqlite3_free(pM->aCol[i].zDefault);
  }
  for (i = 0; i < pM->nIndex; i++) {
    tito_index *pIdx = &pM->aIndex[i];
    sqlite3_free(pIdx->zName);
    sqlite3_free(pIdx->aiCol);
    sqlite3_free(pIdx->abDesc);
    sqlite3_free(pIdx->zWhere);
    sqlite3_free(pIdx->aiInclude);
  }
  for (i = 0; i < pM->nTopic; i++) {
    sqlite3_free(pM->aTopic[i].zName);
    sqlite3_free(pM->aTopic[i].zWhere);
    sqlite3_free(pM->aTopic[i].zAt);
    sqlite3_free(pM->aTopic[i].aiPart);
  }
  sqlite3_free(pM->aTopic);
  sqlite3_free(pM->aCol);
  sqlite3_free(pM->aIndex);
  sqlite3_free(pM->aiPk);
  sqlite3_free(pM->abPkDesc);
  sqlite3_free(pM->zTable);
  sqlite3_free(pM->zPrefix);
  sqlite3_free(pM->zStore);
  sqlite3_free(pM);
}

char *tito_model_declare_sql(const tito_model *pM) {
  return tito_model_declare_sql_hidden(pM, 0);
}

char *tito_model_declare_sql_hidden(const tito_model *pM,
                                    const char *zHidden) {
  sqlite3_str *pStr = sqlite3_str_new(0);
  int i, bKey = pM->nPk > 0 && pM->iRowidCol < 0;
  sqlite3_str_appendall(pStr, "CREATE TABLE x(");
  for (i = 0; i < pM->nCol; i++) {
    const tito_column *pCol = &pM->aCol[i];
    sqlite3_str_appendf(pStr, "%s\"%w\"", i ? ", " : "", pCol->zName);
    if (pCol->zType[0]) sqlite3_str_appendf(pStr, " %s", pCol->zType);
    /* NOT NULL is enforced by tito; declaring it lets tools see it. */
    if (pCol->bNotNull) sqlite3_str_appendf(pStr, " NOT NULL");
    if (pCol->zDefault) sqlite3_str_appendf(pStr, " DEFAULT %s", pCol->zDefault);
  }
  if (zHidden) sqlite3_str_appendf(pStr, ", \"%w\" TEXT HIDDEN", zHidden);
  if (bKey) {
    sqlite3_str_appendall(pStr, ", \"_key\" BLOB HIDDEN PRIMARY KEY) WITHOUT ROWID");
  } else {
    sqlite3_str_appendall(pStr, ")");
  }
  return sqlite3_str_finish(pStr);
}

int tito_model_column(const tito_model *pM, const char *zName) {
  int i;
  for (i = 0; i < pM->nCol; i++) {
    if (sqlite3_stricmp(pM->aCol[i].zName, zName) == 0) return i;
  }
  return -1;
}

int tito_model_index_by_id(const tito_model *pModel, uint32_t iId) {
  int i;
  for (i = 0; i < pModel->nIndex; i++) {
    if (pModel->aIndex[i].iId == iId) return i;
  }
  return -1;
}

int tito_model_index(const tito_model *pM, const char *zName) {
  int i;
  for (i = 0; i < pM->nIndex; i++) {
    if (sqlite3_stricmp(pM->aIndex[i].zName, zName) == 0) return i;
  }
  return -1;
}
