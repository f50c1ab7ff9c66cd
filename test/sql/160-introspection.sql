-- 160-introspection: tito_indexes('t') lists a model's primary key and
-- indexes (PRAGMA index_list cannot show a virtual table's); PRAGMA
-- table_info shows the declared columns, NOT NULL and DEFAULT.

CREATE VIRTUAL TABLE users USING tito(id TEXT PRIMARY KEY, name TEXT NOT NULL,
  email TEXT, role TEXT, status TEXT DEFAULT 'new',
  UNIQUE INDEX by_email(email), INDEX by_role_status(role, status DESC),
  INDEX by_active(status) WHERE status = 'active',
  INDEX by_role_cover(role) INCLUDE (name));
CREATE VIRTUAL TABLE pairs USING tito(a INTEGER, b TEXT, c UNIQUE,
  PRIMARY KEY (a, b DESC));
CREATE VIRTUAL TABLE loose USING tito(x, y);
SELECT * FROM tito_indexes('users');
SELECT * FROM tito_indexes('main.pairs');
SELECT count(*) FROM tito_indexes('loose');
SELECT name, "notnull", dflt_value FROM pragma_table_info('users');

.print -- errors
SELECT * FROM tito_indexes('nosuch');
SELECT * FROM tito_indexes(NULL);
CREATE TABLE plain(x);
SELECT * FROM tito_indexes('plain');
