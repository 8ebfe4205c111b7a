#include "migrate/mig_uri.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int expected(const char *text, unsigned allowed, char *err, int err_len)
{
	const char *forms[3];
	unsigned n = 0;
	int len;

	if (allowed & MIG_URI_FILE)
		forms[n++] = "file:PATH";
	if (allowed & MIG_URI_TCP)
		forms[n++] = "tcp:HOST:PORT";
	if (allowed & MIG_URI_DEFER)
		forms[n++] = "defer";
	len = snprintf(err, err_len, "%.200s: expected %s", text, forms[0]);
	for (unsigned i = 1; i < n && len >= 0 && len < err_len; i++)
		len += snprintf(err + len, err_len - len, "%s%s", i + 1 == n ? " or " : ", ", forms[i]);
	return -1;
}

/* "HOST:PORT" or "[V6]:PORT": both parts non-empty, the port digits. */
static bool split_host_port(const char *hp, struct mig_uri *u)
{
	const char *colon = strrchr(hp, ':');
	size_t host_len;

	if (!colon || colon == hp || !colon[1] || strlen(colon + 1) >= sizeof(u->port) ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return false;
	host_len = (size_t)(colon - hp);
	if (hp[0] == '[') {
		if (host_len < 3 || hp[host_len - 1] != ']')
			return false;
		hp++;
		host_len -= 2;
	}
	if (host_len >= sizeof(u->host))
		return false;
	memcpy(u->host, hp, host_len);
	u->host[host_len] = '\0';
	strcpy(u->port, colon + 1);
	return true;
}

int mig_uri_parse(const char *text, unsigned allowed, struct mig_uri *u, char *err, int err_len)
{
	memset(u, 0, sizeof(*u));
	if (strlen(text) >= sizeof(u->text))
		return expected(text, allowed, err, err_len);
	strcpy(u->text, text);
	if ((allowed & MIG_URI_FILE) && !strncmp(text, "file:", 5) && text[5]) {
		u->kind = MIG_URI_FILE;
		strcpy(u->path, text + 5);
		return 0;
	}
	if ((allowed & MIG_URI_TCP) && !strncmp(text, "tcp:", 4) && split_host_port(text + 4, u)) {
		u->kind = MIG_URI_TCP;
		return 0;
	}
	if ((allowed & MIG_URI_DEFER) && !strcmp(text, "defer")) {
		u->kind = MIG_URI_DEFER;
		return 0;
	}
	return expected(text, allowed, err, err_len);
}
