/*
** tito_vtab.c: the "tito" virtual-table module: SQLite's callbacks, turned
** into calls of the engine.
**
** CREATE VIRTUAL TABLE t USING tito(<model>) declares a model (src/model.h);
** its rows and index entries are key ranges of a store (src/table.h), which
** the engine opens from the model's store option (src/store.h).
**
** TRANSACTIONS. Every tito table of a connection using one store shares
** one store handle and one store transaction (src/store.h): xBegin,
** xSync, xCommit, xRollback and the savepoint callbacks are forwarded to
** it. Reads need no callbacks.
**
** CURSORS turn xFilter's arguments into seek values (with the affinity
** SQLite would compare them under, see tito_plan.c) and drive a scan of the
** engine (src/scan.h); the scan hands the last row it read to the table
** when the cursor closes, so that a one-pass UPDATE or DELETE does not read
** it again.
*/
#include "tito_ext.h"
#include <stddef.h>
#include <string.h>
#include "catalog.h"
#include "index_backfill.h"
#include "index_ids.h"
#include "column_slots.h"
#include "model_recheck.h"
#include "definition.h"

/* A cursor drives one scan of the engine (src/scan.h). */
struct tito_cursor {
  sqlite3_vtab_cursor base;
  tito_scan *pScan;
  int iPath;            /* the plan's key path (tito_plan.iPath) */
  sqlite3_value **apFixed; /* per model column: the value every row of
                        ** this scan holds (titoSeekFilter), or NULL */
  int nFixed;           /* slots of apFixed */
  int bFixed;           /* some slot may be set (cleared before a scan) */
};

static void cursorFree(tito_cursor *pCur);

/* ------------------------------------------------------- create/connect */

/* The definition stored in the catalog: the module arguments. */
char *titoVtabDefinition(tito_vtab *p) {
  sqlite3_str *pStr = sqlite3_str_new(0);
  int i;
  for (i = 0; i < p->nArg; i++) {
    sqlite3_str_appendf(pStr, "%s%s", i ? ", " : "", p->azArg[i]);
  }
  return sqlite3_str_finish(pStr);
}

/* Does the catalog's definition zDef declare this table's model? */
int titoVtabCheckDefinition(tito_vtab *p, const char *zDef, char **pzErr) {
  char **azCat = 0;
  int nCat = 0;
  int rc = tito_def_split(zDef, &nCat, &azCat);
  if (rc == SQLITE_OK) {
    rc = tito_def_compare(p->zName, "in the catalog", nCat, azCat, "here",
                          p->nArg, p->azArg, pzErr);
  }
  tito_def_free(nCat, azCat);
  return rc;
}

/*
** The arguments of a table that takes the catalog's definition zDef: its
** model clauses, then this table's options (bAll: every argument of p, all
** options when the table attaches; else only its location options, the
** model being the catalog's). Into *pnNew, *pazNew (sqlite3_malloc'd).
*/
static int vtabMergeArgs(tito_vtab *p, const char *zDef, int bAll, int *pnNew,
                         char ***pazNew) {
  char **azCat = 0, **azNew = 0;
  int nCat = 0, nNew = 0, i;
  int rc = tito_def_split(zDef, &nCat, &azCat);
  if (rc == SQLITE_OK) {
    azNew = sqlite3_malloc(sizeof(char *) * (nCat + p->nArg + 1));
    if (azNew == 0) rc = SQLITE_NOMEM;
  }
  for (i = 0; rc == SQLITE_OK && i < nCat; i++) {
    if (tito_def_is_location(azCat[i])) {
      sqlite3_free(azCat[i]);
    } else {
      azNew[nNew++] = azCat[i];
    }
    azCat[i] = 0;
  }
  for (i = 0; rc == SQLITE_OK && i < p->nArg; i++) {
    if (!bAll && !tito_def_is_location(p->azArg[i])) continue;
    azNew[nNew] = sqlite3_mprintf("%s", p->azArg[i]);
    if (azNew[nNew++] == 0) rc = SQLITE_NOMEM;
  }
  if (azNew) azNew[nNew] = 0;
  tito_def_free(nCat, azCat);
  if (rc != SQLITE_OK) {
    tito_def_free(nNew, azNew);
    return rc;
  }
  *pnNew = nNew;
  *pazNew = azNew;
  return SQLITE_OK;
}

/* The attached table's arguments: the catalog's definition zDef plus its
** own options. */
static int vtabCatalogArgs(tito_vtab *p, const char *zDef) {
  char **azNew = 0;
  int nNew = 0;
  int rc = vtabMergeArgs(p, zDef, 1, &nNew, &azNew);
  if (rc != SQLITE_OK) return rc;
  tito_def_free(p->nArg, p->azArg);
  p->azArg = azNew;
  p->nArg = nNew;
  return SQLITE_OK;
}

/*
** A definition with no columns (only options: store, prefix) attaches to
** the model of that name in the store's catalog: the arguments become the
** catalog's definition plus the options given here.
*/
static int vtabAttachArgs(tito_vtab *p, char **pzErr) {
  tito_model *pProbe = 0;
  char **azNew = 0, *zDef = 0;
  int i, rc;
  uint32_t iId = 0;
  /* Parse the options alone (with a stand-in column) for store and
  ** prefix. */
  azNew = sqlite3_malloc(sizeof(char *) * (p->nArg + 1));
  if (azNew == 0) return SQLITE_NOMEM;
  for (i = 0; i < p->nArg; i++) azNew[i] = p->azArg[i];
  azNew[p->nArg] = "tito_attach_probe";
  rc = tito_model_parse(p->zName, p->nArg + 1, (const char *const *)azNew,
                        &pProbe, pzErr);
  sqlite3_free(azNew);
  azNew = 0;
  if (rc == SQLITE_OK) {
    rc = tito_store_acquire(&p->pConn->stores, p->zSchema, pProbe->zStore,
                            &p->pStore, pzErr);
  }
  if (rc == SQLITE_OK) {
    rc = tito_store_read(p->pStore);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s", tito_store_errmsg(p->pStore));
    }
  }
  if (rc == SQLITE_OK) {
    rc = tito_catalog_find(p->pStore->pKv, pProbe->zPrefix, p->zName, &iId,
                           &zDef, pzErr);
    if (rc == SQLITE_DONE) {
      *pzErr = sqlite3_mprintf("tito: %s: a tito table needs at least one "
                               "column (without columns it attaches to a "
                               "model of the store's catalog, and store %s "
                               "has none named %s)",
                               p->zName, p->pStore->zUrl, p->zName);
      rc = SQLITE_ERROR;
    }
  }
  if (rc == SQLITE_OK) rc = vtabCatalogArgs(p, zDef);
  tito_model_free(pProbe);
  sqlite3_free(zDef);
  return rc;
}

/* The model zNew, parsed from p's arguments azNew[0..nNew) (taken: freed
** by this call), becomes p's: the table reopens on its next use, the
** planner's conditions and statistics are made anew. */
static int vtabTakeModel(tito_vtab *p, tito_model *pNew, int nNew,
                         char **azNew) {
  titoCondFree(p); /* sized by the model it was made for */
  if (p->pTab) {
    tito_table_close(p->pTab); /* frees its model */
    p->pTab = 0;
  } else {
    tito_model_free(p->pModel);
  }
  p->pModel = pNew;
  /* Clear what the old model knew it could not follow. */
  sqlite3_free(p->zNoWrite);
  p->zNoWrite = 0;
  tito_def_free(p->nArg, p->azArg);
  p->azArg = azNew;
  p->nArg = nNew;
  cursorFree(p->pSpare); /* its scan belongs to the table closed */
  p->pSpare = 0;
  tito_stats_free(p->pStats);
  p->pStats = 0;
  p->bStatsLoaded = 0;
  return titoCondParse(p);
}

