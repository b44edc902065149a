/* resets.efi: test guest for the reset paths. A CMOS byte that survives a
 * reset counts the boots:
 *   boot 1: the guest triple faults (empty IDT, then INT3): the hypervisor
 *           must report it with a register dump and its statistics, then
 *           reset the machine (on_triple_fault = reset);
 *   boot 2: the guest asks for a reset through port 0xcf9: statistics, then
 *           the reset it asked for;
 *   boot 3: the same through the keyboard controller (0x64 <- 0xfe);
 *   boot 4: reports and ends the run through Bochs's shutdown port (only where
 *           the keyboard controller resets the whole machine: in Bochs 2.7 it
 *           resets the CPU alone and OVMF does not boot again).
 * Before each reset it clears PMIOSE in the PIIX4 power-management function
 * (00:01.3, register 0x80): Bochs 2.7 resets that function's PM base but not
 * PMREGMISC, so after a hard reset OVMF believes the PM timer is configured,
 * reads it at port 0x8 and waits forever. Real chipsets clear both.
 * Test tool: never for real machines (it writes CMOS byte 0x7e). */
#include <efi.h>
#include <efilib.h>

#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"

#include <hv/cpu.h>

#define CMOS_BOOT_COUNTER 0x7e
#define MAGIC 0xa0

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
	outb(0x70, reg);
	outb(0x71, v);
}

#define PIIX4_PM_PMREGMISC 0x80000b80u /* CONFIG_ADDRESS of 00:01.3 reg 0x80 */

static void bochs_piix4_pm_rearm(void)
{
	outl(0xcf8, PIIX4_PM_PMREGMISC);
	outb(0xcfc, (uint8_t)(inb(0xcfc) & ~1u));
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	uint8_t c = cmos_read(CMOS_BOOT_COUNTER);
	unsigned boot = (c & 0xf0) == MAGIC ? (c & 0x0f) + 1u : 1u;
	cmos_write(CMOS_BOOT_COUNTER, (uint8_t)(MAGIC | (boot & 0x0f)));
	log_raw("resets: boot %u\n", boot);
	serial_drain();
	if (boot == 1) {
		log_raw("resets: triple fault now (empty IDT, INT3)\n");
		serial_drain();
		bochs_piix4_pm_rearm();
		struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = { 0, 0 };
		__asm__ volatile("cli; lidt %0; int3" ::"m"(idtr) : "memory");
	} else if (boot == 2) {
		log_raw("resets: reset through port 0xcf9\n");
		serial_drain();
		bochs_piix4_pm_rearm();
		outb(0xcf9, 0x02);
		outb(0xcf9, 0x06);
	} else if (boot == 3) {
		log_raw("resets: reset through the keyboard controller\n");
		serial_drain();
		bochs_piix4_pm_rearm();
		outb(0x64, 0xfe);
	} else {
		cmos_write(CMOS_BOOT_COUNTER, 0);
		log_raw("resets: boot 4 after a triple fault and two requested resets: done\n");
		serial_drain();
		for (const char *p = "Shutdown"; *p; p++)
			outb(0x8900, (uint8_t)*p);
	}
	log_raw("resets: still running after boot %u's reset request: FAIL\n", boot);
	return EFI_ABORTED;
}
