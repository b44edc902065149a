/* The I/O policy (hv/exits/io_policy.c): emulator detection from what
 * Bochs, QEMU (TCG and KVM), VMware and a real board show; which ports the
 * config and the detection intercept; and "does this write end the
 * machine" for every intercepted port, sleep states included. */
#include "../../hv/exits/io_policy.h"
#include "../../hv/exits/pci_config_io.h"
#include "../../hv/exits/io_ports.h"
#include "../../hv/lib/config.h"
#include "unit.h"

#include <string.h>

static struct platform_facts facts(const char *sig, uint16_t vendor, uint16_t device, uint16_t subsystem)
{
	struct platform_facts f = { .host_bridge_vendor = vendor, .host_bridge_device = device,
				    .host_bridge_subsystem_vendor = subsystem };
	strncpy(f.hypervisor_signature, sig, 12);
	return f;
}

static void test_detection(void)
{
	const char *why;
	struct platform_facts bochs = facts("", 0x8086, 0x1237, 0);
	CHECK(platform_emulator(&bochs, &why) == EMULATOR_BOCHS && strstr(why, "Bochs"));
	struct platform_facts bochs_bx = facts("", 0x8086, 0x7190, 0);
	CHECK(platform_emulator(&bochs_bx, &why) == EMULATOR_BOCHS);
	struct platform_facts qemu_tcg = facts("TCGTCGTCGTCG", 0x8086, 0x29c0, 0x1af4);
	CHECK(platform_emulator(&qemu_tcg, &why) == EMULATOR_QEMU && strstr(why, "TCG"));
	struct platform_facts qemu_kvm = facts("KVMKVMKVM", 0x8086, 0x1237, 0x1af4);
	CHECK(platform_emulator(&qemu_kvm, &why) == EMULATOR_QEMU && strstr(why, "0x1af4"));
	/* KVM without QEMU's devices (another VMM): not QEMU. */
	struct platform_facts other_kvm = facts("KVMKVMKVM", 0xffff, 0xffff, 0xffff);
	CHECK(platform_emulator(&other_kvm, &why) == EMULATOR_NONE);
	struct platform_facts vmware = facts("VMwareVMware", 0x8086, 0x7190, 0x15ad);
	CHECK(platform_emulator(&vmware, &why) == EMULATOR_NONE);
	/* A real board: a Tiger Lake host bridge with its OEM's subsystem. */
	struct platform_facts board = facts("", 0x8086, 0x9a14, 0x17aa);
	CHECK(platform_emulator(&board, &why) == EMULATOR_NONE);
	/* An i440FX with a hypervisor under it that is not QEMU: not Bochs. */
	struct platform_facts hv = facts("Microsoft Hv", 0x8086, 0x7192, 0);
	CHECK(platform_emulator(&hv, &why) == EMULATOR_NONE);
}

static void test_choose(void)
{
	struct io_policy p = io_policy_choose(EMULATOR_PORTS_AUTO, EMULATOR_BOCHS);
	CHECK(p.bochs_shutdown && !p.qemu_debug_exit);
	p = io_policy_choose(EMULATOR_PORTS_AUTO, EMULATOR_QEMU);
	CHECK(!p.bochs_shutdown && p.qemu_debug_exit);
	p = io_policy_choose(EMULATOR_PORTS_AUTO, EMULATOR_NONE);
	CHECK(!p.bochs_shutdown && !p.qemu_debug_exit);
	p = io_policy_choose(EMULATOR_PORTS_OFF, EMULATOR_BOCHS);
	CHECK(!p.bochs_shutdown && !p.qemu_debug_exit);
	p = io_policy_choose(EMULATOR_PORTS_ON, EMULATOR_NONE);
	CHECK(p.bochs_shutdown && p.qemu_debug_exit);
}

static struct acpi_power acpi_qemu_like(void)
{
	struct acpi_power a = { .pm1a_control = 0xb004, .pm1a_status = 0xb000, .reset_in_io = true,
				.reset_port = 0xcf9, .reset_value = 6, .sleep_known = (1u << 3) | (1u << 4) | (1u << 5) };
	a.slp_typ_a[3] = a.slp_typ_b[3] = 1;
	a.slp_typ_a[4] = a.slp_typ_b[4] = 2;
	return a; /* S5 = 0 */
}

