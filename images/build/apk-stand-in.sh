#!/bin/sh
# apk in the e2e's alpine stand-in (a busybox root, images/build/build.sh): `apk update` has no index to fetch;
# `apk add NAME…` installs each NAME from /usr/lib/apk-stand-in/NAME (a tree copied into /), and refuses an unknown
# one as apk does. Only what Argo's examples call (sidecar.yaml: apk update && apk add curl).
set -e
store=/usr/lib/apk-stand-in
case "${1:-}" in
  update)
    echo "OK: argoexec-ts e2e stand-in, no package index"
    ;;
  add)
    shift
    for p in "$@"; do
      case $p in -*) continue ;; esac
      if [ ! -d "$store/$p" ]; then
        echo "ERROR: unable to select packages:" >&2
        echo "  $p (no such package):" >&2
        exit 1
      fi
    done
    for p in "$@"; do
      case $p in -*) continue ;; esac
      cp -a "$store/$p/." /
      echo "(stand-in) Installing $p"
    done
    echo "OK"
    ;;
  *)
    echo "apk (argoexec-ts e2e stand-in): only 'update' and 'add' are available" >&2
    exit 1
    ;;
esac
