/*
** tito_hint.c: the planner hint, the hidden column tito_index.
**
** Every tito table declares a hidden TEXT column "tito_index", its first
** hidden column (so the table-valued form "FROM t('NAME')" sets it too),
** unless the model has a column of that name. A query steers the plan with
** literal names:
**   tito_index = 'NAME'    read only that key path: an index, or 'pk' (the
**                          primary key: a get, a range, or every row)
**   tito_index <> 'NAME'   never that path (as many as wanted)
** The planner costs what is left, as always. SQLite has no INDEXED BY for
** virtual tables, and its own INDEXED BY fails with "no query solution"
** when the index cannot answer: so does a forced partial index whose
** condition the query does not imply, and a set of hints that forbids
** every path. Reading the column gives the path the scan takes ('pk' or
** the index name), so the constraints hold on every row even where SQLite
** re-checks them. A parameter or a column cannot steer a plan that SQLite
** chooses before it binds anything: the names must be literals.
*/
#include "tito_ext.h"
#include <string.h>

/* The column's name, shared with the declaration (tito_vtab.c). */
const char *const titoHintColumn = "tito_index";

/* The path group a plan path belongs to: the primary key's two paths (a
** full scan reads the primary key range) are one. */
static int hintGroup(int iPath) {
  return iPath <= PLAN_PK ? PLAN_PK : iPath;
}

const char *titoHintPathName(const tito_model *pModel, int iPath) {
  if (iPath >= 2 && iPath - 2 < pModel->nIndex) {
    return pModel->aIndex[iPath - 2].zName;
  }
  return "pk";
}

int titoHintAllows(const tito_hint *h, int iPath) {
  int g = hintGroup(iPath);
  if (g >= TITO_HINT_MAX_PATH) return h->iForce < 0;
  return (h->iForce < 0 || h->iForce == g) && !h->aForbid[g];
}

/* The path group named z: an index (its name wins over 'pk'), 'pk', or
** -1. */
static int hintPath(const tito_model *pModel, const char *z) {
  int i = tito_model_index(pModel, z);
  if (i >= 0) return 2 + i;
  if (sqlite3_stricmp(z, "pk") == 0) return PLAN_PK;
  return -1;
}

/* Read the hint terms of pInfo into h. On a bad term, the vtab's error
** message is set and SQLITE_ERROR returned. */
int titoHintParse(tito_vtab *p, sqlite3_index_info *pInfo, tito_hint *h) {
  const tito_model *pModel = p->pTab ? p->pTab->pModel : p->pModel;
  int i;
  memset(h, 0, sizeof(*h));
  h->iForce = -1;
  if (p->iHintCol < 0) return SQLITE_OK;
  for (i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    sqlite3_value *pVal = 0;
    int bEq, iPath;
    const char *z;
    if (c->iColumn != p->iHintCol || !c->usable) continue;
    bEq = c->op == SQLITE_INDEX_CONSTRAINT_EQ ||
          c->op == SQLITE_INDEX_CONSTRAINT_IS;
    if (!bEq && c->op != SQLITE_INDEX_CONSTRAINT_NE &&
        c->op != SQLITE_INDEX_CONSTRAINT_ISNOT) {
      continue; /* SQLite applies it to the column's value */
    }
    if (sqlite3_vtab_rhs_value(pInfo, i, &pVal) != SQLITE_OK || pVal == 0 ||
        sqlite3_value_type(pVal) != SQLITE_TEXT) {
      titoSetError(&p->base, "tito: %s.%s takes one literal name ('pk' or "
                   "an index), not a parameter, a list or an expression",
                   p->zName, titoHintColumn);
      return SQLITE_ERROR;
    }
    z = (const char *)sqlite3_value_text(pVal);
    iPath = hintPath(pModel, z);
    if (iPath < 0) {
      titoSetError(&p->base, "tito: %s has no index '%s' (%s names an index "
                   "or 'pk')", p->zName, z, titoHintColumn);
      return SQLITE_ERROR;
    }
    if (bEq && iPath >= 2 && pModel->aIndex[iPath - 2].bBuilding) {
      titoSetError(&p->base, "tito: %s: index %s is being built (see "
                   "tito_changes): queries read it once it is complete",
                   p->zName, pModel->aIndex[iPath - 2].zName);
      return SQLITE_ERROR;
    }
    if (iPath >= TITO_HINT_MAX_PATH || h->nCons >= TITO_HINT_MAX_TERMS) {
      titoSetError(&p->base, "tito: %s: too many %s terms", p->zName,
                   titoHintColumn);
      return SQLITE_ERROR;
    }
    if (bEq && h->iForce >= 0 && h->iForce != iPath) {
      titoSetError(&p->base, "tito: %s: %s names two paths ('%s' and '%s')",
                   p->zName, titoHintColumn,
                   titoHintPathName(pModel, h->iForce), z);
      return SQLITE_ERROR;
    }
    if (bEq) h->iForce = iPath;
    else h->aForbid[iPath] = 1;
    h->aiCons[h->nCons++] = i;
  }
  return SQLITE_OK;
}

/* Why no plan was possible, as the vtab's error. */
int titoHintNoPlan(tito_vtab *p, const tito_hint *h) {
  const tito_model *pModel = p->pTab ? p->pTab->pModel : p->pModel;
  if (h->iForce >= 2 && !h->aForbid[h->iForce]) {
    const tito_index *pIdx = &pModel->aIndex[h->iForce - 2];
    titoSetError(&p->base, "tito: %s: no query solution: %s = '%s' is a "
                 "partial index (WHERE %s) and the query's constraints do "
                 "not imply its condition", p->zName, titoHintColumn,
                 pIdx->zName, pIdx->zWhere ? pIdx->zWhere : "?");
  } else {
    titoSetError(&p->base, "tito: %s: no query solution: the %s terms "
                 "forbid every path that can answer the query", p->zName,
                 titoHintColumn);
  }
  return SQLITE_ERROR;
}
