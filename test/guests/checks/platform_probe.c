/* platform_probe.efi: shows what a machine offers to tell an emulator
 * from a real board, and what the hypervisor's rule (io_policy.c,
 * platform_emulator) concludes: the CPUID hypervisor leaf, the PCI host
 * bridge (as the hypervisor reads them, platform_facts.h), plus the SMBIOS
 * system information (type 1) and the ACPI RSDP's OEM ID from the EFI
 * configuration table, which the rule does not use because Bochs + OVMF
 * has neither. Runs without the hypervisor too. Test tool. */
#include <efi.h>
#include <efilib.h>

#include "../../../hv/exits/io_policy.h"
#include "../../../hv/exits/platform_facts.h"
#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"
#include "../common/emulator_exit.h"

static EFI_GUID smbios_guid = { 0xeb9d2d31, 0x2d88, 0x11d3, { 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d } };
static EFI_GUID smbios3_guid = { 0xf2fd1544, 0x9794, 0x4a2c, { 0x99, 0x2e, 0xe5, 0xbb, 0xcf, 0x20, 0xe3, 0x94 } };

/* String number n (1-based) of the structure at s (SMBIOS 3.x §6.1.3). */
static const char *smbios_string(const uint8_t *s, unsigned n)
{
	const char *p = (const char *)s + s[1];
	if (!n)
		return "";
	while (--n && *p)
		p += strlena((const CHAR8 *)p) + 1;
	return *p ? p : "";
}

static void show_smbios(void)
{
	void *ep = NULL;
	const uint8_t *table = NULL, *end;
	if (LibGetSystemConfigurationTable(&smbios3_guid, &ep) == EFI_SUCCESS && ep) {
		const uint8_t *e = ep;
		table = (const uint8_t *)(uintptr_t) * (const uint64_t *)(e + 0x10);
		end = table + *(const uint32_t *)(e + 0x0c);
		log_raw("platform_probe: SMBIOS 3 entry point, version %u.%u\n", e[7], e[8]);
	} else if (LibGetSystemConfigurationTable(&smbios_guid, &ep) == EFI_SUCCESS && ep) {
		const uint8_t *e = ep;
		table = (const uint8_t *)(uintptr_t) * (const uint32_t *)(e + 0x18);
		end = table + *(const uint16_t *)(e + 0x16);
		log_raw("platform_probe: SMBIOS entry point, version %u.%u\n", e[6], e[7]);
	} else {
		log_raw("platform_probe: SMBIOS: none in the EFI configuration table\n");
		return;
	}
	for (const uint8_t *s = table; s + 4 <= end && s[0] != 127;) {
		if (s[0] == 1 && s[1] >= 6)
			log_raw("platform_probe: SMBIOS type 1: manufacturer \"%s\", product \"%s\"\n", smbios_string(s, s[4]),
				smbios_string(s, s[5]));
		const uint8_t *p = s + s[1];
		while (p + 1 < end && (p[0] || p[1]))
			p++;
		s = p + 2;
	}
}

static void show_acpi(void)
{
	void *rsdp = NULL;
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	if (LibGetSystemConfigurationTable(&acpi20, &rsdp) != EFI_SUCCESS &&
	    LibGetSystemConfigurationTable(&AcpiTableGuid, &rsdp) != EFI_SUCCESS) {
		log_raw("platform_probe: ACPI: no RSDP in the EFI configuration table\n");
		return;
	}
	char oem[7];
	for (int i = 0; i < 6; i++)
		oem[i] = ((const char *)rsdp)[9 + i];
	oem[6] = '\0';
	log_raw("platform_probe: ACPI: RSDP OEM ID \"%s\"\n", oem);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	struct platform_facts f;
	platform_facts_read(&f);
	log_raw("platform_probe: CPUID.1:ECX[31]=%u, hypervisor signature \"%s\"\n", (cpuid(1).ecx >> 31) & 1,
		f.hypervisor_signature);
	log_raw("platform_probe: PCI 00:00.0 %04x:%04x, subsystem vendor %04x\n", f.host_bridge_vendor,
		f.host_bridge_device, f.host_bridge_subsystem_vendor);
	show_smbios();
	show_acpi();
	const char *evidence;
	enum emulator_kind kind = platform_emulator(&f, &evidence);
	log_raw("platform_probe: detected: %s (%s)\n",
		kind == EMULATOR_BOCHS ? "Bochs" : kind == EMULATOR_QEMU ? "QEMU" : "no emulator", evidence);
	emulator_end("platform_probe", 0);
	return EFI_SUCCESS;
}
