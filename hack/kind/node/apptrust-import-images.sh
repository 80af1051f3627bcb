#!/bin/sh
# Imports every image archive of /kind/images into containerd's k8s.io namespace, with the snapshotter
# kind's entrypoint chose (as `kind load` does).
set -eu
for _ in $(seq 1 60); do ctr version >/dev/null 2>&1 && break; sleep 0.5; done
snapshotter=$(sed -n 's/^ *snapshotter = "\(.*\)"/\1/p' /etc/containerd/config.toml | head -1)
for archive in /kind/images/*.tar; do
  ctr --namespace=k8s.io images import --all-platforms --digests --snapshotter="${snapshotter:-overlayfs}" "$archive"
done
