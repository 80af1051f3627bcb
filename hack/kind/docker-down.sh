#!/usr/bin/env bash
# Stops dockerd only when docker-up.sh started it (and no kind cluster of ours is left running).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/versions.sh"
STATE="$CACHE_ROOT/dockerd-state"
[ -f "$STATE/started-by-apptrust" ] || { echo "docker: not started by us, left running" >&2; exit 0; }
pid=$(cat "$STATE/dockerd.pid" 2>/dev/null || cat "$STATE/started-by-apptrust")
if kill -0 "$pid" 2>/dev/null; then
  echo "docker: stopping the dockerd we started (pid $pid) ..." >&2
  kill -TERM "$pid"
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
fi
rm -f "$STATE/started-by-apptrust"
