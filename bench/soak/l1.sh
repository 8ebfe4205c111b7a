# Diagnostic (not a benchmark): runs the 2-vCPU, 512 MiB pattern guest under
# QEMU and meridian in turn, SOAK_ROUNDS times each, PER_S seconds a run, to
# tell whether L1 deaths follow meridian or come with any 2-vCPU L2 guest.
. /lab/lib.sh
PER_S=${PER_S:-150}
ROUNDS=${ROUNDS:-4}
QEMU="qemu-system-x86_64 -L /usr/share/qemu -L /usr/share/seabios -enable-kvm -M pc -cpu host \
 -m 512M -smp 2 -nographic -no-reboot -nic none"
CMDLINE="$BASE act=pattern"
for r in $(seq 1 $ROUNDS); do
	for vmm in qemu meridian; do
		echo "BENCH soak start $vmm $r"
		if [ $vmm = qemu ]; then
			$QEMU -kernel $KERNEL -initrd $INITRD -append "$CMDLINE" < /dev/null > /tmp/s.out 2>&1 &
		else
			$MERIDIAN run -k $KERNEL -i $INITRD -m 512M -c 2 -a "$CMDLINE" < /dev/null > /tmp/s.out 2>&1 &
		fi
		p=$!
		sleep $PER_S
		kill -9 $p; wait $p 2>/dev/null
		echo "BENCH soak end $vmm $r rounds=$(grep -c 'L2-PATTERN ok' /tmp/s.out) bad=$(grep -c 'mismatch\|Kernel panic\|triple' /tmp/s.out) last=$(tr -d '\r' < /tmp/s.out | grep -v '^$' | tail -n 1 | head -c 100)"
	done
done
exit 0
