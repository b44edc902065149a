/* The one table of VMCS field encodings (SDM Vol. 3D, Appendix B).
 * X(name, encoding, width). The width is also encoded in bits 14:13 of the
 * encoding (SDM Vol. 3C §25.11.2); test_vmcs_fields checks they agree.
 * The list generates enum vmcs_field (dense indexes for struct vmcs_image),
 * the encoding table and the names used in diagnostics. */
#ifndef HV_VMCS_FIELDS_H
#define HV_VMCS_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vmcs_width { W16 = 0, W64 = 1, W32 = 2, WNAT = 3 };

#define VMCS_FIELD_LIST(X)                                              \
	/* 16-bit control, guest, host */                               \
	X(VMCS_VPID, 0x0000, W16)                                       \
	X(VMCS_GUEST_ES_SELECTOR, 0x0800, W16)                          \
	X(VMCS_GUEST_CS_SELECTOR, 0x0802, W16)                          \
	X(VMCS_GUEST_SS_SELECTOR, 0x0804, W16)                          \
	X(VMCS_GUEST_DS_SELECTOR, 0x0806, W16)                          \
	X(VMCS_GUEST_FS_SELECTOR, 0x0808, W16)                          \
	X(VMCS_GUEST_GS_SELECTOR, 0x080a, W16)                          \
	X(VMCS_GUEST_LDTR_SELECTOR, 0x080c, W16)                        \
	X(VMCS_GUEST_TR_SELECTOR, 0x080e, W16)                          \
	X(VMCS_HOST_ES_SELECTOR, 0x0c00, W16)                           \
	X(VMCS_HOST_CS_SELECTOR, 0x0c02, W16)                           \
	X(VMCS_HOST_SS_SELECTOR, 0x0c04, W16)                           \
	X(VMCS_HOST_DS_SELECTOR, 0x0c06, W16)                           \
	X(VMCS_HOST_FS_SELECTOR, 0x0c08, W16)                           \
	X(VMCS_HOST_GS_SELECTOR, 0x0c0a, W16)                           \
	X(VMCS_HOST_TR_SELECTOR, 0x0c0c, W16)                           \
	/* 64-bit control */                                            \
	X(VMCS_IO_BITMAP_A, 0x2000, W64)                                \
	X(VMCS_IO_BITMAP_B, 0x2002, W64)                                \
	X(VMCS_MSR_BITMAP, 0x2004, W64)                                 \
	X(VMCS_VMEXIT_MSR_STORE_ADDR, 0x2006, W64)                      \
	X(VMCS_VMEXIT_MSR_LOAD_ADDR, 0x2008, W64)                       \
	X(VMCS_VMENTRY_MSR_LOAD_ADDR, 0x200a, W64)                      \
	X(VMCS_TSC_OFFSET, 0x2010, W64)                                 \
	X(VMCS_VIRTUAL_APIC_PAGE_ADDR, 0x2012, W64)                     \
	X(VMCS_APIC_ACCESS_ADDR, 0x2014, W64)                           \
	X(VMCS_EPT_POINTER, 0x201a, W64)                                \
	X(VMCS_XSS_EXIT_BITMAP, 0x202c, W64)                            \
	/* 64-bit read-only data */                                     \
	X(VMCS_GUEST_PHYSICAL_ADDRESS, 0x2400, W64)                     \
	/* 64-bit guest state */                                        \
	X(VMCS_VMCS_LINK_POINTER, 0x2800, W64)                          \
	X(VMCS_GUEST_IA32_DEBUGCTL, 0x2802, W64)                        \
	X(VMCS_GUEST_IA32_PAT, 0x2804, W64)                             \
	X(VMCS_GUEST_IA32_EFER, 0x2806, W64)                            \
	X(VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, 0x2808, W64)                \
	X(VMCS_GUEST_PDPTE0, 0x280a, W64)                               \
	X(VMCS_GUEST_PDPTE1, 0x280c, W64)                               \
	X(VMCS_GUEST_PDPTE2, 0x280e, W64)                               \
	X(VMCS_GUEST_PDPTE3, 0x2810, W64)                               \
	/* 64-bit host state */                                         \
	X(VMCS_HOST_IA32_PAT, 0x2c00, W64)                              \
	X(VMCS_HOST_IA32_EFER, 0x2c02, W64)                             \
	X(VMCS_HOST_IA32_PERF_GLOBAL_CTRL, 0x2c04, W64)                 \
	/* 32-bit control */                                            \
	X(VMCS_PIN_BASED_CONTROLS, 0x4000, W32)                         \
	X(VMCS_PROC_BASED_CONTROLS, 0x4002, W32)                        \
	X(VMCS_EXCEPTION_BITMAP, 0x4004, W32)                           \
	X(VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0x4006, W32)                 \
	X(VMCS_PAGE_FAULT_ERROR_CODE_MATCH, 0x4008, W32)                \
	X(VMCS_CR3_TARGET_COUNT, 0x400a, W32)                           \
	X(VMCS_VMEXIT_CONTROLS, 0x400c, W32)                            \
	X(VMCS_VMEXIT_MSR_STORE_COUNT, 0x400e, W32)                     \
	X(VMCS_VMEXIT_MSR_LOAD_COUNT, 0x4010, W32)                      \
	X(VMCS_VMENTRY_CONTROLS, 0x4012, W32)                           \
	X(VMCS_VMENTRY_MSR_LOAD_COUNT, 0x4014, W32)                     \
	X(VMCS_VMENTRY_INTERRUPTION_INFO, 0x4016, W32)                  \
	X(VMCS_VMENTRY_EXCEPTION_ERROR_CODE, 0x4018, W32)               \
	X(VMCS_VMENTRY_INSTRUCTION_LENGTH, 0x401a, W32)                 \
	X(VMCS_TPR_THRESHOLD, 0x401c, W32)                              \
	X(VMCS_SECONDARY_PROC_BASED_CONTROLS, 0x401e, W32)              \
	/* 32-bit read-only data */                                     \
	X(VMCS_VM_INSTRUCTION_ERROR, 0x4400, W32)                       \
	X(VMCS_EXIT_REASON, 0x4402, W32)                                \
	X(VMCS_VMEXIT_INTERRUPTION_INFO, 0x4404, W32)                   \
	X(VMCS_VMEXIT_INTERRUPTION_ERROR_CODE, 0x4406, W32)             \
	X(VMCS_IDT_VECTORING_INFO, 0x4408, W32)                         \
	X(VMCS_IDT_VECTORING_ERROR_CODE, 0x440a, W32)                   \
	X(VMCS_VMEXIT_INSTRUCTION_LENGTH, 0x440c, W32)                  \
	X(VMCS_VMX_INSTRUCTION_INFO, 0x440e, W32)                       \
	/* 32-bit guest state */                                        \
	X(VMCS_GUEST_ES_LIMIT, 0x4800, W32)                             \
	X(VMCS_GUEST_CS_LIMIT, 0x4802, W32)                             \
	X(VMCS_GUEST_SS_LIMIT, 0x4804, W32)                             \
	X(VMCS_GUEST_DS_LIMIT, 0x4806, W32)                             \
	X(VMCS_GUEST_FS_LIMIT, 0x4808, W32)                             \
	X(VMCS_GUEST_GS_LIMIT, 0x480a, W32)                             \
	X(VMCS_GUEST_LDTR_LIMIT, 0x480c, W32)                           \
	X(VMCS_GUEST_TR_LIMIT, 0x480e, W32)                             \
	X(VMCS_GUEST_GDTR_LIMIT, 0x4810, W32)                           \
	X(VMCS_GUEST_IDTR_LIMIT, 0x4812, W32)                           \
	X(VMCS_GUEST_ES_ACCESS_RIGHTS, 0x4814, W32)                     \
	X(VMCS_GUEST_CS_ACCESS_RIGHTS, 0x4816, W32)                     \
	X(VMCS_GUEST_SS_ACCESS_RIGHTS, 0x4818, W32)                     \
	X(VMCS_GUEST_DS_ACCESS_RIGHTS, 0x481a, W32)                     \
	X(VMCS_GUEST_FS_ACCESS_RIGHTS, 0x481c, W32)                     \
	X(VMCS_GUEST_GS_ACCESS_RIGHTS, 0x481e, W32)                     \
	X(VMCS_GUEST_LDTR_ACCESS_RIGHTS, 0x4820, W32)                   \
	X(VMCS_GUEST_TR_ACCESS_RIGHTS, 0x4822, W32)                     \
	X(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0x4824, W32)               \
	X(VMCS_GUEST_ACTIVITY_STATE, 0x4826, W32)                       \
	X(VMCS_GUEST_SMBASE, 0x4828, W32)                               \
	X(VMCS_GUEST_IA32_SYSENTER_CS, 0x482a, W32)                     \
	X(VMCS_VMX_PREEMPTION_TIMER_VALUE, 0x482e, W32)                 \
	/* 32-bit host state */                                         \
	X(VMCS_HOST_IA32_SYSENTER_CS, 0x4c00, W32)                      \
	/* natural-width control */                                     \
	X(VMCS_CR0_GUEST_HOST_MASK, 0x6000, WNAT)                       \
	X(VMCS_CR4_GUEST_HOST_MASK, 0x6002, WNAT)                       \
	X(VMCS_CR0_READ_SHADOW, 0x6004, WNAT)                           \
	X(VMCS_CR4_READ_SHADOW, 0x6006, WNAT)                           \
	X(VMCS_CR3_TARGET_VALUE0, 0x6008, WNAT)                         \
	/* natural-width read-only data */                              \
	X(VMCS_EXIT_QUALIFICATION, 0x6400, WNAT)                        \
	X(VMCS_GUEST_LINEAR_ADDRESS, 0x640a, WNAT)                      \
	/* natural-width guest state */                                 \
	X(VMCS_GUEST_CR0, 0x6800, WNAT)                                 \
	X(VMCS_GUEST_CR3, 0x6802, WNAT)                                 \
	X(VMCS_GUEST_CR4, 0x6804, WNAT)                                 \
	X(VMCS_GUEST_ES_BASE, 0x6806, WNAT)                             \
	X(VMCS_GUEST_CS_BASE, 0x6808, WNAT)                             \
	X(VMCS_GUEST_SS_BASE, 0x680a, WNAT)                             \
	X(VMCS_GUEST_DS_BASE, 0x680c, WNAT)                             \
	X(VMCS_GUEST_FS_BASE, 0x680e, WNAT)                             \
	X(VMCS_GUEST_GS_BASE, 0x6810, WNAT)                             \
	X(VMCS_GUEST_LDTR_BASE, 0x6812, WNAT)                           \
	X(VMCS_GUEST_TR_BASE, 0x6814, WNAT)                             \
	X(VMCS_GUEST_GDTR_BASE, 0x6816, WNAT)                           \
	X(VMCS_GUEST_IDTR_BASE, 0x6818, WNAT)                           \
	X(VMCS_GUEST_DR7, 0x681a, WNAT)                                 \
	X(VMCS_GUEST_RSP, 0x681c, WNAT)                                 \
	X(VMCS_GUEST_RIP, 0x681e, WNAT)                                 \
	X(VMCS_GUEST_RFLAGS, 0x6820, WNAT)                              \
	X(VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS, 0x6822, WNAT)            \
	X(VMCS_GUEST_IA32_SYSENTER_ESP, 0x6824, WNAT)                   \
	X(VMCS_GUEST_IA32_SYSENTER_EIP, 0x6826, WNAT)                   \
	/* natural-width host state */                                  \
	X(VMCS_HOST_CR0, 0x6c00, WNAT)                                  \
	X(VMCS_HOST_CR3, 0x6c02, WNAT)                                  \
	X(VMCS_HOST_CR4, 0x6c04, WNAT)                                  \
	X(VMCS_HOST_FS_BASE, 0x6c06, WNAT)                              \
	X(VMCS_HOST_GS_BASE, 0x6c08, WNAT)                              \
	X(VMCS_HOST_TR_BASE, 0x6c0a, WNAT)                              \
	X(VMCS_HOST_GDTR_BASE, 0x6c0c, WNAT)                            \
	X(VMCS_HOST_IDTR_BASE, 0x6c0e, WNAT)                            \
	X(VMCS_HOST_IA32_SYSENTER_ESP, 0x6c10, WNAT)                    \
	X(VMCS_HOST_IA32_SYSENTER_EIP, 0x6c12, WNAT)                    \
	X(VMCS_HOST_RSP, 0x6c14, WNAT)                                  \
	X(VMCS_HOST_RIP, 0x6c16, WNAT)

