/*
** membuf.c: the transaction write buffer (see membuf.h).
**
** The map is a skip list keyed by memcmp order. Entries are never unlinked
** while the buffer lives: undoing a write sets an entry back to MEMBUF_NONE,
** so a savepoint rollback is a pure state restore and iterators can re-seek
** by key at every step without fearing freed nodes.
**
** Undo: while at least one mark is set, the first write to an entry after the
** newest mark pushes the entry's previous state (op, value, undo tag) on the
** undo log; later writes to it under the same mark overwrite freely. Rolling
** back to a mark pops records down to the log length saved in the mark.
*/
#include "tikv/membuf.h"
#include "tikv/mcodec.h"
#include "kv.h"
#include <stdlib.h>
#include <string.h>

#define MB_MAXLEVEL 24

typedef struct mb_node mb_node;
struct mb_node {
  uint8_t *k;        /* key bytes, stored after next[] */
  size_t nk;
  uint8_t *v;        /* value (malloc'd) for PUT/INSERT, else NULL */
  size_t nv;
  int op;            /* MEMBUF_* */
  uint64_t undoTag;  /* id of the mark whose undo record covers this entry */
  int nLevel;
  mb_node *next[];   /* nLevel forward links */
};

typedef struct mb_undo {
  mb_node *p;        /* the entry */
  int op;            /* its state before the write */
  uint8_t *v;
  size_t nv;
  uint64_t undoTag;
} mb_undo;

typedef struct mb_mark {
  int iSave;         /* savepoint number given by the caller */
  size_t nUndo;      /* undo log length when the mark was set */
  uint64_t id;       /* unique tag, see mb_node.undoTag */
} mb_mark;

struct membuf {
  mb_node *head;     /* sentinel with MB_MAXLEVEL links */
  int nLevel;        /* levels in use */
  uint64_t rnd;      /* xorshift state for node levels */
  int64_t nEntry;    /* entries not MEMBUF_NONE */
  int64_t nByte;     /* their key+value bytes */
  mb_undo *aUndo;
  size_t nUndo, nUndoAlloc;
  mb_mark *aMark;
  int nMark, nMarkAlloc;
  uint64_t nextMarkId;
};

static int mb_live(int op) { return op == MEMBUF_PUT || op == MEMBUF_INSERT; }

membuf *membuf_new(void) {
  membuf *p = calloc(1, sizeof(*p));
  if (!p) return NULL;
  p->head = calloc(1, sizeof(mb_node) + MB_MAXLEVEL * sizeof(mb_node *));
  if (!p->head) {
    free(p);
    return NULL;
  }
  p->head->nLevel = MB_MAXLEVEL;
  p->nLevel = 1;
  p->rnd = 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)p;
  p->nextMarkId = 1;
  return p;
}

/* Free every node, undo record and mark; leave an empty buffer. */
void membuf_clear(membuf *p) {
  mb_node *n = p->head->next[0];
  while (n) {
    mb_node *nx = n->next[0];
    free(n->v);
    free(n);
    n = nx;
  }
  memset(p->head->next, 0, MB_MAXLEVEL * sizeof(mb_node *));
  for (size_t i = 0; i < p->nUndo; i++) free(p->aUndo[i].v);
  p->nUndo = 0;
  p->nMark = 0;
  p->nLevel = 1;
  p->nEntry = 0;
  p->nByte = 0;
}

void membuf_free(membuf *p) {
  if (!p) return;
  membuf_clear(p);
  free(p->aUndo);
  free(p->aMark);
  free(p->head);
  free(p);
}

int64_t membuf_count(const membuf *p) { return p->nEntry; }
int64_t membuf_bytes(const membuf *p) { return p->nByte; }

/* Random level with p = 1/4 per extra level. */
static int mb_random_level(membuf *p) {
  int lvl = 1;
  for (;;) {
    p->rnd ^= p->rnd << 13;
    p->rnd ^= p->rnd >> 7;
    p->rnd ^= p->rnd << 17;
    if ((p->rnd & 3) != 0 || lvl >= MB_MAXLEVEL) break;
    lvl++;
  }
  return lvl;
}

