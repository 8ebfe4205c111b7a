# By default meridian unpacks the lz4 kernel on the host and the guest
# starts in the kernel proper: no KASLR, _text at its link address. With
# --kaslr the kernel's own decompressor runs and randomizes it.
. /lab/lib.sh
OUT=/tmp/kaslr-off.out
run_guest $OUT -a "$BASE act=poweroff"
expect_status 0
expect $OUT '^L2-TEXT ffffffff81000000$' "default: kernel at its link address"
expect_not $OUT 'decompresses it'
OUT=/tmp/kaslr-on.out
run_guest $OUT --kaslr -a "$BASE act=poweroff"
expect_status 0
expect $OUT '^L2-INIT' "--kaslr: guest reached init"
expect $OUT '^L2-TEXT ffffffff' "--kaslr: kernel text address"
expect_not $OUT '^L2-TEXT ffffffff81000000$'
ok "--kaslr: randomized to $(grep '^L2-TEXT' $OUT)"
