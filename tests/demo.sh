#!/bin/sh
# make demo: boot the default guest (Debian cloud kernel + the project's
# busybox initramfs). Natively when /dev/kvm is hardware KVM, otherwise
# inside the nested lab; says which. The guest prints its kernel version,
# CPU count and clocksource, then powers off.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
M=$BUILD/meridian
CMDLINE="console=ttyS0 quiet act=poweroff"

if reason=$("$M" probe 2>&1); then
	echo "demo: $reason; booting natively"
	set -- $(sh "$ROOT/tests/lab/lab.sh" --prepare)
	exec "$M" run -k "$1" -i "$2" -c 2 -m 256M -a "$CMDLINE"
fi
echo "demo: native boot not possible here (${reason#meridian: })"
echo "demo: booting inside the nested lab instead (QEMU TCG -> L1 Debian kernel with kvm-amd -> meridian -> guest)"
sh "$ROOT/tests/lab/lab.sh" --demo
