/* migrate-set-parameters, query-migrate-parameters and the capabilities,
 * in QEMU's shapes: JSON arguments into a typed update (its rules are
 * migrate/mig_params.c's), typed values into replies. */
#ifndef MERIDIAN_MIG_PARAMS_JSON_H
#define MERIDIAN_MIG_PARAMS_JSON_H

#include <json-c/json.h>

#include "migrate/mig_params.h"

/* 0, or -1 with err (a compression or dirty-tracking name it does not know). */
int mig_params_update_of(struct json_object *args, struct mig_params_update *u, char *err,
			 int err_len);
/* dirty: the method the VM tracks with now (what "dirty-tracking" reports). */
struct json_object *mig_params_json(const struct mig_params *p, enum dirty_method dirty);
/* [{"capability": NAME, "state": bool}...] into u's caps_given/caps_on
 * (nothing else of u changes): 0, or -1 with err (a name meridian does
 * not have, a malformed entry). */
int mig_capabilities_of(struct json_object *caps, struct mig_params_update *u, char *err,
			int err_len);
/* every capability meridian has, with its state */
struct json_object *mig_capabilities_json(const struct mig_params *p);

#endif
