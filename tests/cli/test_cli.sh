#!/bin/sh
# Bad input to `meridian run` on the host (no KVM needed): each case must
# print exactly one line on stderr, nothing on stdout, and exit with 1.
# Uses the Debian cloud kernel from the lab cache as the valid bzImage.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
LAB=$BUILD/lab
M=${MERIDIAN_BIN:-$BUILD/meridian}
log() { echo "cli: $*" >&2; }
. "$ROOT/tests/lab/kernels.sh"
fetch_kernels
K=$L2_VMLINUZ
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0; failed=0

# check NAME EXPECTED-STATUS EXPECTED-STDERR -- ARGS...
# EXPECTED-STDERR is compared exactly; with a leading ~ it is an extended
# regex that must match the whole of stderr (one line).
check() {
	name=$1 want_status=$2 want=$3
	shift 4
	"$@" > "$T/out" 2> "$T/err"
	status=$?
	got=$(cat "$T/err")
	case "$want" in
	"~"*) matches() { [ "$(wc -l < "$T/err")" = 1 ] && grep -Eqx "${want#\~}" "$T/err"; } ;;
	*) matches() { [ "$got" = "$want" ]; } ;;
	esac
	if [ "$status" = "$want_status" ] && matches && [ ! -s "$T/out" ]; then
		pass=$((pass + 1)); echo "PASS: cli $name"
	else
		failed=$((failed + 1)); echo "FAIL: cli $name"
		echo "    status $status (want $want_status)"
		echo "    stderr: $got"
		echo "    want:   $want"
		[ -s "$T/out" ] && echo "    stdout: $(head -c 200 "$T/out")"
	fi
}

: > "$T/empty"
echo "just text" > "$T/text"
head -c 3000 /dev/zero | tr '\0' a > "$T/long"

check no-kernel 1 "meridian: --kernel is required (see meridian run --help)" -- $M run
check missing-kernel 1 "meridian: --kernel /nonexistent/bzImage: No such file or directory" -- \
	$M run -k /nonexistent/bzImage
check kernel-is-dir 1 "meridian: --kernel $T: not a regular file" -- $M run -k "$T"
check empty-kernel 1 "meridian: --kernel $T/empty: file is empty" -- $M run -k "$T/empty"
check not-a-kernel 1 "meridian: --kernel $T/text: not a bzImage, ELF or multiboot kernel" -- \
	$M run -k "$T/text"
check elf-kernel 1 "meridian: --kernel $M: ELF kernels are not supported yet; use the bzImage" -- \
	$M run -k "$M"
check missing-initrd 1 "meridian: --initrd /nonexistent/initrd: No such file or directory" -- \
	$M run -k "$K" -i /nonexistent/initrd
check memory-too-small 1 "~meridian: --memory 32M: too small for the kernel \(needs [0-9]+M\) and initrd \(0M\)" -- \
	$M run -k "$K" -m 32M
head -c $((20 << 20)) /dev/zero > "$T/initrd"
check memory-too-small-initrd 1 "~meridian: --memory 80M: too small for the kernel \(needs [0-9]+M\) and initrd \(20M\)" -- \
	$M run -k "$K" -m 80M -i "$T/initrd"
check memory-suffix 1 "meridian: --memory 12Q: unknown size suffix 'Q'" -- $M run -k "$K" -m 12Q
check memory-not-number 1 "meridian: --memory lots: not a size (expected a number with K/M/G suffix)" -- \
	$M run -k "$K" -m lots
check cpus-zero 1 "meridian: --cpus 0: expected a number from 1 to 1024" -- $M run -k "$K" -c 0
check cpus-junk 1 "meridian: --cpus 2x: expected a number from 1 to 1024" -- $M run -k "$K" -c 2x
check console-bad 1 "meridian: --console tty: expected stdio, none or file=PATH" -- \
	$M run -k "$K" --console tty
check unknown-option 1 "meridian: --frobnicate: unknown option (see meridian run --help)" -- \
	$M run -k "$K" --frobnicate
check missing-value 1 "meridian: --memory: missing value" -- $M run -k "$K" --memory
check cmdline-too-long 1 "meridian: --cmdline: 3000 bytes, the kernel accepts at most 2047" -- \
	$M run -k "$K" -a "$(cat "$T/long")"
