-- 090-like-glob: LIKE and GLOB on keys and indexed columns answer exactly as
-- on an ordinary table, whether or not this SQLite lets them match a BLOB
-- (SQLITE_LIKE_DOESNT_MATCH_BLOBS: Debian's SQLite has it, most others do
-- not). SQLite derives a range from a pattern's prefix (x >= 'ab' AND
-- x < 'ac') and offers it to the table; a BLOB that matches as text lies
-- outside that range, so tito seeks on it only where BLOBs cannot match.
-- Each line compares the tito table's rows with the ordinary table's
-- (types and order included): 'same' or 'DIFFERENT'.

CREATE VIRTUAL TABLE t USING tito(a INTEGER, b TEXT, c, PRIMARY KEY(a, b),
  INDEX by_b(b), INDEX by_c(c DESC));
CREATE TABLE o(a INTEGER, b TEXT, c, PRIMARY KEY(a, b));
CREATE INDEX o_b ON o(b);
CREATE INDEX o_c ON o(c DESC);
INSERT INTO t VALUES
  (X'61', 'ab', X'6162'), (2, 'x', 'ab'), ('abc', X'6263', 3),
  (X'616263', 'b', 'a'), ('a', 'abc', X'61'), (10, 'aB', 10),
  (11, 'Ab', X'4162'), (12, X'41', 'A_b'), (13, 'a_b', 'a%b'), (14, '', X''),
  (15, 'é', X'C3A9'), (16, 'b', 100), (17, X'615F62', 'a1'), (18, 'a1', 11);
INSERT INTO o SELECT * FROM t;
SELECT tito_check('t');

.print -- GLOB, and LIKE (whose range is NOCASE: never used to seek)
SELECT 'a GLOB ''a*''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE a GLOB 'a*' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE a GLOB 'a*' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'a GLOB ''ab*''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE a GLOB 'ab*' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE a GLOB 'ab*' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'a GLOB ''a''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE a GLOB 'a' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE a GLOB 'a' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'b GLOB ''a*''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE b GLOB 'a*' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE b GLOB 'a*' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'b GLOB ''b*''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE b GLOB 'b*' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE b GLOB 'b*' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'b GLOB ''a?''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE b GLOB 'a?' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE b GLOB 'a?' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'c GLOB ''a*''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE c GLOB 'a*' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE c GLOB 'a*' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'c GLOB ''A*''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE c GLOB 'A*' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE c GLOB 'A*' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'c GLOB ''é*''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE c GLOB 'é*' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE c GLOB 'é*' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'c GLOB ''a1*''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE c GLOB 'a1*' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE c GLOB 'a1*' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'a LIKE ''a%''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE a LIKE 'a%' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE a LIKE 'a%' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'b LIKE ''a%''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE b LIKE 'a%' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE b LIKE 'a%' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'c LIKE ''a%''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE c LIKE 'a%' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE c LIKE 'a%' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'b LIKE ''A_''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE b LIKE 'A_' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE b LIKE 'A_' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'b LIKE ''a\_b'' ESCAPE ''\''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE b LIKE 'a\_b' ESCAPE '\' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE b LIKE 'a\_b' ESCAPE '\' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'c LIKE ''a\%%'' ESCAPE ''\''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE c LIKE 'a\%%' ESCAPE '\' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE c LIKE 'a\%%' ESCAPE '\' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'b GLOB ''a*'' AND b >= ''a''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE b GLOB 'a*' AND b >= 'a' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE b GLOB 'a*' AND b >= 'a' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'a GLOB ''a*'' AND a < ''b''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE a GLOB 'a*' AND a < 'b' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE a GLOB 'a*' AND a < 'b' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'c GLOB ''a*'' AND c IS NOT NULL', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE c GLOB 'a*' AND c IS NOT NULL ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE c GLOB 'a*' AND c IS NOT NULL ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;

.print -- LIKE under case_sensitive_like: its range is BINARY, like GLOB's
PRAGMA case_sensitive_like = ON;
SELECT 'a LIKE ''a%''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE a LIKE 'a%' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE a LIKE 'a%' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'b LIKE ''a%''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE b LIKE 'a%' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE b LIKE 'a%' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'c LIKE ''a%''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE c LIKE 'a%' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE c LIKE 'a%' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'b LIKE ''A_''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE b LIKE 'A_' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE b LIKE 'A_' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'b LIKE ''a\_b'' ESCAPE ''\''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE b LIKE 'a\_b' ESCAPE '\' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE b LIKE 'a\_b' ESCAPE '\' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
SELECT 'c LIKE ''a\%%'' ESCAPE ''\''', CASE WHEN (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM t WHERE c LIKE 'a\%%' ESCAPE '\' ORDER BY a, b))
  = (SELECT json_group_array(json_array(typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c))) FROM (SELECT * FROM o WHERE c LIKE 'a\%%' ESCAPE '\' ORDER BY a, b)) THEN 'same' ELSE 'DIFFERENT' END;
PRAGMA case_sensitive_like = OFF;