/* The model the catalog's definition zDef gives this table (its arguments
** from vtabMergeArgs: the catalog's clauses, this table's location
** options), into *ppNew, *pnNew, *pazNew; nothing to free on error. */
static int vtabCatalogModel(tito_vtab *p, const char *zDef,
                            tito_model **ppNew, int *pnNew, char ***pazNew,
                            char **pzErr) {
  int rc = vtabMergeArgs(p, zDef, 0, pnNew, pazNew);
  *ppNew = 0;
  if (rc == SQLITE_OK) {
    rc = tito_model_parse(p->zName, *pnNew, (const char *const *)*pazNew,
                          ppNew, pzErr);
    if (rc != SQLITE_OK) {
      tito_def_free(*pnNew, *pazNew);
      *pazNew = 0;
      *pnNew = 0;
    }
  }
  return rc;
}

/*
** Follow the catalog's definition zDef, which another database changed
** (tito_alter on a shared store) from the one this table has: possible when
** the model can go on (tito_def_model_follows: the same columns; a plan
** made before finds its index by id, or fails: titoFilter). Prepared
** statements are made again when none runs (titoExpireStatements). The arguments
** become the catalog's plus this table's location options. When only
** columns were added or renamed (tito_def_model_reads: rows keep their
** layout), the table keeps its model for reads and takes no write until
** the database is opened again (zNoWrite). SQLITE_OK in both cases; else
** *pzErr says why the table can neither follow nor read, and nothing
** changes.
*/
static int vtabFollow(tito_vtab *p, const char *zDef, char **pzErr) {
  const tito_model *pOld = p->pTab ? p->pTab->pModel : p->pModel;
  tito_model *pNew = 0;
  char **azNew = 0;
  int nNew = 0;
  int rc = vtabCatalogModel(p, zDef, &pNew, &nNew, &azNew, pzErr);
  if (rc == SQLITE_OK && tito_def_model_follows(pOld, pNew)) {
    titoExpireStatements(p->pConn->db, 0);
    return vtabTakeModel(p, pNew, nNew, azNew);
  }
  if (rc == SQLITE_OK && tito_def_model_reads(pOld, pNew)) {
    sqlite3_free(p->zNoWrite);
    p->zNoWrite = sqlite3_mprintf("tito: %s: another database changed its "
                                  "columns in the store's catalog (%s): "
                                  "this connection reads by the model it "
                                  "had; open the database again to write "
                                  "the table", p->zName, zDef);
    rc = p->zNoWrite ? SQLITE_OK : SQLITE_NOMEM;
  } else if (rc == SQLITE_OK) {
    *pzErr = sqlite3_mprintf("tito: %s: another database changed its model "
                             "in the store's catalog (%s) in a way this "
                             "connection cannot read by the model it has; "
                             "open the database again", p->zName, zDef);
    rc = SQLITE_ERROR;
  }
  tito_model_free(pNew);
  tito_def_free(nNew, azNew);
  return rc;
}

/*
** A table of a shared store connecting (its database's schema loaded, not
** CREATE): when another database changed the model since this one
** declared it, the catalog's definition is the table's, as an attached
** table's is (the declaration keeps its location options). Best effort: a
** store it cannot read now leaves the declaration, and the first use
** reports what is wrong.
*/
static void vtabConnectCatalog(tito_vtab *p) {
  tito_model *pNew = 0;
  char *zDef = 0, *zErr = 0, **azNew = 0;
  uint32_t iId = 0;
  int nNew = 0;
  int rc = tito_store_acquire(&p->pConn->stores, p->zSchema,
                              p->pModel->zStore, &p->pStore, &zErr);
  if (rc == SQLITE_OK) rc = tito_store_read(p->pStore);
  if (rc == SQLITE_OK) {
    rc = tito_catalog_find(p->pStore->pKv, p->pModel->zPrefix, p->zName,
                           &iId, &zDef, &zErr);
  }
  if (rc == SQLITE_OK &&
      titoVtabCheckDefinition(p, zDef, &zErr) == SQLITE_ERROR) {
    sqlite3_free(zErr); /* the difference: taken, not reported */
    zErr = 0;
    if (vtabCatalogModel(p, zDef, &pNew, &nNew, &azNew, &zErr) == SQLITE_OK) {
      vtabTakeModel(p, pNew, nNew, azNew);
    }
  }
  sqlite3_free(zDef);
  sqlite3_free(zErr);
}

int titoTableReady(tito_vtab *p) {
  char *zErr = 0;
  uint32_t iId = 0;
  int rc = SQLITE_OK, bBracket = 0;
  tito_model *pModel;
  if (p->pTab) return SQLITE_OK;
  if (p->pStore == 0) {
    rc = tito_store_acquire(&p->pConn->stores, p->zSchema,
                            p->pModel->zStore, &p->pStore, &zErr);
    /* A store made before guards, first used under DEFENSIVE. */
    if (rc == SQLITE_OK) titoGuardSchema(p->pConn->db, p->zSchema);
  }
  if (rc == SQLITE_OK) {
    rc = tito_store_read(p->pStore);
    if (rc != SQLITE_OK) {
      zErr = sqlite3_mprintf("%s", tito_store_errmsg(p->pStore));
    } else {
      /* Catalog entry, index ids and build record of one snapshot (on a
      ** shared store another database may change them in between). */
      tito_store_cursor_open(p->pStore);
      bBracket = 1;
    }
  }
  if (rc == SQLITE_OK) {
    char *zDef = 0;
    rc = tito_catalog_find(p->pStore->pKv, p->pModel->zPrefix, p->zName, &iId,
                           &zDef, &zErr);
    if (rc == SQLITE_DONE) {
      /* Typically a table read from a one-table .dump: it carries the
      ** definition, never the rows. */
      zErr = sqlite3_mprintf("tito: %s is not in the catalog of store %s "
                             "(a dump of one tito table has no rows: dump "
                             "the whole database; or it was dropped, or the "
                             "store was changed outside tito)", p->zName,
                             p->pStore->zUrl);
      rc = SQLITE_ERROR;
    }
    if (rc == SQLITE_OK) {
      rc = titoVtabCheckDefinition(p, zDef, &zErr);
      if (rc == SQLITE_ERROR && p->pStore->bRemote) {
        /* Changed by another database since this one declared it. */
        char *zErr2 = 0;
        if (vtabFollow(p, zDef, &zErr2) == SQLITE_OK) {
          sqlite3_free(zErr);
          zErr = 0;
          rc = SQLITE_OK;
        }
        sqlite3_free(zErr2);
      }
    }
    sqlite3_free(p->zCatDef);
    p->zCatDef = zDef;
    p->iCatId = iId;
  }
  if (rc == SQLITE_OK) {
    /* Another model under the same id would mix its keys with this one's
    ** (stores of two databases merged with colliding ids). */
    char *zOther = 0;
    rc = tito_catalog_shared(p->pStore->pKv, p->pModel->zPrefix, p->zName,
                             iId, &zOther, &zErr);
    if (rc == SQLITE_OK && zOther) {
      zErr = sqlite3_mprintf("tito: %s and %s share model id %u in the "
                             "store's catalog: their rows cannot be told "
                             "apart (see tito_check())", p->zName, zOther,
                             iId);
      rc = SQLITE_CORRUPT;
    }
    sqlite3_free(zOther);
  }
  if (rc == SQLITE_OK) {
    pModel = p->pModel;
    rc = tito_table_open(p->pConn->db, pModel, p->pStore->pKv, iId, &p->pTab,
                         &zErr);
    if (rc != SQLITE_OK) p->pModel = 0; /* freed by tito_table_open */
    if (rc == SQLITE_OK) {
      p->pTab->piClock = &p->pConn->iClock;
      p->pTab->pHeads = p->pStore->pHeads;
      rc = titoTableDefaults(p->pConn->db, p->pTab);
    }
    /* A remote store's reads are round trips: the rows scans read serve
    ** the old rows of the writes that follow (row_cache.h). */
    if (rc == SQLITE_OK && p->pStore->bRemote) {
      rc = tito_table_keep_reads(p->pTab);
    }
    /* The model's records, read ahead with one multi-get (table.h). */
    if (rc == SQLITE_OK) rc = tito_table_records_prefetch(p->pTab);
    if (rc == SQLITE_OK) {
      /* Index ids tito_alter kept, an index it is building (tito_alter.c). */
      rc = tito_index_ids_load(p->pTab);
      if (rc == SQLITE_CORRUPT) {
        zErr = sqlite3_mprintf("tito: %s: the record of its index ids does "
                               "not fit its indexes", p->zName);
      }
      /* The slots of its columns, after a DROP COLUMN (column_slots.h). */
      if (rc == SQLITE_OK) {
        rc = tito_column_slots_read(p->pTab, p->pTab->pModel);
        if (rc == SQLITE_CORRUPT) {
          zErr = sqlite3_mprintf("tito: %s: the record of its column slots "
                                 "does not fit its columns", p->zName);
        }
      }
      if (rc == SQLITE_OK) rc = tito_backfill_attach(p->pTab);
      if (rc == SQLITE_CORRUPT && zErr == 0) {
        zErr = sqlite3_mprintf("tito: %s: the record of an index build "
                               "names no index of the table", p->zName);
      }
      /* The planner's statistics, read ahead with the rest. */
      if (rc == SQLITE_OK) titoStatsGet(p);
    }
    if (p->pTab) tito_table_records_drop(p->pTab);
  }
  if (bBracket) tito_store_cursor_close(p->pStore);
  if (rc != SQLITE_OK) {
    sqlite3_free(p->base.zErrMsg);
    p->base.zErrMsg = zErr ? zErr : sqlite3_mprintf("tito: out of memory");
  } else {
    p->msChecked = titoClockMs();
  }
  return rc;
}

