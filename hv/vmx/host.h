/* The host's own processor tables: after VM exit the hypervisor runs on
 * its GDT (with a TSS), IDT and page tables, all in the arena, so it keeps
 * working after the firmware and the OS replace theirs. */
#ifndef HV_HOST_H
#define HV_HOST_H

#include "vcpu.h"

#include <hv/status.h>

struct host_exception_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Page allocator over the arena (zeroed pages); NULL when it is full. */
void *arena_alloc_pages(struct hv *hv, unsigned pages);

/* Identity-maps [0, top) for the host with 1 GB pages when the CPU has
 * them (CPUID.80000001H:EDX.Page1GB[26]), else 2 MB pages. */
/* The host's identity map of [0, top) (host_paging.h), from hv->mtrrs:
 * large pages only where one memory type covers them. */
enum hv_status host_build_page_tables(struct hv *hv, const struct ept_ops *ops, uint64_t top);

/* Fills vcpu's host GDT, TSS and IDT. stubs_base is the address, in the
 * host's copy of our image, of vmx_entry.asm's host_exception_stubs. */
void host_build_tables(struct vcpu *v, uint64_t stubs_base);

#endif
