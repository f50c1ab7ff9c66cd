-- tito_alter ADD INDEX in steps: each step its own transaction (in
-- autocommit mode), the index maintained by every write from the first step
-- and read by queries only once complete; RESUME, CANCEL, tito_changes.
-- An ordinary table o gets the same rows and writes; results are compared.
-- "Reached" values are reached first in both orders a build takes: rows in
-- primary-key order on TiKV, entries in index-key order on the embedded
-- store (which reads every row before its steps: rows read = all of them).
.headers off
CREATE VIRTUAL TABLE t USING tito(id INTEGER PRIMARY KEY, u TEXT, g INT);
CREATE TABLE o(id INTEGER PRIMARY KEY, u TEXT, g INT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
INSERT INTO t SELECT i, 'u' || i, i % 4 FROM n;
INSERT INTO o SELECT * FROM t;
SELECT tito_config('alter_batch', 10);

.print '-- the first transaction and one step: 10 of 40 rows, the index not read yet'
SELECT tito_alter('t', 'ADD INDEX by_g(g)', 1);
SELECT table_name, index_name, change, state, rows_done, rows_total, started > 0 FROM tito_changes;
SELECT name, state FROM tito_indexes('t') WHERE seq > 0;
EXPLAIN QUERY PLAN SELECT id FROM t WHERE g = 2;
SELECT tito_index, count(*) FROM t WHERE g = 2;
SELECT count(*) FROM t WHERE g = 2 AND tito_index = 'by_g';
SELECT tito_check('t');

.print '-- writes before and after the last row done keep the index exact'
UPDATE t SET g = 2 WHERE id IN (3, 33); UPDATE o SET g = 2 WHERE id IN (3, 33);
DELETE FROM t WHERE id IN (6, 36); DELETE FROM o WHERE id IN (6, 36);
INSERT INTO t VALUES (100, 'u100', 2), (0, 'u0', 2); INSERT INTO o VALUES (100, 'u100', 2), (0, 'u0', 2);
SELECT tito_check('t');

.print '-- no other change of t while the build is in progress'
SELECT tito_alter('t', 'ADD INDEX by_u(u)');
SELECT tito_alter('t', 'DROP COLUMN u');

.print '-- RESUME one more step, then to the end'
SELECT tito_alter('t', 'RESUME', 1);
SELECT rows_done, rows_total FROM tito_changes;
SELECT tito_alter('t', 'RESUME');
SELECT count(*) FROM tito_changes;
SELECT name, state FROM tito_indexes('t') WHERE seq > 0;
EXPLAIN QUERY PLAN SELECT id FROM t WHERE g = 2;
SELECT CASE WHEN (SELECT json_group_array(id) FROM (SELECT id FROM t WHERE g = 2 ORDER BY id)) IS (SELECT json_group_array(id) FROM (SELECT id FROM o WHERE g = 2 ORDER BY id)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT tito_check('t');
SELECT tito_alter('t', 'RESUME');
SELECT tito_alter('t', 'CANCEL');

.print '-- a unique index: two old rows share a value; the one not reached yet changes: no duplicate left'
UPDATE t SET u = 'zdup' WHERE id IN (2, 18); UPDATE o SET u = 'zdup' WHERE id IN (2, 18);
SELECT tito_alter('t', 'ADD UNIQUE INDEX by_u(u)', 1);
UPDATE t SET u = 'fixed' WHERE id = 18; UPDATE o SET u = 'fixed' WHERE id = 18;
SELECT tito_check('t');
SELECT tito_alter('t', 'RESUME');
SELECT id FROM t WHERE u = 'zdup';
SELECT id FROM t WHERE u = 'fixed';
SELECT tito_check('t');
SELECT tito_alter('t', 'DROP INDEX by_u');
UPDATE t SET u = 'zdup2' WHERE id IN (3, 19); UPDATE o SET u = 'zdup2' WHERE id IN (3, 19);
SELECT tito_alter('t', 'ADD UNIQUE INDEX by_u(u)', 1);
DELETE FROM t WHERE id = 19; DELETE FROM o WHERE id = 19;
SELECT tito_alter('t', 'RESUME');
SELECT id FROM t WHERE u = 'zdup2';
SELECT tito_check('t');
SELECT tito_alter('t', 'DROP INDEX by_u');

.print '-- a unique index: a write takes a value a reached row holds (refused), or one only a row not reached yet holds (the build then fails)'
SELECT tito_alter('t', 'ADD UNIQUE INDEX by_u(u)', 1);
INSERT INTO t VALUES (200, 'u1', 0);
INSERT INTO t VALUES (201, 'u30', 0); INSERT INTO o VALUES (201, 'u30', 0);
SELECT tito_alter('t', 'RESUME');
SELECT count(*) FROM tito_changes;
SELECT name FROM tito_indexes('t') WHERE seq > 0;
SELECT tito_check('t');

.print '-- CANCEL drops the index being built and its entries'
SELECT tito_alter('t', 'ADD INDEX by_ug(u, g)', 2);
SELECT tito_alter('t', 'CANCEL');
SELECT count(*) FROM tito_changes;
SELECT sql FROM sqlite_schema WHERE name = 't';
SELECT tito_check('t');

.print '-- inside a transaction the steps are part of it: ROLLBACK undoes them'
BEGIN;
SELECT tito_alter('t', 'ADD INDEX by_ug(u, g)', 1);
SELECT index_name, rows_done FROM tito_changes;
ROLLBACK;
SELECT count(*) FROM tito_changes;
SELECT name FROM tito_indexes('t') WHERE seq > 0;
BEGIN;
SELECT tito_alter('t', 'ADD UNIQUE INDEX by_g_u(g)');
SELECT tito_alter('t', 'ADD INDEX by_ug(u, g)');
COMMIT;
SELECT name FROM tito_indexes('t') WHERE seq > 0;
SELECT count(*) FROM tito_changes;
SELECT tito_check('t');
SELECT tito_alter('t', 'DROP INDEX by_ug');

.print '-- DROP INDEX in steps: the index leaves at once, its entries are deleted alter_batch at a time'
SELECT tito_alter('t', 'ADD INDEX by_u4(u)');
SELECT tito_alter('t', 'DROP INDEX by_u4', 1);
SELECT table_name, index_name, change, state, rows_done, rows_total FROM tito_changes;
EXPLAIN QUERY PLAN SELECT id FROM t WHERE u = 'u3';
SELECT tito_check('t');
SELECT tito_alter('t', 'ADD INDEX by_u5(u)');
SELECT tito_alter('t', 'CANCEL');
UPDATE t SET u = u || '!' WHERE id % 5 = 0; UPDATE o SET u = u || '!' WHERE id % 5 = 0;
SELECT tito_alter('t', 'RESUME');
SELECT count(*) FROM tito_changes;
SELECT tito_check('t');
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM o)) + (SELECT count(*) FROM (SELECT * FROM o EXCEPT SELECT * FROM t)) = 0 THEN 'same' ELSE 'DIFFERENT' END;

