#!/usr/bin/env bash
# with_fake.sh [start.sh options --] COMMAND [ARGS...]
#
# Runs COMMAND with a fake cluster up: starts it (start.sh), exports
# TITO_TIKV_PD and TITO_FAKE_CONTROL, runs the command, stops the fake and
# exits with the command's status. If TITO_TIKV_PD is already set (a real
# cluster), just runs the command. Example:
#   test/fake_tikv/with_fake.sh --regions a,m -- build/bench/tikv_bench
set -u
here=$(cd "$(dirname "$0")" && pwd)
opts=()
if [ "$#" -gt 0 ] && [ "${1#--}" != "$1" ]; then
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
  [ "$#" -gt 0 ] && shift   # the "--"
fi
[ "$#" -gt 0 ] || { echo "usage: with_fake.sh [start.sh options --] COMMAND [ARGS...]" >&2; exit 2; }
if [ -n "${TITO_TIKV_PD:-}" ]; then
  exec "$@"
fi
line=$("$here/start.sh" --parent $$ "${opts[@]}") || exit 1
eval "$line"
trap '"$here/stop.sh" "$PID"' EXIT
export TITO_TIKV_PD=$PD TITO_FAKE_CONTROL=$CONTROL
"$@"
