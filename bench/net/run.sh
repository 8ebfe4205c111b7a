#!/bin/sh
# Network benchmark (issue 5): guest -> host TCP throughput over a tap,
# meridian vs QEMU virtio-net-pci (userspace backends), same lab run.
set -eu
. "$(dirname "$0")/../lib.sh"
out=$BUILD/bench-net.txt
sh "$ROOT/tests/lab/lab.sh" --bench net | tee "$out"
m=$(awk '$1 == "BENCH" && $2 == "net" && $3 == "meridian" { print $5 }' "$out" | median)
q=$(awk '$1 == "BENCH" && $2 == "net" && $3 == "qemu" { print $5 }' "$out" | median)
echo "== guest -> host TCP over tap (Mbit/s, median of $(grep -c '^BENCH net meridian' "$out") runs): meridian ${m:-none}, qemu ${q:-none} (vhost: neither)"
awk -v m="${m:-0}" -v q="${q:-0}" 'BEGIN { if (q > 0) printf "  ratio meridian / qemu: %.2f\n", m / q }'
