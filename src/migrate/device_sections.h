/* The device table in the stream (snapshot.c). Each device is named by
 * its instance id, never by a number that a limit could shift:
 *
 *   MIG_SEC_DEVICE_CONFIG  u8 id length, id, the configuration it needs
 *   MIG_SEC_DEVICE         u8 id length, id, its state
 *
 * The configurations come right after the machine's, so a destination
 * whose devices do not fit refuses before any RAM travels; the states
 * come last, with the vCPUs stopped. A reader refuses a device it does
 * not have, and finds every device it has named. */
#ifndef MERIDIAN_DEVICE_SECTIONS_H
#define MERIDIAN_DEVICE_SECTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/device.h"
#include "migrate/stream.h"
#include "migrate/vcpu_state.h"

#define DEVICE_STATE_MAX 8192u

/* Writes a section per device; a device whose state does not fit sets
 * w->error (-ENOSPC). */
void devsec_put_configs(struct mig_stream *w, struct device_table *t);
void devsec_put_states(struct mig_stream *w, struct device_table *t);

/* What the reader has seen, per table entry. */
struct devsec_loaded {
	bool configured[DEVICE_TABLE_MAX];
	struct blob state[DEVICE_TABLE_MAX];
};

void devsec_loaded_free(struct devsec_loaded *l);
/* One section of either type, its header read (len: its payload). 0; -1:
 * malformed or short (r->error says which); -2: refused, err says why in
 * one line (a device this guest does not have, a configuration that
 * does not fit). */
int devsec_get_config(struct mig_stream *r, struct device_table *t, uint32_t len,
		      struct devsec_loaded *l, char *err, int err_len);
int devsec_get_state(struct mig_stream *r, struct device_table *t, uint32_t len,
		     struct devsec_loaded *l, char *err, int err_len);
/* After the configurations: every device of the table was named. 0 or -1 with err. */
int devsec_check_configured(struct device_table *t, const struct devsec_loaded *l, char *err,
			    int err_len);
/* At the end: every device's state into it. 0 or -1 with err. */
int devsec_apply(struct device_table *t, const struct devsec_loaded *l, char *err, int err_len);

#endif
