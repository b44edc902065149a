/* Reading what identifies an emulator (io_policy.h's struct
 * platform_facts): the CPUID hypervisor leaf and the PCI host bridge at
 * 00:00.0. Privileged (port I/O), header-only so the hypervisor (io.c) and
 * the test tool that shows them on any machine (test/guests/checks/platform_probe.c)
 * read them the same way. */
#ifndef HV_EXITS_PLATFORM_FACTS_H
#define HV_EXITS_PLATFORM_FACTS_H

#include "io_policy.h"

#include <hv/cpu.h>

/* Configuration mechanism #1 (PCI Local Bus 3.0 §3.2.2.3.2), bus 0,
 * device 0, function 0: present on every PC, used by every firmware. */
static inline uint32_t platform_host_bridge_read(uint8_t reg)
{
	outl(0xcf8, 0x80000000u | reg);
	return inl(0xcfc);
}

static inline void platform_facts_read(struct platform_facts *f)
{
	*f = (struct platform_facts){ 0 };
	if (cpuid(1).ecx & (1u << 31)) { /* CPUID.1:ECX[31]: a hypervisor; its leaf 0x40000000 */
		struct cpuid_regs h = cpuid(0x40000000);
		uint32_t words[3] = { h.ebx, h.ecx, h.edx };
		for (unsigned i = 0; i < 12; i++)
			f->hypervisor_signature[i] = (char)(words[i / 4] >> (8 * (i % 4)));
	}
	uint32_t id = platform_host_bridge_read(0x00);
	f->host_bridge_vendor = (uint16_t)id;
	f->host_bridge_device = (uint16_t)(id >> 16);
	f->host_bridge_subsystem_vendor = id == 0xffffffffu ? 0xffff : (uint16_t)platform_host_bridge_read(0x2c);
}

#endif
