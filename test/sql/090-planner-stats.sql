-- 090-planner-stats: the plan of each query shape of the planner issue on
-- an orders schema, before and after tito_analyze; the plan an ordinary
-- table with the same indexes chooses after ANALYZE is in the file beside
-- it (see the README, Queries). Plans only choose the path: the rows are
-- checked against the ordinary tables ("same").
CREATE VIRTUAL TABLE customers USING tito(id INTEGER PRIMARY KEY, name TEXT, email TEXT, UNIQUE INDEX by_email(email));
CREATE VIRTUAL TABLE orders USING tito(id INTEGER PRIMARY KEY, customer_id INTEGER, status TEXT, created_at INTEGER NOT NULL, total REAL,
  INDEX by_customer(customer_id, created_at), INDEX by_status(status) INCLUDE (total), INDEX open_by_created(created_at) WHERE status = 'open');
CREATE VIRTUAL TABLE line_items USING tito(order_id INTEGER, line_no INTEGER, product_id INTEGER, qty INTEGER, PRIMARY KEY (order_id, line_no), INDEX by_product(product_id));
CREATE TABLE n_customers(id INTEGER PRIMARY KEY, name TEXT, email TEXT UNIQUE);
CREATE TABLE n_orders(id INTEGER PRIMARY KEY, customer_id INTEGER, status TEXT, created_at INTEGER NOT NULL, total REAL);
CREATE INDEX n_by_customer ON n_orders(customer_id, created_at);
CREATE INDEX n_by_status ON n_orders(status, total);
CREATE INDEX n_open_by_created ON n_orders(created_at) WHERE status = 'open';
CREATE TABLE n_line_items(order_id INTEGER, line_no INTEGER, product_id INTEGER, qty INTEGER, PRIMARY KEY (order_id, line_no)) WITHOUT ROWID;
CREATE INDEX n_by_product ON n_line_items(product_id);
INSERT INTO n_customers SELECT value, 'customer ' || value, 'c' || value || '@example.com' FROM generate_series(1, 50);
INSERT INTO n_orders SELECT value, 1 + (value * 7919) % 50, CASE WHEN value % 50 = 7 THEN 'open' WHEN value % 12 = 3 THEN 'shipped' ELSE 'done' END, 1700000000 + value * 60, (value * 31) % 1000 FROM generate_series(1, 1000);
INSERT INTO n_line_items SELECT o.value, l.value, 1 + (o.value * l.value) % 50, 1 + (o.value + l.value) % 5 FROM generate_series(1, 1000) AS o, generate_series(1, 3) AS l WHERE l.value <= 1 + o.value % 3;
INSERT INTO customers SELECT * FROM n_customers;
INSERT INTO orders SELECT * FROM n_orders;
INSERT INTO line_items SELECT * FROM n_line_items;
ANALYZE;
SELECT tito_config('clock', 1700000000);

