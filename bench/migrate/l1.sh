# lab: l1-append tsc=reliable
# (L1 on a TSC clocksource, as a real host with an invariant TSC: meridian's
# clock goes by TSC offsets, as in the migrate scenario; docs/lab.md)
# Runs inside L1 (tests/lab/lab.sh --bench migrate): the same 2-vCPU,
# 512 MiB guest live-migrated over TCP loopback by meridian and by QEMU,
# idle (only a 20 ms clock ticker) and dirtying (tests/lab/guest/pattern.c
# rewriting parts of 200 MiB), interleaved, RUNS times each. Both with
# their default downtime limit (300 ms) and no bandwidth cap (QEMU 7.2's
# default cap of 32 MiB/s lifted), neither compressing. The clock step is
# the change of the guest's realtime minus L1's across the switchover
# (median over 60 ticks each side), seen by UDP: the guest sends its
# CLOCK_REALTIME every 20 ms through user-mode networking (both VMMs with
# libslirp) to L1 (pattern udptick / udpoffsets); and, for reference, on
# the console (each tick taken as it shows; every console byte is an exit
# to the VMM, so its delay moves by ms between processes). Each VMM's own
# downtime figure counts differently (QEMU's ends when its source has sent
# the last byte, meridian's when the destination confirmed it runs), so
# both are also measured from outside the same way: the longest time
# between two new ticks arriving on the consoles in L1 (pattern gap; it
# includes up to one 20 ms tick period). Prints
#   BENCH migrate WORKLOAD VMM RUN TOTAL_MS DOWNTIME_MS BYTES STEP_MS GAP_MS SRC_DOWNTIME_MS CONSOLE_STEP_MS
# (STEP_MS by UDP; SRC_DOWNTIME_MS: QEMU's own downtime; for meridian the
# same kind, from the pause until its source sent the last byte)
# and for meridian the exact figure, kvmclock minus host realtime from
# KVM_GET_CLOCK on both sides (no console in between):
#   BENCH migrate-kvmclock WORKLOAD meridian RUN STEP_MS
# Workload postcopy (issue 18): the dirtying guest plus 200 MiB rewritten
# without pause (lab.churn), moved by post-copy on both VMMs: postcopy-ram
# on both sides, migrate-start-postcopy right after migrate (the switch
# comes after the first pass over RAM); meridian with postcopy-preempt.
# Its extra line, from the destination's query-migrate:
#   BENCH migrate-postcopy VMM RUN BLOCKTIME_MS LATENCY_MEDIAN_US LATENCY_P99_US
# (QEMU 7.2 reports no fault latency: "-")
# With /lab/bin/meridian-base (bench/ab.sh: another commit's meridian) it
# migrates too, right after meridian in each run, as VMM meridian-base.
. /lab/lib.sh
# bench.runs=N and bench.workloads=A,B on L1's command line (LAB_L1_APPEND)
# choose; by default 3 runs of every workload
RUNS=$(sed -n 's/.*bench\.runs=\([0-9]*\).*/\1/p' /proc/cmdline)
RUNS=${RUNS:-3}
WORKLOADS=$(sed -n 's/.*bench\.workloads=\([a-z,]*\).*/\1/p' /proc/cmdline | tr , ' ')
QEMU="qemu-system-x86_64 -L /usr/share/qemu -L /usr/share/seabios -enable-kvm -M pc -cpu host \
 -m 512M -smp 2 -nographic -no-reboot -netdev user,id=n0 -device virtio-net-pci,netdev=n0,romfile="

# qmp SOCK COMMAND-JSON: one command after the handshake; its reply
qmp() {
	printf '{"execute":"qmp_capabilities"}\n%s\n' "$2" |
		socat -t 2 - UNIX-CONNECT:$1 2>/dev/null | tail -n 1
}
field() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" | head -n 1; }

# ready OUT WORKLOAD VMM: waits for the guest to be in its steady state;
# a guest that never gets there (the lab's L2 guests sometimes hang at
# boot) is a BENCH-ERROR line, and the run is skipped, not the benchmark
ready() {
	if [ $2 != idle ]; then
		seen $1 'L2-PATTERN ok round=2' 150 && return
	else
		seen $1 'L2-RT' 150 && sleep 5 && return
	fi
	echo "BENCH-ERROR migrate $2 $3: the source guest never got going: $(tr -d '\r' < $1 |
		grep -m1 -E 'BUG|lockup|rcu.*stall|panic|Oops|triple fault') ... $(tr -d '\r' < $1 | tail -n 1)"
	return 1
}

