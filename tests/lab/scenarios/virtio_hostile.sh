# A hostile guest: a driver of its own (tests/lab/guest/virtio-hostile.c)
# puts rings outside RAM, a descriptor loop and a buffer outside RAM into
# virtio-blk's queue. Each time the device must go to DEVICE_NEEDS_RESET
# with one line from meridian, and nothing else happens: after a reset a
# well-formed read works, then the kernel's own driver uses the disk, and
# the guest powers off normally.
. /lab/lib.sh
dd if=/dev/zero of=/tmp/hostile.img bs=1M count=1 2>/dev/null
printf 'MERIDIAN-HOSTILE' | dd of=/tmp/hostile.img conv=notrunc 2>/dev/null
OUT=/tmp/hostile.out
ERR=/tmp/hostile.err
# meridian's lines apart from the guest's console: they would interleave
timeout "$GUEST_TIMEOUT" $MERIDIAN run -k $KERNEL -i $INITRD --disk path=/tmp/hostile.img \
	-a "$BASE act=hostile" < /dev/null > $OUT.raw 2> $ERR
STATUS=$?
tr -d '\r' < $OUT.raw > $OUT
cat $ERR
expect_status 0
expect $OUT '^L2-HOSTILE rings-outside-ram needs_reset=1$' "rings outside RAM: DEVICE_NEEDS_RESET"
expect $OUT '^L2-HOSTILE descriptor-loop needs_reset=1$' "a descriptor loop: DEVICE_NEEDS_RESET"
expect $OUT '^L2-HOSTILE buffer-outside-ram needs_reset=1$' "a buffer outside RAM: DEVICE_NEEDS_RESET"
expect $ERR '^meridian: virtio-blk: queue 0: descriptor ring 0x200000000000\+0x80 is outside guest RAM' \
	"meridian names the bad ring"
expect $ERR '^meridian: virtio-blk: queue 0: descriptor chain from 0 loops' "... the loop"
expect $ERR '^meridian: virtio-blk: queue 0: buffer at 0x100000000000 is outside guest RAM' \
	"... the bad buffer"
[ "$(count $ERR '^meridian: virtio-blk')" = 3 ] || fail "not exactly one line per bad queue"
expect $OUT '^L2-HOSTILE well-formed needs_reset=0$' "after a reset the device is healthy"
expect $OUT '^L2-HOSTILE read used=1 status=0 data=MERIDIAN-HOSTILE$' "and a good read returns the disk's bytes"
expect $OUT '^L2-HOSTILE-AFTER MERIDIAN-HOSTILE$' "then the kernel's virtio_blk reads the same"
rm -f /tmp/hostile.img
