/* Test helper: a malloc'd kvm_cpuid2 holding a copy of these entries. */
#ifndef MERIDIAN_TEST_CPUID_TABLE_H
#define MERIDIAN_TEST_CPUID_TABLE_H

#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>

#define CPUID_TABLE(entries) cpuid_table_of(entries, sizeof(entries) / sizeof(entries[0]))

static inline struct kvm_cpuid2 *cpuid_table_of(const struct kvm_cpuid_entry2 *entries, size_t n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(*entries));

	c->nent = (__u32)n;
	memcpy(c->entries, entries, n * sizeof(*entries));
	return c;
}

#endif