/* Fill aPrev[i] with the last node at level i whose key is < k (the head
** when none) and return the first node with key >= k, or NULL. */
static mb_node *mb_seek(membuf *p, const uint8_t *k, size_t nk,
                        mb_node **aPrev) {
  mb_node *x = p->head;
  for (int i = p->nLevel - 1; i >= 0; i--) {
    while (x->next[i] && tikv_key_cmp(x->next[i]->k, x->next[i]->nk, k, nk) < 0)
      x = x->next[i];
    if (aPrev) aPrev[i] = x;
  }
  return x->next[0];
}

/* The node for key k, or NULL. */
static mb_node *mb_find(membuf *p, const uint8_t *k, size_t nk) {
  mb_node *n = mb_seek(p, k, nk, NULL);
  return (n && tikv_key_cmp(n->k, n->nk, k, nk) == 0) ? n : NULL;
}

/* The node for key k, created in state MEMBUF_NONE if absent. */
static mb_node *mb_find_or_add(membuf *p, const uint8_t *k, size_t nk) {
  mb_node *aPrev[MB_MAXLEVEL];
  mb_node *n = mb_seek(p, k, nk, aPrev);
  if (n && tikv_key_cmp(n->k, n->nk, k, nk) == 0) return n;
  int lvl = mb_random_level(p);
  n = calloc(1, sizeof(mb_node) + lvl * sizeof(mb_node *) + (nk ? nk : 1));
  if (!n) return NULL;
  n->nLevel = lvl;
  n->k = (uint8_t *)&n->next[lvl];
  if (nk) memcpy(n->k, k, nk);
  n->nk = nk;
  n->op = MEMBUF_NONE;
  for (int i = p->nLevel; i < lvl; i++) aPrev[i] = p->head;
  if (lvl > p->nLevel) p->nLevel = lvl;
  for (int i = 0; i < lvl; i++) {
    n->next[i] = aPrev[i]->next[i];
    aPrev[i]->next[i] = n;
  }
  return n;
}

/* Adjust the live counters by the contribution of (op, nk, nv) times sign. */
static void mb_account(membuf *p, int op, size_t nk, size_t nv, int sign) {
  if (op == MEMBUF_NONE) return;
  p->nEntry += sign;
  p->nByte += sign * (int64_t)(nk + (mb_live(op) ? nv : 0));
}

/* Set node n to (op, copy of v). Records the old state for the newest mark
** first if needed. TITO_OK or TITO_NOMEM (nothing changed). */
static int mb_set(membuf *p, mb_node *n, int op, const uint8_t *v,
                  size_t nv) {
  uint8_t *vNew = NULL;
  if (mb_live(op)) {
    vNew = malloc(nv ? nv : 1);
    if (!vNew) return TITO_NOMEM;
    if (nv) memcpy(vNew, v, nv);
  } else {
    nv = 0;
  }
  if (p->nMark > 0 && n->undoTag != p->aMark[p->nMark - 1].id) {
    if (p->nUndo == p->nUndoAlloc) {
      size_t nNew = p->nUndoAlloc ? p->nUndoAlloc * 2 : 64;
      mb_undo *a = realloc(p->aUndo, nNew * sizeof(mb_undo));
      if (!a) {
        free(vNew);
        return TITO_NOMEM;
      }
      p->aUndo = a;
      p->nUndoAlloc = nNew;
    }
    mb_undo *u = &p->aUndo[p->nUndo++];
    u->p = n;
    u->op = n->op;
    u->v = n->v;
    u->nv = n->nv;
    u->undoTag = n->undoTag;
    n->undoTag = p->aMark[p->nMark - 1].id;
  } else {
    free(n->v);
  }
  mb_account(p, n->op, n->nk, n->nv, -1);
  n->op = op;
  n->v = vNew;
  n->nv = nv;
  mb_account(p, op, n->nk, nv, +1);
  return TITO_OK;
}

