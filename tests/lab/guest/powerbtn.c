/* powerbtn: waits for the ACPI power button (KEY_POWER from an input
 * device of the kernel's button driver) and returns 0 then, as acpid or
 * systemd-logind would, so the guest's init can power off. */
#include <dirent.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEVS 16

int main(void)
{
	struct pollfd p[MAX_DEVS];
	int n = 0;
	DIR *d = opendir("/dev/input");
	struct dirent *e;

	while (d && (e = readdir(d)) && n < MAX_DEVS) {
		char path[300];

		if (strncmp(e->d_name, "event", 5))
			continue;
		snprintf(path, sizeof(path), "/dev/input/%s", e->d_name);
		p[n].fd = open(path, O_RDONLY);
		p[n].events = POLLIN;
		if (p[n].fd >= 0)
			n++;
	}
	if (n == 0) {
		fprintf(stderr, "powerbtn: no input devices\n");
		return 1;
	}
	for (;;) {
		if (poll(p, n, -1) < 0)
			return 1;
		for (int i = 0; i < n; i++) {
			struct input_event ev;

			if (!(p[i].revents & POLLIN) || read(p[i].fd, &ev, sizeof(ev)) != sizeof(ev))
				continue;
			if (ev.type == EV_KEY && ev.code == KEY_POWER && ev.value == 1)
				return 0;
		}
	}
}
