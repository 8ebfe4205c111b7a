#!/bin/sh
# make check: unit tests (plain and under ASan+UBSan), the CLI error tests
# on the host, and the lab scenarios on real KVM. Prints each suite's
# result and one closing "check: N passed, N failed" line.
set -u
BUILD=${1:-build}
ASAN_BUILD=${2:-build-asan}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
case $ASAN_BUILD in /*) ;; *) ASAN_BUILD=$ROOT/$ASAN_BUILD ;; esac
export BUILD
LOGS=$BUILD/check-logs
mkdir -p "$LOGS"
total_pass=0
total_fail=0

# tally SUITE LOG: adds the suite's "N passed, N failed" figures.
tally() {
	line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$2" | tail -n1)
	p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	[ -n "$p" ] || { p=0; f=1; echo "$1: produced no result line"; }
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

# meson test -> "unit: N passed, N failed"
meson_suite() {
	name=$1 dir=$2
	log=$LOGS/$name.log
	ninja -C "$dir" > "$log" 2>&1 || { cat "$log"; echo "$name: 0 passed, 1 failed" | tee -a "$log"; return; }
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C "$dir" --suite unit --print-errorlogs >> "$log" 2>&1
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log")
	bad=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log")
	grep -E '^ *[0-9]+/[0-9]+ ' "$log"
	[ "${bad:-1}" = 0 ] || tail -n 60 "$dir/meson-logs/testlog.txt"
	echo "$name: ${ok:-0} passed, ${bad:-1} failed" | tee -a "$log"
}

echo "== layering (lower layers never include upper ones)"
if sh tests/layering.sh > "$LOGS/layering.log" 2>&1; then
	echo "layering: 1 passed, 0 failed" >> "$LOGS/layering.log"
else
	echo "layering: 0 passed, 1 failed" >> "$LOGS/layering.log"
fi
cat "$LOGS/layering.log"
tally layering "$LOGS/layering.log"

echo "== unit tests (cmocka)"
meson_suite unit "$BUILD"
tally unit "$LOGS/unit.log"

echo "== unit tests under ASan+UBSan"
meson_suite unit-asan "$ASAN_BUILD"
tally unit-asan "$LOGS/unit-asan.log"

echo "== concurrency under ThreadSanitizer"
sh tests/tsan/run.sh 2>&1 | tee "$LOGS/tsan.log"
tally tsan "$LOGS/tsan.log"

echo "== fuzzing the parsers (libFuzzer, ASan+UBSan)"
sh tests/fuzz/run.sh 2>&1 | tee "$LOGS/fuzz.log"
tally fuzz "$LOGS/fuzz.log"

echo "== command-line errors (host)"
sh tests/cli/test_cli.sh 2>&1 | tee "$LOGS/cli.log"
tally cli "$LOGS/cli.log"

echo "== lab scenarios (nested KVM)"
sh tests/lab/lab.sh 2>&1 | tee "$LOGS/lab.log"
tally lab "$LOGS/lab.log"

echo "check: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
