/* sleep_shim.efi: test tool for the sleep states and the emulator-only
 * ports on a "real machine" configuration (emulator_ports = off).
 * OVMF under Bochs installs no ACPI tables, so this app installs a set
 * first: RSDP 2.0 -> XSDT -> FADT with the PIIX4 PM block at OVMF's PMBA
 * 0xb000 (PM1a status 0xb000, control 0xb004: Bochs's real registers)
 * -> DSDT whose AML names \_S3 = {1, 1}, \_S4 = {2, 2}, \_S5 = {0, 0} as
 * QEMU's and Bochs's chipsets decode them. It starts \EFI\hv\hv.efi, then
 * as its guest:
 *   1. writes port 0xf4 (QEMU's debug-exit): must be ignored, we go on;
 *   2. asks for S3 as ACPICA does (clear WAK_STS, SLP_TYP, SLP_TYP|SLP_EN,
 *      poll WAK_STS): the hypervisor refuses; Bochs would have reset the
 *      machine had the write reached it; WAK_STS reads 1, then 0 once
 *      cleared (from the real register);
 *   3. S5: the hypervisor's final statistics, then Bochs's soft power-off.
 * With a guest in hv.cfg (test/configs/linux-s3.cfg) hv.efi starts it
 * instead and never returns: the tables are then that guest's (Linux asks
 * for S3 itself). Test tool: never for real machines. */
#include <efi.h>
#include <efilib.h>

#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"
#include "acpi_bytes.h"
#include "shim_start.h"

#include <hv/cpu.h>

#define PMBA 0xb000u /* OvmfPkg's PIIX4 PM base */
#define PM1_STATUS PMBA
#define PM1_CONTROL (PMBA + 4)
#define SLP_EN (1u << 13)
#define WAK_STS (1u << 15)

static uint8_t tables[1024] __attribute__((aligned(64)));

/* Name(_Sn_, Package(0x04){a, a, Zero, Zero}) as iasl emits it. */
static const uint8_t aml[] = {
	0x08, '_', 'S', '3', '_', 0x12, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00,
	0x08, '_', 'S', '4', '_', 0x12, 0x08, 0x04, 0x0a, 0x02, 0x0a, 0x02, 0x00, 0x00,
	0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
};

static void header(uint8_t *t, const char *sig, uint32_t len)
{
	for (int i = 0; i < 4; i++)
		t[i] = (uint8_t)sig[i];
	put32(t + 4, len);
	t[8] = 2;
}

static void gas_io(uint8_t *g, uint8_t bits, uint16_t port)
{
	g[0] = 1, g[1] = bits, g[2] = 0, g[3] = 0;
	put64(g + 4, port);
}

static void *build_tables(void)
{
	uint8_t *rsdp = tables, *xsdt = tables + 64, *fadt = tables + 128, *dsdt = tables + 448, *facs = tables + 640;
	header(dsdt, "DSDT", 36 + sizeof(aml));
	for (unsigned i = 0; i < sizeof(aml); i++)
		dsdt[36 + i] = aml[i];
	checksum(dsdt, 36 + sizeof(aml), 9);
	for (int i = 0; i < 4; i++)
		facs[i] = (uint8_t)"FACS"[i];
	put32(facs + 4, 64);
	facs[32] = 2; /* version */
	header(fadt, "FACP", 276);
	put32(fadt + 36, (uint32_t)(uintptr_t)facs);
	put32(fadt + 40, (uint32_t)(uintptr_t)dsdt);
	put16(fadt + 46, 9);           /* SCI_INT: the PIIX4's */
	put32(fadt + 56, PM1_STATUS);  /* PM1a_EVT_BLK */
	put32(fadt + 64, PM1_CONTROL); /* PM1a_CNT_BLK */
	put32(fadt + 76, PMBA + 8);    /* PM_TMR_BLK */
	put32(fadt + 80, PMBA + 0x0c); /* GPE0_BLK */
	fadt[88] = 4, fadt[89] = 2, fadt[91] = 4, fadt[92] = 4; /* PM1_EVT, PM1_CNT, PM_TMR, GPE0 lengths */
	put16(fadt + 109, 1u << 1);    /* IAPC_BOOT_ARCH: 8042 present */
	put32(fadt + 112, (1u << 0) | (1u << 4)); /* WBINVD, PROC_C1 */
	put64(fadt + 132, (uint64_t)(uintptr_t)facs);
	put64(fadt + 140, (uint64_t)(uintptr_t)dsdt);
	gas_io(fadt + 148, 32, PM1_STATUS);
	gas_io(fadt + 172, 16, PM1_CONTROL);
	gas_io(fadt + 208, 32, PMBA + 8);
	gas_io(fadt + 220, 32, PMBA + 0x0c);
	checksum(fadt, 276, 9);
	header(xsdt, "XSDT", 44);
	put64(xsdt + 36, (uint64_t)(uintptr_t)fadt);
	checksum(xsdt, 44, 9);
	acpi_rsdp(rsdp, xsdt);
	return rsdp;
}

static unsigned fails;

static void report(const char *check, bool pass, unsigned a, unsigned b)
{
	fails += !pass;
	log_raw("%s: %s (0x%x 0x%x)\n", pass ? "PASS" : "FAIL", check, a, b);
}

/* ACPICA's legacy sleep (hwsleep.c): clear WAK_STS, write SLP_TYP, then
 * SLP_TYP|SLP_EN, then wait for WAK_STS. */
static void try_s3(void)
{
	outw(PM1_STATUS, WAK_STS);
	uint16_t control = inw(PM1_CONTROL) & ~(7u << 10);
	outw(PM1_CONTROL, (uint16_t)(control | (1u << 10)));
	log_raw("sleep_shim: PM1a control <- SLP_TYP=1 (\\_S3) | SLP_EN\n");
	outw(PM1_CONTROL, (uint16_t)(control | (1u << 10) | SLP_EN));
	unsigned spins = 0;
	uint16_t status;
	while (!((status = inw(PM1_STATUS)) & WAK_STS) && spins < 1000000)
		spins++;
	report("s3-refused-wakes", status & WAK_STS, status, spins);
	outw(PM1_STATUS, WAK_STS);
	uint16_t after = inw(PM1_STATUS);
	report("s3-wak-sts-cleared", !(after & WAK_STS), after, 0);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	EFI_STATUS s = uefi_call_wrapper(BS->InstallConfigurationTable, 2, &acpi20, build_tables());
	log_raw("sleep_shim: ACPI 2.0 tables installed (%lu): PM1a status 0x%x, control 0x%x, \\_S3 1, \\_S4 2, \\_S5 0\n",
		(unsigned long)s, PM1_STATUS, PM1_CONTROL);
	s = shim_start_hv(image);
	log_raw("sleep_shim: hv.efi returned %lu; CPUID.1:ECX.hypervisor=%u\n", (unsigned long)s,
		(cpuid(1).ecx >> 31) & 1);

	outb(0xf4, 0);
	log_raw("sleep_shim: wrote 0 to port 0xf4 (QEMU debug-exit); still running\n");
	try_s3();
	log_raw("sleep_shim: %u failed; PM1a control <- SLP_TYP=0 (\\_S5) | SLP_EN\n", fails);
	serial_drain();
	outw(PM1_CONTROL, SLP_EN);
	/* Still here: the power-off did not happen. End the run anyway. */
	log_raw("sleep_shim: S5 did not power off\n");
	serial_drain();
	for (const char *p = "Shutdown"; *p; p++)
		outb(0x8900, (uint8_t)*p);
	return EFI_SUCCESS;
}
