#!/usr/bin/env bash
# `make cluster-up EXECUTOR=ts|go [LAYOUT=classic|initless]`: a one-node Kubernetes cluster on top of the local stack, loopback
# only, with the real workflow-controller using our executor image (ts) or the Go reference (go).
#   stack (etcd, kube-apiserver, MinIO, …)  ← stack/up.sh
#   containerd 2.2 + runc 1.3               ← stack/cluster/build-runtime.sh (Go modules); private socket under .stack/cluster/containerd
#   kubelet, kube-scheduler, kube-controller-manager v1.36.3  ← stack/cluster/build.sh (same throwaway module as the apiserver)
#   local images (no registry)              ← images/build/build.sh, imported with ctr
#   MutatingAdmissionPolicy                 ← host network, imagePullPolicy Never, KUBERNETES_SERVICE_HOST=127.0.0.1
#   workflow-controller (out of cluster)    ← admin kubeconfig, own network namespace (its :6060 stays private)
# Idempotent: running services are kept; the controller is restarted when EXECUTOR or LAYOUT changes.
# Env: EXECUTOR=ts|go (default ts), LAYOUT=classic|initless (default classic: init + wait containers;
#      initless: the controller's initlessPod, supervisor container + the executor image mounted at
#      /argo-bin as an image volume), CLUSTER_SKIP_IMAGES=1 (don't rebuild/import images).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
EXECUTOR=${EXECUTOR:-ts}
case $EXECUTOR in
  ts) EXECUTOR_IMAGE=localhost/argoexec-ts:e2e ;;
  go) EXECUTOR_IMAGE=localhost/argoexec-go:$ARGO_VERSION ;;
  *) clog "EXECUTOR must be ts or go (got '$EXECUTOR')"; exit 2 ;;
esac
case $LAYOUT in
  classic) INITLESS=false ;;
  initless) INITLESS=true ;;
  *) clog "LAYOUT must be classic or initless (got '$LAYOUT')"; exit 2 ;;
esac
t0=$SECONDS

"$STACK_LIB_DIR/up.sh"
"$CLUSTER_LIB_DIR/deps.sh"
"$CLUSTER_LIB_DIR/build.sh"
"$CLUSTER_LIB_DIR/build-runtime.sh"
resolve_ctr # ours exists only now on a fresh machine
for t in socat unshare ip; do command -v $t >/dev/null || { clog "ERROR: $t not found"; exit 1; }; done
mkdir -p "$CL" "$CTRD_DIR" "$CL/cni" "$KUBELET_DIR" "$CL/bridge"

# ------------------------------------------------------------------------------------------- PKI
(
  cd "$PKI"; umask 077
  sign() { # NAME SUBJECT EXT
    [[ -f $1.crt ]] && return 0
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    printf '%s\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 3650 -sha256 -extfile "$1.ext" 2>/dev/null
    rm -f "$1.csr" "$1.ext"; chmod 644 "$1.crt"
  }
  # the kubelet's identity for the Node authorizer, and its serving cert (apiserver → kubelet: exec, logs)
  sign kubelet-client "/O=system:nodes/CN=system:node:$NODE_NAME" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  sign kubelet-serving "/CN=$NODE_NAME" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:$NODE_NAME"
)
b64() { base64 -w0 < "$1"; }
kubeconfig() { # FILE CERT KEY
  cat > "$1" <<EOK
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://$HOST:$APISERVER_PORT", certificate-authority-data: $(b64 "$PKI/ca.crt")}
contexts:
- name: local
  context: {cluster: local, user: user, namespace: argo}
current-context: local
users:
- name: user
  user: {client-certificate-data: $(b64 "$2"), client-key-data: $(b64 "$3")}
EOK
  chmod 600 "$1"
}
kubeconfig "$KUBE/kubelet.kubeconfig" "$PKI/kubelet-client.crt" "$PKI/kubelet-client.key"

