# lab: manual
# (Run by name: make lab SCENARIOS=migrate. Not in make check for now: its
# 2-vCPU, 512 MiB guest made L1 itself panic (a kernel stack overflow) in
# about half the runs of the last full checks, taking the run with it; see
# docs/lab.md. The scenario passes whenever L1 survives.)
# Live migration over TCP (issue 7): a 2-vCPU guest keeps 200 MiB under
# a pattern it rewrites and verifies (tests/lab/guest/pattern.c). First a
# destination that is killed mid-migration: the source guest runs on,
# pattern intact. Then a real one: the guest moves while it runs, its
# pattern verifies there, its realtime clock kept its offset to the host,
# no TSC went backwards, the source stays stopped (postmigrate).
. /lab/lib.sh
S1=/tmp/mig-src.sock; S2=/tmp/mig-dst.sock
A="-m 512M -c 2 --cpu host"
# migration_end SOCK: waits until query-migrate is no longer active; prints it
migration_end() {
	i=0
	while [ $i -lt 300 ]; do
		$MERIDIAN ctl $1 query-migrate > /tmp/qm.out 2>&1
		grep -Eq '"status": "(completed|failed|cancelled)"' /tmp/qm.out && break
		sleep 0.5; i=$((i + 1))
	done
	cat /tmp/qm.out
}

rm -f $S1 $S2
timeout 280 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $S1 -a "$BASE act=pattern" \
	< /dev/null > /tmp/src.raw 2>&1 &
src=$!
wait_for /tmp/src.raw 'L2-PATTERN ok round=2' 150 "the pattern never verified twice"

# --- a destination that dies mid-migration
timeout 100 $MERIDIAN run -k $KERNEL -i $INITRD $A --incoming tcp:127.0.0.1:4445 -a "$BASE" \
	< /dev/null > /dev/null 2> /tmp/dead.raw &
dead=$!
sleep 1
wait_for /tmp/dead.raw 'waiting for the migration' 30 "the first destination never listened"
$MERIDIAN ctl $S1 migrate '{"uri": "tcp:127.0.0.1:4445"}' > /dev/null || fail "migrate (1)"
sleep 0.5; kill -9 $dead
migration_end $S1 | grep -E '"status"|error'
grep -q '"status": "failed"' /tmp/qm.out || fail "the migration to a killed destination did not fail"
$MERIDIAN ctl $S1 query-status | grep -q '"status": "running"' || fail "the source guest is not running"
n=$(rounds /tmp/src.raw)
wait_for /tmp/src.raw "L2-PATTERN ok round=$((n + 2))" 60 "the source guest stopped verifying"
expect_not /tmp/src.raw 'MISMATCH'
ok "destination killed mid-migration: failed, the source guest runs on (pattern ok, round $((n + 2)))"

# --- the real one
timeout 200 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $S2 --incoming tcp:127.0.0.1:4446 \
	-a "$BASE act=pattern" < /dev/null > /tmp/dst.raw 2> /tmp/dst.err &
dst=$!
sleep 1
wait_for /tmp/dst.err 'waiting for the migration' 30 "the destination never listened"
before=$(offset /tmp/src.raw)
$MERIDIAN ctl $S1 migrate '{"uri": "tcp:127.0.0.1:4446"}' > /dev/null || fail "migrate (2)"
migration_end $S1
grep -q '"status": "completed"' /tmp/qm.out || cat /tmp/dst.err
expect /tmp/qm.out '"status": "completed"' "query-migrate: completed"
grep -E '"(transferred|downtime|dirty-sync-count|total-time)"' /tmp/qm.out | tr -d ' ,' | tr '\n' ' '; echo
$MERIDIAN ctl $S1 query-status | grep -q '"status": "postmigrate"' || fail "the source is not postmigrate"
ok "the source stays stopped (postmigrate)"
n=$(rounds /tmp/dst.raw)
wait_for /tmp/dst.raw "L2-PATTERN ok" 60 "the guest never verified on the destination" ||
	{ cat /tmp/dst.err; fail "see above"; }
wait_for /tmp/dst.raw "L2-RT" 30 "no clock line on the destination"
after=$(offset /tmp/dst.raw)
expect /tmp/dst.err 'resumed the guest from tcp:127.0.0.1:4446' "the destination took the guest"
step=$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
awk -v a="$before" -v b="$after" 'BEGIN { d = b - a; if (d < 0) d = -d; exit !(d < 0.1) }' ||
	fail "guest clock - host clock: ${before}s before, ${after}s after (a step of ${step} ms)"
ok "the guest's clock kept its offset to the host: ${before}s before, ${after}s after: a step of ${step} ms (median of 15 samples each; 20 ms ticks through the serial console)"
$MERIDIAN ctl $S1 quit > /dev/null
wait $src; STATUS=$?
expect_status 0
sleep 3
$MERIDIAN ctl $S2 system_powerdown > /dev/null || fail "system_powerdown on the destination"
i=0; while kill -0 $dst 2>/dev/null && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
kill -0 $dst 2>/dev/null && { tr -d '\r' < /tmp/dst.raw | tail -n 20; kill -9 $dst; fail "the destination guest did not power off"; }
wait $dst; STATUS=$?
tr -d '\r' < /tmp/dst.raw > /tmp/dst.out
expect_status 0
expect_not /tmp/dst.out 'MISMATCH|L2-TSC backwards|L2-PATTERN ready'
ok "on the destination the guest verified its 200 MiB $(rounds /tmp/dst.out) times, then powered off"
