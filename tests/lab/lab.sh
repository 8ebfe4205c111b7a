#!/bin/sh
# The nested lab (see ../shared/lab.md): QEMU TCG with -cpu EPYC boots a
# stock Debian kernel (L1) whose kvm-amd gives a real /dev/kvm; meridian
# runs there and boots the Debian cloud kernel (L2).
#
#   tests/lab/lab.sh [--demo] [SCENARIO...]
#
# Builds L1 and L2 from Debian packages (downloads cached under build/lab),
# runs the scenarios in tests/lab/scenarios (all, or those named) inside one
# L1 boot and prints one PASS/FAIL line each, then "lab: N passed, N failed".
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
LAB=$BUILD/lab
MERIDIAN_BIN=${MERIDIAN_BIN:-$BUILD/meridian}
LAB_TIMEOUT=${LAB_TIMEOUT:-1500}
demo=0
prepare=0
bench=""
if [ "${1:-}" = --demo ]; then demo=1; shift; fi
# --bench NAME: run bench/NAME/l1.sh inside L1, with QEMU there as the peer
if [ "${1:-}" = --bench ]; then bench=$2; shift 2; fi
# --prepare: only build the L2 guest (kernel + initramfs) and print their paths
if [ "${1:-}" = --prepare ]; then prepare=1; shift; fi
only=$(echo "$@" | tr ' ' ',')
[ $demo = 1 ] && only=demo
[ -n "$bench" ] && only="bench:$bench"

log() { echo "lab: $*" >&2; }
. "$ROOT/tests/lab/kernels.sh"

# busybox_root DIR: a root with busybox, its applet links and /dev/console.
busybox_root() {
	rm -rf "$1"
	mkdir -p "$1/bin" "$1/sbin" "$1/usr/bin" "$1/dev" "$1/proc" "$1/sys" "$1/tmp" "$1/etc"
	cp /bin/busybox "$1/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[ -e "$1/bin/$applet" ] || ln -s busybox "$1/bin/$applet"
	done
	mknod -m 600 "$1/dev/console" c 5 1
}

pack() { (cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) > "$2"; }

build_l2() {
	busybox_root "$LAB/l2-root"
	cp "$ROOT/tests/lab/guest/init" "$LAB/l2-root/init"
	gcc -static -O2 -o "$LAB/l2-root/bin/cpuid-probe" "$ROOT/tests/lab/guest/cpuid-probe.c"
	mkdir -p "$LAB/l2-root/lib/modules"
	cp "$(find "$LAB/l2-kernel/lib/modules" -name nvram.ko)" "$LAB/l2-root/lib/modules/"
	pack "$LAB/l2-root" "$LAB/l2-initrd.gz"
}

build_l1() {
	r=$LAB/l1-root
	busybox_root "$r"
	cp "$ROOT/tests/lab/l1-init" "$r/init"
	mkdir -p "$r/lab/bin" "$r/lab/l2" "$r/lab/scenarios"
	for m in virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko drivers/crypto/ccp/ccp.ko \
		 arch/x86/kvm/kvm-amd.ko; do
		mkdir -p "$r/lab/modules/$(dirname $m)"
		cp "$L1_MODULES/$m" "$r/lab/modules/$m"
	done
	add_binary "$r" "$MERIDIAN_BIN" /lab/bin/meridian
	add_binary "$r" "$(command -v script)" /usr/bin/script   # a pty for terminal tests
	cp "$L2_VMLINUZ" "$r/lab/l2/vmlinuz"
	sh "$ROOT/tests/lab/mk-crash-kernel.sh" "$r/lab/l2/crash.bzImage"
	cp "$LAB/l2-initrd.gz" "$r/lab/l2/initrd.gz"
	cp "$ROOT"/tests/lab/scenarios/*.sh "$r/lab/scenarios/"
	cp "$ROOT/tests/lab/lib.sh" "$ROOT/tests/lab/demo.sh" "$r/lab/"
	[ -n "$bench" ] && add_qemu "$r" && cp "$ROOT/bench/$bench/l1.sh" "$r/lab/bench.sh"
	pack "$r" "$LAB/l1-initrd.gz"
}

# add_binary ROOT PATH DEST: a host binary and the libraries ldd names.
add_binary() {
	mkdir -p "$1$(dirname "$3")"
	cp "$2" "$1$3"
	for lib in $(ldd "$2" | grep -o '/[^ ]*'); do
		mkdir -p "$1$(dirname "$lib")"
		cp -L "$lib" "$1$lib"
	done
}

# add_qemu ROOT: QEMU, its libraries and firmware, as the peer in benchmarks.
add_qemu() {
	add_binary "$1" "$(command -v qemu-system-x86_64)" /usr/bin/qemu-system-x86_64
	mkdir -p "$1/usr/share"
	cp -rL /usr/share/qemu /usr/share/seabios "$1/usr/share/"
}

run_l1() {
	console=$LAB/l1-console.log
	log "booting L1 (QEMU TCG, -cpu EPYC)${only:+ for: $only}"
	set +e
	timeout "$LAB_TIMEOUT" qemu-system-x86_64 -accel tcg,thread=multi -cpu EPYC \
		-m 4096 -smp 2 -nographic -no-reboot -kernel "$L1_VMLINUZ" \
		-initrd "$LAB/l1-initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet lab.only=$only" \
		< /dev/null 2> "$LAB/qemu.err" |
		sed -u 's/\r$//' | tee "$console" | {
			if [ $demo = 1 ]; then sed -n '/^LAB-BEGIN demo/,/^LAB-RESULT/{/^LAB-/!p}'
			elif [ -n "$bench" ]; then grep --line-buffered '^BENCH'
			else cat > /dev/null; fi
		}
	set -e
}

report() {
	console=$LAB/l1-console.log
	pass=0; failed=0
	grep '^LAB-ERROR' "$console" >&2 || true
	while read -r _ name res start end; do
		secs=$(awk "BEGIN { printf \"%.1f\", $end - $start }")
		echo "$res: lab $name (${secs}s of L1 uptime)"
		if [ "$res" = PASS ]; then
			pass=$((pass + 1))
		else
			failed=$((failed + 1))
			grep "^LAB-LOG $name: " "$console" | sed 's/^LAB-LOG /    /' | tail -n 60
		fi
	done <<-EOT
	$(grep '^LAB-RESULT ' "$console")
	EOT
	if ! grep -q '^LAB-DONE' "$console"; then
		echo "FAIL: lab did not finish (timeout or L1 crash); last lines:"
		tail -n 30 "$console" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
	echo "lab: $pass passed, $failed failed"
	[ $failed = 0 ]
}

fetch_kernels
build_l2
if [ $prepare = 1 ]; then
	echo "$L2_VMLINUZ $LAB/l2-initrd.gz"
	exit 0
fi
build_l1
run_l1
if [ $demo = 1 ] || [ -n "$bench" ]; then
	grep -q "^LAB-RESULT ${bench:+bench:}${bench:-demo} PASS" "$LAB/l1-console.log"
else
	report
fi
