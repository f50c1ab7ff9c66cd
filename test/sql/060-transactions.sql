-- 060-transactions: the store commits and rolls back with SQLite's own
-- transaction. A statement failing half-way inside BEGIN leaves no trace of
-- its earlier rows (statement rollback) while the transaction's earlier
-- statements stay; ROLLBACK, ROLLBACK TO and RELEASE behave as on the
-- ordinary table o; tito_check after each step.

CREATE VIRTUAL TABLE u USING tito(id INTEGER PRIMARY KEY, email TEXT,
  UNIQUE INDEX by_email(email), INDEX late(email) WHERE email > 'm');
CREATE VIRTUAL TABLE w USING tito(k TEXT PRIMARY KEY, n INTEGER, INDEX by_n(n));
CREATE TABLE o(id INTEGER PRIMARY KEY, email TEXT UNIQUE);
CREATE TEMP VIEW same AS SELECT CASE WHEN
  (SELECT count(*) FROM (SELECT * FROM u EXCEPT SELECT * FROM o)) +
  (SELECT count(*) FROM (SELECT * FROM o EXCEPT SELECT * FROM u)) = 0
  THEN 'same' ELSE 'DIFFERENT' END;
INSERT INTO u VALUES (1, 'a'), (2, 'b');
INSERT INTO o VALUES (1, 'a'), (2, 'b');

.print -- statements failing half-way inside BEGIN
BEGIN;
INSERT INTO u VALUES (3, 'c');
INSERT INTO o VALUES (3, 'c');
INSERT INTO u VALUES (4, 'd'), (5, 'e'), (6, 'a'), (7, 'f');
INSERT INTO o VALUES (4, 'd'), (5, 'e'), (6, 'a'), (7, 'f');
SELECT group_concat(id || ':' || email, ' ') FROM u;
SELECT * FROM same;
SELECT tito_check('u');
UPDATE u SET email = CASE id WHEN 1 THEN 'x' WHEN 2 THEN 'y' WHEN 3 THEN 'x' END;
UPDATE o SET email = CASE id WHEN 1 THEN 'x' WHEN 2 THEN 'y' WHEN 3 THEN 'x' END;
SELECT group_concat(id || ':' || email, ' ') FROM u;
SELECT * FROM same;
SELECT tito_check('u');
DELETE FROM u WHERE id = 3;
DELETE FROM o WHERE id = 3;
INSERT INTO u VALUES (8, 'zz');
INSERT INTO o VALUES (8, 'zz');
INSERT INTO u VALUES (9, 'zy'), (10, 'zx'), (1, 'dup');
INSERT INTO o VALUES (9, 'zy'), (10, 'zx'), (1, 'dup');
COMMIT;
SELECT group_concat(id || ':' || email, ' ') FROM u;
SELECT * FROM same;
SELECT tito_check('u');
SELECT id FROM u WHERE email > 'm';

.print -- ROLLBACK undoes inserts, deletes, updates, key changes, in two tito tables and an ordinary one
CREATE TEMP TABLE store_before AS SELECT * FROM tito_store;
BEGIN;
INSERT INTO u VALUES (10, 'ten'), (11, 'zeleven');
INSERT INTO o VALUES (10, 'ten'), (11, 'zeleven');
DELETE FROM u WHERE id = 1;
DELETE FROM o WHERE id = 1;
UPDATE u SET email = 'zz2' WHERE id = 2;
UPDATE o SET email = 'zz2' WHERE id = 2;
UPDATE u SET id = 20 WHERE id = 8;
UPDATE o SET id = 20 WHERE id = 8;
INSERT INTO w VALUES ('x', 1), ('y', 2);
SELECT group_concat(id || ':' || email, ' ') FROM u;
SELECT * FROM same;
SELECT tito_check('u'), tito_check('w');
ROLLBACK;
SELECT group_concat(id || ':' || email, ' ') FROM u;
SELECT * FROM same;
SELECT count(*) FROM w;
SELECT count(*) AS store_changes FROM (
  SELECT * FROM tito_store EXCEPT SELECT * FROM store_before
  UNION ALL
  SELECT * FROM store_before EXCEPT SELECT * FROM tito_store);
SELECT tito_check('u'), tito_check('w');

.print -- SAVEPOINT, ROLLBACK TO, RELEASE
BEGIN;
INSERT INTO u VALUES (20, 'p');
INSERT INTO o VALUES (20, 'p');
SAVEPOINT s1;
INSERT INTO u VALUES (21, 'q');
INSERT INTO o VALUES (21, 'q');
UPDATE u SET email = 'r' WHERE id = 20;
UPDATE o SET email = 'r' WHERE id = 20;
SAVEPOINT s2;
DELETE FROM u;
DELETE FROM o;
INSERT INTO w VALUES ('in s2', 2);
SELECT count(*) FROM u;
ROLLBACK TO s2;
SELECT group_concat(id || ':' || email, ' ') FROM u;
SELECT * FROM same;
SELECT count(*) FROM w;
SELECT tito_check('u');
ROLLBACK TO s1;
SELECT group_concat(id || ':' || email, ' ') FROM u;
SELECT * FROM same;
SELECT tito_check('u');
INSERT INTO u VALUES (22, 's');
INSERT INTO o VALUES (22, 's');
SAVEPOINT s3;
INSERT INTO w VALUES ('in s3', 3);
-- fails on its second row: the first goes too, 'in s3' stays
INSERT INTO u VALUES (23, 't'), (24, 's');
INSERT INTO o VALUES (23, 't'), (24, 's');
RELEASE s3;
RELEASE s1;
COMMIT;
SELECT group_concat(id || ':' || email, ' ') FROM u;
SELECT * FROM same;
SELECT * FROM w;
SELECT tito_check('u'), tito_check('w');

.print -- SAVEPOINT outside BEGIN opens a transaction; RELEASE commits it
SAVEPOINT outer1;
INSERT INTO u VALUES (30, 'w');
INSERT INTO o VALUES (30, 'w');
RELEASE outer1;
SAVEPOINT outer2;
INSERT INTO u VALUES (31, 'w2');
INSERT INTO o VALUES (31, 'w2');
SAVEPOINT inner2;
UPDATE u SET email = 'w3' WHERE id = 30;
UPDATE o SET email = 'w3' WHERE id = 30;
RELEASE inner2;
ROLLBACK TO outer2;
RELEASE outer2;
SELECT group_concat(id || ':' || email, ' ') FROM u;
SELECT * FROM same;
SELECT tito_check('u');

.print -- INSERT OR ROLLBACK ends the transaction; OR FAIL keeps the rows before the failure
BEGIN;
INSERT INTO u VALUES (40, 'f1');
INSERT INTO o VALUES (40, 'f1');
INSERT OR FAIL INTO u VALUES (41, 'f2'), (42, 'w'), (43, 'f3');
INSERT OR FAIL INTO o VALUES (41, 'f2'), (42, 'w'), (43, 'f3');
SELECT group_concat(id || ':' || email, ' ') FROM u WHERE id >= 40;
SELECT * FROM same;
INSERT OR ROLLBACK INTO u VALUES (44, 'f4'), (45, 'w');
SELECT group_concat(id || ':' || email, ' ') FROM u WHERE id >= 40;
COMMIT;
BEGIN;
INSERT INTO o VALUES (40, 'f1');
INSERT OR FAIL INTO o VALUES (41, 'f2'), (42, 'w'), (43, 'f3');
INSERT OR ROLLBACK INTO o VALUES (44, 'f4'), (45, 'w');
COMMIT;
SELECT * FROM same;
SELECT tito_check('u');
