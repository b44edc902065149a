/* poweroff.efi: test tool that ends an emulator run from inside, after the
 * firmware has gone on booting (a startup.nsh on test images runs it).
 * Bochs: "Shutdown" to port 0x8900. QEMU: isa-debug-exit at 0xf4, value 0
 * (QEMU exits with status 1). Never put this on a real machine's ESP. */
#include <efi.h>
#include <efilib.h>

#include "../../hv/lib/log.h"
#include "../../hv/lib/serial.h"

#include <hv/cpu.h>

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	log_raw("poweroff: firmware boot continued; ending the emulator run\n");
	serial_drain();
	for (const char *p = "Shutdown"; *p; p++)
		outb(0x8900, (uint8_t)*p);
	outb(0xf4, 0);
	return EFI_SUCCESS;
}
