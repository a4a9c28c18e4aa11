#!/bin/bash
# Debian packages the build and the tests need (idempotent; run as root: `make system-deps`).
set -euo pipefail
PACKAGES=(
  patchelf        # reserves room for the executable's absolute interpreter/rpath (scripts/build.ts)
  libisal-dev     # Intel ISA-L: the native gunzip of tar.gz inputs (native/inflate.c, decision D35); libisal.so.2 ships in the runtime directory
  util-linux      # unshare, nsenter, mount — test pods
  socat           # forwards the stack's ports into network namespaces (test/stack/pod-netns-cni.test.ts, stack/cluster/*.sh)
  busybox-static  # portability tests: busybox-only root
  bash-static     # the e2e argosay stand-in's /bin/bash (Argo's tests run `bash -c` with $BASHPID, (( )), $RANDOM)
  musl musl-tools # portability tests: musl root
  debootstrap     # portability tests: Debian root
  openjdk-17-jdk-headless maven  # the stack's HDFS peer (stack/hdfs.sh: Hadoop from Maven Central, a tiny Java main)
  openssh-server  # the stack's sshd peer for git artifacts over SSH (only the binary: stack/up.sh runs its own on 127.0.0.1)
  postgresql-15   # the controller's synchronization database (only the binaries: stack/postgres.sh runs its own on 127.0.0.1)
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Where an init system would start the package's own sshd on every address, stop it: we only need the binary.
  if printf '%s\n' "${missing[@]}" | grep -qx openssh-server && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now ssh.service ssh.socket 2>/dev/null || true
  fi
  # The package creates and may start its own cluster (loopback, port 5432): stop it, we run ours on another port.
  if printf '%s\n' "${missing[@]}" | grep -qx postgresql-15; then
    command -v systemctl >/dev/null && [ -d /run/systemd/system ] && systemctl disable --now postgresql.service 2>/dev/null || true
    pg_ctlcluster 15 main stop 2>/dev/null || true
  fi
fi
