-- 080-planner: EXPLAIN QUERY PLAN shows the path xBestIndex chose (its
-- idxStr), and the rows are those of an ordinary table o with the same
-- indexes. Each case prints the plan, then one line: the tito rows as JSON,
-- and "same" when the ordinary table returns the same rows (in the same
-- order when the query has an ORDER BY).

CREATE VIRTUAL TABLE u USING tito(id TEXT PRIMARY KEY, name TEXT NOT NULL,
  email TEXT, role TEXT, status TEXT DEFAULT 'new', score REAL, n INTEGER,
  UNIQUE INDEX by_email(email),
  INDEX by_role_status(role, status DESC),
  INDEX by_active(status) WHERE status = 'active' AND score > 0,
  INDEX by_role_cover(role) INCLUDE (name),
  UNIQUE INDEX by_n(n));
CREATE TABLE o(id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT,
  role TEXT, status TEXT DEFAULT 'new', score REAL, n INTEGER);
CREATE UNIQUE INDEX o_email ON o(email);
CREATE INDEX o_role_status ON o(role, status DESC);
CREATE INDEX o_active ON o(status) WHERE status = 'active' AND score > 0;
CREATE INDEX o_role_cover ON o(role, name);
CREATE UNIQUE INDEX o_n ON o(n);
INSERT INTO u SELECT printf('u%02d', value), 'name' || value,
  CASE WHEN value % 7 THEN 'e' || value || '@x' END,
  CASE value % 3 WHEN 0 THEN 'admin' WHEN 1 THEN 'dev' ELSE 'ops' END,
  CASE value % 4 WHEN 0 THEN 'active' WHEN 1 THEN 'new' WHEN 2 THEN 'gone' ELSE 'active' END,
  (value % 5) - 1, value
  FROM generate_series(1, 40);
INSERT INTO o SELECT * FROM u;
SELECT tito_check('u');

.print -- primary-key equality: one point get
EXPLAIN QUERY PLAN SELECT id, name FROM u WHERE id = 'u07';
SELECT (SELECT json_group_array(json_array(id, name)) FROM (SELECT id, name FROM u WHERE id = 'u07')),
  CASE WHEN NOT EXISTS (SELECT id, name FROM u WHERE id = 'u07' EXCEPT SELECT id, name FROM o WHERE id = 'u07') AND NOT EXISTS (SELECT id, name FROM o WHERE id = 'u07' EXCEPT SELECT id, name FROM u WHERE id = 'u07') THEN 'same' ELSE 'DIFFERENT' END;
.print -- equality on a unique INTEGER index, with a text literal
EXPLAIN QUERY PLAN SELECT n FROM u WHERE n = '7';
SELECT (SELECT json_group_array(json_array(n)) FROM (SELECT n FROM u WHERE n = '7')),
  CASE WHEN NOT EXISTS (SELECT n FROM u WHERE n = '7' EXCEPT SELECT n FROM o WHERE n = '7') AND NOT EXISTS (SELECT n FROM o WHERE n = '7' EXCEPT SELECT n FROM u WHERE n = '7') THEN 'same' ELSE 'DIFFERENT' END;
