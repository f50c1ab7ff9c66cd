-- 100-types-order: keys and index entries sort in SQLite's order across
-- types: NULL < numbers (integers and reals by value) < TEXT (BINARY) < BLOB.
-- ORDER BY consumed by the key or an index (forward or reverse) returns the
-- rows in exactly the order an ordinary table's ORDER BY does; ranges across
-- types select the same rows; -0.0 equals 0; big integers stay exact.

-- The values: no two compare equal, so every order is total.
CREATE TEMP TABLE vals(id INTEGER PRIMARY KEY, v);
INSERT INTO vals(v) VALUES
  (NULL), (-1e999), (-1.7976931348623157e308), (-9223372036854775808),
  (-9223372036854775807), (-9.2e18), (-4503599627370497), (-4503599627370496.0),
  (-2), (-1.5), (-1), (-0.5), (-1e-300), (0), (1e-300), (0.5), (1), (1.5), (2),
  (9007199254740992.0), (9007199254740993), (9007199254740994.0),
  (9223372036854775806), (9223372036854775807), (9223372036854775808.0),
  (1.7976931348623157e308), (1e999),
  (''), (' '), ('0'), ('1'), ('10'), ('9'), ('A'), ('Z'), ('a'),
  ('a' || char(0)), ('a' || char(0) || 'b'), ('a' || char(1)), ('ab'), ('b'),
  ('é'), ('😀'), (char(65535)),
  (x''), (x'00'), (x'0000'), (x'0001'), (x'01'), (x'61'), (x'ff'), (x'ff00');

-- An untyped column (BLOB affinity keeps every type) with an ascending and a
-- descending index; the ordinary table has the same indexes.
CREATE VIRTUAL TABLE m USING tito(id INTEGER PRIMARY KEY, v, INDEX by_v(v), INDEX by_vd(v DESC));
CREATE TABLE o(id INTEGER PRIMARY KEY, v);
CREATE INDEX o_v ON o(v);
INSERT INTO m SELECT * FROM vals;
INSERT INTO o SELECT * FROM vals;
SELECT tito_check('m');