/* Milliseconds since some moment (the default VFS's clock). */
sqlite3_int64 titoClockMs(void) {
  sqlite3_vfs *pVfs = sqlite3_vfs_find(0);
  sqlite3_int64 t = 0;
  if (pVfs && pVfs->iVersion >= 2 && pVfs->xCurrentTimeInt64) {
    pVfs->xCurrentTimeInt64(pVfs, &t);
  }
  return t;
}

/*
** A table of a shared store (TiKV) trusts its model for
** tito_config('schema_recheck') milliseconds (or until a commit failed),
** then reads its catalog entry and build record again: when another
** database changed the model (tito_alter: an index added, being built,
** readable, cancelled), the table follows it, between two statements that
** use it (no cursor of it open, nothing written by it in the transaction;
** else the old model goes on a while: a write by a model that is gone
** fails at commit, tito_catalog_fence). Reads read at the snapshot the
** connection reads at, so the model followed is never newer than the rows
** a later statement reads (an index readable there is complete there).
** A model dropped or re-created under another id is not followed: reads go
** on by the old one until the database is opened again, writes fail.
*/
int titoTableFresh(tito_vtab *p) {
  char *zNew = 0, *zErr = 0;
  sqlite3_int64 now;
  int rc = titoTableReady(p);
  if (rc != SQLITE_OK || !p->pStore->bRemote) return rc;
  now = titoClockMs();
  if (now - p->msChecked <
      TITO_SETTING(p->pConn->nSchemaRecheck, TITO_SCHEMA_RECHECK)) {
    return SQLITE_OK;
  }
  if (p->nOpen > 0 || p->bWriting) return SQLITE_OK;
  tito_store_cursor_open(p->pStore); /* one snapshot for its reads */
  rc = tito_model_recheck(p->pTab, p->zName, p->iCatId, p->zCatDef, &zNew,
                          &zErr);
  if (rc == SQLITE_OK && zNew == 0) {
    p->iHeld = tito_store_snapshot(p->pStore);
  }
  tito_store_cursor_close(p->pStore);
  if (rc == SQLITE_OK && zNew) {
    rc = vtabFollow(p, zNew, &zErr);
    if (rc == SQLITE_OK) rc = titoTableReady(p); /* reopened if followed */
  }
  if (rc == SQLITE_OK) {
    p->msChecked = now;
  } else if (zErr) {
    titoSetError(&p->base, "%s", zErr);
  }
  sqlite3_free(zNew);
  sqlite3_free(zErr);
  return rc;
}

static void vtabFree(tito_vtab *p) {
  tito_vtab **pp;
  if (p == 0) return;
  for (pp = &p->pConn->pTabs; *pp; pp = &(*pp)->pNextTab) {
    if (*pp == p) {
      *pp = p->pNextTab;
      break;
    }
  }
  titoCondFree(p);
  tito_stats_free(p->pStats);
  cursorFree(p->pSpare);
  sqlite3_free(p->aNew);
  tito_buf_free(&p->oldKey);
  sqlite3_finalize(p->pDefault);
  if (p->pTab) {
    tito_table_close(p->pTab); /* frees the model too */
  } else {
    tito_model_free(p->pModel);
  }
  tito_store_release(p->pStore);
  tito_def_free(p->nArg, p->azArg);
  sqlite3_free(p->zSchema);
  sqlite3_free(p->zName);
  sqlite3_free(p->zCatDef);
  sqlite3_free(p->zNoWrite);
  sqlite3_free(p->base.zErrMsg);
  sqlite3_free(p);
}

/*
** Compile "SELECT d1, d2, ..." over the model's DEFAULT expressions. SQLite
** does not apply DEFAULT to virtual tables (declare_vtab drops it), so
** tito does: a column with a DEFAULT that receives NULL on INSERT gets the
** default (SQLite does not say whether a column was omitted or NULL).
*/
static int vtabPrepareDefaults(sqlite3 *db, tito_vtab *p, char **pzErr) {
  const tito_model *pModel = p->pTab ? p->pTab->pModel : p->pModel;
  sqlite3_str *pStr;
  char *zSql;
  int i, n = 0, rc;
  if (p->pDefault) return SQLITE_OK;
  for (i = 0; i < pModel->nCol; i++) {
    if (pModel->aCol[i].zDefault == 0) continue;
    zSql = sqlite3_mprintf("SELECT %s", pModel->aCol[i].zDefault);
    if (zSql == 0) return SQLITE_NOMEM;
    rc = sqlite3_prepare_v2(db, zSql, -1, &p->pDefault, 0);
    sqlite3_free(zSql);
    sqlite3_finalize(p->pDefault);
    p->pDefault = 0;
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("tito: %s: bad DEFAULT of column %s: %s",
                               pModel->zTable, pModel->aCol[i].zName,
                               sqlite3_errmsg(db));
      return SQLITE_ERROR;
    }
    n++;
  }
  if (n == 0) return SQLITE_OK;
  pStr = sqlite3_str_new(db);
  sqlite3_str_appendf(pStr, "SELECT ");
  for (i = 0, n = 0; i < pModel->nCol; i++) {
    if (pModel->aCol[i].zDefault == 0) continue;
    sqlite3_str_appendf(pStr, "%s(%s)", n++ ? ", " : "",
                        pModel->aCol[i].zDefault);
  }
  zSql = sqlite3_str_finish(pStr);
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v3(db, zSql, -1, SQLITE_PREPARE_PERSISTENT,
                          &p->pDefault, 0);
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("tito: %s: bad DEFAULT: %s", pModel->zTable,
                             sqlite3_errmsg(db));
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

