/* VMX instructions (SDM Vol. 3C, Chapter 31) as inline wrappers. Each
 * returns the VMX status: VMsucceed, VMfailInvalid (CF=1: no current VMCS)
 * or VMfailValid (ZF=1: the VM-instruction error field says why). */
#ifndef HV_VMX_OPS_H
#define HV_VMX_OPS_H

#include "vmcs_fields.h"

#include <stdint.h>

enum vmx_result { VMX_SUCCEED = 0, VMX_FAIL_INVALID = 1, VMX_FAIL_VALID = 2 };

#define VMX_RESULT_FROM_FLAGS(cf, zf) ((cf) ? VMX_FAIL_INVALID : (zf) ? VMX_FAIL_VALID : VMX_SUCCEED)

static inline enum vmx_result vmxon(uint64_t phys)
{
	uint8_t cf, zf;
	__asm__ volatile("vmxon %2" : "=@ccc"(cf), "=@ccz"(zf) : "m"(phys) : "memory");
	return VMX_RESULT_FROM_FLAGS(cf, zf);
}

static inline enum vmx_result vmclear(uint64_t phys)
{
	uint8_t cf, zf;
	__asm__ volatile("vmclear %2" : "=@ccc"(cf), "=@ccz"(zf) : "m"(phys) : "memory");
	return VMX_RESULT_FROM_FLAGS(cf, zf);
}

static inline enum vmx_result vmptrld(uint64_t phys)
{
	uint8_t cf, zf;
	__asm__ volatile("vmptrld %2" : "=@ccc"(cf), "=@ccz"(zf) : "m"(phys) : "memory");
	return VMX_RESULT_FROM_FLAGS(cf, zf);
}

static inline enum vmx_result vmwrite_encoding(uint32_t encoding, uint64_t value)
{
	uint8_t cf, zf;
	__asm__ volatile("vmwrite %3, %2" : "=@ccc"(cf), "=@ccz"(zf) : "r"((uint64_t)encoding), "rm"(value) : "memory");
	return VMX_RESULT_FROM_FLAGS(cf, zf);
}

/* VMREAD that reports failure (a field this processor lacks): for dumps. */
static inline enum vmx_result vmread_checked(uint32_t encoding, uint64_t *value)
{
	uint8_t cf, zf;
	uint64_t v = 0;
	__asm__ volatile("vmread %3, %2" : "=@ccc"(cf), "=@ccz"(zf), "=rm"(v) : "r"((uint64_t)encoding) : "memory");
	*value = v;
	return VMX_RESULT_FROM_FLAGS(cf, zf);
}

static inline uint64_t vmread_encoding(uint32_t encoding)
{
	uint64_t v = 0;
	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"((uint64_t)encoding) : "cc");
	return v;
}

/* The encoding of a field from the one list (vmcs_fields.h); a constant
 * field folds to an immediate, so an access is the VMREAD alone. */
static inline uint32_t vmcs_encoding(enum vmcs_field f)
{
	switch (f) {
#define X(name, enc, width) \
	case name:          \
		return enc;
		VMCS_FIELD_LIST(X)
#undef X
	default: /* only a value outside the list (VMCS_FIELD_COUNT) gets here:
		  * no such component, and VMREAD/VMWRITE fail on it (recorded) */
		return 0xffffffffu;
	}
}

/* VMREADs and VMWRITEs so far, for the exit statistics (per-exit deltas),
 * counted per CPU in struct vcpu through GS: HOST_GS_BASE points at the
 * vCPU's GS area on every exit, and vmx_virtualize_this_cpu points GS there
 * while it sets the CPU up (vcpu.h asserts the offsets). One instruction
 * per access, no lock, no shared cache line. */
#define VCPU_GS_VMREADS 8
#define VCPU_GS_VMWRITES 16
#define VCPU_GS_MC_PENDING 24
/* The first failed VMWRITE since the last report, per CPU (vmcs_diag.c):
 * enum vmcs_field + 1 (0: none) and its VM-instruction error. */
#define VCPU_GS_VMWRITE_FAILED 26
#define VCPU_GS_VMWRITE_ERROR 28

