/*
** column_drop.h: every row of a model rewritten without one column (DROP
** COLUMN of a live model: ext/tito_alter.c).
*/
#ifndef TITO_COLUMN_DROP_H
#define TITO_COLUMN_DROP_H
#include "table.h"

/* Rewrite each row of pTab's model without the value of column iCol (rows
** written before later columns were added read their defaults first, and
** are written whole). *pnRow gets the rows rewritten. SQLite result code;
** *pzErr (sqlite3_malloc'd) on error. Index entries are not touched: the
** caller drops only a column no index, key or topic uses. */
int tito_rows_drop_column(tito_table *pTab, int iCol, int64_t *pnRow,
                          char **pzErr);
#endif
