#include "api/qmp_commands.h"

#include "api/mig_params_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/ram_digest.h"

struct param {
	const char *name;
	enum json_type type;
	bool optional;
};

struct command {
	const char *name;
	const struct param *params;     /* NULL-terminated; NULL: takes none */
	struct json_object *(*run)(struct qmp_target *t, struct json_object *args,
				   struct qmp_error *err);
};

static struct json_object *fail(struct qmp_error *err, const char *cls, const char *desc)
{
	err->cls = cls;
	snprintf(err->desc, sizeof(err->desc), "%s", desc);
	return NULL;
}

/* The usual empty return, or NULL when op failed (err is filled). */
static struct json_object *empty_or_null(int r)
{
	return r ? NULL : json_object_new_object();
}

static struct json_object *query_status(struct qmp_target *t, struct json_object *args,
					struct qmp_error *err)
{
	struct json_object *o = json_object_new_object();
	bool running = false;
	const char *status = t->ops->status(t, &running);

	json_object_object_add(o, "running", json_object_new_boolean(running));
	json_object_object_add(o, "singlestep", json_object_new_boolean(false));
	json_object_object_add(o, "status", json_object_new_string(status));
	return o;
}

static struct json_object *stop(struct qmp_target *t, struct json_object *a, struct qmp_error *e)
{
	return empty_or_null(t->ops->stop(t, e));
}

static struct json_object *cont(struct qmp_target *t, struct json_object *a, struct qmp_error *e)
{
	return empty_or_null(t->ops->cont(t, e));
}

static struct json_object *reset(struct qmp_target *t, struct json_object *a, struct qmp_error *e)
{
	return empty_or_null(t->ops->system_reset(t, e));
}

static struct json_object *powerdown(struct qmp_target *t, struct json_object *a,
				     struct qmp_error *e)
{
	return empty_or_null(t->ops->system_powerdown(t, e));
}

static struct json_object *quit(struct qmp_target *t, struct json_object *a, struct qmp_error *e)
{
	return empty_or_null(t->ops->quit(t, e));
}

static struct json_object *query_cpus_fast(struct qmp_target *t, struct json_object *a,
					   struct qmp_error *e)
{
	return t->ops->cpus(t);
}

static struct json_object *query_kvm(struct qmp_target *t, struct json_object *a,
				     struct qmp_error *e)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "enabled", json_object_new_boolean(true));
	json_object_object_add(o, "present", json_object_new_boolean(true));
	return o;
}

struct json_object *qmp_version(void)
{
	struct json_object *v = json_object_new_object(), *q = json_object_new_object();
	unsigned major = 0, minor = 0, micro = 0;

	sscanf(MERIDIAN_VERSION, "%u.%u.%u", &major, &minor, &micro);
	json_object_object_add(q, "micro", json_object_new_int((int)micro));
	json_object_object_add(q, "minor", json_object_new_int((int)minor));
	json_object_object_add(q, "major", json_object_new_int((int)major));
	json_object_object_add(v, "qemu", q);
	json_object_object_add(v, "package", json_object_new_string("meridian " MERIDIAN_VERSION));
	return v;
}

static struct json_object *query_version(struct qmp_target *t, struct json_object *a,
					 struct qmp_error *e)
{
	return qmp_version();
}

static struct json_object *balloon(struct qmp_target *t, struct json_object *a,
				   struct qmp_error *e)
{
	long long bytes = json_object_get_int64(json_object_object_get(a, "value"));

	if (bytes <= 0)
		return fail(e, QMP_GENERIC_ERROR, "Parameter 'value' expects a size above 0");
	if (!t->ops->balloon)
		return fail(e, QMP_DEVICE_NOT_ACTIVE, "No balloon device has been activated");
	return t->ops->balloon(t, &bytes, e);
}

static struct json_object *query_balloon(struct qmp_target *t, struct json_object *a,
					 struct qmp_error *e)
{
	if (!t->ops->balloon)
		return fail(e, QMP_DEVICE_NOT_ACTIVE, "No balloon device has been activated");
	return t->ops->balloon(t, NULL, e);
}

static struct json_object *query_stats(struct qmp_target *t, struct json_object *a,
				       struct qmp_error *e)
{
	const char *target = json_object_get_string(json_object_object_get(a, "target"));

	if (strcmp(target, "vm") && strcmp(target, "vcpu"))
		return fail(e, QMP_GENERIC_ERROR, "Parameter 'target' expects 'vm' or 'vcpu'");
	return t->ops->stats(t, target, e);
}

