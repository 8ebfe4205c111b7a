/* KVM's binary statistics (KVM_GET_STATS_FD, Documentation/virt/kvm/api.rst
 * 4.133): the counters of a VM or a vCPU, each with its name and values
 * (one, or a histogram's buckets). */
#ifndef MERIDIAN_KVM_STATS_H
#define MERIDIAN_KVM_STATS_H

#include <stdint.h>

typedef void (*kvm_stat_fn)(void *ctx, const char *name, const uint64_t *values, unsigned n);

/* The statistics fd of obj_fd (a VM or vCPU fd), or -errno. For a vCPU,
 * open it once at creation: the ioctl waits for the vCPU to leave
 * KVM_RUN, which a guest spinning without exits never does; reading the
 * open fd waits for nothing. */
int kvm_stats_open(int obj_fd);
/* Calls fn for every statistic in stats_fd. Returns 0 or -errno. */
int kvm_stats_foreach(int stats_fd, kvm_stat_fn fn, void *ctx);

#endif
