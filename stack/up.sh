#!/usr/bin/env bash
# `make stack-up`: build (cached) and start the local test stack, loopback only, then write .stack/env.
# Idempotent: a service whose pid file points at a live process that passes its health check is
# left alone; the Kubernetes objects are (re-)applied every time (cheap, server-side apply).
# Env: STACK_SKIP_BUILD=1 skips stack/build.sh (binaries must already exist).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
t0=$SECONDS

if [[ ${STACK_SKIP_BUILD:-0} != 1 ]]; then "$STACK_LIB_DIR/build.sh"; "$STACK_LIB_DIR/otel-collector/build.sh"; fi
for b in $STACK_BIN/{etcd,kube-apiserver,kubectl,minio,versitygw,fake-gcs-server,go-httpbin} $ARGO_BIN/{argoexec,workflow-controller}; do
  [[ -x $b ]] || { slog "ERROR: $b is missing: run stack/build.sh"; exit 1; }
done
AZURITE_BLOB_JS=$STACK_CACHE/azurite/node_modules/azurite/dist/src/blob/main.js
[[ -f $AZURITE_BLOB_JS ]] || { slog "ERROR: $AZURITE_BLOB_JS is missing: run stack/build.sh azurite"; exit 1; }
[[ -x $NODE ]] || { slog "ERROR: Node 24 not found at $NODE (run npm ci in the repo)"; exit 1; }
for t in curl openssl git setsid flock ss base64 ssh ssh-keygen; do command -v $t >/dev/null || { slog "ERROR: $t not found"; exit 1; }; done

mkdir -p "$RUN" "$SLOGS" "$DATA" "$KUBE"
"$STACK_LIB_DIR/pki.sh"
KUBECTL=$STACK_BIN/kubectl
APISERVER_URL=https://$HOST:$APISERVER_PORT

# ------------------------------------------------------------------------------------- etcd
# A fresh etcd means an empty cluster: an apiserver still running against the old one would serve
# stale caches, so restart it too.
if ! svc_pid etcd >/dev/null && svc_pid kube-apiserver >/dev/null; then stop_service kube-apiserver; fi
etcd_health() { [[ $(curl -s --max-time 2 "http://$HOST:$ETCD_PORT/health") == *'"health":"true"'* ]]; }
start_service etcd 30 etcd_health "$ETCD_PORT $ETCD_PEER_PORT" -- "$STACK_BIN/etcd" \
  --name=node0 --data-dir="$DATA/etcd" \
  --listen-client-urls="http://$HOST:$ETCD_PORT" --advertise-client-urls="http://$HOST:$ETCD_PORT" \
  --listen-peer-urls="http://$HOST:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://$HOST:$ETCD_PEER_PORT" \
  --initial-cluster="node0=http://$HOST:$ETCD_PEER_PORT" --listen-metrics-urls="" \
  --unsafe-no-fsync=true --auto-compaction-retention=1 --quota-backend-bytes=8589934592 \
  --max-request-bytes=8388608 --log-level=warn

# ------------------------------------------------------------------------------ kube-apiserver
apiserver_health() {
  [[ $(curl -s --max-time 3 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
        "$APISERVER_URL/readyz") == ok ]]
}
start_service kube-apiserver 120 apiserver_health "$APISERVER_PORT" -- "$STACK_BIN/kube-apiserver" \
  --etcd-servers="http://$HOST:$ETCD_PORT" \
  --bind-address=$HOST --advertise-address=$HOST --secure-port="$APISERVER_PORT" \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.0.0.0/24 \
  --authorization-mode=Node,RBAC --allow-privileged=true \
  --endpoint-reconciler-type=none \
  --kubelet-preferred-address-types=InternalIP \
  --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
  --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
  --enable-priority-and-fairness=false --profiling=false \
  --feature-gates=PodLogsQuerySplitStreams=true \
  --cert-dir="$DATA/kube-apiserver"

