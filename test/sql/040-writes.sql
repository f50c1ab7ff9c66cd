-- 040-writes: INSERT, UPDATE, DELETE, INSERT OR REPLACE / OR IGNORE and
-- UPDATE OR REPLACE / OR IGNORE, including primary-key changes, on the tito
-- table u and on the ordinary table o with the same constraints. After each
-- step: u's rows, changes() of both, and "same" when u and o hold the same
-- rows; tito_check at the end of each part.

CREATE VIRTUAL TABLE u USING tito(id TEXT PRIMARY KEY, name TEXT NOT NULL,
  email TEXT, role TEXT, score INTEGER,
  UNIQUE INDEX by_email(email), INDEX by_role(role, score DESC),
  INDEX hot(score) WHERE score > 10, INDEX cov(role) INCLUDE (name));
CREATE TABLE o(id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL,
  email TEXT UNIQUE, role TEXT, score INTEGER);
CREATE TEMP VIEW same AS SELECT CASE WHEN
  (SELECT count(*) FROM (SELECT * FROM u EXCEPT SELECT * FROM o)) +
  (SELECT count(*) FROM (SELECT * FROM o EXCEPT SELECT * FROM u)) = 0
  THEN 'same' ELSE 'DIFFERENT' END;

.print -- insert: single, multi-row, INSERT ... SELECT
INSERT INTO u VALUES ('a', 'Ann', 'a@x', 'dev', 5);
INSERT INTO o VALUES ('a', 'Ann', 'a@x', 'dev', 5);
INSERT INTO u VALUES ('b', 'Bob', 'b@x', 'ops', 20), ('c', 'Cy', NULL, 'dev', 30);
INSERT INTO o VALUES ('b', 'Bob', 'b@x', 'ops', 20), ('c', 'Cy', NULL, 'dev', 30);
SELECT changes();
INSERT INTO u SELECT 'd' || value, 'D' || value, NULL, 'ops', value FROM generate_series(1, 3);
INSERT INTO o SELECT 'd' || value, 'D' || value, NULL, 'ops', value FROM generate_series(1, 3);
SELECT changes();
SELECT * FROM u ORDER BY id;
SELECT * FROM same;

.print -- update: non-key columns, indexed columns, many rows
UPDATE u SET name = 'Ann B.' WHERE id = 'a';
UPDATE o SET name = 'Ann B.' WHERE id = 'a';
UPDATE u SET score = score + 10, role = 'dev' WHERE role = 'ops';
UPDATE o SET score = score + 10, role = 'dev' WHERE role = 'ops';
SELECT changes();
UPDATE u SET email = 'c@x' WHERE id = 'c';
UPDATE o SET email = 'c@x' WHERE id = 'c';
UPDATE u SET score = NULL WHERE score > 25;
UPDATE o SET score = NULL WHERE score > 25;
SELECT changes();
UPDATE u SET name = name WHERE id = 'nosuch';
UPDATE o SET name = name WHERE id = 'nosuch';
SELECT changes();
SELECT * FROM u ORDER BY id;
SELECT * FROM same;
SELECT tito_check('u');

.print -- update of the primary key: one row, then every row at once
UPDATE u SET id = 'z' WHERE id = 'a';
UPDATE o SET id = 'z' WHERE id = 'a';
UPDATE u SET id = 'k-' || id;
UPDATE o SET id = 'k-' || id;
SELECT changes();
SELECT * FROM u ORDER BY id;
SELECT * FROM same;
SELECT id FROM u WHERE email = 'b@x';
SELECT id, name FROM u WHERE role = 'dev' ORDER BY id;
SELECT tito_check('u');

.print -- delete: by key, by index, by other columns
DELETE FROM u WHERE id = 'k-d1';
DELETE FROM o WHERE id = 'k-d1';
DELETE FROM u WHERE email = 'c@x';
DELETE FROM o WHERE email = 'c@x';
DELETE FROM u WHERE name LIKE 'D%';
DELETE FROM o WHERE name LIKE 'D%';
SELECT changes();
DELETE FROM u WHERE id = 'nosuch';
SELECT changes();
SELECT * FROM u ORDER BY id;
SELECT * FROM same;
SELECT tito_check('u');

.print -- INSERT OR REPLACE: on the key, on a unique index, on both at once
INSERT INTO u VALUES ('a', 'Ann', 'a1@x', 'dev', 5), ('c', 'Cy', 'c@x', 'ops', 1);
INSERT INTO o VALUES ('a', 'Ann', 'a1@x', 'dev', 5), ('c', 'Cy', 'c@x', 'ops', 1);
SELECT * FROM u ORDER BY id;
INSERT OR REPLACE INTO u VALUES ('a', 'Ann 2', 'a2@x', 'ops', 50);
INSERT OR REPLACE INTO o VALUES ('a', 'Ann 2', 'a2@x', 'ops', 50);
SELECT * FROM u ORDER BY id;
REPLACE INTO u VALUES ('n', 'New', 'c@x', 'dev', 11);
REPLACE INTO o VALUES ('n', 'New', 'c@x', 'dev', 11);
SELECT * FROM u ORDER BY id;
INSERT OR REPLACE INTO u VALUES ('a', 'Both', 'c@x', NULL, 12);
INSERT OR REPLACE INTO o VALUES ('a', 'Both', 'c@x', NULL, 12);
SELECT * FROM u ORDER BY id;
SELECT * FROM same;
SELECT tito_check('u');

.print -- INSERT OR IGNORE: the conflicting rows are skipped, the rest go in
INSERT OR IGNORE INTO u VALUES ('a', 'dup key', NULL, NULL, NULL),
  ('m', 'dup email', 'c@x', NULL, NULL), ('p', 'Pat', 'p@x', 'dev', 15);
