/* Prints, for each CPU, the KVM paravirtual MSRs the guest kernel wrote at
 * boot, read back through /dev/cpu/N/msr (msr.ko):
 *   KVM-MSR <cpu> <name> <hex value> on|off
 * "on" means the enable bit (bit 0) is set: the guest turned the feature
 * on. Features without a dmesg line (PV EOI, async PF) show here.
 * With "access", it tries MSRs instead (see access_probe). */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct { const char *name; uint32_t index; } msrs[] = {
	{ "system-time", 0x4b564d01 },
	{ "async-pf", 0x4b564d02 },
	{ "steal-time", 0x4b564d03 },
	{ "pv-eoi", 0x4b564d04 },
};

/* "kvm-msrs access": can the guest use MSRs its CPUID may not offer?
 * Writes 0 to PV EOI (harmless: it turns PV EOI off) and reads the
 * Hyper-V reference counter, on CPU 0:
 *   MSR-WRITE pv-eoi ok|refused
 *   MSR-READ hv-time-ref ok|refused */
static int access_probe(void)
{
	uint64_t zero = 0, v;
	int fd = open("/dev/cpu/0/msr", O_RDWR);

	if (fd < 0) {
		perror("/dev/cpu/0/msr");
		return 1;
	}
	printf("MSR-WRITE pv-eoi %s\n",
	       pwrite(fd, &zero, sizeof(zero), 0x4b564d04) == sizeof(zero) ? "ok" : "refused");
	printf("MSR-READ hv-time-ref %s\n",
	       pread(fd, &v, sizeof(v), 0x40000020) == sizeof(v) ? "ok" : "refused");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "access"))
		return access_probe();
	for (int cpu = 0; cpu < 64; cpu++) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			break;
		for (unsigned i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
			uint64_t v;

			if (pread(fd, &v, sizeof(v), msrs[i].index) != sizeof(v))
				printf("KVM-MSR %d %s unreadable off\n", cpu, msrs[i].name);
			else
				printf("KVM-MSR %d %s %#" PRIx64 " %s\n", cpu, msrs[i].name, v,
				       v & 1 ? "on" : "off");
		}
		close(fd);
	}
	return 0;
}
