#include "cli/run_options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/disk_spec.h"
#include "cli/net_spec.h"
#include "cli/size.h"
#include "migrate/mig_uri.h"
#include "base/log.h"

void run_options_usage(FILE *out)
{
	fprintf(out,
		"usage: meridian run [OPTIONS]\n"
		"  -k, --kernel PATH      Linux bzImage, or a multiboot v1 kernel\n"
		"  -i, --initrd PATH      initramfs; for multiboot, modules as in QEMU:\n"
		"                         \"FILE[ ARGS][,FILE[ ARGS]...]\"\n"
		"  -a, --cmdline STR      kernel command line (default \"" DEFAULT_CMDLINE "\")\n"
		"  -m, --memory SIZE      guest RAM, K/M/G suffixes (default 256M)\n"
		"      --mem-prealloc     back all guest RAM at start (no page faults later)\n"
		"  -c, --cpus N           vCPUs (default 1)\n"
		"      --cpu SPEC         CPU model in QEMU's syntax (default host), e.g.\n"
		"                         host,kvm=off,-hypervisor,kvm-pv-eoi=off,+invtsc\n"
		"      --rng              a virtio-rng device (PCI) fed by getrandom()\n"
		"      --disk path=FILE[,readonly=on][,serial=ID][,cache=none|writeback]\n"
		"                         a virtio-blk disk on a raw image or block device\n"
		"                         (repeatable, up to 8; cache=writeback by default)\n"
		"      --balloon on|SIZE[,free-page-reporting=on]\n"
		"                         a virtio-balloon device; SIZE: the guest's RAM to\n"
		"                         aim at from the start (QMP balloon changes it)\n"
		"      --net tap,ifname=NAME[,mac=52:54:00:12:34:56]\n"
		"                         a virtio-net device on an existing tap interface\n"
		"                         (repeatable, up to 4; MACs 52:54:00:12:34:56 + n by\n"
		"                         default)\n"
		"      --console stdio|none|file=PATH   the guest's ttyS0 (default stdio)\n"
		"      --api PATH         a QMP control socket at PATH (mode 0600; see\n"
		"                         meridian ctl)\n"
		"      --incoming file:PATH | tcp:HOST:PORT | defer\n"
		"                         resume the guest saved in PATH (QMP migrate to\n"
		"                         file:PATH), or take it from a live migration on\n"
		"                         HOST:PORT, instead of booting it; the options must\n"
		"                         describe the same guest; defer: wait for the QMP\n"
		"                         command migrate-incoming to name the place\n"
		"      --dirty-tracking auto|dirty-ring|dirty-log|dirty-log-clear\n"
		"                         how live migration learns which pages the guest\n"
		"                         wrote (default auto: KVM's bitmap with chunked\n"
		"                         clears where the host has them, else the plain\n"
		"                         bitmap; dirty-ring only when asked: it lost pages\n"
		"                         on Linux 6.1 with shadow paging, see README)\n"
		"  -S, --paused           start with the vCPUs stopped (QEMU's -S): QMP cont\n"
		"                         runs them; with --incoming the guest stays stopped\n"
		"                         once it has arrived, for inspection\n"
		"      --no-reboot        end on guest reset instead of restarting the guest\n"
		"      --debug-exit       port 0xf4 as QEMU's isa-debug-exit: a guest write of\n"
		"                         V ends meridian with status (V << 1) | 1\n"
		"      --kaslr            boot through the kernel's own decompressor, which\n"
		"                         randomizes its address (slower; by default meridian\n"
		"                         unpacks an lz4/zstd kernel itself and KASLR is off)\n"
		"  -q, --quiet            no informational lines on stderr\n"
		"  -h, --help             this text\n"
		"Exit status: 0 guest powered off (or reset with --no-reboot); 1 usage or\n"
		"configuration error; 2 the guest cannot continue (triple fault, KVM error);\n"
		"with --debug-exit, what the guest wrote to port 0xf4.\n"
		"On a terminal, Ctrl-A x ends meridian.\n");
}

