#include "cli/ctl.h"

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/log.h"

#define REPLY_TIMEOUT_MS 60000

struct conn {
	int fd;
	char buf[1 << 16];
	size_t len;
};

/* The next message from the server (a new reference), or NULL with a
 * message printed. */
static struct json_object *next_message(struct conn *c, const char *path)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			struct json_object *msg;

			*nl = '\0';
			msg = json_tokener_parse(c->buf);
			c->len -= (size_t)(nl + 1 - c->buf);
			memmove(c->buf, nl + 1, c->len);
			if (msg)
				return msg;
			continue;       /* not JSON: skip the line */
		}
		if (c->len == sizeof(c->buf)) {
			log_error("ctl: %s: a reply longer than %zu bytes", path, sizeof(c->buf));
			return NULL;
		}
		if (poll(&p, 1, REPLY_TIMEOUT_MS) != 1) {
			log_error("ctl: %s: no reply within %d s", path, REPLY_TIMEOUT_MS / 1000);
			return NULL;
		}
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n <= 0) {
			log_error("ctl: %s: the connection ended", path);
			return NULL;
		}
		c->len += (size_t)n;
	}
}

/* Sends a command; returns its reply (return or error), events skipped. */
static struct json_object *execute(struct conn *c, const char *path, const char *cmd,
				   struct json_object *args)
{
	struct json_object *req = json_object_new_object(), *msg;
	const char *text;

	json_object_object_add(req, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(req, "arguments", json_object_get(args));
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (write(c->fd, text, strlen(text)) < 0 || write(c->fd, "\n", 1) < 0) {
		log_error("ctl: %s: %s", path, strerror(errno));
		json_object_put(req);
		return NULL;
	}
	json_object_put(req);
	while ((msg = next_message(c, path))) {
		if (json_object_object_get_ex(msg, "return", NULL) ||
		    json_object_object_get_ex(msg, "error", NULL))
			return msg;
		json_object_put(msg);   /* an event */
	}
	return NULL;
}

/* Prints the reply; 0 for a return, 1 for an error. */
static int report(struct json_object *reply)
{
	struct json_object *ret, *err;

	if (json_object_object_get_ex(reply, "return", &ret)) {
		printf("%s\n", json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_SPACED));
		return 0;
	}
	json_object_object_get_ex(reply, "error", &err);
	log_error("ctl: %s: %s", json_object_get_string(json_object_object_get(err, "class")),
		  json_object_get_string(json_object_object_get(err, "desc")));
	return 1;
}

/* Negotiation's reply: an error is printed and ends the run. */
static int report_quiet_error(struct json_object *reply)
{
	return json_object_object_get_ex(reply, "error", NULL) ? (report(reply), 1) : 0;
}

int cmd_ctl(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct json_object *args = NULL, *reply;
	struct conn *c;
	int status = 1;

	if (argc < 3 || argc > 4) {
		log_error("usage: meridian ctl PATH COMMAND [JSON-ARGS]");
		return 1;
	}
	if (argc == 4) {
		args = json_tokener_parse(argv[3]);
		if (!args || !json_object_is_type(args, json_type_object)) {
			log_error("ctl: %s: the arguments must be a JSON object", argv[3]);
			json_object_put(args);
			return 1;
		}
	}
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		log_error("ctl: %s: path too long for a socket", argv[1]);
		json_object_put(args);
		return 1;
	}
	strcpy(sa.sun_path, argv[1]);
	c = calloc(1, sizeof(*c));
	if (!c)
		return 1;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_error("ctl: %s: %s", argv[1], strerror(errno));
		goto out;
	}
	reply = next_message(c, argv[1]);                       /* the greeting */
	if (!reply || !json_object_object_get_ex(reply, "QMP", NULL)) {
		if (reply)
			log_error("ctl: %s: no QMP greeting", argv[1]);
		json_object_put(reply);
		goto out;
	}
	json_object_put(reply);
	reply = execute(c, argv[1], "qmp_capabilities", NULL);
	if (!reply || report_quiet_error(reply))
		goto out_reply;
	json_object_put(reply);
	reply = execute(c, argv[1], argv[2], args);
	if (reply)
		status = report(reply);
out_reply:
	json_object_put(reply);
out:
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	json_object_put(args);
	return status;
}
