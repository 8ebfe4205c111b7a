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
# PCI: the DSDT's root bridge PCI0, configuration mechanism #1 and the host
# bridge in slot 0 (no "PCI: Fatal: No config space access function").
expect $OUT 'ACPI: PCI Root Bridge \[PCI0\]' "ACPI PCI root bridge"
expect $OUT '^L2-PCI 0000:00:00.0 0x1b36 0x0008 0x060000$' "host bridge at 00:00.0"
expect_not $OUT 'PCI: Fatal'
expect_not $OUT 'ACPI (Error|BIOS Error)'
