/* Which saved MSRs go back into a vCPU, and when. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <asm/kvm_para.h>

#include "kvm/kvm_clock.h"
#include "migrate/vcpu_state.h"

#define MSR_EFER 0xc0000080u

/* The wall clock MSRs are never written back (KVM would rewrite the
 * guest's wall clock structure in RAM at once: the destination's RAM
 * would differ from the source's, issue 26); TSC_DEADLINE goes alone,
 * after the LAPIC. */
static void wall_clock_is_not_carried(void **state)
{
	const struct kvm_msr_entry saved[] = {
		{ .index = MSR_IA32_TSC_DEADLINE, .data = 5 },
		{ .index = MSR_KVM_WALL_CLOCK_NEW, .data = 0x3600000 },
		{ .index = MSR_KVM_SYSTEM_TIME_NEW, .data = 0x3601001 },
		{ .index = MSR_KVM_WALL_CLOCK, .data = 0x3600000 },
		{ .index = MSR_EFER, .data = 0xd01 },
	};
	struct kvm_msr_entry out[5];

	assert_int_equal(vcpu_msrs_to_load((const uint8_t *)saved, sizeof(saved), false, out), 2);
	assert_int_equal(out[0].index, MSR_KVM_SYSTEM_TIME_NEW);
	assert_int_equal(out[0].data, 0x3601001);
	assert_int_equal(out[1].index, MSR_EFER);
	assert_int_equal(vcpu_msrs_to_load((const uint8_t *)saved, sizeof(saved), true, out), 1);
	assert_int_equal(out[0].index, MSR_IA32_TSC_DEADLINE);
	/* a torn last entry is not read */
	assert_int_equal(vcpu_msrs_to_load((const uint8_t *)saved, sizeof(saved) - 1, false, out), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wall_clock_is_not_carried),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
