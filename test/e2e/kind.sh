#!/usr/bin/env bash
# `make e2e-kind` (Linux, root): the kind tier. hack/kind/kind-up.sh builds and starts a one-node kind
# cluster from local parts (nothing pulled), the test-server and operator images are built and
# `kind load`ed, then twice — installed with `make deploy`, then with the Helm chart — the e2e Jest
# project runs on real pods (test/e2e/*.test.ts) and, last and alone, the uninstall test.
# Results: test-results/e2e-kind-{kustomize,helm}.json (+ -uninstall), numbers in
# test-results/e2e-kind-*-numbers.json, step timings in test-results/e2e-kind-timings.txt, and
# test-results/e2e-kind-status.json ({"ran":true|false,"reason":...}) as the dataplane tier writes.
# KEEP_CLUSTER=1 leaves the cluster (and dockerd) running afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export PATH="$ROOT/node_modules/.bin:$PATH"
CLUSTER=${KIND_CLUSTER:-apptrust-e2e}
KUBECONFIG_FILE=$ROOT/.cache/kind/kubeconfig
IMAGE_REPO=apptrust-operator
TAG=e2e
NEXT_TAG=e2e-next
mkdir -p test-results
STATUS=test-results/e2e-kind-status.json
TIMINGS=test-results/e2e-kind-timings.txt
: > "$TIMINGS"
rm -f test-results/e2e-kind-*.json
status() { printf '{"ran":%s,"reason":"%s"}\n' "$1" "$2" > "$STATUS"; }
step() { local name=$1 s; shift; s=$(date +%s); "$@"; echo "$name: $(( $(date +%s) - s ))s" | tee -a "$TIMINGS" >&2; }

if [ "$(uname -s)" != Linux ] || [ "$(id -u)" != 0 ]; then
  status false "the kind tier needs Linux and root (it installs and starts Docker and kind nodes)"
  echo "e2e-kind: skipped: needs Linux and root" >&2; exit 0
fi
status false "the kind tier started but did not finish"
. hack/kind/versions.sh
. hack/kind/image-names.sh

step kind-up hack/kind/kind-up.sh
if [ "${KEEP_CLUSTER:-0}" != 1 ]; then trap 'hack/kind/kind-down.sh || true' EXIT; fi
export KUBECONFIG=$KUBECONFIG_FILE
KIND=$(hack/kind/build-kind.sh 2>/dev/null)
KUBECTL=$(hack/kind/build-node-binaries.sh 2>/dev/null)/kubectl
HELM=${APPTRUST_TOOLS_DIR:-$HOME/.cache/apptrust/tools-kubectl-v35-2.2.2}/helm
command -v "$HELM" >/dev/null || HELM=$(command -v helm || true)
[ -x "$HELM" ] || { status false "helm is missing (make tools fetches it)"; echo "e2e-kind: helm is missing" >&2; exit 1; }

step images env IMG="$IMAGE_REPO:$TAG" hack/kind/images.sh test-server operator
docker tag "$IMAGE_REPO:$TAG" "$IMAGE_REPO:$NEXT_TAG"
step "kind load" "$KIND" load docker-image --name "$CLUSTER" "$IMAGE_REPO:$TAG" "$IMAGE_REPO:$NEXT_TAG" "$TEST_SERVER_IMAGE"

export APPTRUST_E2E_KUBECONFIG=$KUBECONFIG_FILE APPTRUST_E2E_TEST_IMAGE=$TEST_SERVER_IMAGE \
  APPTRUST_E2E_KUBECTL=$KUBECTL APPTRUST_E2E_HELM=$HELM APPTRUST_E2E_IMAGE_REPO=$IMAGE_REPO \
  APPTRUST_E2E_NEXT_TAG=$NEXT_TAG
JEST=(node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects e2e --runInBand)
failed=0

diagnose() {
  "$KUBECTL" -n apptrust-system logs deployment/apptrust-operator --tail=100 || true
  "$KUBECTL" get pods,appTrustProfiles,networkpolicies -A || true
}
clean_between_runs() {
  # What the uninstall test leaves on purpose (the CRDs, profiles, their policies, baselines):
  # removed so the next installation starts from an empty cluster.
  "$KUBECTL" delete --ignore-not-found -k config/crd >/dev/null
  "$KUBECTL" get namespaces -o name |
    grep -v '^namespace/\(default\|kube-system\|kube-public\|kube-node-lease\|local-path-storage\)$' |
    xargs -r "$KUBECTL" delete --wait=true --timeout=180s >/dev/null || true
  "$KUBECTL" label namespaces --all apptrust.dev/baseline-protected- >/dev/null 2>&1 || true
}

for installer in kustomize helm; do
  export APPTRUST_E2E_INSTALLER=$installer
  if [ "$installer" = kustomize ]; then
    step "deploy (make deploy)" make --no-print-directory deploy IMG="$IMAGE_REPO:$TAG" KUBECTL="$KUBECTL"
  else
    step "deploy (helm install)" "$HELM" install apptrust-operator config/helm/apptrust-operator -n apptrust-system \
      --create-namespace --set image.repository="$IMAGE_REPO",image.tag="$TAG"
  fi
  step "rollout ($installer)" "$KUBECTL" -n apptrust-system rollout status deployment/apptrust-operator --timeout=300s
  step "tests ($installer)" "${JEST[@]}" --testPathIgnorePatterns uninstall --json \
    --outputFile="test-results/e2e-kind-$installer.json" || { failed=1; diagnose; }
  step "uninstall test ($installer)" env APPTRUST_E2E_PHASE=uninstall "${JEST[@]}" test/e2e/uninstall.test.ts --json \
    --outputFile="test-results/e2e-kind-$installer-uninstall.json" || failed=1
  clean_between_runs
done
status true ""
cat "$TIMINGS" >&2
exit "$failed"
