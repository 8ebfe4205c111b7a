# Shared by bench/*/run.sh (sourced): where things are, and the median of
# the numbers on stdin (one per line; even counts average the middle two;
# nothing at all for no numbers).
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
median() {
	sort -n | awk '{ v[NR] = $1 }
		END { if (NR == 0) exit
		      if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# spread: "MEDIAN (MIN-MAX, n=N)" of the numbers on stdin
spread() {
	sort -n | awk '{ v[NR] = $1 }
		END { if (NR == 0) { print "none"; exit }
		      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.2f (%.2f-%.2f, n=%d)\n", m, v[1], v[NR], NR }'
}
# paired KEY_A KEY_B < pairs: for each key seen with both A and B
# ("KEY_A key value" / "KEY_B key value" lines), A's value / B's
paired() {
	awk -v a="$1" -v b="$2" '$1 == a { x[$2] = $3 } $1 == b { y[$2] = $3 }
		END { for (k in x) if ((k in y) && y[k] + 0 != 0) printf "%.4f\n", x[k] / y[k] }'
}
