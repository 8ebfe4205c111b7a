#!/bin/sh
# Block benchmark (issue 4: 4 KiB random read IOPS and 1 MiB sequential
# write MB/s, O_DIRECT in the guest, meridian vs QEMU virtio-blk-pci with
# aio=io_uring,cache=none, same lab run). Prints medians and ratios.
set -eu
. "$(dirname "$0")/../lib.sh"
out=$BUILD/bench-blk.txt
sh "$ROOT/tests/lab/lab.sh" --bench blk | tee "$out"
# med OP VMM FIELD: the median of a column (6 IOPS, 7 MB/s)
med() { awk -v o="$1" -v v="$2" -v f="$3" '$1 == "BENCH" && $2 == "blk" && $3 == o && $4 == v { print $f }' "$out" | median; }
for op in randread:6:IOPS seqwrite:7:MB/s; do
	name=${op%%:*} rest=${op#*:}; field=${rest%%:*}; unit=${rest#*:}
	m=$(med $name meridian $field) q=$(med $name qemu $field)
	echo "== $name ($unit, median of $(grep -c "^BENCH blk $name meridian" "$out") runs): meridian $m, qemu $q"
	awk -v m="$m" -v q="$q" 'BEGIN { if (q > 0) printf "  ratio meridian / qemu: %.2f (target >= 1.2)\n", m / q }'
done
