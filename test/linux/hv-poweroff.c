/* hv-poweroff: ends an emulator run from Linux user space (root); with
 * --tsc it only prints the time-stamp counter. Bochs:
 * "Shutdown" to port 0x8900; QEMU: isa-debug-exit at 0xf4. OVMF under Bochs
 * installs no ACPI tables, so "poweroff -f" only halts there. Built static
 * for the test initramfs; never for real machines. */
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <termios.h>
#include <unistd.h>

static unsigned long long tsc(void)
{
	unsigned lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (unsigned long long)hi << 32 | lo;
}

/* Whether the kernel command line holds word (bench/bench.sh's switches). */
static int cmdline_has(const char *word)
{
	char line[1024] = "";
	FILE *f = fopen("/proc/cmdline", "r");
	if (!f)
		return 0;
	size_t n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	return strstr(line, word) != NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--tsc") == 0) {
		/* In Bochs with clock sync=none the TSC counts instructions
		 * since power-on: the benchmark's "ticks to user space". */
		printf("LINUX-TSC: %llu ticks since power-on\n", tsc());
		/* hv_bench_stop: the run ends here (the benchmark's split of
		 * the ticks to user space). */
		if (!cmdline_has("hv_bench_stop"))
			return 0;
	}
	/* The end of the run, for the benchmark's split of all its ticks;
	 * the serial line empties before the run ends (the console driver
	 * sends from its buffer, by interrupts). */
	printf("LINUX-TSC-END: %llu ticks since power-on\n", tsc());
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
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
