# Runs inside L1 (see tests/lab/lab.sh --bench boot): launch-to-guest-init
# wall time of meridian and QEMU on the same kernel, initramfs, memory and
# command line, interleaved, RUNS times each. Prints
#   BENCH boot VMM RUN SECONDS
#   BENCH rss VMM KIB_RSS KIB_GUEST_TOUCHED
# With /lab/bin/meridian-base (bench/ab.sh: another commit's meridian) it
# boots too, right after meridian in each run, as VMM meridian-base.
. /lab/lib.sh
RUNS=${RUNS:-5}
QEMU="qemu-system-x86_64 -L /usr/share/qemu -L /usr/share/seabios -enable-kvm -cpu host \
 -m 256M -smp 1 -nographic -no-reboot -nic none"
CMDLINE="$BASE quiet act=poweroff"

now() { cut -d' ' -f1 /proc/uptime; }

# time_to_init NAME CMD...: seconds from launch to the guest's L2-INIT line.
time_to_init() {
	name=$1; shift
	t0=$(now)
	timeout 120 "$@" < /dev/null 2>/dev/null | while IFS= read -r line; do
		case "$line" in *L2-INIT*) echo "$(now)" > /tmp/t_init ;; esac
	done
	t1=$(cat /tmp/t_init 2>/dev/null)
	rm -f /tmp/t_init
	[ -n "$t1" ] || { echo "BENCH-ERROR $name never reached init"; return 1; }
	awk "BEGIN { printf \"%.2f\", $t1 - $t0 }"
}

for i in $(seq 1 $RUNS); do
	# with meridian-base, the two take turns going first
	order=meridian
	if [ -x /lab/bin/meridian-base ]; then
		if [ $((i % 2)) = 1 ]; then order="meridian base"; else order="base meridian"; fi
	fi
	for who in $order; do
		if [ $who = meridian ]; then
			s=$(time_to_init meridian $MERIDIAN run -k $KERNEL -i $INITRD -m 256M -c 1 \
			    -a "$CMDLINE") && echo "BENCH boot meridian $i $s"
		else
			s=$(time_to_init meridian-base /lab/bin/meridian-base run -k $KERNEL -i $INITRD \
			    -m 256M -c 1 -a "$CMDLINE") && echo "BENCH boot meridian-base $i $s"
		fi
	done
	s=$(time_to_init qemu-pc $QEMU -M pc -kernel $KERNEL -initrd $INITRD -append "$CMDLINE") &&
		echo "BENCH boot qemu-pc $i $s"
	s=$(time_to_init qemu-microvm $QEMU -M microvm -kernel $KERNEL -initrd $INITRD -append "$CMDLINE") &&
		echo "BENCH boot qemu-microvm $i $s"
done

# Memory: RSS of the VMM while the guest idles at init, minus the guest RAM
# it has touched (the Rss of the 256 MiB guest mapping in smaps).
rss_of() {
	$2 run -k $KERNEL -i $INITRD -m 256M -a "$BASE act=idle" < /dev/null > /tmp/idle.out 2>&1 &
	pid=$!
	i=0
	while ! grep -q L2-IDLE /tmp/idle.out; do i=$((i+1)); [ $i -lt 300 ] || break; sleep 0.1; done
	rss=$(awk '/^VmRSS/ { print $2 }' /proc/$pid/status)
	guest=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { size = 0 } /^Size:/ { size = $2 }
		     /^Rss:/ && size == 262144 { print $2 }' /proc/$pid/smaps)
	echo "BENCH rss $1 $rss ${guest:-0}"
	timeout 60 sh -c "while kill -0 $pid 2>/dev/null; do sleep 0.2; done" ||
		{ echo "BENCH-ERROR idle guest did not power off"; tail -n 5 /tmp/idle.out; kill $pid; }
}
rss_of meridian $MERIDIAN
[ ! -x /lab/bin/meridian-base ] || rss_of meridian-base /lab/bin/meridian-base
