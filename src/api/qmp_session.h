/* One QMP client's side of the protocol, without sockets (so that tests
 * and the fuzzer drive it with bytes): the greeting, capabilities
 * negotiation, a streaming JSON parser for the client's commands, the
 * error replies QEMU gives for malformed input, and the dispatch of each
 * command to the table in qmp_commands.c. Output goes to a callback. */
#ifndef MERIDIAN_QMP_SESSION_H
#define MERIDIAN_QMP_SESSION_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define QMP_MAX_MESSAGE_BYTES (64 * 1024)      /* one command; longer is refused */

struct qmp_target;

struct qmp_session {
	struct json_tokener *tok;
	size_t message_bytes;           /* of the command being parsed */
	bool skipping;                  /* a refused message: drop bytes to its newline */
	bool negotiated;                /* qmp_capabilities done: commands and events */
	bool quit;                      /* the client asked to end the session */
	struct qmp_target *target;
	void (*write)(void *ctx, const char *line, size_t len);      /* one JSON line */
	void *write_ctx;
};

/* Starts a session: sends the greeting. Returns 0 or -1 (out of memory). */
int qmp_session_init(struct qmp_session *s, struct qmp_target *target,
		     void (*write)(void *ctx, const char *line, size_t len), void *write_ctx);
void qmp_session_destroy(struct qmp_session *s);
/* Bytes from the client: every complete command in them is answered. */
void qmp_session_input(struct qmp_session *s, const char *data, size_t len);
/* Sends obj as one line (replies and events). */
void qmp_session_send(struct qmp_session *s, struct json_object *obj);

#endif
