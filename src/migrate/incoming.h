/* The destination's side of a migration: the stream (a file, or a TCP
 * peer accepted on the listening socket) read into a VM on a thread of
 * its own while the event loop answers the API; the notify eventfd is
 * written when the stream starts to flow and when it has ended. The
 * session (migration.c) turns that into status and starts the guest. */
#ifndef MERIDIAN_INCOMING_H
#define MERIDIAN_INCOMING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "migrate/mig_params.h"
#include "migrate/mig_uri.h"
#include "migrate/postcopy_dest.h"

struct vm;

struct incoming {
	struct mig_uri uri;
	int fd;                 /* the file or the listening socket; -1 */
	int conn;               /* the accepted connection; -1 */
	struct vm *vm;
	int notify_fd;          /* an eventfd the event loop watches */
	const struct mig_params *params;        /* the capabilities (postcopy-ram) */
	pthread_t tid;
	bool running, said_active, said_postcopy;
	_Atomic bool connected, done;
	/* post-copy: the guest may run (its state is applied) while its owed
	 * pages still come (pc); pc_info: its figures, kept at the end */
	struct postcopy_dest pc;
	_Atomic bool postcopy_running;
	pthread_mutex_t pc_lock;        /* pc's end against a query of its figures */
	bool pc_ended;
	struct postcopy_dest_info pc_info;
	int result;             /* 0: the guest is in the VM */
	char err[300];
	uint64_t t_read_ms;     /* monotonic: the stream's last byte read */
	uint64_t apply_ms;      /* its state into KVM and the devices */
};

/* fds -1: nothing open. */
void incoming_init(struct incoming *in);
/* Opens uri (file:PATH or tcp:HOST:PORT: listening from now). 0, or -1 with err. */
int incoming_open(struct incoming *in, const char *uri, char *err, int err_len);
/* Starts reading into vm on the incoming thread. 0 or -1 (closed). */
int incoming_start(struct incoming *in, struct vm *vm, const struct mig_params *params,
		   int notify_fd);
/* Post-copy's figures, now or as they were at its end. False: no post-copy. */
bool incoming_postcopy_info(struct incoming *in, struct postcopy_dest_info *out);
/* The thread has ended: joins it and closes its descriptors; in->result
 * and in->err say how it went. False while it still reads. */
bool incoming_finished(struct incoming *in);
/* The guest went away while waiting (quit, a signal): out of accept or
 * read, the thread joined, everything closed. */
void incoming_abort(struct incoming *in);

#endif
