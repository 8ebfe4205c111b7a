# Runs inside L1 (tests/lab/lab.sh --bench clock): the guest's cost of
# clock_gettime(CLOCK_MONOTONIC) in TSC cycles under meridian and QEMU with
# the same -cpu spec, interleaved, RUNS times each. Prints
#   BENCH clock SPEC-NAME VMM RUN CYCLES CLOCKSOURCE
. /lab/lib.sh
RUNS=${RUNS:-3}
QEMU="qemu-system-x86_64 -L /usr/share/qemu -L /usr/share/seabios -enable-kvm -M pc \
 -m 256M -smp 1 -nographic -no-reboot -nic none"
CMDLINE="$BASE quiet act=clock"

# measure NAME VMM CMD...: one boot; prints the BENCH line.
measure() {
	name=$1 vmm=$2; shift 2
	timeout 180 "$@" < /dev/null > /tmp/clock.out 2>&1
	cycles=$(tr -d '\r' < /tmp/clock.out | sed -n 's/^L2-CLOCK-CYCLES \([0-9]*\) .*/\1/p')
	cs=$(tr -d '\r' < /tmp/clock.out | sed -n 's/^L2-CLOCKSOURCE //p')
	if [ -n "$cycles" ]; then
		echo "BENCH clock $name $vmm $i $cycles $cs"
	else
		echo "BENCH-ERROR clock $name $vmm: no result"; tail -n 5 /tmp/clock.out
	fi
}

# hv-vpindex with hv-time: Linux ignores a Hyper-V interface without the
# VP index MSR (a first run with hv-time alone gave acpi_pm/hpet on both).
for spec in default:host kvm-off:host,kvm=off hv-time:host,kvm=off,hv-time,hv-vpindex; do
	name=${spec%%:*} cpu=${spec#*:}
	for i in $(seq 1 $RUNS); do
		measure $name meridian $MERIDIAN run -k $KERNEL -i $INITRD -m 256M --cpu $cpu -a "$CMDLINE"
		measure $name qemu $QEMU -cpu $cpu -kernel $KERNEL -initrd $INITRD -append "$CMDLINE"
	done
done
