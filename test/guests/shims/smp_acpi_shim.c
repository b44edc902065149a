/* smp_acpi_shim.efi: test tool for the SMP Linux test. OVMF under Bochs
 * installs no ACPI tables, and an OS finds its application processors in
 * the ACPI MADT, so this app installs a minimal ACPI 6 set for Bochs's
 * i440FX/PIIX4 machine first, then starts \EFI\hv\hv.efi, whose guest is
 * the Linux kernel (\EFI\hv\hv.cfg):
 *   RSDP 2.0 -> XSDT -> FADT (PIIX4 PM block at OVMF's PMBA 0xb000, SCI 9,
 *                             ACPI already enabled: no SMI command port)
 *                    -> DSDT (empty: no AML), FACS
 *                    -> MADT (one local APIC per CPU the firmware knows,
 *                             the I/O APIC, IRQ0 -> GSI 2, SCI level)
 * The tables live in EfiACPIReclaimMemory, which the OS keeps until it has
 * read them. Test tool: the values are Bochs's, never a real machine's. */
#include <efi.h>
#include <efilib.h>

#include "../../../boot/uefi/efi_mp_services.h"
#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"
#include "acpi_bytes.h"
#include "shim_start.h"

#include <hv/cpu.h>

#define PMBA 0xb000u        /* OvmfPkg's PIIX4 PM base */
#define IOAPIC_BASE 0xfec00000u
#define MAX_CPUS 8

static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t revision)
{
	for (int i = 0; i < 4; i++)
		t[i] = (uint8_t)sig[i];
	put32(t + 4, len);
	t[8] = revision;
	const char *oem = "HVTEST";
	for (int i = 0; i < 6; i++)
		t[10 + i] = (uint8_t)oem[i];
}

/* A Generic Address Structure in I/O space (ACPI 6 §5.2.3.2). */
static void gas_io(uint8_t *g, uint8_t bits, uint16_t port)
{
	g[0] = 1;
	g[1] = bits;
	g[3] = bits == 32 ? 3 : bits == 16 ? 2 : 1;
	put64(g + 4, port);
}

/* The APIC IDs of the processors, from MP services (nothing runs on the
 * APs for it). */
static unsigned apic_ids(uint32_t *ids)
{
	static EFI_GUID mp_guid = MP_SERVICES_GUID;
	MP_SERVICES *mp = NULL;
	UINTN all = 0, enabled = 0;
	if (EFI_ERROR(LibLocateProtocol(&mp_guid, (void **)&mp)) ||
	    EFI_ERROR(uefi_call_wrapper(mp->GetNumberOfProcessors, 3, mp, &all, &enabled))) {
		ids[0] = cpuid(1).ebx >> 24;
		return 1;
	}
	unsigned n = 0;
	for (UINTN i = 0; i < all && n < MAX_CPUS; i++) {
		MP_PROCESSOR_INFORMATION info;
		if (!EFI_ERROR(uefi_call_wrapper(mp->GetProcessorInfo, 3, mp, i, &info)))
			ids[n++] = (uint32_t)info.ProcessorId;
	}
	return n;
}