INSERT OR IGNORE INTO o VALUES ('a', 'dup key', NULL, NULL, NULL),
  ('m', 'dup email', 'c@x', NULL, NULL), ('p', 'Pat', 'p@x', 'dev', 15);
SELECT changes();
SELECT * FROM u ORDER BY id;
SELECT * FROM same;

.print -- UPDATE OR REPLACE / OR IGNORE, on the key and on a unique index
UPDATE OR REPLACE u SET id = 'k-b' WHERE id = 'p';
UPDATE OR REPLACE o SET id = 'k-b' WHERE id = 'p';
SELECT * FROM u ORDER BY id;
UPDATE OR REPLACE u SET email = 'c@x' WHERE id = 'k-z';
UPDATE OR REPLACE o SET email = 'c@x' WHERE id = 'k-z';
SELECT * FROM u ORDER BY id;
UPDATE OR IGNORE u SET id = 'k-z' WHERE id = 'k-b';
UPDATE OR IGNORE o SET id = 'k-z' WHERE id = 'k-b';
SELECT changes();
UPDATE OR IGNORE u SET email = 'c@x' WHERE id = 'k-b';
UPDATE OR IGNORE o SET email = 'c@x' WHERE id = 'k-b';
SELECT changes();
INSERT INTO u VALUES ('q', 'Quinn', 'q@x', 'ops', 1);
INSERT INTO o VALUES ('q', 'Quinn', 'q@x', 'ops', 1);
UPDATE OR IGNORE u SET email = CASE id WHEN 'q' THEN 'c@x' ELSE 'b2@x' END WHERE id IN ('q', 'k-b');
UPDATE OR IGNORE o SET email = CASE id WHEN 'q' THEN 'c@x' ELSE 'b2@x' END WHERE id IN ('q', 'k-b');
SELECT changes();
SELECT * FROM u ORDER BY id;
SELECT * FROM same;
SELECT tito_check('u');

.print -- a composite key: change one field of the key
CREATE VIRTUAL TABLE t1 USING tito(a INTEGER, b TEXT, c REAL, PRIMARY KEY (a, b), INDEX by_c(c));
INSERT INTO t1 VALUES (1, 'x', 0.5), (1, 'y', 1.5), (2, 'x', 2.5);
UPDATE t1 SET b = 'z' WHERE a = 1 AND b = 'x';
UPDATE t1 SET a = a + 10 WHERE b = 'x';
INSERT OR REPLACE INTO t1 VALUES (1, 'y', 9.5);
SELECT * FROM t1 ORDER BY a, b;
SELECT a, b FROM t1 WHERE c > 2;
SELECT tito_check('t1');

.print -- a table with an implicit rowid: allocation, rowid changes
CREATE VIRTUAL TABLE log USING tito(msg TEXT, INDEX by_msg(msg));
INSERT INTO log VALUES ('one'), ('two');
INSERT INTO log(rowid, msg) VALUES (10, 'ten');
INSERT INTO log VALUES ('eleven');
UPDATE log SET rowid = 100 WHERE msg = 'two';
DELETE FROM log WHERE rowid = 1;
INSERT OR REPLACE INTO log(rowid, msg) VALUES (10, 'TEN');
SELECT rowid, msg FROM log;
SELECT rowid FROM log WHERE msg = 'TEN';
SELECT tito_check('log');

.print -- DEFAULT: applied to an omitted column, and (a documented difference
.print -- from ordinary tables, since SQLite does not tell a virtual table which
.print -- columns were omitted) to an explicit NULL
CREATE VIRTUAL TABLE d USING tito(id INTEGER PRIMARY KEY, s TEXT DEFAULT 'new', n INTEGER DEFAULT (6 * 7));
INSERT INTO d(id) VALUES (1);
INSERT INTO d VALUES (2, NULL, NULL);
INSERT INTO d VALUES (3, 'set', 0);
UPDATE d SET s = NULL WHERE id = 3;
SELECT id, quote(s), quote(n) FROM d;

.print -- UPDATE and DELETE of the rows a LIMIT subquery picks (the UPDATE ...
.print -- LIMIT syntax, which only some SQLite builds have: sql_update_limit_test.sh)
CREATE VIRTUAL TABLE l2 USING tito(id TEXT PRIMARY KEY, n INTEGER, INDEX by_n(n));
INSERT INTO l2 VALUES ('a', 1), ('b', 2), ('c', 3);
UPDATE l2 SET n = n + 10 WHERE id IN (SELECT id FROM l2 ORDER BY id DESC LIMIT 2);
DELETE FROM l2 WHERE id IN (SELECT id FROM l2 ORDER BY n LIMIT 1);
SELECT * FROM l2;
SELECT tito_check('l2');

.print -- INSERT ... RETURNING works; RETURNING shows the values SQLite passed,
.print -- so a DEFAULT tito applies is not in it (a limit of virtual tables)
INSERT INTO d(id, s) VALUES (4, 'x') RETURNING id, s;
INSERT INTO d(id) VALUES (5) RETURNING id, s;
SELECT id, s FROM d WHERE id = 5;

.print -- what SQLite does not offer on virtual tables, in its own words
INSERT INTO l2 VALUES ('b', 0) ON CONFLICT DO NOTHING;
INSERT INTO l2 VALUES ('b', 0) ON CONFLICT (id) DO UPDATE SET n = n + 1;
UPDATE l2 SET n = 0 RETURNING id;
DELETE FROM l2 RETURNING id;
SELECT * FROM l2;
