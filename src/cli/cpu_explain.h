#ifndef MERIDIAN_CPU_EXPLAIN_CMD_H
#define MERIDIAN_CPU_EXPLAIN_CMD_H

/* `meridian cpu explain [--cpu SPEC] [--cpus N] [--json]`; argv starts at
 * "explain". Returns the exit status. */
int cmd_cpu_explain(int argc, char **argv);

#endif