.print -- a range on an index alone
EXPLAIN QUERY PLAN SELECT id FROM u WHERE email > 'e37';
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE email > 'e37')),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE email > 'e37' EXCEPT SELECT id FROM o WHERE email > 'e37') AND NOT EXISTS (SELECT id FROM o WHERE email > 'e37' EXCEPT SELECT id FROM u WHERE email > 'e37') THEN 'same' ELSE 'DIFFERENT' END;
.print -- IN on the key: one batched get
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id IN ('u03', 'u01', 'u99', 'u01');
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id IN ('u03', 'u01', 'u99', 'u01'))),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE id IN ('u03', 'u01', 'u99', 'u01') EXCEPT SELECT id FROM o WHERE id IN ('u03', 'u01', 'u99', 'u01')) AND NOT EXISTS (SELECT id FROM o WHERE id IN ('u03', 'u01', 'u99', 'u01') EXCEPT SELECT id FROM u WHERE id IN ('u03', 'u01', 'u99', 'u01')) THEN 'same' ELSE 'DIFFERENT' END;
.print -- IN on the key, ORDER BY the key
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id IN ('u03', 'u01', 'u12') ORDER BY id;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id IN ('u03', 'u01', 'u12') ORDER BY id)),
  CASE WHEN (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id IN ('u03', 'u01', 'u12') ORDER BY id)) = (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM o WHERE id IN ('u03', 'u01', 'u12') ORDER BY id)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- IN on the key from a subquery
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id IN (SELECT value FROM json_each('["u02", "u04"]'));
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id IN (SELECT value FROM json_each('["u02", "u04"]')))),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE id IN (SELECT value FROM json_each('["u02", "u04"]')) EXCEPT SELECT id FROM o WHERE id IN (SELECT value FROM json_each('["u02", "u04"]'))) AND NOT EXISTS (SELECT id FROM o WHERE id IN (SELECT value FROM json_each('["u02", "u04"]')) EXCEPT SELECT id FROM u WHERE id IN (SELECT value FROM json_each('["u02", "u04"]'))) THEN 'same' ELSE 'DIFFERENT' END;
.print -- IN on the key from a subquery with no rows
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id IN (SELECT value FROM json_each('[]'));
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id IN (SELECT value FROM json_each('[]')))),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE id IN (SELECT value FROM json_each('[]')) EXCEPT SELECT id FROM o WHERE id IN (SELECT value FROM json_each('[]'))) AND NOT EXISTS (SELECT id FROM o WHERE id IN (SELECT value FROM json_each('[]')) EXCEPT SELECT id FROM u WHERE id IN (SELECT value FROM json_each('[]'))) THEN 'same' ELSE 'DIFFERENT' END;
.print -- IN on an index from a subquery with no rows
EXPLAIN QUERY PLAN SELECT id FROM u WHERE email IN (SELECT value FROM json_each('[]'));
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE email IN (SELECT value FROM json_each('[]')))),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE email IN (SELECT value FROM json_each('[]')) EXCEPT SELECT id FROM o WHERE email IN (SELECT value FROM json_each('[]'))) AND NOT EXISTS (SELECT id FROM o WHERE email IN (SELECT value FROM json_each('[]')) EXCEPT SELECT id FROM u WHERE email IN (SELECT value FROM json_each('[]'))) THEN 'same' ELSE 'DIFFERENT' END;
.print -- IN on the key, ORDER BY the key DESC
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id IN ('u03', 'u01', 'u12') ORDER BY id DESC;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id IN ('u03', 'u01', 'u12') ORDER BY id DESC)),
  CASE WHEN (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id IN ('u03', 'u01', 'u12') ORDER BY id DESC)) = (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM o WHERE id IN ('u03', 'u01', 'u12') ORDER BY id DESC)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- IN on an index, ORDER BY its next field
