#!/usr/bin/env bash
# test/bench/versions.sh: the embedded benchmark on Debian's SQLite and on
# the current SQLite built in build-current/ (make sqlite-current), side by
# side, so a user sees what a newer SQLite changes. Figures, not tests.
#
#   versions.sh BENCH_BIN [ARGS...]
#
# The same embedded_bench binary and tito.so run twice; only the SQLite
# library differs (LD_LIBRARY_PATH). Each run prints its own full table
# first; the closing table puts the two ratios (native ops/s / tito ops/s)
# of every operation next to each other.
set -u
cd "$(dirname "$0")/../.."
bin=$1; shift
cur=${TITO_SQLITE_CURRENT:-build-current}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

if [ ! -e "$cur/lib/libsqlite3.so.0" ]; then
  echo "# no current SQLite in $cur/ (make sqlite-current): one version only"
  "$bin" "$@"
  exit
fi

echo "-- on the system SQLite"
"$bin" "$@" | tee "$tmp/sys" || exit 1
echo
echo "-- on the current SQLite ($cur/lib)"
LD_LIBRARY_PATH="$PWD/$cur/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  "$bin" "$@" | tee "$tmp/cur" || exit 1

# Rows: key, operation (several words), native ops/s, tito ops/s, ratio,
# target, stmts/op. Print "key operation<TAB>ratio<TAB>tito ops/s".
rows() {
  awk '/^(text|int) / && $(NF - 2) ~ /^[0-9.]+x$/ {
         label = $1; for (j = 2; j <= NF - 5; j++) label = label " " $j;
         print label "\t" $(NF - 2) "\t" $(NF - 3) }' "$1"
}
v_sys=$(sed -n 's/.*native SQLite \([0-9.]*\),.*/\1/p' "$tmp/sys" | head -1)
v_cur=$(sed -n 's/.*native SQLite \([0-9.]*\),.*/\1/p' "$tmp/cur" | head -1)
rows "$tmp/sys" > "$tmp/sys.rows"
rows "$tmp/cur" > "$tmp/cur.rows"
echo
echo "ratios side by side (native ops/s / tito ops/s; lower is better for tito):"
printf "%-30s %12s %12s %14s %14s\n" "operation" "ratio $v_sys" "ratio $v_cur" \
  "tito/s $v_sys" "tito/s $v_cur"
paste "$tmp/sys.rows" "$tmp/cur.rows" |
  awk -F'\t' '{ printf "%-30s %12s %12s %14s %14s\n", $1, $2, $5, $3, $6 }'
