#!/bin/sh
# A/B of two meridians: bench/ab.sh BENCH [REV]
# Builds REV (default: the commit before the redesign of issue 17, 6d1ddbe)
# in a worktree and runs bench/BENCH/run.sh with it beside this tree's
# meridian in the same L1: each run boots or migrates with both in turn,
# then QEMU. Prints the usual figures and the ratio meridian / base, per
# run with its spread (absolute lab times mean little; the pairs do).
set -eu
user_build=${BUILD:-}
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)     # (lib.sh counts from bench/NAME/)
BUILD=${user_build:-$ROOT/build}
export BUILD
bench=${1:?usage: bench/ab.sh boot|migrate [REV]}
rev=${2:-6d1ddbe}
wt=$BUILD/ab-$rev
if [ ! -x "$wt/build/meridian" ]; then
	rm -rf "$wt"
	git -C "$ROOT" worktree prune
	git -C "$ROOT" worktree add --detach "$wt" "$rev" > /dev/null
	(cd "$wt" && meson setup build > /dev/null && ninja -C build meridian > /dev/null)
fi
[ -x "$BUILD/meridian" ] || { echo "ab: no $BUILD/meridian: make bench-ab builds it" >&2; exit 1; }
export MERIDIAN_BASE_BIN="$wt/build/meridian"
export MERIDIAN_BASE_REV="$(git -C "$ROOT" rev-parse --short "$rev")"
export MERIDIAN_REV="$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD || echo +)"
exec sh "$ROOT/bench/$bench/run.sh"