/* --balloon on|SIZE[,free-page-reporting=on|off] */
static int parse_balloon(const char *text, struct vm_config *cfg)
{
	char buf[128], *save = NULL, *item, err[96];

	if (strlen(text) >= sizeof(buf)) {
		log_error("--balloon: too long");
		return 1;
	}
	strcpy(buf, text);
	cfg->balloon = true;
	item = strtok_r(buf, ",", &save);
	if (!item || (strcmp(item, "on") &&
		      parse_size_bytes(item, &cfg->balloon_target_bytes, err, sizeof(err)))) {
		log_error("--balloon %s: expected on or the guest's target RAM size (e.g. 384M)%s%s",
			  text, item ? ": " : "", item ? err : "");
		return 1;
	}
	while ((item = strtok_r(NULL, ",", &save))) {
		if (!strcmp(item, "free-page-reporting=on")) {
			cfg->balloon_reporting = true;
		} else if (!strcmp(item, "free-page-reporting=off")) {
			cfg->balloon_reporting = false;
		} else {
			log_error("--balloon %s: unknown item (free-page-reporting=on|off)", item);
			return 1;
		}
	}
	return 0;
}

static int parse_cpus(const char *text, unsigned *cpus)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || end == text || v < 1 || v > MAX_VCPUS_ARG) {
		log_error("--cpus %s: expected a number from 1 to %d", text, MAX_VCPUS_ARG);
		return 1;
	}
	*cpus = (unsigned)v;
	return 0;
}

static int parse_console(const char *text, struct vm_config *cfg)
{
	if (!strcmp(text, "stdio")) {
		cfg->console = CONSOLE_STDIO;
	} else if (!strcmp(text, "none")) {
		cfg->console = CONSOLE_NONE;
	} else if (!strncmp(text, "file=", 5) && text[5]) {
		cfg->console = CONSOLE_FILE;
		cfg->console_path = text + 5;
	} else {
		log_error("--console %s: expected stdio, none or file=PATH", text);
		return 1;
	}
	return 0;
}

/* The value is copied: parsing splits it, and argv stays as given. */
static int parse_disk(const char *text, struct vm_config *cfg)
{
	char *copy;

	if (cfg->nr_disks == MAX_DISKS) {
		log_error("--disk %s: at most %d disks", text, MAX_DISKS);
		return 1;
	}
	copy = strdup(text);
	if (!copy) {
		log_error("--disk: out of memory");
		return 1;
	}
	return disk_spec_parse(copy, &cfg->disks[cfg->nr_disks++]);
}

enum { OPT_CONSOLE = 256, OPT_NO_REBOOT, OPT_KASLR, OPT_CPU, OPT_DEBUG_EXIT, OPT_RNG, OPT_DISK, OPT_API, OPT_INCOMING,
       OPT_DIRTY, OPT_NET, OPT_BALLOON, OPT_MEM_PREALLOC };

