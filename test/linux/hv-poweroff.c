/* hv-poweroff: ends an emulator run from Linux user space (root); with
 * --tsc it only prints the time-stamp counter. Bochs:
 * "Shutdown" to port 0x8900; QEMU: isa-debug-exit at 0xf4. OVMF under Bochs
 * installs no ACPI tables, so "poweroff -f" only halts there. Built static
 * for the test initramfs; never for real machines. */
#include <stdio.h>
#include <string.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--tsc") == 0) {
		/* In Bochs with clock sync=none the TSC counts instructions
		 * since power-on: the benchmark's "ticks to user space". */
		unsigned lo, hi;
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		printf("LINUX-TSC: %llu ticks since power-on\n", (unsigned long long)hi << 32 | lo);
		return 0;
	}
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
