#!/bin/bash
# Debian packages the build and the tests need (idempotent; run as root: `make system-deps`).
set -euo pipefail
PACKAGES=(
  patchelf        # reserves room for the executable's absolute interpreter/rpath (scripts/build.ts)
  util-linux      # unshare, nsenter, mount — test pods
  busybox-static  # portability tests: busybox-only root
  musl musl-tools # portability tests: musl root
  debootstrap     # portability tests: Debian root
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
