#!/usr/bin/env bash
# `make kind-up`: a one-node kind cluster built and run entirely from local parts (Linux, root):
# Docker engine (docker-up.sh), kind patched for hosts without --privileged (build-kind.sh), the node
# image (node-image.sh), then kube-network-policies as the NetworkPolicy enforcer. Reuses a running
# cluster of the same name. Kubeconfig: .cache/kind/kubeconfig. Timings of each step on stderr.
# dockerd start/stop and kind create/delete run under `flock -o /tmp/apptrust-docker.lock`.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$HERE/versions.sh"
. "$HERE/image-names.sh"
CLUSTER=${KIND_CLUSTER:-apptrust-e2e}
KUBECONFIG_FILE=${KIND_KUBECONFIG:-$ROOT/.cache/kind/kubeconfig}
LOCK=/tmp/apptrust-docker.lock
log() { echo "kind-up: $*" >&2; }
step() { local name=$1 s; shift; s=$(date +%s); "$@"; log "$name: $(( $(date +%s) - s ))s"; }
mkdir -p "$(dirname "$KUBECONFIG_FILE")"

step docker flock -o "$LOCK" "$HERE/docker-up.sh"
KIND=$(step "kind build" "$HERE/build-kind.sh")
NODE_IMAGE_TAG=$(step "node image" "$HERE/node-image.sh")
BIN=$("$HERE/build-node-binaries.sh" 2>/dev/null)
KUBECTL="$BIN/kubectl"
ENFORCER_BIN=$("$ROOT/test/dataplane/enforcer/build.sh" 2>/dev/null)
ENFORCER_TAG=$(basename "$(dirname "$ENFORCER_BIN")"); ENFORCER_TAG=${ENFORCER_TAG#kube-network-policies-}

create() {
  local config="$ROOT/.cache/kind/cluster.yaml"
  sed -e "s#K8S_IMAGE_REPO#$K8S_IMAGE_REPO#; s#ETCD_IMAGE_TAG#$ETCD_IMAGE_TAG#; s#COREDNS_VERSION#$COREDNS_VERSION#" \
    "$HERE/cluster.yaml" > "$config"
  flock -o "$LOCK" "$KIND" create cluster --name "$CLUSTER" --image "$NODE_IMAGE_TAG" --config "$config" \
    --kubeconfig "$KUBECONFIG_FILE" --wait 180s ${KIND_RETAIN:+--retain} --verbosity ${KIND_VERBOSITY:-0}
}
if "$KIND" get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  log "cluster $CLUSTER: running, reused"
  "$KIND" export kubeconfig --name "$CLUSTER" --kubeconfig "$KUBECONFIG_FILE" 2>/dev/null
else
  step "cluster create" create
fi
export KUBECONFIG=$KUBECONFIG_FILE

enforcer() {
  sed "s#ENFORCER_IMAGE#$ENFORCER_IMAGE_REPO:$ENFORCER_TAG#" "$HERE/enforcer.yaml" | "$KUBECTL" apply -f - >/dev/null
  "$KUBECTL" -n kube-system rollout status daemonset/kube-network-policies --timeout=120s >&2
  # Running is not enforcing (on a kernel without the nft queue expression upstream's build runs and
  # enforces nothing): its nftables table must be loaded in the node.
  for _ in $(seq 1 60); do
    docker exec "$CLUSTER-control-plane" nft list tables 2>/dev/null | grep -q kube-network-policies && return 0
    sleep 1
  done
  log "the enforcer's nftables table is not loaded in the node; its log:"
  "$KUBECTL" -n kube-system logs daemonset/kube-network-policies --tail=30 >&2 || true
  return 1
}
step enforcer enforcer
"$KUBECTL" -n kube-system rollout status deployment/coredns --timeout=120s >&2
log "cluster $CLUSTER is up: export KUBECONFIG=$KUBECONFIG_FILE"
