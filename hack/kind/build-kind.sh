#!/usr/bin/env bash
# Builds kind (version in versions.sh) from the Go module proxy with patches/no-privileged.patch:
# node containers get every capability but CAP_SYS_RESOURCE, unconfined seccomp, apparmor and system
# paths and all devices instead of --privileged, which fails on hosts whose capability bounding set
# lacks CAP_SYS_RESOURCE. kind's sources are read from the Go module cache (verified by the checksum
# database) and patched in a throwaway copy; nothing of kind is committed. Cached by version and patch.
# Progress on stderr; the binary's path is the only line on stdout.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/versions.sh"
patch_sum=$(sha256sum "$HERE/patches/no-privileged.patch" | cut -c1-8)
BIN="$CACHE_ROOT/kind-${KIND_VERSION}-${patch_sum}/kind"
if [ -x "$BIN" ]; then echo "kind ${KIND_VERSION}: cached" >&2; echo "$BIN"; exit 0; fi
mkdir -p "$(dirname "$BIN")"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
start=$(date +%s)
src=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kind@${KIND_VERSION}" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
[ -d "$src" ] || { echo "kind: cannot download sigs.k8s.io/kind@${KIND_VERSION}" >&2; exit 1; }
cp -r "$src/." "$work/"
chmod -R u+w "$work"
patch -s -p1 -d "$work" < "$HERE/patches/no-privileged.patch"
(cd "$work" && GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BIN.tmp" .)
mv "$BIN.tmp" "$BIN"
echo "kind ${KIND_VERSION}: built in $(( $(date +%s) - start ))s" >&2
echo "$BIN"
