#!/usr/bin/env bash
# netns-run.sh PIDFILE PORT=SOCKET [PORT=SOCKET...] -- CMD... : runs CMD in a private network namespace that has only
# loopback, where each 127.0.0.1:PORT is forwarded (socat) to its unix SOCKET — which stack/cluster/up.sh bridges to
# the same port on the host's 127.0.0.1 (the API server, PostgreSQL). Used for the workflow-controller, which listens
# on :6060 (healthz, hard-coded) on every interface: in its own namespace that is loopback only.
# Stays in the foreground as the process-group leader (stop_service signals the whole group).
set -euo pipefail
pidfile=$1; shift
forwards=()
while [[ $# -gt 0 && $1 != -- ]]; do forwards+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
[[ ${#forwards[@]} -gt 0 ]] || { echo "netns-run.sh: no PORT=SOCKET forward given" >&2; exit 2; }
unshare --net -- bash -c '
  set -e
  ip link set lo up
  pidfile=$1 n=$2; shift 2
  socats=()
  for f in "${@:1:$n}"; do
    port=${f%%=*} sock=${f#*=}
    socat TCP-LISTEN:"$port",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$sock" &
    socats+=($!)
    for i in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  done
  shift "$n"
  echo $$ > "$pidfile"
  "$@" &
  cmd=$!
  trap "kill -TERM $cmd 2>/dev/null" TERM INT
  rc=0
  while kill -0 "$cmd" 2>/dev/null; do wait "$cmd" && rc=0 || rc=$?; done
  kill "${socats[@]}" 2>/dev/null || true # nothing else ends them when the command exits on its own (a crash)
  exit "$rc"' _ "$pidfile" "${#forwards[@]}" "${forwards[@]}" "$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
wait "$child"
