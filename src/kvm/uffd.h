/* userfaultfd for post-copy's destination (issue 18): guest RAM registered
 * in missing mode, so the first touch of a page not yet arrived, by a vCPU,
 * by KVM itself (kvmclock, steal time, the APIC page) or by a device
 * thread, waits until meridian places the page atomically (UFFDIO_COPY,
 * UFFDIO_ZEROPAGE). Kernel-mode faults must be caught too (KVM's own
 * writes), so UFFD_USER_MODE_ONLY is never asked for: that needs
 * CAP_SYS_PTRACE, vm.unprivileged_userfaultfd=1, or access to
 * /dev/userfaultfd. */
#ifndef MERIDIAN_UFFD_H
#define MERIDIAN_UFFD_H

#include <stdbool.h>
#include <stdint.h>

/* A userfaultfd (non-blocking, close-on-exec) past the API handshake,
 * by the syscall or else /dev/userfaultfd. -1 with why: one line naming
 * what would allow it here. */
int uffd_open(char *why, int why_len);
/* Missing-page faults in [hva, hva+len) (page-aligned) come to fd. 0 or -errno. */
int uffd_register(int fd, void *hva, uint64_t len);
/* Reads one fault: the faulting address (page-aligned) and thread id.
 * 1: a fault; 0: none waiting; -errno. Other events are skipped. */
int uffd_read_fault(int fd, uint64_t *addr, uint32_t *tid);
/* Places a page (4096 bytes from src) or a zero page at hva, atomically,
 * and wakes whoever waits on it. 0; -EEXIST when it was there already
 * (another placer won: harmless); other -errno. */
int uffd_place(int fd, void *hva, const void *src);
int uffd_place_zero(int fd, void *hva);

#endif
