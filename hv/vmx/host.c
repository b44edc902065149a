#include "host.h"

#include "../lib/machine_check.h"
#include "../lib/log.h"
#include "vmx_ops.h"

#include <hv/cpu.h>

void *arena_alloc_pages(struct hv *hv, unsigned pages)
{
	uint64_t size = (uint64_t)pages * 4096;
	if (hv->arena_used + size > hv->arena_size)
		return NULL;
	uint8_t *p = (uint8_t *)(uintptr_t)(hv->arena_base + hv->arena_used);
	hv->arena_used += size;
	for (uint64_t i = 0; i < size; i++)
		p[i] = 0;
	return p;
}

enum hv_status host_build_page_tables(struct hv *hv, const struct ept_ops *ops, uint64_t top)
{
	if (host_paging_build(&hv->host_paging, ops, &hv->mtrrs, top, hv->features.page_1gb) != 0)
		return HV_ERR_NO_MEMORY;
	hv->host_cr3 = hv->host_paging.cr3;
	return HV_OK;
}

/* Descriptor formats: SDM Vol. 3A §3.4.5 (segments), §8.2.3 (64-bit TSS),
 * §6.14.1 (64-bit IDT gates). */
static uint64_t code64_descriptor(void) { return 0x00af9b000000ffffull; } /* L=1, P, DPL0, exec/read, accessed */
static uint64_t data_descriptor(void) { return 0x00cf93000000ffffull; }   /* 4 GB, P, DPL0, read/write, accessed */

void host_build_tables(struct vcpu *v, uint64_t stubs_base)
{
	uint64_t tss = (uint64_t)(uintptr_t)&v->host_tss;
	uint64_t tss_limit = sizeof(v->host_tss) - 1;
	v->host_gdt[0] = 0;
	v->host_gdt[1] = code64_descriptor();
	v->host_gdt[2] = data_descriptor();
	/* Available 64-bit TSS (type 9); VM exit marks TR busy itself. */
	v->host_gdt[3] = (tss_limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
			 (((tss >> 24) & 0xff) << 56);
	v->host_gdt[4] = tss >> 32;
	for (unsigned i = 0; i < 3; i++)
		v->host_tss.ist[i] = (uint64_t)(uintptr_t)(v->host_ist_stacks[i] + sizeof(v->host_ist_stacks[i]));
	v->host_tss.iomap_base = sizeof(v->host_tss);
	for (unsigned vec = 0; vec < 32; vec++) {
		uint64_t handler = stubs_base + 16 * vec;
		struct idt_gate *g = &v->host_idt[vec];
		g->offset_low = (uint16_t)handler;
		g->selector = HOST_SELECTOR_CS;
		/* NMI, #DF and #MC each run on a stack of their own (IST1-3):
		 * the host stack may be what failed. */
		g->ist = vec == 2 ? 1 : vec == 8 ? 2 : vec == 18 ? 3 : 0;
		g->type_attr = 0x8e; /* present, DPL0, 64-bit interrupt gate */
		g->offset_mid = (uint16_t)(handler >> 16);
		g->offset_high = (uint32_t)(handler >> 32);
	}
}

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
	"#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
};

/* A machine check in VMX root operation (SDM Vol. 3B §16.10): when the
 * processor says the interrupted code may go on (MCG_STATUS.RIPV, no bank
 * with a corrupt context), remember it for the guest, whose OS owns error
 * handling, and return: the exit path logs the banks and injects #MC
 * (dispatch.c). Nothing here takes a lock: the #MC may have interrupted
 * code that holds one. The banks and MCG_STATUS.MCIP stay for the guest's
 * handler to read and clear. */
static bool machine_check_in_root_mode(void)
{
	unsigned banks = (unsigned)(rdmsr(MSR_IA32_MCG_CAP) & 0xff);
	uint64_t status[32];
	if (banks > 32)
		banks = 32;
	for (unsigned i = 0; i < banks; i++)
		status[i] = rdmsr(MSR_IA32_MC0_STATUS + 4 * i);
	if (!machine_check_recoverable(rdmsr(MSR_IA32_MCG_STATUS), status, banks))
		return false;
	__asm__ volatile("movb $1, %%gs:%c0" ::"i"(VCPU_GS_MC_PENDING) : "memory");
	return true;
}

void host_exception(struct host_exception_frame *f);
void host_exception(struct host_exception_frame *f)
{
	if (f->vector == 18 && machine_check_in_root_mode())
		return;
	uint64_t cr2;
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	const char *name = f->vector < 32 && exception_names[f->vector] ? exception_names[f->vector] : "exception";
	log_printf("HOST FAULT: %s (vector %llu, error code 0x%llx) in the hypervisor at RIP 0x%llx\n", name,
		   (unsigned long long)f->vector, (unsigned long long)f->error_code, (unsigned long long)f->rip);
	log_printf("  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n", (unsigned long long)f->rax,
		   (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	log_printf("  rsi=%016llx rdi=%016llx rbp=%016llx rsp=%016llx\n", (unsigned long long)f->rsi,
		   (unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->rsp);
	log_printf("  cr2=%016llx rflags=%016llx cs=%llx\n", (unsigned long long)cr2, (unsigned long long)f->rflags,
		   (unsigned long long)f->cs);
	log_printf("hypervisor stopped: this CPU halts\n");
	cpu_halt_forever();
}
