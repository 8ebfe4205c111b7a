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
# benchmarks: a second meridian (another commit's, bench/ab.sh) run beside
# the first in the same L1, as /lab/bin/meridian-base
MERIDIAN_BASE_BIN=${MERIDIAN_BASE_BIN:-}
LAB_TIMEOUT=${LAB_TIMEOUT:-1800}
LAB_SILENCE_S=${LAB_SILENCE_S:-200}    # longer than any one guest run (lib.sh: 120 s)
LAB_NUDGE_S=${LAB_NUDGE_S:-15}         # L1 quiet this long: a newline typed (nudge_l1)
LAB_POWEROFF_S=${LAB_POWEROFF_S:-60}   # after LAB-DONE, L1's poweroff gets this long
LAB_ATTEMPTS=${LAB_ATTEMPTS:-8}        # runs a failing scenario gets, each in a fresh L1
# vCPUs per L1, and how many L1s run side by side with a share of the
# scenarios each. Two L1 vCPUs, one L1: single-vCPU L1s wedge on 2-vCPU L2
# guests (docs/lab.md), and two 2-vCPU L1s on a 2-core host overcommit it.
LAB_L1_CPUS=${LAB_L1_CPUS:-2}
LAB_SHARDS=${LAB_SHARDS:-1}
LAB_TCG_THREAD=${LAB_TCG_THREAD:-multi}  # multi: one host thread per L1 vCPU; single: one for all
LAB_QEMU=${LAB_QEMU:-qemu-system-x86_64}   # the QEMU that runs L1
LAB_L1_APPEND=${LAB_L1_APPEND:-}           # more of L1's kernel command line
# L1's KVM runs L2 on shadow page tables (kvm_amd.npt=0) unless this is 1:
# with nested paging, TCG's emulation of it now and then hands L2 a page
# fault on an instruction fetch at the very RIP it runs, and L2 dies of a
# triple fault (docs/lab.md, session 9)
LAB_L1_NPT=${LAB_L1_NPT:-0}
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
	for probe in kvm-msrs clock-cost virtio-hostile powerbtn pattern tcpx; do
		gcc -static -O2 -o "$LAB/l2-root/bin/$probe" "$ROOT/tests/lab/guest/$probe.c"
	done
	gcc -static -O2 -o "$LAB/l2-root/bin/blkbench" "$ROOT/bench/blk/blkbench.c" -luring
	mkdir -p "$LAB/l2-root/lib/modules"
	# virtio: the transport and the devices, insmod'ed in this order
	for m in nvram.ko msr.ko virtio_ring.ko virtio.ko virtio_pci_legacy_dev.ko \
		 virtio_pci_modern_dev.ko virtio_pci.ko virtio-rng.ko virtio_blk.ko button.ko evdev.ko \
		 failover.ko net_failover.ko virtio_net.ko virtio_balloon.ko; do
		cp "$(find "$LAB/l2-kernel/lib/modules" -name $m)" "$LAB/l2-root/lib/modules/"
	done
	pack "$LAB/l2-root" "$LAB/l2-initrd.gz"
	sh "$ROOT/tests/mbtest/build.sh" "$LAB/mbtest"
}

