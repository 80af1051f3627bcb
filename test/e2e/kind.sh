#!/usr/bin/env bash
# `make e2e-kind`: a kind cluster (kindnet enforces NetworkPolicy), the operator image built and
# loaded, `make deploy`, then test/e2e/traffic.test.ts applies the samples, starts pods and probes
# real connections. Needs a Docker engine and kind >= 0.24; kubectl on PATH.
# KEEP_CLUSTER=1 leaves the cluster for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLUSTER=${KIND_CLUSTER:-apptrust-e2e}
IMG=${IMG:-apptrust-operator:e2e}
KUBECONFIG_FILE=$PWD/.cache/kind/kubeconfig

docker info >/dev/null 2>&1 || { echo "e2e-kind needs a running Docker engine" >&2; exit 2; }
command -v kind >/dev/null || { echo "e2e-kind needs kind (>= 0.24)" >&2; exit 2; }
mkdir -p "$(dirname "$KUBECONFIG_FILE")"

if ! kind get clusters | grep -qx "$CLUSTER"; then
  kind create cluster --name "$CLUSTER" --kubeconfig "$KUBECONFIG_FILE" --wait 120s
  [[ ${KEEP_CLUSTER:-0} == 1 ]] || trap 'kind delete cluster --name "$CLUSTER"' EXIT
fi
kind export kubeconfig --name "$CLUSTER" --kubeconfig "$KUBECONFIG_FILE"
export KUBECONFIG=$KUBECONFIG_FILE

docker build -t "$IMG" .
kind load docker-image "$IMG" --name "$CLUSTER"
make --no-print-directory deploy IMG="$IMG" KUBECTL=kubectl
kubectl -n apptrust-system rollout status deployment/apptrust-operator --timeout=180s

mkdir -p test-results
APPTRUST_E2E_KUBECONFIG=$KUBECONFIG_FILE APPTRUST_E2E_IMAGE=$IMG \
  node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects e2e --runInBand \
  --json --outputFile=test-results/e2e.json || {
  kubectl -n apptrust-system logs deployment/apptrust-operator --tail=200 || true
  kubectl get appTrustProfiles,networkpolicies -A || true
  exit 1
}