int membuf_put(membuf *p, const uint8_t *k, size_t nk, const uint8_t *v,
               size_t nv) {
  mb_node *n = mb_find_or_add(p, k, nk);
  if (!n) return TITO_NOMEM;
  /* A put over an insert keeps the existence check: the store's state of the
  ** key has not changed. */
  return mb_set(p, n, n->op == MEMBUF_INSERT ? MEMBUF_INSERT : MEMBUF_PUT, v,
                nv);
}

int membuf_delete(membuf *p, const uint8_t *k, size_t nk) {
  mb_node *n = mb_find_or_add(p, k, nk);
  if (!n) return TITO_NOMEM;
  return mb_set(p, n, MEMBUF_DEL, NULL, 0);
}

int membuf_insert(membuf *p, const uint8_t *k, size_t nk, const uint8_t *v,
                  size_t nv) {
  mb_node *n = mb_find_or_add(p, k, nk);
  if (!n) return TITO_NOMEM;
  if (mb_live(n->op)) return TITO_EXISTS;
  return mb_set(p, n, n->op == MEMBUF_DEL ? MEMBUF_PUT : MEMBUF_INSERT, v, nv);
}

int membuf_lookup(membuf *p, const uint8_t *k, size_t nk, const uint8_t **ppV,
                  size_t *pnV) {
  mb_node *n = mb_find(p, k, nk);
  if (!n) return MEMBUF_NONE;
  if (mb_live(n->op)) {
    if (ppV) *ppV = n->v;
    if (pnV) *pnV = n->nv;
  }
  return n->op;
}

int membuf_savepoint(membuf *p, int iSave) {
  for (int i = 0; i < p->nMark; i++) {
    if (p->aMark[i].iSave == iSave) return TITO_OK; /* already set: keep it */
  }
  membuf_release(p, iSave);
  if (p->nMark == p->nMarkAlloc) {
    int nNew = p->nMarkAlloc ? p->nMarkAlloc * 2 : 8;
    mb_mark *a = realloc(p->aMark, nNew * sizeof(mb_mark));
    if (!a) return TITO_NOMEM;
    p->aMark = a;
    p->nMarkAlloc = nNew;
  }
  mb_mark *m = &p->aMark[p->nMark++];
  m->iSave = iSave;
  m->nUndo = p->nUndo;
  m->id = p->nextMarkId++;
  return TITO_OK;
}

/* Pop undo records until the log has nKeep entries, restoring entries. */
static void mb_undo_to(membuf *p, size_t nKeep) {
  while (p->nUndo > nKeep) {
    mb_undo *u = &p->aUndo[--p->nUndo];
    mb_node *n = u->p;
    mb_account(p, n->op, n->nk, n->nv, -1);
    free(n->v);
    n->op = u->op;
    n->v = u->v;
    n->nv = u->nv;
    n->undoTag = u->undoTag;
    mb_account(p, n->op, n->nk, n->nv, +1);
  }
}

int membuf_rollback_to(membuf *p, int iSave) {
  int j;
  for (j = 0; j < p->nMark && p->aMark[j].iSave < iSave; j++) {
  }
  if (j == p->nMark) return TITO_OK; /* never saw a mark at or after iSave */
  mb_undo_to(p, p->aMark[j].nUndo);
  p->nMark = j + 1;
  /* Entries restored above carry older tags, so the next write to any of
  ** them is recorded again under this mark. */
  return TITO_OK;
}

int membuf_release(membuf *p, int iSave) {
  int j;
  for (j = 0; j < p->nMark && p->aMark[j].iSave < iSave; j++) {
  }
  p->nMark = j;
  if (p->nMark == 0) {
    /* No mark left: the old states can never be restored. */
    for (size_t i = 0; i < p->nUndo; i++) free(p->aUndo[i].v);
    p->nUndo = 0;
  }
  return TITO_OK;
}

