#!/usr/bin/env bash
# sql_update_limit_test.sh: UPDATE/DELETE ... ORDER BY ... LIMIT on a tito
# table change the same rows as on an ordinary table. The syntax exists only
# in SQLite builds with SQLITE_ENABLE_UPDATE_DELETE_LIMIT (Debian's has it,
# SQLite's own amalgamation cannot), so on other builds this reports a skip.
# Prints "ok - NAME" / "not ok - NAME" lines for test/run.
set -u
cd "$(dirname "$0")/.."
SO=$(realpath "${TITO_SO:-./tito.so}")
name="update/delete ... ORDER BY ... LIMIT"
if [ "$(sqlite3 :memory: "SELECT sqlite_compileoption_used('ENABLE_UPDATE_DELETE_LIMIT')")" != 1 ]; then
  echo "ok - $name # skip: this SQLite is built without UPDATE/DELETE LIMIT"
  exit 0
fi
out=$(sqlite3 -cmd ".load $SO" :memory: 2>&1 <<'SQL'
CREATE VIRTUAL TABLE l USING tito(id TEXT PRIMARY KEY, n INTEGER, INDEX by_n(n));
CREATE TABLE o(id TEXT PRIMARY KEY, n INTEGER);
INSERT INTO l VALUES ('a', 1), ('b', 2), ('c', 3), ('d', 4);
INSERT INTO o SELECT * FROM l;
UPDATE l SET n = n + 10 ORDER BY id DESC LIMIT 2;
UPDATE o SET n = n + 10 ORDER BY id DESC LIMIT 2;
DELETE FROM l ORDER BY n LIMIT 1;
DELETE FROM o ORDER BY n LIMIT 1;
SELECT group_concat(id || '=' || n) FROM (SELECT * FROM l ORDER BY id);
SELECT group_concat(id || '=' || n) FROM (SELECT * FROM o ORDER BY id);
SELECT tito_check('l');
SQL
)
want="b=2,c=13,d=14
b=2,c=13,d=14
ok"
if [ "$out" = "$want" ]; then
  echo "ok - $name"
else
  echo "not ok - $name"
  printf '#   want: %q\n#   got:  %q\n' "$want" "$out"
fi
