#!/bin/sh
# Installs the Debian packages the build, the tests and the lab need, when
# they are missing (a fresh Debian 12 machine, as root). Idempotent and quiet
# when everything is there.
set -eu

PKGS="meson ninja-build pkg-config gcc libcmocka-dev liblz4-dev libzstd-dev zlib1g-dev libxxhash-dev liburing-dev libjson-c-dev libslirp-dev clang \
      qemu-system-x86 busybox-static cpio e2fsprogs socat"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; install these Debian packages:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