int membuf_foreach(membuf *p, membuf_visit_fn xVisit, void *pCtx) {
  for (mb_node *n = p->head->next[0]; n; n = n->next[0]) {
    if (n->op == MEMBUF_NONE) continue;
    int rc = xVisit(pCtx, n->op, n->k, n->nk, n->v, n->nv);
    if (rc) return rc;
  }
  return TITO_OK;
}

/* ------------------------------------------------------------------------
** Merge iterator.
*/

/* A growable byte copy. */
typedef struct mb_bytes {
  uint8_t *a;
  size_t n, nAlloc;
} mb_bytes;

static int mb_bytes_set(mb_bytes *b, const uint8_t *z, size_t n) {
  if (n > b->nAlloc || !b->a) {
    size_t nNew = n < 64 ? 64 : n;
    uint8_t *a = realloc(b->a, nNew);
    if (!a) return TITO_NOMEM;
    b->a = a;
    b->nAlloc = nNew;
  }
  if (n) memcpy(b->a, z, n);
  b->n = n;
  return TITO_OK;
}

struct membuf_merge {
  membuf *pBuf;
  mb_bytes lo, hi;          /* bounds (n == 0 and !bLo/bHi = unbounded) */
  int bLo, bHi;
  int bReverse;
  int64_t nLimit, nOut;
  membuf_source src;
  int bSrcEof, bSrcHave;    /* store lookahead state */
  const uint8_t *sk, *sv;
  size_t nsk, nsv;
  int bBufStarted;          /* pos holds the last key consumed (either side) */
  mb_bytes pos;
  int bEof;
  mb_bytes outK, outV;      /* the current result (copies) */
};

/* The last node with key < k (k NULL = the last node), or NULL. */
static mb_node *mb_seek_lt(membuf *p, const uint8_t *k, size_t nk, int bAll) {
  mb_node *x = p->head;
  for (int i = p->nLevel - 1; i >= 0; i--) {
    while (x->next[i] &&
           (bAll || tikv_key_cmp(x->next[i]->k, x->next[i]->nk, k, nk) < 0))
      x = x->next[i];
  }
  return x == p->head ? NULL : x;
}

/* The next buffer entry (any op but NONE) in scan order after the position,
** inside the bounds; NULL when none. Does not move the position. */
static mb_node *mb_merge_peek(membuf_merge *m) {
  membuf *p = m->pBuf;
  if (!m->bReverse) {
    mb_node *n;
    if (m->bBufStarted) {
      n = mb_seek(p, m->pos.a, m->pos.n, NULL);
      if (n && tikv_key_cmp(n->k, n->nk, m->pos.a, m->pos.n) == 0)
        n = n->next[0];
    } else if (m->bLo) {
      n = mb_seek(p, m->lo.a, m->lo.n, NULL);
    } else {
      n = p->head->next[0];
    }
    while (n && n->op == MEMBUF_NONE) n = n->next[0];
    if (n && m->bHi && tikv_key_cmp(n->k, n->nk, m->hi.a, m->hi.n) >= 0)
      n = NULL;
    return n;
  } else {
    mb_node *n;
    const uint8_t *k = m->bBufStarted ? m->pos.a : m->hi.a;
    size_t nk = m->bBufStarted ? m->pos.n : m->hi.n;
    int bAll = !m->bBufStarted && !m->bHi;
    for (;;) {
      n = mb_seek_lt(p, k, nk, bAll);
      if (!n || n->op != MEMBUF_NONE) break;
      k = n->k;
      nk = n->nk;
      bAll = 0;
    }
    if (n && m->bLo && tikv_key_cmp(n->k, n->nk, m->lo.a, m->lo.n) < 0)
      n = NULL;
    return n;
  }
}

