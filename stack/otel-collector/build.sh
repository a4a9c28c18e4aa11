#!/usr/bin/env bash
# Builds the test stack's OTLP collector into $STACK_CACHE/bin/otelcol: the OpenTelemetry Collector core (OTLP
# receiver, gRPC + HTTP) with the contrib file exporter and nothing else (main.go.txt), pinned, from Go modules.
# Idempotent: a stamp holds the pinned versions; a warm run only compares it. One build at a time (flock).
# Cold: ~6 min and ~1.5 GiB on one core of a 2-core machine (compile jobs limited by OTELCOL_BUILD_PROCS, default 1).
# Usage: stack/otel-collector/build.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STACK_CACHE=${STACK_CACHE:-/var/cache/argoexec-ts}
OTELCOL_CORE_VERSION=v0.165.0     # go.opentelemetry.io/collector/* (otelcol, otlpreceiver)
OTELCOL_CONFMAP_VERSION=v1.71.0   # go.opentelemetry.io/collector/confmap/provider/fileprovider (released with core v0.165.0)
OTELCOL_CONTRIB_VERSION=v0.165.0  # github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter
KEY="core=$OTELCOL_CORE_VERSION confmap=$OTELCOL_CONFMAP_VERSION contrib=$OTELCOL_CONTRIB_VERSION main=$(sha256sum "$HERE/main.go.txt" | cut -c1-12)"
BIN=$STACK_CACHE/bin; STAMPS=$STACK_CACHE/stamps; LOGS=$STACK_CACHE/logs
mkdir -p "$BIN" "$STAMPS" "$LOGS" "$STACK_CACHE/build"
fresh() { [[ -f $STAMPS/otelcol && "$(cat "$STAMPS/otelcol")" == "$KEY" && -x $BIN/otelcol ]]; }
fresh && exit 0
exec 9>"$STACK_CACHE/build/otelcol.lock"
flock 9
fresh && exit 0

export GOTOOLCHAIN=local GOPATH=$STACK_CACHE/go GOMODCACHE=$STACK_CACHE/go/mod GOCACHE=$STACK_CACHE/go/cache
export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false" GOPROXY=${GOPROXY:-https://proxy.golang.org,direct}
LOG=$LOGS/build-otelcol.log
echo "[otelcol] building $KEY (log: $LOG)" >&2
if ! bash -euo pipefail -c '
  d=$1 here=$2 bin=$3 core=$4 confmap=$5 contrib=$6 procs=$7
  rm -rf "$d"; mkdir -p "$d"; cd "$d"
  go mod init local/otelcolbuild
  sed "s/VERSION/$core/" "$here/main.go.txt" > main.go
  # `go get` of the packages main.go imports, at pinned versions (no `go mod tidy`: it would also resolve the
  # test-only imports of contrib modules, one of which the proxy refuses with 403).
  go get "go.opentelemetry.io/collector/otelcol@$core" "go.opentelemetry.io/collector/receiver/otlpreceiver@$core" \
         "go.opentelemetry.io/collector/service/telemetry/otelconftelemetry@$core" \
         "go.opentelemetry.io/collector/confmap/provider/fileprovider@$confmap" \
         "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter@$contrib"
  go build -p "$procs" -ldflags "-s -w" -o "$bin/otelcol.new" .
  mv "$bin/otelcol.new" "$bin/otelcol"
  "$bin/otelcol" --version
' _ "$STACK_CACHE/build/otelcol" "$HERE" "$BIN" "$OTELCOL_CORE_VERSION" "$OTELCOL_CONFMAP_VERSION" "$OTELCOL_CONTRIB_VERSION" "${OTELCOL_BUILD_PROCS:-1}" >"$LOG" 2>&1; then
  echo "[otelcol] FAILED; last lines of $LOG:" >&2; tail -n 30 "$LOG" >&2; exit 1
fi
echo "$KEY" > "$STAMPS/otelcol"
echo "[otelcol] built $BIN/otelcol" >&2
