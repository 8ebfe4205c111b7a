/* `meridian run`: checks the configuration, then runs VM instances until
 * the guest powers off (a guest reset starts a fresh instance). */
#ifndef MERIDIAN_MACHINE_H
#define MERIDIAN_MACHINE_H

#include "config/vm_config.h"

/* Exit status: 0 powered off / reset with --no-reboot / quit, 1 config
 * error (nothing started), 2 the guest cannot continue. */
int machine_run(const struct vm_config *cfg);

#endif
