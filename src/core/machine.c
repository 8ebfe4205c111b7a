#include "core/machine.h"

#include <stdio.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/bzimage.h"
#include "boot/linux_boot.h"
#include "boot/multiboot.h"
#include "core/console.h"
#include "base/evloop.h"
#include "base/log.h"
#include "core/machine_priv.h"
#include "net/tap.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "kvm/kvm_sys.h"


/* Multiboot modules: QEMU's syntax, "FILE[ ARGS][,FILE[ ARGS]...]"; the
 * whole item is the module's string, the part before the first space its
 * file. */
static int open_modules(struct machine *m, const char *list)
{
	char *copy = strdup(list), *item, *save = NULL;
	int r = -1;

	if (!copy) {
		log_error("out of memory");
		return -1;
	}
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		struct mb_module *mod = &m->modules[m->nr_modules];
		char *path;

		if (m->nr_modules == MB_MAX_MODULES) {
			log_error("--initrd %s: more than %d multiboot modules", list, MB_MAX_MODULES);
			goto out;
		}
		mod->file.fd = -1;
		mod->string = strdup(item);
		path = strndup(item, strcspn(item, " "));
		m->nr_modules++;
		if (!mod->string || !path) {
			free(path);
			log_error("out of memory");
			goto out;
		}
		r = boot_file_open(&mod->file, "--initrd", path);
		free(path);
		if (r)
			goto out;
	}
	r = 0;
out:
	free(copy);
	return r;
}

static int load_multiboot(struct machine *m)
{
	const struct vm_config *cfg = m->cfg;
	struct guest_mem layout;
	char err[200];

	if (multiboot_parse(&m->kernel_file, &m->multiboot, err, sizeof(err))) {
		log_error("--kernel %s: %s", cfg->kernel_path, err);
		return -1;
	}
	if (cfg->initrd_path && open_modules(m, cfg->initrd_path))
		return -1;
	guest_mem_layout(&layout, cfg->mem_bytes);
	/* As GRUB and QEMU do: the kernel's own name comes first. */
	if (asprintf(&m->multiboot_cmdline, "%s %s", cfg->kernel_path, cfg->cmdline) < 0) {
		m->multiboot_cmdline = NULL;
		log_error("out of memory");
		return -1;
	}
	switch (multiboot_plan(&m->multiboot, &layout, m->modules, m->nr_modules,
			       m->multiboot_cmdline, err, sizeof(err))) {
	case 0:
		return 0;
	case -1:
		log_error("--kernel %s: %s", cfg->kernel_path, err);
		return -1;
	default:
		log_error("%s", err);
		return -1;
	}
}

