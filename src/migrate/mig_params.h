/* The knobs of a migration (migrate-set-parameters, -capabilities), in
 * QEMU's names where QEMU has the knob. downtime-limit, max-bandwidth,
 * auto-converge and x-postcopy-after-rounds may change while a migration
 * runs (the sender reads them each round); compression, dirty-tracking and
 * the post-copy capabilities apply from the next one. */
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

/* migrate-set-capabilities, QEMU's names (mig_cap_name) */
enum mig_cap {
	MIG_CAP_AUTO_CONVERGE,          /* throttle a guest that dirties too fast */
	MIG_CAP_POSTCOPY_RAM,           /* may switch to post-copy (both sides) */
	MIG_CAP_POSTCOPY_BLOCKTIME,     /* query-migrate: how long vCPUs waited for pages */
	MIG_CAP_POSTCOPY_PREEMPT,       /* requested pages on a connection of their own */
	MIG_CAP_COUNT,
};
const char *mig_cap_name(enum mig_cap c);
/* The capability of that name, or -1. */
int mig_cap_parse(const char *name);

/* x-postcopy-after-rounds: 1 to this many rounds (0: never by itself) */
#define MIG_MAX_POSTCOPY_AFTER_ROUNDS 30

struct mig_params {
	_Atomic uint64_t downtime_limit_ms;
	_Atomic uint64_t max_bandwidth;         /* bytes per second; 0: no limit */
	_Atomic uint64_t max_postcopy_bandwidth;        /* post-copy's background pages: the same */
	_Atomic bool caps[MIG_CAP_COUNT];
	/* with postcopy-ram: pre-copy that has not converged after this many
	 * rounds switches to post-copy by itself (0: only migrate-start-postcopy) */
	_Atomic unsigned postcopy_after_rounds;
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
	bool has_postcopy_after_rounds, has_max_postcopy_bandwidth;
	/* migrate-set-capabilities: bit c of caps_given set: capability c to
	 * bit c of caps_on */
	unsigned caps_given, caps_on;
	long long downtime_limit_ms, max_bandwidth, compression_level;
	long long throttle_initial_pct, throttle_increment_pct, postcopy_after_rounds;
	long long max_postcopy_bandwidth;
	enum mig_compression compression;
	enum dirty_method dirty;
};

/* What the rules need to know of the machine. */
struct mig_params_context {
	bool migration_running;
	enum dirty_method vm_dirty;             /* how the VM tracks now */
	bool clear_supported;                   /* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 */
	unsigned caps_now;                      /* bit c: capability c is on */
};
/* The capabilities of p as a mask (for mig_params_context.caps_now). */
unsigned mig_caps_mask(const struct mig_params *p);

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
