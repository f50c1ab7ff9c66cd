/*
** event.h: model events: which of a model's topics a write emits, and the
** event each one gets (its key, rows as JSON, due time, partition).
*/
#ifndef TITO_EVENT_H
#define TITO_EVENT_H
#include <stdint.h>
#include "buf.h"
#include "kv.h"
#include "model.h"
#include "outbox.h"
#include "sqlite_api.h"

typedef struct tito_emitter tito_emitter;

/*
** Compile the topics of pModel (its WHERE and AT expressions, evaluated by
** SQLite over the rows). *pp is NULL when the model has no topic. A bad
** expression is SQLITE_ERROR with a message naming the topic.
*/
int tito_emitter_open(sqlite3 *db, const tito_model *pModel,
                      tito_emitter **pp, char **pzErr);

/*
** The events of one written row: eAction is TITO_ACT_INSERT, _UPDATE or
** _DELETE; aOld (UPDATE, DELETE) and aNew (INSERT, UPDATE) hold the nCol
** column values; aPk the nPk primary-key values (the rowid for a table
** without one). Events go into pKv's current transaction.
*/
int tito_emitter_emit(tito_emitter *, tito_kv *pKv,
                      tito_heads *pHeads, int eAction,
                      const tito_value *aOld, const tito_value *aNew,
                      const tito_value *aPk, int nPk, int64_t now,
                      char **pzErr);

void tito_emitter_close(tito_emitter *);

/* Create the model's topics in the store that lack one, or check them (a
** topic's partition count is fixed when it is created). */
int tito_topics_ensure(tito_kv *pKv, const tito_model *pModel, char **pzErr);

/* Append v as JSON to pStr (BLOBs as hex text, non-finite reals as null). */
void tito_json_value(sqlite3_str *pStr, const tito_value *v);
#endif