build_l1() {
	r=$LAB/l1-root
	busybox_root "$r"
	cp "$ROOT/tests/lab/l1-init" "$r/init"
	mkdir -p "$r/lab/bin" "$r/lab/l2" "$r/lab/scenarios"
	# L1's modules: l1-init loads those of load-order at boot, in that order
	# (kvm-amd needs ccp, kvm needs irqbypass; vhost_net needs tun, tap,
	# vhost_iotlb and vhost: taps and vhost-net for the network scenarios);
	# brd, a RAM block device, is bench/blk's to load.
	mkdir -p "$r/lab/modules"
	echo virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko drivers/crypto/ccp/ccp.ko \
		arch/x86/kvm/kvm-amd.ko drivers/net/tun.ko drivers/net/tap.ko \
		drivers/vhost/vhost_iotlb.ko drivers/vhost/vhost.ko drivers/vhost/vhost_net.ko |
		tr ' ' '\n' > "$r/lab/modules/load-order"
	for m in $(cat "$r/lab/modules/load-order") drivers/block/brd.ko; do
		mkdir -p "$r/lab/modules/$(dirname $m)"
		cp "$L1_MODULES/$m" "$r/lab/modules/$m"
	done
	add_binary "$r" "$MERIDIAN_BIN" /lab/bin/meridian
	add_binary "$r" "$(command -v script)" /usr/bin/script   # a pty for terminal tests
	# disk images: made with mkfs.ext4 -d, their files read back with debugfs
	add_binary "$r" /sbin/mke2fs /sbin/mkfs.ext4
	add_binary "$r" /sbin/debugfs /sbin/debugfs
	add_binary "$r" "$(command -v socat)" /usr/bin/socat    # an independent QMP client
	cp "$LAB/l2-root/bin/pattern" "$r/lab/bin/pattern"      # its clock comparison
	cp "$LAB/l2-root/bin/tcpx" "$r/lab/bin/tcpx"            # the host's end of TCP tests
	gcc -static -O2 -Wall -Wextra -Werror -o "$r/lab/bin/kvmhold" "$ROOT/tests/lab/kvmhold.c"
	cp "$L2_VMLINUZ" "$r/lab/l2/vmlinuz"
	sh "$ROOT/tests/lab/mk-crash-kernel.sh" "$r/lab/l2/crash.bzImage"
	cp "$LAB/l2-initrd.gz" "$r/lab/l2/initrd.gz"
	cp -r "$LAB/mbtest" "$r/lab/mbtest"
	cp "$ROOT"/tests/lab/scenarios/*.sh "$r/lab/scenarios/"
	cp "$ROOT/tests/lab/lib.sh" "$ROOT/tests/lab/demo.sh" "$r/lab/"
	[ -n "$bench" ] && add_qemu "$r" && cp "$ROOT/bench/$bench/l1.sh" "$r/lab/bench.sh"
	[ -z "$bench" ] || [ -z "$MERIDIAN_BASE_BIN" ] ||
		add_binary "$r" "$MERIDIAN_BASE_BIN" /lab/bin/meridian-base
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

# nudge_l1 CONSOLE SECONDS: L1 has said nothing for a while. Under TCG its
# serial port sometimes loses the interrupt that says "transmitter empty":
# L1's console then waits for it forever and everything that writes there
# (every scenario) blocks, though L1 runs on. A character typed on the
# port raises a receive interrupt, whose handler sends the waiting bytes.
# Recorded (with where L1's vCPUs are, from QEMU's monitor) for the log.
nudge_l1() {
	{
		echo "nudge: L1 quiet for ${2}s: a newline typed on its serial port; its vCPUs:"
		echo 'info registers -a' | timeout 5 socat - UNIX-CONNECT:"$1.mon" 2>&1 |
			grep -a -E '^RIP=' | sed 's/^/    /'
	} >> "$1.nudges"
	printf '\n' >&7        # (run_l1's own end of the FIFO: no open that waits)
}

# l1_append FILE: what a scenario or benchmark FILE asks to add to its L1's
# kernel command line ("# lab: l1-append ARGS"; none: empty)
l1_append() { sed -n 's/^# lab: l1-append //p' "$1"; }

# run_l1 ONLY CONSOLE [APPEND]: boots L1 for the scenarios in ONLY (comma
# list, or demo / bench:NAME), with APPEND on its kernel command line too,
# its serial console (CR stripped) into CONSOLE. A
# watchdog stops L1 when no scenario line comes for longer than any guest
# run may take (nested TCG can wedge L1 itself; see docs/lab.md).
run_l1() {
	raw=$2.raw
	log "booting L1 (QEMU TCG, -cpu EPYC, $LAB_L1_CPUS vCPU)${1:+ for: $1}"
	: > "$raw"
	# L1's serial input: a FIFO held open, so that the watchdog can type
	rm -f "$2.in" "$2.mon" "$2.nudges"; mkfifo "$2.in"
	# held open here too: opening a FIFO to write waits for a reader, and
	# a nudge that came just after QEMU ended would wait forever
	exec 7<> "$2.in"
	timeout "$LAB_TIMEOUT" $LAB_QEMU -accel tcg,thread="$LAB_TCG_THREAD" -cpu EPYC \
		-m 4096 -smp "$LAB_L1_CPUS" -nographic -no-reboot -kernel "$L1_VMLINUZ" \
		-initrd "$LAB/l1-initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet lab.only=$1 kvm_amd.npt=$LAB_L1_NPT $LAB_L1_APPEND ${3:-}" \
		-monitor unix:"$2.mon",server=on,wait=off \
		<> "$2.in" > "$raw" 2> "$2.qemu-err" &
	qpid=$!
	tail -n +1 -f --pid=$qpid "$raw" | sed -u 's/\r$//' | {
		if [ $demo = 1 ]; then sed -n '/^LAB-BEGIN demo/,/^LAB-RESULT/{/^LAB-/!p}'
		elif [ -n "$bench" ]; then grep --line-buffered '^BENCH'
		else cat > /dev/null; fi
	} &
	vpid=$!
	# Progress is a new LAB- (or benchmark's BENCH) line: a wedged L1 kernel
	# keeps printing soft-lockup reports, so mere console output proves nothing.
	lines=0; since=$(date +%s); nudged=0; last_nudge=$since; panicked=0; done_at=
	while kill -0 $qpid 2>/dev/null; do
		sleep 5
		now=$(grep -ac '^\(LAB-\|BENCH\)' "$raw" || true)
		if [ "$now" != "$lines" ]; then
			[ $nudged = 1 ] && echo "spoke: L1 went on after it" >> "$2.nudges"
			lines=$now; since=$(date +%s); nudged=0; last_nudge=$since
		fi
		silent=$(( $(date +%s) - since ))
		if [ $(( $(date +%s) - last_nudge )) -ge "$LAB_NUDGE_S" ]; then
			nudged=1; last_nudge=$(date +%s)
			nudge_l1 "$2" "$silent"
		fi
		if [ $silent -gt "$LAB_SILENCE_S" ] && ! grep -q '^LAB-DONE' "$raw"; then
			log "no progress from L1 for ${silent}s: stopping it"
			kill $qpid 2>/dev/null || true
			wait $qpid 2>/dev/null || true
		fi
		# every result is in: an L1 whose poweroff wedges (a soft lockup in
		# nested TCG, seen in session 11) would otherwise run to LAB_TIMEOUT
		if [ -z "$done_at" ] && grep -aq '^LAB-DONE' "$raw"; then
			done_at=$(date +%s)
		elif [ -n "$done_at" ] && [ $(( $(date +%s) - done_at )) -gt "$LAB_POWEROFF_S" ]; then
			log "L1 did not power off ${LAB_POWEROFF_S}s after its last result: stopping it"
			kill $qpid 2>/dev/null || true
			wait $qpid 2>/dev/null || true
		fi
		# L1's own panic (an L2's comes in LAB-LOG lines): panic=-1 and
		# -no-reboot should end QEMU, but the panic path can hang in
		# nested TCG; waiting out the silence would cost minutes
		if grep -aq '^\[[ 0-9.]*\] Kernel panic - not syncing' "$raw"; then
			panicked=$((panicked + 5))
			if [ $panicked -gt 10 ]; then
				log "L1 panicked: stopping it"
				kill $qpid 2>/dev/null || true
				wait $qpid 2>/dev/null || true
			fi
		fi
	done
	wait $vpid 2>/dev/null || true
	exec 7>&-
	[ -e "$2.nudges" ] && log "$(grep -c '^nudge' "$2.nudges") newline(s) typed on L1's" \
		"serial port after quiet spells; L1 went on after $(grep -c '^spoke' "$2.nudges")" \
		"(details: $2.nudges)"
	sed 's/\r$//' "$raw" > "$2"
}

# Every scenario but those marked "# lab: manual" (run only when named:
# work in progress, see the scenario's header).
all_scenarios() {
	grep -L '^# lab: manual' "$ROOT"/tests/lab/scenarios/*.sh | xargs -n1 basename |
		sed 's/\.sh$//' | tr '\n' ,
}

# Scenarios of this run that have no result in CONSOLE, as a comma list.
unfinished() {
	all=${only:-$(all_scenarios)}
	for s in $(echo "$all" | tr , ' '); do
		grep -q "^LAB-RESULT $s " "$1" || printf '%s,' "$s"
	done
}

# report CONSOLE: one line per scenario, then "lab: N passed, N failed".
report() {
	console=$1
	pass=0; failed=0
	grep '^LAB-ERROR' "$console" >&2 || true
	while read -r _ name res start end; do
		[ -n "$name" ] || continue     # no LAB-RESULT at all
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
	for s in $(unfinished "$console" | tr , ' '); do
		echo "FAIL: lab $s (no result: L1 stopped before it finished)"
		failed=$((failed + 1))
	done
	if ! grep -q '^LAB-DONE' "$console"; then
		echo "FAIL: lab did not finish (timeout or L1 crash); last lines:"
		tail -n 30 "$console" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
	echo "lab: $pass passed, $failed failed"
	[ $failed = 0 ]
}

# run_sharded ONLY CONSOLE: the scenarios of ONLY (comma list; empty: all)
# dealt round-robin to LAB_SHARDS L1s running at once; then each scenario
# marked "# lab: alone" in an L1 of its own, one after another (a guest
# that has made L1 die must not take other scenarios with it), that L1
# booted with what its "# lab: l1-append ARGS" line asks for. Their LAB-
# lines end up in CONSOLE.
run_sharded() {
	list=$(echo "${1:-$(all_scenarios)}" | tr , ' ')
	rm -f "$2".shard* "$2".alone*
	i=0
	for s in $list; do
		if grep -q '^# lab: alone' "$ROOT/tests/lab/scenarios/$s.sh" 2>/dev/null; then
			echo "$s" > "$2.alone$i"
		else
			printf '%s,' "$s" >> "$2.shard$((i % LAB_SHARDS))"
		fi
		i=$((i + 1))
	done
	pids=""
	for f in $(ls "$2".shard? 2>/dev/null); do
		run_l1 "$(sed 's/,$//' "$f")" "$f.console" &
		pids="$pids $!"
	done
	for p in $pids; do wait $p || true; done
	for f in $(ls "$2".alone* 2>/dev/null | grep '\.alone[0-9]*$'); do
		s=$(cat "$f")
		run_l1 "$s" "$f.console" "$(l1_append "$ROOT/tests/lab/scenarios/$s.sh")" || true
	done
	parts=$(ls "$2".shard? "$2".alone* 2>/dev/null | grep '\.\(shard\|alone\)[0-9]*$')
	consoles=$(for f in $parts; do echo "$f.console"; done)
	cat $consoles | grep '^LAB-' | grep -v '^LAB-DONE' > "$2"
	# LAB-DONE only when every L1 finished
	[ "$(cat $consoles | grep -c '^LAB-DONE')" = "$(echo "$parts" | wc -w)" ] &&
		echo LAB-DONE >> "$2"
	return 0
}

# The whole run is one function, called on the file's last line: the shell
# has read all of it before anything runs, so editing lab.sh during a run
# cannot derail that run.
main() {
	fetch_kernels
	build_l2
	if [ $prepare = 1 ]; then
		echo "$L2_VMLINUZ $LAB/l2-initrd.gz"
		exit 0
	fi

	build_l1
	rm -rf "$LAB"/attempt[0-9]* "$LAB"/l1-console.retry*
	if [ $demo = 1 ] || [ -n "$bench" ]; then
		# a benchmark's L1 boots with what its "# lab: l1-append" line asks for
		run_l1 "$only" "$LAB/l1-console.log" "$([ -z "$bench" ] || l1_append "$ROOT/bench/$bench/l1.sh")"
		grep -q "^LAB-RESULT ${bench:+bench:}${bench:-demo} PASS" "$LAB/l1-console.log"
		exit
	fi
	run_sharded "$only" "$LAB/l1-console.log"
	# The nested lab is not perfectly stable (docs/lab.md): L1 can wedge or
	# crash, and an L2 guest can die of it. Scenarios that failed or never
	# finished get up to LAB_ATTEMPTS runs in all, each in a fresh L1; every
	# earlier failure stays in the output behind a NOTE, so that a real bug
	# (which fails every time) still fails and a flake cannot sink CI.
	merged=$LAB/l1-console.log
	attempt=1
	while :; do
		again=$(grep '^LAB-RESULT [^ ]* FAIL' "$merged" | cut -d' ' -f2 | tr '\n' ,)$(unfinished "$merged")
		[ -n "$again" ] && [ $attempt -lt "$LAB_ATTEMPTS" ] || break
		for s in $(unfinished "$merged" | tr , ' '); do
			if grep -q "^LAB-BEGIN $s$" "$merged"; then
				echo "NOTE: L1 stopped responding during scenario $s"
			fi
		done
		for s in $(echo "$again" | tr , ' '); do
			grep -q "^LAB-RESULT $s FAIL" "$merged" || continue
			echo "NOTE: scenario $s failed in attempt $attempt; its log:"
			grep "^LAB-LOG $s: " "$merged" | sed "s/^LAB-LOG /    attempt $attempt: /" | tail -n 40
		done
		# each attempt's L1 consoles are kept (build/lab/attemptN/), so that
		# one that died can be read after the retry that replaced it
		mkdir -p "$LAB/attempt$attempt"
		for f in "$LAB"/l1-console.*.console*; do      # (not the FIFOs, the sockets)
			if [ -f "$f" ]; then cp "$f" "$LAB/attempt$attempt/"; fi
		done
		attempt=$((attempt + 1))
		echo "NOTE: attempt $attempt of ${again%,} in a fresh L1"
		run_sharded "${again%,}" "$LAB/l1-console.retry"
		for s in $(echo "$again" | tr , ' '); do
			printf '^LAB-[A-Z]* %s[ :]\n^LAB-BEGIN %s$\n' "$s" "$s"
		done > "$LAB/retried.patterns"
		grep '^LAB-' "$merged" | grep -v '^LAB-DONE' | grep -v -f "$LAB/retried.patterns" |
			cat - "$LAB/l1-console.retry" > "$merged.new"
		mv "$merged.new" "$merged"
	done
	report "$LAB/l1-console.log"
}

main "$@"; exit $?
