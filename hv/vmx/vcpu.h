/* Per-CPU and global hypervisor state. Everything here lives in the
 * hypervisor arena (EfiReservedMemoryType, hidden from the guest by EPT);
 * the host code reaches it through the pointer stored at the top of the
 * host stack (exit stub) or GS base (host exception/NMI stubs). */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include "../ept/ept.h"
#include "../exits/io_policy.h"
#include "../lib/acpi.h"
#include "../lib/config.h"
#include "../stats/counters.h"
#include "cpu_state.h"
#include "host_paging.h"
#include "cpuid_gates.h"
#include "vmx_caps.h"
#include "vmx_ops.h"

#include <hv/platform.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Guest GPRs as vmx_entry.asm pushes them (RSP and RIP live in the VMCS). */
struct guest_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t pad; /* keeps the host stack 16-byte aligned at the C call */
};
_Static_assert(sizeof(struct guest_regs) == 128, "vmx_entry.asm pushes 16 quadwords");
_Static_assert(offsetof(struct guest_regs, rax) == 112, "vmx_entry.asm push order");

#define HOST_STACK_SIZE (8 * 4096)
#define HOST_GDT_ENTRIES 8
#define HOST_SELECTOR_CS 0x08
#define HOST_SELECTOR_DS 0x10
#define HOST_SELECTOR_TR 0x18 /* 16-byte TSS descriptor: entries 3 and 4 */

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t offset_low, selector;
	uint8_t ist, type_attr;
	uint16_t offset_mid;
	uint32_t offset_high, reserved;
};

struct hv;

struct vcpu {
	/* Page-aligned regions first (the struct itself is page aligned). */
	uint8_t vmxon_region[4096];
	uint8_t vmcs_region[4096];
	uint8_t msr_bitmap[4096];
	uint8_t io_bitmaps[8192];           /* A then B */
	uint8_t host_stack[HOST_STACK_SIZE];
	/* IST1 NMI, IST2 #DF, IST3 #MC: each its own stack, since the host
	 * stack may be what failed and an NMI may come during a #MC. */
	uint8_t host_ist_stacks[3][4096];
	struct idt_gate host_idt[256];
	uint64_t host_gdt[HOST_GDT_ENTRIES];
	struct tss64 host_tss;

	struct hv *hv;
	unsigned index;
	uint32_t apic_id;
	uint64_t vmxon_phys, vmcs_phys;
	/* The GS area: HOST_GS_BASE points at host_nmi_pending (gs:0, set by
	 * the host NMI stub); vmcs_read/vmcs_write count at gs:8 and gs:16
	 * (this exit's, dispatch.c). Beside the NMI flag, event delivery's
	 * flags (interrupt.c): one 64-bit load checks them all (events_idle,
	 * exits.h). */
	union __attribute__((aligned(8))) {
		struct {
			volatile uint8_t host_nmi_pending;
			bool guest_nmi_pending;
			bool halting_natively;  /* this entry re-executes HLT, HLT exiting off */
			bool timer_kick;        /* a short preemption timer is armed for event delivery */
			/* pending_interrupts or a control of PROC_EVENT_CONTROLS is
			 * set (or was, until the next delivery: never falsely 0) */
			bool delivery_armed;
		};
		uint64_t event_flags;
	};
	volatile uint64_t vmreads, vmwrites;
	/* Work the exit path must do before the next entry, one 32-bit load
	 * for all three (dispatch.c): */
	volatile uint8_t host_mc_pending;   /* gs:24: a machine check hit root mode (host.c) */
	volatile uint8_t ept_flush_pending; /* another CPU changed the EPT's memory types (msr.c) */
	volatile uint16_t vmwrite_failed;   /* gs:26: first failed VMWRITE, field + 1 (vmcs_diag.c) */
	volatile uint32_t vmwrite_error;    /* gs:28: its VM-instruction error */
	uint64_t pending_interrupts[4];    /* external vectors waiting for the window */
	uint32_t proc_controls;             /* primary processor-based controls as in the VMCS */
	uint32_t pin_controls;              /* pin-based controls as in the VMCS */
	uint32_t timer_stats_left;          /* the periodic-statistics timer's rest behind that kick */
	struct exit_stats stats;            /* this CPU's exits: counts, cycles, sub-kinds */
	uint64_t ept_violations;
	unsigned mtrr_writes;
	bool microcode_update_reported;
	bool stopped;
	bool virtualized; /* runs as our guest: its statistics are printed */
	bool wait_for_sipi; /* an INIT put it in wait-for-SIPI (init_sipi.c) */
	bool sipi_started;      /* a SIPI started it and no INIT came since */
	bool stale_init_reported;
	uint64_t sipi_cs_base;  /* where that SIPI started it */
	/* INIT/SIPI relay (init_sipi.c): written by the sending CPU. */
	volatile uint32_t relay_init, relay_sipi, relay_waiting;
	/* Its xAPIC LDR and DFR as the guest last wrote them (INIT resets
	 * them), for logical destinations: a sender cannot read another
	 * processor's APIC. */
	volatile uint32_t relay_ldr, relay_dfr;
} __attribute__((aligned(4096)));
_Static_assert(offsetof(struct vcpu, vmreads) - offsetof(struct vcpu, host_nmi_pending) == VCPU_GS_VMREADS,
	       "vmx_ops.h counts VMREADs at gs:8");