static int load_bzimage(struct machine *m)
{
	const struct vm_config *cfg = m->cfg;
	struct linux_boot_plan plan;
	struct guest_mem layout;
	char err[160];

	if (bzimage_parse(m->kernel_file.head, m->kernel_file.head_bytes, m->kernel_file.size_bytes,
			  &m->kernel, err, sizeof(err))) {
		log_error("--kernel %s: %s", cfg->kernel_path, err);
		return -1;
	}
	if (cfg->initrd_path && boot_file_open(&m->initrd_file, "--initrd", cfg->initrd_path))
		return -1;
	guest_mem_layout(&layout, cfg->mem_bytes);
	if (linux_boot_plan(&m->kernel, &layout, m->initrd_file.size_bytes, cfg->cmdline, &plan,
			    err, sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	return 0;
}

static int load_kernel(struct machine *m)
{
	const struct vm_config *cfg = m->cfg;

	if (boot_file_open(&m->kernel_file, "--kernel", cfg->kernel_path))
		return -1;
	m->format = kernel_probe(m->kernel_file.head, m->kernel_file.head_bytes);
	switch (m->format) {
	case KERNEL_BZIMAGE:
		return load_bzimage(m);
	case KERNEL_MULTIBOOT:
		return load_multiboot(m);
	case KERNEL_ELF:
		log_error("--kernel %s: ELF kernels are not supported yet; use the bzImage",
			  cfg->kernel_path);
		return -1;
	default:
		log_error("--kernel %s: not a bzImage, ELF or multiboot kernel", cfg->kernel_path);
		return -1;
	}
}

/* Moves buffered console input into the UART as far as its FIFO allows,
 * and reads stdin again once there is room. */
static void pump_input(struct machine *m)
{
	struct console *c = &m->console;

	/* A regular file is always readable and cannot be polled: read it here. */
	if (!m->stdin_polled && !c->in_eof && c->in_fd >= 0 && c->in_len < sizeof(c->inbuf))
		console_read_input(c);
	if (c->in_len && atomic_load(&m->vm.stop_reason) == VM_RUNNING && m->vm.devices_ready)
		console_consume(c, uart_rx_push(&m->vm.uart, c->inbuf, c->in_len));
	if (m->stdin_polled && m->stdin_paused && c->in_len < sizeof(c->inbuf)) {
		m->stdin_paused = false;
		evloop_mod(&m->loop, &m->stdin_h, EPOLLIN);
	}
}

static void on_stdin(struct ev_handler *h, uint32_t events)
{
	struct machine *m = h->opaque;
	struct console *c = &m->console;

	if (console_read_input(c)) {
		vm_request_stop(&m->vm, VM_QUIT);
		return;
	}
	if (c->in_eof || (events & (EPOLLHUP | EPOLLERR) && !(events & EPOLLIN))) {
		evloop_del(&m->loop, h);
		m->stdin_polled = false;
		c->in_eof = true;
	} else if (c->in_len == sizeof(c->inbuf)) {
		m->stdin_paused = true;
		evloop_mod(&m->loop, h, 0);
	}
	pump_input(m);
}

static void on_wake(struct ev_handler *h, uint32_t events)
{
	struct machine *m = h->opaque;
	uint64_t count;

	if (read(h->fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_error("event loop wake-up: %s", strerror(errno));
	pump_input(m);
	machine_api_balloon_poll(m);
	migration_poll(&m->mig);   /* a migration's thread has news */
}

static void on_signal(struct ev_handler *h, uint32_t events)
{
	struct machine *m = h->opaque;
	struct signalfd_siginfo si;

	if (read(h->fd, &si, sizeof(si)) == sizeof(si)) {
		log_info("signal %u: stopping the guest", si.ssi_signo);
		vm_request_stop(&m->vm, VM_QUIT);
	}
}

static void console_tx(void *opaque, uint8_t byte)
{
	struct machine *m = opaque;

	console_write(&m->console, byte);
}

static void console_rx_room(void *opaque)
{
	struct machine *m = opaque;
	uint64_t one = 1;

	if (write(m->wake_h.fd, &one, sizeof(one)) < 0)
		log_error("event loop wake-up: %s", strerror(errno));
}

static const struct uart_ops console_uart_ops = { .tx = console_tx, .rx_room = console_rx_room };

static int setup_events(struct machine *m)
{
	sigset_t set;
	int r;

	if (evloop_init(&m->loop))
		return -1;
	m->wake_h = (struct ev_handler){ .cb = on_wake, .opaque = m };
	m->wake_h.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	/* Blocked before the vCPU threads exist, so only the signalfd sees them. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	m->signal_h = (struct ev_handler){ .cb = on_signal, .opaque = m };
	m->signal_h.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m->wake_h.fd < 0 || m->signal_h.fd < 0)
		return -1;
	if (evloop_add(&m->loop, &m->wake_h, EPOLLIN) || evloop_add(&m->loop, &m->signal_h, EPOLLIN))
		return -1;
	if (m->console.in_fd >= 0) {
		m->stdin_h = (struct ev_handler){ .fd = m->console.in_fd, .cb = on_stdin, .opaque = m };
		r = evloop_add(&m->loop, &m->stdin_h, EPOLLIN);
		if (r == 0)
			m->stdin_polled = true;
		else if (r != -EPERM)
			return -1;
	}
	return 0;
}

/* --incoming URI: the file there and readable, the port bound, before
 * anything starts; defer: migrate-incoming names it later. */
static int open_incoming(struct machine *m)
{
	const char *uri = m->cfg->incoming_path;
	char err[300];

	if (!uri)
		return 0;
	if (migration_incoming_open(&m->mig, uri, err, sizeof(err))) {
		log_error("--incoming %s", err);
		return -1;
	}
	return 0;
}

/* The disk images, checked before anything starts. */
static int open_disks(struct machine *m)
{
	char err[PATH_MAX + 160];

	for (unsigned i = 0; i < m->cfg->nr_disks; i++) {
		struct disk_image *img = &m->disks[i];

		if (disk_image_open(img, &m->cfg->disks[i], err, sizeof(err)) ||
		    (m->nr_disks++, disk_image_check_distinct(img, m->disks, i, err, sizeof(err)))) {
			log_error("%s", err);
			return -1;
		}
	}
	return 0;
}

/* The taps named by --net exist (opening them is the VM's: a migration's
 * destination takes them over later). */
/* The network backends, before anything starts: held from now on, across
 * guest resets. An incoming guest's taps are still the source's: only
 * checked now, taken once the guest has arrived (migrate/migration.c). */
static int open_nets(struct machine *m)
{
	char err[200];

	for (unsigned i = 0; i < m->cfg->nr_nets; i++) {
		const struct net_config *cfg = &m->cfg->nets[i];
		int r;

		if (m->cfg->incoming_path)
			r = cfg->backend == NET_TAP ? tap_check(cfg->ifname, err, sizeof(err)) : 0;
		else
			r = netdev_open(&m->nets[i], 0, err, sizeof(err));
		if (!r)
			r = netdev_open_vhost(&m->nets[i], err, sizeof(err));
		if (r) {
			log_error("--net: %s", err);
			return -1;
		}
	}
	return 0;
}

static void teardown(struct machine *m)
{
	machine_api_close(m);
	migration_incoming_abort(&m->mig);
	for (unsigned i = 0; i < m->nr_disks; i++)
		disk_image_close(&m->disks[i]);
	for (unsigned i = 0; i < m->cfg->nr_nets; i++)
		netdev_destroy(&m->nets[i]);
	evloop_destroy(&m->loop);
	if (m->wake_h.fd > 0)
		close(m->wake_h.fd);
	if (m->signal_h.fd > 0)
		close(m->signal_h.fd);
	console_close(&m->console);
	kvm_host_close(&m->host);
	boot_file_close(&m->kernel_file);
	boot_file_close(&m->initrd_file);
	for (unsigned i = 0; i < m->nr_modules; i++) {
		boot_file_close(&m->modules[i].file);
		free(m->modules[i].string);
	}
}

/* tsc-frequency= must be honoured exactly: where KVM cannot scale the TSC
 * it would otherwise run the guest in "catch-up" mode or fail later. */
static int check_tsc_frequency(struct machine *m)
{
	uint32_t want = m->cfg->cpu.tsc_khz;
	int host_khz;

	if (!want || m->host.tsc_scaling)
		return 0;
	host_khz = kvm_host_tsc_khz(&m->host);
	if (host_khz < 0) {
		log_error("--cpu %s: cannot read the host's TSC frequency: %s", m->cfg->cpu_spec,
			  strerror(-host_khz));
		return -1;
	}
	/* KVM itself accepts 250 ppm of difference without scaling */
	if ((uint64_t)abs((int)want - host_khz) * 1000000 > (uint64_t)host_khz * 250) {
		log_error("--cpu %s: this host cannot scale the TSC (no KVM_CAP_TSC_CONTROL) and its "
			  "TSC runs at %d kHz, not %u kHz", m->cfg->cpu_spec, host_khz, want);
		return -1;
	}
	return 0;
}

/* The guest's CPUID for --cpu on this host, once for all boots. */
static int build_cpu_model(struct machine *m)
{
	struct cpu_host host = { .supported = m->host.supported_cpuid,
				 .tsc_deadline = m->host.tsc_deadline,
				 .hv_supported = m->host.hv_supported_cpuid };
	char err[160];

	m->cpuid = cpu_model_build(&m->cfg->cpu, &host, err, sizeof(err));
	if (!m->cpuid) {
		log_error("--cpu %s: %s", m->cfg->cpu_spec, err);
		return -1;
	}
	return check_tsc_frequency(m);
}

/* Runs one VM instance to its stop; returns the reason. */
static enum vm_stop_reason run_instance(struct machine *m)
{
	enum vm_stop_reason reason;

	bool incoming = m->mig.waiting;

	m->env.incoming = incoming;
	if (vm_create(&m->vm, &m->env))
		return VM_SETUP_ERROR;
	if (incoming && migration_incoming_begin(&m->mig)) {
		vm_destroy(&m->vm);
		return VM_SETUP_ERROR;
	}
	/* stopped by the API: a reset does not resume the guest (as in QEMU) */
	atomic_store(&m->vm.pause_requested, m->paused);
	/* an incoming guest starts when its stream is in (migrate/migration.c) */
	if (!incoming && vm_start(&m->vm) == 0)
		pump_input(m);
	while (atomic_load(&m->vm.stop_reason) == VM_RUNNING) {
		if (evloop_run_once(&m->loop, -1) < 0 && errno != EINTR) {
			log_error("event loop: %s", strerror(errno));
			vm_request_stop(&m->vm, VM_FATAL);
		}
		if (m->api_open)
			qmp_server_reap(&m->api);
	}
	migration_incoming_abort(&m->mig);
	vm_join(&m->vm);
	reason = atomic_load(&m->vm.stop_reason);
	m->exit_status = atomic_load(&m->vm.debug_exit.status);
	vm_destroy(&m->vm);
	return reason;
}

int machine_run(const struct vm_config *cfg)
{
	struct machine *m = calloc(1, sizeof(*m));
	enum vm_stop_reason reason;
	unsigned boots = 0;
	int status = 1;

	if (!m) {
		log_error("out of memory");
		return 1;
	}
	m->cfg = cfg;
	m->host.fd = -1;
	m->wake_h.fd = m->signal_h.fd = -1;
	m->loop.epfd = -1;
	m->kernel_file.fd = m->initrd_file.fd = -1;
	machine_migration_init(m);
	for (unsigned i = 0; i < cfg->nr_nets; i++)
		netdev_init(&m->nets[i], &cfg->nets[i]);
	m->paused = cfg->start_paused;
	log_set_quiet(cfg->quiet);
	signal(SIGPIPE, SIG_IGN);       /* a migration peer that goes away is an error, not death */
	if (load_kernel(m) || open_disks(m) || open_nets(m) || open_incoming(m))
		goto out;
	if (kvm_host_open(&m->host, true))
		goto out;
	if (cfg->cpus > MAX_VCPUS || (int)cfg->cpus > m->host.max_vcpus) {
		log_error("--cpus %u: at most %d here (KVM allows %d, meridian's xAPIC tables %d)",
			  cfg->cpus, m->host.max_vcpus < MAX_VCPUS ? m->host.max_vcpus : MAX_VCPUS,
			  m->host.max_vcpus, MAX_VCPUS);
		goto out;
	}
	if (build_cpu_model(m))
		goto out;
	if (console_open(&m->console, cfg))
		goto out;
	if (setup_events(m)) {
		log_error("setting up the event loop: %s", strerror(errno));
		goto out;
	}
	cmos_init(&m->cmos);
	vcpu_signals_init();
	m->env = (struct vm_env){
		.cfg = cfg, .host = &m->host, .cpuid = m->cpuid, .format = m->format,
		.kernel = &m->kernel, .multiboot = &m->multiboot, .kernel_file = &m->kernel_file,
		.initrd_file = cfg->initrd_path && m->format == KERNEL_BZIMAGE ? &m->initrd_file : NULL,
		.modules = m->modules, .nr_modules = m->nr_modules,
		.multiboot_cmdline = m->multiboot_cmdline,
		.cmos = &m->cmos, .uart_ops = &console_uart_ops, .uart_ctx = m,
		.wake_fd = m->wake_h.fd, .loop = &m->loop,
		.disks = m->disks, .nr_disks = m->nr_disks, .nets = m->nets,
	};
	if (machine_api_open(m))
		goto out;
	for (;;) {
		bool restart;

		reason = run_instance(m);
		boots++;
		restart = reason == VM_RESET && !cfg->no_reboot;
		machine_api_instance_ended(m, reason, restart);
		if (!restart)
			break;
		log_info("guest reset: starting it again (boot %u)", boots + 1);
	}
	switch (reason) {
	case VM_FATAL: status = 2; break;
	case VM_DEBUG_EXIT: status = m->exit_status; break;
	case VM_SETUP_ERROR: status = 1; break;
	default: status = 0; break;
	}
out:
	teardown(m);
	free(m->cpuid);
	free(m->multiboot_cmdline);
	free(m);
	return status;
}
