-- 170-alter-index: tito_alter adds and drops indexes of a live model, and
-- adds, renames and drops columns. The ordinary table o gets the same
-- CREATE INDEX / DROP INDEX / ALTER TABLE; every query
-- gives o's rows ("same"), tito_check is ok after every change, and a
-- change that fails changes nothing (definition, rows, entries).
CREATE VIRTUAL TABLE t USING tito(id INTEGER PRIMARY KEY, email TEXT, name TEXT, created_at INT, status TEXT, score REAL,
  INDEX by_name(name), INDEX by_status(status));
CREATE TABLE o(id INTEGER PRIMARY KEY, email TEXT, name TEXT, created_at INT, status TEXT, score REAL);
CREATE INDEX o_by_name ON o(name); CREATE INDEX o_by_status ON o(status);
INSERT INTO o SELECT value, 'u' || value || '@example.com', 'name ' || (value % 97), 1700000000 + value * 60,
  CASE WHEN value % 3 = 0 THEN 'gone' WHEN value % 11 = 0 THEN NULL ELSE 'active' END, (value * 37) % 1000 / 10.0 FROM generate_series(1, 1200);
INSERT INTO t SELECT * FROM o;

.print '-- ADD INDEX: a partial, DESC, covering index over existing rows'
SELECT tito_alter('t', 'ADD INDEX active_by_created(created_at DESC) INCLUDE (score) WHERE status = ''active''');
CREATE INDEX o_active_by_created ON o(created_at DESC, score) WHERE status = 'active';
SELECT sql FROM sqlite_schema WHERE name = 't';
SELECT name, kind, columns, include, partial FROM tito_indexes('t');
SELECT tito_check('t');
EXPLAIN QUERY PLAN SELECT id, score FROM t WHERE status = 'active' ORDER BY created_at DESC LIMIT 5;
SELECT CASE WHEN (SELECT json_group_array(json_array(id, score)) FROM (SELECT id, score FROM t WHERE status = 'active' ORDER BY created_at DESC LIMIT 5)) IS (SELECT json_group_array(json_array(id, score)) FROM (SELECT id, score FROM o WHERE status = 'active' ORDER BY created_at DESC LIMIT 5)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT CASE WHEN (SELECT count(*) FROM t WHERE status = 'active' AND created_at > 1700030000) = (SELECT count(*) FROM o WHERE status = 'active' AND created_at > 1700030000) THEN 'same' ELSE 'DIFFERENT' END;

.print '-- ADD UNIQUE INDEX (composite); writes after it keep it exact and check it'
SELECT tito_alter('t', 'ADD UNIQUE INDEX by_email_name(email, name)');
CREATE UNIQUE INDEX o_by_email_name ON o(email, name);
INSERT INTO t VALUES (2000, 'u5@example.com', 'name 5', 1, 'active', 1.0);
INSERT INTO t VALUES (2000, 'new@example.com', 'name 5', 1, 'active', 1.0);
INSERT INTO o VALUES (2000, 'new@example.com', 'name 5', 1, 'active', 1.0);
UPDATE t SET status = 'active' WHERE id BETWEEN 3 AND 30; UPDATE o SET status = 'active' WHERE id BETWEEN 3 AND 30;
DELETE FROM t WHERE id % 50 = 1; DELETE FROM o WHERE id % 50 = 1;
SELECT tito_check('t');
EXPLAIN QUERY PLAN SELECT id FROM t WHERE email = 'u7@example.com' AND name = 'name 7';
SELECT id FROM t WHERE email = 'u7@example.com' AND name = 'name 7';
SELECT CASE WHEN (SELECT json_group_array(id) FROM (SELECT id FROM t WHERE status = 'active' ORDER BY created_at DESC)) IS (SELECT json_group_array(id) FROM (SELECT id FROM o WHERE status = 'active' ORDER BY created_at DESC)) THEN 'same' ELSE 'DIFFERENT' END;

.print '-- a unique index over duplicates fails, naming the value, and changes nothing'
SELECT tito_alter('t', 'ADD UNIQUE INDEX by_name_u(name)');
SELECT tito_alter('t', 'ADD UNIQUE INDEX by_status_u(status) WHERE status IS NOT NULL');
SELECT sql FROM sqlite_schema WHERE name = 't';
SELECT tito_check('t');
.print '-- the same in small sorted runs (one per batch of 512 rows): duplicates across runs are found too'
SELECT tito_config('build_memory', 1);
SELECT tito_alter('t', 'ADD UNIQUE INDEX by_name_u(name)');
UPDATE t SET email = 'u2@example.com' WHERE id = 1100;
SELECT tito_alter('t', 'ADD UNIQUE INDEX by_email_u(email)');
UPDATE t SET email = 'u1100@example.com' WHERE id = 1100;
SELECT tito_alter('t', 'ADD UNIQUE INDEX by_email_u(email)');
SELECT tito_check('t');
SELECT tito_alter('t', 'DROP INDEX by_email_u');
SELECT tito_config('build_memory', NULL);
.print '-- NULLs never collide in a unique index'
SELECT tito_alter('t', 'ADD UNIQUE INDEX by_status_score(status, score, id)');
SELECT tito_check('t');

.print '-- DROP INDEX: the planner stops using it at once; the other indexes keep their ids (no entry rewritten)'
EXPLAIN QUERY PLAN SELECT id FROM t WHERE name = 'name 3';
SELECT tito_alter('t', 'DROP INDEX by_name');
DROP INDEX o_by_name;
EXPLAIN QUERY PLAN SELECT id FROM t WHERE name = 'name 3';
SELECT CASE WHEN (SELECT json_group_array(id) FROM (SELECT id FROM t WHERE name = 'name 3' ORDER BY id)) IS (SELECT json_group_array(id) FROM (SELECT id FROM o WHERE name = 'name 3' ORDER BY id)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT name, kind, columns FROM tito_indexes('t');
SELECT tito_check('t');
SELECT tito_alter('t', 'DROP INDEX by_status_score');
SELECT tito_alter('t', 'DROP INDEX "by_email_name"');
DROP INDEX o_by_email_name;
INSERT INTO t VALUES (2001, 'new@example.com', 'name 5', 1, 'active', 1.0);
INSERT INTO o VALUES (2001, 'new@example.com', 'name 5', 1, 'active', 1.0);
SELECT sql FROM sqlite_schema WHERE name = 't';
SELECT tito_check('t');
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM o)) + (SELECT count(*) FROM (SELECT * FROM o EXCEPT SELECT * FROM t)) = 0 THEN 'same' ELSE 'DIFFERENT' END;