check unknown-command 1 "meridian: launch: unknown command
usage: meridian COMMAND [OPTIONS]
  run [OPTIONS]   boot a guest (meridian run --help)
  cpu explain [--cpu SPEC] [--cpus N] [--json]
                  what the guest sees of this CPU model and what it will do
  ctl PATH COMMAND [JSON-ARGS]
                  one QMP command to the meridian serving PATH (--api)
  probe [--cpuid] can this host's /dev/kvm boot stock kernels? (exit 0 yes, 1 no)
  version         print the version" -- $M launch
check cpu-unknown-feature 1 "meridian: --cpu host,frobnicate: unknown feature 'frobnicate'" -- \
	$M run -k "$K" --cpu host,frobnicate
check cpu-unknown-model 1 "meridian: --cpu skylake: unknown CPU model 'skylake' (known: host)" -- \
	$M run -k "$K" --cpu skylake
check cpu-bad-value 1 "meridian: --cpu host,kvm-pv-eoi=maybe: kvm-pv-eoi=maybe: expected on or off" -- \
	$M run -k "$K" --cpu host,kvm-pv-eoi=maybe
check cpu-bad-vendor 1 "meridian: --cpu host,vendor=AMD: vendor=AMD: the vendor string has exactly 12 characters" -- \
	$M run -k "$K" --cpu host,vendor=AMD
check explain-bad-spec 1 "meridian: --cpu host,+warp-drive: unknown feature 'warp-drive'" -- \
	$M cpu explain --cpu host,+warp-drive
check explain-bad-cpus 1 "meridian: --cpus 0: expected a number from 1 to 254" -- \
	$M cpu explain --cpus 0
check not-kvm-device 1 "meridian: /dev/null: not a KVM device (Inappropriate ioctl for device)" -- \
	env MERIDIAN_KVM_DEVICE=/dev/null $M run -k "$K"
check absent-kvm 1 "meridian: /nonexistent/kvm: No such file or directory (is the kvm module loaded, and may this user open it?)" -- \
	env MERIDIAN_KVM_DEVICE=/nonexistent/kvm $M run -k "$K"
# Multiboot: the project's test kernel (tests/mbtest) and broken variants.
sh "$ROOT/tests/mbtest/build.sh" "$T/mb" > /dev/null
MB=$T/mb/mbtest.elf
le32() {
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"
}
# mb_header FLAGS HEADER_ADDR: a header with the address fields, loading
# the file from HEADER_ADDR, padded to 4 KiB.
mb_header() {
	for v in $((0x1badb002)) $1 $(( (0 - 0x1badb002 - $1) & 0xffffffff )) $2 $2 0 0 $2; do
		le32 $v
	done
	head -c 4064 /dev/zero
}
mb_header $((0x10020)) $((0x100000)) > "$T/mb-flags"
check mb-unknown-flags 1 "meridian: --kernel $T/mb-flags: the multiboot header asks for features meridian does not provide (flags 0x20)" -- \
	$M run -k "$T/mb-flags"
mb_header $((0x10000)) $((0x10000)) > "$T/mb-low"
check mb-outside-ram 1 "meridian: --kernel $T/mb-low: the kernel loads at 0x10000-0x11000, outside the RAM it may use (below 0x9fc00 or 1 MiB-256 MiB, not 0x10000-0x90000)" -- \
	$M run -k "$T/mb-low"
cp "$MB" "$T/mb-64"
printf '\002' | dd of="$T/mb-64" bs=1 seek=4 conv=notrunc 2> /dev/null
check mb-elf64 1 "meridian: --kernel $T/mb-64: a 64-bit ELF: multiboot v1 starts kernels in 32-bit mode (link it as 32-bit ELF, or give the header load addresses)" -- \
	$M run -k "$T/mb-64"
check mb-missing-module 1 "meridian: --initrd /nonexistent/mod: No such file or directory" -- \
	$M run -k "$MB" -i "$T/mb/mod1 arg,/nonexistent/mod arg"
