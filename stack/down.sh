#!/usr/bin/env bash
# `make stack-down`: stop every service stack/up.sh started, by its recorded process id
# (reverse start order), and remove .stack/env. Idempotent. Data and logs stay in .stack/ for
# post-mortems; the next stack-up wipes each service's data when it starts it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# The e2e cluster first (pod containers, mounts, kernel settings it changed), then the services.
if [[ -x "$STACK_LIB_DIR/cluster/down.sh" ]]; then "$STACK_LIB_DIR/cluster/down.sh" || true; fi
if [[ ! -d $RUN ]]; then slog "nothing to stop ($RUN does not exist)"; rm -f "$STACK_DIR/env"; exit 0; fi
names=()
[[ -f $RUN/order ]] && mapfile -t names < "$RUN/order"
# also any pid file not listed in the order file
for f in "$RUN"/*.pid; do
  [[ -e $f ]] || continue
  n=$(basename "$f" .pid)
  printf '%s\n' "${names[@]}" | grep -qx "$n" || names+=("$n")
done
for (( i=${#names[@]}-1; i>=0; i-- )); do stop_service "${names[$i]}"; done
rm -f "$RUN/order" "$STACK_DIR/env"
slog "stack is down"
