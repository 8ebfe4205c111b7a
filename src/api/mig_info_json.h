/* query-migrate's reply, in QEMU's shape, from the session's plain figures
 * (migrate/migration.h): {} before any migration; a pre-copy adds its live
 * figures (dirty rate, rounds, downtime, mbps...). */
#ifndef MERIDIAN_MIG_INFO_JSON_H
#define MERIDIAN_MIG_INFO_JSON_H

#include <json-c/json.h>

#include "migrate/migration.h"

struct json_object *mig_info_json(const struct mig_info *info);

#endif