int titoTableDefaults(sqlite3 *db, tito_table *pTab) {
  const tito_model *pModel = pTab->pModel;
  int i, rc = SQLITE_OK;
  for (i = 0; rc == SQLITE_OK && i < pModel->nCol; i++) {
    const char *zDef = pModel->aCol[i].zDefault;
    sqlite3_stmt *pStmt = 0;
    char *zSql;
    if (zDef == 0 || !tito_def_is_literal(zDef)) continue;
    zSql = sqlite3_mprintf("SELECT (%s)", zDef);
    if (zSql == 0) return SQLITE_NOMEM;
    if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) == SQLITE_OK &&
        sqlite3_step(pStmt) == SQLITE_ROW) {
      tito_value v;
      titoValueFromSql(sqlite3_column_value(pStmt, 0), pModel->aCol[i].cAff,
                       &v);
      rc = tito_table_set_default(pTab, i, &v);
    }
    sqlite3_finalize(pStmt);
    sqlite3_free(zSql);
  }
  return rc;
}

/* Fill NULL columns of a new row that have a DEFAULT. The values point
** into p->pDefault, which stays un-reset until the caller resets it. */
static int vtabApplyDefaults(tito_vtab *p, tito_value *aNew,
                             int bNotNullOnly) {
  const tito_model *pModel = p->pTab->pModel;
  char *zErr = 0;
  int i, n, rc, bNeed = 0;
  for (i = 0; i < pModel->nCol; i++) {
    if (pModel->aCol[i].zDefault && aNew[i].eType == SQLITE_NULL &&
        (!bNotNullOnly || pModel->aCol[i].bNotNull)) {
      bNeed = 1;
    }
  }
  if (!bNeed) return SQLITE_OK;
  rc = vtabPrepareDefaults(p->pConn->db, p, &zErr);
  if (rc != SQLITE_OK) {
    titoSetError(&p->base, "%s", zErr ? zErr : "tito: out of memory");
    sqlite3_free(zErr);
    return rc;
  }
  if (sqlite3_step(p->pDefault) != SQLITE_ROW) {
    titoSetError(&p->base, "tito: %s: DEFAULT: %s", pModel->zTable,
                 sqlite3_errmsg(p->pConn->db));
    sqlite3_reset(p->pDefault);
    return SQLITE_ERROR;
  }
  for (i = 0, n = 0; i < pModel->nCol; i++) {
    if (pModel->aCol[i].zDefault == 0) continue;
    if (aNew[i].eType == SQLITE_NULL &&
        (!bNotNullOnly || pModel->aCol[i].bNotNull)) {
      titoValueFromSql(sqlite3_column_value(p->pDefault, n),
                       pModel->aCol[i].cAff, &aNew[i]);
    }
    n++;
  }
  return SQLITE_OK;
}

/*
** Register a new model in the store's catalog. On a remote store the
** entry is written in a store transaction that SQLite's xSync and xCommit
** (which follow xCreate, with no xBegin) commit, or in the transaction
** already open; a failure leaves nothing behind in either.
*/
static int vtabCreateEntry(tito_vtab *p, char **pzErr) {
  tito_store *pStore = p->pStore;
  int bOwn = pStore->bRemote && !pStore->bInTxn, iMark = -1, rc = SQLITE_OK;
  uint32_t iId = 0;
  char *zDef = titoVtabDefinition(p);
  if (zDef == 0) return SQLITE_NOMEM;
  if (pStore->bRemote) rc = tito_store_begin(pStore);
  if (rc == SQLITE_OK) rc = tito_store_atomic_begin(pStore, &iMark);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s", tito_store_errmsg(pStore));
  }
  if (rc == SQLITE_OK) {
    char *zCat = 0;
    rc = tito_catalog_find(pStore->pKv, p->pModel->zPrefix, p->zName, &iId,
                           &zCat, pzErr);
    if (rc == SQLITE_OK) {
      /* The model exists (created from another database): the same
      ** definition attaches to it, another one is refused. */
      rc = titoVtabCheckDefinition(p, zCat, pzErr);
      sqlite3_free(zCat);
    } else if (rc == SQLITE_DONE) {
      /* Random ids for the embedded store: a dump of one database read
      ** into another then never mixes two models' keys. */
      rc = tito_catalog_create(pStore->pKv, p->pModel->zPrefix, p->zName,
                               zDef, !pStore->bRemote, &iId, pzErr);
    }
    if (rc == SQLITE_OK) rc = tito_topics_ensure(pStore->pKv, p->pModel, pzErr);
    tito_store_atomic_end(pStore, iMark, rc == SQLITE_OK);
  }
  if (rc != SQLITE_OK && bOwn) tito_store_end(pStore, 0);
  sqlite3_free(zDef);
  return rc;
}

/*
** xCreate and xConnect. Both parse the model and declare the table; only
** xCreate touches the store (creating it and the catalog entry), so that
** reconnecting on a schema load never needs the store.
*/
static int vtabInit(sqlite3 *db, void *pAux, int argc,
                    const char *const *argv, sqlite3_vtab **ppVtab,
                    char **pzErr, int bCreate) {
  tito_conn *pConn = (tito_conn *)pAux;
  tito_vtab *p;
  char *zSql = 0;
  int rc, i;

  *ppVtab = 0;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->pConn = pConn;
  p->iKeyCol = -1;
  p->iHintCol = -1;
  p->zSchema = sqlite3_mprintf("%s", argv[1]);
  p->zName = sqlite3_mprintf("%s", argv[2]);
  p->nArg = argc - 3;
  p->azArg = sqlite3_malloc(sizeof(char *) * (p->nArg + 1));
  p->pNextTab = pConn->pTabs;
  pConn->pTabs = p;
  if (p->zSchema == 0 || p->zName == 0 || p->azArg == 0) {
    vtabFree(p);
    return SQLITE_NOMEM;
  }
  memset(p->azArg, 0, sizeof(char *) * (p->nArg + 1));
  for (i = 0; i < p->nArg; i++) {
    p->azArg[i] = sqlite3_mprintf("%s", argv[3 + i]);
    if (p->azArg[i] == 0) {
      vtabFree(p);
      return SQLITE_NOMEM;
    }
  }
  rc = SQLITE_OK;
  if (!tito_def_has_model(p->nArg, p->azArg)) {
    p->bAttached = 1;
    rc = vtabAttachArgs(p, pzErr);
  }
  if (rc == SQLITE_OK) {
    rc = tito_model_parse(argv[2], p->nArg, (const char *const *)p->azArg,
                          &p->pModel, pzErr);
  }
  if (rc == SQLITE_OK) {
    rc = tito_store_check_url(argv[2], p->pModel->zStore, pzErr);
  }
  if (rc == SQLITE_OK && !bCreate && !p->bAttached &&
      tito_store_is_remote(&pConn->stores, p->pModel->zStore)) {
    vtabConnectCatalog(p);
  }
  if (rc == SQLITE_OK) {
    /* The planner hint column (tito_hint.c), unless a column has its name. */
    int bHint = tito_model_column(p->pModel, titoHintColumn) < 0;
    zSql = tito_model_declare_sql_hidden(p->pModel, bHint ? titoHintColumn : 0);
    if (zSql == 0) rc = SQLITE_NOMEM;
    if (bHint) p->iHintCol = p->pModel->nCol;
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_declare_vtab(db, zSql);
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("tito: %s: cannot declare %s: %s", argv[2],
                               zSql, sqlite3_errmsg(db));
    }
  }
  sqlite3_free(zSql);
  if (rc == SQLITE_OK) {
    sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
    /* Usable in triggers and views even with PRAGMA trusted_schema=OFF
    ** (as recent sqlite3 shells set it): a table of the embedded store
    ** reads and writes nothing but its own database. A remote store
    ** reaches outside it and must not say so. */
    if (p->pModel->zStore == 0 ||
        sqlite3_stricmp(p->pModel->zStore, "embedded") == 0) {
      sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
    }
    if (p->pModel->nPk > 0 && p->pModel->iRowidCol < 0) {
      p->iKeyCol = p->pModel->nCol + (p->iHintCol >= 0);
    }
    rc = titoCondParse(p);
    if (rc != SQLITE_OK) *pzErr = sqlite3_mprintf("tito: out of memory");
  }
  if (rc == SQLITE_OK && bCreate) {
    /* Compile the partial-index conditions now, so a bad one fails the
    ** CREATE naming its index. */
    tito_pred *pPred = 0;
    tito_emitter *pEmit = 0;
    rc = tito_pred_open(db, p->pModel, &pPred, pzErr);
    tito_pred_close(pPred);
    /* And the topics' WHERE and AT expressions. */
    if (rc == SQLITE_OK) rc = tito_emitter_open(db, p->pModel, &pEmit, pzErr);
    tito_emitter_close(pEmit);
    if (rc == SQLITE_OK) rc = vtabPrepareDefaults(db, p, pzErr);
  }
  if (rc == SQLITE_OK && bCreate && !p->bAttached) {
    rc = tito_store_acquire(&pConn->stores, p->zSchema, p->pModel->zStore,
                            &p->pStore, pzErr);
    if (rc == SQLITE_OK) titoGuardSchema(db, p->zSchema);
    if (rc == SQLITE_OK) rc = vtabCreateEntry(p, pzErr);
  }
  if (rc != SQLITE_OK) {
    if (*pzErr == 0) *pzErr = sqlite3_mprintf("%s", sqlite3_errstr(rc));
    vtabFree(p);
    return rc;
  }
  *ppVtab = &p->base;
  return SQLITE_OK;
}

