#!/usr/bin/env bash
# Builds kind's NetworkPolicy enforcer (kube-network-policies, version pinned in go.mod) into a
# cache directory keyed by version and variant (outside git). A warm cache returns at once; a cold
# build takes about 3 minutes on 2 cores. Progress goes to stderr (live even when stdout is captured);
# the binary's path is the only line on stdout.
#
# Two small patches of our own (patches/), applied to a writable copy of the verified module:
# - kubeconfig.patch (always): a --kubeconfig flag, because upstream reads only the in-cluster config.
# - xt-nfqueue.patch (only when this kernel lacks the nft "queue" expression, CONFIG_NFT_QUEUE):
#   queue packets through the iptables NFQUEUE target via nft_compat instead. On a kernel with
#   NFT_QUEUE (GitHub runners, kind nodes) the upstream enforcement code is built unchanged.
# APPTRUST_ENFORCER_VARIANT=upstream|xt-nfqueue overrides the kernel probe.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MODULE=sigs.k8s.io/kube-network-policies
VERSION=$(sed -n "s#^require ${MODULE} \(v[0-9.]*\)\$#\1#p" "$HERE/go.mod")
[ -n "$VERSION" ] || { echo "enforcer: no ${MODULE} version in $HERE/go.mod" >&2; exit 1; }

# Does the running kernel accept an nft "queue" rule? Tried in a throwaway network namespace
# (unshare: gone with the process), so the host's rules are never touched.
kernel_has_nft_queue() {
  unshare --net nft -f - >/dev/null 2>&1 <<'EOF'
table inet apptrust_probe { chain c { type filter hook postrouting priority 0; queue num 100 bypass; } }
EOF
}

variant="${APPTRUST_ENFORCER_VARIANT:-}"
if [ -z "$variant" ]; then
  if ! command -v nft >/dev/null; then
    echo "enforcer: nft is missing (Debian package nftables)" >&2; exit 1
  fi
  if kernel_has_nft_queue; then variant=upstream; else variant=xt-nfqueue; fi
fi
case "$variant" in
  upstream) patches=(kubeconfig.patch) ;;
  xt-nfqueue) patches=(kubeconfig.patch xt-nfqueue.patch) ;;
  *) echo "enforcer: unknown variant $variant (upstream or xt-nfqueue)" >&2; exit 1 ;;
esac
# The patches are part of the cache key: editing one rebuilds.
patch_sum=$(cd "$HERE/patches" && cat "${patches[@]}" | sha256sum | cut -c1-8)
BIN_DIR="${APPTRUST_CACHE_DIR:-$HOME/.cache/apptrust}/kube-network-policies-${VERSION}-${variant}-${patch_sum}"
BIN="$BIN_DIR/kube-network-policies"

if [ -x "$BIN" ]; then
  echo "enforcer ${VERSION} (${variant}): cached" >&2
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { echo "enforcer: Go >= 1.23 is needed to build kube-network-policies" >&2; exit 1; }
mkdir -p "$BIN_DIR"
work=$(mktemp -d "$BIN_DIR/.build.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
start=$(date +%s)
echo "enforcer ${VERSION} (${variant}): downloading the module ..." >&2
# Downloaded through this wrapper module, so go.sum verifies the source we patch.
src=$(cd "$HERE" && GOFLAGS=-mod=mod go mod download -json "$MODULE" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
[ -d "$src" ] || { echo "enforcer: cannot download ${MODULE}@${VERSION}" >&2; exit 1; }
cp -r "$src/." "$work/"
chmod -R u+w "$work"
for p in "${patches[@]}"; do
  echo "enforcer ${VERSION} (${variant}): applying $p" >&2
  patch -s -p1 -d "$work" < "$HERE/patches/$p"
done
echo "enforcer ${VERSION} (${variant}): building (cold builds take about 3 minutes) ..." >&2
(cd "$work" && GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BIN_DIR/.kube-network-policies.tmp" ./cmd)
# Renamed into place, so a killed build never leaves a truncated binary in the cache.
mv "$BIN_DIR/.kube-network-policies.tmp" "$BIN"
echo "enforcer ${VERSION} (${variant}): built in $(( $(date +%s) - start ))s" >&2
echo "$BIN"
