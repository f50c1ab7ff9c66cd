.load ./tito
-- tito quick start. Run it from the repository root after `make`:
--     sqlite3 demo.db < sql/quickstart.sql
-- It can be run again on the same file: it starts by dropping its table.

.print "A model is a virtual table: typed columns, a primary key and indexes."
DROP TABLE IF EXISTS users;
CREATE VIRTUAL TABLE users USING tito(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT,
  role TEXT,
  status TEXT DEFAULT 'new',
  score REAL,
  UNIQUE INDEX by_email(email),                                   -- unique
  INDEX by_role_status(role, status DESC),                        -- composite
  INDEX by_active(status) WHERE status = 'active' AND score > 0,  -- partial
  INDEX by_role_cover(role) INCLUDE (name)                        -- covering
);

INSERT INTO users VALUES
  ('u1', 'Ann',   'ann@example.com',   'admin', 'active', 5),
  ('u2', 'Bob',   'bob@example.com',   'dev',   'active', 3),
  ('u3', 'Chloe', 'chloe@example.com', 'dev',   'away',  0),
  ('u4', 'Dan',   'dan@example.com',   'ops',   'active', 1.5);
INSERT INTO users(id, name, email, role) VALUES ('u5', 'Eve', 'eve@example.com', 'dev');

.headers on
.mode box
.print
.print "Every row (status of u5 took its DEFAULT):"
SELECT * FROM users;

.print
.print "By primary key: one point get."
SELECT id, name, role FROM users WHERE id = 'u3';
EXPLAIN QUERY PLAN SELECT id, name, role FROM users WHERE id = 'u3';

.print
.print "By a unique index:"
SELECT id, name FROM users WHERE email = 'dan@example.com';
EXPLAIN QUERY PLAN SELECT id, name FROM users WHERE email = 'dan@example.com';

.print
.print "Equality on the first field of a composite index, ordered by the second:"
SELECT name, status FROM users WHERE role = 'dev' ORDER BY status DESC;
EXPLAIN QUERY PLAN SELECT name, status FROM users WHERE role = 'dev' ORDER BY status DESC;

.print
.print "A covering index answers without reading the rows:"
SELECT name FROM users WHERE role = 'dev';
EXPLAIN QUERY PLAN SELECT name FROM users WHERE role = 'dev';

.print
.print "A partial index is used when the query implies its condition:"
SELECT name, score FROM users WHERE status = 'active' AND score > 2;
EXPLAIN QUERY PLAN SELECT name, score FROM users WHERE status = 'active' AND score > 2;

.print
.print "Constraints use the wording of SQLite. This INSERT reuses Ann's email,"
.print "so it fails, as it should:"
INSERT INTO users(id, name, email) VALUES ('u6', 'Fay', 'ann@example.com');

.print
.print "Updates rewrite exactly the index entries that change:"
UPDATE users SET role = 'ops', status = 'active', score = 4 WHERE id = 'u5';
SELECT name, role, status, score FROM users WHERE role = 'ops';

.print
.print "Transactions are SQLite's own:"
BEGIN;
DELETE FROM users WHERE role = 'dev';
SELECT count(*) AS users_inside_transaction FROM users;
ROLLBACK;
SELECT count(*) AS users_after_rollback FROM users;

.print
.print "Every index entry matches its row:"
SELECT tito_check('users') AS tito_check;
