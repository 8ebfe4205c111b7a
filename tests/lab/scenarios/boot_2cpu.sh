# Two vCPUs: the guest brings both up (nproc 2) and powers off cleanly.
. /lab/lib.sh
OUT=/tmp/boot2.out
run_guest $OUT -c 2 -m 256M -a "$BASE act=poweroff"
expect_status 0
expect $OUT '^L2-NPROC 2\b' "nproc is 2"
expect $OUT 'Hypervisor detected: KVM' "KVM detected"
expect $OUT '^L2-CLOCKSOURCE kvm-clock' "clocksource kvm-clock"
