/*
** predicate.h: partial-index conditions, evaluated by SQLite itself.
**
** Each partial index's WHERE text is compiled once into one statement that
** evaluates every condition of the model over a row given as parameters,
** with each column carrying its declared affinity, so a condition means on
** a tito row exactly what it would mean on an ordinary table's row.
*/
#ifndef TITO_PREDICATE_H
#define TITO_PREDICATE_H
#include <stdint.h>
#include "sqlite_api.h"
#include "buf.h"
#include "model.h"

typedef struct tito_pred tito_pred;

/*
** Compile the conditions of pModel's partial indexes. *ppPred is NULL when
** the model has none. On a bad condition returns SQLITE_ERROR with a
** message naming the index.
*/
int tito_pred_open(sqlite3 *db, const tito_model *pModel, tito_pred **ppPred,
                   char **pzErr);

/*
** Evaluate every condition on the row aRow[0..nCol). Bit i of *pMask is set
** when index i holds an entry for the row: always for an ordinary index,
** when its condition is true for a partial one. Returns a SQLite code.
*/
int tito_pred_eval(tito_pred *, const tito_value *aRow, uint64_t *pMask,
                   char **pzErr);

void tito_pred_close(tito_pred *);

/* The CAST target giving column affinity cAff ("TEXT", "REAL",
** "NUMERIC"), or NULL for none. */
const char *tito_cast_type(char cAff);

/* True if a CAST to column affinity cAff leaves a value of type eType as
** it is (the affinity conversion on write already made it so). */
int tito_cast_keeps(char cAff, int eType);

/* Bind a tito_value to parameter i of a statement (SQLITE_STATIC). */
int tito_bind_value(sqlite3_stmt *, int i, const tito_value *);
#endif
