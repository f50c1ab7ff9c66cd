#!/usr/bin/env bash
# stop.sh PID: stops a fake cluster started by start.sh (SIGTERM, then
# SIGKILL after 5 s). Only the given process is signalled. A process that
# has exited but not yet been reaped (a zombie: start.sh's shell is gone, so
# init reaps it) counts as stopped.
set -u
pid=${1:?usage: stop.sh PID}
gone() {
  local state
  kill -0 "$pid" 2>/dev/null || return 0
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 0
  [ "$state" = Z ]
}
kill -TERM "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 100); do
  gone && exit 0
  sleep 0.05
done
kill -KILL "$pid" 2>/dev/null || true
