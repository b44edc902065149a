/* Privileged instruction wrappers: the only place hypervisor code spells out
 * CPUID, RDMSR/WRMSR, port I/O and control-register accesses. Pure modules
 * never include this header, so they build into host unit tests unchanged. */
#ifndef HV_CPU_H
#define HV_CPU_H

#include <stdint.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf) { return cpuid_count(leaf, 0); }

/* Physical-address width: CPUID 0x80000008 EAX[7:0], 36 without that
 * leaf (SDM Vol. 3A §4.1.4). */
static inline unsigned cpu_maxphyaddr(void)
{
	return cpuid(0x80000000).eax >= 0x80000008 ? (cpuid(0x80000008).eax & 0xff) : 36;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)) : "memory");
}

/* Port I/O of one width: outb/inb, outw/inw, outl/inl. */
#define DEFINE_PORT_IO(suffix, type)                                              \
	static inline void out##suffix(uint16_t port, type value)                 \
	{                                                                         \
		__asm__ volatile("out" #suffix " %0, %1" ::"a"(value), "Nd"(port)); \
	}                                                                         \
	static inline type in##suffix(uint16_t port)                              \
	{                                                                         \
		type v;                                                           \
		__asm__ volatile("in" #suffix " %1, %0" : "=a"(v) : "Nd"(port));  \
		return v;                                                         \
	}
DEFINE_PORT_IO(b, uint8_t)
DEFINE_PORT_IO(w, uint16_t)
DEFINE_PORT_IO(l, uint32_t)
#undef DEFINE_PORT_IO

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_READ_CR(n)                                               \
	static inline uint64_t read_cr##n(void)                         \
	{                                                               \
		uint64_t v;                                             \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));       \
		return v;                                               \
	}                                                               \
	static inline void write_cr##n(uint64_t v)                      \
	{                                                               \
		__asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); \
	}
DEFINE_READ_CR(0)
DEFINE_READ_CR(3)
DEFINE_READ_CR(4)
#undef DEFINE_READ_CR

static inline void cpu_pause(void) { __asm__ volatile("pause"); }

/* A test-and-set lock for the few places several processors print at once
 * (log lines, statistics dumps); never on the counting path of an exit. */
static inline void spin_lock(volatile int *lock)
{
	while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
		cpu_pause();
}
static inline void spin_unlock(volatile int *lock) { __atomic_store_n(lock, 0, __ATOMIC_RELEASE); }
__attribute__((noreturn)) static inline void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