EXPLAIN QUERY PLAN SELECT role, status FROM u WHERE role IN ('ops', 'dev') AND status > 'a' ORDER BY role, status DESC;
SELECT (SELECT json_group_array(json_array(role, status)) FROM (SELECT role, status FROM u WHERE role IN ('ops', 'dev') AND status > 'a' ORDER BY role, status DESC)),
  CASE WHEN (SELECT json_group_array(json_array(role, status)) FROM (SELECT role, status FROM u WHERE role IN ('ops', 'dev') AND status > 'a' ORDER BY role, status DESC)) = (SELECT json_group_array(json_array(role, status)) FROM (SELECT role, status FROM o WHERE role IN ('ops', 'dev') AND status > 'a' ORDER BY role, status DESC)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- index equality, ORDER BY the primary key (the entries' suffix)
EXPLAIN QUERY PLAN SELECT id FROM u WHERE role = 'ops' ORDER BY id DESC;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE role = 'ops' ORDER BY id DESC)),
  CASE WHEN (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE role = 'ops' ORDER BY id DESC)) = (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM o WHERE role = 'ops' ORDER BY id DESC)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- a range on the key: one bounded scan
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id > 'u35';
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id > 'u35')),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE id > 'u35' EXCEPT SELECT id FROM o WHERE id > 'u35') AND NOT EXISTS (SELECT id FROM o WHERE id > 'u35' EXCEPT SELECT id FROM u WHERE id > 'u35') THEN 'same' ELSE 'DIFFERENT' END;
.print -- BETWEEN on the key
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id BETWEEN 'u10' AND 'u12';
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id BETWEEN 'u10' AND 'u12')),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE id BETWEEN 'u10' AND 'u12' EXCEPT SELECT id FROM o WHERE id BETWEEN 'u10' AND 'u12') AND NOT EXISTS (SELECT id FROM o WHERE id BETWEEN 'u10' AND 'u12' EXCEPT SELECT id FROM u WHERE id BETWEEN 'u10' AND 'u12') THEN 'same' ELSE 'DIFFERENT' END;
.print -- a range open on both sides
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id > 'u10' AND id < 'u13';
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id > 'u10' AND id < 'u13')),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE id > 'u10' AND id < 'u13' EXCEPT SELECT id FROM o WHERE id > 'u10' AND id < 'u13') AND NOT EXISTS (SELECT id FROM o WHERE id > 'u10' AND id < 'u13' EXCEPT SELECT id FROM u WHERE id > 'u10' AND id < 'u13') THEN 'same' ELSE 'DIFFERENT' END;
.print -- index equality
EXPLAIN QUERY PLAN SELECT id, name FROM u WHERE email = 'e5@x';
SELECT (SELECT json_group_array(json_array(id, name)) FROM (SELECT id, name FROM u WHERE email = 'e5@x')),
  CASE WHEN NOT EXISTS (SELECT id, name FROM u WHERE email = 'e5@x' EXCEPT SELECT id, name FROM o WHERE email = 'e5@x') AND NOT EXISTS (SELECT id, name FROM o WHERE email = 'e5@x' EXCEPT SELECT id, name FROM u WHERE email = 'e5@x') THEN 'same' ELSE 'DIFFERENT' END;
.print -- IN on an index
EXPLAIN QUERY PLAN SELECT id FROM u WHERE email IN ('e5@x', 'e6@x', 'nobody');
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE email IN ('e5@x', 'e6@x', 'nobody'))),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE email IN ('e5@x', 'e6@x', 'nobody') EXCEPT SELECT id FROM o WHERE email IN ('e5@x', 'e6@x', 'nobody')) AND NOT EXISTS (SELECT id FROM o WHERE email IN ('e5@x', 'e6@x', 'nobody') EXCEPT SELECT id FROM u WHERE email IN ('e5@x', 'e6@x', 'nobody')) THEN 'same' ELSE 'DIFFERENT' END;
.print -- index equality on NULL never matches
EXPLAIN QUERY PLAN SELECT id FROM u WHERE email = NULL;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE email = NULL)),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE email = NULL EXCEPT SELECT id FROM o WHERE email = NULL) AND NOT EXISTS (SELECT id FROM o WHERE email = NULL EXCEPT SELECT id FROM u WHERE email = NULL) THEN 'same' ELSE 'DIFFERENT' END;
.print -- IS NULL is not a seek: full scan
EXPLAIN QUERY PLAN SELECT id FROM u WHERE email IS NULL;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE email IS NULL)),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE email IS NULL EXCEPT SELECT id FROM o WHERE email IS NULL) AND NOT EXISTS (SELECT id FROM o WHERE email IS NULL EXCEPT SELECT id FROM u WHERE email IS NULL) THEN 'same' ELSE 'DIFFERENT' END;
.print -- composite index: equality prefix plus range on the next field
EXPLAIN QUERY PLAN SELECT id, status FROM u WHERE role = 'dev' AND status > 'gone';
SELECT (SELECT json_group_array(json_array(id, status)) FROM (SELECT id, status FROM u WHERE role = 'dev' AND status > 'gone')),
  CASE WHEN NOT EXISTS (SELECT id, status FROM u WHERE role = 'dev' AND status > 'gone' EXCEPT SELECT id, status FROM o WHERE role = 'dev' AND status > 'gone') AND NOT EXISTS (SELECT id, status FROM o WHERE role = 'dev' AND status > 'gone' EXCEPT SELECT id, status FROM u WHERE role = 'dev' AND status > 'gone') THEN 'same' ELSE 'DIFFERENT' END;
