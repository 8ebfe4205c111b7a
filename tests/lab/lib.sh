# Helpers for lab scenarios (sourced; runs in L1 under busybox sh).
# Each scenario exits 0 on PASS; every check prints what it saw.
KERNEL=/lab/l2/vmlinuz
INITRD=/lab/l2/initrd.gz
MERIDIAN=/lab/bin/meridian
GUEST_TIMEOUT=${GUEST_TIMEOUT:-120}
# noxsave: L1's SVM under TCG does not intercept XSETBV for L2, so KVM
# tracks a wrong XCR0 and every L2 kernel (QEMU's too) warns "XSAVE
# consistency problem: size 832 != kernel_size 576" and may then crash
# on AVX state. A lab artifact; on real hardware the guest needs nothing.
BASE="console=ttyS0 noxsave"

fail() { ring_warning; echo "FAIL: $*"; exit 1; }
# ring_warning: L1's KVM warning that it pushed into a full dirty ring
# (issue 26), with its call trace, if it gave one
ring_warning() {
	dmesg 2>/dev/null | grep -q 'dirty_ring.c' || return 0
	echo "L1's KVM overflowed a dirty ring:"
	dmesg | grep -A40 'dirty_ring.c' | grep -E 'WARNING|Comm:|\] ( \? )?[a-z_0-9.]+\+0x' | head -n 24
}
ok() { echo "ok: $*"; }

# run_guest OUT [meridian run args...]: runs meridian with the L2 guest,
# console and stderr to OUT, and sets STATUS.
run_guest() {
	out=$1; shift
	timeout "$GUEST_TIMEOUT" $MERIDIAN run -k $KERNEL -i $INITRD "$@" \
		< /dev/null > "$out.raw" 2>&1
	STATUS=$?
	tr -d '\r' < "$out.raw" > "$out"   # the serial line ends lines with CR LF
	echo "meridian run $* -> status $STATUS"
}

# expect OUT PATTERN [WHAT]: OUT has a line matching the extended regex.
expect() {
	grep -Eq "$2" "$1" || { echo "--- $1"; cat "$1"; fail "${3:-no line matching '$2'}"; }
	ok "${3:-saw '$2'}: $(grep -Em1 "$2" "$1" | tr -d '\r')"
}

# expect_not OUT PATTERN
expect_not() {
	! grep -Eq "$2" "$1" || fail "unexpected line matching '$2': $(grep -Em1 "$2" "$1")"
	ok "no line matching '$2'"
}

expect_status() {
	[ "$STATUS" = "$1" ] || { echo "--- $OUT"; cat "$OUT" 2>/dev/null; fail "exit status $STATUS, expected $1"; }
	ok "exit status $1"
}

count() { grep -Ec "$2" "$1"; }

# seen OUT PATTERN SECONDS: polls OUT until a line matches PATTERN (0), or
# SECONDS pass (1). OUT may not exist yet.
seen() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt $(($3 * 5)) ] || return 1
		sleep 0.2
	done
}

# grows OUT PATTERN SECONDS: polls OUT until it has more lines matching
# PATTERN than when called (0), or SECONDS pass (1). For counters that go
# on from another process (a migrated guest's rounds), where waiting for
# a number could match another ("round=4" in "round=41")
grows() {
	c0=$(tr -d '\r' < "$1" | grep -c "$2"); i=0
	while [ "$(tr -d '\r' < "$1" | grep -c "$2")" -le "$c0" ]; do
		i=$((i + 1))
		[ $i -lt $(($3 * 5)) ] || return 1
		sleep 0.2
	done
}

# wait_for OUT PATTERN SECONDS WHAT: seen, or OUT is shown and the
# scenario fails with "WHAT".
wait_for() {
	seen "$1" "$2" "$3" || { cat "$1"; fail "$4"; }
}

