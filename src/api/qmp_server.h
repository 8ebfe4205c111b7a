/* The control socket (--api PATH): a Unix socket created 0600 that speaks
 * QMP to any number of clients at once, on the event loop's thread. A
 * client that sends garbage gets error replies; one that disconnects, or
 * stops reading its replies (over 1 MiB queued), is dropped; neither
 * disturbs the others or the guest. */
#ifndef MERIDIAN_QMP_SERVER_H
#define MERIDIAN_QMP_SERVER_H

#include <json-c/json.h>

#include "api/qmp_commands.h"
#include "api/qmp_session.h"
#include "base/evloop.h"

#define QMP_MAX_CLIENTS 64

struct qmp_client;

struct qmp_server {
	struct evloop *loop;
	struct ev_handler listen_h;
	char path[108];
	struct qmp_target *target;
	struct qmp_client *clients;     /* a list */
	unsigned nr_clients;
};

/* Creates the socket at path. An existing path is replaced only when it
 * is a stale socket (nothing accepts on it). Returns 0, or -1 with one
 * line in err. */
int qmp_server_open(struct qmp_server *s, const char *path, struct evloop *loop,
		    struct qmp_target *target, char *err, int err_len);
/* Closes every client and removes the socket. */
void qmp_server_close(struct qmp_server *s);
/* Sends {"event": name, "data": data, "timestamp": ...} to every client
 * past negotiation. Takes data (may be NULL). */
void qmp_server_event(struct qmp_server *s, const char *name, struct json_object *data);
/* Frees clients that went away; call after each event loop round (a
 * client cannot be freed inside its own callback). */
void qmp_server_reap(struct qmp_server *s);

#endif
