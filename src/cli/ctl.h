/* `meridian ctl PATH COMMAND [JSON-ARGS]`: one QMP command to a running
 * meridian (or QEMU) at the socket PATH; the return value printed as
 * indented JSON. Exit status 0 on a return, 1 on a QMP error (printed as
 * "meridian: ctl: CLASS: description") or when the socket cannot be used. */
#ifndef MERIDIAN_CTL_H
#define MERIDIAN_CTL_H

int cmd_ctl(int argc, char **argv);

#endif
