/* The migration commands of the control API, wired to the machine's
 * session (migrate/migration.h): what the session does to the guest
 * becomes the machine's state (paused, postmigrate) and QMP events. */
#include <stdio.h>

#include "api/mig_info_json.h"
#include "core/machine_priv.h"

static void on_status(void *ctx, enum mig_status s)
{
	struct machine *m = ctx;
	struct json_object *d;

	if (!m->api_open)
		return;
	d = json_object_new_object();
	json_object_object_add(d, "status", json_object_new_string(mig_status_name(s)));
	qmp_server_event(&m->api, "MIGRATION", d);
}

static void on_guest_stopped(void *ctx)
{
	struct machine *m = ctx;

	if (!m->paused && m->api_open)
		qmp_server_event(&m->api, "STOP", NULL);
	m->paused = true;
}

static void on_guest_resumed(void *ctx)
{
	struct machine *m = ctx;

	m->paused = false;
	if (m->api_open)
		qmp_server_event(&m->api, "RESUME", NULL);
}

static void on_guest_left(void *ctx)
{
	((struct machine *)ctx)->post_migrate = true;
}

void machine_migration_init(struct machine *m)
{
	const struct mig_owner owner = {
		.ctx = m, .status_changed = on_status, .guest_stopped = on_guest_stopped,
		.guest_resumed = on_guest_resumed, .guest_left = on_guest_left,
	};

	migration_init(&m->mig, &m->vm, &owner);
}

int machine_migrate(struct machine *m, const char *uri, struct qmp_error *err)
{
	err->cls = QMP_GENERIC_ERROR;
	return migration_start(&m->mig, uri, !m->paused, err->desc, sizeof(err->desc));
}

struct json_object *machine_query_migrate(struct machine *m)
{
	struct mig_info info;

	migration_info(&m->mig, &info);
	return mig_info_json(&info);
}

int machine_migrate_set_parameters(struct machine *m, const struct mig_params_update *u,
				   struct qmp_error *err)
{
	err->cls = QMP_GENERIC_ERROR;
	return migration_set_params(&m->mig, u, err->desc, sizeof(err->desc));
}

int machine_migrate_incoming(struct machine *m, const char *uri, struct qmp_error *err)
{
	err->cls = QMP_GENERIC_ERROR;
	return migration_incoming_defer(&m->mig, uri, err->desc, sizeof(err->desc));
}