static struct json_object *query_clock(struct qmp_target *t, struct json_object *a,
				       struct qmp_error *e)
{
	return t->ops->clock(t, e);
}

static struct json_object *query_serial(struct qmp_target *t, struct json_object *a,
					struct qmp_error *e)
{
	if (!t->ops->serial)
		return fail(e, QMP_GENERIC_ERROR, "no serial port here");
	return t->ops->serial(t, e);
}

static struct json_object *query_vcpus(struct qmp_target *t, struct json_object *a,
				       struct qmp_error *e)
{
	if (!t->ops->vcpus)
		return fail(e, QMP_GENERIC_ERROR, "no vCPUs here");
	return t->ops->vcpus(t, e);
}

static struct json_object *migrate(struct qmp_target *t, struct json_object *a,
				   struct qmp_error *e)
{
	const char *uri = json_object_get_string(json_object_object_get(a, "uri"));

	if (!t->ops->migrate)
		return fail(e, QMP_GENERIC_ERROR, "migration is not available here");
	return empty_or_null(t->ops->migrate(t, uri, e));
}

static struct json_object *migrate_cancel(struct qmp_target *t, struct json_object *a,
					  struct qmp_error *e)
{
	return t->ops->migrate_cancel ? empty_or_null(t->ops->migrate_cancel(t, e)) :
					json_object_new_object();
}

static struct json_object *migrate_start_postcopy(struct qmp_target *t, struct json_object *a,
						  struct qmp_error *e)
{
	if (!t->ops->migrate_start_postcopy)
		return fail(e, QMP_GENERIC_ERROR, "migration is not available here");
	return empty_or_null(t->ops->migrate_start_postcopy(t, e));
}

static struct json_object *query_migrate(struct qmp_target *t, struct json_object *a,
					 struct qmp_error *e)
{
	return t->ops->query_migrate ? t->ops->query_migrate(t) : json_object_new_object();
}

static struct json_object *set_parameters(struct qmp_target *t, struct json_object *a,
					  struct qmp_error *e)
{
	struct mig_params_update u;

	if (!t->ops->migrate_set_parameters)
		return fail(e, QMP_GENERIC_ERROR, "migration is not available here");
	if (mig_params_update_of(a, &u, e->desc, sizeof(e->desc))) {
		e->cls = QMP_GENERIC_ERROR;
		return NULL;
	}
	return empty_or_null(t->ops->migrate_set_parameters(t, &u, e));
}

static struct json_object *query_parameters(struct qmp_target *t, struct json_object *a,
					    struct qmp_error *e)
{
	enum dirty_method dirty;
	const struct mig_params *p;

	if (!t->ops->migrate_parameters)
		return json_object_new_object();
	p = t->ops->migrate_parameters(t, &dirty);
	return mig_params_json(p, dirty);
}

/* the capabilities are parameters underneath, with the same rules */
static struct json_object *set_capabilities(struct qmp_target *t, struct json_object *a,
					    struct qmp_error *e)
{
	struct mig_params_update u = { 0 };

	if (!t->ops->migrate_set_parameters)
		return fail(e, QMP_GENERIC_ERROR, "migration is not available here");
	if (mig_capabilities_of(json_object_object_get(a, "capabilities"), &u, e->desc,
				sizeof(e->desc))) {
		e->cls = QMP_GENERIC_ERROR;
		return NULL;
	}
	return empty_or_null(t->ops->migrate_set_parameters(t, &u, e));
}

static struct json_object *query_capabilities(struct qmp_target *t, struct json_object *a,
					      struct qmp_error *e)
{
	enum dirty_method dirty;

	if (!t->ops->migrate_parameters)
		return json_object_new_array();
	return mig_capabilities_json(t->ops->migrate_parameters(t, &dirty));
}

static struct json_object *migrate_incoming(struct qmp_target *t, struct json_object *a,
					    struct qmp_error *e)
{
	if (!t->ops->migrate_incoming)
		return fail(e, QMP_GENERIC_ERROR, "migration is not available here");
	return empty_or_null(t->ops->migrate_incoming(
		t, json_object_get_string(json_object_object_get(a, "uri")), e));
}

static struct json_object *query_commands(struct qmp_target *t, struct json_object *a,
					  struct qmp_error *e);

/* A byte count argument: absent gives dflt; negative is refused. */
static int size_arg(struct json_object *a, const char *name, uint64_t dflt, uint64_t *out)
{
	struct json_object *v = json_object_object_get(a, name);

	*out = v ? (uint64_t)json_object_get_int64(v) : dflt;
	return v && json_object_get_int64(v) < 0 ? -1 : 0;
}

