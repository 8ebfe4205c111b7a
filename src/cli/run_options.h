/* `meridian run` options, parsed into one vm_config. */
#ifndef MERIDIAN_RUN_OPTIONS_H
#define MERIDIAN_RUN_OPTIONS_H

#include <stdio.h>

#include "config/vm_config.h"

/* Parses argv (after the "run" word). Returns 0, 1 for an error (already
 * printed as one line), or 2 when help was printed and nothing should run. */
int run_options_parse(int argc, char **argv, struct vm_config *cfg);
void run_options_usage(FILE *out);

#endif
