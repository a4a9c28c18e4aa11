#!/usr/bin/env bash
# Builds the e2e cluster's container runtime into $CTRD_BIN ($STACK_CACHE/bin/containerd-$CONTAINERD_VERSION):
#   containerd, containerd-shim-runc-v2, ctr   github.com/containerd/containerd/v2@$CONTAINERD_VERSION
#   runc                                       github.com/opencontainers/runc@$RUNC_VERSION (the version
#                                              containerd pins in script/setup/runc-version)
# Debian 12's containerd 1.6 cannot mount Kubernetes image volumes (KEP-4639, CRI ImageSpec mounts:
# containerd 2.1+), which the init-less pod layout needs for /argo-bin.
# Built from the Go module proxy like the kubelet (stack/cluster/build.sh): the module sources stay in
# GOMODCACHE, nothing enters the repo. containerd, the shim and ctr are static (CGO_ENABLED=0, as
# upstream's shim); runc needs cgo (nsenter) and libseccomp (tag seccomp, libseccomp-dev: deps.sh).
# Idempotent (stamp $STACK_CACHE/stamps/containerd); log $STACK_CACHE/logs/build-containerd.log.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../versions.sh"
BIN=$STACK_CACHE/bin/containerd-$CONTAINERD_VERSION; STAMPS=$STACK_CACHE/stamps; LOGS=$STACK_CACHE/logs
mkdir -p "$BIN" "$STAMPS" "$LOGS"
export GOTOOLCHAIN=local GOPATH=$STACK_CACHE/go GOMODCACHE=$STACK_CACHE/go/mod GOCACHE=$STACK_CACHE/go/cache
export GOFLAGS="-trimpath -buildvcs=false -mod=mod" GOPROXY=${GOPROXY:-https://proxy.golang.org,direct}
log() { printf '[cluster-build] %s\n' "$*" >&2; }

key="containerd $CONTAINERD_VERSION runc $RUNC_VERSION v1"
tools=(containerd containerd-shim-runc-v2 ctr runc)
ok=1; for t in "${tools[@]}"; do [[ -x $BIN/$t ]] || ok=0; done
if (( ok )) && [[ -f $STAMPS/containerd && "$(cat "$STAMPS/containerd")" == "$key" ]]; then
  log "containerd $CONTAINERD_VERSION + runc $RUNC_VERSION up to date in $BIN"; exit 0
fi
exec 9>"$STACK_CACHE/build-containerd.lock"
flock 9
logf=$LOGS/build-containerd.log
log "building containerd $CONTAINERD_VERSION + runc $RUNC_VERSION (log: $logf)"
t0=$SECONDS
timer=(); [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -v -o "$LOGS/build-containerd.time")
if ! "${timer[@]}" bash -euo pipefail -c '
  bin=$1 cv=$2 rv=$3
  # Build inside each module'\''s own (read-only) directory of the module cache: its go.mod and go.sum
  # decide every dependency, exactly as upstream'\''s Makefile builds it.
  cdir=$(go mod download -json "github.com/containerd/containerd/v2@$cv" | sed -n "s/.*\"Dir\": \"\(.*\)\",*/\1/p")
  rdir=$(go mod download -json "github.com/opencontainers/runc@$rv" | sed -n "s/.*\"Dir\": \"\(.*\)\",*/\1/p")
  [[ -d $cdir && -d $rdir ]]
  pinned=$(cat "$cdir/script/setup/runc-version")
  echo "containerd $cv pins runc $pinned; building runc $rv"
  pkg=github.com/containerd/containerd/v2
  ldf="-s -w -X $pkg/version.Version=$cv -X $pkg/version.Revision=module-proxy -X $pkg/version.Package=$pkg"
  cd "$cdir"
  CGO_ENABLED=0 go build -tags "urfave_cli_no_docs no_btrfs no_devmapper" -ldflags "$ldf" -o "$bin/" ./cmd/containerd ./cmd/ctr
  CGO_ENABLED=0 go build -tags "urfave_cli_no_docs no_grpc" -ldflags "$ldf" -o "$bin/" ./cmd/containerd-shim-runc-v2
  cd "$rdir"
  CGO_ENABLED=1 go build -buildmode=pie -tags "seccomp urfave_cli_no_docs" -ldflags "-s -w -X main.gitCommit=module-proxy" -o "$bin/runc" .
  "$bin/containerd" --version
  "$bin/ctr" --version
  "$bin/containerd-shim-runc-v2" -v
  "$bin/runc" --version
  "$bin/runc" --version | grep -q "seccomp"
' _ "$BIN" "$CONTAINERD_VERSION" "$RUNC_VERSION" > "$logf" 2>&1; then
  log "FAILED — log: $logf"; tail -n 40 "$logf" >&2; exit 1
fi
rss=""; [[ -f $LOGS/build-containerd.time ]] && rss=$(awk -F': ' '/Maximum resident set size/ {print int($2/1024) " MiB"}' "$LOGS/build-containerd.time")
log "built containerd $CONTAINERD_VERSION + runc $RUNC_VERSION in $((SECONDS - t0)) s (largest process RSS ${rss:-?})"
echo "containerd $((SECONDS - t0))s ${rss:-?}" >> "$LOGS/build-summary.txt"
echo "$key" > "$STAMPS/containerd"