.print -- ORDER BY v, consumed by a scan of by_v over every non-NULL value
.print -- (v >= -Inf); this listing is the reference order
EXPLAIN QUERY PLAN SELECT id, v FROM m WHERE v >= -1e999 ORDER BY v;
-- (A real is shown exactly when it is a whole number, else with 15 digits:
-- quote() prints reals differently from one SQLite version to the next.)
SELECT typeof(v), CASE WHEN typeof(v) IN ('text', 'blob') THEN 'x''' || hex(v) || ''''
                       WHEN typeof(v) = 'real' AND v = CAST(v AS INTEGER) THEN CAST(v AS INTEGER) || '.0'
                       WHEN typeof(v) = 'real' THEN printf('%!.15g', v) ELSE quote(v) END
  FROM m WHERE v >= -1e999 ORDER BY v;
SELECT CASE WHEN (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM m WHERE v >= -1e999 ORDER BY v))
               = (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM o WHERE v >= -1e999 ORDER BY v))
            THEN 'same order as sqlite' ELSE 'DIFFERENT' END;
.print -- ORDER BY v DESC: by_vd forward, or by_v in reverse
EXPLAIN QUERY PLAN SELECT id, v FROM m WHERE v >= -1e999 ORDER BY v DESC;
SELECT CASE WHEN (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM m WHERE v >= -1e999 ORDER BY v DESC))
               = (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM o WHERE v >= -1e999 ORDER BY v DESC))
            THEN 'same order as sqlite' ELSE 'DIFFERENT' END;
.print -- with NULL: ORDER BY v over the whole table (NULL first, then as above)
SELECT CASE WHEN (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM m ORDER BY v))
               = (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM o ORDER BY v))
             AND (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM m ORDER BY v DESC))
               = (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM o ORDER BY v DESC))
             AND (SELECT id FROM m WHERE v IS NULL) = 1
            THEN 'same order as sqlite' ELSE 'DIFFERENT' END;

.print -- ranges across types (v > 1 includes every text and blob, as in SQLite)
EXPLAIN QUERY PLAN SELECT id, v FROM m WHERE v > 1;
SELECT count(*) FROM m WHERE v > 1;
SELECT a.n, CASE WHEN a.ids = b.ids THEN 'same' ELSE 'DIFFERENT' END FROM
  (SELECT 'v > 1' AS n, (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM m WHERE v > 1 ORDER BY v)) AS ids
   UNION ALL SELECT 'v >= -0.0', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM m WHERE v >= -0.0 ORDER BY v))
   UNION ALL SELECT 'v < ''a''', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM m WHERE v < 'a' ORDER BY v))
   UNION ALL SELECT 'v BETWEEN ''a'' AND ''b''', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM m WHERE v BETWEEN 'a' AND 'b' ORDER BY v))
   UNION ALL SELECT 'v >= x''''', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM m WHERE v >= x'' ORDER BY v DESC))
   UNION ALL SELECT 'v < 9007199254740993', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM m WHERE v < 9007199254740993 ORDER BY v DESC))
   UNION ALL SELECT 'v > 9223372036854775807', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM m WHERE v > 9223372036854775807 AND typeof(v) <> 'text' AND typeof(v) <> 'blob'))
   UNION ALL SELECT 'v < -9223372036854775807', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM m WHERE v < -9223372036854775807 ORDER BY v))
  ) a JOIN
  (SELECT 'v > 1' AS n, (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM o WHERE v > 1 ORDER BY v)) AS ids
   UNION ALL SELECT 'v >= -0.0', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM o WHERE v >= -0.0 ORDER BY v))
   UNION ALL SELECT 'v < ''a''', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM o WHERE v < 'a' ORDER BY v))
   UNION ALL SELECT 'v BETWEEN ''a'' AND ''b''', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM o WHERE v BETWEEN 'a' AND 'b' ORDER BY v))
   UNION ALL SELECT 'v >= x''''', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM o WHERE v >= x'' ORDER BY v DESC))
   UNION ALL SELECT 'v < 9007199254740993', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM o WHERE v < 9007199254740993 ORDER BY v DESC))
   UNION ALL SELECT 'v > 9223372036854775807', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM o WHERE v > 9223372036854775807 AND typeof(v) <> 'text' AND typeof(v) <> 'blob'))
   UNION ALL SELECT 'v < -9223372036854775807', (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM o WHERE v < -9223372036854775807 ORDER BY v))
  ) b USING (n);

.print -- equality across numeric types: 1 finds 1, 1.0 finds 1, -0.0 finds 0
SELECT group_concat(id) FROM m WHERE v = 1.0;
SELECT group_concat(id) FROM m WHERE v = -0.0;
SELECT group_concat(id) FROM m WHERE v = 9007199254740992.0;
SELECT group_concat(id) FROM m WHERE v IN (2.0, '2', x'ff');

.print -- the same order as the primary key (untyped, so every type but NULL)
CREATE VIRTUAL TABLE k USING tito(v PRIMARY KEY, id INTEGER);
CREATE TABLE ko(v PRIMARY KEY, id INTEGER) WITHOUT ROWID;
INSERT INTO k SELECT v, id FROM vals WHERE v IS NOT NULL;
INSERT INTO ko SELECT v, id FROM vals WHERE v IS NOT NULL;
EXPLAIN QUERY PLAN SELECT id, v FROM k ORDER BY v DESC;
SELECT CASE WHEN (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM k ORDER BY v))
               = (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM ko ORDER BY v))
             AND (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM k ORDER BY v DESC))
               = (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM ko ORDER BY v DESC))
             AND (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM k)
               = (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM ko ORDER BY v))
            THEN 'same order as sqlite' ELSE 'DIFFERENT' END;
.print -- equal keys collide: 0 and -0.0, 2 and 2.0; text '2' does not
INSERT INTO k VALUES (-0.0, 100);
INSERT INTO ko VALUES (-0.0, 100);
INSERT INTO k VALUES (2.0, 101);
INSERT INTO ko VALUES (2.0, 101);
INSERT INTO k VALUES ('2', 102);
INSERT INTO ko VALUES ('2', 102);
SELECT id FROM k WHERE v = 0;
SELECT quote(v) FROM k WHERE v = 2 OR v = '2';
SELECT tito_check('k');

.print -- a DESC primary key is stored in descending order
CREATE VIRTUAL TABLE kd USING tito(v PRIMARY KEY DESC, id INTEGER);
INSERT INTO kd SELECT v, id FROM vals WHERE v IS NOT NULL;
EXPLAIN QUERY PLAN SELECT id, v FROM kd ORDER BY v DESC;
EXPLAIN QUERY PLAN SELECT id, v FROM kd ORDER BY v;
SELECT CASE WHEN (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM kd ORDER BY v))
               = (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM vals WHERE v IS NOT NULL ORDER BY v))
             AND (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM kd)
               = (SELECT json_group_array(json_array(id, typeof(v), quote(v), hex(v))) FROM (SELECT id, v FROM vals WHERE v IS NOT NULL ORDER BY v DESC))
            THEN 'same order as sqlite' ELSE 'DIFFERENT' END;

.print -- a composite key mixing types and directions
CREATE VIRTUAL TABLE c USING tito(a, b, PRIMARY KEY (a DESC, b));
CREATE TABLE co(a, b, PRIMARY KEY (a, b)) WITHOUT ROWID;
INSERT INTO c SELECT x.v, y.v FROM vals x, vals y
  WHERE x.id % 7 = 1 AND y.id % 9 = 2 AND x.v IS NOT NULL AND y.v IS NOT NULL;
INSERT INTO co SELECT * FROM c;
SELECT count(*) FROM c;
EXPLAIN QUERY PLAN SELECT a, b FROM c ORDER BY a DESC, b;
SELECT CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b))) FROM (SELECT a, b FROM c ORDER BY a DESC, b))
               = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b))) FROM (SELECT a, b FROM co ORDER BY a DESC, b))
             AND (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b))) FROM (SELECT a, b FROM c ORDER BY a, b DESC))
               = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b))) FROM (SELECT a, b FROM co ORDER BY a, b DESC))
            THEN 'same order as sqlite' ELSE 'DIFFERENT' END;
SELECT tito_check('m'), tito_check('kd'), tito_check('c');
