/* A migration's status, on either side, in QEMU's names (query-migrate,
 * the MIGRATION event), and the rules for moving between them: a pure
 * function, so every path (cancel in each state, a destination that
 * fails) is tested without a VM.
 *
 *   none ──start──> setup ──running──> active ──done──> completed
 *                    │  │                │ │
 *                    │  └─────fail───────┼─┴──fail──> failed
 *                    └──cancel──> cancelling <─cancel─┘
 *                                   │  └──done──> completed (it ended first)
 *                                   └──cancelled/fail──> cancelled
 *
 * completed, failed and cancelled are ends: start begins a new migration
 * from each of them; cancel there (or in none) changes nothing.
 *
 * Post-copy: active ──postcopy──> postcopy-active ──done──> completed
 *                                        └──fail──> failed
 * The guest runs on the destination from the switch on, so cancel in
 * postcopy-active changes nothing (the command says why). */
#ifndef MERIDIAN_SESSION_H
#define MERIDIAN_SESSION_H

#include <stdbool.h>

enum mig_status {
	MIG_STATUS_NONE,
	MIG_STATUS_SETUP,
	MIG_STATUS_ACTIVE,
	MIG_STATUS_CANCELLING,
	MIG_STATUS_CANCELLED,
	MIG_STATUS_COMPLETED,
	MIG_STATUS_FAILED,
	MIG_STATUS_POSTCOPY_ACTIVE,
};

enum mig_event {
	MIG_EV_START,           /* migrate, or a destination starts waiting */
	MIG_EV_RUNNING,         /* the stream flows (source sending, destination connected) */
	MIG_EV_CANCEL,          /* migrate_cancel */
	MIG_EV_CANCELLED,       /* the sender stopped on the cancel */
	MIG_EV_DONE,            /* everything went (source) or arrived (destination) */
	MIG_EV_FAIL,
	MIG_EV_POSTCOPY,        /* the switch to post-copy: the guest moved, its pages follow */
};

/* The status after ev; -1 when ev cannot happen in s (s then stays). */
int mig_status_after(enum mig_status s, enum mig_event ev);
const char *mig_status_name(enum mig_status s);
/* setup, active or cancelling: a migration is under way. */
bool mig_status_running(enum mig_status s);

#endif
