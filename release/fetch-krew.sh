#!/usr/bin/env bash
# krew and krew-index's validate-krew-manifest, built from the Go module proxy with Go (as the local
# control plane is) into a cache keyed by version, outside git: the CLI release test installs the
# release with the real krew when they are there (test/unit/deploy/cli-release.test.ts), and skips
# that part with the reason when not. Prints the directory on its last line.
set -euo pipefail
KREW_VERSION=v0.4.3
DIR="${APPTRUST_KREW_DIR:-${APPTRUST_CACHE_DIR:-$HOME/.cache/apptrust}/krew-$KREW_VERSION}"
if [[ -x $DIR/krew && -x $DIR/validate-krew-manifest ]]; then
  echo "krew $KREW_VERSION: cached"
  echo "$DIR"
  exit 0
fi
command -v go >/dev/null || { echo "krew: Go is needed to build it" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "krew $KREW_VERSION: building krew and validate-krew-manifest ..."
GOBIN=$tmp CGO_ENABLED=0 go install -trimpath \
  "sigs.k8s.io/krew/cmd/krew@$KREW_VERSION" "sigs.k8s.io/krew/cmd/validate-krew-manifest@$KREW_VERSION"
mkdir -p "$DIR"
# Moved in last, so a killed build never leaves a half-written binary in the cache.
mv "$tmp/krew" "$tmp/validate-krew-manifest" "$DIR/"
echo "$DIR"