static void *build_tables(uint8_t *t, unsigned *ncpus)
{
	uint8_t *rsdp = t, *xsdt = t + 64, *fadt = t + 256, *dsdt = t + 576, *madt = t + 640, *facs = t + 960;
	uint32_t ids[MAX_CPUS];
	unsigned n = apic_ids(ids);
	*ncpus = n;

	header(dsdt, "DSDT", 36, 2);
	checksum(dsdt, 36, 9);

	for (int i = 0; i < 4; i++) /* FACS: 64 bytes, 64-byte aligned, no checksum */
		facs[i] = (uint8_t)"FACS"[i];
	put32(facs + 4, 64);
	facs[32] = 2;

	header(fadt, "FACP", 276, 6);
	put32(fadt + 36, (uint32_t)(uintptr_t)facs);
	put32(fadt + 40, (uint32_t)(uintptr_t)dsdt);
	put16(fadt + 46, 9);                  /* SCI_INT */
	put32(fadt + 56, PMBA);               /* PM1a_EVT_BLK */
	put32(fadt + 64, PMBA + 4);           /* PM1a_CNT_BLK */
	put32(fadt + 76, PMBA + 8);           /* PM_TMR_BLK */
	put32(fadt + 80, PMBA + 0x0c);        /* GPE0_BLK */
	fadt[88] = 4, fadt[89] = 2, fadt[91] = 4, fadt[92] = 4; /* PM1_EVT, PM1_CNT, PM_TMR, GPE0 lengths */
	put16(fadt + 109, 1u << 1);           /* IAPC_BOOT_ARCH: 8042 present */
	put32(fadt + 112, (1u << 0) | (1u << 4)); /* WBINVD, PROC_C1 */
	fadt[131] = 0;                        /* minor revision */
	put64(fadt + 132, (uint64_t)(uintptr_t)facs);
	put64(fadt + 140, (uint64_t)(uintptr_t)dsdt);
	gas_io(fadt + 148, 32, PMBA);          /* X_PM1a_EVT_BLK */
	gas_io(fadt + 172, 16, PMBA + 4);      /* X_PM1a_CNT_BLK */
	gas_io(fadt + 208, 32, PMBA + 8);      /* X_PM_TMR_BLK */
	gas_io(fadt + 220, 32, PMBA + 0x0c);   /* X_GPE0_BLK */
	checksum(fadt, 276, 9);

	unsigned len = 44;
	put32(madt + 36, 0xfee00000u);
	put32(madt + 40, 1);                  /* PCAT_COMPAT: 8259s present */
	for (unsigned i = 0; i < n; i++, len += 8) {
		uint8_t *e = madt + len;          /* Processor Local APIC */
		e[0] = 0, e[1] = 8, e[2] = (uint8_t)i, e[3] = (uint8_t)ids[i];
		put32(e + 4, 1);                  /* enabled */
	}
	uint8_t *io = madt + len;             /* I/O APIC: ID = CPUs, as Bochs numbers it */
	io[0] = 1, io[1] = 12, io[2] = (uint8_t)n, io[3] = 0;
	put32(io + 4, IOAPIC_BASE);
	put32(io + 8, 0);
	len += 12;
	uint8_t *iso = madt + len;            /* IRQ0 (PIT) -> GSI 2 */
	iso[0] = 2, iso[1] = 10, iso[2] = 0, iso[3] = 0;
	put32(iso + 4, 2);
	put16(iso + 8, 0);
	len += 10;
	iso = madt + len;                     /* IRQ9 (SCI): level, active high */
	iso[0] = 2, iso[1] = 10, iso[2] = 0, iso[3] = 9;
	put32(iso + 4, 9);
	put16(iso + 8, 0x000d);
	len += 10;
	header(madt, "APIC", len, 4);
	checksum(madt, len, 9);

	header(xsdt, "XSDT", 36 + 16, 1);
	put64(xsdt + 36, (uint64_t)(uintptr_t)fadt);
	put64(xsdt + 44, (uint64_t)(uintptr_t)madt);
	checksum(xsdt, 52, 9);
	acpi_rsdp(rsdp, xsdt);
	return rsdp;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	EFI_PHYSICAL_ADDRESS page = 0;
	EFI_STATUS s = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiACPIReclaimMemory, 1, &page);
	if (EFI_ERROR(s)) {
		log_raw("smp_acpi_shim: AllocatePages failed (%lu)\n", (unsigned long)s);
		return s;
	}
	uint8_t *t = (uint8_t *)(uintptr_t)page;
	for (unsigned i = 0; i < 4096; i++)
		t[i] = 0;
	unsigned ncpus;
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	s = uefi_call_wrapper(BS->InstallConfigurationTable, 2, &acpi20, build_tables(t, &ncpus));
	log_raw("smp_acpi_shim: ACPI 2.0 tables installed (%lu): FADT, empty DSDT, MADT with %u local APICs\n",
		(unsigned long)s, ncpus);
	s = shim_start_hv(image);
	log_raw("smp_acpi_shim: hv.efi returned %lu\n", (unsigned long)s);
	return s;
}