check mb-modules-too-big 1 "~meridian: --memory 4M: too small for the kernel and its modules \(they need [0-9]+M below the 3 GiB hole\)" -- \
	$M run -k "$MB" -m 4M -i "$K"

# meridian ctl: no KVM needed either
check ctl-no-socket 1 "meridian: ctl: /nonexistent/vm.sock: No such file or directory" -- \
	$M ctl /nonexistent/vm.sock query-status
check ctl-bad-args 1 "meridian: ctl: [1,2]: the arguments must be a JSON object" -- \
	$M ctl /nonexistent/vm.sock query-status "[1,2]"
check ctl-usage 1 "meridian: usage: meridian ctl PATH COMMAND [JSON-ARGS]" -- $M ctl /x
check incoming-bad-uri 1 "meridian: --incoming udp:1.2.3.4:5: expected file:PATH, tcp:HOST:PORT or defer" -- \
	$M run -k "$K" --incoming udp:1.2.3.4:5
check dirty-tracking-bad 1 "meridian: --dirty-tracking ring: expected auto, dirty-ring, dirty-log or dirty-log-clear" -- \
	$M run -k "$K" --dirty-tracking ring
check net-no-tap 1 "meridian: --net: tap nosuchtap0: no such network interface (ip tuntap add nosuchtap0 mode tap creates one)" -- \
	$M run -k "$K" --net tap,ifname=nosuchtap0
check net-bad-mac 1 "meridian: --net mac=01:02:03:04:05:06: expected six hex bytes like 52:54:00:12:34:56, not multicast" -- \
	$M run -k "$K" --net tap,ifname=x,mac=01:02:03:04:05:06
check net-no-ifname 1 "meridian: --net tap: tap needs ifname=NAME" -- \
	$M run -k "$K" --net tap
check incoming-no-file 1 "meridian: --incoming file:/nonexistent/snap: No such file or directory" -- \
	$M run -k "$K" --incoming file:/nonexistent/snap

# --disk: checked before KVM is opened, so these run on any host
head -c 1000 /dev/zero > "$T/odd.img"
head -c 4096 /dev/zero > "$T/disk.img"
ln "$T/disk.img" "$T/hardlink.img"
check disk-missing 1 "meridian: --disk path=/nonexistent/disk.img: No such file or directory" -- \
	$M run -k "$K" --disk path=/nonexistent/disk.img
check disk-no-path 1 "meridian: --disk: path=FILE is missing" -- $M run -k "$K" --disk readonly=on
check disk-bad-key 1 "meridian: --disk format: unknown key (path, readonly, serial, cache)" -- \
	$M run -k "$K" --disk "path=$T/disk.img,format=qcow2"
check disk-bad-cache 1 "meridian: --disk cache=unsafe: expected none or writeback" -- \
	$M run -k "$K" --disk "path=$T/disk.img,cache=unsafe"
check disk-odd-size 1 "meridian: --disk path=$T/odd.img: size 1000 bytes is not a whole number of 512-byte sectors" -- \
	$M run -k "$K" --disk "path=$T/odd.img"
check disk-is-dir 1 "meridian: --disk path=$T: not a regular file or block device" -- \
	$M run -k "$K" --disk "path=$T,readonly=on"
check disk-twice 1 "meridian: --disk path=$T/hardlink.img: the same file as disk 0 ($T/disk.img); two disks on one image would corrupt it" -- \
	$M run -k "$K" --disk "path=$T/disk.img" --disk "path=$T/hardlink.img,readonly=on"
check disk-nine 1 "meridian: --disk path=$T/disk.img: at most 8 disks" -- \
	$M run -k "$K" $(for i in 1 2 3 4 5 6 7 8 9; do printf ' --disk path=%s' "$T/disk.img"; done)
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	cp "$K" "$T/private" && chmod 600 "$T/private" && chmod 755 "$T"
	check unreadable-kernel 1 "meridian: --kernel $T/private: Permission denied" -- \
		setpriv --reuid=nobody --regid=nogroup --clear-groups $M run -k "$T/private"
	# an image others may read but not write
	cp "$K" "$T/kernel" && cp "$T/disk.img" "$T/ro.img" && chmod 644 "$T/kernel" "$T/ro.img"
	check disk-read-only-file 1 "meridian: --disk path=$T/ro.img: Permission denied (readonly=on opens it for reading only)" -- \
		setpriv --reuid=nobody --regid=nogroup --clear-groups $M run -k "$T/kernel" --disk "path=$T/ro.img"
