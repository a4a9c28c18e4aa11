#!/bin/bash
# Enter a "container" for tests: runs inside `unshare --mount --pid --fork`, builds a root with Argo's
# volume layout and execs the command there with chroot, so the command is PID 1 of its namespace.
#
#   enter-pod.sh BASE SANDBOX USER READONLY -- CMD ARGS...
#     BASE      `host` (the host's /usr and /etc, read-only) or a directory holding an image root
#     SANDBOX   directory with var-run-argo/, tmp/, argo/, mainctrfs/, termination-log, upper/, work/
#     USER      `-` for root, or UID:GID
#     READONLY  1 to make the root filesystem read-only (volumes stay writable)
#   $SANDBOX/pod.env  the command's environment, NUL-separated KEY=VALUE entries
#   EXTRA_BINDS  optional, space-separated HOSTPATH[:ro] entries bound at the same path inside
set -euo pipefail
base=$1 sbx=$2 user=$3 ro=$4
shift 4
[ "${1:-}" = "--" ] && shift
root=$sbx/root
mkdir -p "$root"
mount --make-rprivate /
if [ "$base" = host ]; then
  mount -t tmpfs -o mode=0755 rootfs "$root"
  for d in usr etc; do
    mkdir "$root/$d"
    mount --bind "/$d" "$root/$d"
    mount -o remount,bind,ro "$root/$d"
  done
  for l in bin lib lib64 sbin; do ln -s "usr/$l" "$root/$l"; done
else
  mkdir -p "$sbx/upper" "$sbx/work"
  mount -t overlay overlay -o "lowerdir=$base,upperdir=$sbx/upper,workdir=$sbx/work" "$root"
fi
# Mount points. An image's /var/run -> /run link would resolve on the host: replace it in the overlay.
if [ -L "$root/var/run" ]; then rm "$root/var/run"; fi
for d in var/run/argo tmp dev proc argo mainctrfs; do mkdir -p "$root/$d"; done
mount --bind "$sbx/var-run-argo" "$root/var/run/argo"
mount --bind "$sbx/tmp" "$root/tmp"
mount --bind "$sbx/argo" "$root/argo"
mount --bind "$sbx/mainctrfs" "$root/mainctrfs"
mount -t tmpfs -o mode=0755 dev "$root/dev"
for n in null zero random urandom full tty; do
  touch "$root/dev/$n"
  mount --bind "/dev/$n" "$root/dev/$n"
done
touch "$root/dev/termination-log"
mount --bind "$sbx/termination-log" "$root/dev/termination-log"
mount -t proc proc "$root/proc"
for spec in ${EXTRA_BINDS:-}; do
  path=${spec%%:*}
  mkdir -p "$root$path"
  mount --bind "$path" "$root$path"
  [ "${spec##*:}" = ro ] && mount -o remount,bind,ro "$root$path"
done
if [ "$ro" = 1 ]; then mount -o remount,ro "$root"; fi
# The command sees exactly the pod's environment ($SANDBOX/pod.env, NUL-separated), nothing of ours.
podenv=()
if [ -f "$sbx/pod.env" ]; then mapfile -d '' podenv < "$sbx/pod.env"; fi
userspec=()
[ "$user" != - ] && userspec=(--userspec="$user")
exec /usr/bin/env -i "${podenv[@]}" /usr/sbin/chroot "${userspec[@]}" "$root" "$@"
