#include "api/qmp_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/qmp_commands.h"

void qmp_session_send(struct qmp_session *s, struct json_object *obj)
{
	size_t len;
	const char *text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN, &len);
	char *line = text ? malloc(len + 2) : NULL;

	if (!line)
		return;
	memcpy(line, text, len);
	memcpy(line + len, "\r\n", 2);          /* QEMU ends its lines so */
	s->write(s->write_ctx, line, len + 2);
	free(line);
}

int qmp_session_init(struct qmp_session *s, struct qmp_target *target,
		     void (*write)(void *ctx, const char *line, size_t len), void *write_ctx)
{
	struct json_object *greeting, *qmp;

	memset(s, 0, sizeof(*s));
	s->target = target;
	s->write = write;
	s->write_ctx = write_ctx;
	s->tok = json_tokener_new();
	if (!s->tok)
		return -1;
	greeting = json_object_new_object();
	qmp = json_object_new_object();
	json_object_object_add(qmp, "version", qmp_version());
	json_object_object_add(qmp, "capabilities", json_object_new_array());
	json_object_object_add(greeting, "QMP", qmp);
	qmp_session_send(s, greeting);
	json_object_put(greeting);
	return 0;
}

void qmp_session_destroy(struct qmp_session *s)
{
	if (s->tok)
		json_tokener_free(s->tok);
	s->tok = NULL;
}

/* {KEY: value[, "id": ID]}, as one line; takes value */
static void send_reply(struct qmp_session *s, struct json_object *id, const char *key,
		       struct json_object *value)
{
	struct json_object *reply = json_object_new_object();

	json_object_object_add(reply, key, value);
	if (id)
		json_object_object_add(reply, "id", json_object_get(id));
	qmp_session_send(s, reply);
	json_object_put(reply);
}

/* {"error": {"class": C, "desc": D}[, "id": ID]} */
static void send_error(struct qmp_session *s, struct json_object *id, const char *cls,
		       const char *desc)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "class", json_object_new_string(cls));
	json_object_object_add(e, "desc", json_object_new_string(desc));
	send_reply(s, id, "error", e);
}

static void send_return(struct qmp_session *s, struct json_object *id, struct json_object *ret)
{
	send_reply(s, id, "return", ret);
}

/* qmp_capabilities: no optional capabilities are offered ("enable": []). */
static void negotiate(struct qmp_session *s, struct json_object *id, struct json_object *args)
{
	struct json_object *enable = NULL;

	if (s->negotiated) {
		send_error(s, id, QMP_COMMAND_NOT_FOUND,
			   "Capabilities negotiation is already complete, command ignored");
		return;
	}
	if (!args)
		goto done;
	json_object_object_foreach(args, key, val) {
		(void)val;
		if (strcmp(key, "enable")) {
			char desc[128];

			snprintf(desc, sizeof(desc), "Parameter '%.64s' is unexpected", key);
			send_error(s, id, QMP_GENERIC_ERROR, desc);
			return;
		}
	}
	if (json_object_object_get_ex(args, "enable", &enable) &&
	    (!json_object_is_type(enable, json_type_array) ||
	     json_object_array_length(enable) > 0)) {
		send_error(s, id, QMP_GENERIC_ERROR,
			   "Parameter 'enable': no capabilities are offered (expected [])");
		return;
	}
done:
	s->negotiated = true;
	send_return(s, id, json_object_new_object());
}

/* One complete JSON value from the client. */
static void dispatch(struct qmp_session *s, struct json_object *msg)
{
	struct json_object *id = NULL, *execute = NULL, *args = NULL, *ret;
	struct qmp_error err = { 0 };
	const char *name;
	char desc[160];

	if (!json_object_is_type(msg, json_type_object)) {
		send_error(s, NULL, QMP_GENERIC_ERROR, "QMP input must be a JSON object");
		return;
	}
	json_object_object_get_ex(msg, "id", &id);
	json_object_object_foreach(msg, key, val) {
		(void)val;
		if (strcmp(key, "execute") && strcmp(key, "arguments") && strcmp(key, "id")) {
			snprintf(desc, sizeof(desc), "QMP input member '%.64s' is unexpected", key);
			send_error(s, id, QMP_GENERIC_ERROR, desc);
			return;
		}
	}
	if (!json_object_object_get_ex(msg, "execute", &execute)) {
		send_error(s, id, QMP_GENERIC_ERROR, "QMP input lacks member 'execute'");
		return;
	}
	if (!json_object_is_type(execute, json_type_string)) {
		send_error(s, id, QMP_GENERIC_ERROR, "QMP input member 'execute' must be a string");
		return;
	}
	if (json_object_object_get_ex(msg, "arguments", &args) &&
	    !json_object_is_type(args, json_type_object)) {
		send_error(s, id, QMP_GENERIC_ERROR, "QMP input member 'arguments' must be an object");
		return;
	}
	name = json_object_get_string(execute);
	if (!strcmp(name, "qmp_capabilities")) {
		negotiate(s, id, args);
		return;
	}
	if (!s->negotiated) {
		send_error(s, id, QMP_COMMAND_NOT_FOUND,
			   "Expecting capabilities negotiation with 'qmp_capabilities'");
		return;
	}
	ret = qmp_command_run(s->target, name, args, &err);
	if (!ret) {
		send_error(s, id, err.cls ? err.cls : QMP_GENERIC_ERROR, err.desc);
		return;
	}
	send_return(s, id, ret);
}

/* After a refused message: drop bytes up to and including a newline.
 * Returns how many were dropped. */
static size_t skip_line(struct qmp_session *s, const char *data, size_t len)
{
	const char *nl = memchr(data, '\n', len);

	if (!nl)
		return len;
	s->skipping = false;
	return (size_t)(nl - data) + 1;
}

void qmp_session_input(struct qmp_session *s, const char *data, size_t len)
{
	while (len > 0 && !s->quit) {
		struct json_object *msg;
		enum json_tokener_error e;
		size_t used;
		char desc[160];

		if (s->skipping) {
			used = skip_line(s, data, len);
			data += used;
			len -= used;
			continue;
		}
		msg = json_tokener_parse_ex(s->tok, data, (int)(len > 65536 ? 65536 : len));
		e = json_tokener_get_error(s->tok);
		used = json_tokener_get_parse_end(s->tok);
		if (e == json_tokener_continue) {
			s->message_bytes += used;
			data += used;
			len -= used;
			if (s->message_bytes > QMP_MAX_MESSAGE_BYTES) {
				send_error(s, NULL, QMP_GENERIC_ERROR,
					   "JSON message too long (over 65536 bytes): ignored");
				json_tokener_reset(s->tok);
				s->message_bytes = 0;
				s->skipping = true;
			}
			continue;
		}
		json_tokener_reset(s->tok);
		s->message_bytes = 0;
		if (e != json_tokener_success) {
			snprintf(desc, sizeof(desc), "JSON parse error, %s", json_tokener_error_desc(e));
			send_error(s, NULL, QMP_GENERIC_ERROR, desc);
			s->skipping = true;     /* what is left of this line is part of it */
			continue;
		}
		data += used;
		len -= used;
		dispatch(s, msg);
		json_object_put(msg);
	}
}
