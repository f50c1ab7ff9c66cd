#!/usr/bin/env bash
# start.sh [--stores N] [--regions K1,K2,...] [--pd N] [--parent PID] [--max-life S]
#
# Starts the fake PD + TiKV cluster in the background on 127.0.0.1 ephemeral
# ports, waits until it serves, and prints one shell-sourceable line:
#   PD=127.0.0.1:p1,127.0.0.1:p2,... CONTROL=127.0.0.1:pc PID=pid
# Stop it with stop.sh PID (or kill PID). Its stderr goes to $FAKE_TIKV_LOG
# (default /dev/null). Regions: split keys are raw strings ("hex:6162" for
# bytes). Defaults: 3 stores, 3 PD members, regions split at g,n,t.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp "${TMPDIR:-/tmp}/fake_tikv.XXXXXX")
trap 'rm -f "$out"' EXIT
# The fake is plain Python: never run it under a sanitizer preload.
env -u LD_PRELOAD /usr/bin/python3 "$here/server.py" "$@" \
  > "$out" 2> "${FAKE_TIKV_LOG:-/dev/null}" < /dev/null &
pid=$!
for _ in $(seq 1 400); do
  if grep -q '^PD=' "$out"; then
    head -1 "$out"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "fake_tikv: server exited during startup (set FAKE_TIKV_LOG to see why)" >&2
    exit 1
  fi
  sleep 0.05
done
echo "fake_tikv: not ready after 20 s" >&2
kill "$pid" 2>/dev/null || true
exit 1
