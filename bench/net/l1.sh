# Runs inside L1 (tests/lab/lab.sh --bench net): guest -> host TCP
# throughput over virtio-net on the same tap (tap0, L1 at 10.0.2.1), 256 MiB
# per run, meridian (userspace tap backend, offloads on) and QEMU
# (virtio-net-pci, tap backend, vhost=off), interleaved, RUNS times each.
# The guest times its send until the host closed. Prints
#   BENCH net VMM RUN MBPS
. /lab/lib.sh
RUNS=${RUNS:-3}
QEMU="qemu-system-x86_64 -L /usr/share/qemu -L /usr/share/seabios -enable-kvm -M pc -cpu host \
 -m 512M -smp 1 -nographic -no-reboot"
CMDLINE="$BASE quiet act=netbench"

insmod /lab/modules/drivers/net/tun.ko 2>/dev/null
tunctl -t tap0 > /dev/null || { echo "BENCH-ERROR tunctl"; exit 1; }
ip addr add 10.0.2.1/24 dev tap0 && ip link set tap0 up

measure() {
	vmm=$1; shift
	/lab/bin/tcpx recv 5002 /dev/null &
	rx=$!
	timeout 240 "$@" < /dev/null > /tmp/netb.out 2>&1
	kill $rx 2>/dev/null; wait $rx 2>/dev/null
	mbps=$(tr -d '\r' < /tmp/netb.out | sed -n 's/^L2-NETBENCH .* mbps=//p')
	if [ -n "$mbps" ]; then
		echo "BENCH net $vmm $run $mbps"
	else
		echo "BENCH-ERROR net $vmm: no result"; tail -n 5 /tmp/netb.out
	fi
}

for run in $(seq 1 $RUNS); do
	measure meridian $MERIDIAN run -k $KERNEL -i $INITRD -m 512M --net tap,ifname=tap0 \
		-a "$CMDLINE"
	measure qemu $QEMU -kernel $KERNEL -initrd $INITRD -append "$CMDLINE" \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=off \
		-device virtio-net-pci,netdev=n0,disable-legacy=on,mac=52:54:00:12:34:56,romfile=
done

exit 0     # errors are BENCH-ERROR lines; the ratios say the rest
