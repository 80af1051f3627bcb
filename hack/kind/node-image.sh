#!/usr/bin/env bash
# Builds the kind node image for Kubernetes $K8S_VERSION without pulling anything, the way `kind
# build node-image` lays it out: kind's base image (its files read from the kind module in the Go
# module cache) on the local Debian image, with containerd, runc, crictl, the CNI plugins, kubelet,
# kubeadm and kubectl built from Go modules (build-node-binaries.sh), and the component images kubeadm
# runs (apiserver, controller-manager, scheduler, proxy, etcd, coredns, pause) built here and baked in
# as archives that a boot-time unit imports into containerd. The CNI is ptp + host-local (kindnet's
# configuration, kindnet itself is not served); kube-network-policies is the NetworkPolicy enforcer,
# its image made here too (deployed by kind-up.sh). The image tag is a hash of every input, so a
# changed input builds a new one and an unchanged one returns at once. Prints the tag on stdout.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
. "$HERE/versions.sh"
. "$HERE/image-names.sh"
log() { echo "node image: $*" >&2; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

BIN=$("$HERE/build-node-binaries.sh" | tail -1)
ENFORCER_BIN=$("$ROOT/test/dataplane/enforcer/build.sh" | tail -1)
# The enforcer's cache directory names its version, variant (upstream or xt-nfqueue, chosen by the
# host's kernel, which is the node's kernel too) and patch hash: that is the image tag.
ENFORCER_TAG=$(basename "$(dirname "$ENFORCER_BIN")"); ENFORCER_TAG=${ENFORCER_TAG#kube-network-policies-}
ENFORCER_IMAGE="$ENFORCER_IMAGE_REPO:$ENFORCER_TAG"
"$HERE/images.sh" debian >&2
KIND_SRC=$(cd "$HERE" && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kind@${KIND_VERSION}" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
[ -d "$KIND_SRC/images/base/files" ] || { log "cannot read kind's base image files from the module cache"; exit 1; }

inputs_sum=$( { cat "$0" "$HERE/versions.sh" "$HERE/image-names.sh" "$HERE"/node/* "$HERE/patches/node-entrypoint-cgroup-rw.patch"; sha256sum "$BIN"/* "$ENFORCER_BIN" | cut -c1-64;
  docker image inspect -f '{{.Id}}' "$DEBIAN_IMAGE"; } | sha256sum | cut -c1-12)
NODE_IMAGE_TAG="apptrust.local/kind-node:${K8S_VERSION}-${inputs_sum}"
if have_image "$NODE_IMAGE_TAG" && have_image "$ENFORCER_IMAGE"; then log "$NODE_IMAGE_TAG: present"; echo "$NODE_IMAGE_TAG"; exit 0; fi

start=$(date +%s)
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/images" "$ctx/bin" "$ctx/one"

# one_image TAG BINARY [BASE]: an image with one binary on PATH (static Go and C binaries need no base).
one_image() {
  local tag=$1 binary=$2 base=${3:-scratch} d="$ctx/one/$(basename "$2")"
  mkdir -p "$d"; cp "$binary" "$d/"
  printf 'FROM %s\nCOPY %s /usr/local/bin/%s\nENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin\nENTRYPOINT ["/usr/local/bin/%s"]\n' \
    "$base" "$(basename "$binary")" "$(basename "$binary")" "$(basename "$binary")" > "$d/Dockerfile"
  docker build -q -t "$tag" "$d" >/dev/null
}
# kube-proxy runs iptables-restore and conntrack: Debian's packages under it.
PROXY_BASE="apptrust.local/kube-proxy-base:${DEBIAN_SUITE}"
if ! have_image "$PROXY_BASE"; then
  printf 'FROM %s\nRUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iptables nftables conntrack ipset kmod >/dev/null && rm -rf /var/lib/apt/lists/*\n' "$DEBIAN_IMAGE" > "$ctx/one/Dockerfile.proxy"
  docker build -q --network host -t "$PROXY_BASE" -f "$ctx/one/Dockerfile.proxy" "$ctx/one" >/dev/null
fi
components=(
  "kube-apiserver:$K8S_VERSION:$BIN/kube-apiserver"
  "kube-controller-manager:$K8S_VERSION:$BIN/kube-controller-manager"
  "kube-scheduler:$K8S_VERSION:$BIN/kube-scheduler"
  "kube-proxy:$K8S_VERSION:$BIN/kube-proxy:$PROXY_BASE"
  "etcd:$ETCD_IMAGE_TAG:$BIN/etcd"
  "coredns:$COREDNS_VERSION:$BIN/coredns"
  "pause:$PAUSE_IMAGE_TAG:$BIN/pause"
)
for c in "${components[@]}"; do
  IFS=: read -r name tag binary base <<<"$c"
  log "component image $K8S_IMAGE_REPO/$name:$tag"
  one_image "$K8S_IMAGE_REPO/$name:$tag" "$binary" "${base:-scratch}"
  docker save "$K8S_IMAGE_REPO/$name:$tag" -o "$ctx/images/$name.tar"
done
one_image "$ENFORCER_IMAGE" "$ENFORCER_BIN"
docker save "$ENFORCER_IMAGE" -o "$ctx/images/kube-network-policies.tar"

cp -r "$KIND_SRC/images/base/files" "$ctx/kind-files"
chmod -R u+w "$ctx/kind-files"
# Our patch to kind's entrypoint: writable cgroup v1 mounts without --privileged.
patch -s -p1 -d "$ctx/kind-files" < "$HERE/patches/node-entrypoint-cgroup-rw.patch"
cp -r "$HERE/node" "$ctx/apptrust"
for b in containerd containerd-shim-runc-v2 ctr runc crictl host-local loopback ptp bridge portmap kubelet kubeadm kubectl; do
  cp "$BIN/$b" "$ctx/bin/"
done
sed -i "s#POD_SUBNET#10.244.0.0/24#" "$ctx/apptrust/10-ptp.conflist"

cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_IMAGE
# kind's base image: its static files, Debian's packages, its systemd setup (images/base/Dockerfile).
COPY kind-files/usr/local/bin/ /usr/local/bin/
COPY kind-files/kind/ /kind/
COPY kind-files/etc/ /etc/
RUN chmod 0755 /usr/local/bin/* /kind/bin/* \\
 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
      systemd conntrack iptables nftables iproute2 ethtool util-linux mount kmod \\
      libseccomp2 pigz bash ca-certificates jq procps >/dev/null \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \\
 && find /lib/systemd/system/sysinit.target.wants/ -name "systemd-tmpfiles-setup.service" -delete \\
 && rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \\
      /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \\
      /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/* \\
 && echo "ReadKMsg=no" >> /etc/systemd/journald.conf \\
 && ln -sf "\$(command -v systemd)" /sbin/init
COPY bin/containerd bin/containerd-shim-runc-v2 bin/ctr bin/crictl /usr/local/bin/
COPY bin/runc /usr/local/sbin/runc
COPY bin/host-local bin/loopback bin/ptp bin/bridge bin/portmap /opt/cni/bin/
COPY bin/kubelet bin/kubeadm bin/kubectl /usr/bin/
COPY apptrust/containerd-limits.conf /etc/systemd/system/containerd.service.d/10-apptrust-limits.conf
COPY apptrust/apptrust-preload-images.service /etc/systemd/system/
COPY apptrust/apptrust-import-images.sh /kind/bin/
COPY apptrust/10-ptp.conflist /etc/cni/net.d/
COPY images/ /kind/images/
# The sandbox image is our pause; restrict_oom_score_adj keeps containers' oom_score_adj at or above
# containerd's own (lowering it needs CAP_SYS_RESOURCE, which the node does not have).
RUN ctr oci spec \\
      | jq '.hooks.createContainer[.hooks.createContainer| length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \\
      | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json \\
 && sed -i -e 's#sandbox_image = ".*"#sandbox_image = "$K8S_IMAGE_REPO/pause:$PAUSE_IMAGE_TAG"#' \\
      -e 's#restrict_oom_score_adj = false#restrict_oom_score_adj = true#' /etc/containerd/config.toml \\
 && systemctl enable kubelet.service containerd.service undo-mount-hacks.service apptrust-preload-images.service \\
 && systemctl mask systemd-binfmt.service \\
 && mkdir -p /etc/kubernetes/manifests \\
 && echo "$K8S_VERSION" > /kind/version \\
 && containerd --version && runc --version && kubelet --version
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]
DOCKERFILE
log "building $NODE_IMAGE_TAG ..."
docker build -q --network host -t "$NODE_IMAGE_TAG" "$ctx" >/dev/null
log "built $NODE_IMAGE_TAG in $(( $(date +%s) - start ))s"
echo "$NODE_IMAGE_TAG"