/* {"algorithm": "xxh64", "range-bytes", "offset", "ram-bytes", "running",
 * "digests": ["%016x", ...]}: digests[i] covers RAM's bytes from offset +
 * i * range-bytes, RAM counted across the MMIO hole as migration counts
 * it; over all of RAM, or the window offset/length. */
static struct json_object *query_ram_digest(struct qmp_target *t, struct json_object *a,
					    struct qmp_error *e)
{
	struct qmp_ram_digest d = { 0 };
	struct json_object *o, *list;
	char hex[17];

	if (!t->ops->ram_digest)
		return fail(e, QMP_GENERIC_ERROR, "no guest RAM here");
	if (size_arg(a, "range-bytes", RAM_DIGEST_DEFAULT_RANGE_BYTES, &d.range_bytes) ||
	    !ram_digest_range_ok(d.range_bytes))
		return fail(e, QMP_GENERIC_ERROR, "Parameter 'range-bytes' expects a power of two "
			    "from 4096 to 1073741824");
	if (size_arg(a, "offset", 0, &d.offset_bytes) || size_arg(a, "length", 0, &d.length_bytes) ||
	    d.offset_bytes % d.range_bytes || d.length_bytes % d.range_bytes)
		return fail(e, QMP_GENERIC_ERROR, "Parameters 'offset' and 'length' expect multiples "
			    "of 'range-bytes'");
	if (t->ops->ram_digest(t, &d, e))
		return NULL;
	o = json_object_new_object();
	list = json_object_new_array();
	for (uint64_t i = 0; i < d.count; i++) {
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)d.digests[i]);
		json_object_array_add(list, json_object_new_string(hex));
	}
	free(d.digests);
	json_object_object_add(o, "algorithm", json_object_new_string("xxh64"));
	json_object_object_add(o, "range-bytes", json_object_new_int64((int64_t)d.range_bytes));
	json_object_object_add(o, "offset", json_object_new_int64((int64_t)d.offset_bytes));
	json_object_object_add(o, "ram-bytes", json_object_new_int64((int64_t)d.ram_bytes));
	json_object_object_add(o, "running", json_object_new_boolean(d.running));
	json_object_object_add(o, "digests", list);
	return o;
}

/* QEMU's pmemsave: guest-physical memory to a file, as it is now */
static struct json_object *pmemsave(struct qmp_target *t, struct json_object *a,
				    struct qmp_error *e)
{
	int64_t gpa = json_object_get_int64(json_object_object_get(a, "val"));
	int64_t size = json_object_get_int64(json_object_object_get(a, "size"));

	if (!t->ops->pmemsave)
		return fail(e, QMP_GENERIC_ERROR, "no guest RAM here");
	if (gpa < 0 || size <= 0)
		return fail(e, QMP_GENERIC_ERROR, "Parameters 'val' and 'size' expect an address "
			    "and a size above 0");
	return empty_or_null(t->ops->pmemsave(t, (uint64_t)gpa, (uint64_t)size, json_object_get_string(
		json_object_object_get(a, "filename")), e));
}

static const struct param pmemsave_params[] = {
	{ .name = "val", .type = json_type_int }, { .name = "size", .type = json_type_int },
	{ .name = "filename", .type = json_type_string }, { .name = NULL } };
static const struct param balloon_params[] = {
	{ .name = "value", .type = json_type_int }, { .name = NULL } };
static const struct param migrate_params[] = {
	{ .name = "uri", .type = json_type_string }, { .name = NULL } };
static const struct param set_parameters_params[] = {
	{ .name = "downtime-limit", .type = json_type_int, .optional = true },
	{ .name = "max-bandwidth", .type = json_type_int, .optional = true },
	{ .name = "compression", .type = json_type_string, .optional = true },
	{ .name = "compression-level", .type = json_type_int, .optional = true },
	{ .name = "cpu-throttle-initial", .type = json_type_int, .optional = true },
	{ .name = "cpu-throttle-increment", .type = json_type_int, .optional = true },
	{ .name = "dirty-tracking", .type = json_type_string, .optional = true },
	{ .name = "max-postcopy-bandwidth", .type = json_type_int, .optional = true },
	{ .name = "x-postcopy-after-rounds", .type = json_type_int, .optional = true },
	{ .name = NULL } };
static const struct param set_capabilities_params[] = {
	{ .name = "capabilities", .type = json_type_array }, { .name = NULL } };
