.load ./tito
-- Changing a live model: indexes and columns added, renamed and dropped with
-- tito_alter, and the planner steered for one query with tito_index.
-- Run it from the repository root after `make`:
--     sqlite3 demo.db < sql/schema.sql
-- It can be run again on the same file: it starts by dropping its table.

DROP TABLE IF EXISTS orders;
CREATE VIRTUAL TABLE orders USING tito(
  id INTEGER PRIMARY KEY,
  customer TEXT NOT NULL,
  status TEXT,
  total REAL
);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO orders SELECT i, 'c' || (i % 50), CASE WHEN i % 10 = 0 THEN 'open' ELSE 'done' END, i % 97 FROM n;

.print "Without an index on customer, this query reads every row:"
EXPLAIN QUERY PLAN SELECT count(*) FROM orders WHERE customer = 'c7';

.print "Add one to the table as it is (its entries are written for every row):"
SELECT tito_alter('orders', 'ADD INDEX by_customer(customer) INCLUDE (total)');
EXPLAIN QUERY PLAN SELECT count(*), sum(total) FROM orders WHERE customer = 'c7';
SELECT count(*), sum(total) FROM orders WHERE customer = 'c7';

.print "A partial index, newest first; a unique index over duplicates is refused:"
SELECT tito_alter('orders', 'ADD INDEX open_newest(id DESC) WHERE status = ''open''');
SELECT id FROM orders WHERE status = 'open' ORDER BY id DESC LIMIT 3;
SELECT tito_alter('orders', 'ADD UNIQUE INDEX one_per_customer(customer)');

.print "Columns: added (older rows read the DEFAULT), renamed, dropped:"
SELECT tito_alter('orders', 'ADD COLUMN priority INTEGER NOT NULL DEFAULT 1');
SELECT tito_alter('orders', 'ADD COLUMN note TEXT');
SELECT tito_alter('orders', 'RENAME COLUMN note TO remark');
UPDATE orders SET remark = 'rush', priority = 9 WHERE id = 2;
SELECT id, customer, priority, remark FROM orders WHERE id <= 3;
SELECT tito_alter('orders', 'DROP COLUMN priority');
.print "A column an index uses is refused, naming the index:"
SELECT tito_alter('orders', 'RENAME COLUMN total TO amount');

.print "The definition, as .schema and every other connection see it:"
SELECT sql FROM sqlite_schema WHERE name = 'orders';
SELECT name, kind, columns, include, partial FROM tito_indexes('orders');

.print "Steer one query: the hidden column tito_index names the path (or forbids one):"
EXPLAIN QUERY PLAN SELECT id FROM orders WHERE customer = 'c10' AND status = 'open';
EXPLAIN QUERY PLAN SELECT id FROM orders WHERE customer = 'c10' AND status = 'open' AND tito_index = 'open_newest';
SELECT tito_index, count(*) FROM orders WHERE customer = 'c10' AND status = 'open' AND tito_index <> 'by_customer';

.print "Dropping an index; tito_check proves rows and entries agree:"
SELECT tito_alter('orders', 'DROP INDEX by_customer');
SELECT tito_check('orders');

.print "A big table's index is built in steps, each its own transaction, while"
.print "other connections write. Here: steps of 500 rows, two of them now:"
SELECT tito_config('alter_batch', 500);
SELECT tito_alter('orders', 'ADD INDEX by_total(total)', 2);
SELECT table_name, index_name, state, rows_done, rows_total FROM tito_changes;
.print "Writes keep it exact meanwhile; queries do not read it until it is complete:"
UPDATE orders SET total = 1000 WHERE id IN (5, 1995);
EXPLAIN QUERY PLAN SELECT id FROM orders WHERE total = 1000;
.print "RESUME finishes it (any connection, also after a crash); CANCEL would drop it:"
SELECT tito_alter('orders', 'RESUME');
EXPLAIN QUERY PLAN SELECT id FROM orders WHERE total = 1000;
SELECT id FROM orders WHERE total = 1000;
SELECT tito_check('orders');
