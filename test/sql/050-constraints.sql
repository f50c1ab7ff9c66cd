-- 050-constraints: duplicate primary key, UNIQUE indexes (single, composite,
-- DESC, with NULLs, across numeric types) and NOT NULL fail with SQLite's
-- own wording, on the tito table u and the ordinary table o alike; a failed
-- statement changes nothing, even when earlier rows of the same statement
-- had been written; the data is shown unchanged afterwards.

CREATE VIRTUAL TABLE u USING tito(id TEXT PRIMARY KEY, name TEXT NOT NULL,
  email TEXT UNIQUE, role TEXT, tag, lvl INTEGER,
  UNIQUE INDEX by_role_name(role, name DESC) INCLUDE (lvl),
  UNIQUE INDEX by_tag(tag));
CREATE TABLE o(id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL,
  email TEXT UNIQUE, role TEXT, tag, lvl INTEGER, UNIQUE (role, name), UNIQUE (tag));
CREATE TEMP VIEW same AS SELECT CASE WHEN
  (SELECT count(*) FROM (SELECT * FROM u EXCEPT SELECT * FROM o)) +
  (SELECT count(*) FROM (SELECT * FROM o EXCEPT SELECT * FROM u)) = 0
  THEN 'same' ELSE 'DIFFERENT' END;
INSERT INTO u VALUES ('a', 'Ann', 'a@x', 'dev', 1, 1), ('b', 'Bob', 'b@x', 'ops', 'b', 2);
INSERT INTO o VALUES ('a', 'Ann', 'a@x', 'dev', 1, 1), ('b', 'Bob', 'b@x', 'ops', 'b', 2);
CREATE TEMP TABLE store_before AS SELECT * FROM tito_store;

.print -- duplicate primary key
INSERT INTO u VALUES ('a', 'X', 'x@x', 'x', NULL, 0);
INSERT INTO o VALUES ('a', 'X', 'x@x', 'x', NULL, 0);
UPDATE u SET id = 'a' WHERE id = 'b';
UPDATE o SET id = 'a' WHERE id = 'b';

.print -- unique column, unique composite index, unique across 1 and 1.0
INSERT INTO u VALUES ('c', 'X', 'a@x', 'x', NULL, 0);
INSERT INTO o VALUES ('c', 'X', 'a@x', 'x', NULL, 0);
INSERT INTO u VALUES ('c', 'Ann', 'c@x', 'dev', NULL, 0);
INSERT INTO o VALUES ('c', 'Ann', 'c@x', 'dev', NULL, 0);
INSERT INTO u VALUES ('c', 'C', 'c@x', 'x', 1.0, 0);
INSERT INTO o VALUES ('c', 'C', 'c@x', 'x', 1.0, 0);
UPDATE u SET email = 'a@x' WHERE id = 'b';
UPDATE o SET email = 'a@x' WHERE id = 'b';
UPDATE u SET role = 'dev', name = 'Ann' WHERE id = 'b';
UPDATE o SET role = 'dev', name = 'Ann' WHERE id = 'b';

