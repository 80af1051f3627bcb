#!/usr/bin/env bash
# `make kind-load IMG=name:tag`: loads images of the local Docker engine into the kind-up cluster's
# node (kind load docker-image, with the kind that kind-up.sh built).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
[ $# -gt 0 ] || { echo "usage: kind-load.sh IMAGE..." >&2; exit 2; }
KIND=$("$HERE/build-kind.sh")
"$KIND" load docker-image --name "${KIND_CLUSTER:-apptrust-e2e}" "$@"
