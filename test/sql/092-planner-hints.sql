-- 092-planner-hints: the hidden column tito_index steers one query's plan
-- (tito_hint.c): = 'NAME' reads only that path ('pk' or an index), <> 'NAME'
-- never that one, t('NAME') is the same as = 'NAME'. The rows never change
-- with the hint (checked against an ordinary table); reading the column
-- gives the path the scan took. Bad hints fail naming the problem.
CREATE VIRTUAL TABLE orders USING tito(id INTEGER PRIMARY KEY, customer_id INTEGER, status TEXT, created_at INTEGER NOT NULL, total REAL,
  INDEX by_customer(customer_id, created_at), INDEX by_status(status) INCLUDE (total), INDEX open_by_created(created_at) WHERE status = 'open');
CREATE TABLE n_orders(id INTEGER PRIMARY KEY, customer_id INTEGER, status TEXT, created_at INTEGER NOT NULL, total REAL);
INSERT INTO n_orders SELECT value, 1 + (value * 7919) % 50, CASE WHEN value % 50 = 7 THEN 'open' WHEN value % 12 = 3 THEN 'shipped' ELSE 'done' END, 1700000000 + value * 60, (value * 31) % 1000 FROM generate_series(1, 500);
INSERT INTO orders SELECT * FROM n_orders;

.print '-- the planner alone, then each path forced: the same rows'
EXPLAIN QUERY PLAN SELECT id FROM orders WHERE customer_id = 7 AND status = 'done';
SELECT group_concat(id) FROM (SELECT id FROM orders WHERE customer_id = 7 AND status = 'done' ORDER BY id);
SELECT group_concat(id) FROM (SELECT id FROM n_orders WHERE customer_id = 7 AND status = 'done' ORDER BY id);
EXPLAIN QUERY PLAN SELECT id FROM orders WHERE customer_id = 7 AND status = 'done' AND tito_index = 'by_status';
SELECT group_concat(id) FROM (SELECT id FROM orders WHERE customer_id = 7 AND status = 'done' AND tito_index = 'by_status' ORDER BY id);
EXPLAIN QUERY PLAN SELECT id FROM orders WHERE customer_id = 7 AND status = 'done' AND tito_index = 'pk';
SELECT group_concat(id) FROM (SELECT id FROM orders WHERE customer_id = 7 AND status = 'done' AND tito_index = 'pk' ORDER BY id);
.print '-- the table-valued form, and IS'
EXPLAIN QUERY PLAN SELECT id FROM orders('by_status') WHERE customer_id = 7 AND status = 'done';
SELECT group_concat(id) FROM (SELECT id FROM orders('by_status') WHERE customer_id = 7 AND status = 'done' ORDER BY id);
EXPLAIN QUERY PLAN SELECT id FROM orders WHERE customer_id = 7 AND tito_index IS 'by_status';
.print '-- forbidding: the next best path, or a plain index scan when the primary key is forbidden'
EXPLAIN QUERY PLAN SELECT id FROM orders WHERE customer_id = 7 AND status = 'done' AND tito_index <> 'by_customer';
EXPLAIN QUERY PLAN SELECT id FROM orders WHERE customer_id = 7 AND status = 'done' AND tito_index <> 'by_customer' AND tito_index != 'by_status';
EXPLAIN QUERY PLAN SELECT count(*) FROM orders WHERE tito_index <> 'pk';
SELECT count(*), (SELECT count(*) FROM n_orders) FROM orders WHERE tito_index <> 'pk';
EXPLAIN QUERY PLAN SELECT id FROM orders WHERE id BETWEEN 10 AND 20 AND tito_index IS NOT 'pk';
SELECT group_concat(id) FROM (SELECT id FROM orders WHERE id BETWEEN 10 AND 20 AND tito_index IS NOT 'pk' ORDER BY id);
.print '-- a forced index gives its order: ORDER BY and LIMIT are consumed'
EXPLAIN QUERY PLAN SELECT id, created_at FROM orders WHERE tito_index = 'open_by_created' AND status = 'open' ORDER BY created_at DESC LIMIT 3;
SELECT id, created_at FROM orders WHERE tito_index = 'open_by_created' AND status = 'open' ORDER BY created_at DESC LIMIT 3;
SELECT id, created_at FROM n_orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 3;
.print '-- the column reads the path taken'
SELECT tito_index, count(*) FROM orders WHERE customer_id = 7;
SELECT tito_index, count(*) FROM orders WHERE customer_id = 7 AND tito_index = 'pk';
SELECT tito_index, count(*) FROM orders WHERE status = 'open' AND tito_index <> 'by_status';
SELECT DISTINCT tito_index FROM orders WHERE id = 3;
.print '-- not part of the row: SELECT * and table_info leave it out'
SELECT * FROM orders WHERE id = 3;
SELECT name, hidden FROM pragma_table_xinfo('orders');
.print '-- joins: the hint applies to its own table'
EXPLAIN QUERY PLAN SELECT o.id FROM n_orders AS n JOIN orders AS o ON o.id = n.id WHERE n.id < 4 AND o.tito_index = 'by_customer';
SELECT group_concat(id) FROM (SELECT o.id FROM n_orders AS n JOIN orders AS o ON o.id = n.id WHERE n.id < 4 AND o.tito_index = 'by_customer' ORDER BY 1);
.print '-- writes through a hinted plan'
UPDATE orders SET total = total + 1 WHERE status = 'shipped' AND tito_index = 'pk';
UPDATE n_orders SET total = total + 1 WHERE status = 'shipped';
DELETE FROM orders WHERE customer_id = 9 AND tito_index = 'by_status';
DELETE FROM n_orders WHERE customer_id = 9;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM orders EXCEPT SELECT * FROM n_orders)) + (SELECT count(*) FROM (SELECT * FROM n_orders EXCEPT SELECT * FROM orders)) = 0 THEN 'same' ELSE 'DIFFERENT' END;
SELECT tito_check('orders');

