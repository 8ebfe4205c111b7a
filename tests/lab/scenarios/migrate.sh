# lab: alone
# lab: l1-append tsc=reliable
# (In an L1 of its own, after the other scenarios: a death of L1 under the
# 2-vCPU, 512 MiB guest costs only this scenario's retry; docs/lab.md has
# the lab's deaths. L1 keeps its TSC as clocksource, as a real host does:
# the clock goes by TSC offsets. The migrations that do not happen are
# `migrate_abort`'s: a lighter scenario each, so a lab death costs less.)
# Live migration over TCP (issue 7): a 2-vCPU guest keeps 200 MiB under a
# pattern it rewrites and verifies (tests/lab/guest/pattern.c), and a loop
# writes and verifies 2 MiB of its disk with O_DIRECT, all the time, and
# it reads a TCP stream of counters from the lab host over virtio-net
# (tap0, handed from process to process; vhost-net until each migration
# begins, meridian's own data path while it runs) and checks every byte.
#  1. The real one (default tracking: dirty-log-clear; zstd, auto-converge): the guest moves, its
#     pattern, disk and TCP stream verify there, its realtime clock kept its
#     offset to the host (within 2 ms, seen by UDP; kvmclock exactly), no
#     TSC went backwards, the TSCs went by offsets with the pvclock stable
#     bits kept; the source stays postmigrate.
#  2. From there once more, with the plain dirty-log method (KVM_GET_DIRTY_LOG
#     re-protects everything at each look), to a third process: pattern,
#     disk, clock again. (The dirty ring: migrate_exact_ring, manual.)
. /lab/lib.sh
S1=/tmp/mig-1.sock; S2=/tmp/mig-2.sock; S3=/tmp/mig-3.sock
IMG=/tmp/mig-disk.img
A="-m 512M -c 2 --cpu host --disk path=$IMG --net tap,ifname=tap0"
GA="$BASE act=pattern lab.disk lab.net"
ctl1() { $MERIDIAN ctl $S1 "$@"; }
net_mib() { tr -d '\r' < $1 | sed -n 's/^L2-NET ok mib=//p' | tail -n 1; }
# check_step BEFORE AFTER WHAT (each from clock_offsets): the clock step in ms.
# By UDP the issue's bound, 2 ms. On the console only a sanity bound of
# 25 ms: every byte there is an exit to meridian, and in this lab its
# delay moves by several ms between processes under load (-9.9 to +10.8
# ms were seen for migrations whose kvmclock moved by 0.2-0.5 ms); 25 ms
# still catches a clock stepped by the downtime (54-172 ms here), as
# QEMU's is.
check_step() {
	what=$3
	set -- $1 $2 "$3"       # (udp: median p90 ticks, console: the same) twice; what
	[ $# = 13 ] || fail "$what: no clock ticks to compare ($*)"
	step=$(awk -v a="$1" -v b="$7" 'BEGIN { printf "%.2f", (b - a) * 1000 }')
	step90=$(awk -v a="$2" -v b="$8" 'BEGIN { printf "%.2f", (b - a) * 1000 }')
	cstep=$(awk -v a="$4" -v b="${10}" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
	awk -v s="$cstep" 'BEGIN { exit !(s < 25 && s > -25) }' ||
		fail "$what: on the console, guest clock - host clock stepped by $cstep ms"
	awk -v s="$step" 'BEGIN { exit !(s < 2 && s > -2) }' ||
		fail "$what: by UDP, guest clock - host clock: ${1}s before, ${7}s after: a step of $step ms"
	ok "$what: the guest's clock kept its offset to the host: by UDP ${1}s before, ${7}s after, a step of $step ms (bound 2 ms; 90th percentile $step90 ms; $3 and $9 datagrams); on the console a step of $cstep ms"
}

# arrived PID RAW WHERE SOCK: the guest lives on there: pattern, disk and
# TCP stream verify, its clock ticks
arrived() {
	alive $1 $2 "$3 is gone"
	seen $2 "L2-PATTERN ok" 60 || stalled $4 $2 "the guest never verified on $3"
	seen $2 "L2-DISK ok" 60 || stalled $4 $2 "the disk loop never verified on $3"
	seen $2 "L2-NET ok" 60 || stalled $4 $2 "the TCP stream did not go on on $3"
	ok "the TCP stream went on on $3 (at $(net_mib $2) MiB)"
	wait_for $2 "L2-RT" 30 "no clock line on $3"
}

rm -f $S1 $S2 $S3
dd if=/dev/zero of=$IMG bs=1M count=16 2>/dev/null
tap_stream
timeout 400 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $S1 -a "$GA" \
	< /dev/null > /tmp/src.raw 2>&1 &
src=$!
workload_up /tmp/src.raw
ok "source: pattern verified $(rounds /tmp/src.raw) times, disk $(disk_passes /tmp/src.raw) times, $(net_mib /tmp/src.raw) MiB of the stream"
# the kernel's data path until a migration tracks dirty pages, then meridian's
expect /tmp/src.raw 'vhost-net: the kernel moves the frames' "the source's NIC runs on vhost-net"

# --- 1. the real one: default tracking, zstd, auto-converge
timeout 300 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $S2 --incoming tcp:127.0.0.1:4446 \
	--dirty-tracking dirty-log -a "$GA" < /dev/null > /tmp/dst.raw 2>&1 &
dst=$!
wait_for /tmp/dst.raw 'waiting for the migration' 30 "the destination never listened"
ctl1 migrate-set-parameters '{"compression": "zstd", "downtime-limit": 200}' > /dev/null ||
	fail "compression zstd"
ctl1 migrate-set-capabilities '{"capabilities": [{"capability": "auto-converge", "state": true}]}' \
	> /dev/null || fail "auto-converge"
before=$(clock_offsets /tmp/src.raw)
kb=$(kvm_offset $S1); sb=$(stable_bits)
ctl1 migrate '{"uri": "tcp:127.0.0.1:4446"}' > /dev/null || fail "migrate"
migration_end $S1 > /dev/null
grep -q '"status": "completed"' /tmp/qm.out || tr -d '\r' < /tmp/dst.raw | tail -n 20
expect /tmp/qm.out '"status": "completed"' "query-migrate: completed"
expect /tmp/qm.out '"dirty-tracking": "dirty-log-clear"' "tracked with KVM's bitmap and chunked clears (the default)"
expect /tmp/qm.out '"compression": "zstd"' "RAM went zstd-compressed"
echo "figures: $(grep -E '"(transferred|normal|duplicate|downtime|dirty-sync-count|total-time|cpu-throttle-percentage)"' /tmp/qm.out | tr -d ' ,' | tr '\n' ' ')"
ctl1 query-status | grep -q '"status": "postmigrate"' || fail "the source is not postmigrate"
ok "the source stays stopped (postmigrate)"
arrived $dst /tmp/dst.raw "the destination" $S2
after=$(clock_offsets /tmp/dst.raw)
expect /tmp/dst.raw 'resumed the guest from tcp:127.0.0.1:4446' "the destination took the guest"
check_step "$before" "$after" "migration 1"
check_kvmclock "migration 1" "$kb" "$sb" "$(kvm_offset $S2)" /tmp/src.raw /tmp/dst.raw
$MERIDIAN ctl $S1 quit > /dev/null
ended $src "the source"
expect_status 0

# --- 2. once more, from there, tracked by KVM's plain bitmap
timeout 200 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $S3 --incoming tcp:127.0.0.1:4447 \
	-a "$GA" < /dev/null > /tmp/dst2.raw 2>&1 &
dst2=$!
wait_for /tmp/dst2.raw 'waiting for the migration' 30 "the third process never listened"
# a round of the pattern on the destination first (its numbers go on from the source's)
n=$(rounds /tmp/dst.raw); i=0
while [ "$(rounds /tmp/dst.raw)" -le "$n" ]; do
	i=$((i + 1)); [ $i -lt 300 ] || fail "no pattern round on the destination"; sleep 0.2
done
before=$(clock_offsets /tmp/dst.raw)
kb=$(kvm_offset $S2); sb=$(stable_bits)
$MERIDIAN ctl $S2 migrate '{"uri": "tcp:127.0.0.1:4447"}' > /dev/null || fail "migrate (second hop)"
migration_end $S2 > /dev/null
expect /tmp/qm.out '"status": "completed"' "second hop: completed"
expect /tmp/qm.out '"dirty-tracking": "dirty-log"' "tracked with KVM's plain bitmap"
echo "figures: $(grep -E '"(transferred|downtime|dirty-sync-count|total-time)"' /tmp/qm.out | tr -d ' ,' | tr '\n' ' ')"
arrived $dst2 /tmp/dst2.raw "the third process" $S3
after=$(clock_offsets /tmp/dst2.raw)
check_step "$before" "$after" "migration 2"
alive $dst2 /tmp/dst2.raw "the third process is gone"
check_kvmclock "migration 2" "$kb" "$sb" "$(kvm_offset $S3)" /tmp/dst.raw /tmp/dst2.raw
$MERIDIAN ctl $S2 quit > /dev/null
ended $dst "the destination"
sleep 2
$MERIDIAN ctl $S3 system_powerdown > /dev/null || fail "system_powerdown on the third process"
ended $dst2 "the third process, powered down," 60 /tmp/dst2.raw
expect_status 0
# the guest's own complaints, in whichever process it was
no_complaints 'MISMATCH|L2-TSC backwards|L2-DISK (write|read) error|L2-NET closed' /tmp/src.raw /tmp/dst.raw /tmp/dst2.raw
cat /tmp/src.out /tmp/dst.out /tmp/dst2.out > /tmp/all.out
ok "in all three processes: pattern verified $(rounds /tmp/all.out) times, the disk $(disk_passes /tmp/all.out) times, $(net_mib /tmp/dst2.raw) MiB of the stream in order; no mismatch, no TSC backwards"
kill $stream 2>/dev/null || true      # (gone already: the guest's sink stopped at power off)
