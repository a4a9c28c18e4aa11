#!/usr/bin/env bash
# Builds every peer of the local test stack into $STACK_CACHE/bin (default /var/cache/argoexec-ts/bin).
#
# Idempotent: each component writes a stamp (its pinned version) when its build succeeded; a warm
# run only compares stamps and returns in well under a second. Nothing here touches the repo:
# the throwaway go.mod files for etcd and Kubernetes are generated under $STACK_CACHE/build/.
#
# Usage: stack/build.sh [component...]   (default: all; components: etcd k8s httpbin fakegcs
#        versitygw azurite argo argoparse minio hdfs)
# Env:   STACK_BUILD_LANES=1 builds strictly one thing at a time (default 2 lanes, see below).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/versions.sh"

BIN=$STACK_CACHE/bin
STAMPS=$STACK_CACHE/stamps
LOGS=$STACK_CACHE/logs
BUILD=$STACK_CACHE/build
mkdir -p "$BIN" "$STAMPS" "$LOGS" "$BUILD"

# Fixed Go caches so the cache dir alone makes a warm machine; never download a toolchain.
export GOTOOLCHAIN=local
export GOPATH=$STACK_CACHE/go
export GOMODCACHE=$STACK_CACHE/go/mod
export GOCACHE=$STACK_CACHE/go/cache
export GOBIN=$BIN
export CGO_ENABLED=0
export GOFLAGS="-trimpath -buildvcs=false"
export GOPROXY=${GOPROXY:-https://proxy.golang.org,direct}
GO=${GO:-go}
NPM=${NPM:-npm}
LDF_STRIP="-s -w"

log() { printf '[stack-build] %s\n' "$*" >&2; }

# stamp_ok NAME KEY BIN... -> 0 if NAME was built with KEY and all binaries exist
stamp_ok() {
  local name=$1 key=$2; shift 2
  [[ -f $STAMPS/$name && "$(cat "$STAMPS/$name")" == "$key" ]] || return 1
  local b; for b in "$@"; do [[ -x $b ]] || return 1; done
}

# step NAME CMD... : run CMD with its output (and /usr/bin/time -v figures) in $LOGS/build-NAME.log.
# Loud on failure: prints the log path and its last 40 lines.
step() {
  local name=$1; shift
  local logf=$LOGS/build-$name.log start=$SECONDS
  log "building $name (log: $logf)"
  local timer=()
  [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -v -o "$LOGS/build-$name.time")
  : > "$logf"
  if ! "${timer[@]}" "$@" >>"$logf" 2>&1; then
    log "FAILED: $name — log: $logf; last 40 lines:"
    tail -n 40 "$logf" >&2
    return 1
  fi
  local rss=""
  [[ -f $LOGS/build-$name.time ]] && rss=$(awk -F': ' '/Maximum resident set size/ {print int($2/1024) " MiB"}' "$LOGS/build-$name.time")
  log "built $name in $((SECONDS - start)) s${rss:+ (largest process RSS $rss)}"
  echo "$name $((SECONDS - start))s ${rss:-?}" >> "$LOGS/build-summary.txt"
}

# ---------------------------------------------------------------- etcd
build_etcd() {
  stamp_ok etcd "$ETCD_VERSION" "$BIN/etcd" && return 0
  local d=$BUILD/etcd-$ETCD_VERSION
  step etcd bash -euo pipefail -c '
    d=$1; v=$2; bin=$3; ldf=$4
    rm -rf "$d"; mkdir -p "$d"; cd "$d"
    # server/go.mod has replace directives, so `go install …@v` is refused; a throwaway main
    # module that requires the published server module works (its siblings are published too).
    go mod init local/etcdbuild
    printf "//go:build tools\npackage tools\nimport _ \"go.etcd.io/etcd/server/v3\"\n" > tools.go
    go get "go.etcd.io/etcd/server/v3@$v"
    go build -ldflags "$ldf" -o "$bin/etcd" go.etcd.io/etcd/server/v3
    "$bin/etcd" --version
  ' _ "$d" "$ETCD_VERSION" "$BIN" "$LDF_STRIP" || return 1
  echo "$ETCD_VERSION" > "$STAMPS/etcd"
}

# ---------------------------------------------------------------- kube-apiserver + kubectl
build_k8s() {
  stamp_ok k8s "$K8S_VERSION" "$BIN/kube-apiserver" "$BIN/kubectl" && return 0
  local d=$BUILD/k8s-$K8S_VERSION
  step k8s bash -euo pipefail -c '
    d=$1; v=$2; bin=$3; strip=$4
    minor=${v#v1.}            # 36.3
    mn=${minor%%.*}           # 36
    rm -rf "$d"; mkdir -p "$d"; cd "$d"
    go mod init local/k8sbuild
    go mod edit -require="k8s.io/kubernetes@$v"
    # k/k requires every staging module at v0.0.0 and maps it to ./staging/src; a consumer must
    # replace each with its published tag v0.Y.Z. Derive the list from the exact k/k go.mod.
    gomod=$(go mod download -json "k8s.io/kubernetes@$v" | sed -n "s/.*\"GoMod\": \"\(.*\)\",*/\1/p")
    mods=$(grep -E "=> \./staging/src/" "$gomod" | awk "{print \$1}")
    echo "staging modules: $(echo $mods | wc -w)"
    for m in $mods; do go mod edit -replace="$m=$m@v0.$minor"; done
    cat > tools.go <<EOF
//go:build tools
package tools
import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
EOF
    go get "k8s.io/kubernetes/cmd/kube-apiserver@$v" "k8s.io/kubernetes/cmd/kubectl@$v"   # explicit @v: a bare `go get pkg` means @latest
    grep -q "k8s.io/kubernetes $v" go.mod
    ldf="$strip -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1"
    ldf="$ldf -X k8s.io/component-base/version.gitMinor=$mn -X k8s.io/component-base/version.gitTreeState=clean"
    ldf="$ldf -X k8s.io/client-go/pkg/version.gitVersion=$v -X k8s.io/client-go/pkg/version.gitMajor=1"
    ldf="$ldf -X k8s.io/client-go/pkg/version.gitMinor=$mn"
    go build -ldflags "$ldf" -o "$bin/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
    "$bin/kube-apiserver" --version
    "$bin/kubectl" version --client
  ' _ "$d" "$K8S_VERSION" "$BIN" "$LDF_STRIP" || return 1
  echo "$K8S_VERSION" > "$STAMPS/k8s"
}

# ---------------------------------------------------------------- plain `go install` peers
go_install() { # name version binary pkg@version [extra go flags...]
  local name=$1 ver=$2 bin=$3 pkg=$4; shift 4
  stamp_ok "$name" "$ver" "$BIN/$bin" && return 0
  step "$name" "$GO" install "$@" -ldflags "$LDF_STRIP" "$pkg" || return 1
  echo "$ver" > "$STAMPS/$name"
}
build_httpbin()   { go_install httpbin "$GO_HTTPBIN_VERSION" go-httpbin "github.com/mccutchen/go-httpbin/v2/cmd/go-httpbin@$GO_HTTPBIN_VERSION"; }
build_fakegcs()   { go_install fakegcs "$FAKE_GCS_VERSION" fake-gcs-server "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION"; }
build_versitygw() { go_install versitygw "$VERSITYGW_VERSION" versitygw "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"; }
build_minio()     { go_install minio "$MINIO_VERSION" minio "github.com/minio/minio@$MINIO_VERSION"; }

# ---------------------------------------------------------------- Argo: reference argoexec + controller
# The shared folder sits beside the repository (../shared from the repository root).
ARGO_SHARED=${ARGO_SHARED:-$(cd "$HERE/../.." && pwd)/shared/argo-v4.1.2}
build_argo() {
  stamp_ok argo-$ARGO_VERSION "$ARGO_VERSION" "$ARGO_BIN/argoexec" "$ARGO_BIN/workflow-controller" && return 0
  local d=$BUILD/argo-$ARGO_VERSION
  mkdir -p "$ARGO_BIN"
  # Version stamping as upstream's Makefile does (GetVersion() reports gitTag only when gitCommit is set).
  # Build tag as in upstream's Makefile (k8s v0.35 moved ProtoMessage() behind it).
  local x="-X $ARGO_MODULE.version=$ARGO_VERSION -X $ARGO_MODULE.gitTag=$ARGO_VERSION -X $ARGO_MODULE.gitTreeState=clean"
  if [[ $ARGO_VERSION == "$ARGO_SRC_VERSION" ]]; then
    # From the shared source tarball, built as the main module; dependencies from the module proxy.
    local tarball=$ARGO_SHARED/src/argo-workflows-$ARGO_VERSION-src.tar.gz
    [[ -f $tarball ]] || { log "missing $tarball (set ARGO_SHARED to the shared argo-$ARGO_VERSION folder)"; return 1; }
    x="$x -X $ARGO_MODULE.gitCommit=$ARGO_SRC_COMMIT"
    step argo-$ARGO_VERSION bash -euo pipefail -c '
      d=$1; tarball=$2; v=$3; bin=$4; ldf=$5
      rm -rf "$d"; mkdir -p "$d"; tar -xzf "$tarball" -C "$d"; cd "$d/argo-workflows-$v"
      o=workflow/executor/osspecific
      [[ -e $o/signal_linux.go ]] || ln -s signal_darwin.go "$o/signal_linux.go"
      GOFLAGS="$GOFLAGS -mod=mod" go build -tags kubernetes_protomessage_one_more_release -ldflags "$ldf" \
        -o "$bin/" ./cmd/argoexec ./cmd/workflow-controller
      "$bin/argoexec" version
    ' _ "$d" "$tarball" "$ARGO_VERSION" "$ARGO_BIN" "$LDF_STRIP $x" || return 1
  else
    # From the Go module proxy. `go install …/cmd/argoexec@vX` fails on Linux: upstream's
    # workflow/executor/osspecific/signal_linux.go is a symlink to signal_darwin.go, and Go module
    # zips drop symlinks ("undefined: Setpgid"). So: copy the module from the module cache into the
    # build dir, restore that one symlink exactly as upstream has it, and build there as the main
    # module. The module zip carries no commit, so gitCommit names the module version instead.
    x="$x -X $ARGO_MODULE.gitCommit=go-module-$ARGO_VERSION"
    step argo-$ARGO_VERSION bash -euo pipefail -c '
      d=$1; mod=$2; v=$3; bin=$4; ldf=$5
      src=$(go mod download -json "$mod@$v" | sed -n "s/.*\"Dir\": \"\(.*\)\",*/\1/p")
      [[ -d $src ]] || { echo "module $mod@$v not in the module cache"; exit 1; }
      rm -rf "$d"; mkdir -p "$d"; cp -r "$src" "$d/src"; chmod -R u+w "$d/src"; cd "$d/src"
      t=$(sed -n "s/.*\"Time\":\"\([^\"]*\)\".*/\1/p" "$(go env GOMODCACHE)/cache/download/$mod/@v/$v.info" || true)
      [[ -n $t ]] && ldf="$ldf -X $mod.buildDate=$t"
      o=workflow/executor/osspecific
      [[ -e $o/signal_linux.go ]] || ln -s signal_darwin.go "$o/signal_linux.go"
      go build -tags kubernetes_protomessage_one_more_release -ldflags "$ldf" -o "$bin/" ./cmd/argoexec ./cmd/workflow-controller
      "$bin/argoexec" version
    ' _ "$d" "$ARGO_MODULE" "$ARGO_VERSION" "$ARGO_BIN" "$LDF_STRIP $x" || return 1
  fi
  echo "$ARGO_VERSION" > "$STAMPS/argo-$ARGO_VERSION"
}

# ---------------------------------------------------------------- Argo's manifest parser (for the e2e runner)
# argo-parse-manifests: splits and parses manifest files with Argo's own code, exactly as Argo's examples
# test does (common.ParseObjects with strict decoding: sigs.k8s.io/yaml, `\n---` separators), and prints
# one JSON line per file: {"file", "docs": [{"kind", "name", "json", "error"}]}. The e2e runner uses it so
# that an example Go cannot parse fails loudly and one Go can parse is never dropped. "given": the document
# as Argo's e2e fixtures read it (fixtures.Given: yaml.Unmarshal into the typed object — unknown fields dropped,
# case-insensitive names, YAML scalars into string fields — then JSON), for rows of Argo's e2e suites that
# its strict parser refuses. Built from the shared v4.1.2 tarball (the main module there); the short
# program is written into the build dir.
ARGOPARSE_KEY="$ARGO_SRC_VERSION parse-3" # bump when the program below changes
build_argoparse() {
  local key=$ARGOPARSE_KEY
  stamp_ok argoparse "$key" "$BIN/argo-parse-manifests" && return 0
  local tarball=$ARGO_SHARED/src/argo-workflows-$ARGO_SRC_VERSION-src.tar.gz
  [[ -f $tarball ]] || { log "missing $tarball (set ARGO_SHARED to the shared argo-$ARGO_SRC_VERSION folder)"; return 1; }
  step argoparse bash -euo pipefail -c '
    d=$1; tarball=$2; v=$3; bin=$4
    rm -rf "$d"; mkdir -p "$d"; tar -xzf "$tarball" -C "$d"; cd "$d/argo-workflows-$v"
    mkdir -p cmd/argo-parse-manifests
    cat > cmd/argo-parse-manifests/main.go <<EOG
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	wfv1 "github.com/argoproj/argo-workflows/v4/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v4/util/logging"
	"github.com/argoproj/argo-workflows/v4/workflow/common"
	"sigs.k8s.io/yaml"
)

type doc struct {
	Kind  string          \`json:"kind"\`
	Name  string          \`json:"name,omitempty"\`
	JSON  json.RawMessage \`json:"json,omitempty"\`
	Error string          \`json:"error,omitempty"\`
	Given json.RawMessage \`json:"given,omitempty"\`
}

// given: as fixtures.Given reads a Workflow or WorkflowTemplate (readResource: yaml.Unmarshal, non-strict)
func given(kind string, text []byte) json.RawMessage {
	var v any
	switch kind {
	case "Workflow":
		v = &wfv1.Workflow{}
	case "WorkflowTemplate":
		v = &wfv1.WorkflowTemplate{}
	case "ClusterWorkflowTemplate":
		v = &wfv1.ClusterWorkflowTemplate{}
	case "CronWorkflow":
		v = &wfv1.CronWorkflow{}
	default:
		return nil
	}
	if yaml.Unmarshal(text, v) != nil {
		return nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return out
}

var sep = regexp.MustCompile("\\n---")
var kindRe = regexp.MustCompile("(?m)^kind:[ \t]*([A-Za-z]+)")

func main() {
	ctx := logging.WithLogger(context.Background(), logging.NewSlogLogger(logging.Error, logging.JSON))
	out := json.NewEncoder(os.Stdout)
	for _, path := range os.Args[1:] {
		body, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var docs []doc
		// Each document as the examples test of Argo reads it: split on `\\n---`, then common.ParseObjects
		// (strict). The raw JSON (non-strict sigs.k8s.io/yaml) is what the runner submits.
		for _, text := range sep.Split(string(body), -1) {
			if strings.TrimSpace(text) == "" {
				continue
			}
			d := doc{}
			if m := kindRe.FindStringSubmatch(text); m != nil {
				d.Kind = m[1]
			}
			raw, err := yaml.YAMLToJSON([]byte(text))
			if err != nil {
				d.Error = err.Error()
				docs = append(docs, d)
				continue
			}
			var meta struct{ Kind string \`json:"kind"\` }
			if json.Unmarshal(raw, &meta) == nil && meta.Kind != "" {
				d.Kind = meta.Kind
			}
			d.JSON = raw
			d.Given = given(d.Kind, []byte(text))
			res := common.ParseObjects(ctx, []byte(text), true)
			switch {
			case len(res) == 0:
				_, serr := yaml.YAMLToJSONStrict([]byte(text))
				d.Error = fmt.Sprintf("dropped by the Argo parser: %v", serr)
			case res[0].Err != nil:
				d.Error = res[0].Err.Error()
			}
			if len(res) > 0 && res[0].Object != nil {
				d.Name = res[0].Object.GetName()
				if d.Name == "" {
					d.Name = res[0].Object.GetGenerateName()
				}
			}
			docs = append(docs, d)
		}
		_ = out.Encode(map[string]any{"file": path, "docs": docs})
	}
}
EOG
    GOFLAGS="$GOFLAGS -mod=mod" go build -tags kubernetes_protomessage_one_more_release -ldflags "-s -w" -o "$bin/argo-parse-manifests" ./cmd/argo-parse-manifests
  ' _ "$BUILD/argoparse-$ARGO_SRC_VERSION" "$tarball" "$ARGO_SRC_VERSION" "$BIN" || return 1
  echo "$key" > "$STAMPS/argoparse"
}

# ---------------------------------------------------------------- Azurite (npm)
build_azurite() {
  local d=$STACK_CACHE/azurite
  stamp_ok azurite "$AZURITE_VERSION" "$d/node_modules/.bin/azurite-blob" && return 0
  step azurite "$NPM" install --prefix "$d" --no-audit --no-fund --no-save "azurite@$AZURITE_VERSION" || return 1
  echo "$AZURITE_VERSION" > "$STAMPS/azurite"
}

# ---------------------------------------------------------------- HDFS peer (Maven Central + javac)
# stack/hdfs.sh keeps its own stamp ($HADOOP_VERSION + a hash of stack/hdfs/{pom.xml,HdfsPeer.java}).
build_hdfs() {
  "$HERE/hdfs.sh" built && return 0
  step hdfs "$HERE/hdfs.sh" build
}

# ---------------------------------------------------------------- driver
ALL=(etcd k8s httpbin fakegcs versitygw azurite argo argoparse minio hdfs)
want=("$@"); [[ ${#want[@]} -gt 0 ]] || want=("${ALL[@]}")

# Warm path: nothing to do -> return immediately, without taking the lock.
need=()
for c in "${want[@]}"; do
  case $c in
    etcd) stamp_ok etcd "$ETCD_VERSION" "$BIN/etcd" || need+=(etcd) ;;
    k8s) stamp_ok k8s "$K8S_VERSION" "$BIN/kube-apiserver" "$BIN/kubectl" || need+=(k8s) ;;
    httpbin) stamp_ok httpbin "$GO_HTTPBIN_VERSION" "$BIN/go-httpbin" || need+=(httpbin) ;;
    fakegcs) stamp_ok fakegcs "$FAKE_GCS_VERSION" "$BIN/fake-gcs-server" || need+=(fakegcs) ;;
    versitygw) stamp_ok versitygw "$VERSITYGW_VERSION" "$BIN/versitygw" || need+=(versitygw) ;;
    minio) stamp_ok minio "$MINIO_VERSION" "$BIN/minio" || need+=(minio) ;;
    argo) stamp_ok argo-$ARGO_VERSION "$ARGO_VERSION" "$ARGO_BIN/argoexec" "$ARGO_BIN/workflow-controller" || need+=(argo) ;;
    argoparse) stamp_ok argoparse "$ARGOPARSE_KEY" "$BIN/argo-parse-manifests" || need+=(argoparse) ;;
    hdfs) "$HERE/hdfs.sh" built || need+=(hdfs) ;;
    azurite) stamp_ok azurite "$AZURITE_VERSION" "$STACK_CACHE/azurite/node_modules/.bin/azurite-blob" || need+=(azurite) ;;
    *) log "unknown component: $c (known: ${ALL[*]})"; exit 2 ;;
  esac
done
if [[ ${#need[@]} -eq 0 ]]; then log "all components up to date in $BIN"; exit 0; fi

exec 9>"$STACK_CACHE/build.lock"
if ! flock -n 9; then log "another build holds $STACK_CACHE/build.lock; waiting"; flock 9; fi

command -v "$GO" >/dev/null || { log "go not found on PATH"; exit 1; }
log "to build: ${need[*]} (Go caches under $GOPATH; logs under $LOGS)"
t0=$SECONDS

# Sample the machine's used memory (MemTotal - MemAvailable) while building: peak goes to the summary.
peakf=$LOGS/build-peak-mem.txt; echo 0 > "$peakf"
( peak=0; while sleep 2; do
    used=$(awk '/MemTotal/ {t=$2} /MemAvailable/ {a=$2} END {print int((t-a)/1024)}' /proc/meminfo)
    (( used > peak )) && { peak=$used; echo "$peak" > "$peakf"; }
  done ) & sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT

# Two lanes on 2 cores: lane A is the long Kubernetes chain, lane B the many small go installs.
# Compilation is CPU bound, so this mostly hides module-download latency; memory (peak ~ a few GiB
# per link) is no constraint on a 24 GiB machine. STACK_BUILD_LANES=1 serialises everything.
laneA=(); laneB=()
for c in "${need[@]}"; do case $c in etcd|k8s) laneA+=("$c") ;; *) laneB+=("$c") ;; esac; done
run_lane() { local c; for c in "$@"; do "build_$c" || return 1; done; }

rc=0
if [[ ${STACK_BUILD_LANES:-2} == 1 ]]; then
  run_lane "${laneA[@]}" "${laneB[@]}" || rc=1
else
  pa=""; pb=""
  [[ ${#laneA[@]} -gt 0 ]] && { run_lane "${laneA[@]}" & pa=$!; }
  [[ ${#laneB[@]} -gt 0 ]] && { run_lane "${laneB[@]}" & pb=$!; }
  [[ -n $pa ]] && { wait "$pa" || rc=1; }
  [[ -n $pb ]] && { wait "$pb" || rc=1; }
fi
kill $sampler 2>/dev/null || true
msg="build of [${need[*]}] took $((SECONDS - t0)) s; peak machine memory in use $(cat "$peakf") MiB"
echo "$(date -u +%FT%TZ) $msg rc=$rc" >> "$LOGS/build-summary.txt"
if (( rc != 0 )); then log "FAILED — $msg"; exit 1; fi
log "$msg"
