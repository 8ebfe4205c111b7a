#include "migrate/vcpu_state.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <asm/kvm_para.h>
#include <linux/kvm.h>

#include "base/le_bytes.h"
#include "kvm/kvm_clock.h"

#define KVM_XSAVE_BYTES 4096    /* struct kvm_xsave without KVM_CAP_XSAVE2 */

enum part { P_REGS = 1, P_SREGS, P_XSAVE, P_XCRS, P_DEBUGREGS, P_LAPIC, P_EVENTS, P_MPSTATE,
	    P_MSRS };

void blob_free(struct blob *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static void blob_put(struct blob *b, const void *data, size_t len)
{
	if (b->error)
		return;
	if (b->len + len > b->cap) {
		size_t cap = (b->len + len) * 2;
		uint8_t *p = realloc(b->data, cap);

		if (!p) {
			b->error = -ENOMEM;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

/* u32 tag, u32 length, the bytes */
static void put_part(struct blob *b, uint32_t tag, const void *data, uint32_t len)
{
	uint8_t h[8];

	le_put(h, tag, 4);
	le_put(h + 4, len, 4);
	blob_put(b, h, 8);
	blob_put(b, data, len);
}

int msr_list_get(int kvm_fd, struct msr_list *l)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;

	memset(l, 0, sizeof(*l));
	if (ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG)
		return -errno;
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(uint32_t));
	if (!list)
		return -ENOMEM;
	list->nmsrs = probe.nmsrs;
	if (ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
		free(list);
		return -errno;
	}
	l->index = malloc(list->nmsrs * sizeof(uint32_t));
	if (!l->index) {
		free(list);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < list->nmsrs; i++)
		if (list->indices[i] != MSR_IA32_TSC)  /* the clock transfer's business */
			l->index[l->n++] = list->indices[i];
	free(list);
	return 0;
}

void msr_list_free(struct msr_list *l)
{
	free(l->index);
	memset(l, 0, sizeof(*l));
}

/* Every listed MSR this vCPU has: KVM_GET_MSRS stops at the first it does
 * not know, so read in one go and fall back to one at a time. */
static int save_msrs(int fd, const struct msr_list *l, struct blob *b)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + l->n * sizeof(struct kvm_msr_entry));
	unsigned have = 0;
	int r;

	if (!m)
		return -ENOMEM;
	m->nmsrs = l->n;
	for (unsigned i = 0; i < l->n; i++)
		m->entries[i].index = l->index[i];
	r = ioctl(fd, KVM_GET_MSRS, m);
	if (r == (int)l->n) {
		have = l->n;
	} else {
		for (unsigned i = 0; i < l->n; i++) {
			uint64_t v;

			if (kvm_vcpu_get_msr(fd, l->index[i], &v) == 0)
				m->entries[have++] = (struct kvm_msr_entry){ .index = l->index[i],
									     .data = v };
		}
	}
	put_part(b, P_MSRS, m->entries, (uint32_t)(have * sizeof(struct kvm_msr_entry)));
	free(m);
	return 0;
}

int vcpu_state_save(int fd, int kvm_fd, const struct msr_list *msrs, struct blob *b,
		    const char **what)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
	struct kvm_debugregs dbg;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	int xsave_bytes = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	void *xsave;

#define GET(req, obj, name) do { \
		if (ioctl(fd, req, obj) < 0) { *what = name; return -errno; } \
	} while (0)
	GET(KVM_GET_REGS, &regs, "KVM_GET_REGS");
	GET(KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	GET(KVM_GET_XCRS, &xcrs, "KVM_GET_XCRS");
	GET(KVM_GET_DEBUGREGS, &dbg, "KVM_GET_DEBUGREGS");
	GET(KVM_GET_LAPIC, &lapic, "KVM_GET_LAPIC");
	GET(KVM_GET_VCPU_EVENTS, &events, "KVM_GET_VCPU_EVENTS");
	GET(KVM_GET_MP_STATE, &mp, "KVM_GET_MP_STATE");
	put_part(b, P_REGS, &regs, sizeof(regs));
	put_part(b, P_SREGS, &sregs, sizeof(sregs));
	put_part(b, P_XCRS, &xcrs, sizeof(xcrs));
	put_part(b, P_DEBUGREGS, &dbg, sizeof(dbg));
	put_part(b, P_LAPIC, &lapic, sizeof(lapic));
	put_part(b, P_EVENTS, &events, sizeof(events));
	put_part(b, P_MPSTATE, &mp, sizeof(mp));
	/* XSAVE2 gives the size of all enabled state (AMX included) */
	if (xsave_bytes < KVM_XSAVE_BYTES)
		xsave_bytes = KVM_XSAVE_BYTES;
	xsave = calloc(1, (size_t)xsave_bytes);
	if (!xsave)
		return -ENOMEM;
	if (ioctl(fd, xsave_bytes > KVM_XSAVE_BYTES ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, xsave) < 0) {
		free(xsave);
		*what = "KVM_GET_XSAVE";
		return -errno;
	}
	put_part(b, P_XSAVE, xsave, (uint32_t)xsave_bytes);
	free(xsave);
#undef GET
	if (save_msrs(fd, msrs, b)) {
		*what = "KVM_GET_MSRS";
		return -ENOMEM;
	}
	*what = "memory";
	return b->error;
}

