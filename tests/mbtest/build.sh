#!/bin/sh
# build.sh DIR: builds the multiboot test kernel (mbtest.c) as DIR/mbtest.elf
# with two modules next to it, then runs it once under QEMU (TCG, on this
# host) as the reference: DIR/qemu.out and DIR/qemu.status. The lab's
# multiboot scenario runs the same files on meridian and compares.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$1
mkdir -p "$DIR"
# 32-bit and freestanding: gcc's own stdint.h/stddef.h, no libc, no libgcc,
# so no multilib packages are needed.
gcc -m32 -march=i686 -O2 -ffreestanding -fno-pic -fno-pie -no-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -nostdlib -static -Wall -Wextra -Werror \
	-Wl,-T,"$HERE/mbtest.ld" -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
	-o "$DIR/mbtest.elf" "$HERE/mbtest.c"
printf 'hello module one\nsecond line\n' > "$DIR/mod1"
printf 'module two' > "$DIR/mod2"
# The arguments the scenario uses too (relative paths: the same strings).
cd "$DIR"
set +e
timeout 60 qemu-system-x86_64 -accel tcg -display none -serial stdio -no-reboot \
	-m 64M -smp 3 -device isa-debug-exit,iobase=0xf4,iosize=4 \
	-kernel mbtest.elf -initrd "mod1 first arg,mod2" -append "exit=21" \
	< /dev/null > qemu.out 2> qemu.err
echo $? > qemu.status
