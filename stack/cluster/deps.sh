#!/usr/bin/env bash
# Debian packages the e2e cluster needs (idempotent; run as root):
#   gcc, pkg-config, libseccomp-dev — runc's seccomp support (containerd 2.x + runc are built by build-runtime.sh:
#                        Debian 12's containerd 1.6.20 cannot mount image volumes)
#   containernetworking-plugins — the loopback CNI plugin (/usr/lib/cni)
#   iptables, conntrack, ethtool, socat, ebtables — tools kubelet probes for (only warnings when absent)
#   busybox-static, debootstrap, musl-tools, jq, curl, ca-certificates — user images (images/build/)
set -euo pipefail
pkgs=(gcc pkg-config libseccomp-dev containernetworking-plugins iptables conntrack socat ethtool busybox-static debootstrap musl-tools jq curl ca-certificates)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if (( ${#missing[@]} )); then
  echo "[cluster-deps] installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y --no-install-recommends "${missing[@]}"; }
fi
# Our containerd runs with its own config and socket (stack/cluster/up.sh).
