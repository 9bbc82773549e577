#!/bin/sh
# Installs the Debian packages the tests drive and builds the boot tests' Debian rootfs
# (first run on a fresh machine only):
# debootstrap builds the boot tests' rootfs, systemd-nspawn boots it, strip and dpkg-deb
# build the package, xorriso/dosfstools/mtools make seed drives, QEMU boots a real kernel
# (sfdisk and mkfs.ext4 -d make its disk, debugfs reads it back), openssl makes test
# certificates, python3-yaml is the PyYAML the YAML loader is held against; netplan.io,
# network-manager and dbus-daemon read the rendered network files (test/unit/network/consumers.ts).
# python3-jinja2 renders templates the way cloud-init does (test/unit/jinja.test.ts).
# isc-dhcp-client and dnsmasq-base: the local stage's ephemeral lease, asked of a real DHCP
# server in a network namespace (test/integration/local-metadata.test.ts).
# Without root nothing is installed and the boot tests say why they skip.
set -eu
missing=
for p in debootstrap systemd-container binutils dpkg xorriso dosfstools mtools qemu-system-x86 e2fsprogs fdisk openssl python3-yaml netplan.io network-manager dbus-daemon python3-jinja2 isc-dhcp-client dnsmasq-base; do
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
# The boot tests' rootfses, built here (minutes, once per machine) rather than inside a
# test, where a long synchronous build would stall the test runner.
for kind in base cloud-init kernel; do
  sh "$(dirname "$0")/boot/rootfs.sh" "$kind" >/dev/null
done