/* A write of the wall clock MSR is an order, not a state: KVM writes a
 * new pvclock_wall_clock (version + 2, seconds recomputed) into guest RAM
 * right then, from the thread that loads, so the destination's RAM would
 * no longer be the source's. The guest reads that structure only after
 * writing the MSR itself (at boot and resume), so it is not carried. */
static bool msr_is_an_order(uint32_t index)
{
	return index == MSR_KVM_WALL_CLOCK || index == MSR_KVM_WALL_CLOCK_NEW;
}

unsigned vcpu_msrs_to_load(const uint8_t *p, uint32_t len, bool deadline_only,
			   struct kvm_msr_entry *out)
{
	unsigned total = len / sizeof(struct kvm_msr_entry), n = 0;

	for (unsigned i = 0; i < total; i++) {
		struct kvm_msr_entry e;

		memcpy(&e, p + i * sizeof(e), sizeof(e));
		if (msr_is_an_order(e.index))
			continue;
		if ((e.index == MSR_IA32_TSC_DEADLINE) == deadline_only)
			out[n++] = e;
	}
	return n;
}

/* Writes the MSRs, one at a time where the batch stops, to name the one
 * this host refuses. */
static int load_msrs(int fd, const uint8_t *p, uint32_t len, bool deadline_only, char *err,
		     int err_len)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + len + sizeof(struct kvm_msr_entry));
	unsigned n, done;
	int r = 0;

	if (!m)
		return -1;
	n = vcpu_msrs_to_load(p, len, deadline_only, m->entries);
	m->nmsrs = n;
	r = ioctl(fd, KVM_SET_MSRS, m);
	done = r < 0 ? 0 : (unsigned)r;
	r = 0;
	if (done != n) {
		for (unsigned i = 0; i < n; i++) {
			if (kvm_vcpu_set_msr(fd, m->entries[i].index, m->entries[i].data)) {
				snprintf(err, err_len, "MSR 0x%x = 0x%llx cannot be set here",
					 m->entries[i].index, (unsigned long long)m->entries[i].data);
				r = -1;
				break;
			}
		}
	}
	free(m);
	return r;
}

int vcpu_state_load(int fd, const uint8_t *data, size_t len, char *err, int err_len)
{
	/* QEMU's order: the LAPIC after the MSRs, events, then the MP state,
	 * and TSC_DEADLINE last: setting the LAPIC disarms its timer, and the
	 * deadline only counts once the LAPIC is in TSC-deadline mode. */
	static const struct { uint32_t tag; unsigned long req; uint32_t bytes; const char *name; } parts[] = {
		{ P_XSAVE, KVM_SET_XSAVE, 0, "KVM_SET_XSAVE" },
		{ P_XCRS, KVM_SET_XCRS, sizeof(struct kvm_xcrs), "KVM_SET_XCRS" },
		{ P_SREGS, KVM_SET_SREGS, sizeof(struct kvm_sregs), "KVM_SET_SREGS" },
		{ P_REGS, KVM_SET_REGS, sizeof(struct kvm_regs), "KVM_SET_REGS" },
		{ P_MSRS, 0, 0, "KVM_SET_MSRS" },
		{ P_LAPIC, KVM_SET_LAPIC, sizeof(struct kvm_lapic_state), "KVM_SET_LAPIC" },
		{ P_EVENTS, KVM_SET_VCPU_EVENTS, sizeof(struct kvm_vcpu_events), "KVM_SET_VCPU_EVENTS" },
		{ P_MPSTATE, KVM_SET_MP_STATE, sizeof(struct kvm_mp_state), "KVM_SET_MP_STATE" },
		{ P_DEBUGREGS, KVM_SET_DEBUGREGS, sizeof(struct kvm_debugregs), "KVM_SET_DEBUGREGS" },
	};
	const uint8_t *msrs = NULL;
	uint32_t msrs_len = 0;

	for (size_t k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
		const uint8_t *p = data, *end = data + len, *found = NULL;
		uint32_t found_len = 0;

		while (end - p >= 8) {
			uint32_t tag = (uint32_t)le_get(p, 4), n = (uint32_t)le_get(p + 4, 4);

			if (n > (size_t)(end - p - 8)) {
				snprintf(err, err_len, "vCPU state: part %u overruns its section", tag);
				return -1;
			}
			if (tag == parts[k].tag) {
				found = p + 8;
				found_len = n;
			}
			p += 8 + n;
		}
		if (!found || (parts[k].bytes && found_len != parts[k].bytes) ||
		    (parts[k].tag == P_XSAVE && found_len < KVM_XSAVE_BYTES)) {
			snprintf(err, err_len, "vCPU state: %s part missing or of the wrong size",
				 parts[k].name);
			return -1;
		}
		if (parts[k].tag == P_MSRS) {
			if (load_msrs(fd, found, found_len, false, err, err_len))
				return -1;
			msrs = found;
			msrs_len = found_len;
			continue;
		}
		/* an aligned copy: the blob's bytes may sit anywhere */
		void *obj = malloc(found_len);

		if (!obj)
			return -1;
		memcpy(obj, found, found_len);
		if (ioctl(fd, parts[k].req, obj) < 0) {
			snprintf(err, err_len, "%s: %s", parts[k].name, strerror(errno));
			free(obj);
			return -1;
		}
		free(obj);
	}
	return load_msrs(fd, msrs, msrs_len, true, err, err_len);
}
