# e2e cluster on top of the local stack: containerd + kubelet + kube-scheduler + the real
# workflow-controller, executor = ours (EXECUTOR=ts) or the Go reference (EXECUTOR=go). See docs/e2e.md.
# Included by the top-level Makefile (-include stack/cluster.mk).
.PHONY: cluster-build cluster-images cluster-up cluster-down cluster-status e2e
EXECUTOR ?= ts
# Pod layout of the workflow-controller: classic (init + wait) or initless (initlessPod: supervisor +
# the executor image mounted at /argo-bin as an image volume).
LAYOUT ?= classic
E2E_NODE := $(if $(wildcard $(NODE_BIN)/node),$(NODE_BIN)/node,node)

cluster-build: ## kubelet + kube-scheduler (same throwaway k8s module as the apiserver), containerd 2 + runc
	stack/cluster/build.sh
	stack/cluster/build-runtime.sh

cluster-images: ## local OCI images (executor ts/go, busybox, argosay, python, pause)
	images/build/build.sh

cluster-up: ## stack-up + containerd, kubelet, scheduler, images, workflow-controller (EXECUTOR=ts|go LAYOUT=classic|initless)
	EXECUTOR=$(EXECUTOR) LAYOUT=$(LAYOUT) stack/cluster/up.sh

cluster-down: ## stop the cluster (the stack keeps running)
	stack/cluster/down.sh

cluster-status:
	stack/status.sh

# Runs the example workflows with both executors and writes docs/compat-report.md.
# E2E_EXAMPLES=file-with-list or E2E_FILTER=regex narrow the set.
e2e: build stack-up
	LAYOUT=$(LAYOUT) $(E2E_NODE) test/e2e/run.ts