# For guests running tests/lab/guest/pattern.c (act=pattern):
# offset FILE: the guest's realtime minus L1's, the median over 60 of its
# 20 ms ticks, each taken as it shows in FILE (the console's delay is in
# it, the same before and after); rounds FILE: how many times the pattern
# verified.
offset() { /lab/bin/pattern offset $1; }
# clock_offsets RAW: the guest's realtime minus L1's, seen two ways, each
# "median p90 ticks": by UDP (pattern udptick to L1's port 5010, the
# steadier path) and on the console RAW (pattern offsets)
clock_offsets() { echo "$(/lab/bin/pattern udpoffsets 5010) $(/lab/bin/pattern offsets $1)"; }
# kvm_offset SOCK: meridian's own view, exact: KVM_GET_CLOCK's kvmclock
# minus its host realtime (x-meridian-query-clock), in ms. Across a
# migration it must not move: the guest's clocks derive from kvmclock.
kvm_offset() {
	timeout 30 $MERIDIAN ctl $1 x-meridian-query-clock > /tmp/kvm_offset.out ||
		{ echo "kvm_offset: no answer from $1" >&2; threads >&2; }
	tr -d ' ,' < /tmp/kvm_offset.out | awk -F: '
		/^"ns"/ { ns = $2 } /^"realtime-ns"/ { rt = $2 }
		END { if (ns != "" && rt != "") printf "%.3f\n", (ns - rt) / 1e6 }'
}
# serial_state SOCK: x-meridian-query-serial in one line (the UART, the
# IOAPIC pin, each vCPU's APIC bits for its vector), for a console that
# went quiet
serial_state() {
	timeout 30 $MERIDIAN ctl $1 x-meridian-query-serial 2>&1 | tr -d ' \n'; echo
}
# vcpu_stats SOCK: the vCPUs' single-valued KVM statistics, one "name
# value" line each, vCPU after vCPU
vcpu_stats() {
	$MERIDIAN ctl $1 query-stats '{"target":"vcpu"}' 2>&1 | tr -d ' \n' |
		grep -o '"name":"[a-z_0-9]*","value":[0-9]*' | sed 's/"name":"\([^"]*\)","value":/\1 /'
}
# vcpu_exits SOCK: each vCPU's exit count (KVM's statistics), in order,
# space-separated
vcpu_exits() { vcpu_stats $1 | awk '$1 == "exits" { printf "%s ", $2 }'; }
# stalled SOCK RAW WHAT: the guest behind SOCK went quiet: its console's
# last lines, its serial port's state, its clock and its vCPUs (where
# they run, what is pending, the APIC timer), twice, 3 s apart
# (the first look takes the vCPUs out of KVM_RUN for a moment), the KVM
# statistics that moved in between (exits moving: the vCPUs run; which
# ones say what the guest does), and FAIL
stalled() {
	tr -d '\r' < $2 | grep -v '^L2-RT' | tail -n 30
	echo "last clock line: $(tr -d '\r' < $2 | grep '^L2-RT' | tail -n 1)"
	vcpu_stats $1 > /tmp/stalled.1
	for look in 1 2; do
		[ $look = 1 ] || sleep 3
		echo "serial: $(serial_state $1)"
		echo "clock: $(timeout 30 $MERIDIAN ctl $1 x-meridian-query-clock 2>&1 | tr -d ' \n')"
		echo "vCPUs: $(timeout 30 $MERIDIAN ctl $1 x-meridian-query-vcpus 2>&1 | tr -d ' \n')"
	done
	vcpu_stats $1 > /tmp/stalled.2
	echo "vCPU statistics that moved in those 3 s: $(paste -d' ' /tmp/stalled.1 /tmp/stalled.2 |
		awk '$2 != $4 { printf "%s +%d, ", $1, $4 - $2 }')"
	echo "lines since: $(tr -d '\r' < $2 | tail -n 3 | tr '\n' '|')"
	fail "$3"
}
# stable_bits: each vCPU's PVCLOCK_TSC_STABLE_BIT in the last kvm_offset's
# reading ("true false ...")
stable_bits() { grep -o '"tsc-stable-bit": *[a-z]*' /tmp/kvm_offset.out | sed 's/.*: *//' | tr '\n' ' '; }
rounds() { tr -d '\r' < $1 | grep -c '^L2-PATTERN ok'; }
# disk_passes FILE: how many times the guest's disk loop (lab.disk) verified
disk_passes() { tr -d '\r' < $1 | grep -c '^L2-DISK ok'; }
# l1_clocksource: L1's clocksource: tsc (always, where the scenario's L1
# boots tsc=reliable) or hpet (L1 found its TSC unstable in that boot)
l1_clocksource() { cat /sys/devices/system/clocksource/clocksource0/current_clocksource; }
# check_clock_path WHAT BEFORE AFTER SRC DST: how the guest's clock
# moved, from the stable bits BEFORE and AFTER (stable_bits) and the
# source's and destination's meridian logs SRC and DST. On a TSC
# clocksource, KVM_GET_CLOCK gives the host TSC, so the transfer by TSC
# offsets must have run (its line in DST, no fallback line in either)
# and every vCPU's pvclock stable bit must be set before and after; on
# hpet the TSC values are carried (MSR_IA32_TSC) and a bit that was set
# must still be.
check_clock_path() {
	if [ "$(l1_clocksource)" != tsc ]; then
		case "$2" in *true*) [ "$3" = "$2" ] || fail "$1: pvclock stable bits $2 before, $3 after" ;; esac
		ok "$1: L1 on $(l1_clocksource): the TSC values were carried; pvclock stable bits before: $2 after: $3"
		return
	fi
	expect "$5" 'meridian: clock: carried by TSC offsets' "$1: the transfer by TSC offsets ran"
	cat "$4" "$5" > /tmp/clock_path.log
	expect_not /tmp/clock_path.log 'instead of offsets|instead \(MSR_IA32_TSC\)'
	# every bit set before (none false, and there are some), the same after
	case "$2" in ""|*false*) fail "$1: L1 on tsc, yet pvclock stable bits before: '$2'" ;; esac
	[ "$3" = "$2" ] || fail "$1: pvclock stable bits $2 before, $3 after"
	ok "$1: pvclock stable bits before: $2 after: $3 (L1 on tsc)"
}
# check_kvmclock WHAT KB SB KA SRC DST: kvmclock - host realtime (in ms,
# kvm_offset) moved by less than 2 ms (the issue's bound; exact, no
# console in between) from KB on the source to KA on the destination (KA
# the last kvm_offset read), and the TSCs went the way check_clock_path
# wants, SB being the stable bits read with KB
check_kvmclock() {
	[ -n "$2" ] && [ -n "$4" ] || fail "$1: no kvmclock reading (x-meridian-query-clock) to compare"
	sa=$(stable_bits)
	d=$(awk -v a="$2" -v b="$4" 'BEGIN { printf "%.3f", b - a }')
	awk -v d="$d" 'BEGIN { exit !(d < 2 && d > -2) }' ||
		fail "$1: kvmclock - host realtime: $2 ms before, $4 ms after"
	ok "$1: kvmclock - host realtime (KVM_GET_CLOCK) moved by $d ms (bound 2 ms)"
	check_clock_path "$1" "$3" "$sa" "$5" "$6"
}
# no_complaints BAD RAW...: no line of the guest's matches BAD (an
# extended regex) in any of the consoles RAW (/tmp/NAME.raw), or the first
# such line is shown with what came before it there and the scenario
# FAILs. Each console, CRs and clock ticks (L2-RT) left out, stays in
# /tmp/NAME.out for the counts that follow.
no_complaints() {
	bad=$1; shift
	for f in "$@"; do
		tr -d '\r' < $f | grep -v '^L2-RT' > ${f%.raw}.out
		grep -Eq "$bad" ${f%.raw}.out || continue
		grep -E -B 15 -m 1 "$bad" ${f%.raw}.out
		fail "in $f: $(grep -E -m 1 "$bad" ${f%.raw}.out)"
	done
}
# migration_end SOCK: waits until query-migrate is no longer active; prints it
migration_end() {
	i=0
	while [ $i -lt 400 ]; do
		$MERIDIAN ctl $1 query-migrate > /tmp/qm.out 2>&1
		grep -Eq '"status": "(completed|failed|cancelled)"' /tmp/qm.out && break
		sleep 0.5; i=$((i + 1))
	done
	cat /tmp/qm.out
}
# alive PID FILE WHAT: the process still runs, else its last lines and FAIL
alive() {
	kill -0 $1 2>/dev/null || { tr -d '\r' < $2 | tail -n 30; fail "$3"; }
}

