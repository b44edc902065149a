/* What the VMCS depends on besides the capability MSRs, read once per
 * processor before composition: the CPUID facts (struct cpu_features) and
 * the firmware's CPU state at the moment of launch (struct cpu_state),
 * which becomes the guest state. Pure types: cpu_state.c fills them on the
 * processor, unit tests fill them from fixtures. */
#ifndef HV_CPU_STATE_H
#define HV_CPU_STATE_H

#include "cpuid_gates.h"
#include "segment.h"
#include "vmcs_fields.h"

#include <stdint.h>

struct cpu_features {
	struct cpuid_words words;  /* the words cpuid_gates.h names */
	unsigned maxphyaddr;       /* CPUID 0x80000008 EAX[7:0], else 36 */
	bool page_1gb;             /* CPUID 0x80000001 EDX[26] */
};

#define CPUID_1_ECX_XSAVE (1u << 26)

/* Segment registers in the order of the guest segment fields. */
enum cpu_segment { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_COUNT };
_Static_assert(SEG_COUNT == VMCS_GUEST_SEGMENT_COUNT, "vmcs_guest_segments order: ES CS SS DS FS GS LDTR TR");

struct cpu_state {
	uint64_t cr0, cr3, cr4, dr7, rflags;
	uint64_t efer, pat, debugctl, sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t fs_base, gs_base;         /* IA32_FS_BASE, IA32_GS_BASE */
	uint64_t gdtr_base, idtr_base;
	uint16_t gdtr_limit, idtr_limit;
	struct segment seg[SEG_COUNT];     /* decoded from the GDT (segment.c) */
};

/* On the processor (privileged; hv.efi only). cpu_state_read takes
 * rflags and gs_base from the caller, who has already changed both. */
void cpu_features_read(struct cpu_features *f);
void cpu_state_read(struct cpu_state *s, uint64_t rflags, uint64_t gs_base);

#endif