subst() { # FILE.in -> stdout, @VAR@ replaced
  sed -e "s|@CTRD_ROOT@|$CTRD_ROOT|g; s|@CTRD_BIN@|$CTRD_BIN|g; s|@INITLESS@|$INITLESS|g; s|@CTRD_DIR@|$CTRD_DIR|g; s|@CTRD_SOCK@|$CTRD_SOCK|g; s|@CL@|$CL|g" \
      -e "s|@STACK_CACHE@|$STACK_CACHE|g; s|@PKI@|$PKI|g; s|@KUBELET_PORT@|$KUBELET_PORT|g" \
      -e "s|@KUBELET_HEALTHZ_PORT@|$KUBELET_HEALTHZ_PORT|g; s|@APISERVER_PORT@|$APISERVER_PORT|g; s|@MINIO_PORT@|$MINIO_PORT|g" \
      -e "s|@FAKE_GCS_PORT@|$FAKE_GCS_PORT|g; s|@CLUSTER_LIB_DIR@|$CLUSTER_LIB_DIR|g; s|@POSTGRES_PORT@|$POSTGRES_PORT|g" "$1"
}

# ------------------------------------------------------------------------------------- containerd
# A containerd that is not ours (Debian's 1.6 from before the switch, or another version): the whole
# node goes down first (kubelet, pods' shims), then comes back on ours.
if pid=$(svc_pid containerd) && [[ $(readlink "/proc/$pid/exe" 2>/dev/null) != "$CTRD_BIN/containerd" ]]; then
  clog "containerd (pid $pid) is $(readlink "/proc/$pid/exe" 2>/dev/null || echo '?'), not $CTRD_BIN/containerd: restarting the node"
  "$CLUSTER_LIB_DIR/down.sh"
fi
# State written by another containerd version (task bundles, sandbox dirs) is not ours to read: start clean.
if ! svc_pid containerd >/dev/null && [[ -d $CTRD_DIR/state && $(cat "$CTRD_DIR/version" 2>/dev/null) != "$CONTAINERD_VERSION" ]]; then
  if awk -v p="$CTRD_DIR/state/" 'index($2, p) == 1 {f=1} END {exit !f}' /proc/self/mounts; then
    clog "ERROR: mounts left under $CTRD_DIR/state: run make cluster-down first"; exit 1
  fi
  clog "containerd state of another version in $CTRD_DIR/state: removed"
  rm -rf "${CTRD_DIR:?}/state"
fi
echo "$CONTAINERD_VERSION" > "$CTRD_DIR/version"
mkdir -p "$CTRD_DIR/tmp"
subst "$CLUSTER_LIB_DIR/containerd.toml.in" > "$CTRD_DIR/config.toml"
# ------------------------------------------------------------------- pod network (serving pods only)
# Pods use the host network (local-pods-policy.yaml), except those labelled argoexec-ts.e2e/netns=pod (the e2e
# runner labels the pods of workflows that serve on a port): they get a namespace of their own from the CNI plugin
# cni/argoexec-e2e-pod — an address on a bridge that lives in the node namespace made here, and the stack's
# loopback ports forwarded in (pod-forwarders.sh serves the host side). No address is added to the host
# namespace; the pod subnet is routed to a blackhole there, so nothing aimed at a pod can leave the machine.
ip netns list | grep -q "^$POD_NODE_NETNS\b" || ip netns add "$POD_NODE_NETNS"
ip -n "$POD_NODE_NETNS" link show "$POD_BRIDGE" >/dev/null 2>&1 || ip -n "$POD_NODE_NETNS" link add "$POD_BRIDGE" type bridge
ip -n "$POD_NODE_NETNS" link set "$POD_BRIDGE" up
ip route replace blackhole "$POD_SUBNET.0/24"
# every stack port the env file names (etcd's excepted: only the API server talks to it)
pod_ports=$(grep -v '^export ETCD_' "$STACK_DIR/env" | grep -o '127\.0\.0\.1:[0-9]\+' | cut -d: -f2 | sort -un | tr '\n' ' ')
fwd_health() { local p; for p in $pod_ports; do [[ -S $CL/pod-forward/$p.sock ]] || return 1; done; }
start_service pod-forwarders 10 fwd_health "" -- "$CLUSTER_LIB_DIR/pod-forwarders.sh" "$CL/pod-forward" $pod_ports
rm -f "$CL/cni/10-loopback.conflist"
jq -n --arg node "$POD_NODE_NETNS" --arg br "$POD_BRIDGE" --arg subnet "$POD_SUBNET" --arg state "$CL/cni-state" \
  --arg fwd "$CL/pod-forward" --arg ports "$pod_ports" \
  '{cniVersion: "1.0.0", name: "argoexec-e2e", plugins: [{type: "argoexec-e2e-pod", nodeNetns: $node, bridge: $br,
    subnet: $subnet, stateDir: $state, forwardDir: $fwd, ports: ($ports | split(" ") | map(select(. != "") | tonumber))}]}' \
  > "$CL/cni/10-argoexec-e2e.conflist"