static const struct param digest_params[] = {
	{ .name = "range-bytes", .type = json_type_int, .optional = true },
	{ .name = "offset", .type = json_type_int, .optional = true },
	{ .name = "length", .type = json_type_int, .optional = true }, { .name = NULL } };
static const struct param stats_params[] = {
	{ .name = "target", .type = json_type_string },
	{ .name = "providers", .type = json_type_array, .optional = true }, { .name = NULL } };

static const struct command commands[] = {
	{ "query-status", NULL, query_status },
	{ "stop", NULL, stop },
	{ "cont", NULL, cont },
	{ "system_reset", NULL, reset },
	{ "system_powerdown", NULL, powerdown },
	{ "quit", NULL, quit },
	{ "query-cpus-fast", NULL, query_cpus_fast },
	{ "query-kvm", NULL, query_kvm },
	{ "query-version", NULL, query_version },
	{ "query-commands", NULL, query_commands },
	{ "balloon", balloon_params, balloon },
	{ "query-balloon", NULL, query_balloon },
	{ "query-stats", stats_params, query_stats },
	{ "x-meridian-query-clock", NULL, query_clock },
	{ "x-meridian-query-serial", NULL, query_serial },
	{ "x-meridian-query-vcpus", NULL, query_vcpus },
	{ "x-meridian-query-ram-digest", digest_params, query_ram_digest },
	{ "pmemsave", pmemsave_params, pmemsave },
	{ "migrate", migrate_params, migrate },
	{ "query-migrate", NULL, query_migrate },
	{ "migrate_cancel", NULL, migrate_cancel },
	{ "migrate-start-postcopy", NULL, migrate_start_postcopy },
	{ "migrate-set-parameters", set_parameters_params, set_parameters },
	{ "query-migrate-parameters", NULL, query_parameters },
	{ "migrate-set-capabilities", set_capabilities_params, set_capabilities },
	{ "query-migrate-capabilities", NULL, query_capabilities },
	{ "migrate-incoming", migrate_params, migrate_incoming },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static struct json_object *query_commands(struct qmp_target *t, struct json_object *a,
					  struct qmp_error *e)
{
	struct json_object *list = json_object_new_array();

	json_object_array_add(list, json_object_new_object());
	json_object_object_add(json_object_array_get_idx(list, 0), "name",
			       json_object_new_string("qmp_capabilities"));
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "name", json_object_new_string(commands[i].name));
		json_object_array_add(list, c);
	}
	return list;
}

static const char *type_words(enum json_type type)
{
	switch (type) {
	case json_type_int: return "an integer";
	case json_type_string: return "a string";
	case json_type_boolean: return "a boolean";
	case json_type_array: return "an array";
	default: return "an object";
	}
}

/* Every argument declared with the right type, every required one there. */
static int check_args(const struct command *c, struct json_object *args, struct qmp_error *err)
{
	const struct param *p;

	if (!args)
		args = json_object_new_object();        /* none given: check the required ones */
	else
		json_object_get(args);
	json_object_object_foreach(args, key, val) {
		for (p = c->params; p && p->name && strcmp(p->name, key); p++)
			;
		if (!p || !p->name) {
			err->cls = QMP_GENERIC_ERROR;
			snprintf(err->desc, sizeof(err->desc), "Parameter '%.64s' is unexpected", key);
			goto bad;
		}
		if (!json_object_is_type(val, p->type)) {
			err->cls = QMP_GENERIC_ERROR;
			snprintf(err->desc, sizeof(err->desc), "Parameter '%s' expects %s", p->name,
				 type_words(p->type));
			goto bad;
		}
	}
	for (p = c->params; p && p->name; p++) {
		if (!p->optional && !json_object_object_get_ex(args, p->name, NULL)) {
			err->cls = QMP_GENERIC_ERROR;
			snprintf(err->desc, sizeof(err->desc), "Parameter '%s' is missing", p->name);
			goto bad;
		}
	}
	json_object_put(args);
	return 0;
bad:
	json_object_put(args);
	return -1;
}

struct json_object *qmp_command_run(struct qmp_target *t, const char *name,
				    struct json_object *args, struct qmp_error *err)
{
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(commands[i].name, name))
			continue;
		if (check_args(&commands[i], args, err))
			return NULL;
		return commands[i].run(t, args, err);
	}
	err->cls = QMP_COMMAND_NOT_FOUND;
	snprintf(err->desc, sizeof(err->desc), "The command %.128s has not been found", name);
	return NULL;
}