/* Records a failed VMWRITE of f (vmcs_diag.c), off the hot path; returns
 * how it failed. */
enum vmx_result vmcs_write_failed(enum vmcs_field f) __attribute__((cold));
/* A constant value wider than its constant field: a compile-time error. */
void vmcs_value_wider_than_field(void)
	__attribute__((error("vmcs_write: constant value wider than the field (encoding bits 14:13)")));

/* Bits a field holds, from its encoding (SDM Vol. 3C §25.11.2, bits 14:13:
 * 0 16-bit, 1 64-bit, 2 32-bit, 3 natural width). */
static inline unsigned vmcs_width_bits(uint32_t encoding)
{
	static const unsigned char bits[4] = { 16, 64, 32, 64 };
	return bits[(encoding >> 13) & 3];
}

/* Field access by name. A constant field folds to an immediate encoding;
 * with a constant value too, the value's width is checked against the
 * field's at compile time. A failed VMWRITE is never dropped: it is
 * recorded for this CPU and reported before the next VM entry (one
 * predicted-not-taken branch on the exit path). */
static inline uint64_t vmcs_read(enum vmcs_field f)
{
	__asm__ volatile("incq %%gs:%c0" ::"i"(VCPU_GS_VMREADS));
	return vmread_encoding(vmcs_encoding(f));
}
static inline __attribute__((always_inline)) enum vmx_result vmcs_write(enum vmcs_field f, uint64_t v)
{
	uint32_t encoding = vmcs_encoding(f);
	if (__builtin_constant_p(encoding) && __builtin_constant_p(v) && vmcs_width_bits(encoding) < 64 &&
	    (v >> vmcs_width_bits(encoding)) != 0)
		vmcs_value_wider_than_field();
	__asm__ volatile("incq %%gs:%c0" ::"i"(VCPU_GS_VMWRITES));
	uint8_t failed; /* CF or ZF: one JBE on the hot path */
	__asm__ volatile("vmwrite %2, %1" : "=@ccbe"(failed) : "r"((uint64_t)encoding), "rm"(v) : "memory");
	if (__builtin_expect(failed, 0))
		return vmcs_write_failed(f);
	return VMX_SUCCEED;
}

/* Typed reads: the field's width, checked at compile time, is the type. */
#define VMCS_READ_TYPED(f, type, w)                                                                  \
	__extension__({                                                                              \
		_Static_assert((int)VMCS_WIDTH_OF_##f == (int)(w), #f " is not a " #type " field");           \
		(type) vmcs_read(f);                                                                 \
	})
#define vmcs_read16(f) VMCS_READ_TYPED(f, uint16_t, W16)
#define vmcs_read32(f) VMCS_READ_TYPED(f, uint32_t, W32)
#define vmcs_read64(f) VMCS_READ_TYPED(f, uint64_t, W64)

struct invept_descriptor {
	uint64_t eptp, reserved;
};
struct invvpid_descriptor {
	uint64_t vpid, linear_address;
};
enum { INVEPT_SINGLE_CONTEXT = 1, INVEPT_ALL_CONTEXT = 2 };
enum { INVVPID_ADDRESS = 0, INVVPID_SINGLE_CONTEXT = 1, INVVPID_ALL_CONTEXT = 2 };

static inline enum vmx_result invept(uint64_t type, uint64_t eptp)
{
	struct invept_descriptor d = { eptp, 0 };
	uint8_t cf, zf;
	__asm__ volatile("invept %2, %3" : "=@ccc"(cf), "=@ccz"(zf) : "m"(d), "r"(type) : "memory");
	return VMX_RESULT_FROM_FLAGS(cf, zf);
}

static inline enum vmx_result invvpid(uint64_t type, uint16_t vpid, uint64_t address)
{
	struct invvpid_descriptor d = { vpid, address };
	uint8_t cf, zf;
	__asm__ volatile("invvpid %2, %3" : "=@ccc"(cf), "=@ccz"(zf) : "m"(d), "r"(type) : "memory");
	return VMX_RESULT_FROM_FLAGS(cf, zf);
}

#endif
