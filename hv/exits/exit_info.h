/* The context of one VM exit and its exit-information fields (SDM Vol. 3C
 * §25.9): each is read from the VMCS on first use and kept for the rest of
 * the exit, so handlers, event delivery and the dump share one VMREAD. */
#ifndef HV_EXIT_INFO_H
#define HV_EXIT_INFO_H

#include "../vmx/vcpu.h"
#include "../vmx/vmx_ops.h"

#include <stdbool.h>
#include <stdint.h>

/* X(accessor, type, field) */
#define EXIT_INFO_LIST(X)                                                      \
	X(exit_qualification, uint64_t, VMCS_EXIT_QUALIFICATION)               \
	X(exit_interruption_info, uint32_t, VMCS_VMEXIT_INTERRUPTION_INFO)     \
	X(exit_interruption_error_code, uint32_t, VMCS_VMEXIT_INTERRUPTION_ERROR_CODE) \
	X(exit_idt_vectoring_info, uint32_t, VMCS_IDT_VECTORING_INFO)          \
	X(exit_idt_vectoring_error_code, uint32_t, VMCS_IDT_VECTORING_ERROR_CODE) \
	X(exit_instruction_length, uint32_t, VMCS_VMEXIT_INSTRUCTION_LENGTH)

enum exit_info_bit {
#define X(name, type, field) name##_bit,
	EXIT_INFO_LIST(X)
#undef X
};

struct exit_info {
#define X(name, type, field) type name;
	EXIT_INFO_LIST(X)
#undef X
};

struct exit_ctx {
	struct vcpu *vcpu;
	struct guest_regs *regs;
	unsigned reason;          /* basic exit reason */
	uint32_t sub_kind;        /* statistics sub-kind key (stats.h), or STATS_NO_SUB */
	union {                   /* all three zeroed at exit by one store (dispatch.c) */
		struct {
			bool event_injected; /* the handler set the VM-entry interruption info */
			bool not_counted;    /* the exit reset the statistics: leave it out */
			uint8_t info_read;   /* bit per field of EXIT_INFO_LIST: already read on this exit */
			uint8_t guest_if;    /* RFLAGS.IF as read on this exit: GUEST_IF_* */
		};
		uint32_t per_exit_flags;
	};
	struct exit_info info;    /* read on use (info_read) */
};
/* guest_if: not read yet, or the value read (interrupt.c; forgotten when
 * something writes RFLAGS). */
enum { GUEST_IF_UNREAD = 0, GUEST_IF_CLEAR = 1, GUEST_IF_SET = 2 };

/* exit_qualification(ctx), exit_interruption_info(ctx), ...: the field,
 * read on first use (most exits never need most of them). */
#define X(name, type, field)                                    \
	static inline type name(struct exit_ctx *ctx)           \
	{                                                       \
		if (!(ctx->info_read & (1u << name##_bit))) {   \
			ctx->info.name = (type)vmcs_read(field); \
			ctx->info_read |= 1u << name##_bit;     \
		}                                               \
		return ctx->info.name;                          \
	}
EXIT_INFO_LIST(X)
#undef X

#endif
