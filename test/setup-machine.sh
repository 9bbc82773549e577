#!/bin/sh
# Installs the Debian packages the tests drive and builds the boot tests' Debian rootfs
# (first run on a fresh machine only):
# debootstrap builds the boot tests' rootfs, systemd-nspawn boots it, strip and dpkg-deb
# build the package, xorriso/dosfstools/mtools make seed drives, QEMU boots a real kernel
# (sfdisk and mkfs.ext4 -d make its disk, debugfs reads it back; lvm2's pvcreate, vgcreate and
# lvcreate put an LVM root on it without activating anything), openssl makes test
# certificates, python3-yaml is the PyYAML the YAML loader is held against; netplan.io,
# network-manager and dbus-daemon read the rendered network files (test/unit/network/consumers.ts).
# python3-jinja2 renders templates the way cloud-init does (test/unit/jinja.test.ts).
# openssh-client's ssh-keygen makes the keys the in-process host key check is held against
# (test/unit/openssh-key.test.ts) and reads the boot tests' keys back.
# isc-dhcp-client and dnsmasq-base: the local stage's ephemeral lease, asked of a real DHCP
# server in a network namespace (test/integration/local-metadata.test.ts).
# apt-utils' apt-ftparchive and gpg (with gpg-agent, which makes keys) build the signed mirror,
# repository and keyserver keys apt_configure is tested against (test/integration/apt-archive.ts),
# and gpg is the oracle for the in-process key reading (test/unit/packages/openpgp.test.ts).
# rsyslog's rsyslogd -N1 parses the remotes the rsyslog module renders (test/unit/rsyslog.test.ts).
# arm64: qemu-user-static and the arm64 cross libraries run the arm64 runtime that makes the
# arm64 executable's blob (build/build.mjs) and the arm64 executable in tests, binutils'
# aarch64 strip slims it, binfmt_misc's qemu-aarch64 lets debootstrap and dpkg run arm64
# programs in the arm64 rootfs, and qemu-system-arm boots it.
# Without root nothing is installed and the boot tests say why they skip.
set -eu
missing=
for p in debootstrap systemd-container binutils dpkg xorriso dosfstools mtools qemu-system-x86 e2fsprogs fdisk lvm2 openssl python3-yaml netplan.io network-manager dbus-daemon python3-jinja2 openssh-client isc-dhcp-client dnsmasq-base apt-utils gpg gpg-agent rsyslog \
  qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross binutils-aarch64-linux-gnu qemu-system-arm; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ "$(id -u)" != 0 ]; then
  [ -z "$missing" ] || echo "setup-machine: not root, not installing:$missing" >&2
  exit 0
fi
# NetworkManager runs only inside the tests' own namespaces: masked first, it never starts on
# (and takes over the NICs of) the test machine itself
systemctl mask NetworkManager.service NetworkManager-wait-online.service NetworkManager-dispatcher.service >/dev/null 2>&1 || true
if [ -n "$missing" ]; then
  echo "setup-machine: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# arm64 programs run through qemu-user (registered as systemd-binfmt would, with its fixed
# interpreter, so chroots need no copy of it)
binfmt=/proc/sys/fs/binfmt_misc
[ -e $binfmt/register ] || mount -t binfmt_misc binfmt_misc $binfmt 2>/dev/null || true
[ -e $binfmt/qemu-aarch64 ] || tr -d '\n' </usr/lib/binfmt.d/qemu-aarch64.conf >$binfmt/register 2>/dev/null || true
kinds="base cloud-init kernel lvm arm64"
[ -e $binfmt/qemu-aarch64 ] || { kinds="base cloud-init kernel lvm"; echo "setup-machine: no binfmt_misc here; the arm64 boot test will skip" >&2; }
# The boot tests' rootfses, built here (minutes, once per machine) rather than inside a
# test, where a long synchronous build would stall the test runner.
for kind in $kinds; do
  sh "$(dirname "$0")/boot/rootfs.sh" "$kind" >/dev/null
done