.print -- composite index: both fields equal
EXPLAIN QUERY PLAN SELECT id FROM u WHERE role = 'dev' AND status = 'active';
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE role = 'dev' AND status = 'active')),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE role = 'dev' AND status = 'active' EXCEPT SELECT id FROM o WHERE role = 'dev' AND status = 'active') AND NOT EXISTS (SELECT id FROM o WHERE role = 'dev' AND status = 'active' EXCEPT SELECT id FROM u WHERE role = 'dev' AND status = 'active') THEN 'same' ELSE 'DIFFERENT' END;
.print -- ORDER BY the key: consumed, forward
EXPLAIN QUERY PLAN SELECT id FROM u ORDER BY id;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u ORDER BY id)),
  CASE WHEN (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u ORDER BY id)) = (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM o ORDER BY id)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- ORDER BY the key DESC: consumed, reverse scan
EXPLAIN QUERY PLAN SELECT id FROM u ORDER BY id DESC;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u ORDER BY id DESC)),
  CASE WHEN (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u ORDER BY id DESC)) = (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM o ORDER BY id DESC)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- range plus ORDER BY DESC
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id < 'u05' ORDER BY id DESC;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id < 'u05' ORDER BY id DESC)),
  CASE WHEN (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id < 'u05' ORDER BY id DESC)) = (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM o WHERE id < 'u05' ORDER BY id DESC)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- ORDER BY a DESC index field DESC: a forward scan gives it
EXPLAIN QUERY PLAN SELECT status FROM u WHERE role = 'dev' ORDER BY status DESC;
SELECT (SELECT json_group_array(json_array(status)) FROM (SELECT status FROM u WHERE role = 'dev' ORDER BY status DESC)),
  CASE WHEN (SELECT json_group_array(json_array(status)) FROM (SELECT status FROM u WHERE role = 'dev' ORDER BY status DESC)) = (SELECT json_group_array(json_array(status)) FROM (SELECT status FROM o WHERE role = 'dev' ORDER BY status DESC)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- an ORDER BY the scan cannot give: SQLite sorts
EXPLAIN QUERY PLAN SELECT id, status FROM u WHERE role = 'dev' ORDER BY status DESC, id DESC;
SELECT (SELECT json_group_array(json_array(id, status)) FROM (SELECT id, status FROM u WHERE role = 'dev' ORDER BY status DESC, id DESC)),
  CASE WHEN (SELECT json_group_array(json_array(id, status)) FROM (SELECT id, status FROM u WHERE role = 'dev' ORDER BY status DESC, id DESC)) = (SELECT json_group_array(json_array(id, status)) FROM (SELECT id, status FROM o WHERE role = 'dev' ORDER BY status DESC, id DESC)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- ORDER BY a DESC index field ASC: reverse scan
EXPLAIN QUERY PLAN SELECT status FROM u WHERE role = 'dev' ORDER BY status;
SELECT (SELECT json_group_array(json_array(status)) FROM (SELECT status FROM u WHERE role = 'dev' ORDER BY status)),
  CASE WHEN (SELECT json_group_array(json_array(status)) FROM (SELECT status FROM u WHERE role = 'dev' ORDER BY status)) = (SELECT json_group_array(json_array(status)) FROM (SELECT status FROM o WHERE role = 'dev' ORDER BY status)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- ORDER BY an indexed column, no WHERE: the covering index gives the order
EXPLAIN QUERY PLAN SELECT email FROM u ORDER BY email;
SELECT (SELECT json_group_array(json_array(email)) FROM (SELECT email FROM u ORDER BY email)),
  CASE WHEN (SELECT json_group_array(json_array(email)) FROM (SELECT email FROM u ORDER BY email)) = (SELECT json_group_array(json_array(email)) FROM (SELECT email FROM o ORDER BY email)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- the same, DESC
EXPLAIN QUERY PLAN SELECT email FROM u ORDER BY email DESC;
SELECT (SELECT json_group_array(json_array(email)) FROM (SELECT email FROM u ORDER BY email DESC)),
  CASE WHEN (SELECT json_group_array(json_array(email)) FROM (SELECT email FROM u ORDER BY email DESC)) = (SELECT json_group_array(json_array(email)) FROM (SELECT email FROM o ORDER BY email DESC)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- ORDER BY a column no index orders: SQLite sorts
EXPLAIN QUERY PLAN SELECT id FROM u WHERE role = 'ops' ORDER BY name;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE role = 'ops' ORDER BY name)),
  CASE WHEN (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE role = 'ops' ORDER BY name)) = (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM o WHERE role = 'ops' ORDER BY name)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- LIMIT passed on: every constraint consumed (it ends the scan on
.print -- SQLite 3.46 and later, a read-ahead hint before: tito_plan.c)
EXPLAIN QUERY PLAN SELECT id FROM u ORDER BY id DESC LIMIT 3;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u ORDER BY id DESC LIMIT 3)),
  CASE WHEN (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u ORDER BY id DESC LIMIT 3)) = (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM o ORDER BY id DESC LIMIT 3)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- LIMIT and OFFSET passed on (OFFSET skipped by the scan on 3.46+)
