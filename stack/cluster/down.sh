#!/usr/bin/env bash
# `make cluster-down`: stop what stack/cluster/up.sh started (controller, scheduler, kubelet, containerd)
# by recorded pid, kill the pods' containers (their shims outlive containerd otherwise), unmount the
# kubelet's and containerd's mounts, delete the Node object and restore the kernel tunables the kubelet
# changed. The rest of the stack keeps running (make stack-down stops it). Idempotent.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
stop_service workflow-controller
kill_stray_controllers
stop_service apiserver-bridge
stop_service postgres-bridge
stop_service pv-mode
stop_service kube-scheduler
stop_service kube-controller-manager
stop_service kubelet
if svc_pid containerd >/dev/null; then
  for id in $("${CTR[@]}" tasks ls -q 2>/dev/null); do
    "${CTR[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
  done
  sleep 1
  for id in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks delete -f "$id" >/dev/null 2>&1 || true; done
  for id in $("${CTR[@]}" containers ls -q 2>/dev/null); do "${CTR[@]}" containers delete "$id" >/dev/null 2>&1 || true; done
fi
stop_service containerd
# Mounts left under the cluster dir (kubelet tmpfs volumes, containerd rootfs/shm), deepest first.
if [[ -d $CL ]]; then
  awk -v p="$CL/" 'index($2, p) == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
fi
if [[ -f $KUBE/admin.kubeconfig ]] && k get node "$NODE_NAME" >/dev/null 2>&1; then
  k delete node "$NODE_NAME" --wait=false >/dev/null 2>&1 || true
fi
# The quick-start bindings cluster-up adds for the examples (the executor tests run without them).
if [[ -f $KUBE/admin.kubeconfig ]]; then
  k delete rolebinding -n argo pod-manager-default workflow-manager-default memoizer-default --ignore-not-found >/dev/null 2>&1 || true
fi
# The pods' network (up.sh): forwarders, the node namespace with its bridge, the blackhole route.
stop_service pod-forwarders
ip netns del "$POD_NODE_NETNS" 2>/dev/null || true
ip route del blackhole "$POD_SUBNET.0/24" 2>/dev/null || true
rm -rf "$CL/cni-state"
if [[ -f $CL/sysctl.orig ]]; then
  while IFS= read -r kv; do sysctl -q -w "$kv" >/dev/null 2>&1 || true; done < "$CL/sysctl.orig"
  rm -f "$CL/sysctl.orig"
fi
rm -f "$CL/env" "$CL/executor" "$CL/layout" "$CL/controller.pid"
clog "cluster is down (the stack keeps running; make stack-down stops it)"
