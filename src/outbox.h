/*
** outbox.h: the store side of events: topics, partition logs, scheduled
** events, consumer-group checkpoints, retries and dead letters.
**
** KEY LAYOUT (under the store's root P | u32 0, next to the catalog of
** models, catalog.h; T = topic name and G = group as TEXT key fields):
**   topic:      P | 0 | 0x10 | T                 -> [partitions, max
**                                                   attempts, retain s]
**   event:      P | 0 | 0x11 | T | u16 part | u64 position -> event
**               (0x12 is unused)
**   checkpoint: P | 0 | 0x13 | T | u16 part | G  -> [position consumed]
**   scheduled:  P | 0 | 0x14 | T | u64 due | event id -> event
**   retry:      P | 0 | 0x15 | T | G | u64 due | event id -> event
**   dead:       P | 0 | 0x16 | T | G | event id   -> event
**   lease:      P | 0 | 0x17 | T | G | u16 part  -> [owner, expiry,
**                                                   generation]
** Integers are big-endian, so keys sort by number. Values are row-codec
** records; an event's fields are the TITO_EV_* columns.
**
** POSITIONS follow commit order: see tito_outbox_append.
*/
#ifndef TITO_OUTBOX_H
#define TITO_OUTBOX_H
#include <stdint.h>
#include "buf.h"
#include "kv.h"
#include "sqlite_api.h"

/* The fields of an event record, in order. */
#define TITO_EV_ID        0  /* TEXT: uuid */
#define TITO_EV_TABLE     1  /* TEXT or NULL (published) */
#define TITO_EV_ACTION    2  /* TEXT: insert, update, delete, publish */
#define TITO_EV_KEY       3  /* the primary key (a JSON array if composite)
                             ** or the published key */
#define TITO_EV_NEW       4  /* TEXT: JSON object of the new row, or NULL */
#define TITO_EV_OLD       5  /* TEXT: JSON object of the old row, or NULL */
#define TITO_EV_PAYLOAD   6  /* published payload, or NULL */
#define TITO_EV_CREATED   7  /* INTEGER: unix seconds */
#define TITO_EV_DUE       8  /* INTEGER: unix seconds */
#define TITO_EV_ATTEMPTS  9  /* INTEGER: deliveries handed back so far */
#define TITO_EV_PARTITION 10 /* INTEGER */
#define TITO_EV_POSITION  11 /* INTEGER: 0 until it enters its log */
#define TITO_EV_N         12

#define TITO_TOPIC_PARTITIONS   16
#define TITO_TOPIC_MAX_ATTEMPTS 5

/* A topic's settings, fixed when it is created. */
typedef struct tito_topic_rec {
  int nPartitions;
  int nMaxAttempts;
  int64_t nRetain;  /* seconds a consumed event is kept */
} tito_topic_rec;

/* Set *v to an INTEGER, or to a TEXT pointing at z (NULL: SQL NULL). */
void tito_value_int(tito_value *v, int64_t i);
void tito_value_text(tito_value *v, const char *z);

/*
** A cache of partition heads for one embedded store (so an append need not
** read its partition's last position): valid while the database file's
** data version (SQLITE_FCNTL_DATA_VERSION, which every commit changes)
** stays the same, that is within one transaction, and only when every
** append of the connection to that store goes through it. A cached head
** left too high by a rolled-back append only leaves a gap in positions; a
** head too low cannot be: appends keep it, other writers commit first.
** NULL wherever a cache is taken: no cache (TiKV: other clients append).
*/
typedef struct tito_heads tito_heads;
tito_heads *tito_heads_new(sqlite3 *db, const char *zSchema);
void tito_heads_free(tito_heads *);

/* The partition of a partition key (its key-codec bytes): FNV-1a 64 of
** the bytes, through MurmurHash3's 64-bit finalizer, modulo nPartitions.
** README gives test vectors. */
int tito_outbox_partition(const uint8_t *p, int n, int nPartitions);

/* Look up topic zTopic: SQLITE_OK with *pRec, SQLITE_DONE if absent. */
int tito_outbox_topic(tito_kv *, const char *zTopic, tito_topic_rec *pRec,
                      char **pzErr);

/*
** Find or create topic zTopic. pWant holds the settings asked for (0 or
** -1: the default, or whatever the topic has). A topic that exists with a
** different partition count is an error naming both. *pRec: the topic's.
*/
int tito_outbox_topic_ensure(tito_kv *, const char *zTopic,
                             const tito_topic_rec *pWant, tito_topic_rec *pRec,
                             char **pzErr);

/* A new event id (uuid v4 from libuuid) into zOut[37]. */
void tito_outbox_event_id(char *zOut);

/* 16 random bytes (libuuid's random source). */
void tito_outbox_random16(uint8_t *a);

/*
** Append event aEv (TITO_EV_N fields; partition set, position ignored) of
** topic zTopic: into its partition's log at the next position if it is due
** (due <= now), else into the scheduled range until a consumer promotes
** it. Runs inside the caller's store transaction.
*/
int tito_outbox_append(tito_kv *, tito_heads *, const char *zTopic,
                       tito_value *aEv, int64_t now, char **pzErr);