.print '== tito without statistics'
.print '-- point get'
EXPLAIN QUERY PLAN SELECT * FROM orders WHERE id = 5;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT * FROM orders WHERE id = 5) EXCEPT SELECT * FROM (SELECT * FROM n_orders WHERE id = 5))) + (SELECT count(*) FROM (SELECT * FROM (SELECT * FROM n_orders WHERE id = 5) EXCEPT SELECT * FROM (SELECT * FROM orders WHERE id = 5))) = 0 AND (SELECT count(*) FROM (SELECT * FROM orders WHERE id = 5)) = (SELECT count(*) FROM (SELECT * FROM n_orders WHERE id = 5)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- unique lookup'
EXPLAIN QUERY PLAN SELECT id FROM customers WHERE email = 'c5@example.com';
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT id FROM customers WHERE email = 'c5@example.com') EXCEPT SELECT * FROM (SELECT id FROM n_customers WHERE email = 'c5@example.com'))) + (SELECT count(*) FROM (SELECT * FROM (SELECT id FROM n_customers WHERE email = 'c5@example.com') EXCEPT SELECT * FROM (SELECT id FROM customers WHERE email = 'c5@example.com'))) = 0 AND (SELECT count(*) FROM (SELECT id FROM customers WHERE email = 'c5@example.com')) = (SELECT count(*) FROM (SELECT id FROM n_customers WHERE email = 'c5@example.com')) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- keyset page'
EXPLAIN QUERY PLAN SELECT * FROM orders WHERE id > 500 ORDER BY id LIMIT 20;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT * FROM orders WHERE id > 500 ORDER BY id LIMIT 20) EXCEPT SELECT * FROM (SELECT * FROM n_orders WHERE id > 500 ORDER BY id LIMIT 20))) + (SELECT count(*) FROM (SELECT * FROM (SELECT * FROM n_orders WHERE id > 500 ORDER BY id LIMIT 20) EXCEPT SELECT * FROM (SELECT * FROM orders WHERE id > 500 ORDER BY id LIMIT 20))) = 0 AND (SELECT count(*) FROM (SELECT * FROM orders WHERE id > 500 ORDER BY id LIMIT 20)) = (SELECT count(*) FROM (SELECT * FROM n_orders WHERE id > 500 ORDER BY id LIMIT 20)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- orders of a customer, newest first'
EXPLAIN QUERY PLAN SELECT id FROM orders WHERE customer_id = 7 ORDER BY created_at DESC;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT id FROM orders WHERE customer_id = 7 ORDER BY created_at DESC) EXCEPT SELECT * FROM (SELECT id FROM n_orders WHERE customer_id = 7 ORDER BY created_at DESC))) + (SELECT count(*) FROM (SELECT * FROM (SELECT id FROM n_orders WHERE customer_id = 7 ORDER BY created_at DESC) EXCEPT SELECT * FROM (SELECT id FROM orders WHERE customer_id = 7 ORDER BY created_at DESC))) = 0 AND (SELECT count(*) FROM (SELECT id FROM orders WHERE customer_id = 7 ORDER BY created_at DESC)) = (SELECT count(*) FROM (SELECT id FROM n_orders WHERE customer_id = 7 ORDER BY created_at DESC)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- 3-table join'
EXPLAIN QUERY PLAN SELECT c.name, o.id, li.qty FROM customers c JOIN orders o ON o.customer_id = c.id JOIN line_items li ON li.order_id = o.id WHERE c.id = 3;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT c.name, o.id, li.qty FROM customers c JOIN orders o ON o.customer_id = c.id JOIN line_items li ON li.order_id = o.id WHERE c.id = 3) EXCEPT SELECT * FROM (SELECT c.name, o.id, li.qty FROM n_customers c JOIN n_orders o ON o.customer_id = c.id JOIN n_line_items li ON li.order_id = o.id WHERE c.id = 3))) + (SELECT count(*) FROM (SELECT * FROM (SELECT c.name, o.id, li.qty FROM n_customers c JOIN n_orders o ON o.customer_id = c.id JOIN n_line_items li ON li.order_id = o.id WHERE c.id = 3) EXCEPT SELECT * FROM (SELECT c.name, o.id, li.qty FROM customers c JOIN orders o ON o.customer_id = c.id JOIN line_items li ON li.order_id = o.id WHERE c.id = 3))) = 0 AND (SELECT count(*) FROM (SELECT c.name, o.id, li.qty FROM customers c JOIN orders o ON o.customer_id = c.id JOIN line_items li ON li.order_id = o.id WHERE c.id = 3)) = (SELECT count(*) FROM (SELECT c.name, o.id, li.qty FROM n_customers c JOIN n_orders o ON o.customer_id = c.id JOIN n_line_items li ON li.order_id = o.id WHERE c.id = 3)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- GROUP BY with a join'
EXPLAIN QUERY PLAN SELECT o.status, sum(li.qty) FROM orders o JOIN line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT o.status, sum(li.qty) FROM orders o JOIN line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status) EXCEPT SELECT * FROM (SELECT o.status, sum(li.qty) FROM n_orders o JOIN n_line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status))) + (SELECT count(*) FROM (SELECT * FROM (SELECT o.status, sum(li.qty) FROM n_orders o JOIN n_line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status) EXCEPT SELECT * FROM (SELECT o.status, sum(li.qty) FROM orders o JOIN line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status))) = 0 AND (SELECT count(*) FROM (SELECT o.status, sum(li.qty) FROM orders o JOIN line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status)) = (SELECT count(*) FROM (SELECT o.status, sum(li.qty) FROM n_orders o JOIN n_line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- count of a status'
EXPLAIN QUERY PLAN SELECT count(*) FROM orders WHERE status = 'shipped';
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT count(*) FROM orders WHERE status = 'shipped') EXCEPT SELECT * FROM (SELECT count(*) FROM n_orders WHERE status = 'shipped'))) + (SELECT count(*) FROM (SELECT * FROM (SELECT count(*) FROM n_orders WHERE status = 'shipped') EXCEPT SELECT * FROM (SELECT count(*) FROM orders WHERE status = 'shipped'))) = 0 AND (SELECT count(*) FROM (SELECT count(*) FROM orders WHERE status = 'shipped')) = (SELECT count(*) FROM (SELECT count(*) FROM n_orders WHERE status = 'shipped')) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- open orders newest first'
EXPLAIN QUERY PLAN SELECT id, total FROM orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT id, total FROM orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10) EXCEPT SELECT * FROM (SELECT id, total FROM n_orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10))) + (SELECT count(*) FROM (SELECT * FROM (SELECT id, total FROM n_orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10) EXCEPT SELECT * FROM (SELECT id, total FROM orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10))) = 0 AND (SELECT count(*) FROM (SELECT id, total FROM orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10)) = (SELECT count(*) FROM (SELECT id, total FROM n_orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- min over the partial index (NOT NULL column)'
EXPLAIN QUERY PLAN SELECT min(created_at) FROM orders WHERE status = 'open';
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT min(created_at) FROM orders WHERE status = 'open') EXCEPT SELECT * FROM (SELECT min(created_at) FROM n_orders WHERE status = 'open'))) + (SELECT count(*) FROM (SELECT * FROM (SELECT min(created_at) FROM n_orders WHERE status = 'open') EXCEPT SELECT * FROM (SELECT min(created_at) FROM orders WHERE status = 'open'))) = 0 AND (SELECT count(*) FROM (SELECT min(created_at) FROM orders WHERE status = 'open')) = (SELECT count(*) FROM (SELECT min(created_at) FROM n_orders WHERE status = 'open')) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- max with an equality before'
EXPLAIN QUERY PLAN SELECT max(created_at) FROM orders WHERE customer_id = 7;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT max(created_at) FROM orders WHERE customer_id = 7) EXCEPT SELECT * FROM (SELECT max(created_at) FROM n_orders WHERE customer_id = 7))) + (SELECT count(*) FROM (SELECT * FROM (SELECT max(created_at) FROM n_orders WHERE customer_id = 7) EXCEPT SELECT * FROM (SELECT max(created_at) FROM orders WHERE customer_id = 7))) = 0 AND (SELECT count(*) FROM (SELECT max(created_at) FROM orders WHERE customer_id = 7)) = (SELECT count(*) FROM (SELECT max(created_at) FROM n_orders WHERE customer_id = 7)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- IN subquery'
EXPLAIN QUERY PLAN SELECT * FROM line_items WHERE order_id IN (SELECT id FROM orders WHERE customer_id = 3);
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT * FROM line_items WHERE order_id IN (SELECT id FROM orders WHERE customer_id = 3)) EXCEPT SELECT * FROM (SELECT * FROM n_line_items WHERE order_id IN (SELECT id FROM n_orders WHERE customer_id = 3)))) + (SELECT count(*) FROM (SELECT * FROM (SELECT * FROM n_line_items WHERE order_id IN (SELECT id FROM n_orders WHERE customer_id = 3)) EXCEPT SELECT * FROM (SELECT * FROM line_items WHERE order_id IN (SELECT id FROM orders WHERE customer_id = 3)))) = 0 AND (SELECT count(*) FROM (SELECT * FROM line_items WHERE order_id IN (SELECT id FROM orders WHERE customer_id = 3))) = (SELECT count(*) FROM (SELECT * FROM n_line_items WHERE order_id IN (SELECT id FROM n_orders WHERE customer_id = 3))) THEN 'same' ELSE 'DIFFERENT' END;
SELECT tito_analyze();
SELECT * FROM tito_stat('orders');
.print '== tito after tito_analyze'
.print '-- point get'
EXPLAIN QUERY PLAN SELECT * FROM orders WHERE id = 5;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT * FROM orders WHERE id = 5) EXCEPT SELECT * FROM (SELECT * FROM n_orders WHERE id = 5))) + (SELECT count(*) FROM (SELECT * FROM (SELECT * FROM n_orders WHERE id = 5) EXCEPT SELECT * FROM (SELECT * FROM orders WHERE id = 5))) = 0 AND (SELECT count(*) FROM (SELECT * FROM orders WHERE id = 5)) = (SELECT count(*) FROM (SELECT * FROM n_orders WHERE id = 5)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- unique lookup'
EXPLAIN QUERY PLAN SELECT id FROM customers WHERE email = 'c5@example.com';
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT id FROM customers WHERE email = 'c5@example.com') EXCEPT SELECT * FROM (SELECT id FROM n_customers WHERE email = 'c5@example.com'))) + (SELECT count(*) FROM (SELECT * FROM (SELECT id FROM n_customers WHERE email = 'c5@example.com') EXCEPT SELECT * FROM (SELECT id FROM customers WHERE email = 'c5@example.com'))) = 0 AND (SELECT count(*) FROM (SELECT id FROM customers WHERE email = 'c5@example.com')) = (SELECT count(*) FROM (SELECT id FROM n_customers WHERE email = 'c5@example.com')) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- keyset page'
EXPLAIN QUERY PLAN SELECT * FROM orders WHERE id > 500 ORDER BY id LIMIT 20;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT * FROM orders WHERE id > 500 ORDER BY id LIMIT 20) EXCEPT SELECT * FROM (SELECT * FROM n_orders WHERE id > 500 ORDER BY id LIMIT 20))) + (SELECT count(*) FROM (SELECT * FROM (SELECT * FROM n_orders WHERE id > 500 ORDER BY id LIMIT 20) EXCEPT SELECT * FROM (SELECT * FROM orders WHERE id > 500 ORDER BY id LIMIT 20))) = 0 AND (SELECT count(*) FROM (SELECT * FROM orders WHERE id > 500 ORDER BY id LIMIT 20)) = (SELECT count(*) FROM (SELECT * FROM n_orders WHERE id > 500 ORDER BY id LIMIT 20)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- orders of a customer, newest first'
EXPLAIN QUERY PLAN SELECT id FROM orders WHERE customer_id = 7 ORDER BY created_at DESC;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT id FROM orders WHERE customer_id = 7 ORDER BY created_at DESC) EXCEPT SELECT * FROM (SELECT id FROM n_orders WHERE customer_id = 7 ORDER BY created_at DESC))) + (SELECT count(*) FROM (SELECT * FROM (SELECT id FROM n_orders WHERE customer_id = 7 ORDER BY created_at DESC) EXCEPT SELECT * FROM (SELECT id FROM orders WHERE customer_id = 7 ORDER BY created_at DESC))) = 0 AND (SELECT count(*) FROM (SELECT id FROM orders WHERE customer_id = 7 ORDER BY created_at DESC)) = (SELECT count(*) FROM (SELECT id FROM n_orders WHERE customer_id = 7 ORDER BY created_at DESC)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- 3-table join'
EXPLAIN QUERY PLAN SELECT c.name, o.id, li.qty FROM customers c JOIN orders o ON o.customer_id = c.id JOIN line_items li ON li.order_id = o.id WHERE c.id = 3;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT c.name, o.id, li.qty FROM customers c JOIN orders o ON o.customer_id = c.id JOIN line_items li ON li.order_id = o.id WHERE c.id = 3) EXCEPT SELECT * FROM (SELECT c.name, o.id, li.qty FROM n_customers c JOIN n_orders o ON o.customer_id = c.id JOIN n_line_items li ON li.order_id = o.id WHERE c.id = 3))) + (SELECT count(*) FROM (SELECT * FROM (SELECT c.name, o.id, li.qty FROM n_customers c JOIN n_orders o ON o.customer_id = c.id JOIN n_line_items li ON li.order_id = o.id WHERE c.id = 3) EXCEPT SELECT * FROM (SELECT c.name, o.id, li.qty FROM customers c JOIN orders o ON o.customer_id = c.id JOIN line_items li ON li.order_id = o.id WHERE c.id = 3))) = 0 AND (SELECT count(*) FROM (SELECT c.name, o.id, li.qty FROM customers c JOIN orders o ON o.customer_id = c.id JOIN line_items li ON li.order_id = o.id WHERE c.id = 3)) = (SELECT count(*) FROM (SELECT c.name, o.id, li.qty FROM n_customers c JOIN n_orders o ON o.customer_id = c.id JOIN n_line_items li ON li.order_id = o.id WHERE c.id = 3)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- GROUP BY with a join'
EXPLAIN QUERY PLAN SELECT o.status, sum(li.qty) FROM orders o JOIN line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT o.status, sum(li.qty) FROM orders o JOIN line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status) EXCEPT SELECT * FROM (SELECT o.status, sum(li.qty) FROM n_orders o JOIN n_line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status))) + (SELECT count(*) FROM (SELECT * FROM (SELECT o.status, sum(li.qty) FROM n_orders o JOIN n_line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status) EXCEPT SELECT * FROM (SELECT o.status, sum(li.qty) FROM orders o JOIN line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status))) = 0 AND (SELECT count(*) FROM (SELECT o.status, sum(li.qty) FROM orders o JOIN line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status)) = (SELECT count(*) FROM (SELECT o.status, sum(li.qty) FROM n_orders o JOIN n_line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- count of a status'
EXPLAIN QUERY PLAN SELECT count(*) FROM orders WHERE status = 'shipped';
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT count(*) FROM orders WHERE status = 'shipped') EXCEPT SELECT * FROM (SELECT count(*) FROM n_orders WHERE status = 'shipped'))) + (SELECT count(*) FROM (SELECT * FROM (SELECT count(*) FROM n_orders WHERE status = 'shipped') EXCEPT SELECT * FROM (SELECT count(*) FROM orders WHERE status = 'shipped'))) = 0 AND (SELECT count(*) FROM (SELECT count(*) FROM orders WHERE status = 'shipped')) = (SELECT count(*) FROM (SELECT count(*) FROM n_orders WHERE status = 'shipped')) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- open orders newest first'
EXPLAIN QUERY PLAN SELECT id, total FROM orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT id, total FROM orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10) EXCEPT SELECT * FROM (SELECT id, total FROM n_orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10))) + (SELECT count(*) FROM (SELECT * FROM (SELECT id, total FROM n_orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10) EXCEPT SELECT * FROM (SELECT id, total FROM orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10))) = 0 AND (SELECT count(*) FROM (SELECT id, total FROM orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10)) = (SELECT count(*) FROM (SELECT id, total FROM n_orders WHERE status = 'open' ORDER BY created_at DESC LIMIT 10)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- min over the partial index (NOT NULL column)'
EXPLAIN QUERY PLAN SELECT min(created_at) FROM orders WHERE status = 'open';
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT min(created_at) FROM orders WHERE status = 'open') EXCEPT SELECT * FROM (SELECT min(created_at) FROM n_orders WHERE status = 'open'))) + (SELECT count(*) FROM (SELECT * FROM (SELECT min(created_at) FROM n_orders WHERE status = 'open') EXCEPT SELECT * FROM (SELECT min(created_at) FROM orders WHERE status = 'open'))) = 0 AND (SELECT count(*) FROM (SELECT min(created_at) FROM orders WHERE status = 'open')) = (SELECT count(*) FROM (SELECT min(created_at) FROM n_orders WHERE status = 'open')) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- max with an equality before'
EXPLAIN QUERY PLAN SELECT max(created_at) FROM orders WHERE customer_id = 7;
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT max(created_at) FROM orders WHERE customer_id = 7) EXCEPT SELECT * FROM (SELECT max(created_at) FROM n_orders WHERE customer_id = 7))) + (SELECT count(*) FROM (SELECT * FROM (SELECT max(created_at) FROM n_orders WHERE customer_id = 7) EXCEPT SELECT * FROM (SELECT max(created_at) FROM orders WHERE customer_id = 7))) = 0 AND (SELECT count(*) FROM (SELECT max(created_at) FROM orders WHERE customer_id = 7)) = (SELECT count(*) FROM (SELECT max(created_at) FROM n_orders WHERE customer_id = 7)) THEN 'same' ELSE 'DIFFERENT' END;
.print '-- IN subquery'
EXPLAIN QUERY PLAN SELECT * FROM line_items WHERE order_id IN (SELECT id FROM orders WHERE customer_id = 3);
SELECT CASE WHEN (SELECT count(*) FROM (SELECT * FROM (SELECT * FROM line_items WHERE order_id IN (SELECT id FROM orders WHERE customer_id = 3)) EXCEPT SELECT * FROM (SELECT * FROM n_line_items WHERE order_id IN (SELECT id FROM n_orders WHERE customer_id = 3)))) + (SELECT count(*) FROM (SELECT * FROM (SELECT * FROM n_line_items WHERE order_id IN (SELECT id FROM n_orders WHERE customer_id = 3)) EXCEPT SELECT * FROM (SELECT * FROM line_items WHERE order_id IN (SELECT id FROM orders WHERE customer_id = 3)))) = 0 AND (SELECT count(*) FROM (SELECT * FROM line_items WHERE order_id IN (SELECT id FROM orders WHERE customer_id = 3))) = (SELECT count(*) FROM (SELECT * FROM n_line_items WHERE order_id IN (SELECT id FROM n_orders WHERE customer_id = 3))) THEN 'same' ELSE 'DIFFERENT' END;
.print '== ordinary tables after ANALYZE'
.print '-- point get'
EXPLAIN QUERY PLAN SELECT * FROM n_orders WHERE id = 5;
.print '-- unique lookup'
EXPLAIN QUERY PLAN SELECT id FROM n_customers WHERE email = 'c5@example.com';
.print '-- keyset page'
EXPLAIN QUERY PLAN SELECT * FROM n_orders WHERE id > 500 ORDER BY id LIMIT 20;
.print '-- orders of a customer, newest first'
EXPLAIN QUERY PLAN SELECT id FROM n_orders WHERE customer_id = 7 ORDER BY created_at DESC;
.print '-- 3-table join'
EXPLAIN QUERY PLAN SELECT c.name, o.id, li.qty FROM n_customers c JOIN n_orders o ON o.customer_id = c.id JOIN n_line_items li ON li.order_id = o.id WHERE c.id = 3;
.print '-- GROUP BY with a join'
EXPLAIN QUERY PLAN SELECT o.status, sum(li.qty) FROM n_orders o JOIN n_line_items li ON li.order_id = o.id WHERE o.customer_id = 3 GROUP BY o.status;
.print '-- count of a status'
EXPLAIN QUERY PLAN SELECT count(*) FROM n_orders WHERE status = 'shipped';
.print '-- open orders newest first'
.print '(3.40: n_open_by_created in reverse; 3.52 on rows this few: n_by_status, then a sort)'
.print '-- min over the partial index (NOT NULL column)'
.print '(n_open_by_created, one entry; SQLite 3.44+ calls it COVERING)'
.print '-- max with an equality before'
EXPLAIN QUERY PLAN SELECT max(created_at) FROM n_orders WHERE customer_id = 7;
.print '-- IN subquery'
EXPLAIN QUERY PLAN SELECT * FROM n_line_items WHERE order_id IN (SELECT id FROM n_orders WHERE customer_id = 3);
.print '-- tito_analyze called by a statement that writes: committed with it'
CREATE TEMP TABLE analyzed(n);
INSERT INTO analyzed SELECT tito_analyze('customers');
SELECT n FROM analyzed;
SELECT idx, entries FROM tito_stat('customers');
