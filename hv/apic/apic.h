/* Local APIC and x2APIC for the hypervisor itself (SDM Vol. 3A, Chapter 11,
 * "Advanced Programmable Interrupt Controller"): which mode a processor's
 * APIC is in, its ID, and the interrupt command register (ICR) for IPIs and
 * NMIs. The guest keeps direct use of its APIC; nothing here virtualizes it.
 *
 * The first part is pure (encodings, decoding IA32_APIC_BASE), covered by
 * test/unit/test_apic.c; apic_hw.c does the MSR and MMIO accesses. */
#ifndef HV_APIC_H
#define HV_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_IA32_APIC_BASE 0x1b
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ull << 11)   /* APIC globally enabled */

/* xAPIC MMIO register offsets; x2APIC MSR = 0x800 + offset / 16 (§11.12.1). */
#define APIC_REG_ID 0x020
#define APIC_REG_TPR 0x080
#define APIC_REG_EOI 0x0b0
#define APIC_REG_LDR 0x0d0
#define APIC_REG_DFR 0x0e0
#define APIC_REG_SVR 0x0f0
#define APIC_REG_ICR_LOW 0x300
#define APIC_REG_ICR_HIGH 0x310
#define X2APIC_MSR(reg) (0x800u + (reg) / 16u)
#define ICR_DELIVERY_PENDING (1u << 12) /* xAPIC only: send pending */

enum apic_mode { APIC_MODE_DISABLED, APIC_MODE_XAPIC, APIC_MODE_X2APIC, APIC_MODE_INVALID };

/* The mode IA32_APIC_BASE selects (§11.12.5, Table 11-5): EN and EXTD;
 * EXTD without EN is an invalid state. */
enum apic_mode apic_mode_of(uint64_t apic_base);
const char *apic_mode_name(enum apic_mode mode);

/* The xAPIC MMIO page: bits 12..MAXPHYADDR-1 of IA32_APIC_BASE. */
uint64_t apic_mmio_base(uint64_t apic_base, unsigned maxphyaddr);

/* The APIC ID from the ID register: bits 31:24 in xAPIC mode, all 32 bits
 * in x2APIC mode (§11.4.6, §11.12.5.1). */
uint32_t apic_id_from_register(enum apic_mode mode, uint32_t id_register);

enum apic_delivery {
	APIC_DELIVERY_FIXED = 0,
	APIC_DELIVERY_NMI = 4,
	APIC_DELIVERY_INIT = 5,
	APIC_DELIVERY_STARTUP = 6,
};
enum apic_shorthand {
	APIC_DEST_NO_SHORTHAND = 0,
	APIC_DEST_SELF = 1,
	APIC_DEST_ALL_INCLUDING_SELF = 2,
	APIC_DEST_ALL_EXCLUDING_SELF = 3,
};

/* The 64-bit ICR value for a physical-destination IPI (§11.6.1, Figure 11-12;
 * x2APIC §11.12.9): destination in bits 63:56 (xAPIC, 8-bit IDs) or 63:32
 * (x2APIC), level "assert" set, edge triggered; the vector is ignored for
 * NMI and INIT. Returns false (and *icr untouched) when the destination does
 * not fit the mode or a fixed IPI's vector is below 16. */
bool apic_icr(enum apic_mode mode, uint32_t destination, enum apic_delivery delivery, uint8_t vector,
	      enum apic_shorthand shorthand, uint64_t *icr);

/* What an ICR value asks for, the inverse of apic_icr. */
struct apic_ipi {
	enum apic_delivery delivery;
	enum apic_shorthand shorthand;
	uint8_t vector;
	uint32_t destination;
	bool logical; /* destination mode */
};
struct apic_ipi apic_icr_decode(enum apic_mode mode, uint64_t icr);
#define APIC_ICR_LEVEL_ASSERT (1u << 14)

/* How one processor is addressed: its APIC ID and, for logical destination
 * mode, its logical destination and destination format registers (xAPIC:
 * LDR bits 31:24, DFR bits 31:28 flat 1111b or cluster 0000b, §11.6.2.2;
 * x2APIC: LDR from apic_x2apic_ldr, no DFR, §11.12.10). */
struct apic_target {
	uint32_t id, ldr, dfr;
};
/* The x2APIC's logical ID: cluster ID[19:4] in bits 31:16, bit ID[3:0] set
 * in bits 15:0 (§11.12.10.2). */
uint32_t apic_x2apic_ldr(uint32_t x2apic_id);
/* Whether an IPI the processor with APIC ID sender_id sends reaches t: the
 * shorthand, else physical (ID, or the broadcast 0xff / 0xffffffff) or
 * logical (flat: LDR bit set in the destination; cluster: same cluster,
 * a common member bit; x2APIC: same cluster, a common bit). */
bool apic_ipi_reaches(enum apic_mode mode, const struct apic_ipi *ipi, uint32_t sender_id,
		      const struct apic_target *t);
/* INIT and SIPI are valid with no shorthand or "all excluding self" only;
 * "self" and "all including self" are invalid for them (§11.6.1, the table
 * of valid ICR combinations for Pentium 4 and later processors). */
bool apic_init_sipi_shorthand_valid(enum apic_shorthand shorthand);

/* apic_hw.c: this processor's APIC, in the mode it is in. */
enum apic_mode apic_this_mode(void);
uint32_t apic_this_id(void);
/* Sends an IPI; in xAPIC mode waits (bounded) for the send to leave.
 * Returns false when the APIC is disabled or the value is not sendable. */
bool apic_send(uint32_t destination, enum apic_delivery delivery, uint8_t vector, enum apic_shorthand shorthand);
bool apic_send_nmi(uint32_t destination);
/* End of interrupt, for an interrupt the hypervisor itself took. */
void apic_eoi(void);

#endif
