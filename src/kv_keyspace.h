/*
** kv_keyspace.h: a store seen through a keyspace: the src/kv.h interface
** over another handle, with a fixed prefix put in front of every key it is
** given and taken off every key it returns.
**
** The keyspace of a store URL (store_registry.h) is applied this way, so
** the engine's keys (catalog, rows, index entries) are the same on every
** keyspace and two keyspaces never overlap (the prefix is one prefix-free
** key field). Scans are bounded to the keyspace.
*/
#ifndef TITO_KV_KEYSPACE_H
#define TITO_KV_KEYSPACE_H
#include "kv.h"

/* Wrap pInner (ownership passes to the wrapper, also on error) so that
** every key lives under the key field of zKeyspace. TITO_OK or
** TITO_NOMEM. */
int tito_kv_keyspace_wrap(tito_kv *pInner, const char *zKeyspace,
                          tito_kv **ppKv);

/* The prefix of keyspace zKeyspace (what tito_kv_keyspace_wrap puts in
** front of keys), appended to pOut. */
struct tito_buf;
void tito_kv_keyspace_prefix(const char *zKeyspace, struct tito_buf *pOut);

#endif
