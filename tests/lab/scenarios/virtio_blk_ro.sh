# virtio-blk: readonly=on: the guest cannot write, the image stays as it was.
. /lab/lib.sh
mkdir -p /tmp/rosrc && echo "read me" > /tmp/rosrc/file
mkfs.ext4 -q -F -d /tmp/rosrc /tmp/ro.img 16M || fail "mkfs.ext4 -d"
before=$(sha256sum /tmp/ro.img | cut -d' ' -f1)
OUT=/tmp/blk-ro.out
run_guest $OUT --disk path=/tmp/ro.img,readonly=on -a "$BASE act=blk-ro"
expect_status 0
expect $OUT '^L2-BLK vda sectors=[0-9]+ ro=1 serial=$' "vda is read-only in the guest"
expect $OUT '^L2-RO mounted' "ext4 mounts read-only"
expect $OUT "^L2-SHA [0-9a-f]{64}  \./file$" "the file reads in the guest"
expect $OUT '^L2-RO fs-write refused' "a file write fails"
expect $OUT '^L2-RO dev-write refused' "a write to /dev/vda fails"
after=$(sha256sum /tmp/ro.img | cut -d' ' -f1)
[ "$before" = "$after" ] || fail "the image changed under readonly=on"
ok "the image is unchanged (sha256 $after)"
rm -f /tmp/ro.img