.print '-- a build left in progress follows the table: RENAME keeps it, DROP TABLE removes it'
SELECT tito_alter('t', 'ADD INDEX by_u2(u)', 0);
SELECT index_name, rows_done, rows_total FROM tito_changes;
ALTER TABLE t RENAME TO t2;
SELECT table_name, index_name FROM tito_changes;
SELECT tito_alter('t2', 'RESUME');
SELECT tito_check('t2');
SELECT tito_alter('t2', 'ADD INDEX by_u3(u)', 0);
DROP TABLE t2;
SELECT count(*) FROM tito_changes;
CREATE VIRTUAL TABLE t2 USING tito(id INTEGER PRIMARY KEY, u TEXT, g INT);
SELECT count(*) FROM tito_changes;
SELECT tito_check('t2');

.print '-- tito_changes covers every schema; messages name the table as the call did'
ATTACH ':memory:' AS aux;
CREATE VIRTUAL TABLE aux.w USING tito(id INTEGER PRIMARY KEY, g INT);
INSERT INTO aux.w SELECT value, value % 3 FROM generate_series(1, 50);
SELECT tito_alter('aux.w', 'ADD INDEX by_g(g)', 1);
SELECT schema_name, table_name, index_name, rows_done FROM tito_changes;
SELECT tito_alter('aux.w', 'DROP INDEX by_g');
SELECT tito_alter('aux.w', 'RESUME');
SELECT tito_check('aux.w');
DETACH aux;

.print '-- errors'
SELECT tito_alter('t2', 'RESUME');
SELECT tito_alter('t2', 'CANCEL');
SELECT tito_alter('t2', 'ADD INDEX x(u)', -1);
SELECT tito_alter('t2', 'ADD INDEX x(u)', 'all');
SELECT tito_config('alter_batch', 0);
SELECT tito_config('alter_batch', NULL);
SELECT tito_config('alter_pause') IS NULL, tito_config('alter_pause', 0), tito_config('alter_pause', NULL) IS NULL;
SELECT tito_config('alter_pause', -1);
SELECT tito_config('alter_pause', 'x');
-- How long a table of a shared store (TiKV) trusts its model before it
-- reads the catalog again (test/tikv_sql/alter_test.py uses it).
SELECT tito_config('schema_recheck'), tito_config('schema_recheck', 0), tito_config('schema_recheck', NULL);
SELECT tito_config('schema_recheck', 3600001);

.print '-- two old rows share a unique value where a step ends (alter_batch 10: the 10th and 11th entry in key order): found'
CREATE VIRTUAL TABLE e USING tito(id INTEGER PRIMARY KEY, u TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
INSERT INTO e SELECT i, 'u' || (100 + i) FROM n;
UPDATE e SET u = 'u110' WHERE id = 11;
SELECT tito_config('alter_batch', 10);
SELECT tito_alter('e', 'ADD UNIQUE INDEX by_u(u)');
SELECT count(*) FROM tito_indexes('e') WHERE seq > 0;
SELECT tito_check('e');