EXPLAIN QUERY PLAN SELECT id FROM u ORDER BY id LIMIT 2 OFFSET 5;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u ORDER BY id LIMIT 2 OFFSET 5)),
  CASE WHEN (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u ORDER BY id LIMIT 2 OFFSET 5)) = (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM o ORDER BY id LIMIT 2 OFFSET 5)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- LIMIT with a consumed range
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id >= 'u20' ORDER BY id LIMIT 2;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id >= 'u20' ORDER BY id LIMIT 2)),
  CASE WHEN (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id >= 'u20' ORDER BY id LIMIT 2)) = (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM o WHERE id >= 'u20' ORDER BY id LIMIT 2)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- a row-value comparison with LIMIT: SQLite filters it, so the LIMIT
.print -- is only a hint
EXPLAIN QUERY PLAN SELECT id, name FROM u WHERE (id, name) > ('u38', 'name38') ORDER BY id LIMIT 2;
SELECT (SELECT json_group_array(json_array(id, name)) FROM (SELECT id, name FROM u WHERE (id, name) > ('u38', 'name38') ORDER BY id LIMIT 2)),
  CASE WHEN (SELECT json_group_array(json_array(id, name)) FROM (SELECT id, name FROM u WHERE (id, name) > ('u38', 'name38') ORDER BY id LIMIT 2)) = (SELECT json_group_array(json_array(id, name)) FROM (SELECT id, name FROM o WHERE (id, name) > ('u38', 'name38') ORDER BY id LIMIT 2)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- LIMIT not pushed down: a constraint is left to SQLite
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id > 'u10' AND name LIKE '%3%' ORDER BY id LIMIT 2;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id > 'u10' AND name LIKE '%3%' ORDER BY id LIMIT 2)),
  CASE WHEN (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id > 'u10' AND name LIKE '%3%' ORDER BY id LIMIT 2)) = (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM o WHERE id > 'u10' AND name LIKE '%3%' ORDER BY id LIMIT 2)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- LIMIT not pushed down: ORDER BY not consumed
EXPLAIN QUERY PLAN SELECT id FROM u ORDER BY name LIMIT 2;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u ORDER BY name LIMIT 2)),
  CASE WHEN (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u ORDER BY name LIMIT 2)) = (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM o ORDER BY name LIMIT 2)) THEN 'same' ELSE 'DIFFERENT' END;
