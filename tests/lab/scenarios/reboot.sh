# reboot -f with --no-reboot ends meridian with 0 after one boot; without
# it the guest boots a second time (CMOS NVRAM tells it so), then powers off.
. /lab/lib.sh
OUT=/tmp/reboot-noreboot.out
run_guest $OUT --no-reboot -a "$BASE act=reboot"
expect_status 0
expect $OUT '^L2-REBOOT' "guest asked to reboot"
n=$(count $OUT '^L2-INIT')
[ "$n" = 1 ] || fail "--no-reboot: $n boots, expected 1"
ok "--no-reboot: one boot"

OUT=/tmp/reboot-twice.out
run_guest $OUT -a "$BASE act=reboot-once"
expect_status 0
n=$(count $OUT '^L2-INIT')
[ "$n" = 2 ] || { cat $OUT; fail "$n boots, expected 2"; }
ok "two boots"
expect $OUT '^L2-SECOND-BOOT' "second boot saw the CMOS marker"