# kubeconfigs ----------------------------------------------------------------------------------
b64() { base64 -w0 < "$1"; }
write_kubeconfig() { # FILE USER-STANZA
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: $APISERVER_URL
    certificate-authority-data: $(b64 "$PKI/ca.crt")
contexts:
- name: local
  context: {cluster: local, user: user, namespace: argo}
current-context: local
users:
- name: user
  user:
$2
EOF
  chmod 600 "$1"
}
write_kubeconfig "$KUBE/admin.kubeconfig" "    client-certificate-data: $(b64 "$PKI/admin.crt")
    client-key-data: $(b64 "$PKI/admin.key")"
k() { "$KUBECTL" --kubeconfig "$KUBE/admin.kubeconfig" "$@"; }

# Kubernetes objects ------------------------------------------------------------------------------
slog "applying Argo $ARGO_CRDS_FLAVOR CRDs, namespace argo, RBAC, service-account token"
bootstrap_log=$SLOGS/kube-bootstrap.log
kboot() {
  if ! "$@" >>"$bootstrap_log" 2>&1; then
    slog "ERROR: Kubernetes bootstrap step failed: $*"; slog "  log: $bootstrap_log; last 20 lines:"
    tail -n 20 "$bootstrap_log" | sed 's/^/    | /' >&2; exit 1
  fi
}
: > "$bootstrap_log"
MANIFESTS=${ARGO_MANIFESTS:-$(cd "$STACK_ROOT/.." && pwd)/shared/argo-v4.1.2/manifests}
[[ -d $MANIFESTS/crds/$ARGO_CRDS_FLAVOR ]] || { slog "ERROR: Argo manifests not found at $MANIFESTS (set ARGO_MANIFESTS)"; exit 1; }
QS=$MANIFESTS/quick-start/base
crd_files=(); for f in "$MANIFESTS/crds/$ARGO_CRDS_FLAVOR"/argoproj.io_*.yaml; do crd_files+=(-f "$f"); done
kboot k apply --server-side --force-conflicts --field-manager=argoexec-ts-stack "${crd_files[@]}"
kboot k wait --for condition=established --timeout=60s crd --all
# Established is not enough: right after creation a CRD's storage answers 429 "storage is
# (re)initializing" for a moment. Wait until every Argo resource can be listed.
for r in workflows workflowtemplates clusterworkflowtemplates cronworkflows workfloweventbindings \
         workflowtasksets workflowtaskresults workflowartifactgctasks; do
  for i in $(seq 1 120); do k get "$r.argoproj.io" -A -o name >/dev/null 2>&1 && break; sleep 0.5; done
  kboot k get "$r.argoproj.io" -A -o name
done
kboot k apply --server-side --field-manager=argoexec-ts-stack -f - <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: argo}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: argo}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: default}
EOF
# The quick-start roles and bindings, verbatim, into namespace argo.
for f in executor/emissary/executor-role.yaml executor-default-rolebinding.yaml agent-role.yaml \
         agent-default-rolebinding.yaml artifactgc-role.yaml artifactgc-default-rolebinding.yaml \
         minio/my-minio-cred-secret.yaml httpbin/my-httpbin-cred-secret.yaml; do
  kboot k apply --server-side --force-conflicts --field-manager=argoexec-ts-stack -n argo -f "$QS/$f"
done
# What kube-controller-manager would create: kube-root-ca.crt in every namespace we use, and the
# token of the quick-start's default.service-account-token Secret.
for ns in argo default; do
  k create configmap kube-root-ca.crt -n "$ns" --from-file=ca.crt="$PKI/ca.crt" --dry-run=client -o yaml \
    | kboot k apply --server-side --force-conflicts --field-manager=argoexec-ts-stack -f -
done
sa_uid=$(k get serviceaccount default -n argo -o jsonpath='{.metadata.uid}')
[[ -n $sa_uid ]] || { slog "ERROR: could not read the uid of ServiceAccount argo/default"; exit 1; }
token=$("$STACK_LIB_DIR/sa-token.sh" argo default default.service-account-token "$sa_uid")
printf '%s' "$token" > "$PKI/executor.token"; chmod 600 "$PKI/executor.token"
sa_token_secret argo default "$sa_uid" "$token" | kboot k apply --server-side --force-conflicts --field-manager=argoexec-ts-stack -f -
write_kubeconfig "$KUBE/executor.kubeconfig" "    token: $token"

