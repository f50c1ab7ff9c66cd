/*
** definition.h: a model's definition as the store's catalog keeps it, and
** how two definitions are compared.
**
** A definition is the module arguments of CREATE VIRTUAL TABLE ... USING
** tito(...) joined by ", ". The options saying where a model lives
** (store = ..., prefix = ...) are not part of the model: two machines may
** reach one cluster by different addresses, and the prefix is already in
** the catalog key. Two definitions are the same when they declare the same
** model: the same columns (names, types, NOT NULL, DEFAULT), primary key
** and indexes (fields, order, UNIQUE, WHERE, INCLUDE), however they are
** spelled.
*/
#ifndef TITO_DEFINITION_H
#define TITO_DEFINITION_H
#include "model.h"

/* Split zDef at its top-level commas (quotes, brackets and parentheses
** respected) into *pazArg[0..*pnArg) (sqlite3_malloc'd, free with
** tito_def_free). SQLITE_OK or SQLITE_NOMEM. */
int tito_def_split(const char *zDef, int *pnArg, char ***pazArg);
void tito_def_free(int nArg, char **azArg);

/* The arguments joined by ", ": a definition (sqlite3_malloc'd, NULL on
** OOM). */
char *tito_def_join(int nArg, char *const *azArg);

/* Is z (a DEFAULT expression) a literal: a number (signed), a string, a
** blob, NULL, TRUE or FALSE, perhaps in one pair of parentheses? Only such
** a default may come with an added column (as SQLite's ADD COLUMN asks). */
int tito_def_is_literal(const char *z);

/* Is the argument a location option (store = ..., prefix = ...)? */
int tito_def_is_location(const char *zArg);

/* Does the argument list declare a model (anything but options)? */
int tito_def_has_model(int nArg, char *const *azArg);

/* The definition of azArg without its location options
** (sqlite3_malloc'd, NULL on OOM). */
char *tito_def_model_text(int nArg, char *const *azArg);

/*
** Do definitions A (azA) and B (azB) of table zTable declare the same
** model? SQLITE_OK if so; SQLITE_ERROR with *pzErr showing both when not
** (zWhatA/zWhatB name them); another code on OOM or when one does not
** parse.
*/
int tito_def_compare(const char *zTable, const char *zWhatA, int nA,
                     char *const *azA, const char *zWhatB, int nB,
                     char *const *azB, char **pzErr);

/* The same index (name, kind, fields, condition, included columns)? */
int tito_def_same_index(const tito_index *x, const tito_index *y);

/*
** Can a table whose model is pOld go on with pNew (parsed from the catalog
** after another database changed the model)? The same columns and primary
** key; its indexes may differ in any way: a plan names the index it reads
** by id, and a scan checks that the model it reads by still has that index
** (ext/tito_vtab.c, tito_model_holds).
*/
int tito_def_model_follows(const tito_model *pOld, const tito_model *pNew);

/*
** Can a table whose model is pOld go on reading rows written by pNew (a
** model another database changed in ways a connection cannot take on while
** its schema is loaded: columns added at the end, or renamed)? Columns
** stored at the same positions with the same types, and the same primary
** key (indexes as for tito_def_model_follows). Writes by pOld are never
** right then (writers are fenced).
*/
int tito_def_model_reads(const tito_model *pOld, const tito_model *pNew);

#endif