fi
# The host's own /dev/kvm, in whichever shape this machine has it.
NOKVM="meridian: /dev/kvm: No such file or directory (is the kvm module loaded, and may this user open it?)"
if [ ! -e /dev/kvm ]; then
	check host-kvm-absent 1 "$NOKVM" -- $M run -k "$K"
elif [ -e /sys/module/kvm_pvm ]; then
	check host-kvm-pvm 1 "meridian: /dev/kvm is served by kvm_pvm (PVM), which cannot run stock guest kernels; run \`make demo\` to boot the guest inside the lab instead" -- \
		$M run -k "$K"
else
	echo "cli: /dev/kvm here is hardware KVM: booting on it is for the lab scenarios"
fi
# No /dev/kvm, made on purpose on every machine: a mount namespace whose
# /dev is an empty tmpfs (the default path), and another device path.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	check no-dev-kvm 1 "$NOKVM" -- \
		unshare -m sh -c 'mount -t tmpfs none /dev && exec "$@"' sh $M run -k "$K"
else
	echo "cli: not root (or no mount namespaces): the default /dev/kvm path is not hidden here"
fi

# check_explain NAME PATTERN -- ARGS: `cpu explain` with no KVM device:
# status 0, nothing on stderr, and the first line of stdout matches.
check_explain() {
	name=$1 want=$2
	shift 3
	"$@" > "$T/out" 2> "$T/err"
	status=$?
	first=$(head -n1 "$T/out")
	if [ $status = 0 ] && [ ! -s "$T/err" ] && echo "$first" | grep -Eqx "$want"; then
		pass=$((pass + 1)); echo "PASS: cli $name"
	else
		failed=$((failed + 1)); echo "FAIL: cli $name"
		echo "    status $status (want 0); stderr: $(cat "$T/err")"
		echo "    first line: $first"
		echo "    want:       $want"
	fi
}
NOKVM_ENV="env MERIDIAN_KVM_DEVICE=/nonexistent/kvm"
check_explain explain-no-kvm 'Host facts unknown \(/nonexistent/kvm: No such file or directory\): explained against the baseline AMD EPYC \(Zen 1\) under Linux 6\.1.s kvm-amd' -- \
	$NOKVM_ENV $M cpu explain --cpus 2
check_explain explain-no-kvm-json '\{' -- $NOKVM_ENV $M cpu explain --json
# what the explanation says without a host: the baseline's leaves and words
$NOKVM_ENV $M cpu explain --cpus 2 --cpu host,kvm=off > "$T/explain" 2>&1
grep -q '^  use the clocksource acpi_pm ' "$T/explain" && grep -q '^  0x40000000.0: removed$' "$T/explain" &&
	grep -q '^Host facts: unknown' "$T/explain"
report() { if [ $1 = 0 ]; then pass=$((pass + 1)); echo "PASS: cli $2"; else
	failed=$((failed + 1)); echo "FAIL: cli $2"; sed 's/^/    /' "$3"; fi; }
report $? explain-no-kvm-kvm-off "$T/explain"
$NOKVM_ENV $M cpu explain --json --cpu host,hv-relaxed,hv-vpindex,hv-time > "$T/explain" 2>&1
grep -q '^  "host_facts": "unknown",$' "$T/explain" &&
	grep -q '"tsc_stable": null' "$T/explain" &&
	grep -q '"leaf": 1073741827, "index": 0, "eax": ' "$T/explain"
report $? explain-no-kvm-hyperv-json "$T/explain"
check explain-no-kvm-avx512 1 "meridian: --cpu host,+avx512f: avx512f is not supported by this host (on the baseline AMD EPYC (Zen 1) under Linux 6.1's kvm-amd)" -- \
	$NOKVM_ENV $M cpu explain --cpu host,+avx512f
echo "cli: $pass passed, $failed failed"
[ $failed = 0 ]
