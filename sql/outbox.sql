.load ./tito
-- tito outbox tour. Run it from the repository root after `make`:
--     rm -f outbox.db && sqlite3 outbox.db < sql/outbox.sql
-- (on a new database file: topics and their events belong to the store
-- and outlive a dropped table, so a second run shows more). The clock is
-- fixed (tito_config('clock', ...)) so that the output is the same on
-- every run; leave it out in real use.

SELECT tito_config('clock', 1700000000);

.print "A model declares topics: which writes emit events, when, and how they are partitioned."
CREATE VIRTUAL TABLE accounts USING tito(
  id TEXT PRIMARY KEY, email TEXT, status TEXT, created_at INTEGER,
  TOPIC account,                                     -- every insert, update, delete
  TOPIC welcome ON INSERT WHERE status = 'active',   -- some actions, some rows
  TOPIC nudge ON INSERT AT (created_at + 3600),      -- due an hour later
  TOPIC billing ON UPDATE WHERE OLD.status <> 'paid' AND NEW.status = 'paid'
);

.print "Writes and their events commit together, or not at all."
INSERT INTO accounts VALUES ('a1', 'ann@example.com', 'active', 1700000000),
                            ('a2', 'bob@example.com', 'trial', 1700000000);
BEGIN;
UPDATE accounts SET status = 'paid' WHERE id = 'a2';
INSERT INTO tito_events(topic, key, payload)
  VALUES ('billing', 'a2', '{"invoice": 17, "amount": 990}');
COMMIT;
BEGIN;
DELETE FROM accounts WHERE id = 'a1';
ROLLBACK;

.print "tito_peek shows what a group would get, and consumes nothing."
.mode box
SELECT key, action, new ->> 'status' AS status, "partition", position
  FROM tito_peek('account', 'mailer');

.print "Consuming: inside BEGIN ... COMMIT; the rows taken are consumed when it commits."
CREATE TABLE mail_log(account TEXT, kind TEXT);
BEGIN;
INSERT INTO mail_log SELECT key, 'welcome' FROM tito_events('welcome', 'mailer');
COMMIT;
SELECT * FROM mail_log;
.print "Nothing is delivered twice to the same group:"
BEGIN;
SELECT count(*) AS again FROM tito_events('welcome', 'mailer');
COMMIT;

.print "Each group has its own checkpoints (fan-out):"
BEGIN;
SELECT key, action, coalesce(payload, new ->> 'status') AS what
  FROM tito_events('billing', 'ledger');
COMMIT;

.print "A scheduled event waits until it is due:"
SELECT count(*) AS due_now FROM tito_peek('nudge', 'mailer');
SELECT tito_config('clock', 1700003600);
BEGIN;
SELECT key, due_at FROM tito_events('nudge', 'mailer');
COMMIT;

.print "A failed event is handed back (tito_retry), then goes to the dead letters:"
BEGIN;
CREATE TEMP TABLE batch AS SELECT * FROM tito_events('account', 'sync');
SELECT key, action, tito_retry(event_id, 60) AS outcome FROM batch;
COMMIT;
DROP TABLE batch;

.print "The consumers view: checkpoint, head and lag per topic, group and partition."
SELECT topic, consumer, "partition", checkpoint, head, lag, dead_letters
  FROM tito_consumers ORDER BY topic, consumer, "partition";
