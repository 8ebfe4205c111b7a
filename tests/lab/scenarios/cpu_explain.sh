# The CPUID hypervisor leaves a guest reads (a static probe in L2) are
# exactly those `meridian cpu explain --json` reports for the same spec,
# and the explanation's predictions hold for the stock guest. One vCPU: the
# hypervisor leaves do not depend on the count, and 2-vCPU guests are where
# the nested lab wedges (docs/lab.md).
. /lab/lib.sh
# hypervisor_leaves of explain --json as "cpuid LEAF INDEX EAX EBX ECX EDX"
explained() {
	$MERIDIAN cpu explain --json --cpus 1 --cpu "$1" |
	sed -n 's/^ *{"leaf": \([0-9]*\), "index": \([0-9]*\), "eax": \([0-9]*\), "ebx": \([0-9]*\), "ecx": \([0-9]*\), "edx": \([0-9]*\)}.*/cpuid \1 \2 \3 \4 \5 \6/p'
}
for spec in host host,kvm-pv-eoi=off,-kvm-pv-ipi host,kvm=off; do
	OUT=/tmp/explain.out
	run_guest $OUT -c 1 --cpu $spec -a "$BASE quiet act=cpuid"
	expect_status 0
	explained $spec > /tmp/explained.txt
	grep '^L2-cpuid ' $OUT | sed 's/^L2-//' > /tmp/seen.txt
	case $spec in
	*kvm=off*)
		# no signature: the guest reads no KVM leaves, explain lists none
		[ ! -s /tmp/explained.txt ] || fail "$spec: explain lists hypervisor leaves: $(cat /tmp/explained.txt)"
		# EBX of leaf 0x40000000 would be "KVMK" = 1263359563
		grep -q '^cpuid 1073741824 0 [0-9]* 1263359563 ' /tmp/seen.txt &&
			fail "$spec: KVM signature visible: $(cat /tmp/seen.txt)"
		ok "$spec: no hypervisor leaves, none seen" ;;
	*)
		[ -s /tmp/explained.txt ] || fail "$spec: explain lists no hypervisor leaves"
		diff /tmp/explained.txt /tmp/seen.txt || fail "$spec: guest CPUID differs from explain --json"
		ok "$spec: guest's $(wc -l < /tmp/seen.txt) hypervisor leaves match explain --json" ;;
	esac
	$MERIDIAN cpu explain --json --cpus 1 --cpu $spec | grep -q "\"hypervisor_bit\": true" &&
		grep -q '^L2-cpuid-hypervisor-bit 1$' $OUT || fail "$spec: hypervisor bit"
done
$MERIDIAN cpu explain --cpus 2 --cpu host,kvm=off > /tmp/explain.txt
expect /tmp/explain.txt '^  use the clocksource acpi_pm ' "kvm=off explained: acpi_pm"
expect /tmp/explain.txt '^  0x40000000.0: removed$' "kvm=off explained: signature removed"
$MERIDIAN cpu explain --cpus 2 > /tmp/explain.txt
expect /tmp/explain.txt '^  detect KVM \("Hypervisor detected: KVM"\)$' "default explained: KVM"
expect /tmp/explain.txt 'kvm-guest: setup PV IPIs' "default explained: PV IPIs"
# Without /dev/kvm, explain goes by its recorded baseline (src/cpu/
# cpu_baseline_tables.h), which was recorded in this very L1: the CPUID it
# predicts must be the same as this KVM's, spec by spec.
for spec in host host,kvm=off host,hv-relaxed,hv-vpindex,hv-time,hv-synic,hv-stimer; do
	$MERIDIAN cpu explain --json --cpus 2 --cpu $spec | sed -n '/"differences"/,/"hypervisor_bit"/p' > /tmp/real.json
	MERIDIAN_KVM_DEVICE=/nonexistent/kvm $MERIDIAN cpu explain --json --cpus 2 --cpu $spec > /tmp/base.full
	grep -q '"host_facts": "unknown"' /tmp/base.full || fail "$spec: no /dev/kvm, yet host facts are not said unknown"
	sed -n '/"differences"/,/"hypervisor_bit"/p' /tmp/base.full > /tmp/base.json
	diff /tmp/real.json /tmp/base.json || fail "$spec: the baseline's CPUID is no longer this lab's KVM's"
	ok "$spec: the baseline explains the same CPUID as this KVM ($(grep -c '"leaf"' /tmp/real.json) leaves and differences)"
done
