/* acpi_shim.efi: test tool for the ACPI power-off and reset intercepts.
 * OVMF under Bochs installs no ACPI tables, so this app installs a minimal
 * set first (RSDP 2.0 -> XSDT -> FADT with PM1a control at an unused port
 * and a reset register in I/O space), starts \EFI\hv\hv.efi (which
 * virtualizes this CPU and returns here, now a guest), then writes SLP_EN
 * with SLP_TYP=5 to PM1a and the reset value to the reset register. The
 * ports lead nowhere in Bochs; the hypervisor must notice both writes and
 * print its final statistics. Ends the run through Bochs's shutdown port.
 * Built a second time with ACPI_SHIM_MMIO_RESET (acpi_shim_mmio.efi): the
 * reset register is then a byte in system memory (a page of this image),
 * as some real FADTs have it; the guest's byte store there must be seen
 * and performed by the hypervisor (mmio_reset.c), and reads back.
 * Test tool: never for real machines. */
#include <efi.h>
#include <efilib.h>

#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"
#include "acpi_bytes.h"
#include "shim_start.h"

#include <hv/cpu.h>

#define PM1A_CONTROL 0x4004
#define RESET_PORT 0x4008
#define RESET_VALUE 0x77

static uint8_t tables[1024] __attribute__((aligned(16)));
#ifdef ACPI_SHIM_MMIO_RESET
static volatile uint8_t reset_page[4096] __attribute__((aligned(4096)));
#define RESET_OFFSET 0x10
#endif

static void header(uint8_t *t, const char *sig, uint32_t len)
{
	for (int i = 0; i < 4; i++)
		t[i] = (uint8_t)sig[i];
	put32(t + 4, len);
	t[8] = 2; /* revision */
}

/* RSDP at +0, XSDT at +64, FADT at +256 (ACPI 6.x §5.2.5, §5.2.8, §5.2.9). */
static void *build_tables(void)
{
	uint8_t *rsdp = tables, *xsdt = tables + 64, *fadt = tables + 256;
	header(fadt, "FACP", 276);
	put32(fadt + 64, PM1A_CONTROL);
	put32(fadt + 112, 1u << 10); /* RESET_REG_SUP */
#ifdef ACPI_SHIM_MMIO_RESET
	fadt[116] = 0;               /* reset register: system memory, 8 bits */
	fadt[117] = 8;
	put64(fadt + 120, (uint64_t)(uintptr_t)&reset_page[RESET_OFFSET]);
#else
	fadt[116] = 1;               /* reset register: I/O space, 8 bits */
	fadt[117] = 8;
	put64(fadt + 120, RESET_PORT);
#endif
	fadt[128] = RESET_VALUE;
	checksum(fadt, 276, 9);
	header(xsdt, "XSDT", 44);
	put64(xsdt + 36, (uint64_t)(uintptr_t)fadt);
	checksum(xsdt, 44, 9);
	acpi_rsdp(rsdp, xsdt);
	return rsdp;
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	EFI_STATUS s = uefi_call_wrapper(BS->InstallConfigurationTable, 2, &acpi20, build_tables());
	log_raw("acpi_shim: ACPI 2.0 tables installed (%lu): PM1a control 0x%x, reset register 0x%x <- 0x%x\n",
		(unsigned long)s, PM1A_CONTROL, RESET_PORT, RESET_VALUE);

	s = shim_start_hv(image);
	log_raw("acpi_shim: hv.efi returned %lu; CPUID.1:ECX.hypervisor=%u\n", (unsigned long)s,
		(cpuid(1).ecx >> 31) & 1);

	log_raw("acpi_shim: PM1a control <- SLP_TYP=5 | SLP_EN\n");
	__asm__ volatile("outw %w0, %w1" ::"a"((uint16_t)((5u << 10) | (1u << 13))), "Nd"((uint16_t)PM1A_CONTROL));
#ifdef ACPI_SHIM_MMIO_RESET
	log_raw("acpi_shim: reset register (memory 0x%lx) <- 0x%x\n", (uint64_t)(uintptr_t)&reset_page[RESET_OFFSET],
		RESET_VALUE);
	reset_page[RESET_OFFSET] = RESET_VALUE;
	log_raw("acpi_shim: reset register reads back 0x%x\n", reset_page[RESET_OFFSET]);
#else
	log_raw("acpi_shim: reset register <- 0x%x\n", RESET_VALUE);
	outb(RESET_PORT, RESET_VALUE);
#endif
	log_raw("acpi_shim: done\n");
	serial_drain();
	for (const char *p = "Shutdown"; *p; p++)
		outb(0x8900, (uint8_t)*p);
	return EFI_SUCCESS;
}