static int titoCreate(sqlite3 *db, void *pAux, int argc,
                      const char *const *argv, sqlite3_vtab **ppVtab,
                      char **pzErr) {
  return vtabInit(db, pAux, argc, argv, ppVtab, pzErr, 1);
}

static int titoConnect(sqlite3 *db, void *pAux, int argc,
                       const char *const *argv, sqlite3_vtab **ppVtab,
                       char **pzErr) {
  return vtabInit(db, pAux, argc, argv, ppVtab, pzErr, 0);
}

static int titoDisconnect(sqlite3_vtab *pVtab) {
  vtabFree((tito_vtab *)pVtab);
  return SQLITE_OK;
}

/*
** DROP and RENAME: on a remote store the catalog writes join the store
** transaction, tied to SQLite's by the anchor table (tito_anchor.c), so
** they commit or roll back with the statement or its transaction. The
** writes of one DDL step are all-or-nothing.
*/
static int vtabDdlBegin(tito_vtab *p, int *piMark, char **pzErr) {
  tito_store *pStore = p->pStore;
  int bHad = pStore->bInTxn;
  int rc = tito_store_ddl_begin(pStore);
  *piMark = -1;
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s", tito_store_errmsg(pStore));
    return rc;
  }
  if (pStore->bRemote) {
    rc = titoAnchorJoin(p->pConn, pzErr);
    if (rc != SQLITE_OK) {
      if (!bHad) tito_store_end(pStore, 0);
      return rc;
    }
  }
  rc = tito_store_atomic_begin(pStore, piMark);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s", tito_store_errmsg(pStore));
  }
  return rc;
}

/* DROP TABLE: the model's keys and catalog entry go with it. */
static int titoDestroy(sqlite3_vtab *pVtab) {
  tito_vtab *p = (tito_vtab *)pVtab;
  char *zErr = 0;
  int iMark = -1, rc = titoTableReady(p);
  int bDamaged = 0;
  if ((rc == SQLITE_ERROR || rc == SQLITE_CORRUPT) && p->pStore && p->pModel) {
    /* No usable catalog entry (damage tito_check() reports): no key range
    ** is known to be the table's. Dropping it must still work; keys left
    ** behind stay visible to tito_check(). (SQLite shows no message of
    ** xDestroy, so a refusal here could not even say why.) */
    bDamaged = 1;
    rc = SQLITE_OK;
  }
  if (rc == SQLITE_OK) rc = vtabDdlBegin(p, &iMark, &zErr);
  if (rc == SQLITE_OK) {
    const tito_model *pModel = p->pTab ? p->pTab->pModel : p->pModel;
    if (!bDamaged) rc = tito_table_purge(p->pTab);
    if (rc == SQLITE_OK) {
      rc = tito_catalog_drop(p->pStore->pKv, pModel->zPrefix, p->zName,
                             &zErr);
    }
    tito_store_atomic_end(p->pStore, iMark, rc == SQLITE_OK);
  }
  if (rc != SQLITE_OK) {
    titoSetError(pVtab, "%s", zErr ? zErr
                                   : (p->pTab ? tito_table_errmsg(p->pTab)
                                              : "tito: cannot drop"));
    sqlite3_free(zErr);
    return rc;
  }
  vtabFree(p);
  return SQLITE_OK;
}

/* ALTER TABLE ... RENAME: the catalog entry follows the name. */
static int titoRename(sqlite3_vtab *pVtab, const char *zNew) {
  tito_vtab *p = (tito_vtab *)pVtab;
  char *zErr = 0;
  int iMark = -1, rc = titoTableReady(p);
  if (rc == SQLITE_OK) rc = vtabDdlBegin(p, &iMark, &zErr);
  if (rc == SQLITE_OK) {
    rc = tito_catalog_rename(p->pStore->pKv, p->pTab->pModel->zPrefix,
                             p->zName, zNew, &zErr);
    tito_store_atomic_end(p->pStore, iMark, rc == SQLITE_OK);
  }
  if (rc != SQLITE_OK) {
    if (zErr) titoSetError(pVtab, "%s", zErr);
    sqlite3_free(zErr);
  }
  return rc;
}

/* --------------------------------------------------------------- cursors */

/*
** SQLite opens and closes a cursor for every run of a statement: the last
** closed cursor of a table is kept, with its scan, for the next xOpen.
*/
static int titoOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur) {
  tito_vtab *p = (tito_vtab *)pVtab;
  tito_cursor *pCur;
  int rc = titoTableReady(p);
  if (rc != SQLITE_OK) return rc;
  /* The statement's snapshot is the one the model is checked at. */
  tito_store_cursor_open(p->pStore);
  rc = titoTableFresh(p);
  if (rc != SQLITE_OK) {
    tito_store_cursor_close(p->pStore);
    return rc;
  }
  if (p->pSpare) {
    pCur = p->pSpare;
    p->pSpare = 0;
  } else {
    pCur = sqlite3_malloc(sizeof(*pCur));
    if (pCur == 0) {
      tito_store_cursor_close(p->pStore);
      return SQLITE_NOMEM;
    }
    memset(pCur, 0, sizeof(*pCur));
    rc = tito_scan_new(p->pTab, &pCur->pScan);
    if (rc != SQLITE_OK) {
      sqlite3_free(pCur);
      tito_store_cursor_close(p->pStore);
      return rc;
    }
  }
  p->nOpen++;
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

/* Forget the known values of the last scan. */
static void cursorClearFixed(tito_cursor *pCur) {
  int i;
  if (!pCur->bFixed) return;
  pCur->bFixed = 0;
  for (i = 0; i < pCur->nFixed; i++) {
    sqlite3_value_free(pCur->apFixed[i]);
    pCur->apFixed[i] = 0;
  }
}

static void cursorFree(tito_cursor *pCur) {
  if (pCur == 0) return;
  cursorClearFixed(pCur);
  sqlite3_free(pCur->apFixed);
  tito_scan_free(pCur->pScan);
  sqlite3_free(pCur);
}

static int titoClose(sqlite3_vtab_cursor *pBase) {
  tito_cursor *pCur = (tito_cursor *)pBase;
  tito_vtab *p = (tito_vtab *)pBase->pVtab;
  tito_scan_end(pCur->pScan);
  tito_store_cursor_close(p->pStore);
  p->nOpen--;
  cursorClearFixed(pCur);
  if (p->pSpare == 0) {
    p->pSpare = pCur;
  } else {
    cursorFree(pCur);
  }
  return SQLITE_OK;
}

/* Report the scan's error as the table's. */
static int cursorError(tito_cursor *pCur, int rc) {
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM) {
    titoSetError(pCur->base.pVtab, "%s", tito_scan_errmsg(pCur->pScan));
  }
  return rc;
}

