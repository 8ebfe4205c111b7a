# The Debian cloud kernel boots to init with 1 vCPU, detects KVM, uses
# kvm-clock; poweroff -f ends meridian with status 0.
. /lab/lib.sh
OUT=/tmp/boot1.out
run_guest $OUT -c 1 -m 256M -a "$BASE act=poweroff"
expect_status 0
expect $OUT '^L2-INIT' "guest reached init"
expect $OUT '^L2-NPROC 1\b' "nproc is 1"
expect $OUT 'Hypervisor detected: KVM' "KVM detected"
expect $OUT '^L2-CLOCKSOURCE kvm-clock' "clocksource kvm-clock"
expect $OUT '^L2-POWEROFF' "guest asked to power off"