# ------------------------------------------------------------------------------------- S3: MinIO
minio_health() { [[ $(http_code "http://$HOST:$MINIO_PORT/minio/health/ready") == 200 ]]; }
# MINIO_SCANNER_SPEED=slowest: MinIO's data scanner (usage statistics, lifecycle, healing — nothing a test uses)
# otherwise re-reads every object each minute at ~7 % of a core; with the bench's 70,000 small objects that is minutes
# of background work after every row, which the bench waits out before each run (decision D43).
start_service minio 60 minio_health "$MINIO_PORT $MINIO_CONSOLE_PORT" -- env MINIO_ROOT_USER=$S3_ACCESS_KEY MINIO_ROOT_PASSWORD=$S3_SECRET_KEY \
  MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off MINIO_REGION=$S3_REGION MINIO_SCANNER_SPEED=slowest \
  "$STACK_BIN/minio" server "$DATA/minio" --address "$HOST:$MINIO_PORT" --console-address "$HOST:$MINIO_CONSOLE_PORT" --quiet

# ----------------------------------------------------------------------------------- S3: versitygw
versity_health() { [[ $(http_code "http://$HOST:$VERSITY_PORT/health") == 200 ]]; }
start_service versitygw 60 versity_health "$VERSITY_PORT" -- env ROOT_ACCESS_KEY=$S3_ACCESS_KEY ROOT_SECRET_KEY=$S3_SECRET_KEY \
  "$STACK_BIN/versitygw" --port "$HOST:$VERSITY_PORT" --region "$S3_REGION" --health /health \
  posix "$DATA/versitygw"

make_buckets() { # ENDPOINT NAME
  local ep=$1 b code
  for b in $S3_BUCKETS; do
    code=$(s3_curl "$ep" PUT "/$b" -o /dev/null -w '%{http_code}')
    case $code in 200|409) ;; *) slog "ERROR: creating bucket $b on $2 ($ep) answered HTTP $code"; exit 1 ;; esac
  done
}
make_buckets "http://$HOST:$MINIO_PORT" minio
make_buckets "http://$HOST:$VERSITY_PORT" versitygw

# ---------------------------------------------------------------------------------------- Azurite
azurite_health() { [[ $(http_code "http://$HOST:$AZURITE_BLOB_PORT/") != 000 ]]; }
start_service azurite 60 azurite_health "$AZURITE_BLOB_PORT" -- env "AZURITE_ACCOUNTS=$AZURITE_ACCOUNT:$AZURITE_KEY" \
  "$NODE" "$AZURITE_BLOB_JS" --blobHost $HOST --blobPort "$AZURITE_BLOB_PORT" \
  --location "$DATA/azurite" --loose --skipApiVersionCheck --disableProductStyleUrl \
  --disableTelemetry   # Azurite otherwise sends telemetry off-machine
kboot "$NODE" "$STACK_LIB_DIR/azure-container.mjs" "http://$HOST:$AZURITE_BLOB_PORT/$AZURITE_ACCOUNT" \
  "$AZURITE_ACCOUNT" "$AZURITE_KEY" "$AZURITE_CONTAINER"

# ---------------------------------------------------------------------------------- fake-gcs-server
gcs_health() { [[ $(http_code "http://$HOST:$FAKE_GCS_PORT/storage/v1/b") == 200 ]]; }
start_service fake-gcs 60 gcs_health "$FAKE_GCS_PORT" -- "$STACK_BIN/fake-gcs-server" -scheme http -host $HOST -port "$FAKE_GCS_PORT" \
  -backend filesystem -filesystem-root "$DATA/fake-gcs" \
  -public-host "$HOST:$FAKE_GCS_PORT" -external-url "http://$HOST:$FAKE_GCS_PORT" -log-level warn
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data "{\"name\":\"$GCS_BUCKET\"}" "http://$HOST:$FAKE_GCS_PORT/storage/v1/b?project=test")
case $code in 200|409) ;; *) slog "ERROR: creating GCS bucket $GCS_BUCKET answered HTTP $code"; exit 1 ;; esac

