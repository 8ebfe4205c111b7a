#include "api/mig_params_json.h"

#include <stdio.h>
#include <string.h>

#include "api/qmp_json.h"

/* An integer argument, if given: true with its value in *v. */
static bool int_arg(struct json_object *args, const char *name, long long *v)
{
	struct json_object *o;

	if (!json_object_object_get_ex(args, name, &o))
		return false;
	*v = json_object_get_int64(o);
	return true;
}

int mig_params_update_of(struct json_object *args, struct mig_params_update *u, char *err,
			 int err_len)
{
	struct json_object *o;

	memset(u, 0, sizeof(*u));
	u->has_downtime_limit = int_arg(args, "downtime-limit", &u->downtime_limit_ms);
	u->has_max_bandwidth = int_arg(args, "max-bandwidth", &u->max_bandwidth);
	u->has_max_postcopy_bandwidth = int_arg(args, "max-postcopy-bandwidth",
						&u->max_postcopy_bandwidth);
	u->has_compression_level = int_arg(args, "compression-level", &u->compression_level);
	u->has_throttle_initial = int_arg(args, "cpu-throttle-initial", &u->throttle_initial_pct);
	u->has_throttle_increment = int_arg(args, "cpu-throttle-increment",
					    &u->throttle_increment_pct);
	u->has_postcopy_after_rounds = int_arg(args, "x-postcopy-after-rounds",
					       &u->postcopy_after_rounds);
	if (json_object_object_get_ex(args, "compression", &o)) {
		const char *c = json_object_get_string(o);

		if (strcmp(c, "none") && strcmp(c, "zstd"))
			return snprintf(err, err_len, "Parameter 'compression' expects none or zstd"), -1;
		u->has_compression = true;
		u->compression = strcmp(c, "zstd") ? MIG_COMPRESS_NONE : MIG_COMPRESS_ZSTD;
	}
	if (json_object_object_get_ex(args, "dirty-tracking", &o)) {
		u->has_dirty = true;
		if (dirty_method_parse(json_object_get_string(o), &u->dirty))
			return snprintf(err, err_len, "Parameter 'dirty-tracking' expects auto, "
					"dirty-ring, dirty-log or dirty-log-clear"), -1;
	}
	return 0;
}

struct json_object *mig_params_json(const struct mig_params *p, enum dirty_method dirty)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "downtime-limit", json_u64(atomic_load(&p->downtime_limit_ms)));
	json_object_object_add(o, "max-bandwidth", json_u64(atomic_load(&p->max_bandwidth)));
	json_object_object_add(o, "max-postcopy-bandwidth",
			       json_u64(atomic_load(&p->max_postcopy_bandwidth)));
	json_object_object_add(o, "compression", json_object_new_string(
		p->compression == MIG_COMPRESS_ZSTD ? "zstd" : "none"));
	json_object_object_add(o, "compression-level", json_u64((uint64_t)p->compression_level));
	json_object_object_add(o, "cpu-throttle-initial", json_u64(atomic_load(&p->throttle_initial_pct)));
	json_object_object_add(o, "cpu-throttle-increment",
			       json_u64(atomic_load(&p->throttle_increment_pct)));
	json_object_object_add(o, "dirty-tracking", json_object_new_string(dirty_method_name(dirty)));
	json_object_object_add(o, "x-postcopy-after-rounds",
			       json_u64(atomic_load(&p->postcopy_after_rounds)));
	return o;
}

int mig_capabilities_of(struct json_object *caps, struct mig_params_update *u, char *err,
			int err_len)
{
	size_t n = json_object_array_length(caps);

	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(caps, i), *name, *on;
		int cap;

		if (!json_object_is_type(c, json_type_object) ||
		    !json_object_object_get_ex(c, "capability", &name) ||
		    !json_object_object_get_ex(c, "state", &on) ||
		    !json_object_is_type(on, json_type_boolean))
			return snprintf(err, err_len, "capabilities: expected [{\"capability\": NAME, "
					"\"state\": true|false}]"), -1;
		cap = mig_cap_parse(json_object_get_string(name));
		if (cap < 0)
			return snprintf(err, err_len, "capability %.64s: meridian has auto-converge, "
					"postcopy-ram, postcopy-blocktime and postcopy-preempt",
					json_object_get_string(name)), -1;
		u->caps_given |= 1u << cap;
		u->caps_on = (u->caps_on & ~(1u << cap)) | (unsigned)json_object_get_boolean(on) << cap;
	}
	return 0;
}

struct json_object *mig_capabilities_json(const struct mig_params *p)
{
	struct json_object *list = json_object_new_array();

	for (int cap = 0; cap < MIG_CAP_COUNT; cap++) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "capability", json_object_new_string(mig_cap_name(cap)));
		json_object_object_add(c, "state", json_object_new_boolean(atomic_load(&p->caps[cap])));
		json_object_array_add(list, c);
	}
	return list;
}
