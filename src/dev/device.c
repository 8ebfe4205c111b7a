#include "dev/device.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int device_table_add(struct device_table *t, const char *type, unsigned index,
		     const struct device_ops *ops, void *dev)
{
	struct device *d;
	char id[DEVICE_ID_MAX];

	if ((size_t)snprintf(id, sizeof(id), "%s.%u", type, index) >= sizeof(id))
		return -ENAMETOOLONG;
	if (device_table_find(t, id))
		return -EEXIST;
	if (t->n == DEVICE_TABLE_MAX)
		return -ENOSPC;
	d = &t->entry[t->n++];
	memcpy(d->id, id, sizeof(id));
	d->ops = ops;
	d->dev = dev;
	return 0;
}

struct device *device_table_find(struct device_table *t, const char *id)
{
	for (unsigned i = 0; i < t->n; i++)
		if (!strcmp(t->entry[i].id, id))
			return &t->entry[i];
	return NULL;
}

void *device_table_get(struct device_table *t, const char *id)
{
	struct device *d = device_table_find(t, id);

	return d ? d->dev : NULL;
}

void device_table_freeze(struct device_table *t, bool frozen)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->entry[i].ops->freeze)
			t->entry[i].ops->freeze(t->entry[i].dev, frozen);
}

void device_table_dirty_logging(struct device_table *t, bool on)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->entry[i].ops->dirty_logging)
			t->entry[i].ops->dirty_logging(t->entry[i].dev, on);
}

int device_table_attach(struct device_table *t, unsigned wait_ms)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->entry[i].ops->attach && t->entry[i].ops->attach(t->entry[i].dev, wait_ms))
			return -1;
	return 0;
}

void device_table_release(struct device_table *t)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->entry[i].ops->release)
			t->entry[i].ops->release(t->entry[i].dev);
}

void device_table_destroy(struct device_table *t)
{
	while (t->n) {
		struct device *d = &t->entry[--t->n];

		if (d->ops->destroy)
			d->ops->destroy(d->dev);
	}
}
