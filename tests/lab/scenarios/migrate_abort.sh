# lab: alone
# lab: l1-append tsc=reliable
# (In an L1 of its own, as `migrate`: a death of L1 under the 2-vCPU,
# 512 MiB guest costs only this scenario's retry. L1 keeps its TSC as
# clocksource, as a real host does: the clock goes by TSC offsets.)
# Live migration that does not happen, and the source loses nothing
# (issue 7): a 2-vCPU guest keeps 200 MiB under a pattern it rewrites and
# verifies (tests/lab/guest/pattern.c), and a loop writes and verifies
# 2 MiB of its disk with O_DIRECT, all the time.
#  1. migrate-set-parameters/-capabilities refuse bad values.
#  2. A destination started with --incoming defer answers QMP (inmigrate),
#     refuses cont, takes migrate-incoming; a slow migration to it
#     (max-bandwidth) is cancelled: the source runs on, the destination
#     exits 1 saying the stream ended early.
#  3. A destination killed mid-migration: the source runs on, pattern and
#     disk go on verifying.
#  4. Then a migration that completes: the pattern and disk verify on the
#     destination, kvmclock kept its offset to the host's realtime, the
#     TSCs went by offsets with the pvclock stable bits kept.
# (`migrate` moves a guest with a network stream too, twice.)
. /lab/lib.sh
S1=/tmp/mab-1.sock; S2=/tmp/mab-2.sock; SD=/tmp/mab-defer.sock
IMG=/tmp/mab-disk.img
A="-m 512M -c 2 --cpu host --disk path=$IMG"
GA="$BASE act=pattern lab.disk"
ctl1() { $MERIDIAN ctl $S1 "$@"; }

rm -f $S1 $S2 $SD
dd if=/dev/zero of=$IMG bs=1M count=16 2>/dev/null
timeout 400 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $S1 -a "$GA" \
	< /dev/null > /tmp/src.raw 2>&1 &
src=$!
wait_for /tmp/src.raw 'L2-PATTERN ok round=2' 150 "the pattern never verified twice"
wait_for /tmp/src.raw 'L2-DISK ok pass=1' 60 "the disk loop never verified"
ok "source: pattern verified $(rounds /tmp/src.raw) times, disk $(disk_passes /tmp/src.raw) times"

# --- 1. parameters
ctl1 migrate-set-parameters '{"downtime-limit": -1}' > /tmp/p.out 2>&1 && fail "downtime-limit -1 accepted"
expect /tmp/p.out "downtime-limit' expects a value from 0" "downtime-limit -1 refused"
ctl1 migrate-set-parameters '{"compression": "lz4"}' > /tmp/p.out 2>&1 && fail "compression lz4 accepted"
expect /tmp/p.out "expects none or zstd" "compression lz4 refused"
ctl1 migrate-set-parameters '{"dirty-tracking": "dirty-ring"}' > /tmp/p.out 2>&1 &&
	fail "a switch to the dirty ring accepted"
expect /tmp/p.out "set up \(or not\) when the VM is built" "dirty-ring on a bitmap VM refused"
ctl1 migrate-set-capabilities '{"capabilities": [{"capability": "xbzrle", "state": true}]}' \
	> /tmp/p.out 2>&1 && fail "capability xbzrle accepted"
expect /tmp/p.out "capability xbzrle: meridian has auto-converge, postcopy-ram" "capability xbzrle refused"
ctl1 migrate '{"uri": "udp:127.0.0.1:4444"}' > /tmp/p.out 2>&1 && fail "a udp: URI accepted"
expect /tmp/p.out "expected file:PATH or tcp:HOST:PORT" "a udp: URI refused"
ctl1 query-status | grep -q '"status": "running"' || fail "the source guest is not running"
ctl1 query-migrate-parameters > /tmp/p.out
expect /tmp/p.out '"dirty-tracking": "dirty-log-clear"' "the source tracks with KVM's bitmap and chunked clears (the default)"

# --- 2. --incoming defer, migrate-incoming, a cancelled migration
timeout 100 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $SD --incoming defer -a "$GA" \
	< /dev/null > /tmp/defer.raw 2>&1 &
