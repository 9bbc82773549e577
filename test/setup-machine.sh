#!/bin/sh
# Installs the Debian packages the tests drive (first run on a fresh machine only):
# debootstrap builds the boot tests' rootfs, systemd-nspawn boots it, strip and dpkg-deb
# build the package, xorriso/dosfstools/mtools make seed drives, QEMU boots a real kernel
# (sfdisk and mkfs.ext4 -d make its disk, debugfs reads it back), openssl makes test
# certificates. Without root nothing is
# installed and the boot tests say why they skip.
set -eu
missing=
for p in debootstrap systemd-container binutils dpkg xorriso dosfstools mtools qemu-system-x86 e2fsprogs fdisk openssl; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "setup-machine: not root, not installing:$missing" >&2
  exit 0
fi
echo "setup-machine: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
