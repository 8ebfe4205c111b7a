# lab: alone
# lab: l1-append tsc=reliable
# (In an L1 of its own, after the other scenarios: when the lab's L1 dies
# under its 2-vCPU, 512 MiB guest, only this scenario is run again. See
# docs/lab.md. L1 keeps its TSC as clocksource, as a real host does: the
# restore carries the TSCs by offsets. snapshot_pio, in the shared L1,
# meets whichever clocksource that L1 chose.)
# Snapshot to a file and restore into a new meridian process (issue 7):
# a guest program keeps 200 MiB under a pattern it rewrites and verifies
# (tests/lab/guest/pattern.c) on 2 vCPUs; QMP migrate file:PATH saves it
# (RAM zstd-compressed),
# the first meridian quits, 5 s later another resumes it with --incoming.
# The pattern verifies on the destination, the guest's realtime clock
# caught up with the host's (its offset to the host within 1 s of what it
# was before), no vCPU's TSC went backwards, the TSCs went by offsets
# (L1 on tsc) with every pvclock stable bit kept. Then the ways a snapshot can
# be wrong: another memory size, a flipped byte, a cut-short file.
. /lab/lib.sh
SOCK=/tmp/snap.sock
SNAP=/tmp/guest.snap
A="-m 512M -c 2 --cpu host"
ctl() { $MERIDIAN ctl $SOCK "$@"; }

rm -f $SOCK $SNAP
no_thp_in_l1                    # (the digests below: lib.sh says why)
timeout 300 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $SOCK -a "$BASE act=pattern" \
	< /dev/null > /tmp/src.raw 2>&1 &
src=$!
wait_for /tmp/src.raw 'L2-PATTERN ok round=2' 150 "the pattern never verified twice"
before=$(offset /tmp/src.raw)
ok "source: pattern verified $(rounds /tmp/src.raw) times; guest clock - host clock = ${before}s"
# RAM as zstd frames where they are smaller (the restore reads them back)
ctl migrate-set-parameters '{"compression": "zstd"}' > /dev/null || fail "compression zstd"
kb=$(kvm_offset $SOCK); sb=$(stable_bits)
ctl migrate "{\"uri\": \"file:$SNAP\"}" > /dev/null || fail "migrate to file"
ctl query-status | grep -q '"status": "postmigrate"' || fail "not postmigrate after the snapshot"
ctl query-migrate > /tmp/qm.out
expect /tmp/qm.out '"status": "completed"' "query-migrate: completed"
ok "snapshot: $(stat -c %s $SNAP) bytes, $(grep -o '"total-time": [0-9]*' /tmp/qm.out)"
digests $SOCK /tmp/digest.saved          # what the file must give back exactly
ctl quit > /dev/null
ended $src "the source"
expect_status 0
sleep 5

# held (--paused) once restored: its RAM must be the saved guest's, exactly
timeout 300 $MERIDIAN run -k $KERNEL -i $INITRD $A --api $SOCK --incoming file:$SNAP --paused \
	-a "$BASE act=pattern" < /dev/null > /tmp/dst.raw 2> /tmp/dst.err &
dst=$!
i=0
until $MERIDIAN ctl $SOCK query-status 2>/dev/null | grep -q '"status": "paused"'; do
	i=$((i + 1)); [ $i -lt 300 ] || fail "the restored guest is not held paused"; sleep 0.2
done
digests $SOCK /tmp/digest.restored
same_digests /tmp/digest.saved /tmp/digest.restored "snapshot save and restore"
ctl cont > /dev/null || fail "cont after the restore"
wait_for /tmp/dst.raw 'L2-PATTERN ok' 120 "the restored guest never verified its pattern"
wait_for /tmp/dst.raw 'L2-RT' 30 "no clock line from the restored guest"
after=$(offset /tmp/dst.raw)
tr -d '\r' < /tmp/dst.raw > /tmp/dst.out
expect /tmp/dst.err '^meridian: resumed the guest from file:/tmp/guest.snap' "restored"
expect_not /tmp/dst.out 'L2-PATTERN ready'
expect_not /tmp/dst.out 'MISMATCH'
awk -v a="$before" -v b="$after" 'BEGIN { d = b - a; if (d < 0) d = -d; exit !(d < 1.0) }' ||
	fail "guest clock - host clock: ${before}s before, ${after}s after (the guest did not catch up)"
ok "the guest's clock caught up: offset ${before}s before, ${after}s after a 5 s gap"
check_kvmclock "the restore, 5 s later," "$kb" "$sb" "$(kvm_offset $SOCK)" /tmp/src.raw /tmp/dst.err
sleep 2
ctl x-meridian-query-clock > /tmp/clk.out
grep -E '"tsc-offset"|"tsc-stable-bit"' /tmp/clk.out
ctl system_powerdown > /dev/null || fail "system_powerdown"
ended $dst "the restored guest, powered down," 60 /tmp/dst.raw
tr -d '\r' < /tmp/dst.raw > /tmp/dst.out
expect_status 0
expect_not /tmp/dst.out 'MISMATCH|L2-TSC backwards'
ok "the restored guest verified its 200 MiB $(rounds /tmp/dst.out) times and powered off"
grep -h 'meridian: clock' /tmp/src.raw /tmp/dst.err | head -n2

# --- snapshots that must be refused, with nothing started
run_guest /tmp/bad.out -m 256M -c 2 --incoming file:$SNAP -a "$BASE"
expect_status 1
expect /tmp/bad.out 'the snapshot is of a guest with 512 MiB of RAM, this one has 256 MiB' "another memory size"
expect_not /tmp/bad.out 'L2-|Linux version'
size=$(stat -c %s $SNAP)
printf 'X' | dd of=$SNAP bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
run_guest /tmp/bad.out $A --incoming file:$SNAP -a "$BASE"
expect_status 1
expect /tmp/bad.out 'checksum mismatch' "a flipped byte"
dd if=/dev/zero of=$SNAP bs=1 seek=$((size / 3)) count=0 2>/dev/null
run_guest /tmp/bad.out $A --incoming file:$SNAP -a "$BASE"
expect_status 1
expect /tmp/bad.out 'the stream ends early' "a cut-short file"
run_guest /tmp/bad.out $A --incoming file:/tmp/nonexistent.snap -a "$BASE"
expect_status 1
expect /tmp/bad.out '^meridian: --incoming file:/tmp/nonexistent.snap: No such file or directory$' "no file"
rm -f $SNAP