.print -- partial index used: the query implies its condition
EXPLAIN QUERY PLAN SELECT id FROM u WHERE status = 'active' AND score > 0;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE status = 'active' AND score > 0)),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE status = 'active' AND score > 0 EXCEPT SELECT id FROM o WHERE status = 'active' AND score > 0) AND NOT EXISTS (SELECT id FROM o WHERE status = 'active' AND score > 0 EXCEPT SELECT id FROM u WHERE status = 'active' AND score > 0) THEN 'same' ELSE 'DIFFERENT' END;
.print -- partial index used: a stronger condition implies it
EXPLAIN QUERY PLAN SELECT id FROM u WHERE status = 'active' AND score >= 2;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE status = 'active' AND score >= 2)),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE status = 'active' AND score >= 2 EXCEPT SELECT id FROM o WHERE status = 'active' AND score >= 2) AND NOT EXISTS (SELECT id FROM o WHERE status = 'active' AND score >= 2 EXCEPT SELECT id FROM u WHERE status = 'active' AND score >= 2) THEN 'same' ELSE 'DIFFERENT' END;
.print -- partial index not used: the condition is not implied
EXPLAIN QUERY PLAN SELECT id FROM u WHERE status = 'active' AND score > -1;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE status = 'active' AND score > -1)),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE status = 'active' AND score > -1 EXCEPT SELECT id FROM o WHERE status = 'active' AND score > -1) AND NOT EXISTS (SELECT id FROM o WHERE status = 'active' AND score > -1 EXCEPT SELECT id FROM u WHERE status = 'active' AND score > -1) THEN 'same' ELSE 'DIFFERENT' END;
.print -- partial index not used: half the condition
EXPLAIN QUERY PLAN SELECT id FROM u WHERE status = 'active';
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE status = 'active')),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE status = 'active' EXCEPT SELECT id FROM o WHERE status = 'active') AND NOT EXISTS (SELECT id FROM o WHERE status = 'active' EXCEPT SELECT id FROM u WHERE status = 'active') THEN 'same' ELSE 'DIFFERENT' END;
.print -- partial index used: a text literal takes the REAL column's affinity
EXPLAIN QUERY PLAN SELECT id FROM u WHERE status = 'active' AND score > '0';
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE status = 'active' AND score > '0')),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE status = 'active' AND score > '0' EXCEPT SELECT id FROM o WHERE status = 'active' AND score > '0') AND NOT EXISTS (SELECT id FROM o WHERE status = 'active' AND score > '0' EXCEPT SELECT id FROM u WHERE status = 'active' AND score > '0') THEN 'same' ELSE 'DIFFERENT' END;
.print -- partial index used: an equality implies score > 0
EXPLAIN QUERY PLAN SELECT id FROM u WHERE status = 'active' AND score = 3;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE status = 'active' AND score = 3)),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE status = 'active' AND score = 3 EXCEPT SELECT id FROM o WHERE status = 'active' AND score = 3) AND NOT EXISTS (SELECT id FROM o WHERE status = 'active' AND score = 3 EXCEPT SELECT id FROM u WHERE status = 'active' AND score = 3) THEN 'same' ELSE 'DIFFERENT' END;
.print -- partial index used: BETWEEN implies it
EXPLAIN QUERY PLAN SELECT id FROM u WHERE score BETWEEN 1 AND 2 AND status = 'active';
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE score BETWEEN 1 AND 2 AND status = 'active')),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE score BETWEEN 1 AND 2 AND status = 'active' EXCEPT SELECT id FROM o WHERE score BETWEEN 1 AND 2 AND status = 'active') AND NOT EXISTS (SELECT id FROM o WHERE score BETWEEN 1 AND 2 AND status = 'active' EXCEPT SELECT id FROM u WHERE score BETWEEN 1 AND 2 AND status = 'active') THEN 'same' ELSE 'DIFFERENT' END;
.print -- partial index not used: score >= 0 does not imply score > 0
EXPLAIN QUERY PLAN SELECT id FROM u WHERE status = 'active' AND score >= 0;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE status = 'active' AND score >= 0)),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE status = 'active' AND score >= 0 EXCEPT SELECT id FROM o WHERE status = 'active' AND score >= 0) AND NOT EXISTS (SELECT id FROM o WHERE status = 'active' AND score >= 0 EXCEPT SELECT id FROM u WHERE status = 'active' AND score >= 0) THEN 'same' ELSE 'DIFFERENT' END;
.print -- partial index not used: a NOCASE comparison does not imply the BINARY one
EXPLAIN QUERY PLAN SELECT id FROM u WHERE status = 'ACTIVE' COLLATE NOCASE AND score > 0;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE status = 'ACTIVE' COLLATE NOCASE AND score > 0)),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE status = 'ACTIVE' COLLATE NOCASE AND score > 0 EXCEPT SELECT id FROM o WHERE status = 'ACTIVE' COLLATE NOCASE AND score > 0) AND NOT EXISTS (SELECT id FROM o WHERE status = 'ACTIVE' COLLATE NOCASE AND score > 0 EXCEPT SELECT id FROM u WHERE status = 'ACTIVE' COLLATE NOCASE AND score > 0) THEN 'same' ELSE 'DIFFERENT' END;
.print -- partial index not used: an IN list
EXPLAIN QUERY PLAN SELECT id FROM u WHERE status IN ('active', 'new') AND score > 0;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE status IN ('active', 'new') AND score > 0)),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE status IN ('active', 'new') AND score > 0 EXCEPT SELECT id FROM o WHERE status IN ('active', 'new') AND score > 0) AND NOT EXISTS (SELECT id FROM o WHERE status IN ('active', 'new') AND score > 0 EXCEPT SELECT id FROM u WHERE status IN ('active', 'new') AND score > 0) THEN 'same' ELSE 'DIFFERENT' END;
.print -- covering index: no row fetch
EXPLAIN QUERY PLAN SELECT name FROM u WHERE role = 'admin';
SELECT (SELECT json_group_array(json_array(name)) FROM (SELECT name FROM u WHERE role = 'admin')),
  CASE WHEN NOT EXISTS (SELECT name FROM u WHERE role = 'admin' EXCEPT SELECT name FROM o WHERE role = 'admin') AND NOT EXISTS (SELECT name FROM o WHERE role = 'admin' EXCEPT SELECT name FROM u WHERE role = 'admin') THEN 'same' ELSE 'DIFFERENT' END;