result() {
	# no tick seen at all: the measurement failed (not a pause of 0 ms)
	if [ "$(cat /tmp/gap.out)" = 0.0 ]; then
		echo "BENCH-ERROR migrate $1 $2: no clock ticks seen on either console"; return
	fi
	# a completed migration takes time: 0 or nothing is a reading that failed
	# (QEMU once said "completed" with a total time of 0; its median took it)
	if [ "${3:-0}" -le 0 ]; then
		echo "BENCH-ERROR migrate $1 $2: total time '$3': $(tr -d '\n' < /tmp/bqm.out | head -c 400)"
		return
	fi
	set -- "$@" $6 $7       # $9-$12: (UDP, console) before, (UDP, console) after
	[ -n "${12}" ] || { echo "BENCH-ERROR migrate $1 $2: no clock offsets ($6 / $7)"; return; }
	echo "BENCH migrate $1 $2 $run $3 $4 $5 $(step $9 ${11}) $(cat /tmp/gap.out) $8 $(step ${10} ${12})"
}
step() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) * 1000 }'; }

# offsets CONSOLE: clock_offsets' two medians (by UDP, on CONSOLE)
offsets() { clock_offsets $1 | cut -d' ' -f1,4; }

# watch_gap / end_gap: the longest pause between ticks on either console
watch_gap() {
	rm -f /tmp/gap.stop /tmp/gap.out
	/lab/bin/pattern gap /tmp/bsrc.out /tmp/bdst.out /tmp/gap.stop > /tmp/gap.out &
	gapper=$!
}
end_gap() { touch /tmp/gap.stop; wait $gapper; }

# migrated QUERY...: runs QUERY (it prints query-migrate's answer) into
# /tmp/bqm.out until the migration has ended; 2 s later (the destination's
# console goes on) stops the gap watch and takes the clock after
migrated() {
	for k in $(seq 1 300); do
		"$@" > /tmp/bqm.out
		grep -Eq '"status": *"(completed|failed|cancelled)"' /tmp/bqm.out && break
		sleep 0.2
	done
	sleep 2
	end_gap
	after=$(offsets /tmp/bdst.out)
}

# meridian_once WORKLOAD [NAME BINARY]: one migration by meridian (or, as
# NAME, by another meridian binary: bench/ab.sh's meridian-base)
meridian_once() {
	vname=${2:-meridian} vbin=${3:-$MERIDIAN}
	rm -f /tmp/b1.sock /tmp/b2.sock
	timeout 300 $vbin run -k $KERNEL -i $INITRD -m 512M -c 2 --net user --api /tmp/b1.sock \
		-a "$CMDLINE" < /dev/null > /tmp/bsrc.out 2>&1 &
	s=$!
	timeout 300 $vbin run -k $KERNEL -i $INITRD -m 512M -c 2 --net user --api /tmp/b2.sock \
		--incoming tcp:127.0.0.1:4500 -a "$CMDLINE" < /dev/null > /tmp/bdst.out 2>&1 &
	d=$!
	ready /tmp/bsrc.out $1 $vname || { kill -9 $s $d; wait $s $d 2>/dev/null; return; }
	before=$(offsets /tmp/bsrc.out)
	kb=$(kvm_offset /tmp/b1.sock)
	[ $1 != postcopy ] || meridian_postcopy_caps $vbin
	watch_gap
	$vbin ctl /tmp/b1.sock migrate '{"uri": "tcp:127.0.0.1:4500"}' > /dev/null
	[ $1 != postcopy ] || $vbin ctl /tmp/b1.sock migrate-start-postcopy > /dev/null
	migrated $vbin ctl /tmp/b1.sock query-migrate
	if grep -q '"status": "completed"' /tmp/bqm.out; then
		# QEMU's kind of downtime: from the pause until the source sent the
		# last byte (meridian's own goes on until the destination runs)
		src_ms=$(tr -d '\r' < /tmp/bsrc.out | sed -n 's/.*last pages \([0-9]*\) ms.*, state \([0-9]*\) ms,.*/\1 \2/p' |
			 awk '{ print $1 + $2 }' | tail -n 1)
		result $1 $vname "$(field total-time < /tmp/bqm.out)" "$(field downtime < /tmp/bqm.out)" \
			"$(field transferred < /tmp/bqm.out)" "$before" "$after" "$src_ms"
		ka=$(kvm_offset /tmp/b2.sock)
		echo "BENCH-NOTE $1 $vname: $(tr -d '\r' < /tmp/bsrc.out | grep -o 'migrated: .*')"
		echo "BENCH-NOTE $1 $vname clock: $(cat /tmp/bsrc.out /tmp/bdst.out | tr -d '\r' |
			grep -o -m 1 'carried by TSC offsets\|instead of offsets') (L1 on $(l1_clocksource))"
		echo "BENCH migrate-kvmclock $1 $vname $run $(awk -v a="$kb" -v b="$ka" 'BEGIN { printf "%.3f", b - a }')"
		[ $1 != postcopy ] || { $vbin ctl /tmp/b2.sock query-migrate > /tmp/bqd.out
			echo "BENCH migrate-postcopy $vname $run $(field postcopy-blocktime < /tmp/bqd.out) $(field fault-latency-median-us < /tmp/bqd.out) $(field fault-latency-p99-us < /tmp/bqd.out)"; }
	else
		echo "BENCH-ERROR migrate $1 $vname: $(tr -d '\n' < /tmp/bqm.out)"
		tr -d '\r' < /tmp/bsrc.out | tail -n 5 | sed 's/^/BENCH-ERROR   source: /'
		tr -d '\r' < /tmp/bdst.out | tail -n 5 | sed 's/^/BENCH-ERROR   destination: /'
	fi
	kill -9 $s $d 2>/dev/null; wait $s $d 2>/dev/null
}

