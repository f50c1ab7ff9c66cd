-- 020-create-errors: each bad definition fails with a message naming the
-- offending word (and the argument it is in); nothing is created: no table,
-- no catalog entry, no store keys.

CREATE VIRTUAL TABLE ok1 USING tito(id TEXT PRIMARY KEY, v TEXT);
INSERT INTO ok1 VALUES ('a', 'x');
SELECT count(*) AS store_keys_before FROM tito_store;

-- Unsupported SQL features.
CREATE VIRTUAL TABLE e1 USING tito(a TEXT PRIMARY KEY, b TEXT CHECK (b <> ''));
CREATE VIRTUAL TABLE e2 USING tito(a TEXT, CHECK (a > 0));
CREATE VIRTUAL TABLE e3 USING tito(a TEXT PRIMARY KEY, b INTEGER REFERENCES other(id));
CREATE VIRTUAL TABLE e4 USING tito(a TEXT, FOREIGN KEY (a) REFERENCES x(y));
CREATE VIRTUAL TABLE e5 USING tito(a TEXT COLLATE NOCASE);
CREATE VIRTUAL TABLE e6 USING tito(a INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE VIRTUAL TABLE e7 USING tito(a TEXT, UNIQUE (a));
CREATE VIRTUAL TABLE e8 USING tito(a TEXT, b AS (a || 'x'));
CREATE VIRTUAL TABLE e9 USING tito(a TEXT, topic TEXT);

-- Names: duplicates, unknown columns, reserved names.
CREATE VIRTUAL TABLE e10 USING tito(a TEXT, A INTEGER);
CREATE VIRTUAL TABLE e11 USING tito(a TEXT, INDEX i1(a), INDEX i1(a));
CREATE VIRTUAL TABLE e12 USING tito(a TEXT, INDEX i1(nosuch));
CREATE VIRTUAL TABLE e13 USING tito(a TEXT, PRIMARY KEY (a, zz));
CREATE VIRTUAL TABLE e14 USING tito(a TEXT, INDEX i1(a) INCLUDE (zz));
CREATE VIRTUAL TABLE e15 USING tito(a TEXT, INDEX i1(a, a));
CREATE VIRTUAL TABLE e16 USING tito(_key BLOB);

-- Keys.
CREATE VIRTUAL TABLE e17 USING tito(a TEXT PRIMARY KEY, b TEXT PRIMARY KEY);
CREATE VIRTUAL TABLE e18 USING tito(a TEXT PRIMARY KEY, b TEXT, PRIMARY KEY (b));

-- Malformed arguments.
CREATE VIRTUAL TABLE e19 USING tito();
CREATE VIRTUAL TABLE e20 USING tito;
CREATE VIRTUAL TABLE e21 USING tito(a TEXT, INDEX (a));
CREATE VIRTUAL TABLE e22 USING tito(a TEXT, INDEX i1());
CREATE VIRTUAL TABLE e23 USING tito(a TEXT DEFAULT);
CREATE VIRTUAL TABLE e24 USING tito(a TEXT NOT);
CREATE VIRTUAL TABLE e25 USING tito(a TEXT, INDEX i1(a) WHERE);

-- Partial-index conditions are compiled by SQLite: its own messages.
CREATE VIRTUAL TABLE e26 USING tito(a TEXT, INDEX i1(a) WHERE zz > 1);
CREATE VIRTUAL TABLE e27 USING tito(a TEXT, INDEX i1(a) WHERE a >);
CREATE VIRTUAL TABLE e28 USING tito(a TEXT, INDEX i1(a) WHERE nosuchfunc(a));
-- What SQLite refuses in a partial index's WHERE, tito refuses too: the
-- condition must give the same answer every time it is evaluated.
CREATE VIRTUAL TABLE e32 USING tito(a TEXT, INDEX i1(a) WHERE random() > 0);
CREATE VIRTUAL TABLE e33 USING tito(a TEXT, INDEX i1(a) WHERE a IN (SELECT 1));
CREATE VIRTUAL TABLE e34 USING tito(a TEXT, INDEX i1(a) WHERE a = ?);
CREATE VIRTUAL TABLE e35 USING tito(a TEXT, INDEX i1(a) WHERE count(*) > 1);

-- Options.
CREATE VIRTUAL TABLE e29 USING tito(a TEXT, store = 'bogus');
CREATE VIRTUAL TABLE e30 USING tito(a TEXT, frobnicate = 1);
CREATE VIRTUAL TABLE e31 USING tito(a TEXT, prefix = 'x', prefix = 'y');

-- Nothing was created; the existing table is untouched.
SELECT name FROM sqlite_schema ORDER BY name;
SELECT count(*) AS store_keys_after FROM tito_store;
SELECT * FROM ok1;
SELECT tito_check('ok1');
SELECT tito_check('e1');
SELECT tito_check('sqlite_schema');