static void test_verdicts(void)
{
	struct acpi_power a = acpi_qemu_like();
	struct io_policy on = io_policy_choose(EMULATOR_PORTS_ON, EMULATOR_NONE);
	struct io_policy off = io_policy_choose(EMULATOR_PORTS_OFF, EMULATOR_NONE);
	struct io_verdict v = io_write_verdict(&a, &on, 0x8900, 1, 'S');
	CHECK(v.effect == IO_WRITE_ENDS_MACHINE);
	CHECK_STR(v.why, "emulator shutdown (port 0x8900)");
	CHECK(io_write_verdict(&a, &on, 0x8900, 1, 'h').effect == IO_WRITE_PASS);
	CHECK(io_write_verdict(&a, &off, 0x8900, 1, 'S').effect == IO_WRITE_PASS);
	CHECK(io_write_verdict(&a, &on, 0xf4, 1, 0).effect == IO_WRITE_ENDS_MACHINE);
	CHECK(io_write_verdict(&a, &off, 0xf4, 1, 0).effect == IO_WRITE_PASS);
	/* Resets: 0xcf9 bit 2, 0x64 <- 0xfe, the ACPI reset register. */
	CHECK(io_write_verdict(&a, &off, 0xcf9, 1, 0x06).effect == IO_WRITE_ENDS_MACHINE);
	CHECK(io_write_verdict(&a, &off, 0xcf9, 1, 0x02).effect == IO_WRITE_PASS);
	CHECK(io_write_verdict(&a, &off, 0xcf8, 4, 0x80000004).effect == IO_WRITE_PASS); /* PCI address, not reset */
	CHECK(io_write_verdict(&a, &off, 0x64, 1, 0xfe).effect == IO_WRITE_ENDS_MACHINE);
	CHECK(io_write_verdict(&a, &off, 0x64, 1, 0xd1).effect == IO_WRITE_PASS);
	/* Sleep states by the DSDT's SLP_TYP values. */
	v = io_write_verdict(&a, &off, 0xb004, 2, (1u << 13) | (1u << 10));
	CHECK(v.effect == IO_WRITE_SLEEP_REFUSED && v.sleep_state == 3);
	CHECK_STR(v.why, "S3 (suspend to RAM) (PM1a SLP_EN, SLP_TYP=1)");
	v = io_write_verdict(&a, &off, 0xb004, 2, 1u << 13);
	CHECK(v.effect == IO_WRITE_ENDS_MACHINE && v.sleep_state == 5);
	CHECK_STR(v.why, "ACPI S5 (soft-off) (PM1a SLP_EN, SLP_TYP=0)");
	v = io_write_verdict(&a, &off, 0xb005, 1, 0x20 | (2u << 2)); /* high byte alone: S4 */
	CHECK(v.effect == IO_WRITE_ENDS_MACHINE && v.sleep_state == 4);
	CHECK(io_write_verdict(&a, &off, 0xb004, 2, 1u << 10).effect == IO_WRITE_PASS); /* SLP_TYP without SLP_EN */
	v = io_write_verdict(&a, &off, 0xb004, 2, (1u << 13) | (6u << 10)); /* no \_Sx names 6 */
	CHECK(v.effect == IO_WRITE_ENDS_MACHINE && v.sleep_state == -1);
	CHECK_STR(v.why, "ACPI sleep (PM1a SLP_EN)");
	/* WAK_STS: written 1 clears it; reads show it while a refusal is pending. */
	CHECK(io_write_verdict(&a, &off, 0xb000, 2, 0x8000).effect == IO_WRITE_WAKE_CLEARED);
	CHECK(io_write_verdict(&a, &off, 0xb001, 1, 0x80).effect == IO_WRITE_WAKE_CLEARED);
	CHECK(io_write_verdict(&a, &off, 0xb000, 2, 0x0001).effect == IO_WRITE_PASS);
	CHECK_EQ_U64(io_read_adjust(&a, &off, 0xb000, 2, 0x0100), 0x0100);
	off.wake_status_pending = true;
	CHECK_EQ_U64(io_read_adjust(&a, &off, 0xb000, 2, 0x0100), 0x8100);
	CHECK_EQ_U64(io_read_adjust(&a, &off, 0xb001, 1, 0x01), 0x81);
	CHECK_EQ_U64(io_read_adjust(&a, &off, 0xb000, 1, 0x01), 0x01);
	CHECK_EQ_U64(io_read_adjust(&a, &off, 0x3f8, 1, 0x41), 0x41);
}

