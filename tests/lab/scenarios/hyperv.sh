# Hyper-V enlightenments with KVM hidden: the stock Linux guest detects
# Microsoft Hyper-V and uses the Hyper-V clocksource; unmet dependencies
# are refused with a line naming both sides.
. /lab/lib.sh
OUT=/tmp/hv.out
spec=host,kvm=off,hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer,hv-frequencies
run_guest $OUT -c 2 --cpu $spec -a "$BASE quiet act=dmesg"
expect_status 0
expect $OUT 'Hypervisor detected: Microsoft Hyper-V' "Hyper-V detected"
expect_not $OUT 'Hypervisor detected: KVM'
expect $OUT '^L2-CLOCKSOURCE hyperv_clocksource_tsc_page$' "Hyper-V TSC page clocksource"
expect $OUT '^L2-NPROC 2$' "both vCPUs up"
expect $OUT '^L2-MSR-READ hv-time-ref ok$' "hv-time: the reference counter MSR reads"

# Enforced: without hv-time the reference counter MSR is refused; with
# hv-enforce-cpuid=off KVM lets the guest read it anyway.
OUT=/tmp/hv-notime.out
run_guest $OUT --cpu host,kvm=off,hv-relaxed,hv-vpindex -a "$BASE quiet act=dmesg"
expect_status 0
expect $OUT 'Hypervisor detected: Microsoft Hyper-V' "Hyper-V without hv-time detected"
expect $OUT '^L2-MSR-READ hv-time-ref refused$' "no hv-time: KVM refuses the MSR"
run_guest $OUT --cpu host,kvm=off,hv-relaxed,hv-vpindex,hv-enforce-cpuid=off -a "$BASE quiet act=dmesg"
expect_status 0
expect $OUT '^L2-MSR-READ hv-time-ref ok$' "hv-enforce-cpuid=off: the MSR reads though not offered"
$MERIDIAN cpu explain --cpus 2 --cpu $spec > /tmp/hv-explain.txt
expect /tmp/hv-explain.txt '^  detect Microsoft Hyper-V ' "explain predicted Hyper-V"
expect /tmp/hv-explain.txt '^  use the clocksource hyperv_clocksource_tsc_page ' "explain predicted the TSC page"

# KVM visible too: Hyper-V at 0x40000000, KVM at 0x40000100; Linux prefers KVM.
OUT=/tmp/hv-kvm.out
run_guest $OUT --cpu host,hv-relaxed,hv-vpindex,hv-time -a "$BASE quiet act=cpuid"
expect_status 0
# leaf 0x40000001 EAX "Hv#1" = 0x31237648 = 824407624
expect $OUT '^L2-cpuid 1073741825 0 824407624 ' "Hyper-V interface at 0x40000001"
expect $OUT 'Hypervisor detected: KVM' "KVM (at 0x40000100) still detected"

OUT=/tmp/hv-bad.out
run_guest $OUT --cpu host,kvm=off,hv-stimer,hv-time
expect_status 1
expect $OUT '^meridian: --cpu host,kvm=off,hv-stimer,hv-time: hv-stimer needs hv-synic$' "unmet dependency"
run_guest $OUT --cpu host,hv-evmcs
expect_status 1
expect $OUT '^meridian: --cpu host,hv-evmcs: hv-evmcs needs hv-vapic$' "evmcs needs vapic"
