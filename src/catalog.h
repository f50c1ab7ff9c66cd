/*
** catalog.h: the store's catalog of models.
**
** Every model gets a numeric id that prefixes all its keys (table.h), so
** keys of different models never collide and a renamed table keeps its
** data. The catalog lives in the store itself, under the keyspace prefix,
** so several SQLite databases sharing one store (TiKV) agree on it.
*/
#ifndef TITO_CATALOG_H
#define TITO_CATALOG_H
#include <stdint.h>
#include "buf.h"
#include "kv.h"
#include "sqlite_api.h"

/* The key of zName's catalog entry under zPrefix, into *pKey (reset
** first). SQLITE_OK or SQLITE_NOMEM. */
int tito_catalog_key(tito_buf *pKey, const char *zPrefix, const char *zName);

/* Is pVal[0..nVal) (a catalog entry's value; NULL: none) the entry of a
** model with id iId and definition zDef? */
int tito_catalog_entry_is(const uint8_t *pVal, int nVal, uint32_t iId,
                          const char *zDef);

/* A catalog entry's value pVal[0..nVal) (NULL: no entry, SQLITE_DONE)
** decoded as tito_catalog_entry does (zName for the message). */
int tito_catalog_decode(const uint8_t *pVal, int nVal, const char *zName,
                        uint32_t *piId, char **pzDef, char **pzErr);

/* Look up model zName (case-insensitive). SQLITE_OK with *piId and, if
** pzDef is not NULL, the stored definition (sqlite3_malloc'd); SQLITE_DONE
** if absent; else an error with *pzErr. */
int tito_catalog_find(tito_kv *, const char *zPrefix, const char *zName,
                      uint32_t *piId, char **pzDef, char **pzErr);

/* Register model zName with definition zDef under a new id, never one in
** use: random (bRandomId: the embedded store, whose stores may be merged
** by a dump) or the catalog's counter plus one. */
int tito_catalog_create(tito_kv *, const char *zPrefix, const char *zName,
                        const char *zDef, int bRandomId, uint32_t *piId,
                        char **pzErr);

/* Does another model of the catalog use id iId (a store merged from
** another database's dump with colliding ids)? SQLITE_OK with *pzOther its
** name (sqlite3_malloc'd) or NULL. */
int tito_catalog_shared(tito_kv *, const char *zPrefix, const char *zName,
                        uint32_t iId, char **pzOther, char **pzErr);

/* Remove model zName's entry. */
int tito_catalog_drop(tito_kv *, const char *zPrefix, const char *zName,
                      char **pzErr);

/* Move model zOld's entry to zNew (ALTER TABLE ... RENAME). */
int tito_catalog_rename(tito_kv *, const char *zPrefix, const char *zOld,
                        const char *zNew, char **pzErr);

/* Replace model zName's definition with zDef, keeping its id (a change of
** the live model: tito_alter). */
int tito_catalog_redefine(tito_kv *, const char *zPrefix, const char *zName,
                          const char *zDef, char **pzErr);

/* Make the open transaction's commit depend on model zName's catalog entry
** still holding id iId and definition zDef at the commit point (a store
** without fences needs none, kv.h): a writer whose model another
** connection changed, dropped or re-created meanwhile fails to commit
** rather than write rows by a definition that is gone. */
int tito_catalog_fence(tito_kv *, const char *zPrefix, const char *zName,
                       uint32_t iId, const char *zDef, char **pzErr);

/* A table that uses the store, as its schema declares it. */
typedef struct tito_catalog_ref {
  const char *zPrefix; /* keyspace prefix ("" or NULL by default) */
  const char *zName;   /* table name */
} tito_catalog_ref;

/*
** Store-wide check: every key of the store belongs to a model of the
** catalog, and the catalog is sound (entries decode, no two share an id). With bOwned (the
** embedded store, which only its schema uses), a catalog entry with no
** table among aRef[0..nRef) is reported too. (Each table's own entry, id
** and definition are checked with the table.) Problems are appended to
** pRep, one per line, counting in *pnProblem (at most 20 lines are
** written). Returns a SQLite code: an error of the store, not a problem.
*/
int tito_catalog_check(tito_kv *, int nRef, const tito_catalog_ref *aRef,
                       int bOwned, sqlite3_str *pRep, int *pnProblem,
                       char **pzErr);

#endif
