#!/bin/sh
# Live migration benchmark (issue 7): total time, downtime, bytes sent and
# the guest's clock step, meridian vs QEMU, idle and dirtying, same lab
# run. Prints medians and ratios.
set -eu
. "$(dirname "$0")/../lib.sh"
out=$BUILD/bench-migrate.txt
sh "$ROOT/tests/lab/lab.sh" --bench migrate | tee "$out"
# med WORKLOAD VMM FIELD: the median of a column (6 total ms, 7 downtime
# ms, 8 bytes, 9 clock step ms (by UDP), 10 longest pause between ticks
# seen in L1, 11 downtime until the source sent the last byte: QEMU's
# definition, 12 clock step ms seen on the console)
med() { awk -v w="$1" -v v="$2" -v f="$3" '$1 == "BENCH" && $2 == "migrate" && $3 == w && $4 == v { print $f }' "$out" | median; }
for w in idle dirtying postcopy; do
	grep -q "^BENCH migrate $w " "$out" || continue     # (not chosen: bench.workloads)
	echo "== $w ($(grep -c "^BENCH migrate $w meridian " "$out") meridian runs, $(grep -c "^BENCH migrate $w qemu" "$out") QEMU runs; medians)"
	for f in 6:total_ms 7:downtime_ms 11:src_downtime_ms 10:seen_pause_ms 8:bytes 9:clock_step_ms 12:console_step_ms; do
		m=$(med $w meridian ${f%%:*}) q=$(med $w qemu ${f%%:*})
		awk -v n="${f#*:}" -v m="$m" -v q="$q" 'BEGIN {
			printf "  %-14s meridian %12s  qemu %12s", n, m, q
			if (q + 0 != 0) printf "  ratio %.2f", m / q
			print "" }'
	done
	k=$(awk -v w="$w" '$1 == "BENCH" && $2 == "migrate-kvmclock" && $3 == w { print $6 }' "$out" | median)
	echo "  kvmclock step (meridian, KVM_GET_CLOCK both sides, exact): ${k:-none} ms"
	[ $w = postcopy ] || continue
	for v in meridian qemu; do
		pc() { awk -v v=$v -v f=$1 '$1 == "BENCH" && $2 == "migrate-postcopy" && $3 == v && $f != "-" { print $f }' "$out"; }
		echo "  $v: blocktime $(pc 5 | spread) ms; fault latency median $(pc 6 | spread) us, p99 $(pc 7 | spread) us"
	done
done
echo "(targets: total time and downtime at most QEMU's; clock step under 2 ms where QEMU's is tens of ms;"
echo " post-copy: total time and blocktime at most QEMU's)"
# bench/ab.sh: this meridian against another commit's, migrating in turn
# in each run; each run's pair is a ratio, printed with its spread
grep -q '^BENCH migrate [a-z]* meridian-base' "$out" || exit 0
echo "== A/B: meridian ${MERIDIAN_REV:-} against meridian-base ${MERIDIAN_BASE_REV:-}"
for w in idle dirtying; do
	echo "  $w ($(grep -c "^BENCH migrate $w meridian-base" "$out") meridian-base runs)"
	for f in 6:total_ms 7:downtime_ms 11:src_downtime_ms 10:seen_pause_ms 8:bytes; do
		m=$(med $w meridian ${f%%:*}) b=$(med $w meridian-base ${f%%:*})
		r=$(awk -v w="$w" -v f="${f%%:*}" '$1 == "BENCH" && $2 == "migrate" && $3 == w &&
			$4 ~ /^meridian/ { print $4, $5, $f }' "$out" | paired meridian meridian-base | spread)
		printf "    %-14s meridian %10s  base %10s  per-run ratio %s\n" "${f#*:}" "$m" "$b" "$r"
	done
done
