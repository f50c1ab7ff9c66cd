#!/usr/bin/env bash
# client_test.sh: runs the TiKV client test programs against a cluster.
#
# The programs are listed in $TIKV_TEST_BINS (space-separated; exported by
# src/tikv/tikv.mk when run through `make test`). By default a fake PD + TiKV
# cluster is started (test/fake_tikv/start.sh) and reset before each program;
# the programs find it through
#   TITO_TIKV_PD       PD endpoints, "host:port,host:port"
#   TITO_FAKE_CONTROL  the fake's control port (test/tikv/control.h)
# With TITO_TIKV_PD already set (a real cluster) no fake is started and
# TITO_FAKE_CONTROL is unset: tests needing fault injection skip themselves.
# Each program's "ok - " / "not ok - " / "# " lines are passed through; a
# program that exits non-zero without a "not ok" line is reported as one.
# Per-program time limit: $TIKV_TEST_TIMEOUT seconds (default 300).
# $TIKV_TEST_WRAPPER, if set, prefixes each program, e.g.
#   TIKV_TEST_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full"
set -u
cd "$(dirname "$0")/../.."

bins=${TIKV_TEST_BINS:-}
if [ -z "$bins" ]; then
  echo "ok - tikv client tests # skip TIKV_TEST_BINS is empty (run them through make test)"
  exit 0
fi

fake_pid=""
tmp=$(mktemp -d)
cleanup() {
  [ -n "$fake_pid" ] && test/fake_tikv/stop.sh "$fake_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One control command; the reply line on stdout; fails unless it is "ok...".
control() {
  local host=${TITO_FAKE_CONTROL%:*} port=${TITO_FAKE_CONTROL##*:} reply
  exec 3<>"/dev/tcp/$host/$port" || return 1
  printf '%s\n' "$1" >&3
  IFS= read -r -t 30 reply <&3
  exec 3>&-
  echo "$reply"
  [ "${reply%% *}" = ok ]
}

if [ -z "${TITO_TIKV_PD:-}" ]; then
  if ! line=$(test/fake_tikv/start.sh --parent $$ --max-life 1800); then
    echo "not ok - tikv client tests: the fake cluster did not start"
    exit 1
  fi
  eval "$line"   # PD=... CONTROL=... PID=...
  fake_pid=$PID
  export TITO_TIKV_PD=$PD TITO_FAKE_CONTROL=$CONTROL
  echo "# fake cluster: $line"
else
  unset TITO_FAKE_CONTROL
  echo "# real cluster: TITO_TIKV_PD=$TITO_TIKV_PD"
fi

fail=0
for bin in $bins; do
  name=$(basename "$bin")
  if [ ! -x "$bin" ]; then
    echo "not ok - $name: not built ($bin)"
    fail=1
    continue
  fi
  if [ -n "$fake_pid" ] && ! control reset > "$tmp/reply"; then
    echo "not ok - $name: fake cluster reset failed: $(cat "$tmp/reply")"
    fail=1
    continue
  fi
  # shellcheck disable=SC2086  # the wrapper is a command line
  timeout "${TIKV_TEST_TIMEOUT:-300}" ${TIKV_TEST_WRAPPER:-} "$bin" > "$tmp/out" 2>&1
  rc=$?
  grep -E '^(ok - |not ok - |# )' "$tmp/out"
  if grep -q '^not ok - ' "$tmp/out"; then
    fail=1
  elif [ "$rc" != 0 ]; then
    [ "$rc" = 124 ] && why="timed out" || why="exited with status $rc"
    echo "not ok - $name $why"
    tail -20 "$tmp/out" | sed 's/^/# /'
    fail=1
  fi
done
exit $fail
