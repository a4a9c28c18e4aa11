#!/usr/bin/env bash
# Builds the node components of the e2e cluster into $STACK_CACHE/bin, with the same throwaway
# k8s.io/kubernetes module approach as stack/build.sh (same version, same Go caches):
#   kubelet, kube-scheduler, kube-controller-manager (v$K8S_VERSION, matching the stack's kube-apiserver)
# Idempotent (stamp file $STACK_CACHE/stamps/k8s-node); logs in $STACK_CACHE/logs/build-k8s-node.log.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../versions.sh"
BIN=$STACK_CACHE/bin; STAMPS=$STACK_CACHE/stamps; LOGS=$STACK_CACHE/logs; BUILD=$STACK_CACHE/build
mkdir -p "$BIN" "$STAMPS" "$LOGS" "$BUILD"
export GOTOOLCHAIN=local GOPATH=$STACK_CACHE/go GOMODCACHE=$STACK_CACHE/go/mod GOCACHE=$STACK_CACHE/go/cache
export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false" GOPROXY=${GOPROXY:-https://proxy.golang.org,direct}
log() { printf '[cluster-build] %s\n' "$*" >&2; }

key="$K8S_VERSION kubelet kube-scheduler kube-controller-manager"
if [[ -f $STAMPS/k8s-node && "$(cat "$STAMPS/k8s-node")" == "$key" && -x $BIN/kubelet && -x $BIN/kube-scheduler && -x $BIN/kube-controller-manager ]]; then
  log "kubelet, kube-scheduler, kube-controller-manager $K8S_VERSION up to date in $BIN"; exit 0
fi
exec 9>"$STACK_CACHE/build-node.lock"
flock 9
d=$BUILD/k8s-node-$K8S_VERSION
logf=$LOGS/build-k8s-node.log
log "building kubelet, kube-scheduler, kube-controller-manager $K8S_VERSION (log: $logf)"
t0=$SECONDS
timer=(); [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -v -o "$LOGS/build-k8s-node.time")
if ! "${timer[@]}" bash -euo pipefail -c '
  d=$1; v=$2; bin=$3
  minor=${v#v1.}; mn=${minor%%.*}
  rm -rf "$d"; mkdir -p "$d"; cd "$d"
  go mod init local/k8snodebuild
  go mod edit -require="k8s.io/kubernetes@$v"
  gomod=$(go mod download -json "k8s.io/kubernetes@$v" | sed -n "s/.*\"GoMod\": \"\(.*\)\",*/\1/p")
  mods=$(grep -E "=> \./staging/src/" "$gomod" | awk "{print \$1}")
  echo "staging modules: $(echo $mods | wc -w)"
  for m in $mods; do go mod edit -replace="$m=$m@v0.$minor"; done
  cat > tools.go <<EOT
//go:build tools
package tools
import (
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
EOT
  go get "k8s.io/kubernetes/cmd/kubelet@$v" "k8s.io/kubernetes/cmd/kube-scheduler@$v" "k8s.io/kubernetes/cmd/kube-controller-manager@$v"
  grep -q "k8s.io/kubernetes $v" go.mod
  ldf="-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1"
  ldf="$ldf -X k8s.io/component-base/version.gitMinor=$mn -X k8s.io/component-base/version.gitTreeState=clean"
  ldf="$ldf -X k8s.io/client-go/pkg/version.gitVersion=$v -X k8s.io/client-go/pkg/version.gitMajor=1"
  ldf="$ldf -X k8s.io/client-go/pkg/version.gitMinor=$mn"
  go build -ldflags "$ldf" -o "$bin/" k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-controller-manager
  "$bin/kubelet" --version
  "$bin/kube-scheduler" --version
  "$bin/kube-controller-manager" --version
' _ "$d" "$K8S_VERSION" "$BIN" > "$logf" 2>&1; then
  log "FAILED — log: $logf"; tail -n 40 "$logf" >&2; exit 1
fi
rss=""; [[ -f $LOGS/build-k8s-node.time ]] && rss=$(awk -F': ' '/Maximum resident set size/ {print int($2/1024) " MiB"}' "$LOGS/build-k8s-node.time")
log "built kubelet, kube-scheduler, kube-controller-manager in $((SECONDS - t0)) s (largest process RSS ${rss:-?})"
echo "k8s-node $((SECONDS - t0))s ${rss:-?}" >> "$LOGS/build-summary.txt"
echo "$key" > "$STAMPS/k8s-node"