.print '-- dropping the last index, then adding it back (under an id never given before)'
SELECT tito_alter('t', 'ADD INDEX by_created(created_at)');
SELECT tito_alter('t', 'DROP INDEX by_created');
SELECT name, seq FROM tito_indexes('t');
SELECT tito_check('t');
.print '-- inside a transaction: ROLLBACK undoes the change with the rows'
BEGIN;
SELECT tito_alter('t', 'ADD INDEX by_score(score)');
INSERT INTO t VALUES (2002, 'x@example.com', 'x', 1, 'active', 1.0);
SELECT count(*) FROM t WHERE score = 1.0;
ROLLBACK;
SELECT name FROM tito_indexes('t');
SELECT sql FROM sqlite_schema WHERE name = 't';
SELECT tito_check('t');
BEGIN;
SELECT tito_alter('t', 'ADD INDEX by_score(score)');
COMMIT;
SELECT name FROM tito_indexes('t');
SELECT tito_check('t');

.print '-- ADD COLUMN: no row is rewritten; rows written before read the DEFAULT, as in an ordinary table'
SELECT tito_alter('t', 'ADD COLUMN priority INTEGER NOT NULL DEFAULT 3');
ALTER TABLE o ADD COLUMN priority INTEGER NOT NULL DEFAULT 3;
SELECT tito_alter('t', 'ADD COLUMN note TEXT');
ALTER TABLE o ADD COLUMN note TEXT;
SELECT tito_alter('t', 'ADD COLUMN weight REAL DEFAULT (1)');
ALTER TABLE o ADD COLUMN weight REAL DEFAULT (1);
SELECT tito_alter('t', 'ADD COLUMN tag DEFAULT ''x''');
ALTER TABLE o ADD COLUMN tag DEFAULT 'x';
SELECT sql FROM sqlite_schema WHERE name = 't';
SELECT name, type, "notnull", dflt_value FROM pragma_table_info('t') WHERE cid >= 6;
SELECT id, priority, note, weight, typeof(weight), tag FROM t WHERE id IN (2, 4, 1100);
INSERT INTO t(id, email, name, created_at, status, score) VALUES (3000, 'p@example.com', 'p', 1, 'active', 2.0);
INSERT INTO o(id, email, name, created_at, status, score) VALUES (3000, 'p@example.com', 'p', 1, 'active', 2.0);
INSERT INTO t VALUES (3001, 'q@example.com', 'q', 2, 'gone', 3.0, 9, 'hi', 2.5, 'y');
INSERT INTO o VALUES (3001, 'q@example.com', 'q', 2, 'gone', 3.0, 9, 'hi', 2.5, 'y');
UPDATE t SET note = 'seen' WHERE id % 100 = 7; UPDATE o SET note = 'seen' WHERE id % 100 = 7;
UPDATE t SET priority = priority + 1 WHERE id % 9 = 0; UPDATE o SET priority = priority + 1 WHERE id % 9 = 0;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM o)) + (SELECT count(*) FROM (SELECT * FROM o EXCEPT SELECT * FROM t)) = 0 THEN 'same' ELSE 'DIFFERENT' END;
.print '-- an index on an added column: old rows are indexed by their DEFAULT'
SELECT tito_alter('t', 'ADD INDEX by_priority(priority, note) INCLUDE (weight)');
CREATE INDEX o_by_priority ON o(priority, note, weight);
SELECT tito_check('t');
EXPLAIN QUERY PLAN SELECT count(*), sum(weight) FROM t WHERE priority = 3;
SELECT CASE WHEN (SELECT json_array(count(*), sum(weight)) FROM t WHERE priority = 3) IS (SELECT json_array(count(*), sum(weight)) FROM o WHERE priority = 3) THEN 'same' ELSE 'DIFFERENT' END;
SELECT tito_alter('t', 'ADD UNIQUE INDEX by_tag_id(tag, id) WHERE tag IS NOT NULL');
SELECT count(*) FROM t WHERE tag = 'x';
SELECT tito_check('t');
.print '-- ADD COLUMN errors in the words of SQLite, and nothing changes'
SELECT tito_alter('t', 'ADD COLUMN must INTEGER NOT NULL');
SELECT tito_alter('t', 'ADD COLUMN at TEXT DEFAULT CURRENT_TIMESTAMP');
SELECT tito_alter('t', 'ADD COLUMN u TEXT UNIQUE');
SELECT tito_alter('t', 'ADD COLUMN note TEXT');
SELECT tito_alter('t', 'ADD COLUMN k INTEGER PRIMARY KEY');
SELECT tito_alter('t', 'ADD COLUMN e TEXT DEFAULT (lower(''X''))');
SELECT count(*) FROM pragma_table_info('t');
SELECT tito_check('t');

