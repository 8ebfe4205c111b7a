/* The machine's state, shared by machine.c (running VM instances) and
 * machine_api.c (what the control API does to it). Not for other users. */
#ifndef MERIDIAN_MACHINE_PRIV_H
#define MERIDIAN_MACHINE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "api/qmp_server.h"
#include "block/disk_image.h"
#include "boot/boot_file.h"
#include "boot/bzimage.h"
#include "boot/multiboot.h"
#include "core/console.h"
#include "base/evloop.h"
#include "vm/vm.h"
#include "kvm/kvm_sys.h"
#include "net/netdev.h"
#include "migrate/migration.h"

struct machine {
	const struct vm_config *cfg;
	struct kvm_host host;
	struct boot_file kernel_file, initrd_file;
	enum kernel_format format;
	struct bzimage kernel;
	struct multiboot_image multiboot;
	struct mb_module modules[MB_MAX_MODULES];
	unsigned nr_modules;
	char *multiboot_cmdline;
	struct console console;
	struct cmos cmos;
	struct evloop loop;
	struct ev_handler stdin_h, wake_h, signal_h;
	bool stdin_polled;      /* stdin is in epoll (false for regular files) */
	bool stdin_paused;      /* inbuf full: stop reading until the guest drains */
	struct vm vm;
	struct vm_env env;
	struct kvm_cpuid2 *cpuid;
	struct disk_image disks[MAX_DISKS];
	struct netdev nets[MAX_NETS];     /* opened once, lent to each VM instance */
	unsigned nr_disks;
	int exit_status;        /* what the guest wrote to the debug-exit port */
	/* the control API (--api) */
	struct qmp_server api;
	struct qmp_target api_target;
	bool api_open;
	bool paused;            /* stop: survives a guest reset, as in QEMU */
	bool post_migrate;      /* saved to a snapshot and stopped since */
	const char *stop_cause; /* the host's reason for a reset or quit (events) */
	/* the migration session, either side (migrate/migration.h); with
	 * --incoming the first VM takes its guest from the stream */
	struct migration mig;
};

/* machine_migrate.c: the migration commands, wired to m->mig */
void machine_migration_init(struct machine *m);
int machine_migrate(struct machine *m, const char *uri, struct qmp_error *err);
struct json_object *machine_query_migrate(struct machine *m);
int machine_migrate_set_parameters(struct machine *m, const struct mig_params_update *u,
				   struct qmp_error *err);
int machine_migrate_incoming(struct machine *m, const char *uri, struct qmp_error *err);

/* machine_api.c */
int machine_api_open(struct machine *m);
void machine_api_close(struct machine *m);
/* The balloon driver moved "actual": BALLOON_CHANGE. */
void machine_api_balloon_poll(struct machine *m);
/* Tells the API's clients how an instance ended (SHUTDOWN, RESET). */
void machine_api_instance_ended(struct machine *m, enum vm_stop_reason reason, bool restarting);

#endif