enum vmcs_field {
#define X(name, enc, width) name,
	VMCS_FIELD_LIST(X)
#undef X
	VMCS_FIELD_COUNT
};

/* VMCS_WIDTH_OF_<field>: the width as a constant, for compile-time checks
 * (vmx_ops.h's typed reads). */
enum vmcs_field_width_constants {
#define X(name, enc, width) VMCS_WIDTH_OF_##name = width,
	VMCS_FIELD_LIST(X)
#undef X
};

struct vmcs_field_info {
	const char *name;
	uint32_t encoding;
	enum vmcs_width width;
};

/* Indexed by enum vmcs_field; defined in vmcs_fields.c. */
extern const struct vmcs_field_info vmcs_field_table[VMCS_FIELD_COUNT];

/* "GUEST_CR0=0000000080050033 " (name without VMCS_, value in the
 * field's width; "-" for a field the processor lacks) into buf, at most
 * size bytes with the NUL; returns the length written. */
size_t vmcs_field_format(char *buf, size_t size, enum vmcs_field f, uint64_t value, bool present);

/* "VMWRITE VMCS_GUEST_CR0 failed: VM-instruction error 12 (...)" for the
 * record vmcs_write keeps (field_plus1 = enum vmcs_field + 1, error 0 for
 * VMfailInvalid); returns the length written, as vmcs_field_format. */
size_t vmcs_write_failure_text(char *buf, size_t size, unsigned field_plus1, uint32_t error);

/* The guest segment registers' fields in the order ES CS SS DS FS GS LDTR
 * TR (SDM Vol. 3C §25.4.1): composition, the VM-entry checker and INIT
 * share this one table. */
struct vmcs_segment_fields {
	enum vmcs_field selector, base, limit, access_rights;
};
#define VMCS_GUEST_SEGMENT_COUNT 8
extern const struct vmcs_segment_fields vmcs_guest_segments[VMCS_GUEST_SEGMENT_COUNT];

/* A software copy of VMCS contents, indexed by enum vmcs_field. Start-up
 * code composes the whole state here, the VM-entry checker reads it, and
 * only then is it written to the real VMCS (fields with set[] true). */
struct vmcs_image {
	uint64_t value[VMCS_FIELD_COUNT];
	uint8_t set[VMCS_FIELD_COUNT];
};

static inline void vmcs_image_put(struct vmcs_image *img, enum vmcs_field f, uint64_t v)
{
	img->value[f] = v;
	img->set[f] = 1;
}

static inline uint64_t vmcs_image_get(const struct vmcs_image *img, enum vmcs_field f) { return img->value[f]; }

#endif
