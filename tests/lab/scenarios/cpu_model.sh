# --cpu: what the stock Debian guest makes of the KVM signature, each PV
# feature, kvm=off and the hypervisor bit; specs the host cannot honour.
. /lab/lib.sh
boot() {   # boot OUT SPEC: 2 vCPUs, the guest prints its whole dmesg
	run_guest $1 -c 2 --cpu "$2" -a "$BASE quiet act=dmesg"
	expect_status 0
}
OUT=/tmp/cpu-default.out
boot $OUT host
expect $OUT 'Hypervisor detected: KVM' "default: KVM detected"
expect $OUT '^L2-CLOCKSOURCE kvm-clock$' "default: kvm-clock"
expect $OUT '^L2-HYPERVISOR-FLAG yes$' "default: hypervisor bit"
expect $OUT 'kvm-guest: PV spinlocks enabled' "default: PV spinlocks"
expect $OUT 'kvm-guest: setup PV IPIs' "default: PV IPIs"
expect $OUT 'kvm-guest: KVM setup pv remote TLB flush' "default: PV TLB flush"
expect $OUT 'kvm-guest: setup PV sched yield' "default: PV sched yield"

# Each PV feature turned off removes exactly its line.
OUT=/tmp/cpu-noipi.out
boot $OUT host,kvm-pv-ipi=off
expect_not $OUT 'kvm-guest: setup PV IPIs'
expect $OUT 'kvm-guest: PV spinlocks enabled' "kvm-pv-ipi=off: spinlocks still on"
expect $OUT 'kvm-guest: KVM setup pv remote TLB flush' "kvm-pv-ipi=off: TLB flush still on"
OUT=/tmp/cpu-nounhalt.out
boot $OUT host,-kvm-pv-unhalt,-kvm-pv-tlb-flush
expect_not $OUT 'kvm-guest: PV spinlocks enabled'
expect_not $OUT 'kvm-guest: KVM setup pv remote TLB flush'
expect $OUT 'kvm-guest: setup PV IPIs' "-kvm-pv-unhalt: PV IPIs still on"

# kvm=off: no KVM detection, no kvm-clock, no kvm-guest lines.
OUT=/tmp/cpu-kvmoff.out
boot $OUT host,kvm=off
expect_not $OUT 'Hypervisor detected: KVM'
expect_not $OUT '^L2-CLOCKSOURCE kvm-clock$'
expect_not $OUT 'kvm-guest:'
expect $OUT "^L2-CLOCKSOURCE acpi_pm$" "kvm=off: the ACPI PM timer, not jiffies"
expect $OUT '^L2-HYPERVISOR-FLAG yes$' "kvm=off: hypervisor bit still set"

# -hypervisor: CPUID.1:ECX[31] clear in the guest.
OUT=/tmp/cpu-nohv.out
boot $OUT host,-hypervisor
expect $OUT '^L2-HYPERVISOR-FLAG no$' "-hypervisor: no hypervisor flag in /proc/cpuinfo"

# Specs the host cannot honour: one line, status 1, nothing started.
OUT=/tmp/cpu-bad.out
run_guest $OUT --cpu host,+rdseed       # TCG's EPYC has no RDSEED
expect_status 1
expect $OUT '^meridian: --cpu host,\+rdseed: rdseed is not supported by this host$' "unsupported feature"
[ "$(wc -l < $OUT)" = 1 ] || fail "more than one line"
run_guest $OUT --cpu host,kvm=off,kvm-pv-eoi=on
expect_status 1
expect $OUT '^meridian: --cpu host,kvm=off,kvm-pv-eoi=on: kvm-pv-eoi needs the KVM signature, which kvm=off hides$' "PV feature with kvm=off"
