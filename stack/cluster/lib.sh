# Shared by stack/cluster/*.sh (sourced). Builds on stack/lib.sh: services started here are recorded in
# the stack's run dir like every other peer (so `make stack-down`/`stack-status` see them too).
# Per-run state of the cluster: $STACK_DIR/cluster/ (containerd socket+state, kubelet root, configs).
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"
CLUSTER_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Resolved: mount checks (containerd's image volumes, the kubelet, cluster-down) compare with /proc/mounts,
# which has no symlinks (a worktree whose .stack links to another checkout's).
CL=$(readlink -m "$STACK_DIR/cluster")
NODE_NAME=${NODE_NAME:-e2e-node}
CTRD_DIR=$CL/containerd
CTRD_SOCK=$CTRD_DIR/containerd.sock
# containerd + runc of the cluster: built from Go modules by build-runtime.sh (Debian's 1.6 cannot
# mount image volumes). $CTRD_BIN holds containerd, containerd-shim-runc-v2, ctr and runc.
CTRD_BIN=$STACK_CACHE/bin/containerd-$CONTAINERD_VERSION
# Images and snapshots persist across runs (imports are skipped when the digest matches). containerd 2
# has its own root: it migrates a 1.6 metadata database in place, which a 1.6 could not read back.
CTRD_ROOT=$STACK_CACHE/containerd/root-2
KUBELET_DIR=$CL/kubelet
# Pods with a network namespace of their own (cni/argoexec-e2e-pod): the node namespace, its bridge, a /24 for pods.
POD_NODE_NETNS=argoexec-e2e-pods
POD_BRIDGE=e2epods0
POD_SUBNET=10.244.0
: "${KUBELET_PORT:=10250}" "${KUBELET_HEALTHZ_PORT:=10248}" "${SCHEDULER_PORT:=10259}" "${KCM_PORT:=10257}"
# (Debian's ctr only when ours is not built yet, e.g. cluster-down of a cluster started before the switch).
# up.sh calls it again once build.sh has built ours: on a fresh machine there is no ctr before that.
resolve_ctr() { if [[ -x $CTRD_BIN/ctr ]]; then CTR=("$CTRD_BIN/ctr" --address "$CTRD_SOCK" -n k8s.io); else CTR=(ctr --address "$CTRD_SOCK" -n k8s.io); fi; }
resolve_ctr
# Pod layout of the workflow-controller: classic (init + wait) or initless (supervisor + /argo-bin image volume)
LAYOUT=${LAYOUT:-classic}
KUBECTL=$STACK_BIN/kubectl
k() { "$KUBECTL" --kubeconfig "$KUBE/admin.kubeconfig" "$@"; }
clog() { printf '[cluster] %s\n' "$*" >&2; }

# The workflow-controller may hang in its SIGTERM shutdown after its wrapper is gone: make sure no
# controller of this stack survives a stop/restart (two controllers with different executor images
# would both act on every workflow — LEADER_ELECTION_DISABLE=true).
kill_stray_controllers() {
  local pattern="workflow-controller --kubeconfig=$KUBE/admin.kubeconfig"
  pgrep -f "$pattern" >/dev/null || return 0
  pkill -TERM -f "$pattern" || true
  local i
  for i in $(seq 1 50); do pgrep -f "$pattern" >/dev/null || return 0; sleep 0.1; done
  clog "workflow-controller ignored SIGTERM for 5 s: SIGKILL"
  pkill -KILL -f "$pattern" || true
  for i in $(seq 1 50); do pgrep -f "$pattern" >/dev/null || return 0; sleep 0.1; done
}
