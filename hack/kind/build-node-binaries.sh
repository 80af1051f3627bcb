#!/usr/bin/env bash
# Builds every binary a kind node runs from the Go module proxy (nothing downloaded from elsewhere):
# containerd, its runc shim and ctr; runc (cgo, Debian's libseccomp-dev); crictl; the CNI plugins;
# kubelet, kubeadm, kubectl and the control plane components (through test/cluster's wrapper
# module, which replaces the staging modules); etcd; coredns; pause (build/pause/linux/pause.c, gcc
# static). Cached by version: a warm cache returns at once. Progress on stderr; the directory
# holding the binaries is the only line on stdout.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$HERE/versions.sh"
OUT="$CACHE_ROOT/kind-node-bin-${K8S_VERSION}-ctrd${CONTAINERD_VERSION}-runc${RUNC_VERSION}-crictl${CRICTL_VERSION}-cni${CNI_PLUGINS_VERSION}-coredns${COREDNS_VERSION}"
mkdir -p "$OUT"
log() { echo "node binaries: $*" >&2; }
export GOTOOLCHAIN=local

# build NAME CMD...: runs CMD (which writes $OUT/.NAME.tmp) unless $OUT/NAME exists; renames into place.
build() {
  local name=$1; shift
  [ -x "$OUT/$name" ] && return 0
  local start; start=$(date +%s)
  log "building $name ..."
  "$@"
  mv "$OUT/.$name.tmp" "$OUT/$name"
  log "built $name in $(( $(date +%s) - start ))s"
}

# Modules without replace directives: `go build` from a throwaway module that requires them.
gobuild_module() { # NAME MODULE@VERSION PACKAGE CGO TAGS
  local name=$1 modver=$2 pkg=$3 cgo=$4 tags=$5 work
  work=$(mktemp -d)
  (cd "$work" && go mod init apptrust.dev/kindbuild >/dev/null 2>&1 \
    && GOFLAGS=-mod=mod go get "$modver" >/dev/null 2>&1 \
    && CGO_ENABLED=$cgo GOFLAGS=-mod=mod go build -trimpath -tags "$tags" -ldflags "-s -w" -o "$OUT/.$name.tmp" "$pkg")
  local rc=$?; rm -rf "$work"; return $rc
}

# runc links libseccomp through cgo: Debian's libseccomp-dev, installed when missing (root with
# apt-get, as the dataplane tier's packages are); a fresh machine has only the runtime library.
seccomp_headers() {
  pkg-config --exists libseccomp 2>/dev/null && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "runc needs libseccomp-dev and pkg-config (pkg-config --exists libseccomp fails): install them"
    return 1
  fi
  log "installing libseccomp-dev and pkg-config for runc"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libseccomp-dev pkg-config; } >/dev/null
}
[ -x "$OUT/runc" ] || seccomp_headers

CTRD=github.com/containerd/containerd/v2
CTRD_TAGS="no_aufs no_zfs no_btrfs no_devmapper"
build containerd gobuild_module containerd "$CTRD@$CONTAINERD_VERSION" "$CTRD/cmd/containerd" 1 "$CTRD_TAGS"
build containerd-shim-runc-v2 gobuild_module containerd-shim-runc-v2 "$CTRD@$CONTAINERD_VERSION" "$CTRD/cmd/containerd-shim-runc-v2" 0 "$CTRD_TAGS"
build ctr gobuild_module ctr "$CTRD@$CONTAINERD_VERSION" "$CTRD/cmd/ctr" 0 "$CTRD_TAGS"
build runc gobuild_module runc "github.com/opencontainers/runc@$RUNC_VERSION" github.com/opencontainers/runc 1 "seccomp urfave_cli_no_docs"
build crictl gobuild_module crictl "sigs.k8s.io/cri-tools@$CRICTL_VERSION" sigs.k8s.io/cri-tools/cmd/crictl 0 ""
for p in ipam/host-local main/loopback main/ptp main/bridge meta/portmap; do
  build "${p#*/}" gobuild_module "${p#*/}" "github.com/containernetworking/plugins@$CNI_PLUGINS_VERSION" "github.com/containernetworking/plugins/plugins/$p" 0 ""
done
build coredns gobuild_module coredns "github.com/coredns/coredns@$COREDNS_VERSION" github.com/coredns/coredns 0 ""

# Kubernetes: the wrapper module of test/cluster (its go.mod replaces the staging modules), copied so
# the repository's go.sum is never rewritten.
minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
k8s_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${K8S_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor}"
k8s_build() { # NAME PACKAGE
  local name=$1 pkg=$2 work
  work=$(mktemp -d)
  cp "$ROOT/test/cluster/go.mod" "$ROOT/test/cluster/go.sum" "$work/"
  (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags=selinux,notest -ldflags "$k8s_ldflags" -o "$OUT/.$name.tmp" "$pkg")
  local rc=$?; rm -rf "$work"; return $rc
}
for c in kubelet kubeadm kubectl kube-proxy kube-scheduler kube-apiserver kube-controller-manager; do
  pkg=k8s.io/kubernetes/cmd/$c; [ "$c" = kubectl ] && pkg=k8s.io/kubectl
  [ "$c" = kubectl ] && pkg=k8s.io/kubernetes/cmd/kubectl
  build "$c" k8s_build "$c" "$pkg"
done
build etcd k8s_build etcd go.etcd.io/etcd/server/v3

# pause: one C file in the kubernetes module, linked statically like upstream's image.
pause_build() {
  local src
  src=$(cd "$ROOT/test/cluster" && go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
  gcc -Os -Wall -Werror -static -DVERSION="v3.10-apptrust" -o "$OUT/.pause.tmp" "$src/build/pause/linux/pause.c"
}
build pause pause_build
echo "$OUT"
