# The project's multiboot test kernel (tests/mbtest) with two modules, a
# command line, 3 vCPUs and 64 MiB: what it reads from the multiboot
# information and from fw_cfg, and its exit through port 0xf4, against
# QEMU running the very same files (reference made on the host at build).
. /lab/lib.sh
cd /lab/mbtest
OUT=/tmp/mb.out
QEMU_OUT=/tmp/mb.qemu
tr -d '\r' < qemu.out > $QEMU_OUT
[ "$(cat qemu.status)" = 43 ] || { cat $QEMU_OUT qemu.err; fail "QEMU reference: status $(cat qemu.status), expected 43"; }
ok "QEMU reference ran: status 43"

timeout 60 $MERIDIAN run --debug-exit -m 64M -c 3 -k mbtest.elf -i "mod1 first arg,mod2" \
	-a "exit=21" < /dev/null > $OUT.raw 2>&1
STATUS=$?
tr -d '\r' < $OUT.raw > $OUT
expect_status 43                # (21 << 1) | 1
expect $OUT '^MB-MAGIC 2badb002$' "EAX holds the multiboot magic"
expect $OUT '^MB-CMDLINE mbtest.elf exit=21$' "command line, kernel name first"
expect $OUT '^MB-MEM 639 64512$' "mem_lower 639 KiB, mem_upper 63 MiB"
expect $OUT '^MB-MMAP 0 9fc00 1$' "memory map: conventional memory"
expect $OUT '^MB-MMAP 100000 3f00000 1$' "memory map: RAM from 1 MiB to 64 MiB"
expect $OUT '^MB-MODS 2$' "two modules"
expect $OUT '^MB-MOD 0 29 mod1 first arg \| hello module one$' "module 1: string, size, contents"
expect $OUT '^MB-MOD 1 10 mod2 \| module two$' "module 2"
expect_not $OUT 'UNALIGNED'
expect $OUT '^FWCFG-SIG QEMU$' "fw_cfg signature"
expect $OUT '^FWCFG-CPUS 3$' "fw_cfg CPU count"
expect $OUT '^FWCFG-RAM 4000000$' "fw_cfg RAM size"
expect $OUT '^FWCFG-FILE etc/e820 ' "fw_cfg file directory"
# Everything the two machines should agree on, line for line.
for p in '^MB-MAGIC' '^MB-CMDLINE' '^MB-MODS' '^MB-MOD ' '^FWCFG-SIG' '^FWCFG-CPUS' \
	 '^FWCFG-RAM' '^MB-EXIT'; do
	[ "$(grep "$p" $OUT)" = "$(grep "$p" $QEMU_OUT)" ] ||
		fail "differs from QEMU: $(grep "$p" $OUT) vs $(grep "$p" $QEMU_OUT)"
done
ok "same as QEMU for magic, command line, modules, fw_cfg and exit"

# Other exit values: 0 -> 1, 127 -> 255.
timeout 60 $MERIDIAN run --debug-exit -m 64M -k mbtest.elf -a "exit=0" < /dev/null > $OUT 2>&1
STATUS=$?
expect_status 1
timeout 60 $MERIDIAN run --debug-exit -m 64M -k mbtest.elf -a "exit=127" < /dev/null > $OUT 2>&1
STATUS=$?
expect_status 255
