#!/bin/sh
# quay.io/argoproj/argocli stand-in (images/build/build.sh img_argocli): the one command Argo's e2e workflows run in
# it, `argo delete -l SELECTOR [--namespace=NS | -n NS] [--loglevel=L]`, through kubectl with the pod's
# ServiceAccount, printing what the real CLI prints per workflow. Anything else fails loudly.
set -eu
[ "${1:-}" = delete ] || { echo "argo (stand-in): only \`argo delete -l SELECTOR\` is implemented, not: argo $*" >&2; exit 2; }
shift
sel=; ns=
while [ $# -gt 0 ]; do
  case $1 in
    -l|--selector) sel=$2; shift 2 ;;
    --selector=*|-l=*) sel=${1#*=}; shift ;;
    -n|--namespace) ns=$2; shift 2 ;;
    --namespace=*) ns=${1#*=}; shift ;;
    --loglevel) shift 2 ;;
    --loglevel=*) shift ;;
    *) echo "argo (stand-in): unsupported argument: $1" >&2; exit 2 ;;
  esac
done
[ -n "$sel" ] || { echo "argo (stand-in): delete needs -l SELECTOR" >&2; exit 2; }
[ -n "$ns" ] || ns=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace)
for wf in $(kubectl get workflows.argoproj.io -n "$ns" -l "$sel" -o name); do
  kubectl delete -n "$ns" "$wf" --wait=false > /dev/null
  echo "Workflow '${wf#*/}' deleted"
done
