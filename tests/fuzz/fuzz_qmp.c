/* libFuzzer target: a hostile QMP client. The input is what it sends,
 * split into reads at every 0xff byte (which is never valid JSON text);
 * the session must answer without crashing, leaking or growing without
 * bound, whatever arrives. The machine behind it is a fake. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api/qmp_commands.h"
#include "api/qmp_session.h"

static size_t out_bytes;

static void sink(void *ctx, const char *line, size_t len)
{
	out_bytes += len;
}

static const char *f_status(struct qmp_target *t, bool *running) { *running = true; return "running"; }
static int f_ok(struct qmp_target *t, struct qmp_error *e) { return 0; }
static struct json_object *f_cpus(struct qmp_target *t) { return json_object_new_array(); }
static struct json_object *f_stats(struct qmp_target *t, const char *w, struct qmp_error *e)
{
	return json_object_new_array();
}
static struct json_object *f_clock(struct qmp_target *t, struct qmp_error *e)
{
	return json_object_new_object();
}

/* the migration parameters' rules, as the machine applies them */
static struct mig_params params;
static int f_set_params(struct qmp_target *t, const struct mig_params_update *u,
			struct qmp_error *e)
{
	const struct mig_params_context ctx = { .vm_dirty = DIRTY_LOG_CLEAR, .clear_supported = true };

	return mig_params_apply(&params, u, &ctx, e->desc, sizeof(e->desc));
}
static const struct mig_params *f_params(struct qmp_target *t, enum dirty_method *dirty)
{
	*dirty = DIRTY_LOG_CLEAR;
	return &params;
}

static const struct qmp_target_ops ops = {
	.status = f_status, .stop = f_ok, .cont = f_ok, .system_reset = f_ok,
	.system_powerdown = f_ok, .quit = f_ok, .cpus = f_cpus, .stats = f_stats, .clock = f_clock,
	.migrate_set_parameters = f_set_params, .migrate_parameters = f_params,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmp_target target = { .ops = &ops };
	struct qmp_session s;
	size_t start = 0;

	if (qmp_session_init(&s, &target, sink, NULL))
		return 0;
	for (size_t i = 0; i <= size; i++) {
		if (i == size || data[i] == 0xff) {
			qmp_session_input(&s, (const char *)data + start, i - start);
			start = i + 1;
		}
	}
	qmp_session_destroy(&s);
	return 0;
}
