#!/usr/bin/env bash
# accept-idxnum.sh: after a change to the planner's idxNum bit layout, refresh
# the golden files whose output differs from the .expected ONLY in the idxNum
# printed by EXPLAIN QUERY PLAN ("VIRTUAL TABLE INDEX <idxNum>:<idxStr>").
# Any other difference (idxStr, rows, errors) is left alone and listed: those
# need a person to judge them. Usage: test/sql/accept-idxnum.sh [tito.so]
set -u
cd "$(dirname "$0")/../.."
so=$(realpath "${1:-./tito.so}")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
norm() { sed -E 's/VIRTUAL TABLE INDEX [0-9]+:/VIRTUAL TABLE INDEX N:/' "$1"; }
# run NAME SQL EXPECTED DB: refresh EXPECTED if only idxNums differ.
run() {
  local sql=$2 exp=$3 db=$4
  if grep -q '^\.load \./tito$' "$sql"; then
    rm -f "$db"; sed "s|^\.load \./tito$|.load $so|" "$sql" | sqlite3 "$db" > "$tmp/got" 2>&1
  else
    sqlite3 -cmd ".load $so" "$db" < "$sql" > "$tmp/got" 2>&1
  fi
  if cmp -s "$tmp/got" "$exp"; then return; fi
  if diff -q <(norm "$tmp/got") <(norm "$exp") > /dev/null; then
    cp "$tmp/got" "$exp"; echo "refreshed (idxNum only): $exp"
  else
    echo "DIFFERS beyond idxNum, not touched: $exp"
  fi
}
for f in test/sql/*.sql; do run "$f" "$f" "${f%.sql}.expected" ":memory:"; done
for f in sql/*.sql; do
  run "$f" "$f" "test/sql/examples/$(basename "${f%.sql}").expected" "$tmp/ex.db"
done
