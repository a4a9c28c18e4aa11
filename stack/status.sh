#!/usr/bin/env bash
# `make stack-status`: one line per service started by stack/up.sh (pid, running or not, log).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ -f $RUN/order ]] || { slog "no stack recorded in $RUN"; exit 0; }
rc=0
while read -r n; do
  if pid=$(svc_pid "$n"); then printf '%-16s running  pid %-8s log %s\n' "$n" "$pid" "$SLOGS/$n.log"
  else printf '%-16s STOPPED             log %s\n' "$n" "$SLOGS/$n.log"; rc=1; fi
done < "$RUN/order"
[[ -f $STACK_DIR/env ]] && echo "env: $STACK_DIR/env"
exit $rc
