#!/usr/bin/env bash
# netns-run.sh SOCKET PORT PIDFILE -- CMD... : runs CMD in a private network namespace that has only
# loopback, where 127.0.0.1:PORT is forwarded (socat) to the unix SOCKET — which stack/cluster/up.sh
# bridges to the API server on the host's 127.0.0.1:PORT. Used for the workflow-controller, which
# listens on :6060 (healthz, hard-coded) on every interface: in its own namespace that is loopback only.
# Stays in the foreground as the process-group leader (stop_service signals the whole group).
set -euo pipefail
sock=$1 port=$2 pidfile=$3; shift 3; [[ ${1:-} == -- ]] && shift
unshare --net -- bash -c '
  set -e
  ip link set lo up
  socat TCP-LISTEN:"$1",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$2" &
  for i in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && break; sleep 0.1; done
  echo $$ > "$3"
  shift 3
  "$@" &
  cmd=$!
  trap "kill -TERM $cmd 2>/dev/null" TERM INT
  rc=0
  while kill -0 "$cmd" 2>/dev/null; do wait "$cmd" && rc=0 || rc=$?; done
  kill %1 2>/dev/null || true # the socat: nothing else ends it when the command exits on its own (a crash)
  exit "$rc"' _ "$port" "$sock" "$pidfile" "$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
wait "$child"
