-- 045-self-writes: statements that read the table they write (INSERT ...
-- SELECT from itself, UPDATE with subqueries on itself, key changes that
-- move rows ahead of the scan, DELETE ... IN (SELECT ... LIMIT)) give what
-- an ordinary table gives; "same" after each pair.
CREATE VIRTUAL TABLE u USING tito(id INTEGER PRIMARY KEY, n INTEGER, s TEXT, INDEX by_n(n), UNIQUE INDEX by_s(s));
CREATE TABLE o(id INTEGER PRIMARY KEY, n INTEGER, s TEXT UNIQUE); CREATE INDEX o_n ON o(n);
CREATE TEMP VIEW same AS SELECT CASE WHEN
  (SELECT count(*) FROM (SELECT * FROM u EXCEPT SELECT * FROM o)) +
  (SELECT count(*) FROM (SELECT * FROM o EXCEPT SELECT * FROM u)) = 0
  THEN 'same' ELSE 'DIFFERENT' END;
INSERT INTO u SELECT value, value % 4, 's' || value FROM generate_series(1, 20);
INSERT INTO o SELECT value, value % 4, 's' || value FROM generate_series(1, 20);
INSERT INTO u SELECT id + 100, n + 1, s || 'x' FROM u WHERE n < 2;
INSERT INTO o SELECT id + 100, n + 1, s || 'x' FROM o WHERE n < 2;
SELECT * FROM same;
UPDATE u SET n = (SELECT max(n) FROM u) + id WHERE n = 1;
UPDATE o SET n = (SELECT max(n) FROM o) + id WHERE n = 1;
SELECT * FROM same;
UPDATE u SET n = n + 1 WHERE n >= 2;
UPDATE o SET n = n + 1 WHERE n >= 2;
SELECT * FROM same;
UPDATE u SET id = id + 1000 WHERE id > 10;
UPDATE o SET id = id + 1000 WHERE id > 10;
SELECT * FROM same;
UPDATE u SET id = id - 1 WHERE id < 10;
UPDATE o SET id = id - 1 WHERE id < 10;
SELECT * FROM same;
DELETE FROM u WHERE id IN (SELECT id FROM u WHERE n > 3 ORDER BY n LIMIT 5);
DELETE FROM o WHERE id IN (SELECT id FROM o WHERE n > 3 ORDER BY n LIMIT 5);
SELECT * FROM same;
UPDATE u SET s = (SELECT s FROM u AS b WHERE b.id = u.id + 1) || '!' WHERE id < 5;
UPDATE o SET s = (SELECT s FROM o AS b WHERE b.id = o.id + 1) || '!' WHERE id < 5;
SELECT * FROM same;
UPDATE u SET n = n + 1 WHERE n IN (SELECT n FROM u WHERE n > 2);
UPDATE o SET n = n + 1 WHERE n IN (SELECT n FROM o WHERE n > 2);
SELECT * FROM same;
INSERT INTO u SELECT id + 5000, n, s || '2' FROM u ORDER BY id DESC;
INSERT INTO o SELECT id + 5000, n, s || '2' FROM o ORDER BY id DESC;
SELECT * FROM same;
SELECT count(*) FROM u; SELECT tito_check('u');
