#include "migrate/session.h"

static bool is_end(enum mig_status s)
{
	return s == MIG_STATUS_COMPLETED || s == MIG_STATUS_FAILED || s == MIG_STATUS_CANCELLED;
}

bool mig_status_running(enum mig_status s)
{
	return s == MIG_STATUS_SETUP || s == MIG_STATUS_ACTIVE || s == MIG_STATUS_CANCELLING ||
	       s == MIG_STATUS_POSTCOPY_ACTIVE;
}

int mig_status_after(enum mig_status s, enum mig_event ev)
{
	switch (ev) {
	case MIG_EV_START:
		return s == MIG_STATUS_NONE || is_end(s) ? MIG_STATUS_SETUP : -1;
	case MIG_EV_RUNNING:
		return s == MIG_STATUS_SETUP ? MIG_STATUS_ACTIVE : -1;
	case MIG_EV_CANCEL:
		if (s == MIG_STATUS_POSTCOPY_ACTIVE)
			return (int)s;          /* the guest is the destination's now */
		return mig_status_running(s) ? MIG_STATUS_CANCELLING : (int)s;
	case MIG_EV_CANCELLED:
		return s == MIG_STATUS_ACTIVE || s == MIG_STATUS_CANCELLING ? MIG_STATUS_CANCELLED : -1;
	case MIG_EV_DONE:
		return s == MIG_STATUS_ACTIVE || s == MIG_STATUS_CANCELLING ||
		       s == MIG_STATUS_POSTCOPY_ACTIVE ? MIG_STATUS_COMPLETED : -1;
	case MIG_EV_FAIL:
		if (s == MIG_STATUS_CANCELLING)
			return MIG_STATUS_CANCELLED;    /* it was stopping anyway */
		return s == MIG_STATUS_SETUP || s == MIG_STATUS_ACTIVE ||
		       s == MIG_STATUS_POSTCOPY_ACTIVE ? MIG_STATUS_FAILED : -1;
	case MIG_EV_POSTCOPY:
		/* a cancel asked just before the switch loses: the guest went */
		return s == MIG_STATUS_ACTIVE || s == MIG_STATUS_CANCELLING ?
		       MIG_STATUS_POSTCOPY_ACTIVE : -1;
	}
	return -1;
}

const char *mig_status_name(enum mig_status s)
{
	static const char *const names[] = {
		[MIG_STATUS_NONE] = "none", [MIG_STATUS_SETUP] = "setup",
		[MIG_STATUS_ACTIVE] = "active", [MIG_STATUS_CANCELLING] = "cancelling",
		[MIG_STATUS_CANCELLED] = "cancelled", [MIG_STATUS_COMPLETED] = "completed",
		[MIG_STATUS_FAILED] = "failed", [MIG_STATUS_POSTCOPY_ACTIVE] = "postcopy-active",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "none";
}
