#include "boot/acpi.h"


#include <stddef.h>
#include <string.h>

#include "boot/aml.h"
#include "kvm/layout.h"

#define OEM_ID "MRDIAN"
#define OEM_TABLE_ID "MERIDIAN"

/* Generic Address Structure */
struct acpi_gas {
	uint8_t space_id;       /* 1: system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;    /* 1 byte, 2 word, 3 dword */
	uint64_t address;
} __attribute__((packed));

struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;       /* 0: always in ACPI mode */
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));

_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT flags offset");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT offset");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT size (revision 6)");

struct acpi_facs {
	char signature[4];
	uint32_t length;
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version;
	uint8_t reserved[3];
	uint32_t ospm_flags;
	uint8_t reserved2[24];
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_facs) == 64, "FACS size");

struct madt_lapic {
	uint8_t type, length, processor_uid, apic_id;
	uint32_t flags;
} __attribute__((packed));

struct madt_ioapic {
	uint8_t type, length, ioapic_id, reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));

struct madt_override {
	uint8_t type, length, bus, source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));

struct madt_lapic_nmi {
	uint8_t type, length, processor_uid;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

#define FADT_F_WBINVD           (1u << 0)
#define FADT_F_PROC_C1          (1u << 2)
#define FADT_F_SLP_BUTTON       (1u << 5)   /* no fixed sleep button */
#define FADT_F_TMR_VAL_EXT      (1u << 8)
#define BOOT_ARCH_LEGACY_DEVICES (1u << 0)
#define BOOT_ARCH_NO_VGA        (1u << 2)
#define MADT_PCAT_COMPAT        1u
#define MPS_INTI_ACTIVE_HIGH    0x1
#define MPS_INTI_LEVEL          0xc

#define DSDT_AML_MAX_BYTES 2048
#define PCI_PRT_SLOTS 32

/* The DSDT's definition block:
 *   Name (_S5, Package (4) { 5, 5, 0, 0 })      poweroff through PM1 (S5)
 *   Scope (\_SB) { Device (PCI0) {             the PCI root bridge
 *     _HID PNP0A03, _UID 0,
 *     _CRS: bus 0-255; config ports 0xCF8-0xCFF; I/O 0-0xCF7 and
 *           0xD00-0xFFFF; memory in the 32-bit hole below ECAM and
 *           the 64-bit window (layout.h),
 *     _PRT: INTA of every slot to its IOAPIC input (PCI_INTX_GSI) }
 *   Device (MRES) { _HID PNP0C02, _CRS: the ECAM window }   (Linux wants
 *     MCFG's area among the motherboard resources before it uses it) }
 * Returns the AML's length, or 0 when it does not fit. */
static void prt_build(struct aml *prt)
{
	for (unsigned slot = 0; slot < PCI_PRT_SLOTS; slot++) {
		uint8_t e_buf[24];
		struct aml e = { .buf = e_buf, .cap = sizeof(e_buf) };

		aml_int(&e, (uint64_t)slot << 16 | 0xffff);     /* any function of the slot */
		aml_int(&e, 0);                                 /* INTA */
		aml_int(&e, 0);                                 /* no link device: a GSI */
		aml_int(&e, PCI_INTX_GSI(slot));
		aml_package(prt, 4, &e);
	}
}

static size_t dsdt_build(uint8_t *out, size_t cap)
{
	static const uint8_t s5[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
		0x0a, ACPI_S5_SLP_TYP, 0x0a, ACPI_S5_SLP_TYP, 0x00, 0x00,
	};
	uint8_t crs_buf[160], pci0_buf[1024], sb_buf[1500], prt_buf[640], mres_buf[64], mcrs_buf[32];
	struct aml a = { .buf = out, .cap = cap };
	struct aml crs = { .buf = crs_buf, .cap = sizeof(crs_buf) };
	struct aml pci0 = { .buf = pci0_buf, .cap = sizeof(pci0_buf) };
	struct aml sb = { .buf = sb_buf, .cap = sizeof(sb_buf) };
	struct aml prt = { .buf = prt_buf, .cap = sizeof(prt_buf) };
	struct aml mres = { .buf = mres_buf, .cap = sizeof(mres_buf) };
	struct aml mcrs = { .buf = mcrs_buf, .cap = sizeof(mcrs_buf) };

	aml_res_bus_numbers(&crs, 0, 0xff);
	aml_res_io_fixed(&crs, 0xcf8, 8);
	aml_res_io_window(&crs, 0, 0xcf7);
	aml_res_io_window(&crs, 0xd00, 0xffff);
	aml_res_mem32_window(&crs, PCI_MMIO32_GPA, PCI_MMIO32_END - 1);
	aml_res_mem64_window(&crs, PCI_MMIO64_GPA, PCI_MMIO64_END - 1);
	aml_res_end(&crs);
	aml_name_eisaid(&pci0, "_HID", "PNP0A03");
	aml_name_int(&pci0, "_UID", 0);
	aml_name_buffer(&pci0, "_CRS", &crs);
	prt_build(&prt);
	aml_name_package(&pci0, "_PRT", PCI_PRT_SLOTS, &prt);
	aml_device(&sb, "PCI0", &pci0);
	aml_res_mem32_fixed(&mcrs, PCI_ECAM_GPA, PCI_ECAM_END - PCI_ECAM_GPA);
	aml_res_end(&mcrs);
	aml_name_eisaid(&mres, "_HID", "PNP0C02");
	aml_name_int(&mres, "_UID", 1);
	aml_name_buffer(&mres, "_CRS", &mcrs);
	aml_device(&sb, "MRES", &mres);
	aml_bytes(&a, s5, sizeof(s5));
	aml_scope_root(&a, "_SB_", &sb);
	return a.overflow || sb.overflow || pci0.overflow || prt.overflow || mres.overflow ? 0 : a.len;
}

uint8_t acpi_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

struct table_buf {
	uint8_t *buf;
	size_t size, used;
	uint64_t base_gpa;
	int overflow;
};

/* Reserves len bytes at the given alignment; returns the host pointer. */
static void *tb_alloc(struct table_buf *tb, size_t len, size_t align, uint64_t *gpa)
{
	size_t off = (tb->used + align - 1) & ~(align - 1);

	if (off + len > tb->size) {
		tb->overflow = 1;
		return NULL;
	}
	tb->used = off + len;
	memset(tb->buf + off, 0, len);
	*gpa = tb->base_gpa + off;
	return tb->buf + off;
}

static void header_init(struct acpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "MRDN", 4);
	h->creator_revision = 1;
}

