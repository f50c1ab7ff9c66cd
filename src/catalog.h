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
#include "kv.h"

/* Look up model zName (case-insensitive). SQLITE_OK with *piId and, if
** pzDef is not NULL, the stored definition (sqlite3_malloc'd); SQLITE_DONE
** if absent; else an error with *pzErr. */
int tito_catalog_find(tito_kv *, const char *zPrefix, const char *zName,
                      uint32_t *piId, char **pzDef, char **pzErr);

/* Register model zName with definition zDef under a new id. */
int tito_catalog_create(tito_kv *, const char *zPrefix, const char *zName,
                        const char *zDef, uint32_t *piId, char **pzErr);

/* Remove model zName's entry. */
int tito_catalog_drop(tito_kv *, const char *zPrefix, const char *zName,
                      char **pzErr);

/* Move model zOld's entry to zNew (ALTER TABLE ... RENAME). */
int tito_catalog_rename(tito_kv *, const char *zPrefix, const char *zOld,
                        const char *zNew, char **pzErr);
#endif