# ---------------------------------------------------------------------------------------- httpbin
httpbin_health() { [[ $(http_code "http://$HOST:$HTTPBIN_PORT/get") == 200 ]]; }
start_service httpbin 30 httpbin_health "$HTTPBIN_PORT" -- "$STACK_BIN/go-httpbin" -host $HOST -port "$HTTPBIN_PORT" \
  -max-body-size 268435456 -max-duration 60s

# ---------------------------------------------------------------------------------------- OSS fake
# Objects live in a temporary directory of the process (removed on SIGTERM): nothing to keep between runs.
oss_health() { [[ $(http_code "http://$HOST:$OSS_PORT/") == 403 ]]; }   # unsigned ListBuckets: AccessDenied
start_service oss-fake 30 oss_health "$OSS_PORT" -- env "OSS_BUCKETS=$OSS_BUCKETS" "OSS_ACCESS_KEY=$OSS_ACCESS_KEY" \
  "OSS_SECRET_KEY=$OSS_SECRET_KEY" "$NODE" "$STACK_ROOT/test/support/oss-server.ts" "$OSS_PORT"

# ---------------------------------------------------------------------------------- PostgreSQL
# The workflow-controller's synchronization database (Argo's postgres profile; cluster-up points the controller at it).
postgres_health() { "$STACK_LIB_DIR/postgres.sh" health "$POSTGRES_PORT"; }
start_service postgres 60 postgres_health "$POSTGRES_PORT" -- env "POSTGRES_PASSWORD=$POSTGRES_PASSWORD" \
  "$STACK_LIB_DIR/postgres.sh" run "$DATA/postgres" "$POSTGRES_PORT"

# ---------------------------------------------------------------------------------- Artifactory
# A stand-in for Artifactory's generic repositories (no Artifactory can be installed here): objects in a temporary
# directory of the process (removed on SIGTERM).
artifactory_health() { [[ $(http_code "http://$HOST:$ARTIFACTORY_PORT/artifactory/api/system/ping") == 200 ]]; }
start_service artifactory 30 artifactory_health "$ARTIFACTORY_PORT" -- env "ARTIFACTORY_USER=$ARTIFACTORY_USER" \
  "ARTIFACTORY_PASSWORD=$ARTIFACTORY_PASSWORD" "ARTIFACTORY_REPOS=$ARTIFACTORY_REPOS" "$NODE" "$STACK_ROOT/test/support/artifactory-server.ts" "$ARTIFACTORY_PORT"

