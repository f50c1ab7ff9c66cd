-- 030-affinity: values are stored with the column's type affinity, exactly
-- as an ordinary table stores them. Each INSERT/UPDATE runs on the tito
-- table v and on the ordinary table o; the two result columns must agree.

CREATE VIRTUAL TABLE v USING tito(id INTEGER PRIMARY KEY, i INTEGER, t TEXT,
  r REAL, n NUMERIC, b BLOB, x, INDEX by_i(i), INDEX by_t(t) INCLUDE (r, n));
CREATE TABLE o(id INTEGER PRIMARY KEY, i INTEGER, t TEXT, r REAL, n NUMERIC, b BLOB, x);
CREATE INDEX o_i ON o(i);
CREATE INDEX o_t ON o(t, r, n);

-- One row per case: (id, into INTEGER, into TEXT, into REAL, into NUMERIC,
-- into BLOB, into untyped).
CREATE TEMP TABLE cases(id, i, t, r, n, b, x);
INSERT INTO cases VALUES
  (1, '42', 7, 1, '3.0', '5', '6'),
  (2, '4.5', 7.5, '2.5', '1e3', 5, x'01'),
  (3, 'abc', x'00', 'x', '12abc', NULL, 1.0),
  (4, 3.0, NULL, 9223372036854775807, '9223372036854775807', ' 7 ', ' 7 '),
  ('5', ' 12 ', 1e20, '1e400', '0x10', 1, 1),
  (6, '-0', -0.0, '-0.0', '1.0e0', 2.5, '2.5'),
  (7, '9223372036854775808', 12300000000000000000, '  1  ', ' 2 ', -1, -1),
  (8, x'3432', '', '', '', '', ''),
  (9, '1e2', 'NaN', '+7', '-.5', 0, 0);
INSERT INTO v SELECT * FROM cases;
INSERT INTO o SELECT * FROM cases;

.headers on
-- Reals are shown with 15 digits: quote() of a real prints more digits, and
-- differently, from one SQLite version to the next.
SELECT v.id,
       iif(typeof(v.i) = 'real', printf('%!.15g', v.i), quote(v.i)) AS vi,
       iif(typeof(o.i) = 'real', printf('%!.15g', o.i), quote(o.i)) AS oi,
       typeof(v.i) AS tvi, typeof(o.i) AS toi,
       quote(v.t) AS vt, quote(o.t) AS ot,
       iif(typeof(v.r) = 'real', printf('%!.15g', v.r), quote(v.r)) AS vr,
       iif(typeof(o.r) = 'real', printf('%!.15g', o.r), quote(o.r)) AS "or",
       quote(v.n) AS vn, quote(o.n) AS "on",
       quote(v.b) AS vb, quote(o.b) AS ob,
       quote(v.x) AS vx, quote(o.x) AS ox
  FROM v JOIN o USING (id) ORDER BY id;
.headers off
SELECT count(*) AS differing_rows FROM (SELECT * FROM v EXCEPT SELECT * FROM o);

-- UPDATE applies affinity too.
UPDATE v SET i = '77', t = 77, r = '0.25', n = '8.0' WHERE id = 1;
UPDATE o SET i = '77', t = 77, r = '0.25', n = '8.0' WHERE id = 1;
SELECT quote(i), quote(t), quote(r), quote(n) FROM v WHERE id = 1;
SELECT quote(i), quote(t), quote(r), quote(n) FROM o WHERE id = 1;

-- An INTEGER PRIMARY KEY takes '10' and 11.0 as integers and refuses the
-- rest, with SQLite's error.
INSERT INTO v(id) VALUES ('10'), (11.0);
INSERT INTO o(id) VALUES ('10'), (11.0);
SELECT id, typeof(id) FROM v WHERE id >= 10;
INSERT INTO v(id) VALUES ('abc');
INSERT INTO o(id) VALUES ('abc');
INSERT INTO v(id) VALUES (2.5);
INSERT INTO o(id) VALUES (2.5);
-- A mismatch in the middle of a statement, or in an UPDATE of the key,
-- leaves the data as it was.
CREATE TEMP TABLE v_before AS SELECT * FROM v;
INSERT INTO v(id) VALUES (20), ('x21'), (22);
INSERT INTO o(id) VALUES (20), ('x21'), (22);
UPDATE v SET id = 'k' || id WHERE id = 10;
UPDATE o SET id = 'k' || id WHERE id = 10;
UPDATE v SET id = id + 0.5 WHERE id >= 10;
UPDATE o SET id = id + 0.5 WHERE id >= 10;
SELECT count(*) AS changed FROM (SELECT * FROM v EXCEPT SELECT * FROM v_before);
SELECT count(*) AS differing_rows FROM (SELECT * FROM v EXCEPT SELECT * FROM o);
CREATE VIRTUAL TABLE lg USING tito(msg TEXT);
INSERT INTO lg VALUES ('a');
UPDATE lg SET rowid = 'abc';
UPDATE lg SET rowid = 1.5;
INSERT INTO lg(rowid, msg) VALUES ('x', 'b');
SELECT rowid, msg FROM lg;

-- Lookups compare with the column's affinity: '42'-style text finds numbers
-- in an INTEGER column, a number finds text in a TEXT column, through the key,
-- the index and a covering index.
SELECT id FROM v WHERE id = '4';
SELECT id FROM v WHERE i = '77';
SELECT id FROM o WHERE i = '77';
SELECT id FROM v WHERE t = 7.5;
SELECT id FROM o WHERE t = 7.5;
SELECT id, quote(r), quote(n) FROM v WHERE t = 77;
SELECT id, quote(r), quote(n) FROM o WHERE t = 77;
SELECT id FROM v WHERE i IN ('12', 3, '4.5') ORDER BY id;
SELECT id FROM o WHERE i IN ('12', 3, '4.5') ORDER BY id;

-- A composite key with affinity on each field.
CREATE VIRTUAL TABLE k USING tito(a INTEGER, b TEXT, c REAL, PRIMARY KEY (a, b, c));
INSERT INTO k VALUES ('1', 2, '3');
INSERT INTO k VALUES (1, '2', 3.0);
SELECT quote(a), quote(b), quote(c) FROM k;
SELECT count(*) FROM k WHERE a = '1' AND b = 2 AND c = '3';
SELECT tito_check('v'), tito_check('k');
