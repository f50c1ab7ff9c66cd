-- 210-outbox-consume: consuming with SELECT from tito_events inside a
-- transaction: checkpoints move when it commits, ROLLBACK gives events
-- back, peek never consumes, groups fan out, scheduled events, retries,
-- dead letters, the consumers view and the removal of consumed events.

SELECT tito_config('clock', 1700000000);
CREATE VIRTUAL TABLE orders USING tito(id INTEGER PRIMARY KEY, status TEXT,
  TOPIC ord PARTITIONS 2 MAX ATTEMPTS 3,
  TOPIC later ON INSERT AT (1700000000 + 100 * id));
CREATE TABLE proj(id INTEGER, action TEXT, pos INTEGER);
-- Groups that exist keep the events they have not consumed.
SELECT tito_group_start('ord', 'other', 'beginning');
SELECT tito_group_start('ord', 'w', 'beginning');
INSERT INTO orders VALUES (1, 'new'), (2, 'new'), (3, 'new'), (4, 'new');
UPDATE orders SET status = 'paid' WHERE id IN (1, 2);
SELECT key, action, "partition", position FROM tito_peek('ord', 'g');

.print -- outside a transaction: refused, nothing consumed
SELECT * FROM tito_events('ord', 'g');

.print -- a transaction that only SELECTs consumes at COMMIT
BEGIN;
SELECT key, action FROM tito_events('ord', 'g') LIMIT 2;
.print -- peek inside the transaction sees what is left
SELECT key, action FROM tito_peek('ord', 'g');
COMMIT;
SELECT key, action FROM tito_peek('ord', 'g');

.print -- ROLLBACK gives the events back
BEGIN;
INSERT INTO proj SELECT key, action, position FROM tito_events('ord', 'g');
SELECT count(*) FROM proj;
ROLLBACK;
SELECT key, action FROM tito_peek('ord', 'g');

.print -- exactly once into a projection table, in one transaction
BEGIN;
INSERT INTO proj SELECT key, action, position FROM tito_events('ord', 'g');
COMMIT;
SELECT * FROM proj ORDER BY id, pos;
BEGIN;
SELECT count(*) FROM tito_events('ord', 'g');
COMMIT;

.print -- another group sees every event (fan-out); one started at the end sees none,
.print -- a group started later begins at the oldest event still kept
SELECT count(*) FROM tito_peek('ord', 'other');
SELECT tito_group_start('ord', 'late', 'end');
SELECT count(*) FROM tito_peek('ord', 'late');
INSERT INTO orders VALUES (5, 'new');
SELECT key, action FROM tito_peek('ord', 'late');
SELECT count(*) FROM tito_peek('ord', 'newcomer');

.print -- partition range and batch arguments
SELECT "partition", count(*) FROM tito_peek('ord', 'other', 1, 1) GROUP BY 1;
SELECT count(*) FROM tito_peek('ord', 'other', 0, 1, 3);

.print -- a WHERE on event columns or ORDER BY is refused when consuming
BEGIN;
SELECT key FROM tito_events('ord', 'other') WHERE action = 'update';
SELECT key FROM tito_events('ord', 'other') ORDER BY key;
WITH b AS MATERIALIZED (SELECT * FROM tito_events('ord', 'other'))
  SELECT key, action FROM b WHERE action = 'update';
COMMIT;
SELECT count(*) FROM tito_peek('ord', 'other');

.print -- scheduled events: delivered when due, none skipped
SELECT count(*) FROM tito_peek('later', 'g');
SELECT tito_config('clock', 1700000250);
BEGIN;
SELECT key, due_at FROM tito_events('later', 'g');
COMMIT;
SELECT tito_config('clock', 1700000500);
BEGIN;
SELECT key, due_at FROM tito_events('later', 'g');
COMMIT;

.print -- retries with backoff, then dead letters; replay and drop
SELECT tito_config('clock', 1700001000);
INSERT INTO orders VALUES (6, 'new');
BEGIN;
SELECT key, attempts FROM tito_events('ord', 'w');
SELECT tito_retry(event_id, NULL) FROM tito_peek('ord', 'nobody') WHERE key = 6;
ROLLBACK;
BEGIN;
CREATE TEMP TABLE got AS SELECT * FROM tito_events('ord', 'w');
SELECT tito_retry(event_id) FROM got WHERE key = 6;
SELECT tito_retry(event_id) FROM got WHERE key = 6;
COMMIT;
DROP TABLE got;
SELECT count(*) FROM tito_peek('ord', 'w');
SELECT tito_config('clock', 1700001001);
BEGIN;
SELECT key, attempts FROM tito_events('ord', 'w');
COMMIT;
SELECT tito_config('clock', 1700001002);
BEGIN;
CREATE TEMP TABLE got AS SELECT * FROM tito_events('ord', 'w');
SELECT key, attempts, due_at FROM got;
SELECT tito_retry(event_id, 10) FROM got;
COMMIT;
DROP TABLE got;
SELECT tito_config('clock', 1700001012);
BEGIN;
CREATE TEMP TABLE got AS SELECT * FROM tito_events('ord', 'w');
SELECT key, attempts FROM got;
SELECT tito_retry(event_id, 10) FROM got;
COMMIT;
DROP TABLE got;
SELECT topic, consumer, key, action, attempts FROM tito_dead_letters;
SELECT tito_retry('no-such-id');
SELECT tito_replay('ord', 'w', event_id) FROM tito_dead_letters;
SELECT count(*) FROM tito_dead_letters;
.print -- replayed: due now, attempts from 0; three more failures make it dead again
BEGIN;
CREATE TEMP TABLE got AS SELECT * FROM tito_events('ord', 'w');
SELECT key, attempts FROM got;
SELECT tito_retry(event_id, 0) FROM got;
COMMIT;
DROP TABLE got;
BEGIN;
CREATE TEMP TABLE got AS SELECT * FROM tito_events('ord', 'w');
SELECT key, attempts, tito_retry(event_id, 0) FROM got;
COMMIT;
DROP TABLE got;
BEGIN;
CREATE TEMP TABLE got AS SELECT * FROM tito_events('ord', 'w');
SELECT key, attempts, tito_retry(event_id, 0) FROM got;
COMMIT;
DROP TABLE got;
SELECT key, attempts FROM tito_dead_letters;
SELECT tito_drop_dead('ord', 'w', event_id) FROM tito_dead_letters;
SELECT tito_drop_dead('ord', 'w', 'no-such-id');
SELECT count(*) FROM tito_dead_letters;

.print -- the consumers view
SELECT * FROM tito_consumers ORDER BY topic, consumer, "partition";

.print -- consumed events are removed once every group has passed them
SELECT count(*) AS kept FROM tito_peek('ord', 'newgroup');
BEGIN;
SELECT count(*) FROM tito_events('ord', 'other');
SELECT count(*) FROM tito_events('ord', 'late');
SELECT count(*) FROM tito_events('ord', 'w');
COMMIT;
BEGIN;
SELECT count(*) FROM tito_events('ord', 'g');
COMMIT;
SELECT count(*) FROM tito_peek('ord', 'g') UNION ALL SELECT count(*) FROM tito_peek('ord', 'newgroup');

.print -- errors
BEGIN;
SELECT * FROM tito_events('nosuch', 'g');
SELECT * FROM tito_events('ord');
SELECT * FROM tito_events('ord', 'g', -1);
SELECT * FROM tito_events('ord', 'g', 0, 1, 'x');
COMMIT;
SELECT tito_retry('x', -5);
SELECT tito_group_start('ord', 'g', 'middle');
SELECT tito_config('clock', 'soon');
SELECT tito_check();
