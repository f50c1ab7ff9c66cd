-- 015-ddl: CREATE and DROP are transactional like the rest (rolled back
-- with their transaction or savepoint, catalog included); ALTER TABLE
-- RENAME keeps the data and frees the old name; what SQLite does not allow
-- on virtual tables it refuses in its own words.

CREATE VIRTUAL TABLE u USING tito(id INTEGER PRIMARY KEY, v TEXT, INDEX by_v(v));
INSERT INTO u VALUES (1, 'a'), (2, 'b');
.print -- DROP rolled back: rows and entries are back
BEGIN;
DROP TABLE u;
ROLLBACK;
SELECT * FROM u;
SELECT tito_check('u');
-- CREATE rolled back: no table, no catalog entry (6 keys: u's 2 rows, 2
-- entries, its catalog entry and the model-id counter)
.print -- CREATE rolled back
BEGIN;
CREATE VIRTUAL TABLE w USING tito(id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO w VALUES (1, 'x');
ROLLBACK;
SELECT name FROM sqlite_schema WHERE name = 'w';
SELECT count(*) FROM tito_store;
CREATE VIRTUAL TABLE w USING tito(id INTEGER PRIMARY KEY, v TEXT);
SELECT count(*) FROM w;
.print -- RENAME keeps rows and indexes
ALTER TABLE u RENAME TO u2;
SELECT * FROM u2;
SELECT tito_check('u2');
INSERT INTO u2 VALUES (3, 'c');
SELECT * FROM u2 WHERE v = 'c';
.print -- SQLite's refusals
ALTER TABLE u2 ADD COLUMN z TEXT;
ALTER TABLE u2 RENAME COLUMN v TO vv;
.print -- DROP rolled back to a savepoint
SAVEPOINT s; DROP TABLE u2; ROLLBACK TO s; RELEASE s;
SELECT * FROM u2;
SELECT tito_check('u2');
.print -- a renamed table's old name is free for a new, empty model
ALTER TABLE u2 RENAME TO u;
ALTER TABLE u RENAME TO old;
CREATE VIRTUAL TABLE u USING tito(id INTEGER PRIMARY KEY, v TEXT, INDEX by_v(v));
SELECT count(*) FROM u;
INSERT INTO u VALUES (1, 'new');
SELECT * FROM u; SELECT * FROM old;
SELECT tito_check('u'), tito_check('old');
DROP TABLE old;
SELECT * FROM u;
SELECT tito_check('u');
BEGIN; ALTER TABLE u RENAME TO u3; ROLLBACK;
SELECT * FROM u;
ALTER TABLE u RENAME TO "weird name";
SELECT * FROM "weird name" WHERE v = 'new';
SELECT tito_check('weird name');
