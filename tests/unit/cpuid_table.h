/* Test helper: a malloc'd kvm_cpuid2 holding a copy of these entries. */
#ifndef MERIDIAN_TEST_CPUID_TABLE_H
#define MERIDIAN_TEST_CPUID_TABLE_H

#include <stdlib.h>
#include <linux/kvm.h>

#include "cpu/cpu_model.h"

#define CPUID_TABLE(entries) cpuid_table_new(entries, sizeof(entries) / sizeof(entries[0]))

#endif
