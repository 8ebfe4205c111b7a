# Runs inside L1 (tests/lab/lab.sh --bench net): guest -> host TCP
# throughput over virtio-net on the same tap (tap0, L1 at 10.0.2.1), 256 MiB
# per run, meridian and QEMU (virtio-net-pci, tap backend), each with its
# userspace data path (vhost=off) and with the kernel's (vhost=on),
# interleaved, RUNS times each. The guest times its send until the host
# closed. Prints
#   BENCH net VMM-PATH RUN MBPS        (VMM-PATH: meridian-user, qemu-vhost, ...)
. /lab/lib.sh
RUNS=${RUNS:-3}
QEMU="qemu-system-x86_64 -L /usr/share/qemu -L /usr/share/seabios -enable-kvm -M pc -cpu host \
 -m 512M -smp 1 -nographic -no-reboot"
CMDLINE="$BASE quiet act=netbench"

[ -c /dev/vhost-net ] || echo "BENCH-ERROR no /dev/vhost-net in L1"
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
	for vhost in off on; do
		[ $vhost = on ] && path=vhost || path=user
		measure meridian-$path $MERIDIAN run -k $KERNEL -i $INITRD -m 512M \
			--net tap,ifname=tap0,vhost=$vhost -a "$CMDLINE"
		measure qemu-$path $QEMU -kernel $KERNEL -initrd $INITRD -append "$CMDLINE" \
			-netdev tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=$vhost \
			-device virtio-net-pci,netdev=n0,disable-legacy=on,mac=52:54:00:12:34:56,romfile=
	done
done

exit 0     # errors are BENCH-ERROR lines; the ratios say the rest
