#!/bin/sh
# Network benchmark (issue 5): guest -> host TCP throughput over a tap,
# meridian vs QEMU virtio-net-pci, each on its userspace data path and on
# vhost-net, same lab run.
set -eu
. "$(dirname "$0")/../lib.sh"
out=$BUILD/bench-net.txt
sh "$ROOT/tests/lab/lab.sh" --bench net | tee "$out"
med() { awk -v v="$1" '$1 == "BENCH" && $2 == "net" && $3 == v { print $5 }' "$out" | median; }
echo "== guest -> host TCP over tap (Mbit/s, medians of $(grep -c '^BENCH net meridian-user' "$out") runs)"
for path in user vhost; do
	m=$(med meridian-$path) q=$(med qemu-$path)
	awk -v p="$path" -v m="${m:-0}" -v q="${q:-0}" 'BEGIN {
		printf "  %-6s meridian %8.1f  qemu %8.1f", p == "user" ? "user" : "vhost", m, q
		if (q > 0) printf "  ratio %.2f", m / q
		print "" }'
done
