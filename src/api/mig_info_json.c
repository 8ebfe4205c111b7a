#include "api/mig_info_json.h"

#include "api/qmp_json.h"

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *ram_json(const struct mig_info *info)
{
	struct json_object *ram = json_object_new_object();

	add(ram, "transferred", json_u64(info->transferred_bytes));
	add(ram, "total", json_u64(info->ram_bytes));
	add(ram, "remaining", json_u64(info->remaining_bytes));
	add(ram, "normal", json_u64(info->normal_pages));
	add(ram, "duplicate", json_u64(info->zero_pages));
	if (info->live) {
		add(ram, "dirty-pages-rate", json_u64(info->dirty_pages_rate));
		add(ram, "dirty-sync-count", json_u64(info->dirty_sync_count));
		add(ram, "mbps", json_object_new_double(info->mbps));
		add(ram, "postcopy-requests", json_u64(info->postcopy_requests));
	}
	return ram;
}

/* the destination's side of post-copy: QEMU's blocktime (with the
 * postcopy-blocktime capability), and meridian's own figures */
static void postcopy_json(struct json_object *o, const struct mig_info *info)
{
	const struct postcopy_dest_info *pc = &info->pc;
	struct json_object *x = json_object_new_object(), *vcpus;

	if (info->blocktime) {
		add(o, "postcopy-blocktime", json_u64(pc->blocktime_ms));
		vcpus = json_object_new_array();
		for (unsigned i = 0; i < pc->nr_vcpus; i++)
			json_object_array_add(vcpus, json_u64(pc->vcpu_blocktime_ms[i]));
		add(o, "postcopy-vcpu-blocktime", vcpus);
	}
	add(x, "faults", json_u64(pc->faults));
	add(x, "requests", json_u64(pc->requests));
	add(x, "pages-owed", json_u64(pc->owed_pages));
	add(x, "pages-placed", json_u64(pc->placed_pages));
	add(x, "fault-latency-median-us", json_u64(pc->latency_median_us));
	add(x, "fault-latency-p99-us", json_u64(pc->latency_p99_us));
	add(o, "x-postcopy", x);
}

struct json_object *mig_info_json(const struct mig_info *info)
{
	struct json_object *o = json_object_new_object();

	if (info->status == MIG_STATUS_NONE)
		return o;
	add(o, "status", json_object_new_string(mig_status_name(info->status)));
	add(o, "total-time", json_u64(info->total_ms));
	if (info->live) {
		add(o, "setup-time", json_u64(info->setup_ms));
		add(o, "downtime", json_u64(info->downtime_ms));
		add(o, "cpu-throttle-percentage", json_u64(info->throttle_pct));
		add(o, "dirty-tracking", json_object_new_string(info->dirty_tracking));
		add(o, "compression", json_object_new_string(info->compression));
	}
	add(o, "ram", ram_json(info));
	if (info->postcopy_dest)
		postcopy_json(o, info);
	if (info->error && info->error[0])
		add(o, "error-desc", json_object_new_string(info->error));
	return o;
}
