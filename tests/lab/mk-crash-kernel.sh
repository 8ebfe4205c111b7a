#!/bin/sh
# mk-crash-kernel.sh OUT: a minimal bzImage (valid 2.15 header, 64-bit
# entry) whose entry point executes ud2. With no IDT the #UD cannot be
# delivered: #GP, #DF, triple fault. The lab uses it to check that
# meridian ends with status 2 and a register dump.
set -eu
out=$1
# put OFFSET BYTE...: writes hex bytes at a file offset
put() {
	off=$1; shift
	for b in "$@"; do
		printf "\\$(printf '%03o' "0x$b")"
	done | dd of="$out" bs=1 seek="$off" conv=notrunc 2>/dev/null
}
head -c 4096 /dev/zero > "$out"
put $((0x1f1)) 01                       # setup_sects: setup is 2 sectors
put $((0x1fe)) 55 aa                    # boot_flag
put $((0x200)) eb 6a                    # jump; header ends at 0x26c
put $((0x202)) 48 64 72 53              # "HdrS"
put $((0x206)) 0f 02                    # protocol 2.15
put $((0x22c)) ff ff ff 7f              # initrd_addr_max
put $((0x236)) 01 00                    # xloadflags: XLF_KERNEL_64
put $((0x238)) ff 07 00 00              # cmdline_size
put $((0x258)) 00 00 10 00 00 00 00 00  # pref_address 1 MiB
put $((0x260)) 00 00 01 00              # init_size 64 KiB
put $((1024 + 0x200)) 0f 0b             # at the 64-bit entry: ud2