.print '-- RENAME COLUMN (the definition only) and DROP COLUMN (every row rewritten without it)'
SELECT tito_alter('t', 'RENAME COLUMN note TO remark');
SELECT tito_alter('t', 'DROP INDEX by_priority');
DROP INDEX o_by_priority;
SELECT tito_alter('t', 'RENAME COLUMN note TO remark');
ALTER TABLE o RENAME COLUMN note TO remark;
SELECT tito_alter('t', 'DROP COLUMN remark');
ALTER TABLE o DROP COLUMN remark;
SELECT tito_alter('t', 'RENAME weight TO "the weight"');
ALTER TABLE o RENAME weight TO "the weight";
SELECT sql FROM sqlite_schema WHERE name = 't';
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM o)) + (SELECT count(*) FROM (SELECT * FROM o EXCEPT SELECT * FROM t)) = 0 THEN 'same' ELSE 'DIFFERENT' END;
SELECT tito_check('t');
.print '-- a column that the key, an index, a topic or a condition uses is refused'
CREATE VIRTUAL TABLE ev USING tito(id INTEGER PRIMARY KEY, k TEXT, v TEXT, w INT, x INT, INDEX by_v(v) WHERE w > 0, TOPIC changes WHERE k <> 'skip');
INSERT INTO ev VALUES (1, 'a', 'b', 1, 1), (2, 'skip', 'c', 0, 2);
SELECT tito_alter('ev', 'DROP COLUMN id');
SELECT tito_alter('ev', 'RENAME COLUMN id TO key');
SELECT tito_alter('ev', 'DROP COLUMN v');
SELECT tito_alter('ev', 'DROP COLUMN w');
SELECT tito_alter('ev', 'RENAME COLUMN k TO kk');
SELECT tito_alter('ev', 'DROP COLUMN nope');
SELECT tito_alter('ev', 'RENAME COLUMN x TO v');
SELECT tito_alter('ev', 'DROP COLUMN x');
SELECT * FROM ev;
SELECT tito_check('ev');

