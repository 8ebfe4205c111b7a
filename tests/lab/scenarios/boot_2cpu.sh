# Two vCPUs and 3.5 GiB, so RAM continues above the 32-bit MMIO hole: the
# guest brings both vCPUs up with APIC IDs 0 and 1 as cores of one socket,
# sees all its memory, and powers off cleanly.
. /lab/lib.sh
OUT=/tmp/boot2.out
run_guest $OUT -c 2 -m 3584M -a "$BASE act=poweroff"
expect_status 0
expect $OUT '^L2-NPROC 2$' "nproc is 2"
expect $OUT '^L2-APICIDS 0 1 $' "APIC IDs 0 and 1"
expect $OUT '^L2-CORES 2$' "two cores in the package"
expect $OUT 'Hypervisor detected: KVM' "KVM detected"
expect $OUT '^L2-CLOCKSOURCE kvm-clock' "clocksource kvm-clock"
kb=$(sed -n 's/^L2-MEMTOTAL-KB //p' $OUT)
# 3.5 GiB minus what the kernel keeps: anything above 3 GiB proves the
# memory above 4 GiB (gpa) is in use.
[ "${kb:-0}" -gt 3250000 ] || fail "MemTotal ${kb} kB: the RAM above the hole is missing"
ok "MemTotal $kb kB"
