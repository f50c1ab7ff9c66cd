/*
** tito_seek.c: xFilter's arguments made into the ranges of a scan.
**
** The plan (tito_plan.c) fixes the path, its equality fields and the bounds
** on the next field; xFilter's arguments give the values. Each value gets
** the affinity a literal compared with its field gets (titoSeekAffinity).
** From the plan's iAmbig field on, a value may match more than that value
** encoded (tito_plan.c, "AFFINITY OF ARGUMENTS"): SQLite re-checks those
** constraints, and the seek widens to cover every comparison rule the value
** could be compared under:
**   - a number on a TEXT or untyped field, compared with "=": the numeric
**     zone (below), on an untyped field also the number itself, on a TEXT
**     field also the number's text when that lies above the zone ('Inf');
**     the fields after it are left to SQLite;
**   - the same with "<" or "<=": the bound reaches the end of the zone (or
**     the number's text, if above); ">" and ">=": a TEXT field drops the
**     bound, an untyped field keeps the number (every text is above it);
**   - a text upper bound ("<", "<=") below the end of the zone reaches the
**     end of the zone: under numeric affinity every text that reads as a
**     number is a number, below any text bound. Not a parameter's text
**     (sqlite3_value_frombind), so that "day < ?" with '2024-06-01' stays
**     a bounded range: a text that comes from a bound parameter compares
**     as text (the parameter has no affinity, and a CAST of it that keeps
**     the flag turns a text into a number unless it casts to TEXT or BLOB).
**     Numbers get no such exception: CAST(? AS REAL) keeps the flag.
** An IN value that is a number on a TEXT or untyped field reads the whole
** path: the values of one list may need ranges that overlap.
**
** THE NUMERIC ZONE. Text that SQLite reads as a number (util.c,
** sqlite3AtoF: blanks, a sign, digits and a dot, an exponent, blanks)
** starts with one of "\t\n\v\f\r +-.0123456789", all below ':' (0x3a): in
** key order it lies from the text '' up to, not including, the text ':'.
*/
#include "tito_ext.h"
#include <string.h>

/* Seek fields of a plan: xFilter checks nEq against this first. */
#define SEEK_MAX_EQ 63

/* The key fields of the plan's path: column of field i (-1: rowid). */
static int seekColumn(const tito_model *pModel, int iPath, int i) {
  if (iPath >= 2) return pModel->aIndex[iPath - 2].aiCol[i];
  return pModel->nPk > 0 ? pModel->aiPk[i] : -1;
}

/* The raw column affinity of key field i (rowid: INTEGER). */
static char seekAff(const tito_model *pModel, int iPath, int i) {
  int iCol = seekColumn(pModel, iPath, i);
  return iCol < 0 ? TITO_AFF_INTEGER : pModel->aCol[iCol].cAff;
}

char titoSeekAffinity(char cAff) {
  switch (cAff) {
    case TITO_AFF_INTEGER:
    case TITO_AFF_REAL:
    case TITO_AFF_NUMERIC: return TITO_AFF_NUMERIC;
    default: return cAff;
  }
}

/* Is v a number compared with a TEXT or untyped field? It may then also
** match text that reads as an equal number. */
static int seekLoose(char cAff, sqlite3_value *v) {
  int eType = sqlite3_value_type(v);
  return (cAff == TITO_AFF_TEXT || cAff == TITO_AFF_BLOB) &&
         (eType == SQLITE_INTEGER || eType == SQLITE_FLOAT);
}

/* Is the text v below the end of the numeric zone (the text ':')? */
static int seekBelowZoneEnd(const tito_value *v) {
  return v->eType == SQLITE_TEXT && (v->n == 0 || v->z[0] < ':');
}

static void seekText(tito_value *v, const char *z) {
  memset(v, 0, sizeof(*v));
  v->eType = SQLITE_TEXT;
  v->z = (const uint8_t *)z;
  v->n = (int)strlen(z);
}

