-- 087-known-values: an equality on a TEXT or untyped key field whose value
-- arrives as a text or a blob seeks exactly that value, so every row of the
-- scan holds it and xColumn gives it without reading the row
-- (titoSeekFixed). SQLite re-checks such a term when its right-hand side is
-- not a literal (a parameter, another table's column): the answers, their
-- types and bytes must be an ordinary table's, for every kind of value, and
-- a count over a parameter must step a handful of rows, not all of them.
CREATE VIRTUAL TABLE u USING tito(id INTEGER PRIMARY KEY, s TEXT, a, n INTEGER, INDEX by_s(s), INDEX by_a_s(a, s));
CREATE TABLE o(id INTEGER PRIMARY KEY, s TEXT, a, n INTEGER); CREATE INDEX o_s ON o(s); CREATE INDEX o_a_s ON o(a, s);
INSERT INTO o SELECT value, CASE value % 5 WHEN 0 THEN 'x' WHEN 1 THEN '5' WHEN 2 THEN ' 5' WHEN 3 THEN x'78' ELSE NULL END,
  CASE value % 4 WHEN 0 THEN 'x' WHEN 1 THEN 5 WHEN 2 THEN '5' ELSE x'78' END, value % 3 FROM generate_series(1, 3000);
INSERT INTO u SELECT * FROM o;
CREATE TABLE probe(t TEXT, i INTEGER, b); INSERT INTO probe VALUES ('x', 5, x'78');
CREATE TABLE probe5(t TEXT); INSERT INTO probe5 VALUES ('5'), (' 5');

.print '-- parameters of every kind on the TEXT field s and the untyped field a'
.parameter set ?1 'x'
SELECT 'text', (SELECT json_group_array(json_array(v, typeof(s), hex(s))) FROM (SELECT count(*) AS v, s FROM u WHERE s = ?1)) IS (SELECT json_group_array(json_array(v, typeof(s), hex(s))) FROM (SELECT count(*) AS v, s FROM o WHERE s = ?1));
SELECT count(*), typeof(s), hex(s) FROM u WHERE s = ?1;
SELECT 'untyped', (SELECT json_group_array(json_array(id, typeof(a), hex(a))) FROM (SELECT id, a FROM u WHERE a = ?1 AND id < 40 ORDER BY id)) IS (SELECT json_group_array(json_array(id, typeof(a), hex(a))) FROM (SELECT id, a FROM o WHERE a = ?1 AND id < 40 ORDER BY id));
.parameter set ?1 x'78'
SELECT 'blob', (SELECT json_group_array(json_array(v, typeof(s), hex(s))) FROM (SELECT count(*) AS v, s FROM u WHERE s = ?1)) IS (SELECT json_group_array(json_array(v, typeof(s), hex(s))) FROM (SELECT count(*) AS v, s FROM o WHERE s = ?1));
SELECT count(*), typeof(s), hex(s) FROM u WHERE s = ?1;
SELECT count(*), typeof(a), hex(a) FROM u WHERE a = ?1;
.parameter set ?1 5
SELECT 'number', (SELECT json_group_array(json_array(v, typeof(s), hex(s))) FROM (SELECT count(*) AS v, s FROM u WHERE s = ?1)) IS (SELECT json_group_array(json_array(v, typeof(s), hex(s))) FROM (SELECT count(*) AS v, s FROM o WHERE s = ?1));
SELECT count(*), typeof(s), hex(s) FROM u WHERE s = ?1;
SELECT count(*), group_concat(DISTINCT typeof(a)) FROM u WHERE a = ?1;
SELECT count(*), group_concat(DISTINCT typeof(a)) FROM o WHERE a = ?1;
-- (the shell stores a parameter with NUMERIC affinity: '5' is the number 5)
.parameter set ?1 '5'
SELECT count(*), typeof(s), hex(s) FROM u WHERE s = ?1;
SELECT count(*), typeof(s), hex(s) FROM o WHERE s = ?1;
SELECT count(*), group_concat(DISTINCT typeof(a)) FROM u WHERE a = ?1;
SELECT count(*), group_concat(DISTINCT typeof(a)) FROM o WHERE a = ?1;
.print '-- CAST and other tables: a number compares numerically, a text exactly'
SELECT count(*), group_concat(DISTINCT hex(s)) FROM u WHERE s = CAST(?1 AS INTEGER);
SELECT count(*), group_concat(DISTINCT hex(s)) FROM o WHERE s = CAST(?1 AS INTEGER);
SELECT count(*), group_concat(DISTINCT hex(u.s)) FROM probe JOIN u ON u.s = probe.i;
SELECT count(*), group_concat(DISTINCT hex(o.s)) FROM probe JOIN o ON o.s = probe.i;
SELECT count(*), group_concat(DISTINCT hex(u.s)) FROM probe JOIN u ON u.s = probe.t;
SELECT count(*), group_concat(DISTINCT hex(u.s)) FROM probe JOIN u ON u.s = probe.b;
SELECT count(*), group_concat(DISTINCT hex(o.s)) FROM probe JOIN o ON o.s = probe.b;
.print '-- texts that read as a number, from a TEXT column: exact on both fields'
SELECT probe5.t, count(u.id), group_concat(DISTINCT typeof(u.s) || ':' || hex(u.s)) FROM probe5 LEFT JOIN u ON u.s = probe5.t GROUP BY 1 ORDER BY 1;
SELECT probe5.t, count(o.id), group_concat(DISTINCT typeof(o.s) || ':' || hex(o.s)) FROM probe5 LEFT JOIN o ON o.s = probe5.t GROUP BY 1 ORDER BY 1;
SELECT probe5.t, count(u.id), group_concat(DISTINCT typeof(u.a) || ':' || hex(u.a)) FROM probe5 LEFT JOIN u ON u.a = probe5.t GROUP BY 1 ORDER BY 1;
SELECT probe5.t, count(o.id), group_concat(DISTINCT typeof(o.a) || ':' || hex(o.a)) FROM probe5 LEFT JOIN o ON o.a = probe5.t GROUP BY 1 ORDER BY 1;
.print '-- two fields, the second a parameter; an IN list on the first'
.parameter set ?1 '5'
.parameter set ?2 'x'
SELECT count(*), hex(a), hex(s) FROM u WHERE a = ?1 AND s = ?2;
SELECT count(*), hex(a), hex(s) FROM o WHERE a = ?1 AND s = ?2;
SELECT a, s, count(*) FROM u WHERE a IN ('x', '5') AND s = ?2 GROUP BY a, s ORDER BY 1, 2;
SELECT a, s, count(*) FROM o WHERE a IN ('x', '5') AND s = ?2 GROUP BY a, s ORDER BY 1, 2;
.print '-- a first field whose value widens the seek (a number on the untyped a): the next field is left to SQLite, never known'
.parameter set ?1 5
.parameter set ?2 'x'
SELECT a, s, count(*) FROM u WHERE a = ?1 AND s = ?2 GROUP BY a, s;
SELECT a, s, count(*) FROM o WHERE a = ?1 AND s = ?2 GROUP BY a, s;
SELECT a, s, count(*) FROM u WHERE a IN (?1, 'x') AND s IN (?2, '5') GROUP BY a, s ORDER BY 1, 2;
SELECT a, s, count(*) FROM o WHERE a IN (?1, 'x') AND s IN (?2, '5') GROUP BY a, s ORDER BY 1, 2;
SELECT count(*), group_concat(DISTINCT hex(s)) FROM u WHERE a IN (NULL, ?1) AND s = ?2;
SELECT count(*), group_concat(DISTINCT hex(s)) FROM o WHERE a IN (NULL, ?1) AND s = ?2;
.print '-- a count over a parameter steps a handful of rows (counted: rows_scanned)'
.parameter set ?1 'x'
CREATE TEMP TABLE before AS SELECT value FROM tito_stats WHERE store = 'embedded' AND name = 'rows_scanned';
SELECT count(*) FROM u WHERE s = ?1;
SELECT (SELECT value FROM tito_stats WHERE store = 'embedded' AND name = 'rows_scanned') - (SELECT value FROM before) < 100;
.print '-- writes through such a scan'
.parameter set ?1 ' 5'
UPDATE u SET n = n + 10 WHERE s = ?1; UPDATE o SET n = n + 10 WHERE s = ?1;
DELETE FROM u WHERE a = ?1; DELETE FROM o WHERE a = ?1;
SELECT (SELECT count(*) FROM (SELECT * FROM u EXCEPT SELECT * FROM o)) + (SELECT count(*) FROM (SELECT * FROM o EXCEPT SELECT * FROM u)), (SELECT count(*) FROM u), (SELECT sum(n) FROM u) = (SELECT sum(n) FROM o);
.print '-- empty text and an empty blob as the value every row holds (a blob, not NULL)'
INSERT INTO u VALUES (5001, '', x'', 0), (5002, x'', '', 0); INSERT INTO o VALUES (5001, '', x'', 0), (5002, x'', '', 0);
SELECT id, typeof(s), quote(s) FROM u WHERE s = '' ORDER BY id;
SELECT id, typeof(s), quote(s) FROM u WHERE s = x'' ORDER BY id;
.parameter set ?1 x''
SELECT id, typeof(a), quote(a) FROM u WHERE a = ?1 AND s = '' UNION ALL SELECT id, typeof(a), quote(a) FROM o WHERE a = ?1 AND s = '';
SELECT tito_check('u');
