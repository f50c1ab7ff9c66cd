-- 065-triggers: tito tables written from triggers of ordinary tables. A
-- statement that fails, in the trigger or after it, takes the trigger's
-- tito writes back with it (nested statement rollback); ROLLBACK too.
-- Triggers on a tito table itself are SQLite's to refuse.
CREATE VIRTUAL TABLE audit USING tito(id INTEGER PRIMARY KEY, what TEXT, UNIQUE INDEX by_what(what));
CREATE TABLE o(id INTEGER PRIMARY KEY, name TEXT UNIQUE);
CREATE TRIGGER o_ins AFTER INSERT ON o BEGIN INSERT INTO audit(what) VALUES ('ins ' || new.name); END;
CREATE TRIGGER o_del AFTER DELETE ON o BEGIN DELETE FROM audit WHERE what = 'ins ' || old.name; END;
INSERT INTO o(name) VALUES ('a'), ('b');
SELECT * FROM audit;
INSERT INTO o(name) VALUES ('c'), ('a');
SELECT * FROM audit;
SELECT tito_check('audit');
BEGIN;
INSERT INTO o(name) VALUES ('d');
INSERT INTO o(name) VALUES ('e'), ('f'), ('d');
DELETE FROM o WHERE name = 'a';
SELECT * FROM audit;
ROLLBACK;
SELECT * FROM audit;
SELECT tito_check('audit');
CREATE TRIGGER a_trg AFTER INSERT ON audit BEGIN SELECT 1; END;
-- a trigger whose second write fails: its first write goes too
CREATE TABLE o2(id INTEGER PRIMARY KEY, n INTEGER);
CREATE TRIGGER o2_ins AFTER INSERT ON o2 BEGIN
  INSERT INTO audit(what) VALUES ('o2 ' || new.n || ' first');
  INSERT INTO audit(what) VALUES (CASE WHEN new.n = 2 THEN 'ins b' ELSE 'o2 ' || new.n END);
END;
INSERT INTO o2(n) VALUES (1);
INSERT INTO o2(n) VALUES (2);
SELECT * FROM audit;
SELECT * FROM o2;
SELECT tito_check('audit');
-- With PRAGMA trusted_schema=OFF (recent sqlite3 shells set it) triggers and
-- views may still use tito tables of the embedded store: they touch nothing
-- outside the database (SQLITE_VTAB_INNOCUOUS).
PRAGMA trusted_schema = OFF;
INSERT INTO o2(n) VALUES (3);
CREATE VIEW recent AS SELECT what FROM audit WHERE id > 4;
SELECT * FROM recent;
PRAGMA trusted_schema = ON;