static void header_finish(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = (uint8_t)-acpi_checksum(h, h->length);
}

static struct acpi_gas io_gas(uint16_t port, uint8_t bits)
{
	return (struct acpi_gas){
		.space_id = 1, .bit_width = bits,
		.access_size = bits == 8 ? 1 : bits == 16 ? 2 : 3, .address = port };
}

static void fadt_fill(struct acpi_fadt *f, uint64_t facs_gpa, uint64_t dsdt_gpa)
{
	header_init(&f->h, "FACP", sizeof(*f), 6);
	f->firmware_ctrl = (uint32_t)facs_gpa;
	f->x_firmware_ctrl = facs_gpa;
	f->dsdt = (uint32_t)dsdt_gpa;
	f->x_dsdt = dsdt_gpa;
	f->sci_int = ACPI_SCI_IRQ;
	f->pm1a_evt_blk = PORT_ACPI_PM1_EVT;
	f->pm1a_cnt_blk = PORT_ACPI_PM1_CNT;
	f->pm1_evt_len = 4;
	f->pm1_cnt_len = 2;
	/* The PM timer gives a guest without kvm-clock (kvm=off) a usable
	 * clocksource (acpi_pm) instead of jiffies. */
	f->pm_tmr_blk = PORT_ACPI_PM_TMR;
	f->pm_tmr_len = 4;
	f->x_pm_tmr_blk = io_gas(PORT_ACPI_PM_TMR, 32);
	f->x_pm1a_evt_blk = io_gas(PORT_ACPI_PM1_EVT, 32);
	f->x_pm1a_cnt_blk = io_gas(PORT_ACPI_PM1_CNT, 16);
	f->p_lvl2_lat = 101;    /* > 100: C2 not supported */
	f->p_lvl3_lat = 1001;   /* > 1000: C3 not supported */
	/* No 8042 bit: there is no keyboard, and a Linux that probes for one
	 * waits for its timeouts. The reset command on port 0x64 works anyway. */
	f->iapc_boot_arch = BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_NO_VGA;
	f->flags = FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON;
	f->century = 0x32;      /* CMOS register holding the century */
	header_finish(&f->h);
}

