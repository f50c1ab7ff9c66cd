#!/usr/bin/env bash
# test/store_guard_test.sh: tito_store is read-only to plain SQL under
# SQLITE_DBCONFIG_DEFENSIVE (the guard table tito, ext/tito_guard.c), while
# tito's own writes, savepoints, VACUUM, VACUUM INTO, ATTACH, reopening and
# .dump/.read keep working. Without DEFENSIVE, plain SQL may write it (as
# SQLite allows for every shadow table).
set -u
cd "$(dirname "$0")/.."
SO=$(realpath "${TITO_SO:-./tito.so}"); SO=${SO%.so}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0
ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; n=$((n + 1)); }

# run DB SQL...: the shell with tito loaded first and DEFENSIVE on.
run() {
  local db=$1; shift
  printf '%s\n' "$@" | sqlite3 -cmd ".load $SO" -cmd ".dbconfig defensive on" "$db" 2>&1 |
    grep -v '^ *defensive on$'
}
refused() { # all four plain writes refused on SCHEMA.tito_store of DB
  local db=$1 s=${2:-main} out
  out=$(run "$db" "INSERT INTO $s.tito_store VALUES (x'01', x'02');" \
    "UPDATE $s.tito_store SET v = x'';" "DELETE FROM $s.tito_store;" \
    "DROP TABLE $s.tito_store;")
  [ "$(grep -c 'may not be modified' <<< "$out")" = 3 ] && grep -q 'may not be dropped' <<< "$out"
}

db=$tmp/a.db
out=$(run "$db" "CREATE VIRTUAL TABLE t USING tito(id INTEGER PRIMARY KEY, v TEXT, INDEX iv(v));" \
  "INSERT INTO t VALUES (1, 'a'), (2, 'b');" \
  "BEGIN; UPDATE t SET v = 'c' WHERE id = 2; SAVEPOINT s; DELETE FROM t; ROLLBACK TO s; COMMIT;" \
  "SELECT group_concat(v) FROM t; SELECT tito_check();")
[ "$out" = "$(printf 'a,c\nok')" ] && ok "tito writes under DEFENSIVE" || nok "tito writes under DEFENSIVE: $out"
refused "$db" && ok "plain writes to tito_store refused under DEFENSIVE" \
  || nok "plain writes to tito_store under DEFENSIVE: $(run "$db" "INSERT INTO tito_store VALUES (x'01', x'02');")"

# Reopening, VACUUM, VACUUM INTO, ATTACH.
out=$(run "$db" "VACUUM;" "INSERT INTO t VALUES (3, 'd');" "SELECT count(*), tito_check() FROM t;")
[ "$out" = "3|ok" ] && refused "$db" && ok "after VACUUM" || nok "after VACUUM: $out"
run "$db" "VACUUM INTO '$tmp/copy.db';" > /dev/null
out=$(run "$tmp/copy.db" "SELECT count(*), tito_check() FROM t;")
[ "$out" = "3|ok" ] && refused "$tmp/copy.db" && ok "VACUUM INTO copy is guarded" || nok "VACUUM INTO: $out"
out=$(run "$tmp/other.db" "ATTACH '$db' AS aux;" "SELECT count(*) FROM aux.t;" \
  "INSERT INTO aux.tito_store VALUES (x'01', x'02');")
grep -q 'may not be modified' <<< "$out" && grep -q '^3$' <<< "$out" \
  && ok "attached store guarded" || nok "attached store: $out"

# A store made before guards (no DEFENSIVE at creation) is guarded at the
# first load under DEFENSIVE.
old=$tmp/old.db
sqlite3 -cmd ".dbconfig defensive off" -cmd ".load $SO" "$old" "CREATE VIRTUAL TABLE o USING tito(k TEXT PRIMARY KEY);
  INSERT INTO o VALUES ('x');" 2>&1 | grep -v '^ *defensive off$'
[ "$(sqlite3 "$old" "SELECT count(*) FROM sqlite_schema WHERE name = 'tito'")" = 0 ] \
  && ok "no guard without DEFENSIVE" || nok "a guard was made without DEFENSIVE"
cp "$old" "$tmp/old2.db"
out=$(printf "INSERT INTO tito_store VALUES (x'01', x'02');\n" |
  sqlite3 -cmd ".dbconfig defensive on" -cmd ".load $SO" "$old" 2>&1)
grep -q 'may not be modified' <<< "$out" && ok "an unguarded store is guarded at load under DEFENSIVE" \
  || nok "unguarded store at load: $out"
out=$(run "$tmp/old2.db" "SELECT * FROM o;" "INSERT INTO tito_store VALUES (x'01', x'02');")
grep -q 'may not be modified' <<< "$out" && ok "an unguarded store is guarded at its first use under DEFENSIVE" \
  || nok "unguarded store at first use: $out"

# Without DEFENSIVE plain SQL may write (SQLite's rule for shadow tables).
out=$(sqlite3 -cmd ".dbconfig defensive off" -cmd ".load $SO" "$db" "INSERT INTO tito_store VALUES (x'01', x'02');
  DELETE FROM tito_store WHERE k = x'01'; SELECT tito_check();" 2>&1 | grep -v '^ *defensive off$')
[ "$out" = ok ] && ok "writable without DEFENSIVE" || nok "without DEFENSIVE: $out"

# .dump of a guarded database reads into an empty one, guard included, and
# into a guarded one (the second guard row is removed at the next load).
# Reading a dump with virtual tables needs DEFENSIVE off (it writes
# sqlite_schema; newer shells turn DEFENSIVE on by default).
sqlite3 "$db" .dump > "$tmp/dump.sql"
sqlite3 -cmd ".dbconfig defensive off" -cmd ".load $SO" "$tmp/new.db" < "$tmp/dump.sql" 2>&1 |
  grep -v '^ *defensive off$' > "$tmp/read.out"
out=$(run "$tmp/new.db" "SELECT count(*), tito_check() FROM t;")
[ "$out" = "3|ok" ] && [ ! -s "$tmp/read.out" ] && refused "$tmp/new.db" \
  && ok ".dump of a guarded database into an empty one" || nok ".dump into empty: $out $(cat "$tmp/read.out")"
run "$tmp/g2.db" "CREATE VIRTUAL TABLE u USING tito(k PRIMARY KEY); INSERT INTO u VALUES (7);" > /dev/null
sqlite3 -cmd ".dbconfig defensive off" -cmd ".load $SO" "$tmp/g2.db" < "$tmp/dump.sql" > /dev/null 2>&1
out=$(sqlite3 -cmd ".dbconfig defensive off" -cmd ".load $SO" "$tmp/g2.db" "SELECT count(*) FROM t; SELECT * FROM u; SELECT tito_check();
  SELECT count(*) FROM sqlite_schema WHERE name = 'tito';" 2>&1 | grep -v '^ *defensive off$')
[ "$out" = "$(printf '3\n7\nok\n1')" ] && refused "$tmp/g2.db" \
  && ok ".dump of a guarded database into a guarded one" || nok ".dump into guarded: $out"
exit $n
