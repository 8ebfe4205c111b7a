/* Guest-side CPUID probe (static, runs in L2): prints the hypervisor leaves
 * 0x40000000..max as "cpuid LEAF INDEX EAX EBX ECX EDX" in decimal, the
 * format the lab compares with `meridian cpu explain --json`, and the
 * hypervisor bit. */
#include <cpuid.h>
#include <stdio.h>

int main(void)
{
	unsigned a, b, c, d, max;

	__cpuid(1, a, b, c, d);
	printf("cpuid-hypervisor-bit %u\n", (c >> 31) & 1);
	__cpuid(0x40000000, max, b, c, d);
	if (max < 0x40000000 || max > 0x400000ff)
		max = 0x40000000;       /* no hypervisor leaves: print what is there */
	for (unsigned leaf = 0x40000000; leaf <= max; leaf++) {
		__cpuid_count(leaf, 0, a, b, c, d);
		printf("cpuid %u 0 %u %u %u %u\n", leaf, a, b, c, d);
	}
	return 0;
}
