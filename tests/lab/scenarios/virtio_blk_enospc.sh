# virtio-blk: an image on a host tmpfs that fills up: the guest sees I/O errors
# for those writes alone; meridian, the device and the other disk go on.
. /lab/lib.sh
mkdir -p /tmp/tiny && mount -t tmpfs -o size=8m tmpfs /tmp/tiny
dd if=/dev/zero of=/tmp/tiny/disk.img bs=1M seek=32 count=0 2>/dev/null   # sparse, 32 MiB
dd if=/dev/zero of=/tmp/other.img bs=1M count=4 2>/dev/null
OUT=/tmp/blk-full.out
run_guest $OUT --disk path=/tmp/tiny/disk.img --disk path=/tmp/other.img -a "$BASE act=blk-enospc"
expect_status 0
expect $OUT '^L2-FILL status=[1-9]' "writing past the host's space fails in the guest"
expect $OUT '^L2-FILL-DMESG .*I/O error.*vda' "the guest kernel reports an I/O error on vda"
expect $OUT '^meridian: virtio-blk /tmp/tiny/disk.img: write at sector [0-9]+: No space left on device' \
	"meridian names the host error once"
[ "$(count $OUT 'meridian: virtio-blk')" = 1 ] || fail "more than one error line"
head_w=$(sed -n 's/^L2-HEAD-WRITTEN //p' $OUT)
head_r=$(sed -n 's/^L2-HEAD-READ //p' $OUT)
head_host=$(dd if=/tmp/tiny/disk.img bs=1M count=1 2>/dev/null | sha256sum | cut -d' ' -f1)
[ -n "$head_w" ] && [ "$head_w" = "$head_r" ] && [ "$head_w" = "$head_host" ] ||
	fail "first MiB: written $head_w, read back $head_r, on the host $head_host"
ok "the first MiB reads back after the failure, and the host has the same bytes"
expect $OUT '^L2-VDB ok' "the second disk keeps working"
expect $OUT '^L2-POWEROFF|reboot: Power down' "the guest carried on to power off"
umount /tmp/tiny
rm -f /tmp/other.img
