/* hv-poweroff: ends an emulator run from Linux user space (root). Bochs:
 * "Shutdown" to port 0x8900; QEMU: isa-debug-exit at 0xf4. OVMF under Bochs
 * installs no ACPI tables, so "poweroff -f" only halts there. Built static
 * for the test initramfs; never for real machines. */
#include <stdio.h>
#include <sys/io.h>

int main(void)
{
	if (ioperm(0x8900, 1, 1) || ioperm(0xf4, 1, 1)) {
		perror("hv-poweroff: ioperm");
		return 1;
	}
	fflush(stdout);
	for (const char *p = "Shutdown"; *p; p++)
		outb((unsigned char)*p, 0x8900);
	outb(0, 0xf4);
	return 0;
}
