#!/usr/bin/env bash
# sqlite_version_test.sh: the suite really runs on the SQLite it says it
# does, and tito adapts to that version. Prints "ok - NAME" / "not ok - NAME"
# lines for test/run.
#
#   - the sqlite3 shell, Python's sqlite3 module and the C test programs
#     (their libsqlite3.so.0) are one SQLite version, $TITO_SQLITE_EXPECT
#     when set (make test SQLITE=current sets it);
#   - tito_debug() names that version as the running one;
#   - PRAGMA integrity_check reports a damaged tito table on SQLite 3.44 and
#     later (xIntegrity), and cannot see it before;
#   - LIMIT/OFFSET end and skip the scan from SQLite 3.46 on.
set -u
cd "$(dirname "$0")/.."
SO=$(realpath "${TITO_SO:-./tito.so}")
BUILD=${TITO_BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
check() {
  if [ "$2" = "$3" ]; then echo "ok - sqlite version: $1"
  else echo "not ok - sqlite version: $1"; printf '#   want: %q\n#   got:  %q\n' "$3" "$2"; fi
}
# The version as a number: 3.44.0 -> 3044000.
num() { echo "$1" | awk -F. '{ printf "%d%03d%03d\n", $1, $2, $3 }'; }

shell=$(sqlite3 :memory: "SELECT sqlite_version()")
want=${TITO_SQLITE_EXPECT:-$shell}
check "the sqlite3 shell" "$shell" "$want"
check "Python's sqlite3 module" \
  "$("$PYTHON" -c 'import sqlite3; print(sqlite3.sqlite_version)')" "$want"
# A C test program resolves libsqlite3.so.0 to a library of that version.
lib=$(ldd "$BUILD/unit/test_scan" 2>/dev/null | awk '/libsqlite3\.so/ { print $3 }')
if [ -n "$lib" ] && grep -qaF "$want" "$lib"; then got=$want; else got="${lib:-no libsqlite3}"; fi
check "the C test programs' libsqlite3" "$got" "$want"

debug=$(sqlite3 -cmd ".load $SO" :memory: "SELECT tito_debug()" 2>&1)
check "tito_debug() names the running SQLite" \
  "$(echo "$debug" | sed -n 's/^sqlite running: //p')" "$want"

# A tito table whose index lost an entry behind tito's back.
# (DEFENSIVE off: newer shells turn it on, which keeps tito_store read-only.)
damaged=$(sqlite3 -cmd ".dbconfig defensive off" -cmd ".load $SO" :memory: 2>&1 <<'SQL' | grep -v '^ *defensive off$'
CREATE VIRTUAL TABLE u USING tito(id INTEGER PRIMARY KEY, e TEXT, INDEX by_e(e));
INSERT INTO u VALUES (1, 'a'), (2, 'b');
DELETE FROM tito_store WHERE k = (SELECT max(k) FROM tito_store);
PRAGMA quick_check;
PRAGMA integrity_check;
SQL
)
if [ "$(num "$want")" -ge 3044000 ]; then
  check "integrity_check reports a damaged tito table (3.44+)" \
    "$(echo "$damaged" | sed -n 2p | grep -c '^u: ')" 1
else
  check "integrity_check cannot see tito tables (before 3.44)" \
    "$damaged" "ok
ok"
fi
check "quick_check leaves tito tables alone" "$(echo "$damaged" | sed -n 1p)" ok

if [ "$(num "$want")" -ge 3046000 ]; then mode="end and skip the scan"
else mode="read-ahead hint (before 3.46.0)"; fi
check "LIMIT/OFFSET mode" "$(echo "$debug" | sed -n 's/^limit\/offset: //p')" "$mode"