.print '-- a table without rowid: the hidden _key still works beside the hint'
CREATE VIRTUAL TABLE line_items USING tito(order_id INTEGER, line_no INTEGER, qty INTEGER, PRIMARY KEY (order_id, line_no), INDEX by_qty(qty));
INSERT INTO line_items SELECT value / 3, value % 3, value % 5 FROM generate_series(1, 30);
EXPLAIN QUERY PLAN SELECT * FROM line_items WHERE qty = 2 AND tito_index = 'pk';
SELECT count(*) FROM line_items WHERE qty = 2 AND tito_index = 'pk';
SELECT count(*) FROM line_items WHERE qty = 2 AND tito_index = 'by_qty';
UPDATE line_items SET qty = qty + 10 WHERE qty = 2 AND tito_index = 'by_qty';
DELETE FROM line_items WHERE order_id = 4 AND tito_index = 'by_qty';
SELECT order_id, line_no, qty, tito_index FROM line_items WHERE order_id < 6 ORDER BY 1, 2;
SELECT tito_check('line_items');

.print '-- a model with its own column tito_index: a plain column, no hint'
CREATE VIRTUAL TABLE odd USING tito(id INTEGER PRIMARY KEY, tito_index TEXT, INDEX by_ti(tito_index));
INSERT INTO odd VALUES (1, 'pk'), (2, 'x');
SELECT * FROM odd WHERE tito_index = 'x';
EXPLAIN QUERY PLAN SELECT * FROM odd WHERE tito_index = 'x';
SELECT name, hidden FROM pragma_table_xinfo('odd');

.print '-- errors: each names the table and the problem, and nothing runs'
SELECT id FROM orders WHERE tito_index = 'by_nothing';
SELECT id FROM orders WHERE tito_index = ?1;
SELECT id FROM orders WHERE tito_index IN ('pk', 'by_status');
SELECT id FROM orders WHERE tito_index = 'pk' AND tito_index = 'by_status';
SELECT id FROM orders WHERE tito_index = 'open_by_created';
SELECT id FROM orders WHERE status = 'done' AND tito_index = 'open_by_created';
SELECT id FROM orders WHERE tito_index <> 'pk' AND tito_index <> 'by_customer' AND tito_index <> 'by_status';
INSERT INTO orders(id, created_at, tito_index) VALUES (1000, 1, 'pk');
UPDATE orders SET tito_index = 'by_status' || 'x' WHERE id = 3;
DELETE FROM orders WHERE tito_index = 'by_nothing';
SELECT count(*) FROM orders WHERE id IN (1000, 3);
