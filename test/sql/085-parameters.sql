-- 085-parameters: bound parameters and join columns as seek arguments (not
-- literals: their affinity is the comparison's, not always the column's).
-- Each line: the condition, tito's rows, the ordinary table's rows, and
-- "same" when they agree.
CREATE VIRTUAL TABLE u USING tito(id TEXT PRIMARY KEY, n INTEGER, r REAL, x, INDEX by_n(n), INDEX by_r(r), INDEX by_x(x));
CREATE TABLE o(id TEXT PRIMARY KEY, n INTEGER, r REAL, x); CREATE INDEX o_n ON o(n); CREATE INDEX o_r ON o(r); CREATE INDEX o_x ON o(x);
INSERT INTO u VALUES ('1', 1, 1.0, 1), ('10', 10, 10.5, '10'), ('2', 2, 2.0, 2.0), ('abc', NULL, NULL, 'abc'), ('9007199254740993', 9007199254740993, 9007199254740993, 9007199254740993);
INSERT INTO o SELECT * FROM u;
.parameter init
.parameter set :i 1
.parameter set :t "'1'"
.parameter set :f 2.0
.parameter set :s "'abc'"
.parameter set :big 9007199254740993
.parameter set :tbig "'9007199254740993'"
.mode list
SELECT 'id = :i', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE id = :i) AS a,
  (SELECT group_concat(id) FROM o WHERE id = :i) AS b);
SELECT 'id = :t', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE id = :t) AS a,
  (SELECT group_concat(id) FROM o WHERE id = :t) AS b);
SELECT 'id > :i', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE id > :i) AS a,
  (SELECT group_concat(id) FROM o WHERE id > :i) AS b);
SELECT 'n = :t', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE n = :t) AS a,
  (SELECT group_concat(id) FROM o WHERE n = :t) AS b);
SELECT 'n >= :f', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE n >= :f) AS a,
  (SELECT group_concat(id) FROM o WHERE n >= :f) AS b);
SELECT 'r = :f', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE r = :f) AS a,
  (SELECT group_concat(id) FROM o WHERE r = :f) AS b);
SELECT 'r = :big', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE r = :big) AS a,
  (SELECT group_concat(id) FROM o WHERE r = :big) AS b);
SELECT 'n = :tbig', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE n = :tbig) AS a,
  (SELECT group_concat(id) FROM o WHERE n = :tbig) AS b);
SELECT 'x = :i', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE x = :i) AS a,
  (SELECT group_concat(id) FROM o WHERE x = :i) AS b);
SELECT 'x = :t', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE x = :t) AS a,
  (SELECT group_concat(id) FROM o WHERE x = :t) AS b);
SELECT 'x > :i', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE x > :i) AS a,
  (SELECT group_concat(id) FROM o WHERE x > :i) AS b);
SELECT 'x = :f', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE x = :f) AS a,
  (SELECT group_concat(id) FROM o WHERE x = :f) AS b);
SELECT 'id IN (:i, :s)', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE id IN (:i, :s)) AS a,
  (SELECT group_concat(id) FROM o WHERE id IN (:i, :s)) AS b);
SELECT 'n IN (:t, :f)', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(id) FROM u WHERE n IN (:t, :f)) AS a,
  (SELECT group_concat(id) FROM o WHERE n IN (:t, :f)) AS b);
SELECT 'join u.id = o.n', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(u.id) FROM o JOIN u ON u.id = o.n) AS a,
  (SELECT group_concat(a.id) FROM o JOIN o a ON a.id = o.n) AS b);
SELECT 'join u.n = o.id', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(u.id) FROM o JOIN u ON u.n = o.id) AS a,
  (SELECT group_concat(a.id) FROM o JOIN o a ON a.n = o.id) AS b);
SELECT 'join u.x = o.r', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(u.id) FROM o JOIN u ON u.x = o.r) AS a,
  (SELECT group_concat(a.id) FROM o JOIN o a ON a.x = o.r) AS b);
SELECT 'join u.r = o.x', a, b, CASE WHEN a IS b THEN 'same' ELSE 'DIFFERENT' END FROM (SELECT
  (SELECT group_concat(u.id) FROM o JOIN u ON u.r = o.x) AS a,
  (SELECT group_concat(a.id) FROM o JOIN o a ON a.r = o.x) AS b);
.print -- the paths taken
EXPLAIN QUERY PLAN SELECT id FROM u WHERE id = :t;
EXPLAIN QUERY PLAN SELECT id FROM u WHERE n = :t;
EXPLAIN QUERY PLAN SELECT id FROM u WHERE x > :i;
EXPLAIN QUERY PLAN SELECT u.id FROM o JOIN u ON u.id = o.n;