.print -- covering index with the key
EXPLAIN QUERY PLAN SELECT id, name FROM u WHERE role = 'admin';
SELECT (SELECT json_group_array(json_array(id, name)) FROM (SELECT id, name FROM u WHERE role = 'admin')),
  CASE WHEN NOT EXISTS (SELECT id, name FROM u WHERE role = 'admin' EXCEPT SELECT id, name FROM o WHERE role = 'admin') AND NOT EXISTS (SELECT id, name FROM o WHERE role = 'admin' EXCEPT SELECT id, name FROM u WHERE role = 'admin') THEN 'same' ELSE 'DIFFERENT' END;
.print -- not covering: score is not in by_role_cover
EXPLAIN QUERY PLAN SELECT name, score FROM u WHERE role = 'admin';
SELECT (SELECT json_group_array(json_array(name, score)) FROM (SELECT name, score FROM u WHERE role = 'admin')),
  CASE WHEN NOT EXISTS (SELECT name, score FROM u WHERE role = 'admin' EXCEPT SELECT name, score FROM o WHERE role = 'admin') AND NOT EXISTS (SELECT name, score FROM o WHERE role = 'admin' EXCEPT SELECT name, score FROM u WHERE role = 'admin') THEN 'same' ELSE 'DIFFERENT' END;
