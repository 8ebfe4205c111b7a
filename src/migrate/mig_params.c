#include "migrate/mig_params.h"

#include <stdio.h>
#include <string.h>

static const char *const cap_names[MIG_CAP_COUNT] = {
	[MIG_CAP_AUTO_CONVERGE] = "auto-converge", [MIG_CAP_POSTCOPY_RAM] = "postcopy-ram",
	[MIG_CAP_POSTCOPY_BLOCKTIME] = "postcopy-blocktime",
	[MIG_CAP_POSTCOPY_PREEMPT] = "postcopy-preempt",
};

const char *mig_cap_name(enum mig_cap c)
{
	return (unsigned)c < MIG_CAP_COUNT ? cap_names[c] : "?";
}

int mig_cap_parse(const char *name)
{
	for (int c = 0; c < MIG_CAP_COUNT; c++)
		if (!strcmp(name, cap_names[c]))
			return c;
	return -1;
}

unsigned mig_caps_mask(const struct mig_params *p)
{
	unsigned mask = 0;

	for (int c = 0; c < MIG_CAP_COUNT; c++)
		if (atomic_load(&p->caps[c]))
			mask |= 1u << c;
	return mask;
}

void mig_params_init(struct mig_params *p)
{
	atomic_store(&p->downtime_limit_ms, MIG_DEFAULT_DOWNTIME_MS);
	atomic_store(&p->max_bandwidth, 0);
	atomic_store(&p->max_postcopy_bandwidth, 0);
	for (int c = 0; c < MIG_CAP_COUNT; c++)
		atomic_store(&p->caps[c], false);
	/* requested pages on their own connection: faster to the faulting
	 * vCPU in every lab run (median 3.0 vs 6.5 ms, tests/lab/scenarios/
	 * postcopy.sh), so on unless turned off (QEMU's default is off) */
	atomic_store(&p->caps[MIG_CAP_POSTCOPY_PREEMPT], true);
	atomic_store(&p->postcopy_after_rounds, 0);
	atomic_store(&p->throttle_initial_pct, MIG_DEFAULT_THROTTLE_INITIAL);
	atomic_store(&p->throttle_increment_pct, MIG_DEFAULT_THROTTLE_INCREMENT);
	p->compression = MIG_COMPRESS_NONE;
	p->compression_level = 1;
	p->dirty = DIRTY_AUTO;
}

static int out_of_range(const char *name, long long v, long long lo, long long hi, char *err,
			int err_len)
{
	if (v >= lo && v <= hi)
		return 0;
	snprintf(err, err_len, "Parameter '%s' expects a value from %lld to %lld (got %lld)", name,
		 lo, hi, v);
	return -1;
}

/* The capabilities: auto-converge may change while a migration runs (the
 * sender looks each round), the post-copy ones not (a migration is one
 * kind or the other from its start). postcopy-preempt without
 * postcopy-ram is inert (meridian's default has it on). */
static int check_caps(const struct mig_params_update *u, const struct mig_params_context *ctx,
		      char *err, int err_len)
{
	unsigned after = (ctx->caps_now & ~u->caps_given) | (u->caps_on & u->caps_given);

	for (int c = 0; c < MIG_CAP_COUNT; c++)
		if (c != MIG_CAP_AUTO_CONVERGE && (u->caps_given >> c & 1) && ctx->migration_running &&
		    ((after ^ ctx->caps_now) >> c & 1))
			return snprintf(err, err_len, "capability %s cannot change while a migration "
					"runs", cap_names[c]), -1;
	return 0;
}

int mig_params_check(const struct mig_params_update *u, const struct mig_params_context *ctx,
		     char *err, int err_len)
{
	if ((u->has_downtime_limit && out_of_range("downtime-limit", u->downtime_limit_ms, 0,
						    MIG_MAX_DOWNTIME_MS, err, err_len)) ||
	    (u->has_max_bandwidth && out_of_range("max-bandwidth", u->max_bandwidth, 0,
						   MIG_MAX_BANDWIDTH, err, err_len)) ||
	    (u->has_max_postcopy_bandwidth && out_of_range("max-postcopy-bandwidth",
							   u->max_postcopy_bandwidth, 0,
							   MIG_MAX_BANDWIDTH, err, err_len)) ||
	    (u->has_compression_level && out_of_range("compression-level", u->compression_level, 1,
						      MIG_MAX_COMPRESSION_LEVEL, err, err_len)) ||
	    (u->has_throttle_initial && out_of_range("cpu-throttle-initial", u->throttle_initial_pct,
						     1, MIG_MAX_THROTTLE_PCT, err, err_len)) ||
	    (u->has_throttle_increment && out_of_range("cpu-throttle-increment",
						       u->throttle_increment_pct, 1,
						       MIG_MAX_THROTTLE_PCT, err, err_len)) ||
	    (u->has_postcopy_after_rounds && out_of_range("x-postcopy-after-rounds",
							  u->postcopy_after_rounds, 0,
							  MIG_MAX_POSTCOPY_AFTER_ROUNDS, err, err_len)))
		return -1;
	if (check_caps(u, ctx, err, err_len))
		return -1;
	/* the sender reads these once, when it starts */
	if ((u->has_compression || u->has_dirty || u->has_compression_level) &&
	    ctx->migration_running)
		return snprintf(err, err_len, "compression and dirty-tracking cannot change while a "
				"migration runs (downtime-limit and max-bandwidth can)"), -1;
	if (!u->has_dirty || u->dirty == DIRTY_AUTO)
		return 0;
	if ((u->dirty == DIRTY_RING) != (ctx->vm_dirty == DIRTY_RING))
		return snprintf(err, err_len, "dirty-tracking: the dirty ring is set up (or not) when "
				"the VM is built: --dirty-tracking on the command line"), -1;
	if (u->dirty == DIRTY_LOG_CLEAR && ctx->vm_dirty == DIRTY_LOG && !ctx->clear_supported)
		return snprintf(err, err_len, "dirty-tracking: this KVM has no "
				"KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2"), -1;
	return 0;
}

int mig_params_apply(struct mig_params *p, const struct mig_params_update *u,
		     const struct mig_params_context *ctx, char *err, int err_len)
{
	if (mig_params_check(u, ctx, err, err_len))
		return -1;
	if (u->has_downtime_limit)
		atomic_store(&p->downtime_limit_ms, (uint64_t)u->downtime_limit_ms);
	if (u->has_max_bandwidth)
		atomic_store(&p->max_bandwidth, (uint64_t)u->max_bandwidth);
	if (u->has_max_postcopy_bandwidth)
		atomic_store(&p->max_postcopy_bandwidth, (uint64_t)u->max_postcopy_bandwidth);
	if (u->has_throttle_initial)
		atomic_store(&p->throttle_initial_pct, (unsigned)u->throttle_initial_pct);
	if (u->has_throttle_increment)
		atomic_store(&p->throttle_increment_pct, (unsigned)u->throttle_increment_pct);
	if (u->has_compression_level)
		p->compression_level = (int)u->compression_level;
	if (u->has_compression)
		p->compression = u->compression;
	if (u->has_dirty)
		p->dirty = u->dirty;
	if (u->has_postcopy_after_rounds)
		atomic_store(&p->postcopy_after_rounds, (unsigned)u->postcopy_after_rounds);
	for (int c = 0; c < MIG_CAP_COUNT; c++)
		if (u->caps_given >> c & 1)
			atomic_store(&p->caps[c], (bool)(u->caps_on >> c & 1));
	return 0;
}
