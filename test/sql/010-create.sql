-- 010-create: every form of model definition (issue 3, point 2).
-- .schema shows the definition as written; PRAGMA table_info shows the
-- columns with their declared types; each table accepts a row and passes
-- tito_check.

-- The issue's three examples.
CREATE VIRTUAL TABLE users USING tito(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT,
  role TEXT,
  status TEXT DEFAULT 'new',
  score REAL,
  UNIQUE INDEX by_email(email),
  INDEX by_role_status(role, status DESC),
  INDEX by_active(status) WHERE status = 'active' AND score > 0,
  INDEX by_role_cover(role) INCLUDE (name)
);
CREATE VIRTUAL TABLE t1 USING tito(a INTEGER, b TEXT, c REAL, PRIMARY KEY(a, b));
CREATE VIRTUAL TABLE log USING tito(msg TEXT);   -- no primary key: implicit rowid

.schema users
.schema t1
.schema log
.headers on
PRAGMA table_info(users);
PRAGMA table_info(t1);
PRAGMA table_info(log);
.headers off
-- The same columns in ordinary WITHOUT ROWID tables, for comparison: a
-- NOT NULL column and every primary-key column (tito refuses NULL keys, as
-- WITHOUT ROWID does) show notnull 1. Differences that are SQLite's: it
-- drops DEFAULT from a virtual table's declaration (tito applies it itself),
-- and tito's declared key is a hidden column, so pk is 0.
CREATE TEMP TABLE users_o(id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT,
  role TEXT, status TEXT DEFAULT 'new', score REAL) WITHOUT ROWID;
CREATE TEMP TABLE t1_o(a INTEGER, b TEXT, c REAL, PRIMARY KEY(a, b)) WITHOUT ROWID;
PRAGMA temp.table_info(users_o);
PRAGMA temp.table_info(t1_o);

INSERT INTO users(id, name, email, role, status, score)
  VALUES ('u1', 'Ann', 'ann@example.com', 'admin', 'active', 3.5);
INSERT INTO users(id, name, email, role) VALUES ('u2', 'Bob', NULL, 'dev');
INSERT INTO t1 VALUES (1, 'x', 0.5), (1, 'y', 1.5), (0, 'z', 2.5);
INSERT INTO log VALUES ('started'), ('stopped');
SELECT * FROM users;
SELECT * FROM t1;
SELECT rowid, msg FROM log;
SELECT tito_check('users'), tito_check('t1'), tito_check('log');

-- Quoted names (all three quote styles), types with sizes, DEFAULT in every
-- form, a DESC composite key, INCLUDE and WHERE in either order, a WHERE that
-- is any SQL expression.
CREATE VIRTUAL TABLE q USING tito(
  "first name" TEXT,
  [select] INTEGER,
  `t` VARCHAR(20),
  d DECIMAL(10, 2) DEFAULT 1.5,
  e DEFAULT (2 * 3),
  f TEXT DEFAULT NULL,
  g INTEGER DEFAULT TRUE,
  h DEFAULT X'0102',
  k INT DEFAULT -7,
  s TEXT DEFAULT 'it''s',
  ts TEXT DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY ("first name" DESC, [select]),
  INDEX "my index"(`t`, d DESC) WHERE [select] > 0 INCLUDE (e),
  INDEX i2(e) INCLUDE (f) WHERE length("first name") > 2 OR g IN (1, 2)
);
.schema q
PRAGMA table_info(q);
INSERT INTO q("first name", [select], t) VALUES ('bob', 1, 'x'), ('al', 2, 'y');
SELECT "first name", [select], t, d, typeof(d), e, f, g, hex(h), k, s,
       ts LIKE '____-__-__ __:__:__' FROM q;
SELECT tito_check('q');

-- Column-level constraints: PRIMARY KEY on a column, UNIQUE (an index named
-- <column>_unique), NOT NULL, COLLATE BINARY, CONSTRAINT names.
CREATE VIRTUAL TABLE c USING tito(
  id INTEGER CONSTRAINT pk PRIMARY KEY,
  code TEXT NOT NULL UNIQUE COLLATE BINARY,
  note NULL
);
INSERT INTO c(code) VALUES ('a'), ('b');
INSERT INTO c(code) VALUES ('a');
SELECT * FROM c;
EXPLAIN QUERY PLAN SELECT id FROM c WHERE code = 'b';
SELECT tito_check('c');

-- An INTEGER PRIMARY KEY is the rowid; INT or INTEGER ... DESC is not (as in
-- an ordinary table).
CREATE VIRTUAL TABLE r1 USING tito(a INTEGER PRIMARY KEY, b);
CREATE VIRTUAL TABLE r2 USING tito(a INT PRIMARY KEY, b);
CREATE VIRTUAL TABLE r3 USING tito(a INTEGER PRIMARY KEY DESC, b);
INSERT INTO r1(b) VALUES ('x'), ('y');
INSERT INTO r2 VALUES (5, 'x');
INSERT INTO r3 VALUES (5, 'x');
SELECT rowid, a, b FROM r1;
SELECT rowid FROM r2;
SELECT rowid FROM r3;

-- Options: a keyspace prefix and the store (embedded is the default).
CREATE VIRTUAL TABLE p1 USING tito(a TEXT PRIMARY KEY, prefix = 'app1', store = 'embedded');
CREATE VIRTUAL TABLE p2 USING tito(a TEXT PRIMARY KEY, prefix = app2);
INSERT INTO p1 VALUES ('same');
INSERT INTO p2 VALUES ('same');
SELECT * FROM p1 UNION ALL SELECT * FROM p2;

-- IF NOT EXISTS, an existing name, DROP TABLE (its keys leave the store), and
-- a new table under a dropped name starts empty.
CREATE VIRTUAL TABLE IF NOT EXISTS p2 USING tito(other TEXT);
CREATE VIRTUAL TABLE p2 USING tito(other TEXT);
SELECT * FROM p2;
SELECT count(*) FROM tito_store WHERE instr(k, CAST('app1' AS BLOB)) > 0;
DROP TABLE p1;
SELECT count(*) FROM tito_store WHERE instr(k, CAST('app1' AS BLOB)) > 0
  AND instr(k, CAST('same' AS BLOB)) > 0;
CREATE VIRTUAL TABLE p1 USING tito(a TEXT PRIMARY KEY, prefix = 'app1');
SELECT count(*) FROM p1;
-- Every table, as .tables lists them (its layout differs between versions).
SELECT group_concat(name, ' ') FROM (
  SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')
  UNION ALL SELECT 'temp.' || name FROM sqlite_temp_schema WHERE type IN ('table', 'view')
  ORDER BY 1);