/*
** LIMIT and, when the query has one, OFFSET follow the key arguments (see
** planLimit in tito_plan.c for when the plan makes them exact). A negative
** LIMIT means none, a negative OFFSET none. An exact plan is never widened
** by filterSeekWidth: it widens only at fields SQLite re-checks, and a plan
** with such a field is not exact.
*/
static void filterLimit(const tito_vtab *p, const tito_plan *pPlan, int argc,
                        sqlite3_value **argv, tito_scan_plan *pSp) {
  int iArg = pPlan->nEq + (pPlan->eLo != 0) + (pPlan->eHi != 0);
  sqlite3_int64 nLimit = sqlite3_value_int64(argv[iArg]);
  sqlite3_int64 nOffset = pPlan->bOffset && iArg + 1 < argc
                             ? sqlite3_value_int64(argv[iArg + 1])
                             : 0;
  if (nOffset < 0) nOffset = 0;
  if (nLimit >= 0 && nLimit <= INT64_MAX - nOffset) {
    pSp->nHint = nLimit + nOffset;
  }
  if (pPlan->bLimitExact && p->pConn->caps.bLimitExact) {
    pSp->bLimit = nLimit >= 0;
    pSp->nLimit = nLimit;
    pSp->nSkip = nOffset;
  }
}

/* Empty slots for the values every row of the new scan holds
** (titoSeekFilter), which xColumn gives without reading the row; only a
** plan with equalities has any. */
static int filterFixed(tito_cursor *pCur, const tito_model *pModel,
                       const tito_plan *pPlan) {
  cursorClearFixed(pCur);
  if (pPlan->nEq == 0) return SQLITE_OK;
  pCur->bFixed = 1;
  if (pCur->nFixed < pModel->nCol) {
    sqlite3_value **a = sqlite3_realloc64(pCur->apFixed,
                                          sizeof(*a) * pModel->nCol);
    if (a == 0) return SQLITE_NOMEM;
    memset(a + pCur->nFixed, 0, sizeof(*a) * (pModel->nCol - pCur->nFixed));
    pCur->apFixed = a;
    pCur->nFixed = pModel->nCol;
  }
  return SQLITE_OK;
}

static int titoFilter(sqlite3_vtab_cursor *pBase, int idxNum,
                      const char *idxStr, int argc, sqlite3_value **argv) {
  tito_cursor *pCur = (tito_cursor *)pBase;
  tito_vtab *p = (tito_vtab *)pBase->pVtab;
  const tito_model *pModel = p->pTab->pModel;
  tito_plan plan;
  tito_scan_plan sp;
  int rc, bCheck = 0;
  titoPlanDecode(idxNum, &plan);
  if (plan.nEq + (plan.eLo != 0) + (plan.eHi != 0) + plan.bLimit > argc) {
    return SQLITE_ERROR;
  }
  rc = tito_store_read(p->pStore);
  if (rc != SQLITE_OK) {
    titoSetError(pBase->pVtab, "%s", tito_store_errmsg(p->pStore));
    return rc;
  }
  /* The rows the scan reads are kept under this snapshot (table.h). */
  p->pTab->iSnap = tito_store_snapshot(p->pStore);
  if (plan.iPath >= 2) {
    rc = titoReadIndex(p, idxStr, &plan.iPath);
    if (rc != SQLITE_OK) return rc;
  }
  pCur->iPath = plan.iPath;
  memset(&sp, 0, sizeof(sp));
  sp.iPath = plan.iPath;
  sp.bDesc = plan.bDesc;
  sp.bCover = plan.bCover;
  sp.bKeyOnly = (idxNum >> 23) & 1;
  sp.bOrdered = plan.bOrdered;
  sp.nOrderEq = plan.nEq;
  sp.bOrderIn = plan.bIn;
  if (plan.bLimit) filterLimit(p, &plan, argc, argv, &sp);
  rc = filterFixed(pCur, pModel, &plan);
  if (rc == SQLITE_OK) {
    rc = titoSeekFilter(pCur->pScan, pModel, &plan, &sp, argc, argv,
                        pCur->bFixed ? pCur->apFixed : 0);
  }
  if (rc == SQLITE_OK) rc = titoReadCheckBegin(p, pCur->pScan, &bCheck);
  if (rc == SQLITE_OK) rc = tito_scan_start(pCur->pScan);
  if (rc == SQLITE_OK && bCheck) {
    return titoReadCheckEnd(p, pCur->pScan, idxStr,
                            plan.iPath >= 2 ? plan.iPath - 2 : -1);
  }
  return cursorError(pCur, rc);
}

static int titoNext(sqlite3_vtab_cursor *pBase) {
  tito_cursor *pCur = (tito_cursor *)pBase;
  return cursorError(pCur, tito_scan_next(pCur->pScan));
}

static int titoEof(sqlite3_vtab_cursor *pBase) {
  return tito_scan_eof(((tito_cursor *)pBase)->pScan);
}

/* A value every row of the scan holds, as the column's result. Text and
** blobs go through sqlite3_result_text/blob, which copy into the result's
** own buffer, kept from row to row: sqlite3_result_value of a string frees
** and allocates that buffer for every row. */
static void cursorResultFixed(sqlite3_context *ctx, sqlite3_value *v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_TEXT:
      sqlite3_result_text(ctx, (const char *)sqlite3_value_text(v),
                          sqlite3_value_bytes(v), SQLITE_TRANSIENT);
      break;
    case SQLITE_BLOB:
      if (sqlite3_value_bytes(v) == 0) {
        sqlite3_result_zeroblob(ctx, 0); /* a NULL pointer would be NULL */
      } else {
        sqlite3_result_blob(ctx, sqlite3_value_blob(v),
                            sqlite3_value_bytes(v), SQLITE_TRANSIENT);
      }
      break;
    default:
      sqlite3_result_value(ctx, v);
  }
}

static int titoColumn(sqlite3_vtab_cursor *pBase, sqlite3_context *ctx,
                      int iCol) {
  tito_cursor *pCur = (tito_cursor *)pBase;
  tito_vtab *p = (tito_vtab *)pBase->pVtab;
  tito_value *pVal;
  int rc;
  if (iCol == p->iKeyCol) {
    /* The encoded primary key after the row prefix: never "nochange". */
    int nKey, nPrefix = p->pTab->rowPrefix.n;
    const uint8_t *pKey = tito_scan_key(pCur->pScan, &nKey);
    if (pKey == 0) return cursorError(pCur, SQLITE_ERROR);
    sqlite3_result_blob(ctx, pKey + nPrefix, nKey - nPrefix, SQLITE_TRANSIENT);
    return SQLITE_OK;
  }
  if (sqlite3_vtab_nochange(ctx)) return SQLITE_OK;
  if (pCur->bFixed && iCol < pCur->nFixed && pCur->apFixed[iCol]) {
    cursorResultFixed(ctx, pCur->apFixed[iCol]);
    return SQLITE_OK;
  }
  if (iCol == p->iHintCol) {
    /* The path this scan reads, which the plan's hint terms allowed. */
    sqlite3_result_text(ctx, titoHintPathName(p->pTab->pModel, pCur->iPath),
                        -1, SQLITE_TRANSIENT);
    return SQLITE_OK;
  }
  rc = tito_scan_column(pCur->pScan, iCol, &pVal);
  if (rc != SQLITE_OK) return cursorError(pCur, rc);
  titoValueResult(ctx, pVal);
  return SQLITE_OK;
}

