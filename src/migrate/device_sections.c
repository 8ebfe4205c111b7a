#include "migrate/device_sections.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_named(struct mig_stream *w, uint32_t type, const struct device *d, ssize_t n,
		      const uint8_t *buf)
{
	uint8_t id_len = (uint8_t)strlen(d->id);

	if (n < 0) {
		w->error = w->error ? w->error : -ENOSPC;
		return;
	}
	mig_put_section(w, type, 0, 1, 1u + id_len + (uint32_t)n);
	mig_put(w, &id_len, 1);
	mig_put(w, d->id, id_len);
	mig_put(w, buf, (size_t)n);
}

void devsec_put_configs(struct mig_stream *w, struct device_table *t)
{
	uint8_t buf[DEVICE_STATE_MAX];

	for (unsigned i = 0; i < t->n; i++) {
		const struct device *d = &t->entry[i];

		put_named(w, MIG_SEC_DEVICE_CONFIG, d, d->ops->save_config ?
			  d->ops->save_config(d->dev, buf, sizeof(buf)) : 0, buf);
	}
}

void devsec_put_states(struct mig_stream *w, struct device_table *t)
{
	uint8_t buf[DEVICE_STATE_MAX];

	for (unsigned i = 0; i < t->n; i++) {
		const struct device *d = &t->entry[i];

		put_named(w, MIG_SEC_DEVICE, d, d->ops->save ?
			  d->ops->save(d->dev, buf, sizeof(buf)) : 0, buf);
	}
}

void devsec_loaded_free(struct devsec_loaded *l)
{
	for (unsigned i = 0; i < DEVICE_TABLE_MAX; i++)
		blob_free(&l->state[i]);
}

/* The section's id and payload: the entry it names (its index), or -1/-2. */
static int get_named(struct mig_stream *r, struct device_table *t, uint32_t len,
		     struct blob *payload, char *err, int err_len)
{
	char id[DEVICE_ID_MAX];
	uint8_t id_len;
	struct device *d;

	if (len < 1 || len > DEVICE_STATE_MAX + 1 + DEVICE_ID_MAX || mig_get(r, &id_len, 1) ||
	    id_len == 0 || id_len >= DEVICE_ID_MAX || 1u + id_len > len || mig_get(r, id, id_len))
		return -1;
	id[id_len] = '\0';
	for (unsigned i = 0; i < id_len; i++)
		if (id[i] < 0x21 || id[i] > 0x7e)
			return -1;
	blob_free(payload);
	payload->len = payload->cap = len - 1 - id_len;
	payload->data = malloc(payload->len ? payload->len : 1);
	if (!payload->data || mig_get(r, payload->data, payload->len))
		return -1;
	d = device_table_find(t, id);
	if (!d) {
		snprintf(err, err_len, "the stream holds device %s, which this guest does not have "
			 "(its devices differ)", id);
		return -2;
	}
	return (int)(d - t->entry);
}

int devsec_get_config(struct mig_stream *r, struct device_table *t, uint32_t len,
		      struct devsec_loaded *l, char *err, int err_len)
{
	struct blob cfg = { 0 };
	int i = get_named(r, t, len, &cfg, err, err_len), res = 0;
	const struct device *d;
	char why[200];

	if (i < 0) {
		blob_free(&cfg);
		return i;
	}
	d = &t->entry[i];
	if (l->configured[i]) {
		snprintf(err, err_len, "device %s is configured twice: corrupt stream", d->id);
		res = -2;
	} else if (d->ops->check_config) {
		if (d->ops->check_config(d->dev, cfg.data, cfg.len, why, sizeof(why))) {
			snprintf(err, err_len, "%s: %s", d->id, why);
			res = -2;
		}
	} else if (cfg.len) {
		snprintf(err, err_len, "%s: %zu bytes of configuration, none expected", d->id, cfg.len);
		res = -2;
	}
	l->configured[i] = !res;
	blob_free(&cfg);
	return res;
}

int devsec_get_state(struct mig_stream *r, struct device_table *t, uint32_t len,
		     struct devsec_loaded *l, char *err, int err_len)
{
	struct blob state = { 0 };
	int i = get_named(r, t, len, &state, err, err_len);

	if (i < 0) {
		blob_free(&state);
		return i;
	}
	blob_free(&l->state[i]);
	l->state[i] = state;
	return 0;
}

int devsec_check_configured(struct device_table *t, const struct devsec_loaded *l, char *err,
			    int err_len)
{
	for (unsigned i = 0; i < t->n; i++)
		if (!l->configured[i])
			return snprintf(err, err_len, "this guest has device %s, which the stream "
					"does not hold (its devices differ)", t->entry[i].id), -1;
	return 0;
}

int devsec_apply(struct device_table *t, const struct devsec_loaded *l, char *err, int err_len)
{
	for (unsigned i = 0; i < t->n; i++) {
		const struct device *d = &t->entry[i];
		char why[200];

		if (!l->state[i].data)
			return snprintf(err, err_len, "the stream lacks the state of %s", d->id), -1;
		if (!d->ops->load) {
			if (l->state[i].len)
				return snprintf(err, err_len, "%s: %zu bytes of state, none expected",
						d->id, l->state[i].len), -1;
			continue;
		}
		if (d->ops->load(d->dev, l->state[i].data, l->state[i].len, why, sizeof(why)) < 0)
			return snprintf(err, err_len, "%s: %s", d->id, why), -1;
	}
	return 0;
}