.print '-- a table without rowid (composite key), and ALTER TABLE RENAME after a change'
CREATE VIRTUAL TABLE li USING tito(order_id INTEGER, line_no INTEGER, sku TEXT, qty INTEGER, PRIMARY KEY (order_id, line_no));
INSERT INTO li SELECT value / 4, value % 4, 'sku' || (value % 13), value % 5 FROM generate_series(0, 399);
SELECT tito_alter('li', 'ADD INDEX by_sku(sku, qty DESC)');
SELECT count(*), sum(qty) FROM li WHERE sku = 'sku7';
EXPLAIN QUERY PLAN SELECT count(*), sum(qty) FROM li WHERE sku = 'sku7';
ALTER TABLE li RENAME TO lines;
SELECT tito_alter('lines', 'ADD UNIQUE INDEX by_sku_line(sku, order_id, line_no)');
SELECT sql FROM sqlite_schema WHERE name = 'lines';
SELECT tito_check('lines');

.print '-- an index declared by a column (UNIQUE) keeps its id when another is dropped'
CREATE VIRTUAL TABLE cu USING tito(id INTEGER PRIMARY KEY, a INT, INDEX i(a), b TEXT UNIQUE);
INSERT INTO cu VALUES (1, 1, 'x'), (2, 2, 'y');
SELECT tito_alter('cu', 'DROP INDEX i');
SELECT name, seq FROM tito_indexes('cu');
SELECT tito_check('cu');
INSERT INTO cu VALUES (3, 3, 'x');
SELECT id FROM cu WHERE b = 'y';

.print '-- errors: each names the problem, and nothing changes'
SELECT tito_alter('t', 'DROP INDEX nope');
SELECT tito_alter('t', 'ADD INDEX by_status(status)');
SELECT tito_alter('t', 'ADD INDEX by_x(nocol)');
SELECT tito_alter('t', 'ADD INDEX by_y(name) WHERE');
SELECT tito_alter('t', 'RENAME COLUMN name TO');
SELECT tito_alter('t', 'DROP COLUMN');
SELECT tito_alter('t', 'ADD by_z(name)');
SELECT tito_alter('t', 'DROP INDEX');
SELECT tito_alter('t', NULL);
SELECT tito_alter('nope', 'DROP INDEX by_status');
SELECT tito_alter('o', 'DROP INDEX o_by_status');
SELECT sql FROM sqlite_schema WHERE name = 't';
SELECT tito_check('t');