.print -- the narrowest path wins: key equality over an index
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id = 'u09' AND role = 'admin';
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id = 'u09' AND role = 'admin')),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE id = 'u09' AND role = 'admin' EXCEPT SELECT id FROM o WHERE id = 'u09' AND role = 'admin') AND NOT EXISTS (SELECT id FROM o WHERE id = 'u09' AND role = 'admin' EXCEPT SELECT id FROM u WHERE id = 'u09' AND role = 'admin') THEN 'same' ELSE 'DIFFERENT' END;
.print -- the narrowest path wins: a unique index over a plain one
EXPLAIN QUERY PLAN SELECT id FROM u WHERE email = 'e9@x' AND role = 'admin';
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE email = 'e9@x' AND role = 'admin')),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE email = 'e9@x' AND role = 'admin' EXCEPT SELECT id FROM o WHERE email = 'e9@x' AND role = 'admin') AND NOT EXISTS (SELECT id FROM o WHERE email = 'e9@x' AND role = 'admin' EXCEPT SELECT id FROM u WHERE email = 'e9@x' AND role = 'admin') THEN 'same' ELSE 'DIFFERENT' END;
.print -- count(*) reads keys only
EXPLAIN QUERY PLAN SELECT count(*) AS c FROM u;
SELECT (SELECT json_group_array(json_array(c)) FROM (SELECT count(*) AS c FROM u)),
  CASE WHEN NOT EXISTS (SELECT count(*) AS c FROM u EXCEPT SELECT count(*) AS c FROM o) AND NOT EXISTS (SELECT count(*) AS c FROM o EXCEPT SELECT count(*) AS c FROM u) THEN 'same' ELSE 'DIFFERENT' END;
.print -- a non-BINARY collation cannot seek
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id = 'U07' COLLATE NOCASE;
SELECT (SELECT json_group_array(json_array(id)) FROM (SELECT id FROM u WHERE id = 'U07' COLLATE NOCASE)),
  CASE WHEN NOT EXISTS (SELECT id FROM u WHERE id = 'U07' COLLATE NOCASE EXCEPT SELECT id FROM o WHERE id = 'U07' COLLATE NOCASE) AND NOT EXISTS (SELECT id FROM o WHERE id = 'U07' COLLATE NOCASE EXCEPT SELECT id FROM u WHERE id = 'U07' COLLATE NOCASE) THEN 'same' ELSE 'DIFFERENT' END;

.print -- a join on the key: point gets into posts and tags for each link
CREATE VIRTUAL TABLE posts USING tito(id INTEGER PRIMARY KEY, title TEXT NOT NULL);
CREATE VIRTUAL TABLE tags USING tito(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE post_tags USING tito(post_id INTEGER, tag_id INTEGER,
  PRIMARY KEY (post_id, tag_id), INDEX by_tag(tag_id));
INSERT INTO posts VALUES (1, 'Hello'), (2, 'SQL'), (3, 'KV');
INSERT INTO tags VALUES (1, 'intro'), (2, 'sql'), (3, 'kv');
INSERT INTO post_tags VALUES (1, 1), (2, 2), (3, 2), (3, 3);
EXPLAIN QUERY PLAN
SELECT p.title, t.name FROM post_tags pt
  JOIN posts p ON p.id = pt.post_id JOIN tags t ON t.id = pt.tag_id;
SELECT p.title, t.name FROM post_tags pt
  JOIN posts p ON p.id = pt.post_id JOIN tags t ON t.id = pt.tag_id
 ORDER BY p.id, t.id;
.print -- from a tag by name, through the link index, to the posts
EXPLAIN QUERY PLAN
SELECT p.title FROM tags t JOIN post_tags pt ON pt.tag_id = t.id
  JOIN posts p ON p.id = pt.post_id WHERE t.name = 'sql';
SELECT p.title FROM tags t JOIN post_tags pt ON pt.tag_id = t.id
  JOIN posts p ON p.id = pt.post_id WHERE t.name = 'sql' ORDER BY p.id;
.print -- the links of one post: an equality prefix of the composite key
EXPLAIN QUERY PLAN SELECT tag_id FROM post_tags WHERE post_id = 3;
SELECT tag_id FROM post_tags WHERE post_id = 3;
.print -- a join against an ordinary table probes the tito key
CREATE TEMP TABLE wanted(id INTEGER);
INSERT INTO wanted VALUES (3), (1), (9);
EXPLAIN QUERY PLAN SELECT p.id, p.title FROM wanted w JOIN posts p ON p.id = w.id;
SELECT p.id, p.title FROM wanted w JOIN posts p ON p.id = w.id;
