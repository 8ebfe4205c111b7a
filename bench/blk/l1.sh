# Runs inside L1 (tests/lab/lab.sh --bench blk): the guest's 4 KiB random
# read IOPS (32 in flight) and 1 MiB sequential write MB/s (4 in flight),
# O_DIRECT on /dev/vda, under meridian and QEMU (virtio-blk-pci, modern
# only, aio=io_uring, cache=none), interleaved, RUNS times each, on the same
# host block device: a brd RAM disk, so neither VMM waits for a medium and
# both can use O_DIRECT. Prints
#   BENCH blk OP VMM RUN IOPS MBPS
. /lab/lib.sh
RUNS=${RUNS:-3}
DEV=/dev/ram0
QEMU="qemu-system-x86_64 -L /usr/share/qemu -L /usr/share/seabios -enable-kvm -M pc -cpu host \
 -m 256M -smp 1 -nographic -no-reboot -nic none"
CMDLINE="$BASE quiet act=blkbench"

insmod /lab/modules/drivers/block/brd.ko rd_nr=1 rd_size=262144 || { echo "BENCH-ERROR brd"; exit 1; }
dd if=/dev/urandom of=$DEV bs=1M count=256 2>/dev/null     # every page backed

# measure VMM CMD...: one boot; prints its BENCH lines.
measure() {
	vmm=$1; shift
	timeout 180 "$@" < /dev/null > /tmp/blk.out 2>&1
	tr -d '\r' < /tmp/blk.out | sed -n 's/^BLKBENCH \([a-z]*\) .* iops=\([0-9]*\) mbps=\([0-9.]*\)$/\1 \2 \3/p' |
	while read -r op iops mbps; do
		echo "BENCH blk $op $vmm $i $iops $mbps"
	done
	grep -q '^BLKBENCH seqwrite' /tmp/blk.out ||
		{ echo "BENCH-ERROR blk $vmm: no result"; tail -n 5 /tmp/blk.out; }
}

for i in $(seq 1 $RUNS); do
	measure meridian $MERIDIAN run -k $KERNEL -i $INITRD -m 256M \
		--disk path=$DEV,cache=none -a "$CMDLINE"
	measure qemu $QEMU -kernel $KERNEL -initrd $INITRD -append "$CMDLINE" \
		-drive file=$DEV,if=none,id=d0,format=raw,aio=io_uring,cache=none \
		-device virtio-blk-pci,drive=d0,disable-legacy=on
done