# -------------------------------------------------------------------------------------------- git
# A bare test repository (README.md, hello.txt, a sub-directory, tag v1.0.0, branch "dev") served
# read-only by `git daemon` (git://) and by `git http-backend` behind a tiny Node server (http://,
# anonymous reads; /auth/… requires basic auth admin/password).
GITROOT=$DATA/git-repos
make_git_repo() {
  [[ -d $GITROOT/$GIT_REPO ]] && return 0
  local w; w=$(mktemp -d)
  (
    set -e; cd "$w"
    git init -q -b main .
    git config user.email stack@localhost; git config user.name "argoexec-ts stack"
    printf '# argo-test\nA repository for Argo git-artifact tests.\n' > README.md
    printf 'hello world\n' > hello.txt
    mkdir -p dir/sub; printf 'nested\n' > dir/sub/nested.txt
    git add -A; GIT_COMMITTER_DATE='2024-01-01T00:00:00Z' git commit -q --date='2024-01-01T00:00:00Z' -m 'initial commit'
    git tag v1.0.0
    git checkout -q -b dev; printf 'dev branch\n' > dev.txt; git add dev.txt
    GIT_COMMITTER_DATE='2024-01-02T00:00:00Z' git commit -q --date='2024-01-02T00:00:00Z' -m 'dev commit'
    git checkout -q main
    mkdir -p "$GITROOT"; git clone -q --bare . "$GITROOT/$GIT_REPO"
    git -C "$GITROOT/$GIT_REPO" config http.receivepack false
  ) || { rm -rf "$w"; slog "ERROR: creating the git test repository failed"; exit 1; }
  rm -rf "$w"
}
# A stand-in for github.com/argoproj-labs/go-git (Argo's TestGitArtifactDepthClone and TestGitArtifactAtWorkingDir
# clone its master branch at depth 1 and look for README.md): the e2e runner points the URL here.
make_git_stand_in() {
  local repo=$GITROOT/argoproj-labs/go-git.git
  [[ -d $repo ]] && return 0
  local w; w=$(mktemp -d)
  (
    set -e; cd "$w"
    git init -q -b master .
    git config user.email stack@localhost; git config user.name "argoexec-ts stack"
    printf '# go-git (stand-in)\nThe stack'"'"'s stand-in for github.com/argoproj-labs/go-git.\n' > README.md
    GIT_COMMITTER_DATE='2024-01-01T00:00:00Z' git add README.md && git commit -q --date='2024-01-01T00:00:00Z' -m 'first'
    printf 'package git\n' > git.go; git add git.go
    GIT_COMMITTER_DATE='2024-01-02T00:00:00Z' git commit -q --date='2024-01-02T00:00:00Z' -m 'second (depth 1 fetches only this one)'
    mkdir -p "$(dirname "$repo")"; git clone -q --bare . "$repo"
    git -C "$repo" config http.receivepack false
  ) || { rm -rf "$w"; slog "ERROR: creating the go-git stand-in repository failed"; exit 1; }
  rm -rf "$w"
}
# A stand-in for github.com/argoproj/argo-workflows (Argo's functional/git-clone-test.yaml clones it at HEAD, HEAD~3,
# branch release-2.1, tag v2.1.1, the default branch and a commit by full and short hash, then reads VERSION): five
# commits on master with fixed dates, so that their hashes are the same on every machine (the e2e variant names one).
make_argo_stand_in() {
  local repo=$GITROOT/argoproj/argo-workflows.git
  [[ -d $repo ]] && return 0
  local w; w=$(mktemp -d)
  (
    set -e; cd "$w"
    git init -q -b master .
    git config user.email stack@localhost; git config user.name "argoexec-ts stack"
    local i
    for i in 0 1 2 3 4; do
      printf 'v2.%d.0\n' "$i" > VERSION; git add VERSION
      GIT_COMMITTER_DATE="2024-01-0$((i + 1))T00:00:00Z" git commit -q --date="2024-01-0$((i + 1))T00:00:00Z" -m "version v2.$i.0"
      if (( i == 1 )); then
        git checkout -q -b release-2.1; printf 'v2.1.1\n' > VERSION; git add VERSION
        GIT_COMMITTER_DATE='2024-01-02T12:00:00Z' git commit -q --date='2024-01-02T12:00:00Z' -m 'version v2.1.1'
        git tag v2.1.1; git checkout -q master
      fi
    done
    mkdir -p "$(dirname "$repo")"; git clone -q --bare . "$repo"
    git -C "$repo" config http.receivepack false
  ) || { rm -rf "$w"; slog "ERROR: creating the argo-workflows stand-in repository failed"; exit 1; }
  rm -rf "$w"
}
if ! svc_pid git-daemon >/dev/null || ! svc_pid git-http >/dev/null; then rm -rf "$GITROOT"; fi
make_git_repo
make_git_stand_in
make_argo_stand_in
git_daemon_health() { git ls-remote "git://$HOST:$GIT_DAEMON_PORT/$GIT_REPO" HEAD; }
start_service git-daemon 30 git_daemon_health "$GIT_DAEMON_PORT" -- git daemon --base-path="$GITROOT" --export-all --reuseaddr \
  --listen=$HOST --port="$GIT_DAEMON_PORT" --informative-errors "$GITROOT"
git_http_health() { git ls-remote "http://$HOST:$GIT_HTTP_PORT/$GIT_REPO" HEAD; }
start_service git-http 30 git_http_health "$GIT_HTTP_PORT" -- env GIT_PROJECT_ROOT="$GITROOT" GIT_HTTP_USER=admin GIT_HTTP_PASSWORD=password \
  "$NODE" "$STACK_LIB_DIR/git-http.mjs" $HOST "$GIT_HTTP_PORT"

