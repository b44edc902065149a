/* Exit qualifications and event-information fields decoded into structs
 * before any handler looks at them (SDM Vol. 3C §28.2.1, §25.9.2, §25.8.3).
 * Pure. */
#ifndef HV_DECODE_H
#define HV_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* Interruption-information format (exit, IDT-vectoring and entry fields). */
enum interruption_type {
	INTR_TYPE_EXTERNAL = 0,
	INTR_TYPE_NMI = 2,
	INTR_TYPE_HARDWARE_EXCEPTION = 3,
	INTR_TYPE_SOFTWARE_INTERRUPT = 4,
	INTR_TYPE_PRIVILEGED_SOFTWARE_EXCEPTION = 5,
	INTR_TYPE_SOFTWARE_EXCEPTION = 6,
	INTR_TYPE_OTHER = 7,
};
#define INTR_INFO_VALID (1u << 31)
#define INTR_INFO_ERROR_CODE (1u << 11)
#define INTR_INFO_NMI_UNBLOCKING (1u << 12)

struct interruption_info {
	bool valid;
	uint8_t vector;
	enum interruption_type type;
	bool has_error_code;
	bool nmi_unblocking_due_to_iret;
};
struct interruption_info decode_interruption_info(uint32_t field);
uint32_t encode_interruption_info(uint8_t vector, enum interruption_type type, bool has_error_code);

/* Control-register access (SDM Vol. 3C Table 28-3). */
enum cr_access_type { CR_MOV_TO = 0, CR_MOV_FROM = 1, CR_CLTS = 2, CR_LMSW = 3 };
struct cr_access {
	unsigned cr;
	enum cr_access_type type;
	bool lmsw_memory_operand;
	unsigned gpr; /* 0 RAX .. 15 R15, as in the ModRM encoding */
	uint16_t lmsw_source;
};
struct cr_access decode_cr_access(uint64_t qualification);

/* EPT violation (SDM Vol. 3C Table 28-7). */
struct ept_violation {
	bool read, write, fetch;              /* the access that caused it */
	bool readable, writable, executable;  /* what the EPT entry allowed */
	bool linear_address_valid;
	bool during_translation;              /* access to a guest paging structure */
	bool nmi_unblocking_due_to_iret;
};
struct ept_violation decode_ept_violation(uint64_t qualification);

/* I/O instruction (SDM Vol. 3C Table 28-5). */
struct io_access {
	unsigned size; /* 1, 2 or 4 bytes */
	bool in;       /* IN/INS; else OUT/OUTS */
	bool string, rep;
	uint16_t port;
};
struct io_access decode_io_access(uint64_t qualification);

/* Guest activity-state and interruptibility bits (SDM Vol. 3C §25.4.2). */
#define INTERRUPTIBILITY_STI (1u << 0)
#define INTERRUPTIBILITY_MOV_SS (1u << 1)
#define INTERRUPTIBILITY_SMI (1u << 2)
#define INTERRUPTIBILITY_NMI (1u << 3)
enum activity_state { ACTIVITY_ACTIVE = 0, ACTIVITY_HLT = 1, ACTIVITY_SHUTDOWN = 2, ACTIVITY_WAIT_FOR_SIPI = 3 };

#endif
