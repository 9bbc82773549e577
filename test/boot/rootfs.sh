#!/bin/sh
# Builds (once per machine) the Debian rootfs the boot tests and the benchmark boot.
# Usage: rootfs.sh base|cloud-init|kernel|lvm|arm64   -> prints the path of the cached rootfs.
# (kernel: base plus a Linux kernel and initramfs, for QEMU boots; lvm: kernel plus lvm2, its
# initramfs made again to activate an LVM root; arm64: a small arm64 rootfs with its kernel,
# made through qemu-user, which needs binfmt_misc's qemu-aarch64)
# The cache lives outside the checkout; a new recipe version gets a new directory.
set -eu
kind=${1:-base}
suite=bookworm
recipe=v3
cache=${CLOUD_AGENT_CACHE:-/var/cache/cloud-agent}
base=$cache/rootfs-$suite-$recipe-base
mkdir -p "$cache"
# one builder at a time (the tests and the benchmark may ask together)
exec 9>"$cache/.lock"
flock 9

build_base() {
  # rootfses of older recipes are never used again
  for old in "$cache"/rootfs-*; do
    case $old in "$cache/rootfs-$suite-$recipe-"*) ;; *) rm -rf "$old" ;; esac
  done
  tmp=$base.tmp
  rm -rf "$tmp"
  debootstrap --include=systemd-sysv,dbus,openssh-server,sudo,ifupdown,isc-dhcp-client,time,locales,ca-certificates,systemd-timesyncd \
    "$suite" "$tmp" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1
  # Boot tests have no console login; an empty machine-id lets systemd make one per boot.
  : >"$tmp/etc/machine-id"
  chroot "$tmp" apt-get clean
  mv "$tmp" "$base"
}

# A rootfs derived from another one with more packages installed: derive NAME FROM [APT-OPTION] PACKAGE...
derive() {
  name=$1
  from=$2
  shift 2
  dest=$cache/rootfs-$suite-$recipe-$name
  tmp=$dest.tmp
  rm -rf "$tmp"
  cp -a "$from" "$tmp"
  cp /etc/resolv.conf "$tmp/etc/resolv.conf" 2>/dev/null || true
  chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >"$cache/$name-install.log" 2>&1
  chroot "$tmp" apt-get clean
  mv "$tmp" "$dest"
}

[ -d "$base" ] || build_base
kernel=$cache/rootfs-$suite-$recipe-kernel
case $kind in kernel|lvm)
  [ -d "$kernel" ] || derive kernel "$base" --no-install-recommends linux-image-amd64 initramfs-tools cloud-guest-utils e2fsprogs ;;
esac
case $kind in
  kernel) echo "$kernel" ;;
  lvm)
    # lvm2's initramfs hook (run by the install's update-initramfs trigger) activates the root VG
    [ -d "$cache/rootfs-$suite-$recipe-lvm" ] || derive lvm "$kernel" --no-install-recommends lvm2
    echo "$cache/rootfs-$suite-$recipe-lvm" ;;
  base) echo "$base" ;;
  cloud-init)
    [ -d "$cache/rootfs-$suite-$recipe-cloud-init" ] || derive cloud-init "$base" cloud-init
    echo "$cache/rootfs-$suite-$recipe-cloud-init" ;;
  arm64)
    dest=$cache/rootfs-$suite-$recipe-arm64
    if [ ! -d "$dest" ]; then
      rm -rf "$dest.tmp"
      debootstrap --arch=arm64 --variant=minbase --include=systemd-sysv,udev,kmod,iproute2,ifupdown,isc-dhcp-client,time,linux-image-arm64,initramfs-tools \
        "$suite" "$dest.tmp" http://deb.debian.org/debian >"$cache/debootstrap-arm64.log" 2>&1
      : >"$dest.tmp/etc/machine-id"
      chroot "$dest.tmp" apt-get clean
      mv "$dest.tmp" "$dest"
    fi
    echo "$dest" ;;
  *) echo "usage: $0 base|cloud-init|kernel|lvm|arm64" >&2; exit 2 ;;
esac
