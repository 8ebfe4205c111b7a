/* A kernel or initrd file: kept open and read straight into guest memory at
 * each boot (no copy held in meridian's memory, so nothing of it counts in
 * meridian's RSS). The first bytes are kept for format probing. */
#ifndef MERIDIAN_BOOT_FILE_H
#define MERIDIAN_BOOT_FILE_H

#include <stddef.h>
#include <stdint.h>

#define BOOT_FILE_HEAD_BYTES (64 * 1024)

struct boot_file {
	int fd;                 /* -1: none */
	uint64_t size_bytes;
	uint8_t *head;          /* first head_bytes of the file */
	size_t head_bytes;
};

/* Opens a regular, non-empty file. On error prints "OPTION PATH: reason"
 * and returns -1. */
int boot_file_open(struct boot_file *f, const char *option, const char *path);
/* Reads [offset, offset+len) into dst. Returns 0 or -errno (-EIO when short). */
int boot_file_read(const struct boot_file *f, uint64_t offset, void *dst, size_t len);
void boot_file_close(struct boot_file *f);

#endif
