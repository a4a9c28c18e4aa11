#!/usr/bin/env bash
# Builds Toxiproxy (github.com/Shopify/toxiproxy/v2, pinned below) from the Go module proxy into
# $STACK_CACHE/bin/toxiproxy-<version>/ (toxiproxy-server, toxiproxy-cli), for `make faults`.
#
# Idempotent like stack/build.sh: a stamp (the pinned version) is written when the build succeeded;
# a warm run only compares it and prints the server's path. Nothing enters the repository.
#
# Usage: bench/faults/build-toxiproxy.sh      → prints the path of toxiproxy-server on stdout
set -euo pipefail
TOXIPROXY_VERSION=v2.12.0
: "${STACK_CACHE:=/var/cache/argoexec-ts}"
BIN=$STACK_CACHE/bin/toxiproxy-$TOXIPROXY_VERSION
STAMP=$STACK_CACHE/stamps/toxiproxy
LOG=$STACK_CACHE/logs/build-toxiproxy.log
mkdir -p "$BIN" "$STACK_CACHE/stamps" "$STACK_CACHE/logs"

if [[ -f $STAMP && "$(cat "$STAMP")" == "$TOXIPROXY_VERSION" && -x $BIN/toxiproxy-server ]]; then
  echo "$BIN/toxiproxy-server"
  exit 0
fi

export GOTOOLCHAIN=local
export GOPATH=$STACK_CACHE/go
export GOMODCACHE=$STACK_CACHE/go/mod
export GOCACHE=$STACK_CACHE/go/cache
export GOBIN=$BIN
export CGO_ENABLED=0
export GOFLAGS="-trimpath -buildvcs=false"
export GOPROXY=${GOPROXY:-https://proxy.golang.org,direct}

echo "[faults] building toxiproxy $TOXIPROXY_VERSION (log: $LOG)" >&2
{
  go install -ldflags "-s -w -X github.com/Shopify/toxiproxy/v2.Version=$TOXIPROXY_VERSION" \
    "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION" \
    "github.com/Shopify/toxiproxy/v2/cmd/cli@$TOXIPROXY_VERSION"
  mv -f "$BIN/server" "$BIN/toxiproxy-server"
  mv -f "$BIN/cli" "$BIN/toxiproxy-cli"
  "$BIN/toxiproxy-server" -version
} >"$LOG" 2>&1 || { echo "[faults] toxiproxy build FAILED; last lines of $LOG:" >&2; tail -n 30 "$LOG" >&2; exit 1; }
echo "$TOXIPROXY_VERSION" > "$STAMP"
echo "$BIN/toxiproxy-server"