/* Publish an application event (action "publish") to topic zTopic: key
** pKey (the partition key too), payload pPayload, due at unix seconds due
** (<= now: now). *piPos: its position (0 while it is scheduled). */
int tito_outbox_publish(tito_kv *, tito_heads *, const char *zTopic,
                        const tito_value *pKey,
                        const tito_value *pPayload, int64_t due, int64_t now,
                        int64_t *piPos, char **pzErr);

/*
** Consumption of one topic by one group. Rows come first from the group's
** due retries, then from each partition in [iLo, iHi] from its
** checkpoint on, FIFO, at most nBatch in all (<= 0: no cap). Unless
** bPeek, opening first moves due scheduled events into their logs, and
** tito_consumer_ack records the current row as received (its checkpoint
** moves, or its retry entry goes): writes of the caller's transaction.
** With zWorker, only the partitions whose live lease is zWorker's are read,
** and those leases are written again (fencing, see tito_outbox_lease).
*/
typedef struct tito_consumer tito_consumer;
int tito_consumer_open(tito_kv *, tito_heads *, const char *zTopic,
                       const char *zGroup, const char *zWorker, int iLo, int iHi, int64_t nBatch,
                       int bPeek, int64_t now, tito_consumer **ppCons,
                       char **pzErr);

/*
** Leases of (topic, group) partitions for worker zWorker: renew its own
** for nSeconds, then claim free or expired ones (a new generation each)
** until it holds nMax (<= 0: every free one). nSeconds 0 gives up its
** leases. *pnHeld: partitions held afterwards. A consuming transaction
** that reads under a lease writes the lease key again, so a takeover
** committed after that transaction began makes its COMMIT (or first
** write) fail instead of letting two workers process one partition.
*/
int tito_outbox_lease(tito_kv *, const char *zTopic, const char *zGroup,
                      const char *zWorker, int64_t nSeconds, int nMax,
                      int64_t now, int *pnHeld, char **pzErr);
int tito_consumer_next(tito_consumer *);   /* SQLITE_OK or an error */
int tito_consumer_eof(tito_consumer *);
/* The current event: TITO_EV_N values (valid until the next call). */
const tito_value *tito_consumer_row(tito_consumer *);
int tito_consumer_ack(tito_consumer *);
const char *tito_consumer_errmsg(tito_consumer *);
void tito_consumer_close(tito_consumer *);

/*
** Hand event aEv (as it was received by zGroup) back for another attempt
** after nDelay seconds (< 0: the topic's backoff, 2^attempts seconds
** capped at an hour): its attempt count goes up; once it reaches the
** topic's maximum the event moves to the group's dead letters instead.
** *pbDead tells which.
*/
int tito_outbox_retry(tito_kv *, const char *zTopic, const char *zGroup,
                      const tito_value *aEv, int64_t nDelay, int64_t now,
                      int *pbDead, char **pzErr);

/* Dead letter zEventId of (zTopic, zGroup): replay it (due now, attempts
** reset) or drop it. SQLITE_DONE if there is no such dead letter. */
int tito_outbox_dead_replay(tito_kv *, const char *zTopic,
                            const char *zGroup, const char *zEventId,
                            int64_t now, char **pzErr);
int tito_outbox_dead_drop(tito_kv *, const char *zTopic, const char *zGroup,
                          const char *zEventId, char **pzErr);

/* Set group zGroup's checkpoints of zTopic at the end of every partition
** (bEnd: it sees only events appended later) or at the beginning (the
** oldest event still kept). */
int tito_outbox_group_start(tito_kv *, const char *zTopic,
                            const char *zGroup, int bEnd, char **pzErr);

/*
** Rows of the consumers view: xRow(pCtx, topic, group, partition,
** checkpoint, head, lag, oldest due age in seconds (-1: none), dead
** letters of the group (on every row of it), lease owner (NULL: none),
** lease expiry, lease generation).
*/
typedef int (*tito_consumer_row_fn)(void *pCtx, const char *zTopic,
                                    const char *zGroup, int iPart,
                                    int64_t iCheckpoint, int64_t iHead,
                                    int64_t nLag, int64_t nOldest,
                                    int64_t nDead, const char *zOwner,
                                    int64_t iExpiry, int64_t iGeneration);
int tito_outbox_consumers(tito_kv *, int64_t now, tito_consumer_row_fn xRow,
                          void *pCtx, char **pzErr);

/* Rows of the dead letters: xRow(pCtx, topic, group, event, failed). */
typedef int (*tito_dead_row_fn)(void *pCtx, const char *zTopic,
                                const char *zGroup, const tito_value *aEv);
int tito_outbox_dead_letters(tito_kv *, tito_dead_row_fn xRow, void *pCtx,
                             char **pzErr);

/* Is key k (after the store's root P | u32 0, rest[0] the kind) one of
** the outbox's, and sound? 0 sound, 1 damaged, -1 not an outbox key. */
int tito_outbox_check_key(tito_kv *, const uint8_t *pKey, int nKey,
                          const uint8_t *rest, int nRest);
#endif
