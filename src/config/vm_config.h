/* The machine as configured: what `meridian run` parsed, read by every
 * layer above. Plain data; cli/ fills it and nothing else writes it. */
#ifndef MERIDIAN_VM_CONFIG_H
#define MERIDIAN_VM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "config/disk_config.h"
#include "config/limits.h"
#include "config/net_config.h"
#include "cpu/cpu_model.h"
#include "kvm/dirty_log.h"

enum console_kind { CONSOLE_STDIO, CONSOLE_NONE, CONSOLE_FILE };

struct vm_config {
	const char *kernel_path;
	const char *initrd_path;        /* NULL: none; multiboot: "FILE[ ARGS],..." */
	const char *cmdline;
	uint64_t mem_bytes;
	bool mem_prealloc;              /* --mem-prealloc: every page backed at start */
	unsigned cpus;
	enum console_kind console;
	const char *console_path;       /* CONSOLE_FILE */
	bool no_reboot;
	bool start_paused;              /* -S/--paused: vCPUs stopped until QMP cont */
	bool rng;                       /* --rng: a virtio-rng device */
	struct disk_config disks[MAX_DISKS];    /* --disk, in order */
	unsigned nr_disks;
	bool balloon;                   /* --balloon: a virtio-balloon device */
	uint64_t balloon_target_bytes;  /* the guest's RAM to aim at; 0: all of it */
	bool balloon_reporting;         /* free page reporting */
	struct net_config nets[MAX_NETS];       /* --net, in order */
	unsigned nr_nets;
	bool debug_exit;                /* port 0xf4 ends meridian (QEMU's isa-debug-exit) */
	bool kaslr;                     /* let the guest decompress (and randomize) itself */
	const char *cpu_spec;           /* --cpu, as given */
	struct cpu_model cpu;           /* --cpu, parsed */
	bool quiet;                     /* no informational lines */
	const char *api_path;           /* --api: the QMP control socket */
	const char *incoming_path;      /* --incoming file:PATH or tcp:HOST:PORT, as given */
	enum dirty_method dirty;        /* --dirty-tracking (DIRTY_AUTO by default) */
};

#define DEFAULT_MEM_BYTES (256ull << 20)
#define DEFAULT_CMDLINE "console=ttyS0"

#endif
