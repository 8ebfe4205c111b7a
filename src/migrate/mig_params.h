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

void mig_params_init(struct mig_params *p);

/* One migrate-set-parameters as asked: each knob given or not, its value
 * as the client wrote it (bounds are the rules' business). */
struct mig_params_update {
	bool has_downtime_limit, has_max_bandwidth, has_compression_level;
	bool has_throttle_initial, has_throttle_increment, has_compression, has_dirty;
	bool has_auto_converge, auto_converge;  /* the capability (migrate-set-capabilities) */
	long long downtime_limit_ms, max_bandwidth, compression_level;
	long long throttle_initial_pct, throttle_increment_pct;
	enum mig_compression compression;
	enum dirty_method dirty;
};

/* What the rules need to know of the machine. */
struct mig_params_context {
	bool migration_running;
	enum dirty_method vm_dirty;             /* how the VM tracks now */
	bool clear_supported;                   /* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 */
};

#define MIG_MAX_BANDWIDTH (1ll << 50)
#define MIG_MAX_COMPRESSION_LEVEL 19

/* The rules, a pure function: 0 when the whole update may take effect,
 * or -1 with one line in err (QEMU's wording for a bound). */
int mig_params_check(const struct mig_params_update *u, const struct mig_params_context *ctx,
		     char *err, int err_len);
/* Checks, then applies all of the update, or (-1, err) none of it. */
int mig_params_apply(struct mig_params *p, const struct mig_params_update *u,
		     const struct mig_params_context *ctx, char *err, int err_len);

#endif