static void test_bitmap(void)
{
	static uint8_t bm[8192];
	struct acpi_power a = acpi_qemu_like();
	io_bitmap_build(bm, 0x3f8, &a, false, false);
	CHECK(!(bm[0x8900 / 8] & (1u << (0x8900 % 8))));
	CHECK(!(bm[0xf4 / 8] & (1u << (0xf4 % 8))));
	CHECK(bm[0xcf9 / 8] & (1u << (0xcf9 % 8)));
	CHECK(bm[0xb001 / 8] & (1u << (0xb001 % 8)));
	CHECK(bm[0xb004 / 8] & (1u << (0xb004 % 8)));
	/* The UART's THR/RBR, FCR/IIR, LCR and LSR exit (serial.h); IER, MCR,
	 * MSR and the scratch register do not. */
	CHECK(bm[0x3f8 / 8] & (1u << (0x3f8 % 8)));
	CHECK(bm[0x3fa / 8] & (1u << (0x3fa % 8)));
	CHECK(bm[0x3fb / 8] & (1u << (0x3fb % 8)));
	CHECK(bm[0x3fd / 8] & (1u << (0x3fd % 8)));
	CHECK(!(bm[0x3f9 / 8] & (1u << (0x3f9 % 8))));
	CHECK(!(bm[0x3fc / 8] & (1u << (0x3fc % 8))));
	io_bitmap_build(bm, 0x3f8, &a, true, true);
	CHECK(bm[0x8900 / 8] & (1u << (0x8900 % 8)));
	CHECK(bm[0xf4 / 8] & (1u << (0xf4 % 8)));
}

/* pci_config_io.c performs a dword at 0xcf8 without the policy when
 * pci_config_address_plain says so: then the policy passes every such
 * write and read unchanged, whatever the value, with ACPI registers at
 * every port near 0xcf8 (and where it does not, they really are judged). */
static void test_pci_config_address(void)
{
	static const uint32_t values[] = { 0, 0x80000000, 0x06, 0x2000, 0x8000, 0xffffffff, 0x80002004 };
	struct io_policy p = io_policy_choose(EMULATOR_PORTS_ON, EMULATOR_NONE);
	unsigned plain = 0, judged = 0;
	for (unsigned reg = 0; reg < 5; reg++) {
		for (uint16_t port = 0xcf0; port <= 0xcff; port++) {
			struct acpi_power a = acpi_qemu_like();
			uint16_t *pm1[4] = { &a.pm1a_control, &a.pm1b_control, &a.pm1a_status, &a.pm1b_status };
			if (reg < 4)
				*pm1[reg] = port;
			else
				a.reset_port = port, a.reset_value = 0x80;
			a.sleep_known = 0;
			bool fast = pci_config_address_plain(&a);
			bool same = true;
			for (unsigned i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
				p.wake_status_pending = true;
				same &= io_write_verdict(&a, &p, 0xcf8, 4, values[i]).effect == IO_WRITE_PASS;
				same &= io_read_adjust(&a, &p, 0xcf8, 4, values[i]) == values[i];
			}
			if (fast) {
				CHECK(same);
				plain++;
			} else {
				judged++;
			}
		}
	}
	CHECK(plain > 0 && judged > 0);
	struct acpi_power a = acpi_qemu_like(); /* reset register at 0xcf9, as on most PCs */
	CHECK(pci_config_address_plain(&a));
	a.pm1a_status = 0xcf7; /* its high byte would be 0xcf8 */
	CHECK(!pci_config_address_plain(&a));
}

int main(void)
{
	test_detection();
	test_choose();
	test_verdicts();
	test_bitmap();
	test_pci_config_address();
	return unit_finish("test_io_policy");
}
