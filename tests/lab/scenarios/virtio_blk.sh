# virtio-blk on io_uring with the stock virtio_blk driver: an ext4 image
# made here with mkfs.ext4 -d mounts in the guest and its files read back
# identical; 64 MiB written through the filesystem survive a reboot and
# are the bytes the host finds in the image; readonly=on keeps the image
# as it was; a host that runs out of space fails those writes alone.
. /lab/lib.sh
GUEST_TIMEOUT=180

# --- an ext4 image with the host's files: sizes, serial, hashes, 64 MiB across a reboot
rm -rf /tmp/src && mkdir -p /tmp/src/sub/deeper
dd if=/dev/urandom of=/tmp/src/random-3m bs=1M count=3 2>/dev/null
dd if=/dev/urandom of=/tmp/src/sub/odd-size bs=1 count=12345 2>/dev/null
echo "meridian lab" > /tmp/src/sub/deeper/hello.txt
(cd /tmp/src && find . -type f | sort | xargs sha256sum) > /tmp/src.sha
mkfs.ext4 -q -F -d /tmp/src /tmp/ext4.img 160M || fail "mkfs.ext4 -d"
ok "ext4 image of $(stat -c %s /tmp/ext4.img) bytes with $(wc -l < /tmp/src.sha) files"

OUT=/tmp/blk.out
run_guest $OUT -m 512M --disk path=/tmp/ext4.img,serial=lab-disk-1 -a "$BASE act=blk"
expect_status 0
expect $OUT '^L2-PCI 0000:00:01.0 0x1af4 0x1042 0x010000$' "virtio-blk at 00:01.0 (modern ID 0x1042)"
expect $OUT '^L2-BLK-BAR 0000:00:01.0 0x0000008000000000 0x0000008000007fff ' \
	"its BAR above RAM, in the 64-bit window at 512 GiB"
expect $OUT "^L2-BLK vda sectors=$((160 * 2048)) ro=0 serial=lab-disk-1$" "vda: 160 MiB, writable, serial lab-disk-1"
sed -n 's/^L2-SHA //p' $OUT > /tmp/guest.sha
cmp -s /tmp/src.sha /tmp/guest.sha || { diff /tmp/src.sha /tmp/guest.sha; fail "files differ in the guest"; }
ok "all $(wc -l < /tmp/guest.sha) files read back identical in the guest (sha256)"
written=$(sed -n 's/^L2-BIG-WRITTEN //p' $OUT)
read_back=$(sed -n 's/^L2-BIG-READ //p' $OUT)
expect $OUT '^L2-REBOOT' "the guest rebooted after writing"
[ ${#written} = 64 ] && [ "$written" = "$read_back" ] ||
	fail "64 MiB: written $written, read after the reboot ${read_back:-nothing}"
ok "64 MiB of random data: the same sha256 after the reboot ($written)"
debugfs -R "dump /big /tmp/big.host" /tmp/ext4.img 2>/dev/null
host=$(sha256sum /tmp/big.host | cut -d' ' -f1)
[ "$host" = "$written" ] || fail "the host reads $host from the image, the guest wrote $written"
ok "the host reads the same 64 MiB from the image (debugfs)"
expect_not $OUT 'L2-ERROR|meridian: virtio'

rm -f /tmp/ext4.img /tmp/big.host
