/* KVM's binary statistics (KVM_GET_STATS_FD, Documentation/virt/kvm/api.rst
 * 4.133): the counters of a VM or a vCPU, each with its name and values
 * (one, or a histogram's buckets). */
#ifndef MERIDIAN_KVM_STATS_H
#define MERIDIAN_KVM_STATS_H

#include <stdint.h>

typedef void (*kvm_stat_fn)(void *ctx, const char *name, const uint64_t *values, unsigned n);

/* Calls fn for every statistic of obj_fd (a VM or vCPU fd). Returns 0 or -errno. */
int kvm_stats_foreach(int obj_fd, kvm_stat_fn fn, void *ctx);

#endif
