#!/usr/bin/env bash
# The host side of the stack's ports for pods with a network namespace of their own (cni/argoexec-e2e-pod): one
# socat per port, listening on the unix socket DIR/<port>.sock and connecting to 127.0.0.1:<port>. Unix sockets
# are files, not bound to a network namespace: the pod side (socat in the pod's namespace) connects to them.
# Runs until terminated (a service of cluster-up).   Usage: pod-forwarders.sh DIR PORT...
set -euo pipefail
dir=$1; shift
mkdir -p "$dir"; chmod 700 "$dir"
trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM INT
for p in "$@"; do
  socat "UNIX-LISTEN:$dir/$p.sock,fork,unlink-early,mode=600" "TCP:127.0.0.1:$p" &
done
wait