qemu_once() {
	rm -f /tmp/q1.sock /tmp/q2.sock
	$QEMU -kernel $KERNEL -initrd $INITRD -append "$CMDLINE" \
		-qmp unix:/tmp/q1.sock,server=on,wait=off < /dev/null > /tmp/bsrc.out 2>&1 &
	s=$!
	$QEMU -kernel $KERNEL -initrd $INITRD -append "$CMDLINE" -incoming tcp:127.0.0.1:4501 \
		-qmp unix:/tmp/q2.sock,server=on,wait=off < /dev/null > /tmp/bdst.out 2>&1 &
	d=$!
	ready /tmp/bsrc.out $1 qemu || { kill -9 $s $d; wait $s $d 2>/dev/null; return; }
	qmp /tmp/q1.sock '{"execute":"migrate-set-parameters","arguments":{"max-bandwidth":10000000000}}' > /dev/null
	[ $1 != postcopy ] || qemu_postcopy_caps
	before=$(offsets /tmp/bsrc.out)
	watch_gap
	qmp /tmp/q1.sock '{"execute":"migrate","arguments":{"uri":"tcp:127.0.0.1:4501"}}' > /dev/null
	[ $1 != postcopy ] || qmp /tmp/q1.sock '{"execute":"migrate-start-postcopy"}' > /dev/null
	migrated qmp /tmp/q1.sock '{"execute":"query-migrate"}'
	if grep -Eq '"status": *"completed"' /tmp/bqm.out; then
		result $1 qemu "$(field total-time < /tmp/bqm.out)" "$(field downtime < /tmp/bqm.out)" \
			"$(field transferred < /tmp/bqm.out)" "$before" "$after" \
			"$(field downtime < /tmp/bqm.out)"
		[ $1 != postcopy ] || echo "BENCH migrate-postcopy qemu $run $(qmp /tmp/q2.sock \
			'{"execute":"query-migrate"}' | field postcopy-blocktime) - -"
	else
		echo "BENCH-ERROR migrate $1 qemu: $(tr -d '\n' < /tmp/bqm.out | head -c 300)"
	fi
	kill -9 $s $d 2>/dev/null; wait $s $d 2>/dev/null
}

# postcopy-ram on both sides (and blocktime on the destination, preempt
# on meridian's source)
cap_list() { for c in "$@"; do printf '{"capability":"%s","state":true},' $c; done | sed 's/,$//'; }
meridian_postcopy_caps() {
	$1 ctl /tmp/b2.sock migrate-set-capabilities "{\"capabilities\": [$(cap_list postcopy-ram postcopy-blocktime)]}" > /dev/null
	$1 ctl /tmp/b1.sock migrate-set-capabilities "{\"capabilities\": [$(cap_list postcopy-ram postcopy-preempt)]}" > /dev/null
}
qemu_postcopy_caps() {
	qmp /tmp/q2.sock "{\"execute\":\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":[$(cap_list postcopy-ram postcopy-blocktime)]}}" > /dev/null
	qmp /tmp/q1.sock "{\"execute\":\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":[$(cap_list postcopy-ram)]}}" > /dev/null
}

# run by run, each workload in turn: the lab's L1 often dies a few minutes
# in (docs/lab.md), and then there are figures of both kinds
# (not $i: lib.sh's seen and wait_for use it)
for run in $(seq 1 $RUNS); do
	for workload in ${WORKLOADS:-dirtying idle postcopy}; do
		case $workload in
		idle) CMDLINE="$BASE act=ticker" ;;
		dirtying) CMDLINE="$BASE act=pattern" ;;
		postcopy) CMDLINE="$BASE act=pattern lab.churn=200" ;;
		esac
		CMDLINE="$CMDLINE lab.udptick=10.0.2.2"
		# (meridian-base: an A/B of pre-copy; it may predate post-copy.
		# The two take turns going first, so that whatever the first
		# migration of a run leaves behind in L1 favours neither)
		if [ -x /lab/bin/meridian-base ] && [ $workload != postcopy ]; then
			if [ $((run % 2)) = 1 ]; then
				meridian_once $workload
				meridian_once $workload meridian-base /lab/bin/meridian-base
			else
				meridian_once $workload meridian-base /lab/bin/meridian-base
				meridian_once $workload
			fi
		else
			meridian_once $workload
		fi
		qemu_once $workload
	done
done

exit 0     # errors are BENCH-ERROR lines; the ratios say the rest