# ended PID WHAT [SECONDS [CONSOLE]]: waits up to SECONDS (30) for PID (a
# meridian told to quit or power off) to exit and sets STATUS; one that
# does not is shown (the last lines of CONSOLE, threads) and FAILs,
# instead of the scenario waiting for it forever
ended() {
	i=0
	while kill -0 $1 2>/dev/null && [ $i -lt $((${3:-30} * 5)) ]; do sleep 0.2; i=$((i + 1)); done
	if kill -0 $1 2>/dev/null; then
		[ -n "$4" ] && tr -d '\r' < "$4" | tail -n 30
		threads
		kill -9 $1
		fail "$2 did not exit within ${3:-30} s"
	fi
	wait $1; STATUS=$?
}

# threads: where every meridian thread is (state, wait channel, kernel
# stack), for a scenario that found one not answering
threads() {
	for t in /proc/[0-9]*/task/[0-9]*; do
		pid=${t#/proc/}; pid=${pid%%/*}
		grep -q '^meridian$' /proc/$pid/comm 2>/dev/null || continue
		echo "pid $pid thread ${t##*/} $(cat $t/comm) state $(cut -d' ' -f3 $t/stat) wchan $(cat $t/wchan 2>/dev/null)"
		sed 's/^/    /' $t/stack 2>/dev/null | head -n 12
	done
}

# digests SOCK OUT [ARGS]: x-meridian-query-ram-digest (2 MiB ranges over
# all of RAM unless ARGS say otherwise), one digest per line into OUT
digests() {
	dargs=${3:-}
	[ -n "$dargs" ] || dargs='{}'
	timeout 300 $MERIDIAN ctl $1 x-meridian-query-ram-digest "$dargs" \
		> $2.json || fail "x-meridian-query-ram-digest on $1: $(cat $2.json)"
	tr -d ' \n' < $2.json | sed 's/.*"digests":\[//; s/\].*//' | tr ',' '\n' | tr -d '"' > $2
	echo >> $2
	sed -i '/^$/d' $2
	[ -s $2 ] || fail "no digests from $1: $(cat $2.json)"
}
# no_thp_in_l1: L1 stops making transparent huge pages. Under TCG, while
# khugepaged collapsed meridian's guest RAM, two stopped meridians read
# different bytes from the same 2 MiB range twice in a row, the same range
# in both (docs/lab.md): a digest taken then means nothing. Real hosts
# read their memory back as written; this lab needs THP off to compare.
no_thp_in_l1() {
	echo never > /sys/kernel/mm/transparent_hugepage/enabled
	echo never > /sys/kernel/mm/transparent_hugepage/defrag
}
# differing_ranges A B: the 2 MiB ranges whose digests differ between two
# digests files, as the MiB they start at
differing_ranges() {
	paste -d' ' $1 $2 | awk '$1 != $2 { printf "%d ", (NR - 1) * 2 }'
}
# same_ram SRC_SOCK DST_SOCK WHAT: the two copies of guest RAM are equal,
# 2 MiB range by range; else the ranges that differ, as guest-physical
# MiB (RAM counted from 0; the 32-bit hole is not in these guests), and
# in them the pages that differ
same_ram() {
	# twice each, 2 s apart: a stopped guest's RAM must stand still too
	digests $1 /tmp/digest.src0
	digests $2 /tmp/digest.dst0
	sleep 2
	digests $1 /tmp/digest.src
	digests $2 /tmp/digest.dst
	moved=$(differing_ranges /tmp/digest.src0 /tmp/digest.src)
	[ -z "$moved" ] || echo "the source's RAM changed while it was stopped, at MiB: $moved"
	moved2=$(differing_ranges /tmp/digest.dst0 /tmp/digest.dst)
	[ -z "$moved2" ] || echo "the destination's RAM changed while it was held, at MiB: $moved2"
	bad=$(differing_ranges /tmp/digest.src /tmp/digest.dst)
	for mib in $bad; do
		w="{\"range-bytes\": 4096, \"offset\": $((mib << 20)), \"length\": 2097152}"
		digests $1 /tmp/pages.src "$w"
		digests $2 /tmp/pages.dst "$w"
		frames=$(paste -d' ' /tmp/pages.src /tmp/pages.dst | awk -v f=$((mib << 8)) \
			'$1 != $2 { printf "%d ", f + NR - 1 }')
		[ -n "$frames" ] || { echo "MiB $mib-$((mib + 2)): no page differs any more"; continue; }
		echo "pages (frame numbers) that differ in MiB $mib-$((mib + 2)): $(printf '0x%x ' $frames)"
		# the first of them, as each side has it: the words that differ
		f=${frames%% *}
		for side in $1 $2; do
			$MERIDIAN ctl $side pmemsave "{\"val\": $((f << 12)), \"size\": 4096, \"filename\": \"/tmp/page.$(basename $side)\"}" > /dev/null
		done
		echo "page 0x$(printf %x $f), source | destination, the first differing 8-byte words (offset: words):"
		od -v -An -t x8 /tmp/page.$(basename $1) | tr -s ' ' '\n' | sed '/^$/d' > /tmp/page.a
		od -v -An -t x8 /tmp/page.$(basename $2) | tr -s ' ' '\n' | sed '/^$/d' > /tmp/page.b
		paste -d' ' /tmp/page.a /tmp/page.b | awk '$1 != $2 { n++; if (n <= 6) printf "  +0x%03x: %s | %s\n", (NR - 1) * 8, $1, $2 } END { printf "  (%d of 512 words differ)\n", n }'
	done
	same_digests /tmp/digest.src /tmp/digest.dst "$3"
	[ -z "$moved$moved2" ] || fail "$3: guest RAM changed while the guest was stopped"
}
# same_digests A B WHAT: two digests files (digests) agree
same_digests() {
	n=$(wc -l < $1)
	bad=$(differing_ranges $1 $2)
	[ -z "$bad" ] || fail "$3: guest RAM differs in $(echo $bad | wc -w) of $n 2 MiB ranges, at MiB: $bad"
	[ "$n" = "$(wc -l < $2)" ] || fail "$3: $n ranges on one side, $(wc -l < $2) on the other"
	ok "$3: guest RAM identical in all $n 2 MiB ranges (XXH64)"
}

# kvm_ring_overflow: L1's KVM warned that it pushed into a full dirty ring
# (Linux 6.1 on shadow page tables, issue 26): shows the warning and its
# call trace, and fails unless meridian saw it too and failed the
# migration (a completed one would be built on lost pages)
kvm_ring_overflow() {
	dmesg | grep -q 'dirty_ring.c' || { ok "L1's KVM: no dirty ring overflowed"; return 0; }
	ring_warning
	grep -q '"status": "completed"' /tmp/qm.out &&
		fail "KVM overflowed a dirty ring, and the migration completed: meridian did not see it"
	ok "meridian saw it: $(grep -o '"error-desc": "[^"]*"' /tmp/qm.out)"
}

# exact_migration METHOD COMPRESSION PORT: issue 26's check. A 2-vCPU,
# 512 MiB guest rewrites 400 MiB without pause (pattern churn); it
# migrates under a bandwidth cap that keeps the migration going for over
# 60 s, tracked by METHOD; the destination is held (--paused) once the
# stream is in, and its RAM must equal the source's (postmigrate) range by
# range; then it runs 60 s with no kernel complaint and its own pattern
# checks passing.
EXACT_BANDWIDTH=${EXACT_BANDWIDTH:-7000000}      # bytes/s: ~430 MiB of first pass, ~64 s
exact_migration() {
	method=$1 comp=$2 port=$3
	src_s=/tmp/exact-src.sock dst_s=/tmp/exact-dst.sock
	no_thp_in_l1
	dmesg -c > /dev/null        # (kvm_ring_overflow looks at what comes after)
	args="-m 512M -c 2 --cpu host --dirty-tracking $method"
	rm -f $src_s $dst_s
	timeout 900 $MERIDIAN run -k $KERNEL -i $INITRD $args --api $src_s -a "$BASE act=churn" \
		< /dev/null > /tmp/exact-src.raw 2>&1 &
	src=$!
	# (a line every 30 s: the lab stops an L1 that says nothing for 200 s)
	for i in 1 2 3 4 5 6 7 8; do
		seen /tmp/exact-src.raw 'L2-CHURN ok pass=1' 30 && break
		alive $src /tmp/exact-src.raw "the source is gone"
		echo "waiting for the guest's first pass: $(tr -d '\r' < /tmp/exact-src.raw | grep -a L2-CHURN | tail -n1)"
	done
	wait_for /tmp/exact-src.raw 'L2-CHURN ok pass=1' 1 "the guest never verified its 400 MiB"
	ok "source: $(tr -d '\r' < /tmp/exact-src.raw | grep -m1 'L2-CHURN ready')"
	timeout 900 $MERIDIAN run -k $KERNEL -i $INITRD $args --api $dst_s --paused \
		--incoming tcp:127.0.0.1:$port -a "$BASE act=churn" < /dev/null > /tmp/exact-dst.raw 2>&1 &
	dst=$!
	wait_for /tmp/exact-dst.raw 'waiting for the migration' 30 "the destination never listened"
	$MERIDIAN ctl $src_s migrate-set-parameters \
		"{\"max-bandwidth\": $EXACT_BANDWIDTH, \"compression\": \"$comp\"}" > /dev/null ||
		fail "migrate-set-parameters"
	$MERIDIAN ctl $src_s migrate "{\"uri\": \"tcp:127.0.0.1:$port\"}" > /dev/null || fail "migrate"
	i=0
	while :; do
		# over 70 s under the cap: lifted, so that a guest dirtying faster
		# than the cap lets through still ends (30 rounds at 7 MB/s would
		# take half an hour); the long, capped part is what issue 26 needs
		[ $i != 140 ] || { $MERIDIAN ctl $src_s migrate-set-parameters '{"max-bandwidth": 0}' > /dev/null &&
			echo "at 70 s: the bandwidth cap lifted"; }
		$MERIDIAN ctl $src_s query-migrate > /tmp/qm.out 2>&1
		grep -Eq '"status": "(completed|failed|cancelled)"' /tmp/qm.out && break
		i=$((i + 1))
		[ $i -lt 1200 ] || { cat /tmp/qm.out; fail "$method: no end of the migration in 600 s"; }
		alive $src /tmp/exact-src.raw "the source is gone"
		[ $((i % 40)) != 0 ] || echo "at $((i / 2)) s: $(grep -E '"(transferred|remaining|dirty-sync-count|dirty-pages-rate)"' \
			/tmp/qm.out | tr -d ' ,\n')"
		sleep 0.5
	done
	kvm_ring_overflow
	expect /tmp/qm.out '"status": "completed"' "$method: completed"
	expect /tmp/qm.out "\"dirty-tracking\": \"$method\"" "tracked by $method"
	total=$(tr -d ' ,' < /tmp/qm.out | sed -n 's/^"total-time"://p')
	echo "figures: $(grep -E '"(transferred|normal|duplicate|downtime|dirty-sync-count|total-time)"' /tmp/qm.out | tr -d ' ,' | tr '\n' ' ')"
	$MERIDIAN ctl $src_s query-status | grep -q '"status": "postmigrate"' || fail "source not postmigrate"
	i=0
	until $MERIDIAN ctl $dst_s query-status 2>/dev/null | grep -q '"status": "paused"'; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "the destination is not held paused"; sleep 0.2
	done
	same_ram $src_s $dst_s "$method${comp:+, $comp}"
	[ "${total:-0}" -ge 60000 ] || fail "$method: the migration took $total ms, under the 60 s asked for"
	$MERIDIAN ctl $src_s quit > /dev/null
	ended $src "the source"
	n=$(tr -d '\r' < /tmp/exact-dst.raw | grep -c '^L2-CHURN ok')
	$MERIDIAN ctl $dst_s cont > /dev/null || fail "cont on the destination"
	for i in 1 2 3; do
		sleep 20
		echo "destination, $((i * 20)) s on: $(tr -d '\r' < /tmp/exact-dst.raw | grep -a L2-CHURN | tail -n1)"
	done
	alive $dst /tmp/exact-dst.raw "the destination is gone"
	m=$(tr -d '\r' < /tmp/exact-dst.raw | grep -c '^L2-CHURN ok')
	[ $m -gt $n ] || stalled $dst_s /tmp/exact-dst.raw "$method: no verified pass on the destination in 60 s"
	no_complaints 'MISMATCH|Oops|BUG:|WARNING: CPU|cut here|Call Trace|NX-protected|general protection|segfault|Kernel panic' \
		/tmp/exact-src.raw /tmp/exact-dst.raw
	ok "$method: the destination ran 60 s: $((m - n)) verified passes there, no kernel complaint"
	$MERIDIAN ctl $dst_s quit > /dev/null
	ended $dst "the destination"
}

# tap_stream: tap0 at 10.0.2.1 and the TCP stream a lab.net guest checks
# (tcpx source 5003; its pid in $stream)
tap_stream() {
	tunctl -t tap0 > /dev/null || fail "tunctl"
	ip addr add 10.0.2.1/24 dev tap0 && ip link set tap0 up || fail "tap0 up"
	/lab/bin/tcpx source 5003 &
	stream=$!
}
# workload_up RAW: a pattern guest with lab.disk and lab.net got going
workload_up() {
	wait_for $1 'L2-PATTERN ok round=2' 150 "the pattern never verified twice"
	wait_for $1 'L2-DISK ok pass=1' 60 "the disk loop never verified"
	wait_for $1 'L2-NET ok' 60 "the TCP stream never arrived"
}
