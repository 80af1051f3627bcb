#!/usr/bin/env bash
# Makes a Docker engine available (Linux, root): installs Debian's docker.io when dockerd is missing,
# starts dockerd when none answers, and records that it did (so docker-down.sh stops only what this
# script started). Idempotent; run it under `flock /tmp/apptrust-docker.lock`.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/versions.sh"
STATE="$CACHE_ROOT/dockerd-state"
mkdir -p "$STATE"
if docker info >/dev/null 2>&1; then echo "docker: a daemon already answers" >&2; exit 0; fi
[ "$(uname -s)" = Linux ] && [ "$(id -u)" = 0 ] || { echo "docker: no daemon answers, and starting one needs Linux and root" >&2; exit 2; }
if ! command -v dockerd >/dev/null; then
  command -v apt-get >/dev/null || { echo "docker: dockerd is missing and there is no apt-get to install docker.io" >&2; exit 2; }
  echo "docker: installing Debian's docker.io ..." >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io; } >/dev/null
fi
echo "docker: starting dockerd (log $STATE/dockerd.log) ..." >&2
# setsid: the daemon outlives this script and the make that ran it.
setsid dockerd --pidfile "$STATE/dockerd.pid" >"$STATE/dockerd.log" 2>&1 < /dev/null &
echo $! > "$STATE/started-by-apptrust"
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && { echo "docker: dockerd is up" >&2; exit 0; }
  sleep 1
done
echo "docker: dockerd did not answer within 60s; its log:" >&2; tail -20 "$STATE/dockerd.log" >&2; exit 1