_Static_assert(offsetof(struct vcpu, vmwrites) - offsetof(struct vcpu, host_nmi_pending) == VCPU_GS_VMWRITES,
	       "vmx_ops.h counts VMWRITEs at gs:16");
_Static_assert(offsetof(struct vcpu, host_mc_pending) - offsetof(struct vcpu, host_nmi_pending) == VCPU_GS_MC_PENDING,
	       "host.c sets the machine-check flag at gs:24");
_Static_assert(offsetof(struct vcpu, vmwrite_failed) - offsetof(struct vcpu, host_nmi_pending) == VCPU_GS_VMWRITE_FAILED &&
		       offsetof(struct vcpu, vmwrite_error) - offsetof(struct vcpu, host_nmi_pending) == VCPU_GS_VMWRITE_ERROR,
	       "vmcs_diag.c records a failed VMWRITE at gs:26 and gs:28");
_Static_assert(offsetof(struct vcpu, delivery_armed) - offsetof(struct vcpu, host_nmi_pending) == 4,
	       "event_flags' low half holds the NMI, HLT and timer flags only (interrupt.c)");
_Static_assert(offsetof(struct vcpu, ept_flush_pending) == offsetof(struct vcpu, host_mc_pending) + 1,
	       "dispatch.c reads the flags with one 32-bit load");



struct hv {
	struct hv_config config;
	struct vmx_msr_snapshot msrs;
	struct vmx_caps caps;
	struct cpu_features features;     /* CPUID facts, read once (cpu_state.h) */
	struct cpuid_filter cpuid;        /* what the guest's CPUID hides, which controls it enables */
	unsigned maxphyaddr;
	struct ept ept;
	struct mtrr_snapshot mtrrs;       /* memory types of the EPT (MTRR writes update it) */
	volatile int ept_lock;            /* held while the EPT or mtrrs change */
	uint64_t eptp;
	uint64_t tsc_hz;
	uint32_t preemption_timer_reload; /* 0 = no periodic statistics */
	struct host_paging host_paging;   /* the host's page tables (host_paging.h) */
	uint64_t host_cr3;
	uint64_t arena_base, arena_size, arena_used; /* physical = virtual */
	uint64_t image_copy_base, image_copy_size;
	struct acpi_power acpi;           /* power-off and reset registers we intercept */
	struct io_policy io_policy;       /* emulator ports intercepted, a refused sleep (io.c) */
	bool pci_config_fast;             /* dword accesses at 0xcf8 skip the I/O policy (pci_config_io.h) */
	uint64_t apic_relay_page;         /* local APIC page, read-only in EPT (ipi_relay = on), else 0 */
	unsigned cpu_count;
	struct vcpu *vcpus[HV_MAX_CPUS];
};

#endif
