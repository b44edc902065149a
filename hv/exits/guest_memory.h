/* Reading the guest's memory from an exit handler: guest-physical memory
 * through the host's identity map, never the hypervisor's own, and the
 * instruction bytes at the guest's RIP through the guest's page tables
 * (guest_page_walk.c walks them). For the handlers that decode a store the
 * hardware only reported as an EPT violation. */
#ifndef HV_GUEST_MEMORY_H
#define HV_GUEST_MEMORY_H

#include "../vmx/vcpu.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* guest_phys_read for guest_page_walk.h; ctx is the struct hv. False for any
 * byte of the hypervisor's arena. */
bool guest_memory_read(void *ctx, uint64_t gpa, void *buf, size_t len);

/* Up to 15 instruction bytes at the guest's RIP; returns how many. */
size_t guest_code_at_rip(struct hv *hv, uint8_t code[15]);

#endif
