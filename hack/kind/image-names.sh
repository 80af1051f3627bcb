# Names of the locally built images (sourced after versions.sh). apptrust.local is no registry: the
# images exist only in the local Docker engine and the kind node they are loaded into.
NPM_VERSION=11.19.1
DEBIAN_IMAGE=apptrust.local/debian:${DEBIAN_SUITE}
NODE_IMAGE=apptrust.local/node:${NODE_PKG_VERSION}-${DEBIAN_SUITE}
# The test server's tag is the hash of the programs it runs, so an edited program makes a new image.
TEST_SERVER_IMAGE=apptrust.local/test-server:$(sha256sum "$(dirname "${BASH_SOURCE[0]}")/../../test/helpers/probe-programs.ts" | cut -c1-12)
IMG=${IMG:-apptrust-operator:dev}
# kubeadm's imageRepository on the kind node (cluster.yaml), and the NetworkPolicy enforcer's image.
K8S_IMAGE_REPO=apptrust.local/k8s
ENFORCER_IMAGE_REPO=apptrust.local/kube-network-policies
