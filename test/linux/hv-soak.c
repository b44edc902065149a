/* hv-soak: the SMP soak workload of the test initramfs (issue 13), run by
 * /init when the kernel command line has hv_soak=ROUNDS. Built static.
 *
 * One worker thread per online CPU, each pinned to its CPU, all in one
 * address space, so that what one does needs the others:
 *   - mprotect() of a region every worker has touched, and munmap() of a
 *     page another worker just used: TLB shootdowns (function-call IPIs to
 *     the CPUs that run this mm);
 *   - a futex handed round the workers: wake-ups of threads on other CPUs
 *     (reschedule IPIs);
 *   - nanosleep() of 50 us: timers on every CPU.
 * The main thread meanwhile takes each AP offline and online again through
 * /sys/devices/system/cpu/cpuN/online (INIT/SIPI at run time), once a round.
 * Progress is counted in rounds, not seconds: under the hypervisor in Bochs
 * a second of the kernel's time is minutes of the run's.
 *
 * It ends with one line:
 *   SOAK: rounds R, work cpu0=N cpu1=N ..., hotplug K off/on, IPIs CAL=N
 *   RES=N TLB=N, timer LOC=N, hangs H, lost CPUs L
 * where a hang is a worker that did not finish its rounds within the bound
 * (hv_soak_bound= ms of the kernel's time per round, default 60000) and a
 * lost CPU one that was online before and is not after. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_CPUS 64
#define REGION_PAGES 16

static int cpus;                 /* online CPUs at the start */
static long rounds, units = 20;  /* work units per worker and round */
static unsigned char *region;    /* shared, touched by every worker */
static _Atomic unsigned long work[MAX_CPUS];
static _Atomic int round_done[MAX_CPUS];
static _Atomic int baton;        /* the futex handed round the workers */
static _Atomic int stop;

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set); /* fails while that CPU is offline: run elsewhere */
}

static long futex(_Atomic int *addr, int op, int val)
{
	return syscall(SYS_futex, (int *)addr, op, val, NULL, NULL, 0);
}

static void unit(int cpu, unsigned long n)
{
	size_t page = 4096;
	/* Write to the shared region, then change its protection: every CPU
	 * that ran this mm gets a flush. */
	region[(cpu * 7 + n) % REGION_PAGES * page] = (unsigned char)n;
	mprotect(region, REGION_PAGES * page, PROT_READ);
	mprotect(region, REGION_PAGES * page, PROT_READ | PROT_WRITE);
	/* Map, touch, unmap: a shootdown of a page others may have cached. */
	unsigned char *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		p[0] = 1;
		munmap(p, page);
	}
	/* Hand the baton on and wake whoever waits for it (another CPU). */
	if (atomic_fetch_add(&baton, 1) % cpus == cpu)
		futex(&baton, FUTEX_WAKE_PRIVATE, 1);
	struct timespec ts = { 0, 50000 };
	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	int cpu = (int)(long)arg;
	for (long r = 0; r < rounds && !atomic_load(&stop); r++) {
		pin(cpu); /* again each round: hotplug broke the affinity */
		for (long i = 0; i < units; i++) {
			unit(cpu, atomic_load(&work[cpu]));
			atomic_fetch_add(&work[cpu], 1);
		}
		atomic_store(&round_done[cpu], (int)r + 1);
		int b = atomic_load(&baton);
		struct timespec ts = { 0, 100000 };
		syscall(SYS_futex, (int *)&baton, FUTEX_WAIT_PRIVATE, b, &ts, NULL, 0);
	}
	return NULL;
}

static int set_online(int cpu, int on)
{
	char path[64];
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	int ok = write(fd, on ? "1" : "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

static int online_count(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* Sums the per-CPU columns of one /proc/interrupts row. */
static unsigned long long irq_total(const char *name)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096];
	unsigned long long sum = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char *p = line;
		while (*p == ' ')
			p++;
		if (strncmp(p, name, strlen(name)) || p[strlen(name)] != ':')
			continue;
		p += strlen(name) + 1;
		for (;;) {
			char *end;
			unsigned long long v = strtoull(p, &end, 10);
			if (end == p)
				break;
			sum += v;
			p = end;
		}
	}
	if (f)
		fclose(f);
	return sum;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	rounds = argc > 1 ? atol(argv[1]) : 4;
	double bound_ms = argc > 2 ? atof(argv[2]) : 60000;
	cpus = online_count();
	if (cpus > MAX_CPUS)
		cpus = MAX_CPUS;
	region = mmap(NULL, REGION_PAGES * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		perror("hv-soak: mmap");
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	unsigned long long cal0 = irq_total("CAL"), res0 = irq_total("RES"), tlb0 = irq_total("TLB"),
			   loc0 = irq_total("LOC");
	printf("SOAK: %d CPUs, %ld rounds of %ld units per CPU, CPU hotplug of every AP once a round\n", cpus, rounds,
	       units);
	pthread_t t[MAX_CPUS];
	for (int c = 0; c < cpus; c++)
		pthread_create(&t[c], NULL, worker, (void *)(long)c);
	int hotplug = 0, hangs = 0;
	for (long r = 0; r < rounds; r++) {
		for (int c = 1; c < cpus; c++)
			if (set_online(c, 0) == 0 && set_online(c, 1) == 0)
				hotplug++;
		/* Wait for every worker to finish this round, within the bound. */
		double start = now_ms();
		for (int c = 0; c < cpus; c++)
			while (atomic_load(&round_done[c]) <= r) {
				if (now_ms() - start > bound_ms) {
					printf("SOAK: round %ld: the worker of CPU %d made no progress in %.0f ms: HANG\n",
					       r + 1, c, bound_ms);
					hangs++;
					break;
				}
				sched_yield();
			}
		printf("SOAK: round %ld of %ld done, %d CPUs online\n", r + 1, rounds, online_count());
		if (hangs)
			break;
	}
	atomic_store(&stop, 1);
	futex(&baton, FUTEX_WAKE_PRIVATE, MAX_CPUS);
	if (!hangs)
		for (int c = 0; c < cpus; c++)
			pthread_join(t[c], NULL);
	char per_cpu[MAX_CPUS * 24] = "";
	for (int c = 0; c < cpus; c++)
		snprintf(per_cpu + strlen(per_cpu), sizeof(per_cpu) - strlen(per_cpu), " cpu%d=%lu", c,
			 atomic_load(&work[c]));
	int lost = cpus - online_count();
	printf("SOAK: rounds %ld, work%s, hotplug %d off/on, IPIs CAL=%llu RES=%llu TLB=%llu, timer LOC=%llu, "
	       "hangs %d, lost CPUs %d\n",
	       rounds, per_cpu, hotplug, irq_total("CAL") - cal0, irq_total("RES") - res0, irq_total("TLB") - tlb0,
	       irq_total("LOC") - loc0, hangs, lost < 0 ? 0 : lost);
	return hangs || lost ? 1 : 0;
}