/* Compute the next result into outK/outV, or set bEof. */
static int mb_merge_step(membuf_merge *m) {
  for (;;) {
    if (m->nLimit > 0 && m->nOut >= m->nLimit) {
      m->bEof = 1;
      return TITO_OK;
    }
    if (!m->bSrcHave && !m->bSrcEof) {
      int rc = m->src.xNext(m->src.p, &m->sk, &m->nsk, &m->sv, &m->nsv);
      if (rc == TITO_NOTFOUND) {
        m->bSrcEof = 1;
      } else if (rc != TITO_OK) {
        return rc;
      } else {
        m->bSrcHave = 1;
      }
    }
    mb_node *b = mb_merge_peek(m);
    if (!b && !m->bSrcHave) {
      m->bEof = 1;
      return TITO_OK;
    }
    int c; /* < 0: the buffer entry comes first, 0: same key, > 0: store */
    if (!b) {
      c = 1;
    } else if (!m->bSrcHave) {
      c = -1;
    } else {
      c = tikv_key_cmp(b->k, b->nk, m->sk, m->nsk);
      if (m->bReverse) c = -c;
    }
    int rc = TITO_OK;
    if (c <= 0) {
      int op = b->op;
      if (c == 0) m->bSrcHave = 0; /* the buffer overrides the store */
      rc = mb_bytes_set(&m->pos, b->k, b->nk);
      if (rc) return rc;
      m->bBufStarted = 1;
      if (!mb_live(op)) continue; /* a delete hides the key */
      rc = mb_bytes_set(&m->outK, b->k, b->nk);
      if (!rc) rc = mb_bytes_set(&m->outV, b->v, b->nv);
    } else {
      m->bSrcHave = 0;
      rc = mb_bytes_set(&m->outK, m->sk, m->nsk);
      if (!rc) rc = mb_bytes_set(&m->outV, m->sv, m->nsv);
      /* The position is the last key returned from either side: a write
      ** made at or before this key while the merge is open must not come
      ** out later (out of order, or twice). */
      if (!rc) rc = mb_bytes_set(&m->pos, m->sk, m->nsk);
      m->bBufStarted = 1;
    }
    if (rc) return rc;
    m->nOut++;
    return TITO_OK;
  }
}

void membuf_merge_close(membuf_merge *m) {
  if (!m) return;
  free(m->lo.a);
  free(m->hi.a);
  free(m->pos.a);
  free(m->outK.a);
  free(m->outV.a);
  free(m);
}

int membuf_merge_open(membuf *p, const uint8_t *lo, size_t nlo,
                      const uint8_t *hi, size_t nhi, int bReverse,
                      int64_t nLimit, membuf_source src, membuf_merge **pp) {
  *pp = NULL;
  membuf_merge *m = calloc(1, sizeof(*m));
  if (!m) return TITO_NOMEM;
  m->pBuf = p;
  m->bReverse = bReverse;
  m->nLimit = nLimit;
  m->src = src;
  m->bLo = lo != NULL && nlo > 0;
  m->bHi = hi != NULL && nhi > 0;
  int rc = TITO_OK;
  if (m->bLo) rc = mb_bytes_set(&m->lo, lo, nlo);
  if (!rc && m->bHi) rc = mb_bytes_set(&m->hi, hi, nhi);
  if (!rc) rc = mb_merge_step(m);
  if (rc) {
    membuf_merge_close(m);
    return rc;
  }
  *pp = m;
  return TITO_OK;
}

int membuf_merge_next(membuf_merge *m) {
  if (m->bEof) return TITO_OK;
  return mb_merge_step(m);
}

int membuf_merge_eof(membuf_merge *m) { return m->bEof; }

const uint8_t *membuf_merge_key(membuf_merge *m, size_t *pn) {
  *pn = m->outK.n;
  return m->outK.a;
}

const uint8_t *membuf_merge_value(membuf_merge *m, size_t *pn) {
  *pn = m->outV.n;
  return m->outV.a;
}
