# lab: alone
# lab: l1-append tsc=reliable
# Post-copy live migration (issue 18). A 2-vCPU, 512 MiB guest keeps
# 200 MiB under its verified pattern and rewrites 200 MiB more without
# pause (lab.churn), writes and verifies its disk, and reads a TCP stream
# from the lab host (the migrate scenario's workload, plus the churn).
#  0. A destination without postcopy-ram refuses when the stream announces
#     post-copy, before anything stops: the source says why, runs on.
#  1. max-bandwidth 20 MB/s, downtime-limit 100 ms: pre-copy is not
#     converging (after 3 rounds the dirty pages are still more than
#     100 ms at that rate carries); migrate-start-postcopy moves the guest
#     (postcopy-ram on both sides, postcopy-preempt: requested pages on a
#     connection of their own); it completes, every owed page placed;
#     pattern, disk and TCP stream verify on the destination; the clock
#     keeps its offset (UDP, 2 ms; kvmclock exactly) with the stable bits.
#  2. From there, the automatic switch (x-postcopy-after-rounds 2) on one
#     connection (postcopy-preempt off): the same checks. The fault latency
#     of both ways is shown (the faster, preempt, is meridian's default).
#  3. The source killed during post-copy (max-postcopy-bandwidth 2 MB/s
#     keeps it going): the destination says why in one line and ends with
#     status 2.
. /lab/lib.sh
S1=/tmp/pc-1.sock; S2=/tmp/pc-2.sock; S3=/tmp/pc-3.sock; S4=/tmp/pc-4.sock
IMG=/tmp/pc-disk.img
A="-m 512M -c 2 --cpu host --disk path=$IMG --net tap,ifname=tap0"
GA="$BASE act=pattern lab.disk lab.net lab.churn=200"
net_mib() { tr -d '\r' < $1 | sed -n 's/^L2-NET ok mib=//p' | tail -n 1; }
# num FIELD < query-migrate's answer: its first number
num() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" | head -n 1; }
caps() {        # caps SOCK NAME[=false]...: those capabilities on (or off)
	sock=$1; shift
	list=$(for c in "$@"; do
		case $c in *=false) printf '{"capability": "%s", "state": false},' ${c%=false} ;;
		*) printf '{"capability": "%s", "state": true},' $c ;; esac; done)
	$MERIDIAN ctl $sock migrate-set-capabilities "{\"capabilities\": [${list%,}]}" > /tmp/caps.out \
		2>&1 || fail "capabilities $* on $sock: $(cat /tmp/caps.out)"
}
check_step() {  # BEFORE AFTER WHAT (clock_offsets): the step by UDP, bound 2 ms
	what=$3
	set -- $1 $2
	[ $# = 12 ] || fail "$what: no clock ticks to compare ($*)"
	step=$(awk -v a="$1" -v b="$7" 'BEGIN { printf "%.2f", (b - a) * 1000 }')
	awk -v s="$step" 'BEGIN { exit !(s < 2 && s > -2) }' ||
		fail "$what: by UDP, guest clock - host clock: ${1}s before, ${7}s after: a step of $step ms"
	ok "$what: the guest's clock kept its offset to the host: a step of $step ms by UDP (bound 2 ms)"
}
destination() { # SOCK PORT RAW: a meridian waiting for the guest there; its pid in $pid
	timeout 500 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $1 --incoming tcp:127.0.0.1:$2 \
		-a "$GA" < /dev/null > $3 2>&1 &
	pid=$!
	wait_for $3 'waiting for the migration' 30 "the destination on port $2 never listened"
}
arrived() {     # PID RAW WHERE SOCK
	alive $1 $2 "$3 is gone"
	n=$(rounds $2)
	seen $2 "L2-PATTERN ok" 90 || stalled $4 $2 "the guest never verified on $3"
	seen $2 "L2-DISK ok" 60 || stalled $4 $2 "the disk loop never verified on $3"
	seen $2 "L2-NET ok" 60 || stalled $4 $2 "the TCP stream did not go on on $3"
	ok "on $3: pattern verified, disk verified, the TCP stream went on (at $(net_mib $2) MiB)"
	wait_for $2 "L2-RT" 30 "no clock line on $3"
}
# postcopied SOCK WHAT: the destination's post-copy figures, every owed page placed
postcopied() {
	$MERIDIAN ctl $1 query-migrate > /tmp/pcd.out
	expect /tmp/pcd.out '"status": "completed"' "$2: the destination completed"
	owed=$(num pages-owed < /tmp/pcd.out); placed=$(num pages-placed < /tmp/pcd.out)
	[ -n "$owed" ] && [ "$owed" -gt 0 ] && [ "$owed" = "$placed" ] ||
		fail "$2: pages owed $owed, placed $placed: $(tr -d '\n ' < /tmp/pcd.out)"
	ok "$2: post-copy placed all $owed owed pages; $(num faults < /tmp/pcd.out) faults, $(num requests < /tmp/pcd.out) requests, fault latency median $(num fault-latency-median-us < /tmp/pcd.out) us, p99 $(num fault-latency-p99-us < /tmp/pcd.out) us, blocktime $(num postcopy-blocktime < /tmp/pcd.out) ms"
}

rm -f $S1 $S2 $S3 $S4
dd if=/dev/zero of=$IMG bs=1M count=16 2>/dev/null
tap_stream
timeout 600 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $S1 -a "$GA" \
	< /dev/null > /tmp/src.raw 2>&1 &
src=$!
workload_up /tmp/src.raw
ok "source: pattern verified $(rounds /tmp/src.raw) times, disk $(disk_passes /tmp/src.raw) times"

# --- 0. a destination without postcopy-ram says so before anything stops
destination $S2 4449 /tmp/dst0.raw; dst0=$pid
caps $S1 postcopy-ram       # (postcopy-preempt: on by default)
$MERIDIAN ctl $S1 migrate '{"uri": "tcp:127.0.0.1:4449"}' > /dev/null || fail "migrate (to be refused)"
migration_end $S1 > /dev/null
expect /tmp/qm.out '"status": "failed"' "to a destination without postcopy-ram: failed"
expect /tmp/qm.out "the destination refused: the source migrates with postcopy-ram: set that capability here too" \
	"the source says why"
ended $dst0 "the refusing destination" 30 /tmp/dst0.raw
expect_status 1
n=$(rounds /tmp/src.raw); i=0
while [ "$(rounds /tmp/src.raw)" -le "$n" ]; do
	i=$((i + 1)); [ $i -lt 300 ] || fail "no pattern round at the source after the refusal"; sleep 0.2
done
$MERIDIAN ctl $S1 query-status | grep -q '"status": "running"' || fail "the source is not running"
ok "the guest ran on at the source (pattern round $(rounds /tmp/src.raw))"

# --- 1. pre-copy cannot move it; migrate-start-postcopy does
destination $S2 4450 /tmp/dst.raw; dst=$pid
caps $S2 postcopy-ram postcopy-blocktime
$MERIDIAN ctl $S1 migrate-set-parameters '{"max-bandwidth": 20000000, "downtime-limit": 100}' \
	> /dev/null || fail "max-bandwidth"
before=$(clock_offsets /tmp/src.raw)
kb=$(kvm_offset $S1); sb=$(stable_bits)
$MERIDIAN ctl $S1 migrate '{"uri": "tcp:127.0.0.1:4450"}' > /dev/null || fail "migrate"
i=0
while :; do
	$MERIDIAN ctl $S1 query-migrate > /tmp/qm.out
	sync=$(num dirty-sync-count < /tmp/qm.out)
	[ "${sync:-0}" -ge 3 ] && break
	grep -q '"status": "active"' /tmp/qm.out || fail "pre-copy ended by itself: $(tr -d '\n ' < /tmp/qm.out)"
	i=$((i + 1)); [ $i -lt 600 ] || fail "pre-copy never did 3 rounds"
	sleep 0.5
done
rem=$(num remaining < /tmp/qm.out)
[ "$rem" -gt 2000000 ] || fail "pre-copy was converging: $rem bytes left after $sync rounds"
ok "pre-copy is not converging: after $sync rounds $((rem >> 20)) MiB dirty, where 100 ms at 20 MB/s carries 2 MB"
$MERIDIAN ctl $S1 migrate-start-postcopy > /dev/null || fail "migrate-start-postcopy"
migration_end $S1 > /dev/null
grep -q '"status": "completed"' /tmp/qm.out || { tr -d '\r' < /tmp/dst.raw | tail -n 20; }
expect /tmp/qm.out '"status": "completed"' "the source completed"
expect /tmp/src.raw 'post-copy: the guest moves now' "the source switched to post-copy"
echo "figures: $(grep -E '"(transferred|downtime|dirty-sync-count|total-time|postcopy-requests)"' /tmp/qm.out | tr -d ' ,' | tr '\n' ' ')"
$MERIDIAN ctl $S1 query-status | grep -q '"status": "postmigrate"' || fail "the source is not postmigrate"
postcopied $S2 "migration 1"
lat1=$(num fault-latency-median-us < /tmp/pcd.out)
arrived $dst /tmp/dst.raw "the destination" $S2
after=$(clock_offsets /tmp/dst.raw)
check_step "$before" "$after" "migration 1"
check_kvmclock "migration 1" "$kb" "$sb" "$(kvm_offset $S2)" /tmp/src.raw /tmp/dst.raw
$MERIDIAN ctl $S1 quit > /dev/null
ended $src "the source"

# --- 2. the automatic switch, on one connection
destination $S3 4451 /tmp/dst2.raw; dst2=$pid
caps $S3 postcopy-ram postcopy-blocktime
caps $S2 postcopy-ram postcopy-preempt=false
$MERIDIAN ctl $S2 migrate-set-parameters \
	'{"max-bandwidth": 20000000, "downtime-limit": 100, "x-postcopy-after-rounds": 2}' \
	> /dev/null || fail "x-postcopy-after-rounds"
before=$(clock_offsets /tmp/dst.raw)
kb=$(kvm_offset $S2); sb=$(stable_bits)
$MERIDIAN ctl $S2 migrate '{"uri": "tcp:127.0.0.1:4451"}' > /dev/null || fail "migrate (second hop)"
migration_end $S2 > /dev/null
expect /tmp/qm.out '"status": "completed"' "second hop: completed"
expect /tmp/dst.raw 'post-copy: the guest moves now' "second hop: it switched to post-copy by itself"
postcopied $S3 "migration 2"
lat2=$(num fault-latency-median-us < /tmp/pcd.out)
arrived $dst2 /tmp/dst2.raw "the third process" $S3
after=$(clock_offsets /tmp/dst2.raw)
check_step "$before" "$after" "migration 2"
check_kvmclock "migration 2" "$kb" "$sb" "$(kvm_offset $S3)" /tmp/dst.raw /tmp/dst2.raw
echo "fault latency, median: ${lat1} us with postcopy-preempt (two connections), ${lat2} us on one"
$MERIDIAN ctl $S2 quit > /dev/null
ended $dst "the destination"

# --- 3. the source dies during post-copy
destination $S4 4452 /tmp/dst3.raw; dst3=$pid
caps $S4 postcopy-ram
caps $S3 postcopy-ram
$MERIDIAN ctl $S3 migrate-set-parameters '{"max-bandwidth": 20000000, "max-postcopy-bandwidth": 2000000}' \
	> /dev/null || fail "max-postcopy-bandwidth"
$MERIDIAN ctl $S3 migrate '{"uri": "tcp:127.0.0.1:4452"}' > /dev/null || fail "migrate (third hop)"
$MERIDIAN ctl $S3 migrate-start-postcopy > /dev/null || fail "migrate-start-postcopy (third hop)"
i=0
until $MERIDIAN ctl $S3 query-migrate | grep -q '"status": "postcopy-active"'; do
	i=$((i + 1)); [ $i -lt 600 ] || fail "the third hop never switched to post-copy"
	sleep 0.2
done
kill -9 $dst2
ok "the source killed in post-copy"
ended $dst3 "the destination without its source" 60 /tmp/dst3.raw
expect_status 2
expect /tmp/dst3.raw "the guest cannot continue without the source's pages" \
	"the destination said why it cannot go on"

no_complaints 'MISMATCH|L2-TSC backwards|L2-DISK (write|read) error|L2-NET closed' /tmp/src.raw /tmp/dst.raw /tmp/dst2.raw
cat /tmp/src.out /tmp/dst.out /tmp/dst2.out > /tmp/all.out
ok "in all three processes: pattern verified $(rounds /tmp/all.out) times, the disk $(disk_passes /tmp/all.out) times; no mismatch, no TSC backwards"
kill $stream 2>/dev/null || true
