/* Machine checks (SDM Vol. 3B Chapter 16, "Machine-Check Architecture").
 * The guest OS owns error handling: a machine check the hypervisor sees
 * (in VMX root operation, or one that made a VM entry fail, exit reason
 * 41) is logged and delivered to the guest as #MC; the banks are left as
 * they are for the guest's handler to read and clear. Pure decoding here;
 * the host's #MC handler is in host.c, delivery in dispatch.c. */
#ifndef HV_MACHINE_CHECK_H
#define HV_MACHINE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSR_IA32_MCG_CAP 0x179
#define MSR_IA32_MCG_STATUS 0x17a
#define MSR_IA32_MC0_STATUS 0x401 /* bank i: STATUS 0x401 + 4i, ADDR + 1, MISC + 2 */

/* IA32_MCG_STATUS (SDM Vol. 3B §16.3.1.2). */
#define MCG_STATUS_RIPV (1ull << 0) /* restarting at the pushed RIP is safe */
#define MCG_STATUS_EIPV (1ull << 1) /* the pushed RIP is where the error happened */
#define MCG_STATUS_MCIP (1ull << 2) /* a machine check is in progress */

/* IA32_MCi_STATUS (SDM Vol. 3B §16.3.2.2). */
#define MCI_STATUS_VAL (1ull << 63)
#define MCI_STATUS_OVER (1ull << 62)
#define MCI_STATUS_UC (1ull << 61)
#define MCI_STATUS_EN (1ull << 60)
#define MCI_STATUS_MISCV (1ull << 59)
#define MCI_STATUS_ADDRV (1ull << 58)
#define MCI_STATUS_PCC (1ull << 57)

/* Can the interrupted code go on after the machine check? Only when the
 * processor says the return address is valid (RIPV) and the context was
 * not corrupted (no valid bank with PCC). */
bool machine_check_recoverable(uint64_t mcg_status, const uint64_t *bank_status, unsigned banks);

/* One bank in words: "bank 3: status 0x... (uncorrected, processor context
 * corrupt) addr 0x..." into buf; returns false (buf empty) when the bank
 * holds no valid error. */
bool machine_check_describe(unsigned bank, uint64_t status, uint64_t addr, char *buf, size_t cap);

#endif
