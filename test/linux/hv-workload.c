/* hv-workload: the benchmark's user-space job in the Linux guest
 * (bench/bench.sh, kernel command line hv_workload; test/linux/init runs
 * it). Four parts, each timed with RDTSC (in Bochs with clock sync=none
 * one tick is one instruction, so each part is an instruction count of
 * the whole machine: guest, and hypervisor when there is one):
 *   fork     process creation: fork, exec of busybox true, wait
 *   pipe     two processes passing a byte back and forth, then a bulk copy
 *   fault    page faults: anonymous memory touched page by page, freed
 *   compute  a CPU-bound loop without system calls
 * Prints "WORKLOAD <part> <ticks> ticks" per part and the total, then
 * "WORKLOAD stos": 4 x REP STOSB over 4 MB already present (no faults),
 * a probe of the fault part's zeroing on its own. The
 * sizes are arguments (bench.sh passes none: the defaults below).
 * Test tool: never for real machines. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

static void part_fork(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			fail("hv-workload: fork");
		if (p == 0) {
			execl("/bin/busybox", "true", (char *)NULL);
			_exit(127);
		}
		int st;
		if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail("hv-workload: child");
	}
}

static void part_pipe(unsigned round_trips, unsigned bulk_kb)
{
	int there[2], back[2];
	if (pipe(there) || pipe(back))
		fail("hv-workload: pipe");
	pid_t p = fork();
	if (p < 0)
		fail("hv-workload: fork");
	static char buf[4096];
	if (p == 0) { /* echoes each byte, then swallows the bulk */
		char c;
		for (unsigned i = 0; i < round_trips; i++)
			if (read(there[0], &c, 1) != 1 || write(back[1], &c, 1) != 1)
				_exit(1);
		for (size_t got = 0; got < (size_t)bulk_kb * 1024;) {
			ssize_t r = read(there[0], buf, sizeof(buf));
			if (r <= 0)
				_exit(1);
			got += (size_t)r;
		}
		_exit(0);
	}
	char c = 'x';
	for (unsigned i = 0; i < round_trips; i++)
		if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1)
			fail("hv-workload: pipe round trip");
	memset(buf, 0x5a, sizeof(buf));
	for (unsigned k = 0; k < bulk_kb / 4; k++)
		if (write(there[1], buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			fail("hv-workload: pipe bulk");
	int st;
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("hv-workload: pipe child");
	close(there[0]), close(there[1]), close(back[0]), close(back[1]);
}

static void part_fault(unsigned mb)
{
	size_t len = (size_t)mb << 20;
	volatile uint8_t *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		fail("hv-workload: mmap");
	for (size_t off = 0; off < len; off += 4096)
		m[off] = (uint8_t)off;
	if (munmap((void *)m, len))
		fail("hv-workload: munmap");
}

/* REP STOSB over memory already present: the kernel zeroes each new page
 * with it (clear_page_erms), here without any page fault around it. */
static void part_stos(unsigned kb, unsigned passes)
{
	size_t len = (size_t)kb << 10;
	uint8_t *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (m == MAP_FAILED)
		fail("hv-workload: mmap");
	uint64_t t0 = rdtsc();
	for (unsigned p = 0; p < passes; p++) {
		void *d = m;
		size_t n = len;
		__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(p) : "memory");
	}
	printf("WORKLOAD stos %llu ticks\n", (unsigned long long)(rdtsc() - t0));
	munmap(m, len);
}

static volatile uint64_t sink;

static void part_compute(unsigned iterations)
{
	uint64_t x = 88172645463325252ull;
	for (unsigned i = 0; i < iterations; i++) { /* xorshift64 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	sink = x;
}

static unsigned arg(int argc, char **argv, int i, unsigned dflt)
{
	return argc > i ? (unsigned)strtoul(argv[i], NULL, 0) : dflt;
}

/* What the guest concluded about the processor it runs on (Linux turns on
 * mitigations when CPUID says "hypervisor" and the host's facts are not
 * there): /sys/devices/system/cpu/vulnerabilities, one line each. */
static void print_vulnerabilities(void)
{
	static const char *const names[] = { "indirect_target_selection", "spectre_v2", "spec_store_bypass",
					     "mds", "mmio_stale_data", "retbleed", "gather_data_sampling",
					     "reg_file_data_sampling", "tsx_async_abort", "srbds", "itlb_multihit",
					     "l1tf", "meltdown", "spectre_v1" };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[128], line[256] = "";
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/vulnerabilities/%s", names[i]);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f))
			line[strcspn(line, "\n")] = '\0';
		fclose(f);
		printf("WORKLOAD-VULNERABILITY %s: %s\n", names[i], line);
	}
}

int main(int argc, char **argv)
{
	unsigned forks = arg(argc, argv, 1, 40), trips = arg(argc, argv, 2, 2000), bulk_kb = arg(argc, argv, 3, 4096);
	unsigned fault_mb = arg(argc, argv, 4, 256), iterations = arg(argc, argv, 5, 8000000);
	printf("WORKLOAD: %u forks, %u pipe round trips and %u KB through a pipe, %u MB touched, %u loop iterations\n",
	       forks, trips, bulk_kb, fault_mb, iterations);
	fflush(stdout);
	uint64_t t[5];
	t[0] = rdtsc();
	part_fork(forks);
	t[1] = rdtsc();
	part_pipe(trips, bulk_kb);
	t[2] = rdtsc();
	part_fault(fault_mb);
	t[3] = rdtsc();
	part_compute(iterations);
	t[4] = rdtsc();
	static const char *const names[] = { "fork", "pipe", "fault", "compute" };
	for (unsigned i = 0; i < 4; i++)
		printf("WORKLOAD %s %llu ticks\n", names[i], (unsigned long long)(t[i + 1] - t[i]));
	printf("WORKLOAD total %llu ticks\n", (unsigned long long)(t[4] - t[0]));
	/* After the total: a probe of how string stores are counted, not a
	 * part of the job. */
	part_stos(4096, 4);
	print_vulnerabilities();
	return 0;
}
