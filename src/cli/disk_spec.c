#include "cli/disk_spec.h"

#include <string.h>

#include "base/log.h"

static int parse_bool(const char *key, const char *v, bool *out)
{
	if (!strcmp(v, "on")) {
		*out = true;
	} else if (!strcmp(v, "off")) {
		*out = false;
	} else {
		log_error("--disk %s=%s: expected on or off", key, v);
		return 1;
	}
	return 0;
}

/* One key=value item. */
static int parse_item(char *item, struct disk_config *disk)
{
	char *v = strchr(item, '=');

	if (!v) {
		log_error("--disk %s: expected key=value (path, readonly, serial, cache)", item);
		return 1;
	}
	*v++ = '\0';
	if (!strcmp(item, "path")) {
		disk->path = v;
	} else if (!strcmp(item, "readonly")) {
		return parse_bool(item, v, &disk->readonly);
	} else if (!strcmp(item, "serial")) {
		if (strlen(v) > DISK_SERIAL_MAX) {
			log_error("--disk serial=%s: at most %d characters", v, DISK_SERIAL_MAX);
			return 1;
		}
		strcpy(disk->serial, v);
	} else if (!strcmp(item, "cache")) {
		if (strcmp(v, "none") && strcmp(v, "writeback")) {
			log_error("--disk cache=%s: expected none or writeback", v);
			return 1;
		}
		disk->cache_direct = !strcmp(v, "none");
	} else {
		log_error("--disk %s: unknown key (path, readonly, serial, cache)", item);
		return 1;
	}
	return 0;
}

/* Items are split at commas; a path with a comma in it cannot be named
 * (QEMU doubles the comma; meridian keeps it simple and says so). */
int disk_spec_parse(char *text, struct disk_config *disk)
{
	char *save = NULL;

	memset(disk, 0, sizeof(*disk));
	for (char *item = strtok_r(text, ",", &save); item; item = strtok_r(NULL, ",", &save))
		if (parse_item(item, disk))
			return 1;
	if (!disk->path || !*disk->path) {
		log_error("--disk: path=FILE is missing");
		return 1;
	}
	return 0;
}