int run_options_parse(int argc, char **argv, struct vm_config *cfg)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'a' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "console", required_argument, NULL, OPT_CONSOLE },
		{ "no-reboot", no_argument, NULL, OPT_NO_REBOOT },
		{ "paused", no_argument, NULL, 'S' },
		{ "kaslr", no_argument, NULL, OPT_KASLR },
		{ "debug-exit", no_argument, NULL, OPT_DEBUG_EXIT },
		{ "rng", no_argument, NULL, OPT_RNG },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ "api", required_argument, NULL, OPT_API },
		{ "incoming", required_argument, NULL, OPT_INCOMING },
		{ "dirty-tracking", required_argument, NULL, OPT_DIRTY },
		{ "net", required_argument, NULL, OPT_NET },
		{ "balloon", required_argument, NULL, OPT_BALLOON },
		{ "mem-prealloc", no_argument, NULL, OPT_MEM_PREALLOC },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char err[MIG_URI_MAX];
	int opt;

	struct mig_uri uri;

	memset(cfg, 0, sizeof(*cfg));
	cfg->cmdline = DEFAULT_CMDLINE;
	cfg->mem_bytes = DEFAULT_MEM_BYTES;
	cfg->cpus = 1;
	cfg->console = CONSOLE_STDIO;
	cfg->cpu_spec = "host";

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":k:i:a:m:c:qhS", longopts, NULL)) != -1) {
		switch (opt) {
		case 'k': cfg->kernel_path = optarg; break;
		case 'i': cfg->initrd_path = optarg; break;
		case 'a': cfg->cmdline = optarg; break;
		case 'q': cfg->quiet = true; break;
		case OPT_NO_REBOOT: cfg->no_reboot = true; break;
		case 'S': cfg->start_paused = true; break;
		case OPT_KASLR: cfg->kaslr = true; break;
		case OPT_DEBUG_EXIT: cfg->debug_exit = true; break;
		case OPT_RNG: cfg->rng = true; break;
		case OPT_API: cfg->api_path = optarg; break;
		case OPT_MEM_PREALLOC: cfg->mem_prealloc = true; break;
		case OPT_BALLOON:
			if (parse_balloon(optarg, cfg))
				return 1;
			break;
		case OPT_NET:
			if (cfg->nr_nets == MAX_NETS) {
				log_error("--net %s: at most %d network devices", optarg, MAX_NETS);
				return 1;
			}
			if (net_spec_parse(optarg, &cfg->nets[cfg->nr_nets]))
				return 1;
			if (!cfg->nets[cfg->nr_nets].mac_given)
				net_default_mac(cfg->nr_nets, cfg->nets[cfg->nr_nets].mac);
			cfg->nr_nets++;
			break;
		case OPT_DIRTY:
			if (dirty_method_parse(optarg, &cfg->dirty)) {
				log_error("--dirty-tracking %s: expected auto, dirty-ring, dirty-log or "
					  "dirty-log-clear", optarg);
				return 1;
			}
			break;
		case OPT_INCOMING:
			if (mig_uri_parse(optarg, MIG_URI_FILE | MIG_URI_TCP | MIG_URI_DEFER, &uri,
					  err, sizeof(err))) {
				log_error("--incoming %s", err);
				return 1;
			}
			cfg->incoming_path = optarg;
			break;
		case OPT_CPU:
			cfg->cpu_spec = optarg;
			if (cpu_model_parse(optarg, &cfg->cpu, err, sizeof(err))) {
				log_error("--cpu %s: %s", optarg, err);
				return 1;
			}
			break;
		case OPT_DISK:
			if (parse_disk(optarg, cfg))
				return 1;
			break;
		case 'm':
			if (parse_size_bytes(optarg, &cfg->mem_bytes, err, sizeof(err))) {
				log_error("--memory %s: %s", optarg, err);
				return 1;
			}
			break;
		case 'c':
			if (parse_cpus(optarg, &cfg->cpus))
				return 1;
			break;
		case OPT_CONSOLE:
			if (parse_console(optarg, cfg))
				return 1;
			break;
		case 'h':
			run_options_usage(stdout);
			return 2;
		case ':':
			log_error("%s: missing value", argv[optind - 1]);
			return 1;
		default:
			log_error("%s: unknown option (see meridian run --help)", argv[optind - 1]);
			return 1;
		}
	}
	if (optind < argc) {
		log_error("%s: unexpected argument (see meridian run --help)", argv[optind]);
		return 1;
	}
	if (!cfg->kernel_path) {
		log_error("--kernel is required (see meridian run --help)");
		return 1;
	}
	if (cfg->balloon_target_bytes > cfg->mem_bytes) {
		log_error("--balloon: a target of %llu MiB is more than the guest's %llu MiB (--memory)",
			  (unsigned long long)(cfg->balloon_target_bytes >> 20),
			  (unsigned long long)(cfg->mem_bytes >> 20));
		return 1;
	}
	return 0;
}
