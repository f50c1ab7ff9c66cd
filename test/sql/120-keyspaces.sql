-- 120-keyspaces: keys of different models never collide; a keyspace prefix
-- isolates applications sharing one store (prefixes that are prefixes of
-- each other included); a dropped model's keys go and its id is not reused;
-- an attached database and the temp schema have stores of their own.

.print -- same rows in three models under the default prefix, and under
.print -- the prefixes a, ab and a single space
CREATE VIRTUAL TABLE m1 USING tito(id INTEGER PRIMARY KEY, v TEXT, UNIQUE INDEX by_v(v));
CREATE VIRTUAL TABLE m2 USING tito(id INTEGER PRIMARY KEY, v TEXT, UNIQUE INDEX by_v(v));
CREATE VIRTUAL TABLE m3 USING tito(id INTEGER PRIMARY KEY, v TEXT, UNIQUE INDEX by_v(v));
CREATE VIRTUAL TABLE pa USING tito(id INTEGER PRIMARY KEY, v TEXT, UNIQUE INDEX by_v(v), prefix = 'a');
CREATE VIRTUAL TABLE pab USING tito(id INTEGER PRIMARY KEY, v TEXT, UNIQUE INDEX by_v(v), prefix = 'ab');
CREATE VIRTUAL TABLE psp USING tito(id INTEGER PRIMARY KEY, v TEXT, UNIQUE INDEX by_v(v), prefix = ' ');
CREATE TEMP TABLE rows(id, v);
INSERT INTO rows VALUES (1, 'one'), (2, 'two'), (3, 'three');
INSERT INTO m1 SELECT * FROM rows;
INSERT INTO m2 SELECT * FROM rows;
INSERT INTO m3 SELECT * FROM rows WHERE id < 3;
INSERT INTO pa SELECT * FROM rows;
INSERT INTO pab SELECT * FROM rows WHERE id = 1;
INSERT INTO psp SELECT * FROM rows WHERE id > 1;
SELECT 'm1', count(*) FROM m1 UNION ALL SELECT 'm2', count(*) FROM m2
UNION ALL SELECT 'm3', count(*) FROM m3 UNION ALL SELECT 'pa', count(*) FROM pa
UNION ALL SELECT 'pab', count(*) FROM pab UNION ALL SELECT 'psp', count(*) FROM psp;
SELECT id FROM pab WHERE v = 'one';
SELECT id FROM pa WHERE v >= 'a' ORDER BY v;
SELECT id FROM psp ORDER BY id DESC;
SELECT tito_check('m1'), tito_check('m2'), tito_check('m3'),
       tito_check('pa'), tito_check('pab'), tito_check('psp');

.print -- writes to one leave the others alone
DELETE FROM m2;
UPDATE pa SET v = 'uno' WHERE id = 1;
INSERT INTO pab VALUES (2, 'two');
SELECT 'm1', group_concat(v) FROM m1 UNION ALL SELECT 'm2', group_concat(v) FROM m2
UNION ALL SELECT 'm3', group_concat(v) FROM m3 UNION ALL SELECT 'pa', group_concat(v) FROM pa
UNION ALL SELECT 'pab', group_concat(v) FROM pab UNION ALL SELECT 'psp', group_concat(v) FROM psp;
SELECT tito_check('m1'), tito_check('m2'), tito_check('m3'),
       tito_check('pa'), tito_check('pab'), tito_check('psp');

.print -- DROP removes a model's keys only; a new model of the same name starts
.print -- empty, and does not see the old rows
CREATE TEMP TABLE before AS SELECT count(*) AS n FROM tito_store;
DROP TABLE pa;
SELECT (SELECT n FROM before) - count(*) AS keys_removed FROM tito_store;
SELECT count(*) FROM pab;
CREATE VIRTUAL TABLE pa USING tito(id INTEGER PRIMARY KEY, v TEXT, UNIQUE INDEX by_v(v), prefix = 'a');
SELECT count(*) FROM pa;
INSERT INTO pa VALUES (1, 'uno');
DROP TABLE m1;
CREATE VIRTUAL TABLE m1 USING tito(id INTEGER PRIMARY KEY, v TEXT, UNIQUE INDEX by_v(v));
SELECT count(*) FROM m1;
INSERT INTO m1 VALUES (1, 'one');
SELECT tito_check('m1'), tito_check('pa'), tito_check('pab');

.print -- an attached database keeps its own store, in its own transaction
ATTACH ':memory:' AS aux;
CREATE VIRTUAL TABLE aux.x USING tito(id INTEGER PRIMARY KEY, v TEXT, INDEX by_v(v));
INSERT INTO aux.x VALUES (1, 'aux one'), (2, 'aux two');
SELECT * FROM aux.x WHERE v = 'aux two';
SELECT count(*) FROM aux.tito_store WHERE instr(v, CAST('aux' AS BLOB)) > 0;
SELECT count(*) FROM main.tito_store WHERE instr(v, CAST('aux' AS BLOB)) > 0;
BEGIN;
INSERT INTO aux.x VALUES (3, 'aux three');
INSERT INTO m3 VALUES (3, 'three');
ROLLBACK;
SELECT count(*) FROM aux.x;
SELECT count(*) FROM m3;
SELECT tito_check('x'), tito_check('aux.x');
.print -- the same name in main and aux: a bare name means main's
CREATE VIRTUAL TABLE aux.m3 USING tito(id INTEGER PRIMARY KEY, v TEXT, INDEX by_v(v));
INSERT INTO aux.m3 VALUES (9, 'aux nine');
SELECT * FROM aux.m3;
SELECT group_concat(v) FROM main.m3;
DELETE FROM aux.tito_store WHERE instr(v, CAST('aux nine' AS BLOB)) > 0;
SELECT tito_check('m3'), tito_check('main.m3');
SELECT tito_check('aux.m3');
SELECT tito_check('nosuch.m3');
DETACH aux;

.print -- and so does the temp schema
CREATE VIRTUAL TABLE temp.tt USING tito(k TEXT PRIMARY KEY, n INTEGER, INDEX by_n(n));
INSERT INTO tt VALUES ('a', 1), ('b', 2);
SELECT k FROM tt WHERE n = 2;
SELECT count(*) > 0 FROM temp.tito_store;
SELECT tito_check('tt');