static struct acpi_header *madt_build(struct table_buf *tb, const struct acpi_config *cfg,
				      uint64_t *gpa)
{
	size_t len = sizeof(struct acpi_header) + 8 +
		     cfg->cpus * sizeof(struct madt_lapic) + sizeof(struct madt_ioapic) +
		     2 * sizeof(struct madt_override) + sizeof(struct madt_lapic_nmi);
	uint8_t *t = tb_alloc(tb, len, 8, gpa);
	uint8_t *p;
	uint32_t lapic_addr = LAPIC_GPA, flags = MADT_PCAT_COMPAT;

	if (!t)
		return NULL;
	header_init((struct acpi_header *)t, "APIC", len, 5);
	p = t + sizeof(struct acpi_header);
	memcpy(p, &lapic_addr, 4);
	memcpy(p + 4, &flags, 4);
	p += 8;
	for (unsigned i = 0; i < cfg->cpus; i++) {
		struct madt_lapic l = { .type = 0, .length = sizeof(l),
			.processor_uid = (uint8_t)i, .apic_id = (uint8_t)i, .flags = 1 };
		memcpy(p, &l, sizeof(l));
		p += sizeof(l);
	}
	struct madt_ioapic io = { .type = 1, .length = sizeof(io),
		.ioapic_id = (uint8_t)cfg->cpus, .address = IOAPIC_GPA, .gsi_base = 0 };
	memcpy(p, &io, sizeof(io));
	p += sizeof(io);
	/* The PIT (ISA IRQ 0) is wired to IOAPIC pin 2, as on a PC; the
	 * routing table in vm.c matches. The SCI is level, active high. */
	struct madt_override iso[2] = {
		{ .type = 2, .length = sizeof(iso[0]), .source = 0, .gsi = 2 },
		{ .type = 2, .length = sizeof(iso[0]), .source = ACPI_SCI_IRQ, .gsi = ACPI_SCI_IRQ,
		  .flags = MPS_INTI_ACTIVE_HIGH | MPS_INTI_LEVEL },
	};
	memcpy(p, iso, sizeof(iso));
	p += sizeof(iso);
	struct madt_lapic_nmi nmi = { .type = 4, .length = sizeof(nmi),
		.processor_uid = 0xff, .lint = 1 };
	memcpy(p, &nmi, sizeof(nmi));
	header_finish((struct acpi_header *)t);
	return (struct acpi_header *)t;
}

/* MCFG (PCI Firmware spec 3.2, 4.1.2): one ECAM window, segment 0, buses 0-255 */
static struct acpi_header *mcfg_build(struct table_buf *tb, uint64_t *gpa)
{
	size_t len = sizeof(struct acpi_header) + 8 + 16;
	uint8_t *t = tb_alloc(tb, len, 8, gpa), *e;
	uint64_t base = PCI_ECAM_GPA;

	if (!t)
		return NULL;
	header_init((struct acpi_header *)t, "MCFG", len, 1);
	e = t + sizeof(struct acpi_header) + 8;
	memcpy(e, &base, 8);            /* segment 0 and start bus 0 stay zero */
	e[11] = 0xff;                   /* end bus */
	header_finish((struct acpi_header *)t);
	return (struct acpi_header *)t;
}

long acpi_build(uint8_t *buf, size_t buf_bytes, uint64_t base_gpa,
		const struct acpi_config *cfg, uint64_t *rsdp_gpa)
{
	struct table_buf tb = { .buf = buf, .size = buf_bytes, .base_gpa = base_gpa };
	uint64_t rsdp_at = 0, xsdt_at = 0, fadt_at = 0, facs_at = 0, dsdt_at = 0, madt_at = 0;
	uint64_t mcfg_at = 0;
	struct acpi_rsdp *rsdp = tb_alloc(&tb, sizeof(*rsdp), 16, &rsdp_at);
	struct acpi_header *xsdt = tb_alloc(&tb, sizeof(*xsdt) + 3 * 8, 8, &xsdt_at);
	struct acpi_fadt *fadt = tb_alloc(&tb, sizeof(*fadt), 8, &fadt_at);
	struct acpi_facs *facs = tb_alloc(&tb, sizeof(*facs), 64, &facs_at);
	uint8_t aml[DSDT_AML_MAX_BYTES];
	size_t aml_bytes = dsdt_build(aml, sizeof(aml));
	struct acpi_header *dsdt = tb_alloc(&tb, sizeof(*dsdt) + aml_bytes, 8, &dsdt_at);
	struct acpi_header *madt = madt_build(&tb, cfg, &madt_at);
	struct acpi_header *mcfg = mcfg_build(&tb, &mcfg_at);
	uint64_t entries[3];

	if (tb.overflow || !aml_bytes || !madt || !mcfg)
		return -1;
	entries[0] = fadt_at;
	entries[1] = madt_at;
	entries[2] = mcfg_at;

	memcpy(facs->signature, "FACS", 4);
	facs->length = sizeof(*facs);
	facs->version = 2;

	header_init(dsdt, "DSDT", sizeof(*dsdt) + aml_bytes, 2);
	memcpy(dsdt + 1, aml, aml_bytes);
	header_finish(dsdt);

	fadt_fill(fadt, facs_at, dsdt_at);

	header_init(xsdt, "XSDT", sizeof(*xsdt) + sizeof(entries), 1);
	memcpy(xsdt + 1, entries, sizeof(entries));
	header_finish(xsdt);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = xsdt_at;
	rsdp->checksum = (uint8_t)-acpi_checksum(rsdp, 20);
	rsdp->extended_checksum = (uint8_t)-acpi_checksum(rsdp, sizeof(*rsdp));

	*rsdp_gpa = rsdp_at;
	return (long)tb.used;
}
