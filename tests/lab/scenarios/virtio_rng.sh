# virtio-rng over virtio-pci (modern, MSI-X, ioeventfd): the stock
# kernel's virtio_pci and virtio-rng drivers bind to it, and /dev/hwrng
# delivers random bytes; without --rng there is no such device.
. /lab/lib.sh
OUT=/tmp/rng.out
run_guest $OUT --rng -a "$BASE act=rng"
expect_status 0
expect $OUT '^L2-PCI 0000:00:01.0 0x1af4 0x1044 0xff0000$' "virtio-rng at 00:01.0 (modern ID 0x1044)"
expect $OUT '^L2-RNG current=virtio_rng.0$' "the kernel uses virtio_rng as its hwrng"
expect $OUT '^L2-RNG bytes=4096 ' "4 KiB read from /dev/hwrng"
distinct=$(sed -n 's/^L2-RNG bytes=4096 distinct=\([0-9]*\)$/\1/p' $OUT)
[ "${distinct:-0}" -gt 200 ] || fail "only ${distinct:-0} distinct byte values in 4 KiB"
ok "$distinct distinct byte values in 4 KiB"
# the answers came by MSI-X: the request queue's vector counted interrupts
expect $OUT '^L2-IRQ [0-9]+: [1-9][0-9]* PCI-MSI .*virtio0-input$' "MSI-X interrupts on the request queue (virtio0-input)"
expect_not $OUT 'L2-ERROR'
expect_not $OUT 'meridian: virtio'

OUT=/tmp/norng.out
run_guest $OUT -a "$BASE act=rng"
expect_status 0
expect_not $OUT '^L2-PCI 0000:00:01.0'
expect $OUT '^L2-RNG current=(none)?$' "no hwrng without --rng"
