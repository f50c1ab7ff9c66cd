#!/usr/bin/env bash
# sql_persist_test.sh: tito tables on a database file survive closing and
# reopening: each step is a separate sqlite3 process. Prints "ok - NAME" /
# "not ok - NAME" lines for test/run.
set -u
cd "$(dirname "$0")/.."
SO=$(realpath "${TITO_SO:-./tito.so}")
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
db=$dir/p.db

# run SQL on the file db in a new process, tito loaded; stdout+stderr, the
# shell's error wording made version-neutral (test/shell_neutral.sed).
run() { sqlite3 -cmd ".load $SO" "$db" "$@" 2>&1 | sed -f test/shell_neutral.sed; }
# check NAME GOT WANT
check() {
  if [ "$2" = "$3" ]; then echo "ok - persist: $1"
  else echo "not ok - persist: $1"; echo "#   want: $(printf %q "$3")"; echo "#   got:  $(printf %q "$2")"; fi
}

run "CREATE VIRTUAL TABLE users USING tito(id TEXT PRIMARY KEY, name TEXT NOT NULL,
       email TEXT, role TEXT, UNIQUE INDEX by_email(email), INDEX by_role(role) INCLUDE (name));
     CREATE VIRTUAL TABLE log USING tito(msg TEXT);
     INSERT INTO users VALUES ('a', 'Ann', 'a@x', 'dev'), ('b', 'Bob', 'b@x', 'ops');
     INSERT INTO log VALUES ('one'), ('two');" > "$dir/out"
check "create and insert" "$(cat "$dir/out")" ""

check "rows after reopening" "$(run "SELECT id, name, email, role FROM users ORDER BY id;")" \
"a|Ann|a@x|dev
b|Bob|b@x|ops"
check "index after reopening" "$(run "SELECT id FROM users WHERE email = 'b@x'; SELECT name FROM users WHERE role = 'dev';")" \
"b
Ann"
check "rowids continue after reopening" "$(run "INSERT INTO log VALUES ('three'); SELECT rowid, msg FROM log;")" \
"1|one
2|two
3|three"
check "tito_check after reopening" "$(run "SELECT tito_check('users'), tito_check('log');")" "ok|ok"
check "constraints after reopening" "$(run "INSERT INTO users VALUES ('c', 'Cy', 'a@x', NULL);")" \
"Error: UNIQUE constraint failed: users.email"

# Writes in a committed transaction persist; an uncommitted one (the
# process ends inside BEGIN) and a rolled-back one leave nothing.
run "BEGIN; UPDATE users SET email = 'a2@x' WHERE id = 'a'; UPDATE users SET id = 'z' WHERE id = 'b'; COMMIT;" > /dev/null
run "BEGIN; INSERT INTO users VALUES ('u', 'Uncommitted', 'u@x', 'dev'); DELETE FROM users WHERE id = 'a';" > /dev/null
run "BEGIN; INSERT INTO users VALUES ('r', 'Rolled back', 'r@x', 'dev'); ROLLBACK;" > /dev/null
check "commit persists, no commit and rollback leave nothing" \
  "$(run "SELECT id, name, email FROM users ORDER BY id; SELECT count(*) FROM users WHERE email IN ('a@x', 'b@x', 'u@x', 'r@x');")" \
"a|Ann|a2@x
z|Bob|b@x
1"
check "tito_check after the transactions" "$(run "SELECT tito_check('users');")" "ok"

# A schema change in another connection: a table created and one dropped
# there are seen here.
run "CREATE VIRTUAL TABLE extra USING tito(k INTEGER PRIMARY KEY, v TEXT); INSERT INTO extra VALUES (1, 'x');" > /dev/null
run "DROP TABLE log;" > /dev/null
check "create and drop seen by a new process" "$(run "SELECT * FROM extra; SELECT name FROM sqlite_schema WHERE name = 'log';")" "1|x"
check "a dropped table's keys are gone" \
  "$(run "SELECT count(*) FROM tito_store WHERE instr(v, CAST('two' AS BLOB)) > 0;")" "0"

# The same file attached under a second name sees the keys just written.
check "the file attached again sees new keys" "$(run "ATTACH '$db' AS other;
  INSERT INTO users VALUES ('c', 'Cy', 'c@x', 'ops');
  SELECT count(*) FROM other.tito_store WHERE instr(k, CAST('c@x' AS BLOB)) > 0;")" "1"

# A rename survives reopening; the old name is free.
run "ALTER TABLE extra RENAME TO renamed;" > /dev/null
check "rename survives reopening" \
  "$(run "SELECT * FROM renamed; SELECT tito_check('renamed'); CREATE VIRTUAL TABLE extra USING tito(k TEXT PRIMARY KEY); SELECT count(*) FROM extra;")" \
"1|x
ok
0"

# VACUUM and VACUUM INTO copy the store with the rest of the file.
run "VACUUM; VACUUM INTO '$dir/copy.db';" > /dev/null
check "VACUUM keeps the rows" "$(run "SELECT count(*) FROM users; SELECT tito_check('users');")" "3
ok"
check "VACUUM INTO copies the models" \
  "$(sqlite3 -cmd ".load $SO" "$dir/copy.db" "SELECT id FROM users WHERE email = 'c@x'; SELECT tito_check('users');" 2>&1)" "c
ok"

# WAL mode works the same.
run "PRAGMA journal_mode = WAL;" > /dev/null
run "INSERT INTO users VALUES ('w', 'Wal', 'w@x', 'dev');" > /dev/null
check "WAL: rows and check after reopening" \
  "$(run "SELECT name FROM users WHERE role = 'dev' ORDER BY name; SELECT tito_check('users');")" \
"Ann
Wal
ok"

# Without the extension the file is still a plain SQLite database: the store
# is an ordinary table, the models need the module.
check "without tito: the store is an ordinary table" \
  "$(sqlite3 "$db" "SELECT count(*) > 0 FROM tito_store;" 2>&1)" "1"
check "without tito: a model needs the module" \
  "$(sqlite3 "$db" "SELECT * FROM users;" 2>&1)" "Error: in prepare, no such module: tito"
check "integrity_check of the file" "$(run "PRAGMA integrity_check;")" "ok"
