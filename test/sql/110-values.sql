-- 110-values: values of every size and content survive the store exactly:
-- long text and blobs in keys, index entries and rows, text holding NUL
-- bytes, empty strings and blobs, zeroblobs, 4-byte UTF-8; each compared
-- with an ordinary table holding the same rows.

CREATE VIRTUAL TABLE t USING tito(k PRIMARY KEY, v, w TEXT, INDEX by_v(v), UNIQUE INDEX by_w(w));
CREATE TABLE o(k PRIMARY KEY, v, w TEXT UNIQUE) WITHOUT ROWID;
CREATE INDEX o_v ON o(v);
CREATE TEMP TABLE src(k, v, w);
INSERT INTO src VALUES
  ('empty text', '', ''),
  (x'', x'', 'empty blob'),
  ('nul' || char(0) || 'inside', 'a' || char(0) || 'b', 'x' || char(0)),
  ('nul' || char(0), char(0), 'x' || char(0) || char(0)),
  ('nul', char(0) || char(0), 'x'),
  (x'00ff00', x'00', 'blob key'),
  ('long key ' || printf('%.10000c', 'k'), printf('%.5000c', 'v'), printf('%.3000c', 'w')),
  ('long blob', zeroblob(1000000), 'zeroblob'),
  ('random blob', x'0001020304fffefd' || zeroblob(100) || x'ff', 'rb'),
  ('unicode 😀', 'éà😀' || char(65533), '中文'),
  (1, 2, '3'),
  (-1.5, 1e308, '-1.5');
INSERT INTO t SELECT * FROM src;
INSERT INTO o SELECT * FROM src;

.print -- the same rows, byte for byte
SELECT count(*) FROM t;
SELECT count(*) AS differing FROM (
  SELECT k, typeof(k), hex(k), typeof(v), hex(v), typeof(w), hex(w) FROM t
  EXCEPT
  SELECT k, typeof(k), hex(k), typeof(v), hex(v), typeof(w), hex(w) FROM o);
SELECT typeof(k), length(k), typeof(v), length(v), length(w) FROM t ORDER BY k;
SELECT CASE WHEN (SELECT json_group_array(hex(k)) FROM (SELECT k FROM t ORDER BY k))
               = (SELECT json_group_array(hex(k)) FROM (SELECT k FROM o ORDER BY k))
             AND (SELECT json_group_array(hex(k)) FROM (SELECT k FROM t WHERE v >= x'' ORDER BY v))
               = (SELECT json_group_array(hex(k)) FROM (SELECT k FROM o WHERE v >= x'' ORDER BY v))
             AND (SELECT json_group_array(hex(k)) FROM (SELECT k FROM t WHERE w > '' ORDER BY w DESC))
               = (SELECT json_group_array(hex(k)) FROM (SELECT k FROM o WHERE w > '' ORDER BY w DESC))
            THEN 'same order as sqlite' ELSE 'DIFFERENT' END;

.print -- point lookups find exactly one row, through the key and the indexes
SELECT hex(w) FROM t WHERE k = 'nul' || char(0);
SELECT hex(w) FROM t WHERE k = 'nul';
SELECT hex(k) FROM t WHERE v = char(0);
SELECT hex(k) FROM t WHERE w = 'x' || char(0);
SELECT length(w) FROM t WHERE k = 'long key ' || printf('%.10000c', 'k');
SELECT w FROM t WHERE v = zeroblob(1000000);
SELECT length(v) FROM t WHERE w = printf('%.3000c', 'w');
SELECT count(*) FROM t WHERE k = 'empty text' AND v = '' AND w = '';
SELECT w FROM t WHERE k = x'';
.print -- a NUL-extended text is a different unique value
INSERT INTO t VALUES ('dup', NULL, 'x' || char(0) || char(0) || char(0));
INSERT INTO o VALUES ('dup', NULL, 'x' || char(0) || char(0) || char(0));
INSERT INTO t VALUES ('dup2', NULL, 'x' || char(0));
INSERT INTO o VALUES ('dup2', NULL, 'x' || char(0));

.print -- updates and deletes of large values leave nothing behind
UPDATE t SET v = zeroblob(10), k = 'short' WHERE w = 'zeroblob';
UPDATE o SET v = zeroblob(10), k = 'short' WHERE w = 'zeroblob';
DELETE FROM t WHERE w = printf('%.3000c', 'w');
DELETE FROM o WHERE w = printf('%.3000c', 'w');
SELECT max(length(k)), max(length(v)) FROM t;
SELECT max(length(k)), max(length(v)) FROM tito_store;
SELECT count(*) AS differing FROM (
  SELECT k, typeof(k), hex(k), typeof(v), hex(v), typeof(w), hex(w) FROM t
  EXCEPT
  SELECT k, typeof(k), hex(k), typeof(v), hex(v), typeof(w), hex(w) FROM o);
SELECT tito_check('t');