# ---------------------------------------------------------------------------------------- git over SSH
# OpenSSH's sshd on loopback serving the same repositories over SSH (git artifacts' sshPrivateKeySecret). Keys are
# made once under .stack/ssh: an ed25519 host key, an ed25519 user key (OpenSSH format) and an RSA user key (PEM),
# both authorized for user root, whose sessions can only run git-shell (git-upload-pack/receive-pack). Clients
# verify the host with .stack/ssh/known_hosts ("[127.0.0.1]:PORT <key>").
SSHD=/usr/sbin/sshd
SSHD_DIR=$STACK_DIR/ssh
[[ -x $SSHD ]] || { slog "ERROR: $SSHD not found (make system-deps installs openssh-server)"; exit 1; }
if [[ ! -f $SSHD_DIR/host_ed25519_key || ! -f $SSHD_DIR/user_ed25519 || ! -f $SSHD_DIR/user_rsa.pem ]]; then
  stop_service git-sshd
  rm -rf "${SSHD_DIR:?}"; mkdir -p "$SSHD_DIR"; chmod 700 "$SSHD_DIR"
  ssh-keygen -q -t ed25519 -N '' -C argoexec-ts-stack-host -f "$SSHD_DIR/host_ed25519_key"
  ssh-keygen -q -t ed25519 -N '' -C argoexec-ts-stack-user -f "$SSHD_DIR/user_ed25519"
  ssh-keygen -q -t rsa -b 3072 -m PEM -N '' -C argoexec-ts-stack-user-rsa -f "$SSHD_DIR/user_rsa.pem"
fi
cat "$SSHD_DIR/user_ed25519.pub" "$SSHD_DIR/user_rsa.pem.pub" > "$SSHD_DIR/authorized_keys"
printf '[%s]:%s %s\n' "$HOST" "$GIT_SSH_PORT" "$(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519_key.pub")" > "$SSHD_DIR/known_hosts"
cat > "$SSHD_DIR/sshd_config" <<EOF
# Written by stack/up.sh
ListenAddress $HOST:$GIT_SSH_PORT
HostKey $SSHD_DIR/host_ed25519_key
PidFile none
AuthorizedKeysFile $SSHD_DIR/authorized_keys
StrictModes no
AllowUsers root
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
DisableForwarding yes
PermitTTY no
PermitUserRC no
PermitUserEnvironment no
PrintMotd no
ForceCommand /usr/bin/git-shell -c "\$SSH_ORIGINAL_COMMAND"
LogLevel VERBOSE
EOF
mkdir -p /run/sshd   # sshd's privilege-separation directory
GIT_SSH_URL=ssh://root@$HOST:$GIT_SSH_PORT$GITROOT/$GIT_REPO
git_ssh() {
  GIT_SSH_COMMAND="ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$SSHD_DIR/known_hosts -o GlobalKnownHostsFile=/dev/null -i $SSHD_DIR/user_ed25519" git "$@"
}
git_sshd_health() { git_ssh ls-remote "$GIT_SSH_URL" HEAD; }
start_service git-sshd 30 git_sshd_health "$GIT_SSH_PORT" -- "$SSHD" -D -e -f "$SSHD_DIR/sshd_config"

# ------------------------------------------------------------------------------------------- HDFS
# NameNode + two DataNodes in one JVM (stack/hdfs.sh: Hadoop $HADOOP_VERSION's MiniDFSCluster), loopback only, a freshly
# formatted name directory on each start; ready once it wrote $DATA/hdfs/ready.
"$STACK_LIB_DIR/hdfs.sh" built || { slog "ERROR: the HDFS peer is not built: run stack/build.sh hdfs"; exit 1; }
hdfs_health() { "$STACK_LIB_DIR/hdfs.sh" health "$DATA/hdfs"; }
mapfile -d '' HDFS_ARGV < <("$STACK_LIB_DIR/hdfs.sh" argv "$HDFS_PORT" "$DATA/hdfs")
start_service hdfs 180 hdfs_health "$HDFS_PORT" -- "${HDFS_ARGV[@]}"

