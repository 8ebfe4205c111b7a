#!/bin/sh
# Boot benchmark (issue: launch-to-guest-init wall time, meridian vs QEMU
# -M pc and -M microvm, same lab run). Prints medians and ratios; absolute
# lab times mean little, the ratios are the result.
set -eu
. "$(dirname "$0")/../lib.sh"
out=$BUILD/bench-boot.txt
sh "$ROOT/tests/lab/lab.sh" --bench boot | tee "$out"
echo "== launch to guest init, median of $(grep -c '^BENCH boot meridian ' "$out") runs (seconds of L1 time)"
for vmm in meridian qemu-pc qemu-microvm; do
	m=$(awk -v v=$vmm '$1 == "BENCH" && $2 == "boot" && $3 == v { print $5 }' "$out" | median)
	eval "med_$(echo $vmm | tr - _)=$m"
	echo "  $vmm: $m s"
done
best=$(printf '%s\n%s\n' "$med_qemu_pc" "$med_qemu_microvm" | sort -n | head -n1)
awk -v m="$med_meridian" -v p="$med_qemu_pc" -v u="$med_qemu_microvm" -v b="$best" 'BEGIN {
	printf "  ratio meridian / qemu-pc:      %.2f\n", m / p
	printf "  ratio meridian / qemu-microvm: %.2f\n", m / u
	printf "  ratio meridian / best peer:    %.2f (target <= 0.75)\n", m / b }'
awk '$1 == "BENCH" && $2 == "rss" { printf "== %s RSS %d KiB, guest RAM touched %d KiB: overhead %.1f MiB (target < 4 MiB)\n", $3, $4, $5, ($4 - $5) / 1024 }' "$out"
# bench/ab.sh: this meridian against another commit's, booted in turn in
# each run; the ratio of each run's pair says more than one of medians
grep -q '^BENCH boot meridian-base' "$out" || exit 0
b=$(awk '$1 == "BENCH" && $2 == "boot" && $3 == "meridian-base" { print $5 }' "$out" | median)
echo "== A/B: meridian ${MERIDIAN_REV:-} against meridian-base ${MERIDIAN_BASE_REV:-}"
awk -v m="$med_meridian" -v b="$b" -v p="$best" 'BEGIN {
	printf "  medians: meridian %s s, meridian-base %s s: ratio %.2f\n", m, b, m / b
	printf "  ratio to best peer: meridian %.2f, meridian-base %.2f\n", m / p, b / p }'
echo "  per run, meridian / meridian-base: $(awk '$1 == "BENCH" && $2 == "boot" && $3 ~ /^meridian/ {
	print $3, $4, $5 }' "$out" | paired meridian meridian-base | spread)"
