-- 140-seek-affinity: a comparison whose right-hand side has an affinity of
-- its own compares as on an ordinary table. CAST(x AS REAL), a numeric
-- column or a subquery over one makes SQLite apply NUMERIC affinity to both
-- sides, so text in a TEXT or untyped key field that reads as a number
-- ('-0', '  12 ') compares as that number; a literal or a parameter
-- compares as text. Each answer is printed, then compared with the same
-- statement on an ordinary table holding the same rows (the differential
-- test's matrix tries every kind of right-hand side on every affinity).

.print -- the issue's example: only -0 is <= 0.0 as a number
CREATE VIRTUAL TABLE t USING tito(c0 TEXT PRIMARY KEY);
CREATE TABLE n(c0 TEXT PRIMARY KEY);
INSERT INTO t VALUES (''), ('-Inf'), ('  12 '), ('-0'), ('abc');
INSERT INTO n SELECT * FROM t;
SELECT quote(c0) FROM t WHERE c0 = CAST('0' AS REAL);
SELECT quote(c0) FROM t WHERE c0 > CAST('0' AS REAL) ORDER BY c0;
DELETE FROM t WHERE c0 <= CAST('0' AS REAL);
DELETE FROM n WHERE c0 <= CAST('0' AS REAL);
SELECT group_concat(quote(c0), ' ') FROM (SELECT c0 FROM t ORDER BY c0);
SELECT CASE WHEN (SELECT group_concat(c0, '|') FROM (SELECT c0 FROM t ORDER BY c0))
               = (SELECT group_concat(c0, '|') FROM (SELECT c0 FROM n ORDER BY c0))
            THEN 'same rows as sqlite' ELSE 'DIFFERENT' END;

.print -- UPDATE through a CAST on the key, then through a secondary index
CREATE VIRTUAL TABLE k USING tito(id TEXT PRIMARY KEY, c TEXT, b, n INTEGER,
  INDEX by_c(c), INDEX by_b(b));
CREATE TABLE o(id TEXT PRIMARY KEY, c TEXT, b, n INTEGER);
CREATE INDEX o_c ON o(c);
CREATE INDEX o_b ON o(b);
INSERT INTO k VALUES ('0', '0', '0', 0), ('-0', '-0', 0, 0), (' 0', ' 0', ' 0', 0),
  ('0.0', '0.0', 0.0, 0), ('1e-400', '1e-400', '1e-400', 0), ('5', '5', 5, 0),
  ('05', '05', '05', 0), ('abc', 'abc', 'abc', 0), ('', '', x'30', 0);
INSERT INTO o SELECT * FROM k;
UPDATE k SET n = 1 WHERE id = CAST(0 AS INTEGER);
UPDATE o SET n = 1 WHERE id = CAST(0 AS INTEGER);
UPDATE k SET n = n + 10 WHERE c = CAST(5 AS INTEGER);
UPDATE o SET n = n + 10 WHERE c = CAST(5 AS INTEGER);
UPDATE k SET n = n + 100 WHERE b < CAST(1 AS INTEGER);
UPDATE o SET n = n + 100 WHERE b < CAST(1 AS INTEGER);
SELECT quote(id), n FROM k ORDER BY id;
SELECT CASE WHEN (SELECT group_concat(id || '=' || n, '|') FROM (SELECT * FROM k ORDER BY id))
               = (SELECT group_concat(id || '=' || n, '|') FROM (SELECT * FROM o ORDER BY id))
            THEN 'same rows as sqlite' ELSE 'DIFFERENT' END;
SELECT tito_check('k');

.print -- the same value as a literal or a parameter compares as text
SELECT quote(id) FROM k WHERE id = 0;
SELECT quote(id) FROM k WHERE id = +CAST(0 AS INTEGER);
.parameter set ?1 0
SELECT quote(id) FROM k WHERE id = ?1;
SELECT quote(c) FROM k WHERE c = 5;
SELECT quote(b) FROM k WHERE b = 0 ORDER BY b;

.print -- joins with columns of every affinity (r holds 0, 5, and text)
CREATE TABLE r(id INTEGER PRIMARY KEY, t TEXT, nu NUMERIC, re REAL, u);
INSERT INTO r VALUES (1, '0', 0, 0.0, 0), (2, '5', 5, 5.0, '5'),
  (3, '0x10', '0x10', '', x'35');
SELECT 'id = r.nu', group_concat(x, ' ') FROM (SELECT r.id || ':' || quote(k.id) AS x FROM r CROSS JOIN k ON k.id = r.nu ORDER BY 1);
SELECT 'id = r.re', group_concat(x, ' ') FROM (SELECT r.id || ':' || quote(k.id) AS x FROM r CROSS JOIN k ON k.id = r.re ORDER BY 1);
SELECT 'id = r.t', group_concat(x, ' ') FROM (SELECT r.id || ':' || quote(k.id) AS x FROM r CROSS JOIN k ON k.id = r.t ORDER BY 1);
SELECT 'id = r.u', group_concat(x, ' ') FROM (SELECT r.id || ':' || quote(k.id) AS x FROM r CROSS JOIN k ON k.id = r.u ORDER BY 1);
SELECT 'id <= r.nu', group_concat(x, ' ') FROM (SELECT r.id || ':' || quote(k.id) AS x FROM r CROSS JOIN k ON k.id <= r.nu ORDER BY 1);
SELECT 'b = r.nu', group_concat(x, ' ') FROM (SELECT r.id || ':' || quote(k.b) AS x FROM r CROSS JOIN k ON k.b = r.nu ORDER BY 1);
SELECT 'b < r.re', group_concat(x, ' ') FROM (SELECT r.id || ':' || quote(k.b) AS x FROM r CROSS JOIN k ON k.b < r.re ORDER BY 1);
SELECT CASE WHEN
  (SELECT group_concat(x, '|') FROM (SELECT r.id || ':' || k.id AS x FROM r CROSS JOIN k ON k.id = r.nu UNION ALL
     SELECT r.id || ':' || k.id FROM r CROSS JOIN k ON k.id = r.re UNION ALL
     SELECT r.id || ':' || k.id FROM r CROSS JOIN k ON k.id = r.t UNION ALL
     SELECT r.id || ':' || k.id FROM r CROSS JOIN k ON k.id = r.u UNION ALL
     SELECT r.id || ':' || k.id FROM r CROSS JOIN k ON k.id <= r.nu UNION ALL
     SELECT r.id || ':' || k.b FROM r CROSS JOIN k ON k.b = r.nu UNION ALL
     SELECT r.id || ':' || k.b FROM r CROSS JOIN k ON k.b < r.re ORDER BY 1))
  = (SELECT group_concat(x, '|') FROM (SELECT r.id || ':' || o.id AS x FROM r CROSS JOIN o ON o.id = r.nu UNION ALL
     SELECT r.id || ':' || o.id FROM r CROSS JOIN o ON o.id = r.re UNION ALL
     SELECT r.id || ':' || o.id FROM r CROSS JOIN o ON o.id = r.t UNION ALL
     SELECT r.id || ':' || o.id FROM r CROSS JOIN o ON o.id = r.u UNION ALL
     SELECT r.id || ':' || o.id FROM r CROSS JOIN o ON o.id <= r.nu UNION ALL
     SELECT r.id || ':' || o.b FROM r CROSS JOIN o ON o.b = r.nu UNION ALL
     SELECT r.id || ':' || o.b FROM r CROSS JOIN o ON o.b < r.re ORDER BY 1))
  THEN 'same rows as sqlite' ELSE 'DIFFERENT' END;

.print -- an equality that may match several texts: the ORDER BY still holds
.print -- (SQLite 3.40 drops "ORDER BY c" on its own table here, taking c as
.print -- constant: its rows are sorted apart to compare)
SELECT group_concat(quote(c), ' ') FROM (SELECT c FROM k WHERE c = CAST(0 AS INTEGER) ORDER BY c);
SELECT group_concat(quote(c), ' ') FROM (SELECT c FROM k WHERE c = CAST(0 AS INTEGER) ORDER BY c DESC);
SELECT CASE WHEN (SELECT group_concat(c, '|') FROM (SELECT c FROM k WHERE c = CAST(0 AS INTEGER) ORDER BY c DESC))
               = (SELECT group_concat(c, '|') FROM (SELECT c FROM (SELECT c || '' AS c FROM o WHERE c = CAST(0 AS INTEGER)) ORDER BY c DESC))
            THEN 'same rows as sqlite, in order' ELSE 'DIFFERENT' END;
