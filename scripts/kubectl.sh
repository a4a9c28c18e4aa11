#!/usr/bin/env bash
# Builds the kubectl the `resource` role runs: the k8s.io/kubernetes cmd/kubectl whose version matches the
# k8s.io/kubectl module that Argo v4.1.2's argoexec embeds (go.mod: k8s.io/kubectl v0.35.4 → v1.35.4).
# Static (CGO_ENABLED=0), stripped, from the Go module proxy; cached outside the repo.
#
# Idempotent: a stamp ($STACK_CACHE/stamps/kubectl-exec, holding the version) next to the binary
# ($STACK_CACHE/kubectl/<version>/kubectl) makes a warm run return at once. Prints the binary's path.
#
# Usage: scripts/kubectl.sh            → builds if needed, prints the path on stdout
# Env:   KUBECTL_VERSION (default v1.35.4), STACK_CACHE (default /var/cache/argoexec-ts),
#        KUBECTL_BINARY=/path/to/kubectl — use that binary instead of building (e.g. one copied from the
#        official registry.k8s.io/kubectl image in CI); it is checked to report the expected version.
set -euo pipefail
: "${KUBECTL_VERSION:=v1.35.4}"
: "${STACK_CACHE:=/var/cache/argoexec-ts}"
out=$STACK_CACHE/kubectl/$KUBECTL_VERSION
stamp=$STACK_CACHE/stamps/kubectl-exec
log() { printf '[kubectl] %s\n' "$*" >&2; }

if [[ -n ${KUBECTL_BINARY:-} ]]; then
  v=$("$KUBECTL_BINARY" version --client 2>&1 || true)
  grep -qx "Client Version: $KUBECTL_VERSION" <<<"$v" || { log "$KUBECTL_BINARY is not kubectl $KUBECTL_VERSION"; exit 1; }
  echo "$KUBECTL_BINARY"; exit 0
fi
if [[ -x $out/kubectl && -f $stamp && "$(cat "$stamp")" == "$KUBECTL_VERSION" ]]; then
  echo "$out/kubectl"; exit 0
fi

# One build at a time (two worktrees' `make build` may start together); the winner's stamp serves the other.
mkdir -p "$STACK_CACHE/stamps"
exec 9>"$STACK_CACHE/kubectl-build.lock"
flock 9
if [[ -x $out/kubectl && -f $stamp && "$(cat "$stamp")" == "$KUBECTL_VERSION" ]]; then
  echo "$out/kubectl"; exit 0
fi

export GOTOOLCHAIN=local
export GOPATH=$STACK_CACHE/go
export GOMODCACHE=$STACK_CACHE/go/mod
export GOCACHE=$STACK_CACHE/go/cache
export CGO_ENABLED=0
export GOFLAGS="-trimpath -buildvcs=false"
export GOPROXY=${GOPROXY:-https://proxy.golang.org,direct}
d=$STACK_CACHE/build/kubectl-$KUBECTL_VERSION
mkdir -p "$STACK_CACHE/stamps" "$STACK_CACHE/logs" "$out"
logf=$STACK_CACHE/logs/build-kubectl-$KUBECTL_VERSION.log
log "building kubectl $KUBECTL_VERSION (log: $logf)"
if ! bash -euo pipefail -c '
  d=$1; v=$2; out=$3
  minor=${v#v1.}; mn=${minor%%.*}
  rm -rf "$d"; mkdir -p "$d"; cd "$d"
  go mod init local/kubectlbuild
  go mod edit -require="k8s.io/kubernetes@$v"
  # k/k requires its staging modules at v0.0.0 (replaced by ./staging/src); a consumer replaces each with
  # the published v0.Y.Z tag. The list comes from the exact k/k go.mod.
  gomod=$(go mod download -json "k8s.io/kubernetes@$v" | sed -n "s/.*\"GoMod\": \"\(.*\)\",*/\1/p")
  for m in $(grep -E "=> \./staging/src/" "$gomod" | awk "{print \$1}"); do go mod edit -replace="$m=$m@v0.$minor"; done
  printf "//go:build tools\npackage tools\nimport _ \"k8s.io/kubernetes/cmd/kubectl\"\n" > tools.go
  go get "k8s.io/kubernetes/cmd/kubectl@$v"
  grep -q "k8s.io/kubernetes $v" go.mod
  ldf="-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1"
  ldf="$ldf -X k8s.io/component-base/version.gitMinor=$mn -X k8s.io/component-base/version.gitTreeState=clean"
  ldf="$ldf -X k8s.io/client-go/pkg/version.gitVersion=$v -X k8s.io/client-go/pkg/version.gitMajor=1"
  ldf="$ldf -X k8s.io/client-go/pkg/version.gitMinor=$mn"
  go build -ldflags "$ldf" -o "$out/kubectl.tmp" k8s.io/kubernetes/cmd/kubectl
  "$out/kubectl.tmp" version --client
  mv "$out/kubectl.tmp" "$out/kubectl"
' _ "$d" "$KUBECTL_VERSION" "$out" >"$logf" 2>&1; then
  log "FAILED — last 30 lines of $logf:"; tail -n 30 "$logf" >&2; exit 1
fi
echo "$KUBECTL_VERSION" > "$stamp"
log "built $out/kubectl"
echo "$out/kubectl"
