/* The knobs of a migration (migrate-set-parameters, -capabilities), in
 * QEMU's names where QEMU has the knob. downtime-limit, max-bandwidth and
 * auto-converge may change while a migration runs (the sender reads them
 * each round); compression and dirty-tracking apply from the next one. */
#ifndef MERIDIAN_MIG_PARAMS_H
#define MERIDIAN_MIG_PARAMS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kvm/dirty_log.h"

#define MIG_DEFAULT_DOWNTIME_MS 300
#define MIG_MAX_DOWNTIME_MS 2000000
#define MIG_DEFAULT_THROTTLE_INITIAL 20
#define MIG_DEFAULT_THROTTLE_INCREMENT 10
#define MIG_MAX_THROTTLE_PCT 99

enum mig_compression { MIG_COMPRESS_NONE, MIG_COMPRESS_ZSTD };

struct mig_params {
	_Atomic uint64_t downtime_limit_ms;
	_Atomic uint64_t max_bandwidth;         /* bytes per second; 0: no limit */
	_Atomic bool auto_converge;
	_Atomic unsigned throttle_initial_pct, throttle_increment_pct;
	enum mig_compression compression;
	int compression_level;                  /* zstd's, 1..19 */
	enum dirty_method dirty;                /* DIRTY_AUTO: the VM's */
};

static inline void mig_params_init(struct mig_params *p)
{
	atomic_store(&p->downtime_limit_ms, MIG_DEFAULT_DOWNTIME_MS);
	atomic_store(&p->max_bandwidth, 0);
	atomic_store(&p->auto_converge, false);
	atomic_store(&p->throttle_initial_pct, MIG_DEFAULT_THROTTLE_INITIAL);
	atomic_store(&p->throttle_increment_pct, MIG_DEFAULT_THROTTLE_INCREMENT);
	p->compression = MIG_COMPRESS_NONE;
	p->compression_level = 1;
	p->dirty = DIRTY_AUTO;
}

#endif
