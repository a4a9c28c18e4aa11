#!/usr/bin/env bash
# Debian packages the e2e cluster needs (idempotent; run as root):
#   containerd + runc  — the container runtime under the kubelet (Debian 12: containerd 1.6.20, runc 1.1.5)
#   iptables, conntrack, ethtool, socat, ebtables — tools kubelet probes for (only warnings when absent)
#   busybox-static, debootstrap — user images (images/build/)
set -euo pipefail
pkgs=(containerd runc containernetworking-plugins iptables conntrack socat ethtool busybox-static debootstrap)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if (( ${#missing[@]} )); then
  echo "[cluster-deps] installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y --no-install-recommends "${missing[@]}"; }
fi
# Debian's package enables and starts containerd.service where systemd runs; here PID 1 is not systemd,
# so nothing is started. Our containerd runs with its own config and socket (stack/cluster/up.sh).
