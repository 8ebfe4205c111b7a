#include "kvm/uffd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvm/guest_mem.h"

#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)     /* /dev/userfaultfd (Linux 6.1) */
#endif

static int read_sysctl(const char *path)
{
	char text[8] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);

	if (fd >= 0)
		close(fd);
	return n > 0 ? text[0] - '0' : -1;
}

static int api_handshake(int fd)
{
	/* the faulting thread's id: which vCPU waited, for blocktime */
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_THREAD_ID };

	if (ioctl(fd, UFFDIO_API, &api) < 0)
		return -errno;
	return 0;
}

int uffd_open(char *why, int why_len)
{
	int flags = O_CLOEXEC | O_NONBLOCK, sys_err, dev_err, fd, dev;

	fd = (int)syscall(SYS_userfaultfd, flags);
	sys_err = fd < 0 ? errno : 0;
	if (fd < 0) {
		dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
		dev_err = dev < 0 ? errno : 0;
		if (dev >= 0) {
			fd = ioctl(dev, USERFAULTFD_IOC_NEW, flags);
			dev_err = fd < 0 ? errno : 0;
			close(dev);
		}
		if (fd < 0) {
			int sysctl = read_sysctl("/proc/sys/vm/unprivileged_userfaultfd");

			snprintf(why, why_len, "userfaultfd: %s (vm.unprivileged_userfaultfd is %d; "
				 "it takes CAP_SYS_PTRACE, that sysctl at 1, or read-write access to "
				 "/dev/userfaultfd, which said: %s)", strerror(sys_err), sysctl,
				 strerror(dev_err));
			return -1;
		}
	}
	if ((sys_err = -api_handshake(fd))) {
		close(fd);
		snprintf(why, why_len, "userfaultfd: UFFDIO_API: %s", strerror(sys_err));
		return -1;
	}
	return fd;
}

int uffd_register(int fd, void *hva, uint64_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)hva, .len = len }, .mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(fd, UFFDIO_REGISTER, &reg) < 0 ? -errno : 0;
}

int uffd_read_fault(int fd, uint64_t *addr, uint32_t *tid)
{
	struct uffd_msg msg;

	for (;;) {
		ssize_t n = read(fd, &msg, sizeof(msg));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (n != sizeof(msg))
			return -EIO;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		*addr = msg.arg.pagefault.address & ~(GUEST_PAGE_BYTES - 1);
		*tid = msg.arg.pagefault.feat.ptid;
		return 1;
	}
}

int uffd_place(int fd, void *hva, const void *src)
{
	struct uffdio_copy c = { .dst = (uintptr_t)hva, .src = (uintptr_t)src,
				 .len = GUEST_PAGE_BYTES };

	return ioctl(fd, UFFDIO_COPY, &c) < 0 ? -errno : 0;
}

int uffd_place_zero(int fd, void *hva)
{
	struct uffdio_zeropage z = { .range = { .start = (uintptr_t)hva, .len = GUEST_PAGE_BYTES } };

	return ioctl(fd, UFFDIO_ZEROPAGE, &z) < 0 ? -errno : 0;
}
