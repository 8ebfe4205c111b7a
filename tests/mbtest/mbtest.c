/* A freestanding multiboot v1 test kernel (32-bit, no libc). It prints
 * what the boot loader and the machine told it on COM1, then leaves
 * through QEMU's isa-debug-exit port 0xf4 with the value after "exit=" on
 * its command line (so the VMM exits with (value << 1) | 1). Runs the same
 * on meridian (--debug-exit) and QEMU (-device isa-debug-exit).
 *
 *   MB-MAGIC 2badb002           EAX at entry
 *   MB-CMDLINE <string>         multiboot command line
 *   MB-MEM <lower KiB> <upper KiB>
 *   MB-MMAP <addr> <len> <type> one per memory map entry (hex)
 *   MB-MOD <n> <bytes> <string> | <first line of the module>
 *   FWCFG-SIG <4 chars>         fw_cfg signature ("QEMU")
 *   FWCFG-CPUS <n>  FWCFG-RAM <hex bytes>  FWCFG-FILE <name> <bytes>
 */
#include <stddef.h>
#include <stdint.h>

/* The header (flags 3: page-aligned modules, memory information), the
 * entry point and a 16 KiB stack. Sections are pushed and popped so that
 * the C code after this still lands in .text. */
__asm__(
	".pushsection .multiboot, \"a\"\n"
	".align 4\n"
	".long 0x1badb002\n"
	".long 3\n"
	".long -(0x1badb002 + 3)\n"
	".popsection\n"
	".pushsection .bss\n"
	".align 16\n"
	"stack_bottom: .skip 16384\n"
	"stack_top:\n"
	".popsection\n"
	".pushsection .text\n"
	".globl _start\n"
	"_start:\n"
	"	mov $stack_top, %esp\n"
	"	push %ebx\n"
	"	push %eax\n"
	"	call kmain\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	".popsection\n");

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
};
struct mb_mod { uint32_t start, end, string, reserved; };
struct mb_mmap { uint32_t size; uint64_t addr, len; uint32_t type; } __attribute__((packed));

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

#define COM1 0x3f8
#define LSR_THRE 0x20

static void putc_serial(char c)
{
	while (!(inb(COM1 + 5) & LSR_THRE))
		;
	outb(COM1, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

static void put_hex(uint64_t v)
{
	char buf[17];
	int i = 16;

	buf[i] = 0;
	do {
		buf[--i] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	puts_serial(buf + i);
}

static void put_dec(uint32_t v)
{
	char buf[11];
	int i = 10;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_serial(buf + i);
}

#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511

static void fw_cfg_read(uint16_t key, void *dst, uint32_t len)
{
	uint8_t *p = dst;

	outw(FW_CFG_SEL, key);
	for (uint32_t i = 0; i < len; i++)
		p[i] = inb(FW_CFG_DATA);
}

static uint32_t be32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static void report_fw_cfg(void)
{
	char sig[5] = { 0 };
	uint16_t cpus;
	uint64_t ram;
	uint32_t count;

	fw_cfg_read(0x00, sig, 4);
	puts_serial("FWCFG-SIG "); puts_serial(sig); puts_serial("\n");
	fw_cfg_read(0x05, &cpus, sizeof(cpus));
	puts_serial("FWCFG-CPUS "); put_dec(cpus); puts_serial("\n");
	fw_cfg_read(0x03, &ram, sizeof(ram));
	puts_serial("FWCFG-RAM "); put_hex(ram); puts_serial("\n");
	/* The directory: a big-endian count, then 64-byte entries. */
	outw(FW_CFG_SEL, 0x19);
	for (int i = 0; i < 4; i++)
		((uint8_t *)&count)[i] = inb(FW_CFG_DATA);
	count = be32(count);
	for (uint32_t f = 0; f < count && f < 64; f++) {
		struct { uint32_t size; uint16_t select, reserved; char name[56]; } e;

		for (uint32_t i = 0; i < sizeof(e); i++)
			((uint8_t *)&e)[i] = inb(FW_CFG_DATA);
		e.name[55] = 0;
		puts_serial("FWCFG-FILE "); puts_serial(e.name); puts_serial(" ");
		put_dec(be32(e.size)); puts_serial("\n");
	}
}

static void report_modules(const struct mb_info *mbi)
{
	const struct mb_mod *mods = (const struct mb_mod *)(uintptr_t)mbi->mods_addr;

	puts_serial("MB-MODS "); put_dec(mbi->mods_count); puts_serial("\n");
	for (uint32_t i = 0; i < mbi->mods_count; i++) {
		const char *data = (const char *)(uintptr_t)mods[i].start;

		puts_serial("MB-MOD "); put_dec(i); puts_serial(" ");
		put_dec(mods[i].end - mods[i].start); puts_serial(" ");
		puts_serial((const char *)(uintptr_t)mods[i].string); puts_serial(" | ");
		for (uint32_t j = 0; j < mods[i].end - mods[i].start && data[j] != '\n'; j++)
			putc_serial(data[j]);
		puts_serial(mods[i].start & 0xfff ? " UNALIGNED\n" : "\n");
	}
}

static void report_mmap(const struct mb_info *mbi)
{
	uint32_t off = 0;

	while (off + sizeof(struct mb_mmap) <= mbi->mmap_length) {
		const struct mb_mmap *e = (const struct mb_mmap *)(uintptr_t)(mbi->mmap_addr + off);

		puts_serial("MB-MMAP "); put_hex(e->addr); puts_serial(" ");
		put_hex(e->len); puts_serial(" "); put_dec(e->type); puts_serial("\n");
		off += e->size + 4;
	}
}

/* The number after "exit=" in s, or 0x7f when there is none. */
static uint32_t exit_value(const char *s)
{
	for (; *s; s++) {
		if (s[0] == 'e' && s[1] == 'x' && s[2] == 'i' && s[3] == 't' && s[4] == '=') {
			uint32_t v = 0;

			for (s += 5; *s >= '0' && *s <= '9'; s++)
				v = v * 10 + (uint32_t)(*s - '0');
			return v;
		}
	}
	return 0x7f;
}

void kmain(uint32_t magic, const struct mb_info *mbi);

void kmain(uint32_t magic, const struct mb_info *mbi)
{
	const char *cmdline = "";

	puts_serial("MB-MAGIC "); put_hex(magic); puts_serial("\n");
	if (magic != 0x2badb002)
		outl(0xf4, 0x7e);
	if (mbi->flags & (1u << 2)) {
		cmdline = (const char *)(uintptr_t)mbi->cmdline;
		puts_serial("MB-CMDLINE "); puts_serial(cmdline); puts_serial("\n");
	}
	if (mbi->flags & (1u << 0)) {
		puts_serial("MB-MEM "); put_dec(mbi->mem_lower); puts_serial(" ");
		put_dec(mbi->mem_upper); puts_serial("\n");
	}
	if (mbi->flags & (1u << 6))
		report_mmap(mbi);
	if (mbi->flags & (1u << 3))
		report_modules(mbi);
	report_fw_cfg();
	puts_serial("MB-EXIT\n");
	outl(0xf4, exit_value(cmdline));
}
