/* Where a migration stream goes or comes from, parsed once for every user
 * (--incoming, migrate, migrate-incoming, the transport):
 *   file:PATH       a snapshot file
 *   tcp:HOST:PORT   a live migration (the last colon splits; [v6]:PORT too)
 *   defer           --incoming only: migrate-incoming names it later */
#ifndef MERIDIAN_MIG_URI_H
#define MERIDIAN_MIG_URI_H

#include <limits.h>

enum mig_uri_kind { MIG_URI_FILE = 1, MIG_URI_TCP = 2, MIG_URI_DEFER = 4 };

#define MIG_URI_MAX 300

struct mig_uri {
	enum mig_uri_kind kind;
	char text[MIG_URI_MAX];         /* as given, for messages */
	char path[MIG_URI_MAX];         /* file */
	char host[256], port[32];       /* tcp (host without brackets) */
};

/* Parses text, taking only the kinds in allowed (a mask). 0, or -1 with
 * err: "TEXT: expected file:PATH, tcp:HOST:PORT or defer" (the kinds allowed). */
int mig_uri_parse(const char *text, unsigned allowed, struct mig_uri *u, char *err, int err_len);

#endif