defer=$!
i=0; while [ ! -S $SD ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
$MERIDIAN ctl $SD query-status > /tmp/p.out || fail "no QMP on the waiting destination"
expect /tmp/p.out '"status": "inmigrate"' "the waiting destination answers QMP: inmigrate"
$MERIDIAN ctl $SD cont > /tmp/p.out 2>&1 && fail "cont accepted before the guest arrived"
echo "cont before the guest arrived: $(tr -d '\n' < /tmp/p.out)"
$MERIDIAN ctl $SD migrate-incoming '{"uri": "tcp:127.0.0.1:4444"}' > /dev/null ||
	fail "migrate-incoming"
ctl1 migrate-set-parameters '{"max-bandwidth": 20000000}' > /dev/null || fail "max-bandwidth"
ctl1 migrate '{"uri": "tcp:127.0.0.1:4444"}' > /dev/null || fail "migrate (defer)"
sleep 3
ctl1 query-migrate > /tmp/p.out
grep -E '"(transferred|mbps)"' /tmp/p.out | tr -d ' ,' | tr '\n' ' '; echo
expect /tmp/p.out '"status": "active"' "at 20 MB/s, still active after 3 s"
ctl1 migrate_cancel > /dev/null || fail "migrate_cancel"
migration_end $S1 | grep -E '"status"|error'
grep -q '"status": "cancelled"' /tmp/qm.out || fail "the migration was not cancelled"
ctl1 query-status | grep -q '"status": "running"' || fail "the source guest is not running"
ok "cancelled: the source guest runs on"
i=0; while kill -0 $defer 2>/dev/null && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
wait $defer; STATUS=$?
tr -d '\r' < /tmp/defer.raw > /tmp/defer.out
expect_status 1
expect /tmp/defer.out 'stream ends early' "the destination says why it gives up"
ctl1 migrate-set-parameters '{"max-bandwidth": 0}' > /dev/null || fail "max-bandwidth 0"

# --- 3. a destination that dies mid-migration
timeout 100 $MERIDIAN run -k $KERNEL -i $INITRD $A --incoming tcp:127.0.0.1:4445 -a "$GA" \
	< /dev/null > /dev/null 2> /tmp/dead.raw &
dead=$!
wait_for /tmp/dead.raw 'waiting for the migration' 30 "the first destination never listened"
ctl1 migrate '{"uri": "tcp:127.0.0.1:4445"}' > /dev/null || fail "migrate (dead)"
sleep 0.5; kill -9 $dead
migration_end $S1 | grep -E '"status"|error'
grep -q '"status": "failed"' /tmp/qm.out || fail "the migration to a killed destination did not fail"
ctl1 query-status | grep -q '"status": "running"' || fail "the source guest is not running"
# a whole round after the failure: the one running then may have begun before
grows /tmp/src.raw '^L2-PATTERN ok' 60 && grows /tmp/src.raw '^L2-PATTERN ok' 60 ||
	stalled $S1 /tmp/src.raw "the source guest stopped verifying"
grows /tmp/src.raw '^L2-DISK ok' 60 || stalled $S1 /tmp/src.raw "the source's disk loop stopped"
ok "destination killed mid-migration: failed, the source guest runs on (pattern verified $(rounds /tmp/src.raw) times, disk $(disk_passes /tmp/src.raw) times)"

# --- 4. and then one that completes
timeout 200 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $S2 --incoming tcp:127.0.0.1:4446 \
	-a "$GA" < /dev/null > /tmp/dst.raw 2>&1 &
dst=$!
wait_for /tmp/dst.raw 'waiting for the migration' 30 "the destination never listened"
kb=$(kvm_offset $S1); sb=$(stable_bits)
ctl1 migrate '{"uri": "tcp:127.0.0.1:4446"}' > /dev/null || fail "migrate (after the failures)"
migration_end $S1 > /dev/null
grep -q '"status": "completed"' /tmp/qm.out || tr -d '\r' < /tmp/dst.raw | tail -n 20
expect /tmp/qm.out '"status": "completed"' "a migration after the cancelled and the failed one: completed"
echo "figures: $(grep -E '"(transferred|downtime|dirty-sync-count|total-time)"' /tmp/qm.out | tr -d ' ,' | tr '\n' ' ')"
ctl1 query-status | grep -q '"status": "postmigrate"' || fail "the source is not postmigrate"
alive $dst /tmp/dst.raw "the destination is gone"
seen /tmp/dst.raw '^L2-PATTERN ok' 60 || stalled $S2 /tmp/dst.raw "the guest never verified on the destination"
seen /tmp/dst.raw '^L2-DISK ok' 60 || stalled $S2 /tmp/dst.raw "the disk loop never verified on the destination"
ok "the pattern and the disk verified on the destination: $(tr -d '\r' < /tmp/dst.raw | grep -m1 '^L2-PATTERN ok'), $(tr -d '\r' < /tmp/dst.raw | grep -m1 '^L2-DISK ok')"
check_kvmclock "the migration" "$kb" "$sb" "$(kvm_offset $S2)" /tmp/src.raw /tmp/dst.raw
$MERIDIAN ctl $S1 quit > /dev/null
ended $src "the source"
expect_status 0
$MERIDIAN ctl $S2 system_powerdown > /dev/null || fail "system_powerdown on the destination"
ended $dst "the destination, powered down," 60 /tmp/dst.raw
expect_status 0
no_complaints 'MISMATCH|L2-TSC backwards|L2-DISK (write|read) error' /tmp/src.raw /tmp/dst.raw
cat /tmp/src.out /tmp/dst.out > /tmp/all.out
ok "in both processes: pattern verified $(rounds /tmp/all.out) times, the disk $(disk_passes /tmp/all.out) times; no mismatch, no TSC backwards"
