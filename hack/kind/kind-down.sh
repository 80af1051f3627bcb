#!/usr/bin/env bash
# `make kind-down`: deletes the kind cluster of kind-up.sh, then stops dockerd if (and only if)
# docker-up.sh started it.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/versions.sh"
CLUSTER=${KIND_CLUSTER:-apptrust-e2e}
if docker info >/dev/null 2>&1; then
  KIND=$("$HERE/build-kind.sh")
  flock -o /tmp/apptrust-docker.lock "$KIND" delete cluster --name "$CLUSTER"
fi
flock -o /tmp/apptrust-docker.lock "$HERE/docker-down.sh"
