-- 130-bulk: tens of thousands of rows with three indexes (unique, composite
-- DESC, partial covering): bulk updates and deletes inside a transaction,
-- aggregates equal to an ordinary table's, tito_check, ROLLBACK of it all,
-- then every key moved at once.
CREATE VIRTUAL TABLE u USING tito(id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c REAL, UNIQUE INDEX by_a(a), INDEX by_bc(b, c DESC), INDEX part(c) WHERE b % 2 = 0 INCLUDE (a));
CREATE TABLE o(id INTEGER PRIMARY KEY, a TEXT UNIQUE, b INTEGER, c REAL);
INSERT INTO u SELECT value, 'a' || value, value % 97, value * 0.5 FROM generate_series(1, 20000);
INSERT INTO o SELECT value, 'a' || value, value % 97, value * 0.5 FROM generate_series(1, 20000);
BEGIN;
UPDATE u SET b = b + 1, a = a || 'x' WHERE id % 3 = 0;
UPDATE o SET b = b + 1, a = a || 'x' WHERE id % 3 = 0;
DELETE FROM u WHERE id % 5 = 0;
DELETE FROM o WHERE id % 5 = 0;
SELECT count(*), sum(b), total(c) FROM u;
SELECT count(*), sum(b), total(c) FROM o;
SELECT tito_check('u');
ROLLBACK;
SELECT count(*), sum(b), total(c) FROM u;
UPDATE u SET id = id + 100000 WHERE id > 10000;
SELECT count(*) FROM u WHERE b = 5;
SELECT count(*) FROM o WHERE b = 5;
SELECT tito_check('u');
