/* Reads struct cpu_features and struct cpu_state on this processor: the
 * only privileged part of VMCS composition (vmcs_compose.c is pure). */
#include "cpu_state.h"

#include <hv/arch_bits.h>
#include <hv/cpu.h>
#include <hv/msr.h>


void cpu_features_read(struct cpu_features *f)
{
	*f = (struct cpu_features){ 0 };
	uint32_t max = cpuid(0).eax, max_ext = cpuid(0x80000000).eax;
	for (unsigned w = 0; w < CPUID_WORD_COUNT; w++) {
		uint32_t leaf = cpuid_words[w].leaf;
		if (leaf > (leaf >= 0x80000000u ? max_ext : max))
			continue;
		uint32_t sub = cpuid_words[w].subleaf == CPUID_ANY_SUBLEAF ? 0 : cpuid_words[w].subleaf;
		struct cpuid_regs r = cpuid_count(leaf, sub);
		uint32_t regs[4] = { r.eax, r.ebx, r.ecx, r.edx };
		f->words.w[w] = regs[cpuid_words[w].reg];
	}
	f->maxphyaddr = cpu_maxphyaddr();
	f->page_1gb = max_ext >= 0x80000001u && (cpuid(0x80000001u).edx & (1u << 26));
}

static uint16_t read_selector(enum cpu_segment which)
{
	uint16_t s = 0;
	switch (which) {
	case SEG_ES: __asm__ volatile("mov %%es, %0" : "=r"(s)); break;
	case SEG_CS: __asm__ volatile("mov %%cs, %0" : "=r"(s)); break;
	case SEG_SS: __asm__ volatile("mov %%ss, %0" : "=r"(s)); break;
	case SEG_DS: __asm__ volatile("mov %%ds, %0" : "=r"(s)); break;
	case SEG_FS: __asm__ volatile("mov %%fs, %0" : "=r"(s)); break;
	case SEG_GS: __asm__ volatile("mov %%gs, %0" : "=r"(s)); break;
	case SEG_LDTR: __asm__ volatile("sldt %0" : "=r"(s)); break;
	default: __asm__ volatile("str %0" : "=r"(s)); break;
	}
	return s;
}

struct __attribute__((packed)) descriptor_table_register {
	uint16_t limit;
	uint64_t base;
};

void cpu_state_read(struct cpu_state *s, uint64_t rflags, uint64_t gs_base)
{
	struct descriptor_table_register gdtr, idtr;
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	*s = (struct cpu_state){ 0 };
	s->cr0 = read_cr0();
	s->cr3 = read_cr3();
	s->cr4 = read_cr4();
	__asm__ volatile("mov %%dr7, %0" : "=r"(s->dr7));
	s->rflags = rflags;
	s->efer = rdmsr(MSR_IA32_EFER);
	s->pat = rdmsr(MSR_IA32_PAT);
	s->debugctl = rdmsr(MSR_IA32_DEBUGCTL);
	s->sysenter_cs = rdmsr(MSR_IA32_SYSENTER_CS);
	s->sysenter_esp = rdmsr(MSR_IA32_SYSENTER_ESP);
	s->sysenter_eip = rdmsr(MSR_IA32_SYSENTER_EIP);
	s->fs_base = rdmsr(MSR_IA32_FS_BASE);
	s->gs_base = gs_base;
	s->gdtr_base = gdtr.base;
	s->gdtr_limit = gdtr.limit;
	s->idtr_base = idtr.base;
	s->idtr_limit = idtr.limit;
	bool ia32e = s->efer & EFER_LMA;
	for (unsigned i = 0; i < SEG_COUNT; i++)
		segment_from_gdt((const uint8_t *)(uintptr_t)gdtr.base, gdtr.limit, read_selector((enum cpu_segment)i),
				 ia32e, &s->seg[i]);
}
