/* I/O policy (io_policy.h). */
#include "io_policy.h"

#include "../lib/config.h"
#include "../lib/fmt.h"
#include "io_ports.h"

#define PM1_WAK_STS (1u << 15)
#define PCI_VENDOR_INTEL 0x8086
#define PCI_VENDOR_QEMU 0x1af4 /* Red Hat/Qumranet: QEMU's default subsystem vendor */

static bool same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* Bochs's three chipsets (pci: chipset=i430fx|i440fx|i440bx): host
 * bridges of the 1990s, never beside a processor with VT-x and UEFI. */
static bool bochs_host_bridge(uint16_t device) { return device == 0x122d || device == 0x1237 || device == 0x7190; }

enum emulator_kind platform_emulator(const struct platform_facts *f, const char **evidence)
{
	if (same(f->hypervisor_signature, "TCGTCGTCGTCG")) {
		*evidence = "CPUID hypervisor signature TCGTCGTCGTCG (QEMU TCG)";
		return EMULATOR_QEMU;
	}
	/* QEMU gives every PCI device it models subsystem vendor 0x1af4,
	 * under TCG or KVM alike; "KVMKVMKVM" alone is any KVM-based VMM. */
	if (f->host_bridge_subsystem_vendor == PCI_VENDOR_QEMU && f->host_bridge_vendor != 0xffff) {
		*evidence = "PCI host bridge subsystem vendor 0x1af4 (QEMU)";
		return EMULATOR_QEMU;
	}
	/* Bochs shows no hypervisor signature, no SMBIOS and (with OVMF) no
	 * ACPI tables: its chipset is what gives it away. VMware's i440BX
	 * carries subsystem vendor 0x15ad, QEMU's 0x1af4. */
	if (!f->hypervisor_signature[0] && f->host_bridge_vendor == PCI_VENDOR_INTEL &&
	    bochs_host_bridge(f->host_bridge_device) && f->host_bridge_subsystem_vendor == 0) {
		*evidence = "PCI host bridge of an i430FX/i440FX/i440BX with no subsystem vendor, no hypervisor CPUID "
			    "signature (Bochs)";
		return EMULATOR_BOCHS;
	}
	*evidence = "no emulator's signature (CPUID hypervisor leaf, PCI host bridge)";
	return EMULATOR_NONE;
}

struct io_policy io_policy_choose(unsigned config_mode, enum emulator_kind kind)
{
	bool all = config_mode == EMULATOR_PORTS_ON, automatic = config_mode == EMULATOR_PORTS_AUTO;
	return (struct io_policy){
		.bochs_shutdown = all || (automatic && kind == EMULATOR_BOCHS),
		.qemu_debug_exit = all || (automatic && kind == EMULATOR_QEMU),
	};
}

/* The 16-bit value the write puts in a 2-byte register at `base` (0 when
 * it does not touch it); *touched says whether it did. */
static uint32_t register16(uint16_t base, uint16_t port, unsigned size, uint32_t value, bool *touched)
{
	*touched = base && (port == base || port == base + 1);
	if (!*touched)
		return 0;
	uint32_t v = port == base ? value : value << 8;
	return size == 1 && port == base ? v & 0xff : v & 0xffff;
}

static struct io_verdict acpi_sleep_verdict(const struct acpi_power *acpi, bool pm1b, unsigned slp_typ)
{
	struct io_verdict v = { .sleep_state = acpi_sleep_state(acpi, pm1b, slp_typ) };
	const char *reg = pm1b ? "PM1b" : "PM1a";
	if (v.sleep_state < 0) {
		v.effect = IO_WRITE_ENDS_MACHINE; /* no \_Sx names it: as before, the machine goes away */
		fmt_format(v.why, sizeof(v.why), "ACPI sleep (%s SLP_EN)", reg);
	} else if (v.sleep_state >= 4) {
		/* S4 and S5 both turn the power off; after S4 the firmware boots
		 * again and the OS resumes from its disk image. */
		v.effect = IO_WRITE_ENDS_MACHINE;
		fmt_format(v.why, sizeof(v.why), "ACPI %s (%s SLP_EN, SLP_TYP=%u)", acpi_sleep_state_name(v.sleep_state),
			   reg, slp_typ);
	} else {
		v.effect = IO_WRITE_SLEEP_REFUSED;
		fmt_format(v.why, sizeof(v.why), "%s (%s SLP_EN, SLP_TYP=%u)", acpi_sleep_state_name(v.sleep_state), reg,
			   slp_typ);
	}
	return v;
}

static struct io_verdict ends(const char *why)
{
	struct io_verdict v = { .effect = IO_WRITE_ENDS_MACHINE, .sleep_state = -1 };
	fmt_format(v.why, sizeof(v.why), "%s", why);
	return v;
}

struct io_verdict io_write_verdict(const struct acpi_power *acpi, const struct io_policy *policy, uint16_t port,
				   unsigned size, uint32_t value)
{
	struct io_verdict pass = { .effect = IO_WRITE_PASS, .sleep_state = -1 };
	bool hit;
	for (int b = 0; b < 2; b++) {
		uint32_t reg = register16(b ? acpi->pm1b_control : acpi->pm1a_control, port, size, value, &hit);
		if (hit && (reg & (1u << 13))) /* SLP_EN; SLP_TYP is bits 12:10 */
			return acpi_sleep_verdict(acpi, b, (reg >> 10) & 7);
		reg = register16(b ? acpi->pm1b_status : acpi->pm1a_status, port, size, value, &hit);
		if (hit && (reg & PM1_WAK_STS))
			return (struct io_verdict){ .effect = IO_WRITE_WAKE_CLEARED, .sleep_state = -1 };
	}
	if (acpi->reset_in_io && port == acpi->reset_port && (value & 0xff) == acpi->reset_value)
		return ends("reset through the ACPI reset register");
	switch (port) {
	case IO_PORT_BOCHS_SHUTDOWN: /* Bochs wants the whole "Shutdown": its first byte is the moment */
		return policy->bochs_shutdown && (value & 0xff) == 'S' ? ends("emulator shutdown (port 0x8900)") : pass;
	case IO_PORT_QEMU_DEBUG_EXIT:
		return policy->qemu_debug_exit ? ends("emulator exit (port 0xf4)") : pass;
	case IO_PORT_RESET_CONTROL:
		return value & 0x4 ? ends("reset through port 0xcf9") : pass;
	case IO_PORT_KBC_COMMAND:
		return (value & 0xff) == 0xfe ? ends("reset through the keyboard controller (0x64 <- 0xfe)") : pass;
	}
	return pass;
}

uint32_t io_read_adjust(const struct acpi_power *acpi, const struct io_policy *policy, uint16_t port, unsigned size,
			uint32_t value)
{
	if (!policy->wake_status_pending)
		return value;
	for (int b = 0; b < 2; b++) {
		uint16_t base = b ? acpi->pm1b_status : acpi->pm1a_status;
		if (base && port == base && size >= 2)
			return value | PM1_WAK_STS;
		if (base && port == base + 1)
			return value | (PM1_WAK_STS >> 8);
	}
	return value;
}