mkdir -p "$CTRD_ROOT"
ctrd_health() { "${CTR[@]}" version; }
# PATH: containerd finds containerd-shim-runc-v2 there (runc: BinaryName in the config).
start_service containerd 60 ctrd_health "" -- env PATH="$CTRD_BIN:$PATH" "$CTRD_BIN/containerd" --config "$CTRD_DIR/config.toml"

# ----------------------------------------------------------------------------------------- images
if [[ ${CLUSTER_SKIP_IMAGES:-0} != 1 ]]; then
  [[ -x $STACK_ROOT/build/image/rootfs/bin/argoexec ]] || { clog "ERROR: build/image/rootfs is missing: run make build"; exit 1; }
  "$STACK_ROOT/images/build/build.sh"
  for tarball in "$STACK_CACHE"/images/*.tar; do
    # import only what changed: compare the archive's manifest digest with the imported image's
    name=$(tar -xOf "$tarball" index.json | sed -n 's/.*"io.containerd.image.name":"\([^"]*\)".*/\1/p' | head -1)
    want=$(tar -xOf "$tarball" index.json | grep -o '"digest":"sha256:[0-9a-f]*"' | head -1 | cut -d'"' -f4)
    have=$("${CTR[@]}" images ls "name==$name" 2>/dev/null | awk 'NR>1 {print $3}')
    if [[ $have != "$want" ]]; then
      clog "importing $(basename "$tarball")"
      "${CTR[@]}" images import "$tarball" >/dev/null
    fi
  done
fi

# -------------------------------------------------------------------------------------------- kubelet
subst "$CLUSTER_LIB_DIR/kubelet-config.yaml.in" > "$CL/kubelet-config.yaml"
# The kubelet sets these kernel tunables when it starts (protectKernelDefaults: false, the default);
# remember the machine's values once so cluster-down can restore them.
[[ -f $CL/sysctl.orig ]] || for s in vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes; do
  echo "$s=$(sysctl -n "$s")"; done > "$CL/sysctl.orig"
# A kubelet that outlived its API server's etcd (stack restarted) has no Node object any more: restart it.
if svc_pid kubelet >/dev/null && ! k get node "$NODE_NAME" >/dev/null 2>&1; then
  clog "node $NODE_NAME is gone (fresh etcd?): restarting the kubelet"; stop_service kubelet
fi
kubelet_health() { [[ $(curl -s --max-time 2 "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz") == ok ]]; }
start_service kubelet 120 kubelet_health "$KUBELET_PORT $KUBELET_HEALTHZ_PORT" -- "$STACK_BIN/kubelet" \
  --config="$CL/kubelet-config.yaml" --kubeconfig="$KUBE/kubelet.kubeconfig" \
  --hostname-override="$NODE_NAME" --node-ip=127.0.0.1 --containerd="$CTRD_SOCK" --root-dir="$KUBELET_DIR" --cert-dir="$CL/kubelet-pki"

