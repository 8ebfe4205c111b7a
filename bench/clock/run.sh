#!/bin/sh
# Clock benchmark (issue 3): the guest's clock_gettime(CLOCK_MONOTONIC) cost
# in cycles with the default CPU model, kvm=off and kvm=off,hv-time,hv-vpindex, under
# meridian and QEMU with the same -cpu spec in the same lab run. Prints the
# medians, the clocksource each guest picked, and the ratios.
set -eu
. "$(dirname "$0")/../lib.sh"
out=$BUILD/bench-clock.txt
sh "$ROOT/tests/lab/lab.sh" --bench clock | tee "$out"
echo "== clock_gettime(CLOCK_MONOTONIC) in the guest, cycles (median of runs)"
missing=0
for name in default kvm-off hv-time; do
	m=$(awk -v n=$name '$1 == "BENCH" && $3 == n && $4 == "meridian" { print $6 }' "$out" | median)
	q=$(awk -v n=$name '$1 == "BENCH" && $3 == n && $4 == "qemu" { print $6 }' "$out" | median)
	mcs=$(awk -v n=$name '$1 == "BENCH" && $3 == n && $4 == "meridian" { print $7 }' "$out" | sort -u | tr '\n' ' ')
	qcs=$(awk -v n=$name '$1 == "BENCH" && $3 == n && $4 == "qemu" { print $7 }' "$out" | sort -u | tr '\n' ' ')
	if [ -z "$m" ] || [ -z "$q" ]; then
		echo "  $name: no result for ${m:+qemu}${m:-meridian} (see $out)"; missing=1; continue
	fi
	awk -v n=$name -v m="$m" -v q="$q" -v mcs="$mcs" -v qcs="$qcs" 'BEGIN {
		printf "  %-8s meridian %8.0f (%s)  qemu %8.0f (%s)  ratio %.2f\n", n, m, mcs, q, qcs, (q ? m / q : 0) }'
done
exit $missing
