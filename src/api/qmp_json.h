/* Small helpers for building QMP replies with json-c. */
#ifndef MERIDIAN_QMP_JSON_H
#define MERIDIAN_QMP_JSON_H

#include <stdint.h>
#include <json-c/json.h>

/* An unsigned figure as a JSON number. */
static inline struct json_object *json_u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

#endif