.print -- NOT NULL, and NULL keys (tito's keys are NOT NULL, as in WITHOUT ROWID)
INSERT INTO u VALUES ('c', NULL, 'c@x', 'x', NULL, 0);
INSERT INTO o VALUES ('c', NULL, 'c@x', 'x', NULL, 0);
INSERT INTO u(id, email) VALUES ('c', 'c@x');
INSERT INTO o(id, email) VALUES ('c', 'c@x');
UPDATE u SET name = NULL WHERE id = 'b';
UPDATE o SET name = NULL WHERE id = 'b';
INSERT INTO u VALUES (NULL, 'N', 'n@x', 'x', NULL, 0);
INSERT INTO o VALUES (NULL, 'N', 'n@x', 'x', NULL, 0);
UPDATE u SET id = NULL WHERE id = 'b';
UPDATE o SET id = NULL WHERE id = 'b';

.print -- the failing row is the last of a multi-row statement: none is kept
INSERT INTO u VALUES ('c', 'C', 'c@x', 'x', NULL, 0), ('d', 'D', 'd@x', 'x', NULL, 0), ('e', 'E', 'b@x', 'x', NULL, 0);
INSERT INTO o VALUES ('c', 'C', 'c@x', 'x', NULL, 0), ('d', 'D', 'd@x', 'x', NULL, 0), ('e', 'E', 'b@x', 'x', NULL, 0);
INSERT INTO u SELECT 'k' || value, 'K', NULL, NULL, NULL, 0 FROM generate_series(1, 5) UNION ALL SELECT 'a', 'A', NULL, NULL, NULL, 0;
INSERT INTO o SELECT 'k' || value, 'K', NULL, NULL, NULL, 0 FROM generate_series(1, 5) UNION ALL SELECT 'a', 'A', NULL, NULL, NULL, 0;
UPDATE u SET lvl = lvl + 1, name = CASE id WHEN 'b' THEN NULL ELSE name END;
UPDATE o SET lvl = lvl + 1, name = CASE id WHEN 'b' THEN NULL ELSE name END;
UPDATE u SET tag = 7, lvl = 9;
UPDATE o SET tag = 7, lvl = 9;

.print -- nothing changed
SELECT * FROM u ORDER BY id;
SELECT * FROM same;
SELECT count(*) AS store_changes FROM (
  SELECT * FROM tito_store EXCEPT SELECT * FROM store_before
  UNION ALL
  SELECT * FROM store_before EXCEPT SELECT * FROM tito_store);
SELECT tito_check('u');

.print -- what is allowed: several NULLs in a unique index; text 1 next to integer 1
INSERT INTO u VALUES ('c', 'C', NULL, NULL, NULL, 0), ('d', 'D', NULL, NULL, NULL, 0), ('e', 'C', NULL, 'x', '1', 0), ('f', 'C', NULL, 'y', x'01', 0);
INSERT INTO o VALUES ('c', 'C', NULL, NULL, NULL, 0), ('d', 'D', NULL, NULL, NULL, 0), ('e', 'C', NULL, 'x', '1', 0), ('f', 'C', NULL, 'y', x'01', 0);
SELECT id, quote(tag) FROM u ORDER BY id;
SELECT * FROM same;
SELECT id FROM u WHERE tag = 1;
SELECT id FROM u WHERE tag = '1';
SELECT id FROM u WHERE email IS NULL ORDER BY id;
SELECT tito_check('u');

.print -- conflict modes on NOT NULL: OR REPLACE puts the column's DEFAULT in
.print -- place of a NULL (or fails without one), OR IGNORE skips the row
CREATE VIRTUAL TABLE n USING tito(id INTEGER PRIMARY KEY, s TEXT NOT NULL DEFAULT 'd', t TEXT NOT NULL);
CREATE TABLE no(id INTEGER PRIMARY KEY, s TEXT NOT NULL DEFAULT 'd', t TEXT NOT NULL);
INSERT INTO n VALUES (1, 'x', 'y'), (2, 'x', 'y');
INSERT INTO no VALUES (1, 'x', 'y'), (2, 'x', 'y');
INSERT OR REPLACE INTO n VALUES (3, NULL, 'y');
INSERT OR REPLACE INTO no VALUES (3, NULL, 'y');
UPDATE OR REPLACE n SET s = NULL WHERE id = 1;
UPDATE OR REPLACE no SET s = NULL WHERE id = 1;
UPDATE OR REPLACE n SET t = NULL WHERE id = 2;
UPDATE OR REPLACE no SET t = NULL WHERE id = 2;
INSERT OR IGNORE INTO n VALUES (4, 'x', NULL), (5, 'x', 'y');
INSERT OR IGNORE INTO no VALUES (4, 'x', NULL), (5, 'x', 'y');
UPDATE OR IGNORE n SET t = NULL;
UPDATE OR IGNORE no SET t = NULL;
SELECT * FROM n;
SELECT * FROM no;
SELECT tito_check('n');