check_loopback || { slog "stopping: everything must listen on 127.0.0.1 only"; exit 1; }

# ------------------------------------------------------------------------------------------ .stack/env
env_tmp=$STACK_DIR/env.tmp
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
  echo "# Written by stack/up.sh at $(date -u +%FT%TZ). Source it: . .stack/env"
  echo "export STACK_DIR=$(q "$STACK_DIR")"
  echo "export STACK_BIN=$(q "$STACK_BIN")"
  echo "# Kubernetes $K8S_VERSION (etcd $ETCD_VERSION)"
  echo "export KUBECONFIG=$(q "$KUBE/admin.kubeconfig")"
  echo "export EXECUTOR_KUBECONFIG=$(q "$KUBE/executor.kubeconfig")"
  echo "export EXECUTOR_TOKEN_FILE=$(q "$PKI/executor.token")"
  echo "export KUBE_APISERVER_URL=$(q "$APISERVER_URL")"
  echo "export KUBE_CA_FILE=$(q "$PKI/ca.crt")"
  echo "export KUBE_ADMIN_CERT_FILE=$(q "$PKI/admin.crt")"
  echo "export KUBE_ADMIN_KEY_FILE=$(q "$PKI/admin.key")"
  echo "export KUBE_SA_KEY_FILE=$(q "$PKI/sa.key")"
  echo "export KUBELET_CLIENT_CERT_FILE=$(q "$PKI/apiserver-kubelet-client.crt")"
  echo "export KUBECTL=$(q "$KUBECTL")"
  echo "export ARGO_NAMESPACE=argo"
  echo "export ETCD_ENDPOINT=$(q "http://$HOST:$ETCD_PORT")"
  echo "# S3 (path-style; buckets: $S3_BUCKETS)"
  echo "export S3_BUCKETS=$(q "$S3_BUCKETS")"
  echo "export S3_MINIO_ENDPOINT=$(q "http://$HOST:$MINIO_PORT")"
  echo "export S3_MINIO_ACCESS_KEY=$(q "$S3_ACCESS_KEY")"
  echo "export S3_MINIO_SECRET_KEY=$(q "$S3_SECRET_KEY")"
  echo "export S3_MINIO_REGION=$(q "$S3_REGION")"
  echo "export S3_VERSITY_ENDPOINT=$(q "http://$HOST:$VERSITY_PORT")"
  echo "export S3_VERSITY_ACCESS_KEY=$(q "$S3_ACCESS_KEY")"
  echo "export S3_VERSITY_SECRET_KEY=$(q "$S3_SECRET_KEY")"
  echo "export S3_VERSITY_REGION=$(q "$S3_REGION")"
  echo "# Azure Blob (Azurite $AZURITE_VERSION, path-style account URL)"
  echo "export AZURITE_BLOB_ENDPOINT=$(q "http://$HOST:$AZURITE_BLOB_PORT/$AZURITE_ACCOUNT")"
  echo "export AZURITE_ACCOUNT=$(q "$AZURITE_ACCOUNT")"
  echo "export AZURITE_ACCOUNT_KEY=$(q "$AZURITE_KEY")"
  echo "export AZURITE_CONTAINER=$(q "$AZURITE_CONTAINER")"
  echo "export AZURITE_CONNECTION_STRING=$(q "DefaultEndpointsProtocol=http;AccountName=$AZURITE_ACCOUNT;AccountKey=$AZURITE_KEY;BlobEndpoint=http://$HOST:$AZURITE_BLOB_PORT/$AZURITE_ACCOUNT;")"
  echo "# GCS (fake-gcs-server $FAKE_GCS_VERSION, JSON API over plain HTTP, no auth)"
  echo "export GCS_ENDPOINT=$(q "http://$HOST:$FAKE_GCS_PORT")"
  echo "export GCS_BUCKET=$(q "$GCS_BUCKET")"
  echo "export STORAGE_EMULATOR_HOST=$(q "http://$HOST:$FAKE_GCS_PORT")"
  echo "# Alibaba OSS fake (test/support/oss-server.ts, V1 signatures verified; buckets: $OSS_BUCKETS)"
  echo "export OSS_ENDPOINT=$(q "http://$HOST:$OSS_PORT")"
  echo "export OSS_ACCESS_KEY=$(q "$OSS_ACCESS_KEY")"
  echo "export OSS_SECRET_KEY=$(q "$OSS_SECRET_KEY")"
  echo "export OSS_BUCKETS=$(q "$OSS_BUCKETS")"
  echo "# PostgreSQL (the controller's synchronization database)"
  echo "export POSTGRES_HOST=$HOST"
  echo "export POSTGRES_PORT=$(q "$POSTGRES_PORT")"
  echo "export POSTGRES_USER=$(q "$POSTGRES_USER")"
  echo "export POSTGRES_PASSWORD=$(q "$POSTGRES_PASSWORD")"
  echo "# Artifactory stand-in (test/support/artifactory-server.ts; repositories: $ARTIFACTORY_REPOS)"
  echo "export ARTIFACTORY_URL=$(q "http://$HOST:$ARTIFACTORY_PORT/artifactory")"
  echo "export ARTIFACTORY_USER=$(q "$ARTIFACTORY_USER")"
  echo "export ARTIFACTORY_PASSWORD=$(q "$ARTIFACTORY_PASSWORD")"
  echo "# HTTP (go-httpbin $GO_HTTPBIN_VERSION) and git"
  echo "export HTTPBIN_URL=$(q "http://$HOST:$HTTPBIN_PORT")"
  echo "export GIT_URL=$(q "git://$HOST:$GIT_DAEMON_PORT/$GIT_REPO")"
  echo "export GIT_HTTP_URL=$(q "http://$HOST:$GIT_HTTP_PORT/$GIT_REPO")"
  echo "export GIT_HTTP_AUTH_URL=$(q "http://$HOST:$GIT_HTTP_PORT/auth/$GIT_REPO")"
  echo "export GIT_HTTP_USER=admin"
  echo "export GIT_HTTP_PASSWORD=password"
  echo "# git over SSH (OpenSSH sshd; user root, git-shell only; host key in GIT_SSH_KNOWN_HOSTS)"
  echo "export GIT_SSH_URL=$(q "$GIT_SSH_URL")"
  echo "export GIT_SSH_SCP_URL=$(q "root@$HOST:$GIT_SSH_PORT:$GITROOT/$GIT_REPO")"
  echo "export GIT_SSH_PORT=$(q "$GIT_SSH_PORT")"
  echo "export GIT_SSH_USER=root"
  echo "export GIT_SSH_KEY_FILE=$(q "$SSHD_DIR/user_ed25519")"
  echo "export GIT_SSH_RSA_KEY_FILE=$(q "$SSHD_DIR/user_rsa.pem")"
  echo "export GIT_SSH_KNOWN_HOSTS=$(q "$SSHD_DIR/known_hosts")"
  echo "# OpenTelemetry Collector (OTLP receiver + file exporter; each tracing test starts its own)"
  echo "export OTELCOL=$(q "$STACK_BIN/otelcol")"
  echo "# HDFS (Hadoop $HADOOP_VERSION NameNode + 2 DataNodes; simple auth, any hdfsUser; / is mode 1777; 1 MiB blocks, replication 2)"
  echo "export HDFS_ADDR=$(q "$HOST:$HDFS_PORT")"
  echo "export HDFS_DATA_DIR=$(q "$DATA/hdfs")"
  echo "# Argo $ARGO_VERSION reference executor and controller (only built, not started here)"
  echo "export ARGO_REFERENCE_VERSION=$(q "$ARGO_VERSION")"
  echo "export REFERENCE_ARGOEXEC=$(q "$ARGO_BIN/argoexec")"
  echo "export WORKFLOW_CONTROLLER=$(q "$ARGO_BIN/workflow-controller")"
} > "$env_tmp"
mv "$env_tmp" "$STACK_DIR/env"
slog "stack is up in $((SECONDS - t0)) s; environment: $STACK_DIR/env (. .stack/env)"
