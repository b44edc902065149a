/* The memory-mapped ACPI reset register (mmio_reset.c). */
#ifndef HV_MMIO_RESET_H
#define HV_MMIO_RESET_H

#include "exits.h"

#include <stdbool.h>
#include <stdint.h>

/* An EPT violation writing the reset register's page: true when it was
 * one (the store is performed, *action says how to go on). */
bool mmio_reset_write(struct exit_ctx *ctx, uint64_t gpa, enum exit_action *action);

#endif
