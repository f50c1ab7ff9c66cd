-- 200-outbox-produce: TOPIC in models and the events writes emit, in the
-- same transaction as the row. Event ids are random (uuid) and not shown;
-- the connection's clock is fixed with tito_config('clock', ...).

SELECT tito_config('clock', 1700000000);
CREATE VIRTUAL TABLE users USING tito(
  id TEXT PRIMARY KEY, email TEXT, status TEXT, created_at INTEGER,
  TOPIC user,
  TOPIC welcome ON INSERT WHERE status = 'active',
  TOPIC reminder ON INSERT AT (created_at + 3600),
  TOPIC audit PARTITION BY (email) PARTITIONS 4,
  TOPIC paid ON UPDATE WHERE OLD.status <> 'paid' AND NEW.status = 'paid',
  TOPIC gone ON DELETE OR UPDATE WHERE status = 'closed' MAX ATTEMPTS 2
);
CREATE TEMP VIEW ev AS SELECT topic, table_name, action, key, new, old,
  payload, created_at, due_at, attempts, "partition", position
  FROM (SELECT 'user' AS t UNION ALL SELECT 'welcome' UNION ALL
        SELECT 'reminder' UNION ALL SELECT 'audit' UNION ALL
        SELECT 'paid' UNION ALL SELECT 'gone'), tito_peek(t, 'viewer');

.print -- every action, rows as JSON
INSERT INTO users VALUES ('u1', 'a@x', 'active', 1700000000),
                         ('u2', 'b@x', 'new', 1700000000);
UPDATE users SET status = 'paid' WHERE id = 'u2';
UPDATE users SET status = 'paid' WHERE id = 'u2';
UPDATE users SET status = 'closed' WHERE id = 'u1';
DELETE FROM users WHERE id = 'u1';
SELECT * FROM ev WHERE topic = 'user' AND key = 'u1';
SELECT topic, action, key, "partition", position FROM ev ORDER BY topic, "partition", position;

.print -- the partition is FNV-1a 64 of the key's encoded bytes, mod the partition count
SELECT key, "partition" FROM ev WHERE topic = 'user' AND position = 1 ORDER BY key;
SELECT key, "partition" FROM ev WHERE topic = 'audit' AND position = 1 ORDER BY key;

.print -- AT: scheduled events wait (not in the log yet)
SELECT count(*) FROM ev WHERE topic = 'reminder';

.print -- a rolled back transaction, a failed statement, ROLLBACK TO: no events
BEGIN;
INSERT INTO users VALUES ('u3', 'c@x', 'active', 0);
ROLLBACK;
INSERT INTO users VALUES ('u4', 'd@x', 'active', 0), ('u2', 'dup', 'new', 0);
BEGIN;
INSERT INTO users VALUES ('u5', 'e@x', 'new', 0);
SAVEPOINT s;
INSERT INTO users VALUES ('u6', 'f@x', 'new', 0);
ROLLBACK TO s;
COMMIT;
SELECT topic, action, key FROM ev WHERE key IN ('u3', 'u4', 'u5', 'u6') ORDER BY topic, key;
SELECT id FROM users ORDER BY id;

.print -- publishing
INSERT INTO tito_events(topic, key, payload) VALUES ('audit', 'k1', '{"a":1}');
INSERT INTO tito_events(topic, key, payload, due_at) VALUES ('audit', 'k2', x'0102', 1600000000);
BEGIN;
INSERT INTO tito_events(topic, key, payload) VALUES ('audit', 'k3', 'gone');
ROLLBACK;
SELECT action, key, quote(payload), due_at FROM ev WHERE action = 'publish' ORDER BY key;

.print -- errors
INSERT INTO tito_events(topic, key, payload) VALUES ('nosuch', 'k', 'p');
INSERT INTO tito_events(key, payload) VALUES ('k', 'p');
INSERT INTO tito_events(topic, key, payload, due_at) VALUES ('audit', 'k', 'p', 'soon');
INSERT INTO tito_events(topic, key, action) VALUES ('audit', 'k', 'insert');
DELETE FROM tito_events WHERE 1;
CREATE VIRTUAL TABLE e1 USING tito(id TEXT PRIMARY KEY, TOPIC x PARTITION BY (idd));
CREATE VIRTUAL TABLE e2 USING tito(id TEXT PRIMARY KEY, TOPIC x ON SELECT);
CREATE VIRTUAL TABLE e3 USING tito(id TEXT PRIMARY KEY, TOPIC x PARTITIONS 0);
CREATE VIRTUAL TABLE e4 USING tito(id TEXT PRIMARY KEY, TOPIC x AT created);
CREATE VIRTUAL TABLE e5 USING tito(id TEXT PRIMARY KEY, TOPIC x, TOPIC X);
CREATE VIRTUAL TABLE e6 USING tito(id TEXT PRIMARY KEY, TOPIC x WHERE);
CREATE VIRTUAL TABLE e7 USING tito(id TEXT PRIMARY KEY, TOPIC x ON INSERT OR INSERT);
CREATE VIRTUAL TABLE e8 USING tito(id TEXT PRIMARY KEY, TOPIC x WHERE nosuch = 1);
CREATE VIRTUAL TABLE e9 USING tito(id TEXT PRIMARY KEY, TOPIC x PARTITIONS 4 PARTITIONS 8);
CREATE VIRTUAL TABLE e10 USING tito(id TEXT PRIMARY KEY, TOPIC);
.print -- a topic's partition count is fixed when it is created
CREATE VIRTUAL TABLE other USING tito(id TEXT PRIMARY KEY, TOPIC audit PARTITIONS 8);
SELECT tito_check();