/*
** The upper bound pHi (kind *peHi) on field cAff, widened when the value may
** match more (see the header): the end of the numeric zone, or the bound
** itself if above it. pArg is the argument.
*/
static void seekWidenHi(char cAff, sqlite3_value *pArg, tito_value *pHi,
                        int *peHi) {
  tito_value t;
  if (cAff != TITO_AFF_TEXT && cAff != TITO_AFF_BLOB) return;
  if (seekLoose(cAff, pArg)) {
    /* A number's own text matters only on a TEXT field ('Inf'). */
    titoValueFromSql(pArg, TITO_AFF_TEXT, &t);
    if (cAff == TITO_AFF_TEXT && !seekBelowZoneEnd(&t)) {
      *pHi = t;
      return;
    }
  } else if (!seekBelowZoneEnd(pHi) || sqlite3_value_frombind(pArg)) {
    return; /* above the zone, or a parameter's text (see the header) */
  }
  seekText(pHi, ":");
  *peHi = TITO_BOUND_STRICT;
}

/*
** Add the ranges of an equality on field nEq (the plan's first widened
** field) whose value pArg may match more than itself: the numeric zone,
** and the value's own key where that lies outside it.
*/
static int seekAddLooseEq(tito_scan *pScan, const tito_value *aEq, char cAff,
                          sqlite3_value *pArg) {
  tito_value zLo, zHi, t;
  int rc;
  seekText(&zLo, "");
  seekText(&zHi, ":");
  rc = tito_scan_add_bounded(pScan, aEq, &zLo, TITO_BOUND_INCLUSIVE, &zHi,
                             TITO_BOUND_STRICT);
  if (rc != SQLITE_OK) return rc;
  if (cAff == TITO_AFF_BLOB) {
    titoValueFromSql(pArg, TITO_AFF_BLOB, &t); /* the number itself */
  } else {
    titoValueFromSql(pArg, TITO_AFF_TEXT, &t);
    if (seekBelowZoneEnd(&t)) return SQLITE_OK;
  }
  return tito_scan_add_bounded(pScan, aEq, &t, TITO_BOUND_INCLUSIVE, &t,
                               TITO_BOUND_INCLUSIVE);
}

