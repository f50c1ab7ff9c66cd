/*
** index_ids.h: which id each index of a model gives its entries' keys
** (table.h).
**
** A model parsed from its definition numbers its indexes by position.
** When tito_alter drops an index the others keep their ids (no entry is
** rewritten under a new one), and a new index takes an id never given
** before; such a model's ids are recorded in the store:
**
**   P | u32 model id | 0x05 -> row codec of (next id INT, then name TEXT,
**                              id INT for each index)
**
** No record: positions.
*/
#ifndef TITO_INDEX_IDS_H
#define TITO_INDEX_IDS_H
#include "table.h"

/* Give pTab's model the ids its record holds (none: positions stay).
** SQLite result code; SQLITE_CORRUPT (with the table's message) when the
** record does not fit the model. */
int tito_index_ids_load(tito_table *pTab);

/* The same for pModel, another definition of pTab's model (the catalog's
** at the store's snapshot): its indexes take the ids the record holds. */
int tito_index_ids_read(tito_table *pTab, tito_model *pModel);

/* Record the ids of pModel (a model of pTab's table), or remove the
** record when they are positions. SQLite result code. */
int tito_index_ids_save(tito_table *pTab, const tito_model *pModel);

/* Number the indexes of pNew (a change of pOld): an index of the same name
** keeps its id, a new one takes the next never given. */
void tito_index_ids_carry(const tito_model *pOld, tito_model *pNew);

#endif