clog "waiting for node $NODE_NAME to be Ready"
for i in $(seq 1 120); do
  [[ $(k get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]] && break
  sleep 1
done
[[ $(k get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]] || {
  clog "ERROR: node $NODE_NAME not Ready:"; k get node "$NODE_NAME" -o jsonpath='{range .status.conditions[*]}{.type}={.status} {.message}{"\n"}{end}' >&2
  tail -20 "$SLOGS/kubelet.log" >&2; exit 1; }
# The kubelet refuses a loopback node IP ("nodeIP can't be loopback address") and then publishes no
# address at all, so the API server could not reach it for exec/logs. Set the address ourselves: the
# kubelet keeps addresses it fails to compute (its address setter errors out before touching them).
if [[ $(k get node "$NODE_NAME" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}') != 127.0.0.1 ]]; then
  k patch node "$NODE_NAME" --subresource=status --type=merge \
    -p "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"},{\"type\":\"Hostname\",\"address\":\"$NODE_NAME\"}]}}" >/dev/null
fi
# TaintNodesByCondition admission gives a new Node node.kubernetes.io/not-ready:NoSchedule; only
# kube-controller-manager's node-lifecycle controller removes it, and there is none: remove it here.
if k get node "$NODE_NAME" -o jsonpath='{.spec.taints[*].key}' | grep -q 'node.kubernetes.io/not-ready'; then
  k taint node "$NODE_NAME" node.kubernetes.io/not-ready:NoSchedule- >/dev/null 2>&1 || true
fi

# ----------------------------------------------------------------------------------- kube-scheduler
kubeconfig "$KUBE/scheduler.kubeconfig" "$PKI/admin.crt" "$PKI/admin.key"
sched_health() { [[ $(curl -sk --max-time 2 "https://127.0.0.1:$SCHEDULER_PORT/healthz") == ok ]]; }
start_service kube-scheduler 60 sched_health "$SCHEDULER_PORT" -- "$STACK_BIN/kube-scheduler" \
  --kubeconfig="$KUBE/scheduler.kubeconfig" --authentication-kubeconfig="$KUBE/scheduler.kubeconfig" \
  --authorization-kubeconfig="$KUBE/scheduler.kubeconfig" --leader-elect=false \
  --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --cert-dir="$DATA/kube-scheduler"

# -------------------------------------------------------------------------- kube-controller-manager
# Only what the e2e cluster needs: garbage collection (pods of deleted workflows), ResourceQuota usage (the
# quota tests of Argo's e2e suites), PV binding with the test-only HostPath provisioner (PVC examples),
# PVC/PV protection, namespaces, pod GC. No node-lifecycle
# (cluster-up handles the not-ready taint), no token controllers (stack-up writes the SA token Secret).
kubeconfig "$KUBE/controller-manager.kubeconfig" "$PKI/admin.crt" "$PKI/admin.key"
kcm_health() { [[ $(curl -sk --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz") == ok ]]; }
start_service kube-controller-manager 60 kcm_health "$KCM_PORT" -- "$STACK_BIN/kube-controller-manager" \
  --kubeconfig="$KUBE/controller-manager.kubeconfig" --authentication-kubeconfig="$KUBE/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$KUBE/controller-manager.kubeconfig" --leader-elect=false \
  --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$DATA/kube-controller-manager" \
  --controllers=garbage-collector-controller,persistentvolume-binder-controller,persistentvolumeclaim-protection-controller,persistentvolume-protection-controller,namespace-controller,job-controller,pod-garbage-collector-controller,resourcequota-controller \
  --enable-hostpath-provisioner=true --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key"
k apply --server-side --force-conflicts --field-manager=argoexec-ts-cluster -f "$CLUSTER_LIB_DIR/storage.yaml" >/dev/null
# and its volumes with mode 0777, as the local-path provisioner of Argo's CI makes them (stack/cluster/pv-mode.mjs)
svc_pid pv-mode >/dev/null || rm -f "$CL/pv-mode.ready"
pv_mode_health() { [[ -f $CL/pv-mode.ready ]]; }
start_service pv-mode 10 pv_mode_health "" -- "$NODE" "$CLUSTER_LIB_DIR/pv-mode.mjs" /tmp/hostpath_pv "$CL/pv-mode.ready"

# ------------------------------------------------------------------------- admission policy, config
subst "$CLUSTER_LIB_DIR/local-pods-policy.yaml" | k apply --server-side --force-conflicts --field-manager=argoexec-ts-cluster -f - >/dev/null
# initlessPod only for that layout: v4.0.x controllers refuse the key (unknown field), and `enabled: false` is its default.
# failedPodRestart only from v4.1 (v4.0.x refuses it too).
cm_filter=(sed -e '/^#/b')
[[ $LAYOUT == initless ]] || cm_filter+=(-e '/^  initlessPod: |$/,+1d')
[[ $ARGO_VERSION == v4.0.* ]] && cm_filter+=(-e '/^  failedPodRestart: |$/,+2d')
subst "$CLUSTER_LIB_DIR/controller-configmap.yaml.in" | "${cm_filter[@]}" > "$CL/controller-configmap.yaml"
k apply --server-side --force-conflicts --field-manager=argoexec-ts-cluster -f "$CL/controller-configmap.yaml" >/dev/null
# The controller's environment, as Argo's e2e profiles set it (test-e2e/manifests/plugins: executor plugins from
# ConfigMaps and from the workflow's spec.executorPlugins; without plugin ConfigMaps nothing changes for other pods).
CTL_ENV=(LEADER_ELECTION_DISABLE=true DEFAULT_REQUEUE_TIME=1s ARGO_REMOVE_PVC_PROTECTION_FINALIZER=true
  ALWAYS_OFFLOAD_NODE_STATUS=false ARGO_PROGRESS_PATCH_TICK_DURATION=7s WORKFLOW_GC_PERIOD=30s
  ARGO_EXECUTOR_PLUGINS=true ARGO_WORKFLOW_LEVEL_EXECUTOR_PLUGINS=true)
# The controller reads some settings (the images index, its environment) at its start only: a change restarts it below.
cm_sum=$({ cat "$CL/controller-configmap.yaml"; printf '%s\n' "${CTL_ENV[@]}"; } | sha256sum | cut -c1-16)
# The rest of the quick-start's RBAC, as in Argo's own e2e environment (test/e2e/manifests/minimal builds
# on quick-start/base): the default ServiceAccount may also manage pods (pod-manager) and workflows
# (workflow-manager) from resource templates, and memoize into ConfigMaps (memoizer). cluster-down deletes
# these bindings again: the executor tests of `make test` run with the executor role alone.
QS=${ARGO_MANIFESTS:-$(cd "$STACK_ROOT/.." && pwd)/shared/argo-v4.1.2/manifests}/quick-start/base
for f in pod-manager-role.yaml pod-manager-default-rolebinding.yaml workflow-manager-role.yaml \
         workflow-manager-default-rolebinding.yaml memoizer-role.yaml memoizer-default-rolebinding.yaml; do
  k apply --server-side --force-conflicts --field-manager=argoexec-ts-cluster -n argo -f "$QS/$f" >/dev/null
done
# The synchronization database's credentials, as Argo's postgres component names them (argo-postgres-config).
k create secret generic argo-postgres-config -n argo --from-literal=username="$POSTGRES_USER" \
  --from-literal=password="$POSTGRES_PASSWORD" --dry-run=client -o yaml \
  | k apply --server-side --force-conflicts --field-manager=argoexec-ts-cluster -f - >/dev/null
# The executor plugins' ServiceAccount of Argo's e2e (test-e2e/manifests/plugins) and its token Secret, written as
# stack-up writes the default one (no token controller runs). The plugin ConfigMaps are applied by the e2e runner
# around the rows that use them only: every agent pod gets their sidecars while they exist.
PLUGINS=$(dirname "$QS")/../../test-e2e/manifests/plugins
k apply --server-side --force-conflicts --field-manager=argoexec-ts-cluster -n argo -f "$PLUGINS/hello-executor-plugin-serviceaccount.yaml" >/dev/null
plugin_sa_uid=$(k get serviceaccount hello-executor-plugin -n argo -o jsonpath='{.metadata.uid}')
[[ -n $plugin_sa_uid ]] || { clog "ERROR: could not read the uid of ServiceAccount argo/hello-executor-plugin"; exit 1; }
plugin_token=$("$STACK_LIB_DIR/sa-token.sh" argo hello-executor-plugin hello-executor-plugin.service-account-token "$plugin_sa_uid")
sa_token_secret argo hello-executor-plugin "$plugin_sa_uid" "$plugin_token" \
  | k apply --server-side --force-conflicts --field-manager=argoexec-ts-cluster -f - >/dev/null

# -------------------------------------------------------------------------------- workflow-controller
# The API server, reachable from the controller's private network namespace through a unix socket.
bridge_health() { [[ -S $CL/bridge/apiserver.sock ]]; }
start_service apiserver-bridge 10 bridge_health "" -- socat "UNIX-LISTEN:$CL/bridge/apiserver.sock,fork,unlink-early,mode=600" "TCP:127.0.0.1:$APISERVER_PORT"
# and the synchronization database (the stack's PostgreSQL)
pg_bridge_health() { [[ -S $CL/bridge/postgres.sock ]]; }
start_service postgres-bridge 10 pg_bridge_health "" -- socat "UNIX-LISTEN:$CL/bridge/postgres.sock,fork,unlink-early,mode=600" "TCP:127.0.0.1:$POSTGRES_PORT"
if svc_pid workflow-controller >/dev/null && [[ $(cat "$CL/executor" 2>/dev/null) != "$EXECUTOR_IMAGE" || $(cat "$CL/layout" 2>/dev/null || echo classic) != "$LAYOUT" || $(cat "$CL/configmap-sum" 2>/dev/null) != "$cm_sum" ]]; then
  clog "executor $EXECUTOR_IMAGE, layout $LAYOUT, configmap $cm_sum: restarting the workflow-controller"; stop_service workflow-controller
  kill_stray_controllers
fi
ctl_health() {
  local p; p=$(cat "$CL/controller.pid" 2>/dev/null) || return 1
  [[ $(nsenter -t "$p" -n curl -s --max-time 2 http://127.0.0.1:6060/healthz) == ok ]]
}
if ! svc_pid workflow-controller >/dev/null; then rm -f "$CL/controller.pid"; kill_stray_controllers; fi
echo "$EXECUTOR_IMAGE" > "$CL/executor"
echo "$LAYOUT" > "$CL/layout"
echo "$cm_sum" > "$CL/configmap-sum"
start_service workflow-controller 90 ctl_health "" -- "$CLUSTER_LIB_DIR/netns-run.sh" "$CL/controller.pid" \
  "$APISERVER_PORT=$CL/bridge/apiserver.sock" "$POSTGRES_PORT=$CL/bridge/postgres.sock" -- \
  env "${CTL_ENV[@]}" "$ARGO_BIN/workflow-controller" --kubeconfig="$KUBE/admin.kubeconfig" --namespaced --managed-namespace=argo \
  --configmap=workflow-controller-configmap --executor-image="$EXECUTOR_IMAGE" --executor-image-pull-policy=Never \
  --loglevel=info --log-format=text --workflow-workers=4 --pod-cleanup-workers=2

# The semaphore limits Argo's database examples name (their headers: INSERT INTO sync_limit …), once the controller
# has made its tables (its migration at start).
for i in $(seq 1 60); do
  POSTGRES_PASSWORD=$POSTGRES_PASSWORD "$STACK_LIB_DIR/postgres.sh" sql "$POSTGRES_PORT" \
    "INSERT INTO sync_limit (name, sizelimit) VALUES ('argo/template', 2), ('argo/workflow', 2) ON CONFLICT (name) DO UPDATE SET sizelimit = EXCLUDED.sizelimit" \
    2>/dev/null && break
  # not fatal: only the examples with database locks need it (they would wait for their lock and time out)
  (( i < 60 )) || { clog "WARNING: the controller made no sync_limit table in PostgreSQL within 30 s (see its log): database locks will not work"; break; }
  sleep 0.5
done
check_loopback || { clog "stopping: everything must listen on 127.0.0.1 only"; exit 1; }
{
  echo "# Written by stack/cluster/up.sh at $(date -u +%FT%TZ)"
  echo "export CLUSTER_EXECUTOR=$EXECUTOR"
  echo "export CLUSTER_LAYOUT=$LAYOUT"
  echo "export EXECUTOR_IMAGE='$EXECUTOR_IMAGE'"
  echo "export CLUSTER_NODE=$NODE_NAME"
  echo "export CONTAINERD_ADDRESS='$CTRD_SOCK'"
} > "$CL/env"
clog "cluster is up with EXECUTOR=$EXECUTOR ($EXECUTOR_IMAGE), LAYOUT=$LAYOUT in $((SECONDS - t0)) s; . .stack/env; . .stack/cluster/env"
