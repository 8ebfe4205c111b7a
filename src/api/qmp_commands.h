/* The QMP commands meridian answers, QEMU's names and reply shapes where
 * the meaning is the same (docs: README "Control API"). A command gets its
 * arguments (checked against its declared parameters first) and answers
 * with a return value or an error class and text. What the commands act
 * on is a qmp_target: the machine implements it. */
#ifndef MERIDIAN_QMP_COMMANDS_H
#define MERIDIAN_QMP_COMMANDS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "migrate/mig_params.h"

struct qmp_target;

/* QMP error classes (QEMU's) */
#define QMP_GENERIC_ERROR     "GenericError"
#define QMP_COMMAND_NOT_FOUND "CommandNotFound"
#define QMP_DEVICE_NOT_ACTIVE "DeviceNotActive"

struct qmp_error {
	const char *cls;
	char desc[256];
};

/* x-meridian-query-ram-digest's answer: XXH64 of each range of guest RAM */
struct qmp_ram_digest {
	uint64_t range_bytes, ram_bytes;
	uint64_t offset_bytes, length_bytes;    /* the window asked for; 0 length: all */
	uint64_t *digests;              /* malloc'd, count of them */
	uint64_t count;
	bool running;                   /* the vCPUs may be writing RAM meanwhile */
};

/* What the commands need from the machine; every call happens on the
 * event loop's thread. Functions return 0, or -1 with err filled. */
struct qmp_target_ops {
	const char *(*status)(struct qmp_target *t, bool *running);
	int (*stop)(struct qmp_target *t, struct qmp_error *err);
	int (*cont)(struct qmp_target *t, struct qmp_error *err);
	int (*system_reset)(struct qmp_target *t, struct qmp_error *err);
	int (*system_powerdown)(struct qmp_target *t, struct qmp_error *err);
	int (*quit)(struct qmp_target *t, struct qmp_error *err);
	/* JSON values the command returns as they are (new references) */
	struct json_object *(*cpus)(struct qmp_target *t);
	struct json_object *(*stats)(struct qmp_target *t, const char *target, struct qmp_error *err);
	struct json_object *(*clock)(struct qmp_target *t, struct qmp_error *err);
	struct json_object *(*serial)(struct qmp_target *t, struct qmp_error *err);
	struct json_object *(*vcpus)(struct qmp_target *t, struct qmp_error *err);
	struct json_object *(*balloon)(struct qmp_target *t, long long *target_bytes,
				       struct qmp_error *err);
	int (*migrate)(struct qmp_target *t, const char *uri, struct qmp_error *err);
	struct json_object *(*query_migrate)(struct qmp_target *t);
	int (*migrate_cancel)(struct qmp_target *t, struct qmp_error *err);
	int (*migrate_start_postcopy)(struct qmp_target *t, struct qmp_error *err);
	/* the update as asked (its rules: mig_params_apply) */
	int (*migrate_set_parameters)(struct qmp_target *t, const struct mig_params_update *u,
				      struct qmp_error *err);
	/* the parameters now, and the dirty tracking the VM uses */
	const struct mig_params *(*migrate_parameters)(struct qmp_target *t,
						       enum dirty_method *dirty);
	int (*migrate_incoming)(struct qmp_target *t, const char *uri, struct qmp_error *err);
	/* pmemsave: guest-physical [gpa, gpa + size) into a new file at path */
	int (*pmemsave)(struct qmp_target *t, uint64_t gpa, uint64_t size, const char *path,
			struct qmp_error *err);
	/* out's range_bytes, offset_bytes and length_bytes say what to digest */
	int (*ram_digest)(struct qmp_target *t, struct qmp_ram_digest *out, struct qmp_error *err);
};

struct qmp_target {
	const struct qmp_target_ops *ops;
	void *ctx;
};

/* {"qemu": {"major", "minor", "micro"}, "package"}: meridian's version in
 * the shape QEMU clients look for (greeting and query-version). */
struct json_object *qmp_version(void);

/* Runs command `name` with args (an object, or NULL). Returns the return
 * value (a new reference; NULL with err->cls set on an error). */
struct json_object *qmp_command_run(struct qmp_target *t, const char *name,
				    struct json_object *args, struct qmp_error *err);

#endif
