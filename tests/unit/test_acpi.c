#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/acpi.h"
#include "kvm/layout.h"

#define BASE 0xe0000ull
static uint8_t blob[0x20000];

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Host pointer of a table at gpa, after checking its checksum and signature. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
	const uint8_t *t;

	assert_true(gpa >= BASE && gpa < BASE + sizeof(blob));
	t = blob + (gpa - BASE);
	assert_memory_equal(t, sig, 4);
	assert_true(rd32(t + 4) >= 36);
	assert_int_equal(acpi_checksum(t, rd32(t + 4)), 0);
	return t;
}

static const uint8_t *build(unsigned cpus)
{
	struct acpi_config cfg = { .cpus = cpus };
	uint64_t rsdp_gpa = 0;
	const struct acpi_rsdp *rsdp;

	memset(blob, 0xcc, sizeof(blob));
	assert_true(acpi_build(blob, sizeof(blob), BASE, &cfg, &rsdp_gpa) > 0);
	assert_int_equal(rsdp_gpa, BASE);
	rsdp = (const struct acpi_rsdp *)blob;
	assert_memory_equal(rsdp->signature, "RSD PTR ", 8);
	assert_int_equal(rsdp->revision, 2);
	assert_int_equal(acpi_checksum(rsdp, 20), 0);
	assert_int_equal(acpi_checksum(rsdp, sizeof(*rsdp)), 0);
	return table(rsdp->xsdt_address, "XSDT");
}

static void tables_chain_and_checksum(void **state)
{
	const uint8_t *xsdt = build(1);
	const uint8_t *fadt, *dsdt, *facs;
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12 };

	const uint8_t *mcfg;

	assert_int_equal(rd32(xsdt + 4), 36 + 3 * 8);
	fadt = table(rd64(xsdt + 36), "FACP");
	table(rd64(xsdt + 44), "APIC");
	/* MCFG: one ECAM window, segment 0, buses 0-255 */
	mcfg = table(rd64(xsdt + 52), "MCFG");
	assert_int_equal(rd32(mcfg + 4), 36 + 8 + 16);
	assert_int_equal(rd64(mcfg + 44), PCI_ECAM_GPA);
	assert_int_equal(mcfg[44 + 8] | mcfg[44 + 9] << 8, 0);     /* segment */
	assert_int_equal(mcfg[44 + 10], 0);                         /* start bus */
	assert_int_equal(mcfg[44 + 11], 0xff);                      /* end bus */

	/* FADT fields at their ACPI 6 offsets */
	assert_int_equal(rd32(fadt + 4), 276);
	assert_int_equal(fadt[8], 6);                           /* revision */
	assert_int_equal(rd32(fadt + 40), rd64(fadt + 140));    /* DSDT == X_DSDT */
	assert_int_equal(rd32(fadt + 36), rd64(fadt + 132));    /* FACS == X_FACS */
	assert_int_equal(fadt[46], 9);                          /* SCI_INT */
	assert_int_equal(rd32(fadt + 48), 0);                   /* SMI_CMD: ACPI mode */
	assert_int_equal(rd32(fadt + 56), 0x600);               /* PM1a_EVT_BLK */
	assert_int_equal(rd32(fadt + 64), 0x604);               /* PM1a_CNT_BLK */
	assert_int_equal(fadt[88], 4);
	assert_int_equal(fadt[89], 2);
	assert_int_equal(rd32(fadt + 76), 0x608);               /* PM_TMR_BLK */
	assert_int_equal(fadt[91], 4);
	assert_false(rd32(fadt + 112) & (1u << 8));             /* 24-bit timer */
	assert_int_equal(rd64(fadt + 212), 0x608);              /* X_PM_TMR_BLK */
	assert_false(rd32(fadt + 112) & (1u << 20));            /* not HW_REDUCED */
	assert_int_equal(fadt[109] & 0x7, 0x5);                 /* legacy devs, no 8042, no VGA */
	assert_int_equal(fadt[148], 1);                         /* X_PM1a_EVT in I/O space */
	assert_int_equal(rd64(fadt + 152), 0x600);
	assert_int_equal(rd64(fadt + 176), 0x604);

	facs = blob + (rd32(fadt + 36) - BASE);
	assert_int_equal(rd32(fadt + 36) % 64, 0);
	assert_memory_equal(facs, "FACS", 4);
	assert_int_equal(rd32(facs + 4), 64);

	dsdt = table(rd64(fadt + 140), "DSDT");
	assert_memory_equal(dsdt + 36, s5, sizeof(s5));
	assert_int_equal(dsdt[36 + 9], ACPI_S5_SLP_TYP);         /* SLP_TYPa */
}

