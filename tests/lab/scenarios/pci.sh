# PCI beyond mechanism #1: the kernel takes the MCFG table's ECAM window
# (reserved as a motherboard resource), and configuration space read there
# as memory is what 0xCF8/0xCFC give; with MSI turned off in the guest
# (pci=nomsi) virtio interrupts through INTx, routed by the DSDT's _PRT
# to the IOAPIC, and the device works the same.
. /lab/lib.sh
OUT=/tmp/ecam.out
run_guest $OUT --rng -a "$BASE iomem=relaxed act=ecam"
expect_status 0
expect $OUT '^L2-DMESG .*PCI: MMCONFIG for domain 0000 \[bus 00-ff\] at \[mem 0xe0000000-0xefffffff\]' \
	"the kernel found the MCFG window"
expect $OUT '^L2-DMESG .*MMCONFIG at \[mem 0xe0000000-0xefffffff\] reserved (in E820|as ACPI motherboard resource)' \
	"it accepted the window as reserved"
expect_not $OUT 'not reserved|MMCONFIG.*not using|MMCONFIG has no entries'
expect $OUT '^L2-ECAM slot0 0x00081B36$' "ECAM 00:00.0: the host bridge (1b36:0008)"
expect $OUT '^L2-ECAM slot1 0x10441AF4$' "ECAM 00:01.0: virtio-rng (1af4:1044), as sysfs says"
expect $OUT '^L2-PCI 0000:00:01.0 0x1af4 0x1044 ' "sysfs (mechanism #1) agrees"
expect $OUT '^L2-ECAM slot2 0xFFFFFFFF$' "ECAM 00:02.0: nothing there"
expect $OUT '^L2-ECAM intline 0x0111$' "00:01.0 interrupt pin A, line 17 (16 + slot 1)"

OUT=/tmp/intx.out
run_guest $OUT --rng -a "$BASE pci=nomsi act=rng"
expect_status 0
expect $OUT '^L2-RNG current=virtio_rng.0$' "virtio-rng bound without MSI"
expect $OUT '^L2-RNG bytes=4096 ' "4 KiB read from /dev/hwrng"
expect $OUT '^L2-IRQ 17: [1-9][0-9]* IO-APIC .*fasteoi.*virtio0' \
	"its interrupts came through IOAPIC pin 17, level-triggered (INTx)"
expect_not $OUT 'PCI-MSI'
expect_not $OUT 'L2-ERROR|meridian: virtio'
