#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# FUZZ_SECONDS (default 20) from its seed corpus. Prints one PASS/FAIL line
# per target and "fuzz: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${BUILD:-$ROOT/build}/fuzz
SECS=${FUZZ_SECONDS:-20}
mkdir -p "$OUT"
CFLAGS="-g -O1 -I/usr/include/json-c -DMERIDIAN_VERSION=\"0.1.0\" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -I$ROOT/src"
pass=0; failed=0

build() {   # build NAME SOURCES...
	name=$1; shift
	clang $CFLAGS -o "$OUT/$name" "$ROOT/tests/fuzz/$name.c" "$@" -llz4 -lzstd -lz -lxxhash -luring -ljson-c -lpthread \
		2> "$OUT/$name.build.log" || { cat "$OUT/$name.build.log"; return 1; }
}

run() {     # run NAME: seeds from tests/fuzz/seeds/NAME, new inputs kept in build/
	name=$1
	mkdir -p "$OUT/$name.corpus"
	if "$OUT/$name" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$OUT/$name-" "$OUT/$name.corpus" "$ROOT/tests/fuzz/seeds/$name" \
		> "$OUT/$name.log" 2>&1; then
		pass=$((pass + 1))
		echo "PASS: fuzz $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$OUT/$name.log" |
			cut -d' ' -f2) runs in ${SECS}s)"
	else
		failed=$((failed + 1))
		echo "FAIL: fuzz $name"
		tail -n 40 "$OUT/$name.log" | sed 's/^/    /'
	fi
}

S=$ROOT/src
if build fuzz_boot "$S/boot/bzimage.c" "$S/boot/kernel_unpack.c" "$S/boot/boot_file.c" \
	"$S/boot/multiboot.c" "$S/boot/boot_params.c" "$S/kvm/guest_mem.c" "$S/base/log.c"; then run fuzz_boot; else failed=$((failed + 1)); fi
if build fuzz_cpu_spec "$S/cpu/cpu_model.c" "$S/cpu/cpu_features.c" "$S/cpu/hyperv.c" \
	"$S/cpu/cpuid_topology.c"; then run fuzz_cpu_spec; else failed=$((failed + 1)); fi
if build fuzz_virtqueue "$S/dev/virtqueue.c" "$S/kvm/guest_mem.c"; then run fuzz_virtqueue
else failed=$((failed + 1)); fi
if build fuzz_virtio_blk "$S/dev/virtio_blk.c" "$S/dev/virtio_pci.c" "$S/dev/virtio_pci_state.c" \
	"$S/dev/virtqueue.c" "$S/dev/pci.c" "$S/base/vmstate.c" "$S/block/disk_image.c" \
	"$S/block/io_ring.c" "$S/base/evloop.c" "$S/base/log.c" "$S/kvm/guest_mem.c" \
	"$S/kvm/irq_routes.c"; then
	run fuzz_virtio_blk; else failed=$((failed + 1)); fi
if build fuzz_qmp "$S/api/qmp_session.c" "$S/api/qmp_commands.c" "$S/kvm/ram_digest.c" \
	"$S/api/mig_params_json.c" "$S/migrate/mig_params.c" "$S/kvm/dirty_log.c" "$S/base/thread.c" "$S/kvm/guest_mem.c" "$S/base/log.c"; then run fuzz_qmp
else failed=$((failed + 1)); fi
if build fuzz_ram_pages "$S/migrate/ram_pages.c" "$S/migrate/stream.c"; then run fuzz_ram_pages
else failed=$((failed + 1)); fi
if build fuzz_dirty_log "$S/kvm/dirty_log.c" "$S/base/thread.c"; then run fuzz_dirty_log
else failed=$((failed + 1)); fi
if build fuzz_device_sections "$S/migrate/device_sections.c" "$S/migrate/stream.c" \
	"$S/migrate/vcpu_state.c" "$S/dev/device.c" "$S/dev/uart.c" "$S/dev/cmos.c" \
	"$S/base/vmstate.c" "$S/kvm/kvm_clock.c" "$S/base/log.c"; then run fuzz_device_sections
else failed=$((failed + 1)); fi
if build fuzz_postcopy_wire "$S/migrate/postcopy_wire.c" "$S/migrate/page_set.c"; then
	run fuzz_postcopy_wire; else failed=$((failed + 1)); fi
echo "fuzz: $pass passed, $failed failed"
[ $failed = 0 ]
