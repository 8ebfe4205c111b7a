/* The diagnostics of a VM instance (vm/diag.h, vm/diag_vcpu.h) as the
 * replies of x-meridian-query-clock, -serial and -vcpus. */
#ifndef MERIDIAN_DIAG_JSON_H
#define MERIDIAN_DIAG_JSON_H

#include <json-c/json.h>

#include "vm/diag.h"
#include "vm/diag_vcpu.h"

struct json_object *diag_clock_json(const struct diag_clock *c);
struct json_object *diag_serial_json(const struct diag_serial *s);
struct json_object *diag_vcpu_json(const struct diag_vcpu *v);
struct json_object *diag_lapic_json(const struct diag_lapic *a);

#endif
