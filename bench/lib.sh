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
