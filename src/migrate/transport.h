/* Where a migration stream goes: tcp:HOST:PORT (live migration) or
 * file:PATH (snapshot). */
#ifndef MERIDIAN_TRANSPORT_H
#define MERIDIAN_TRANSPORT_H

#include <stdbool.h>

#include "migrate/mig_uri.h"

#define MIG_ACK "MRDNDONE"      /* the destination has everything and runs the guest */
#define MIG_ACK_BYTES 8
/* the destination refused the stream: this, then one line saying why */
#define MIG_FAIL "MRDNFAIL"
/* the first bytes on post-copy's second (page) connection */
#define MIG_FAST_HELLO "MRDNFAST"

/* The source's side: a connected socket, or -1 with err. */
int mig_connect_tcp(const struct mig_uri *u, char *err, int err_len);
/* The destination's: a listening socket (bind errors show at start), or -1. */
int mig_listen_tcp(const struct mig_uri *u, char *err, int err_len);

/* The destination's refusal on fd, if it sent one (MIG_FAIL and a line,
 * within 200 ms): true with the line in why. With prefix_read, the
 * MIG_FAIL bytes were taken already and only the line follows. */
bool mig_read_refusal(int fd, bool prefix_read, char *why, int why_len);

/* Bytes written to a TCP socket that the peer has not acknowledged yet
 * (SIOCOUTQ); 0 where that cannot be told. */
unsigned mig_tcp_unsent_bytes(int fd);

#endif
