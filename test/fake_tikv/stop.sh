#!/usr/bin/env bash
# stop.sh PID: stops a fake cluster started by start.sh (SIGTERM, then
# SIGKILL after 5 s). Only the given process is signalled.
set -u
pid=${1:?usage: stop.sh PID}
kill -TERM "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || exit 0
  sleep 0.05
done
kill -KILL "$pid" 2>/dev/null || true
