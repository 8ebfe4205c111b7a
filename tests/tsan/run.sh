#!/bin/sh
# Concurrency tests under ThreadSanitizer (clang): each test is built from
# the sources it needs with -fsanitize=thread and must end with status 0
# and no race reported. Prints "tsan: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${BUILD:-$ROOT/build}/tsan
S=$ROOT/src
mkdir -p "$OUT"
pass=0
failed=0

# run NAME SOURCES...: builds tests/tsan/NAME.c (or tests/unit/NAME.c, a
# cmocka test whose threads are the point) with SOURCES and runs it.
run() {
	name=$1
	shift
	src=$ROOT/tests/tsan/$name.c
	[ -f "$src" ] || src=$ROOT/tests/unit/$name.c
	if ! clang -fsanitize=thread -g -O1 -D_GNU_SOURCE -std=gnu11 -I"$S" -I/usr/include/json-c \
		-o "$OUT/$name" "$src" "$@" -lslirp -lcmocka -lxxhash -lpthread > "$OUT/$name.build" 2>&1; then
		failed=$((failed + 1)); echo "FAIL: tsan $name (build)"; sed 's/^/    /' "$OUT/$name.build" | tail -20
		return
	fi
	if TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$OUT/$name" > "$OUT/$name.log" 2>&1; then
		pass=$((pass + 1)); echo "PASS: tsan $name: $(tail -n1 "$OUT/$name.log")"
	else
		failed=$((failed + 1)); echo "FAIL: tsan $name"; sed 's/^/    /' "$OUT/$name.log" | head -40
	fi
}

run net_rx_two_devices "$S/dev/virtio_net.c" "$S/dev/virtio_pci.c" "$S/dev/virtio_pci_state.c" \
	"$S/dev/virtqueue.c" "$S/dev/pci.c" "$S/base/vmstate.c" "$S/base/evloop.c" "$S/base/log.c" \
	"$S/kvm/guest_mem.c" "$S/kvm/irq_routes.c" "$S/net/tap.c" "$S/net/slirp_net.c" \
	"$S/net/vhost_net.c" "$S/net/netdev.c" "$S/cli/net_spec.c" "$S/base/thread.c"
# post-copy's two sides: fault thread, page readers, request reader, background
run test_postcopy "$S/migrate/postcopy_src.c" "$S/migrate/postcopy_dest.c" \
	"$S/migrate/postcopy_wire.c" "$S/migrate/page_set.c" "$S/kvm/uffd.c" "$S/base/thread.c" \
	"$S/base/log.c" "$S/migrate/stream.c"
echo "tsan: $pass passed, $failed failed"
[ $failed = 0 ]
