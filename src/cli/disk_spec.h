/* `--disk path=FILE[,readonly=on|off][,serial=ID][,cache=none|writeback]`:
 * one virtio-blk disk per option, in the order given. */
#ifndef MERIDIAN_DISK_SPEC_H
#define MERIDIAN_DISK_SPEC_H

#include "config/disk_config.h"

/* Parses one --disk value. Returns 0, or 1 after printing one line that
 * names the bad part. The path points into text, which must outlive cfg. */
int disk_spec_parse(char *text, struct disk_config *disk);

#endif
