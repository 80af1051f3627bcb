# Pinned versions of everything the kind tier builds (sourced by the hack/kind scripts).
# Every one is a Go module served by the Go module proxy, or a Debian/npm package; the build
# caches are keyed by these, under ${APPTRUST_CACHE_DIR:-~/.cache/apptrust}.
KIND_VERSION=v0.31.0
K8S_VERSION=v1.34.4
CONTAINERD_VERSION=v2.2.0
RUNC_VERSION=v1.4.0
CRICTL_VERSION=v1.34.0
CNI_PLUGINS_VERSION=v1.8.0
COREDNS_VERSION=v1.12.3
DEBIAN_SUITE=bookworm
# The node binary from the npm package "node" (node_modules/node/bin/node), the same as package.json's.
NODE_PKG_VERSION=24.21.0
CACHE_ROOT="${APPTRUST_CACHE_DIR:-$HOME/.cache/apptrust}"
# The tags the node's component images get (kubeadm is told them in cluster.yaml): etcd is the
# version test/cluster/go.mod builds, coredns the one above.
ETCD_IMAGE_TAG=3.6.4
PAUSE_IMAGE_TAG=3.10.1