/*
** The columns whose value every row of the scan holds, known from the
** arguments: an equality on a TEXT or untyped key field whose value is a
** text or a blob seeks exactly that value under every comparison rule (see
** tito_plan.c, "AFFINITY OF ARGUMENTS"; BINARY is tito's only collation),
** so a row's field is byte for byte the argument. xColumn gives it without
** reading the row; a statement that only re-checks such constraints (SQLite
** does when the right-hand side is not a literal) then leaves the rows
** untouched, and a scan nobody touches is counted, not read. Only the
** fields before nSought, the first one whose value widens the seek (SQLite
** checks those from there on); under an IN list on the first field none:
** its values change and any may widen the seek. apFixed[iCol] gets a copy.
*/
static int seekFixed(const tito_model *pModel, const tito_plan *pPlan,
                     int nSought, sqlite3_value **argv,
                     sqlite3_value **apFixed) {
  int i;
  if (pPlan->bIn) return SQLITE_OK;
  for (i = 0; i < nSought; i++) {
    int iCol = seekColumn(pModel, pPlan->iPath, i);
    int eType = sqlite3_value_type(argv[i]);
    char cAff;
    if (iCol < 0) continue;
    cAff = pModel->aCol[iCol].cAff;
    if (cAff != TITO_AFF_TEXT && cAff != TITO_AFF_BLOB) continue;
    if (eType != SQLITE_TEXT && eType != SQLITE_BLOB) continue;
    sqlite3_value_free(apFixed[iCol]);
    apFixed[iCol] = sqlite3_value_dup(argv[i]);
    if (apFixed[iCol] == 0) return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

int titoSeekFilter(tito_scan *pScan, const tito_model *pModel,
                   const tito_plan *pPlan, const tito_scan_plan *pBase,
                   int argc, sqlite3_value **argv, sqlite3_value **apFixed) {
  tito_scan_plan sp = *pBase;
  tito_value aEq[SEEK_MAX_EQ + 1], vLo, vHi;
  sqlite3_value *pIn = 0, *pLoArg = 0, *pHiArg = 0;
  int i, rc, iWide = -1, iFirst = pPlan->bIn ? 1 : 0;
  int nArg = pPlan->nEq + (pPlan->eLo != 0) + (pPlan->eHi != 0);

  if (nArg > argc || pPlan->nEq > SEEK_MAX_EQ) return SQLITE_ERROR;
  memset(&vLo, 0, sizeof(vLo));
  memset(&vHi, 0, sizeof(vHi));
  sp.nEq = pPlan->nEq;
  sp.eLo = pPlan->eLo;
  sp.eHi = pPlan->eHi;
  if (pPlan->eLo) pLoArg = argv[pPlan->nEq];
  if (pPlan->eHi) pHiArg = argv[pPlan->nEq + (pPlan->eLo != 0)];

  /* x = NULL and x < NULL match nothing: a run without ranges. */
  for (i = iFirst; i < pPlan->nEq; i++) {
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
      return tito_scan_begin(pScan, &sp);
    }
  }
  if ((pLoArg && sqlite3_value_type(pLoArg) == SQLITE_NULL) ||
      (pHiArg && sqlite3_value_type(pHiArg) == SQLITE_NULL)) {
    return tito_scan_begin(pScan, &sp);
  }

  /* The first equality that may match more than its value: the seek ends
  ** there, with a range on that field. */
  for (i = iFirst > pPlan->iAmbig ? iFirst : pPlan->iAmbig; i < pPlan->nEq;
       i++) {
    if (seekLoose(seekAff(pModel, pPlan->iPath, i), argv[i])) {
      iWide = i;
      break;
    }
  }
  if (apFixed) {
    rc = seekFixed(pModel, pPlan, iWide < 0 ? pPlan->nEq : iWide, argv,
                   apFixed);
    if (rc != SQLITE_OK) return rc;
  }
  for (i = iFirst; i < pPlan->nEq && (iWide < 0 || i < iWide); i++) {
    titoValueFromSql(argv[i],
                     titoSeekAffinity(seekAff(pModel, pPlan->iPath, i)),
                     &aEq[i]);
  }
  if (iWide >= 0) {
    sp.nEq = iWide;
    sp.eLo = TITO_BOUND_INCLUSIVE;
    sp.eHi = TITO_BOUND_STRICT;
  } else if (pPlan->eLo || pPlan->eHi) {
    char cAff = seekAff(pModel, pPlan->iPath, pPlan->nEq);
    if (pLoArg) titoValueFromSql(pLoArg, titoSeekAffinity(cAff), &vLo);
    if (pHiArg) titoValueFromSql(pHiArg, titoSeekAffinity(cAff), &vHi);
    if (pPlan->nEq >= pPlan->iAmbig) {
      /* Every text is above a number: an untyped field keeps it. */
      if (pLoArg && cAff == TITO_AFF_TEXT && seekLoose(cAff, pLoArg)) {
        sp.eLo = TITO_BOUND_NONE;
      }
      if (pHiArg) seekWidenHi(cAff, pHiArg, &vHi, &sp.eHi);
    }
  }
  rc = tito_scan_begin(pScan, &sp);

  /* One set of ranges per value of the first field (an IN list's, or the
  ** one value). */
  if (pPlan->bIn && rc == SQLITE_OK) {
    rc = sqlite3_vtab_in_first(argv[0], &pIn);
  } else {
    pIn = sp.nEq > 0 || iWide == 0 ? argv[0] : 0;
  }
  if (sp.nEq == 0 && iWide < 0) {
    return rc == SQLITE_OK ? tito_scan_add(pScan, aEq, &vLo, &vHi) : rc;
  }
  while (rc == SQLITE_OK && pIn) {
    char cAff = seekAff(pModel, pPlan->iPath, 0);
    if (pPlan->bIn && pPlan->iAmbig == 0 && seekLoose(cAff, pIn)) {
      return tito_scan_add_all(pScan);
    }
    if (iWide == 0) {
      rc = seekAddLooseEq(pScan, aEq, cAff, pIn);
    } else {
      titoValueFromSql(pIn, titoSeekAffinity(cAff), &aEq[0]);
      if (iWide > 0) {
        rc = seekAddLooseEq(pScan, aEq,
                            seekAff(pModel, pPlan->iPath, iWide),
                            argv[iWide]);
      } else {
        rc = tito_scan_add(pScan, aEq, &vLo, &vHi);
      }
    }
    if (!pPlan->bIn) break;
    if (rc == SQLITE_OK) rc = sqlite3_vtab_in_next(argv[0], &pIn);
  }
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

