# Local test stack: real peers (etcd + kube-apiserver, MinIO, versitygw, Azurite, fake-gcs-server,
# go-httpbin, git) on 127.0.0.1, plus the Go reference argoexec/workflow-controller (built only).
# Included by the top-level Makefile (-include stack/stack.mk); see docs/test-stack.md.
.PHONY: stack-build stack-up stack-down stack-status stack-test

STACK_NODE := $(if $(wildcard $(NODE_BIN)/node),$(NODE_BIN)/node,node)

stack-build: ## build (or verify cached) binaries under /var/cache/argoexec-ts/bin
	stack/build.sh

stack-up: ## build once, start the stack, write .stack/env
	stack/up.sh

stack-down: ## stop everything stack-up started (by recorded pid)
	stack/down.sh

stack-status: ## show what runs
	stack/status.sh

stack-test: stack-up ## stack-up, then the smoke tests in test/stack/
	$(STACK_NODE) --test 'test/stack/*.test.ts'