/* AML PkgLength at p: sets *len (which counts its own bytes), returns its size. */
static unsigned pkglength(const uint8_t *p, size_t *len)
{
	unsigned extra = p[0] >> 6;

	*len = extra ? p[0] & 0xf : p[0] & 0x3f;
	for (unsigned i = 0; i < extra; i++)
		*len |= (size_t)p[1 + i] << (4 + 8 * i);
	return 1 + extra;
}

/* The PCI root bridge: Scope (\_SB) { Device (PCI0) { _HID, _UID, _CRS,
 * _PRT }, Device (MRES) {...} }, the scope's PkgLength ending exactly where
 * the table ends, a _CRS whose descriptors add up to its buffer and end
 * with an end tag, then the interrupt routing of every slot. */
static void dsdt_describes_the_pci_root_bridge(void **state)
{
	const uint8_t *xsdt = build(1);
	const uint8_t *fadt = table(rd64(xsdt + 36), "FACP");
	const uint8_t *dsdt = table(rd64(fadt + 140), "DSDT");
	const uint8_t *end = dsdt + rd32(dsdt + 4), *p = dsdt + 36 + 14, *crs, *crs_end, *pci0_end;
	static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
	unsigned bus = 0, io = 0, mem32 = 0, mem64 = 0;
	size_t len;

	assert_int_equal(*p++, 0x10);                           /* ScopeOp */
	assert_ptr_equal(p + (pkglength(p, &len), len), end);
	p += pkglength(p, &len);
	assert_memory_equal(p, "\\_SB_", 5);
	p += 5;
	assert_int_equal(p[0], 0x5b);                           /* DeviceOp */
	assert_int_equal(p[1], 0x82);
	p += 2;
	pci0_end = p + (pkglength(p, &len), len);
	assert_true(pci0_end < end);
	p += pkglength(p, &len);
	assert_memory_equal(p, "PCI0", 4);
	p += 4;
	assert_memory_equal(p, hid, sizeof(hid));               /* EisaId ("PNP0A03") */
	p += sizeof(hid);
	assert_memory_equal(p, "\x08_UID\x00", 6);
	p += 6;
	assert_memory_equal(p, "\x08_CRS\x11", 6);             /* Name (_CRS, Buffer ...) */
	p += 6;
	crs_end = p + (pkglength(p, &len), len);
	assert_true(crs_end < pci0_end);
	p += pkglength(p, &len);
	assert_int_equal(*p, 0x0a);                              /* BytePrefix size */
	assert_int_equal(p[1], crs_end - (p + 2));
	for (crs = p + 2; crs < crs_end && crs[0] != 0x79; ) {
		if (crs[0] & 0x80) {                            /* large descriptor */
			size_t n = crs[1] | crs[2] << 8;

			bus += crs[0] == 0x88 && crs[3] == 2;
			io += crs[0] == 0x88 && crs[3] == 1;
			mem32 += crs[0] == 0x87 && crs[3] == 0;
			mem64 += crs[0] == 0x8a && crs[3] == 0;
			crs += 3 + n;
		} else {
			crs += 1 + (crs[0] & 7);
		}
	}
	assert_ptr_equal(crs + 2, crs_end);                     /* end tag, then nothing */
	assert_int_equal(bus, 1);
	assert_int_equal(io, 2);
	assert_int_equal(mem32, 1);
	assert_int_equal(mem64, 1);

	/* Name (_PRT, Package (32) { Package (4) { 0xSSSSFFFF, 0, 0, GSI }, ... }) */
	p = crs_end;
	assert_memory_equal(p, "\x08_PRT\x12", 6);
	p += 6;
	assert_ptr_equal(p + (pkglength(p, &len), len), pci0_end);
	p += pkglength(p, &len);
	assert_int_equal(*p++, 32);
	for (unsigned slot = 0; slot < 32; slot++) {
		assert_int_equal(*p++, 0x12);
		p += pkglength(p, &len);
		assert_int_equal(*p++, 4);
		if (slot == 0) {                                /* 0xffff: WordPrefix */
			assert_int_equal(*p++, 0x0b);
			assert_int_equal(p[0] | p[1] << 8, 0xffff);
			p += 2;
		} else {
			assert_int_equal(*p++, 0x0c);           /* DWordPrefix */
			assert_int_equal(rd32(p), slot << 16 | 0xffff);
			p += 4;
		}
		assert_int_equal(*p++, 0x00);                   /* INTA */
		assert_int_equal(*p++, 0x00);                   /* a GSI, no link device */
		assert_int_equal(*p++, 0x0a);
		assert_int_equal(*p++, PCI_INTX_GSI(slot));
	}
	assert_ptr_equal(p, pci0_end);
	/* then the motherboard resources: ECAM, as Memory32Fixed */
	assert_int_equal(p[0], 0x5b);
	assert_int_equal(p[1], 0x82);
	p += 2;
	assert_ptr_equal(p + (pkglength(p, &len), len), end);
	p += pkglength(p, &len);
	assert_memory_equal(p, "MRES", 4);
	assert_non_null(memmem(p, (size_t)(end - p), "\x86\x09\x00\x01\x00\x00\x00\xe0\x00\x00\x00\x10", 12));
}