static int titoRowid(sqlite3_vtab_cursor *pBase, sqlite3_int64 *pRowid) {
  tito_cursor *pCur = (tito_cursor *)pBase;
  tito_vtab *p = (tito_vtab *)pBase->pVtab;
  tito_buf scratch = TITO_BUF_INIT;
  tito_value v;
  int nKey, rc;
  const uint8_t *pKey = tito_scan_key(pCur->pScan, &nKey);
  if (pKey == 0) return cursorError(pCur, SQLITE_ERROR);
  rc = tito_table_decode_pk(p->pTab, pKey, nKey, &v, &scratch);
  tito_buf_free(&scratch);
  if (rc != SQLITE_OK || v.eType != SQLITE_INTEGER) {
    titoSetError(pBase->pVtab, "tito: %s: corrupt row key", p->zName);
    return SQLITE_CORRUPT;
  }
  *pRowid = v.i;
  return SQLITE_OK;
}

/* --------------------------------------------------------------- writes */

/* The row key named by argv[0] of xUpdate (the _key blob or the rowid). */
static int updateOldKey(tito_vtab *p, sqlite3_value *pArg, tito_buf *pOut) {
  tito_table *pTab = p->pTab;
  pOut->n = 0;
  if (p->iKeyCol >= 0) {
    tito_buf_append(pOut, pTab->rowPrefix.a, pTab->rowPrefix.n);
    tito_buf_append(pOut, sqlite3_value_blob(pArg), sqlite3_value_bytes(pArg));
  } else {
    tito_value v;
    memset(&v, 0, sizeof(v));
    v.eType = SQLITE_INTEGER;
    v.i = sqlite3_value_int64(pArg);
    tito_table_row_key(pTab, &v, pOut);
  }
  return pOut->rc ? SQLITE_NOMEM : SQLITE_OK;
}

/*
** The new rowid of a rowid table (argv[1]) must be an integer, or a value
** that converts to one exactly, as SQLite requires; NULL allocates one on
** INSERT and is a mismatch on UPDATE.
*/
static int updateCheckRowid(tito_vtab *p, sqlite3_value **argv) {
  int eType = sqlite3_value_type(argv[1]);
  tito_value v;
  if (eType == SQLITE_INTEGER) return SQLITE_OK;
  if (eType == SQLITE_NULL && sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    return SQLITE_OK;
  }
  if (eType != SQLITE_NULL) {
    titoValueFromSql(argv[1], TITO_AFF_INTEGER, &v);
    if (v.eType == SQLITE_INTEGER && sqlite3_value_int64(argv[1]) == v.i) {
      return SQLITE_OK;
    }
  }
  titoSetError(&p->base, "datatype mismatch");
  return SQLITE_MISMATCH;
}

/* The hint column is not stored: an INSERT or UPDATE may not set it. An
** UPDATE that leaves it passes "no change", or (where SQLite reads old
** values itself) the path name xColumn gave. */
static int updateCheckHint(tito_vtab *p, sqlite3_value **argv) {
  sqlite3_value *pArg = argv[2 + p->iHintCol];
  int bInsert = sqlite3_value_type(argv[0]) == SQLITE_NULL;
  if (sqlite3_value_nochange(pArg) || sqlite3_value_type(pArg) == SQLITE_NULL) {
    return SQLITE_OK;
  }
  if (!bInsert && sqlite3_value_type(pArg) == SQLITE_TEXT) {
    const char *z = (const char *)sqlite3_value_text(pArg);
    const tito_model *pModel = p->pTab->pModel;
    if (sqlite3_stricmp(z, "pk") == 0 || tito_model_index(pModel, z) >= 0) {
      return SQLITE_OK;
    }
  }
  titoSetError(&p->base, "tito: %s.%s is the planner hint, not a stored "
               "column: it cannot be written", p->zName, titoHintColumn);
  return SQLITE_ERROR;
}

static int vtabUpdateRow(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                         sqlite3_int64 *pRowid) {
  tito_vtab *p = (tito_vtab *)pVtab;
  tito_table *pTab;
  tito_buf *pOldKey = &p->oldKey;
  tito_value *aNew;
  int rc = titoTableReady(p), i, nCol, eConflict, bInsert;
  if (rc != SQLITE_OK) return rc;
  pTab = p->pTab;
  nCol = pTab->pModel->nCol;
  eConflict = sqlite3_vtab_on_conflict(p->pConn->db);
  bInsert = sqlite3_value_type(argv[0]) == SQLITE_NULL;
  sqlite3_free(pTab->zErr); /* no stale message from an earlier write */
  pTab->zErr = 0;
  /* The old row comes from a scan's copy only if read at this snapshot. */
  pTab->iSnap = tito_store_snapshot(p->pStore);
  if (!bInsert) rc = updateOldKey(p, argv[0], pOldKey);
  if (rc == SQLITE_OK && argc == 1) {
    rc = tito_table_delete(pTab, pOldKey->a, pOldKey->n);
    goto done;
  }
  if (p->aNew == 0) p->aNew = sqlite3_malloc(sizeof(tito_value) * (nCol + 1));
  aNew = p->aNew;
  if (aNew == 0) rc = SQLITE_NOMEM;
  for (i = 0; rc == SQLITE_OK && i < nCol; i++) {
    sqlite3_value *pArg = argv[2 + i];
    if (sqlite3_value_nochange(pArg)) {
      memset(&aNew[i], 0, sizeof(aNew[i]));
      aNew[i].eType = TITO_NOCHANGE;
    } else {
      titoValueFromSql(pArg, pTab->pModel->aCol[i].cAff, &aNew[i]);
    }
  }
  if (rc == SQLITE_OK && p->iHintCol >= 0) rc = updateCheckHint(p, argv);
  if (rc == SQLITE_OK && p->iKeyCol < 0) rc = updateCheckRowid(p, argv);
  if (rc == SQLITE_OK) {
    int bRowidGiven = p->iKeyCol < 0 &&
                      sqlite3_value_type(argv[1]) != SQLITE_NULL;
    int64_t iRowid = bRowidGiven ? sqlite3_value_int64(argv[1]) : 0;
    if (!bInsert && bRowidGiven && iRowid == sqlite3_value_int64(argv[0])) {
      bRowidGiven = pTab->pModel->iRowidCol >= 0;
    }
    /* An INSERT gets DEFAULTs for NULLs; OR REPLACE puts a NOT NULL
    ** column's DEFAULT in place of NULL on UPDATE too. */
    if (bInsert || eConflict == TITO_ONCONFLICT_REPLACE) {
      rc = vtabApplyDefaults(p, aNew, !bInsert);
    }
    if (rc == SQLITE_OK && bInsert) {
      rc = tito_table_insert(pTab, aNew, &iRowid, bRowidGiven, eConflict);
    } else if (rc == SQLITE_OK) {
      rc = tito_table_update(pTab, pOldKey->a, pOldKey->n, aNew, &iRowid,
                             bRowidGiven, eConflict);
    }
    if (p->pDefault) sqlite3_reset(p->pDefault);
    if (rc == SQLITE_OK && p->iKeyCol < 0) *pRowid = iRowid;
  }
done:
  /* The table's message if it has one; else the one already set here. */
  if (rc != SQLITE_OK && tito_table_errmsg(pTab)[0]) {
    titoSetError(pVtab, "%s", tito_table_errmsg(pTab));
  }
  return rc;
}

