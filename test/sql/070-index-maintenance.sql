-- 070-index-maintenance: every write touches exactly the index entries whose
-- key or INCLUDE values change; rows move in and out of partial indexes; no
-- stale entry is left (tito_check after each step). Then tito_check is shown
-- to detect damage done to the store behind tito's back.
--
-- The store's writes are watched with triggers on tito_store and named by
-- the documented key layout (src/table.h): prefix "" (3 bytes), model id
-- (4 bytes, from the catalog entry's value), then 0x01 for a row or 0x02 +
-- index id (4 bytes) for an entry.

CREATE VIRTUAL TABLE u USING tito(id TEXT PRIMARY KEY, email TEXT, role TEXT,
  score INTEGER, note TEXT,
  UNIQUE INDEX by_email(email),
  INDEX by_role(role) INCLUDE (score),
  INDEX hot(score) WHERE score > 10,
  INDEX dev_notes(note) WHERE role = 'dev' AND note IS NOT NULL);
-- A second model whose partial index has a condition only SQLite can
-- evaluate (functions, LIKE, BETWEEN, CASE).
CREATE VIRTUAL TABLE f USING tito(id INTEGER PRIMARY KEY, email TEXT, role TEXT, score INTEGER,
  INDEX fancy(email) WHERE lower(role) LIKE 'd%' AND coalesce(score, 0) BETWEEN 1 AND 100
                       AND CASE WHEN email LIKE '%@x' THEN 1 ELSE 0 END);
CREATE TEMP TABLE idx(model BLOB, id BLOB, name TEXT);
CREATE TEMP TABLE model(name TEXT, id BLOB);
INSERT INTO model SELECT 'u', substr(v, 1, 4) FROM tito_store WHERE k = x'250000000000000025750000';
INSERT INTO model SELECT 'f', substr(v, 1, 4) FROM tito_store WHERE k = x'250000000000000025660000';
INSERT INTO idx SELECT m.id, i.column2, i.column3 FROM model m JOIN (VALUES
  ('u', x'00000001', 'by_email'), ('u', x'00000002', 'by_role'),
  ('u', x'00000003', 'hot'), ('u', x'00000004', 'dev_notes'),
  ('f', x'00000001', 'fancy')) AS i ON i.column1 = m.name;
CREATE TEMP TABLE writes(n INTEGER PRIMARY KEY, op TEXT, what TEXT);
CREATE TEMP TRIGGER w_ins AFTER INSERT ON main.tito_store BEGIN
  INSERT INTO writes(op, what) VALUES ('put', CASE substr(new.k, 8, 1)
    WHEN x'01' THEN 'row' ELSE (SELECT name FROM idx WHERE model = substr(new.k, 4, 4) AND id = substr(new.k, 9, 4)) END);
END;
CREATE TEMP TRIGGER w_upd AFTER UPDATE ON main.tito_store BEGIN
  INSERT INTO writes(op, what) VALUES ('update', CASE substr(new.k, 8, 1)
    WHEN x'01' THEN 'row' ELSE (SELECT name FROM idx WHERE model = substr(new.k, 4, 4) AND id = substr(new.k, 9, 4)) END);
END;
CREATE TEMP TRIGGER w_del AFTER DELETE ON main.tito_store BEGIN
  INSERT INTO writes(op, what) VALUES ('delete', CASE substr(old.k, 8, 1)
    WHEN x'01' THEN 'row' ELSE (SELECT name FROM idx WHERE model = substr(old.k, 4, 4) AND id = substr(old.k, 9, 4)) END);
END;
-- The writes of the last statement, in order, then forget them.
CREATE TEMP VIEW last_writes AS
  SELECT coalesce(group_concat(op || ' ' || what, ', '), '(none)') FROM (SELECT * FROM writes ORDER BY n);

.print -- insert: the row and one entry per index whose condition holds
INSERT INTO u VALUES ('a', 'a@x', 'dev', 5, NULL);
SELECT * FROM last_writes; DELETE FROM writes;
INSERT INTO u VALUES ('b', 'b@x', 'dev', 20, 'note b');
SELECT * FROM last_writes; DELETE FROM writes;
INSERT INTO u VALUES ('c', NULL, NULL, NULL, 'note c');
SELECT * FROM last_writes; DELETE FROM writes;
SELECT tito_check('u');

.print -- update of a column no index holds: the row only
UPDATE u SET note = 'x' WHERE id = 'c';
SELECT * FROM last_writes; DELETE FROM writes;
.print -- update setting a column to its own value: the row only
UPDATE u SET email = email WHERE id = 'a';
SELECT * FROM last_writes; DELETE FROM writes;
.print -- an INCLUDE column: by_role's entry is rewritten in place
UPDATE u SET score = 6 WHERE id = 'a';
SELECT * FROM last_writes; DELETE FROM writes;
.print -- into the partial index hot
UPDATE u SET score = 11 WHERE id = 'a';
SELECT * FROM last_writes; DELETE FROM writes;
SELECT id FROM u WHERE score > 10 ORDER BY id;
.print -- moving inside hot (its key changes)
UPDATE u SET score = 12 WHERE id = 'a';
SELECT * FROM last_writes; DELETE FROM writes;
.print -- out of hot
UPDATE u SET score = 3 WHERE id = 'b';
SELECT * FROM last_writes; DELETE FROM writes;
SELECT id FROM u WHERE score > 10 ORDER BY id;
SELECT tito_check('u');
.print -- an indexed column: one entry deleted, one put
UPDATE u SET email = 'a2@x' WHERE id = 'a';
SELECT * FROM last_writes; DELETE FROM writes;
.print -- to NULL and back
UPDATE u SET email = NULL WHERE id = 'a';
SELECT * FROM last_writes; DELETE FROM writes;
UPDATE u SET email = 'a@x' WHERE id = 'a';
SELECT * FROM last_writes; DELETE FROM writes;
SELECT tito_check('u');
.print -- dev_notes depends on role and note: changing role moves b out, c in
UPDATE u SET role = 'ops' WHERE id = 'b';
SELECT * FROM last_writes; DELETE FROM writes;
UPDATE u SET role = 'dev' WHERE id = 'c';
SELECT * FROM last_writes; DELETE FROM writes;
SELECT id FROM u WHERE role = 'dev' AND note IS NOT NULL;
SELECT tito_check('u');
.print -- the primary key: the row and every entry move (by_email keeps its key: a unique entry holds the key in its value)
UPDATE u SET id = 'z' WHERE id = 'a';
SELECT * FROM last_writes; DELETE FROM writes;
SELECT tito_check('u');
.print -- delete: the row and all of its entries
DELETE FROM u WHERE id = 'z';
SELECT * FROM last_writes; DELETE FROM writes;
SELECT tito_check('u');
.print -- a statement that fails leaves no entry behind
INSERT INTO u VALUES ('d', 'd@x', 'dev', 50, 'n'), ('e', 'b@x', 'dev', 50, 'n');
SELECT count(*) FROM u WHERE id = 'd';
SELECT tito_check('u');

.print -- a condition only SQLite can evaluate, on the old and the new row
INSERT INTO f VALUES (1, 'a@x', 'Dev', 5);
SELECT * FROM last_writes; DELETE FROM writes;
INSERT INTO f VALUES (2, 'b@y', 'dev', 5), (3, 'c@x', 'ops', 5), (4, 'd@x', 'DEV', NULL);
SELECT * FROM last_writes; DELETE FROM writes;
UPDATE f SET email = 'b@x' WHERE id = 2;
SELECT * FROM last_writes; DELETE FROM writes;
UPDATE f SET role = 'design' WHERE id = 3;
SELECT * FROM last_writes; DELETE FROM writes;
UPDATE f SET score = 1 WHERE id = 4;
SELECT * FROM last_writes; DELETE FROM writes;
UPDATE f SET score = 101 WHERE id = 1;
SELECT * FROM last_writes; DELETE FROM writes;
UPDATE f SET score = score WHERE id = 1;
SELECT * FROM last_writes; DELETE FROM writes;
SELECT group_concat(id) FROM f WHERE lower(role) LIKE 'd%' AND coalesce(score, 0) BETWEEN 1 AND 100
  AND CASE WHEN email LIKE '%@x' THEN 1 ELSE 0 END;
SELECT tito_check('f');

.print -- many rows at once, then every index agrees with the rows
INSERT INTO u SELECT 'r' || value, 'r' || value || '@x', CASE value % 3 WHEN 0 THEN 'dev' ELSE 'ops' END,
  value, CASE WHEN value % 2 THEN 'odd' END FROM generate_series(1, 60);
UPDATE u SET score = score + 7, role = CASE role WHEN 'dev' THEN 'ops' ELSE 'dev' END WHERE id > 'r3';
UPDATE u SET note = NULL WHERE score BETWEEN 20 AND 40;
DELETE FROM u WHERE score % 5 = 0;
SELECT count(*), sum(score > 10), sum(role = 'dev' AND note IS NOT NULL) FROM u;
SELECT count(*) FROM u WHERE score > 10;
SELECT count(*) FROM u WHERE role = 'dev' AND note IS NOT NULL;
SELECT tito_check('u');
DELETE FROM writes;

.print -- tito_check detects damage: an index entry removed behind tito's back
DROP TRIGGER w_ins; DROP TRIGGER w_upd; DROP TRIGGER w_del;
CREATE TEMP TABLE saved AS SELECT * FROM tito_store;
DELETE FROM tito_store WHERE instr(k, CAST('r7@x' AS BLOB)) > 0;
SELECT changes();
SELECT tito_check('u');
.print -- ... a row removed (its entries are left)
DELETE FROM tito_store; INSERT INTO tito_store SELECT * FROM saved;
SELECT tito_check('u');
DELETE FROM tito_store WHERE k = (SELECT k FROM tito_store
  WHERE instr(k, CAST('r11' AS BLOB)) > 0 AND substr(k, 8, 1) = x'01');
SELECT changes();
SELECT tito_check('u');
.print -- ... a row whose value no longer matches its entries
DELETE FROM tito_store; INSERT INTO tito_store SELECT * FROM saved;
UPDATE tito_store SET v = (SELECT v FROM tito_store WHERE substr(k, 8, 1) = x'01'
                             AND instr(k, CAST('r22' AS BLOB)) > 0)
 WHERE substr(k, 8, 1) = x'01' AND instr(k, CAST('r23' AS BLOB)) > 0;
SELECT changes();
SELECT tito_check('u');
.print -- ... and all is well again once the store is restored
DELETE FROM tito_store; INSERT INTO tito_store SELECT * FROM saved;
SELECT tito_check('u');
