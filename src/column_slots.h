/*
** column_slots.h: where each column's value sits in a model's rows.
**
** A row holds its values in column order (rowcodec.h). DROP COLUMN does
** not rewrite the rows (a change over millions of rows would be one
** transaction holding every writer back): the dropped column's value stays
** in its slot, which no column reads from then on, and writes put NULL
** there (or nothing, after the last live slot), as PostgreSQL drops a
** column. A column added later takes the slot after the last one. Such a
** model's slots are recorded in the store:
**
**   P | u32 model id | 0x06 -> row codec of (slots INT, then the slot INT
**                              of each column, in column order)
**
** No record: every column at its position.
*/
#ifndef TITO_COLUMN_SLOTS_H
#define TITO_COLUMN_SLOTS_H
#include "table.h"

/* Give pModel (a model of pTab's table: its own, or the catalog's at the
** store's snapshot) the slots its record holds (none: positions stay).
** SQLite result code; SQLITE_CORRUPT when the record does not fit. */
int tito_column_slots_read(tito_table *pTab, tito_model *pModel);

/* Record the slots of pModel (a model of pTab's table), or remove the
** record when they are positions. SQLite result code. */
int tito_column_slots_save(tito_table *pTab, const tito_model *pModel);

/* The slots of pNew, a change of pOld: column iDropped of pOld (-1: none)
** is dropped, its slot left empty; the others keep theirs, in order, and
** a column pNew adds after them takes the next slot. */
void tito_column_slots_carry(const tito_model *pOld, int iDropped,
                             tito_model *pNew);

/* Are pModel's slots its column positions? */
int tito_column_slots_plain(const tito_model *pModel);
#endif