/* One row's writes are all-or-nothing, also when SQLite has no statement
** savepoint around it (a single-row statement inside BEGIN): a store
** error half-way leaves none of them. */
static int titoUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                      sqlite3_int64 *pRowid) {
  tito_vtab *p = (tito_vtab *)pVtab;
  int iMark = -1, rc = titoTableReady(p);
  if (rc != SQLITE_OK) return rc;
  rc = tito_store_atomic_begin(p->pStore, &iMark);
  if (rc != SQLITE_OK) {
    titoSetError(pVtab, "%s", tito_store_errmsg(p->pStore));
    return rc;
  }
  rc = vtabUpdateRow(pVtab, argc, argv, pRowid);
  tito_store_atomic_end(p->pStore, iMark, rc == SQLITE_OK);
  return rc;
}

/* ---------------------------------------------------------- transactions */

/* Report the store's error as the table's. */
static int storeError(tito_vtab *p, int rc) {
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM) {
    titoSetError(&p->base, "%s", tito_store_errmsg(p->pStore));
  }
  return rc;
}

static int titoBegin(sqlite3_vtab *pVtab) {
  tito_vtab *p = (tito_vtab *)pVtab;
  int rc = titoTableFresh(p);
  if (rc != SQLITE_OK) return rc;
  if (p->zNoWrite) {
    titoSetError(&p->base, "%s", p->zNoWrite);
    return SQLITE_ERROR;
  }
  p->pTab->cacheKey.n = 0;
  rc = storeError(p, tito_store_begin(p->pStore));
  if (rc == SQLITE_OK && p->zCatDef) {
    /* Rows written by this model only if it is still the catalog's when
    ** the transaction commits (a store shared by other databases). */
    char *zErr = 0;
    rc = tito_catalog_fence(p->pStore->pKv, p->pTab->pModel->zPrefix,
                            p->zName, p->iCatId, p->zCatDef, &zErr);
    if (rc != SQLITE_OK) titoSetError(&p->base, "%s", zErr ? zErr : "");
    sqlite3_free(zErr);
  }
  /* (A failed xBegin gets no xCommit or xRollback to clear it.) */
  if (rc == SQLITE_OK) p->bWriting = 1;
  return rc;
}

/* A key or unique value the commit found already written: SQLite's own
** wording, from the table of this store that owns the key. */
static int syncConstraint(tito_vtab *p) {
  uint8_t *pKey = 0;
  int nKey = 0, rc = SQLITE_OK;
  tito_vtab *q;
  if (tito_store_failed_key(p->pStore, &pKey, &nKey) == SQLITE_OK) {
    for (q = p->pConn->pTabs; q; q = q->pNextTab) {
      if (q->pStore != p->pStore || q->pTab == 0) continue;
      rc = tito_table_key_conflict(q->pTab, pKey, nKey);
      if (rc != SQLITE_OK) {
        titoSetError(&p->base, "%s", tito_table_errmsg(q->pTab));
        break;
      }
    }
    sqlite3_free(pKey);
  }
  if (rc == SQLITE_OK) {
    titoSetError(&p->base, "%s", tito_store_errmsg(p->pStore));
    rc = SQLITE_CONSTRAINT;
  }
  return rc;
}

static int titoSync(sqlite3_vtab *pVtab) {
  tito_vtab *p = (tito_vtab *)pVtab;
  int rc;
  if (p->pStore == 0) return SQLITE_OK;
  rc = tito_store_prepare(p->pStore);
  if (rc != SQLITE_OK) {
    /* Perhaps a model changed elsewhere: read the catalog before the next
    ** use (titoTableFresh). */
    tito_vtab *q;
    for (q = p->pConn->pTabs; q; q = q->pNextTab) {
      if (q->pStore == p->pStore) q->msChecked = 0;
    }
  }
  if (rc == SQLITE_CONSTRAINT) return syncConstraint(p);
  return storeError(p, rc);
}

static void vtabEnd(tito_vtab *p, int bCommit) {
  p->bWriting = 0;
  if (p->pTab) {
    p->pTab->cacheKey.n = 0;
    tito_table_reads_clear(p->pTab);
  }
  if (p->pStore) tito_store_end(p->pStore, bCommit);
}

static int titoCommit(sqlite3_vtab *pVtab) {
  vtabEnd((tito_vtab *)pVtab, 1);
  return SQLITE_OK;
}

static int titoRollback(sqlite3_vtab *pVtab) {
  vtabEnd((tito_vtab *)pVtab, 0);
  return SQLITE_OK;
}

static int titoSavepoint(sqlite3_vtab *pVtab, int iSave) {
  tito_vtab *p = (tito_vtab *)pVtab;
  if (p->pTab) p->pTab->cacheKey.n = 0;
  if (p->pStore == 0) return SQLITE_OK;
  return storeError(p, tito_store_savepoint(p->pStore, iSave));
}

static int titoRelease(sqlite3_vtab *pVtab, int iSave) {
  tito_vtab *p = (tito_vtab *)pVtab;
  if (p->pStore == 0) return SQLITE_OK;
  return storeError(p, tito_store_release_savepoint(p->pStore, iSave));
}

static int titoRollbackTo(sqlite3_vtab *pVtab, int iSave) {
  tito_vtab *p = (tito_vtab *)pVtab;
  if (p->pTab) p->pTab->cacheKey.n = 0;
  if (p->pStore == 0) return SQLITE_OK;
  return storeError(p, tito_store_rollback_to(p->pStore, iSave));
}

/* The module as every supported SQLite knows it; titoRegisterModule makes
** each connection's copy, version 4 with xIntegrity where SQLite has it. */
static const sqlite3_module titoModule = {
    /* iVersion    */ 3, /* xShadowName */
    /* xCreate     */ titoCreate,
    /* xConnect    */ titoConnect,
    /* xBestIndex  */ titoBestIndex,
    /* xDisconnect */ titoDisconnect,
    /* xDestroy    */ titoDestroy,
    /* xOpen       */ titoOpen,
    /* xClose      */ titoClose,
    /* xFilter     */ titoFilter,
    /* xNext       */ titoNext,
    /* xEof        */ titoEof,
    /* xColumn     */ titoColumn,
    /* xRowid      */ titoRowid,
    /* xUpdate     */ titoUpdate,
    /* xBegin      */ titoBegin,
    /* xSync       */ titoSync,
    /* xCommit     */ titoCommit,
    /* xRollback   */ titoRollback,
    /* xFindMethod */ 0,
    /* xRename     */ titoRename,
    /* xSavepoint  */ titoSavepoint,
    /* xRelease    */ titoRelease,
    /* xRollbackTo */ titoRollbackTo,
    /* xShadowName */ titoShadowName, /* a model named tito guards the store */
#if SQLITE_VERSION_NUMBER >= 3044000
    /* xIntegrity  */ 0,
#endif
};

/* The xIntegrity slot lies where SQLite 3.44's sqlite3_module has it. */
#if SQLITE_VERSION_NUMBER < 3044000
_Static_assert(offsetof(tito_module, xIntegrity) ==
                   offsetof(sqlite3_module, xShadowName) + sizeof(void *),
               "xIntegrity must follow xShadowName");
#endif

void titoConnDestroy(void *);

int titoRegisterModule(sqlite3 *db, tito_conn *pConn) {
  tito_module *pMod = &pConn->module;
  pMod->base = titoModule;
  if (pConn->caps.bIntegrity) {
    pMod->base.iVersion = 4;
#if SQLITE_VERSION_NUMBER >= 3044000
    pMod->base.xIntegrity = titoIntegrity;
#else
    pMod->xIntegrity = titoIntegrity;
#endif
  }
  return sqlite3_create_module_v2(db, "tito", &pMod->base, pConn,
                                  titoConnDestroy);
}