static void madt_lists_every_cpu(void **state)
{
	const unsigned cpus = 5;
	const uint8_t *xsdt = build(cpus);
	const uint8_t *madt = table(rd64(xsdt + 44), "APIC");
	const uint8_t *p = madt + 44, *end = madt + rd32(madt + 4);
	unsigned lapics = 0, ioapics = 0, overrides = 0, nmis = 0;

	assert_int_equal(rd32(madt + 36), 0xfee00000);
	assert_int_equal(rd32(madt + 40) & 1, 1);       /* PC-AT compatible PICs */
	while (p < end) {
		assert_true(p[1] >= 2 && p + p[1] <= end);
		switch (p[0]) {
		case 0:
			assert_int_equal(p[2], lapics);         /* processor uid */
			assert_int_equal(p[3], lapics);         /* APIC ID */
			assert_int_equal(rd32(p + 4), 1);       /* enabled */
			lapics++;
			break;
		case 1:
			assert_int_equal(p[2], cpus);           /* IOAPIC ID after the CPUs */
			assert_int_equal(rd32(p + 4), 0xfec00000);
			assert_int_equal(rd32(p + 8), 0);
			ioapics++;
			break;
		case 2:
			if (p[3] == 0)
				assert_int_equal(rd32(p + 4), 2);       /* PIT on pin 2 */
			else
				assert_int_equal(p[3], 9);              /* SCI */
			overrides++;
			break;
		case 4:
			assert_int_equal(p[5], 1);                      /* LINT1 */
			nmis++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", p[0]);
		}
		p += p[1];
	}
	assert_ptr_equal(p, end);
	assert_int_equal(lapics, cpus);
	assert_int_equal(ioapics, 1);
	assert_int_equal(overrides, 2);
	assert_int_equal(nmis, 1);
}

static void too_small_buffer_fails(void **state)
{
	struct acpi_config cfg = { .cpus = 255 };
	uint64_t rsdp_gpa;

	assert_int_equal(acpi_build(blob, 300, BASE, &cfg, &rsdp_gpa), -1);
	assert_true(acpi_build(blob, sizeof(blob), BASE, &cfg, &rsdp_gpa) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_chain_and_checksum),
		cmocka_unit_test(dsdt_describes_the_pci_root_bridge),
		cmocka_unit_test(madt_lists_every_cpu),
		cmocka_unit_test(too_small_buffer_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
