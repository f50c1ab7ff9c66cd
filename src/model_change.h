/*
** model_change.h: a change of a live model planned from its text (see
** model_change.c; ext/tito_alter.c makes it happen).
*/
#ifndef TITO_MODEL_CHANGE_H
#define TITO_MODEL_CHANGE_H
#include <stdint.h>
#include "model.h"

enum {
  TITO_CHANGE_ADD_INDEX, TITO_CHANGE_DROP_INDEX, TITO_CHANGE_ADD_COLUMN,
  TITO_CHANGE_DROP_COLUMN, TITO_CHANGE_RENAME_COLUMN
};

typedef struct tito_change {
  /* The model changed (not owned). */
  const char *zTable;
  int nOld;
  char *const *azOld;  /* its definition's arguments */
  const tito_model *pOld;
  /* The change. */
  int eKind;           /* TITO_CHANGE_* */
  char *zName;         /* the index or column it names */
  int nArg;            /* the new definition's arguments (pointers into */
  char **azArg;        /* azOld, or zNewArg) */
  char *zNewArg;       /* the new clause (ADD), or the renamed column's */
  tito_model *pModel;  /* the new model */
  int iCol;            /* DROP/RENAME COLUMN: the column (old model) */
} tito_change;

/* Plan change zChange ("ADD INDEX ...", "DROP COLUMN x", ...) of model
** pOld of table zTable declared by azArg[0..nArg) into *c (free it with
** tito_change_free, also on error). SQLITE_OK, or SQLITE_ERROR with
** *pzErr (sqlite3_malloc'd) naming the problem, SQLITE_NOMEM. */
int tito_change_plan(const char *zTable, int nArg, char *const *azArg,
                     const tito_model *pOld, const char *zChange,
                     tito_change *c, char **pzErr);
void tito_change_free(tito_change *c);

/* The old model's index iOld loses its entries when the new model drops
** it (or numbers it anew); the new model's index iNew gets its entries
** written when it is new (or numbered anew). Both compare names and ids;
** indexes keep their ids across changes (index_ids.h). */
int tito_change_clears(const tito_change *c, int iOld);
int tito_change_builds(const tito_change *c, int iNew);
#endif
