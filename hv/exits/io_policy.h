/* What an intercepted port access means, decided in one place: does this
 * write end the machine (power-off, reset, an emulator's end-of-run
 * port), is it a sleep request the hypervisor refuses, and which
 * emulator-only ports exist on this machine at all. Pure: the facts come
 * from the caller (io.c probes them once at start-up); host unit tests
 * cover every rule (test_io_policy.c). */
#ifndef HV_EXITS_IO_POLICY_H
#define HV_EXITS_IO_POLICY_H

#include "../lib/acpi.h"

#include <stdbool.h>
#include <stdint.h>

/* What identifies an emulator, read at start-up. */
struct platform_facts {
	char hypervisor_signature[13];         /* CPUID 0x40000000 EBX:ECX:EDX if CPUID.1:ECX[31], else "" */
	uint16_t host_bridge_vendor, host_bridge_device; /* PCI 00:00.0, 0xffff when absent */
	uint16_t host_bridge_subsystem_vendor;  /* its subsystem vendor ID (offset 0x2c) */
};

enum emulator_kind { EMULATOR_NONE, EMULATOR_BOCHS, EMULATOR_QEMU };

/* The emulator these facts show, with the evidence in words. */
enum emulator_kind platform_emulator(const struct platform_facts *f, const char **evidence);

/* Which end-of-run ports are intercepted, from the config's
 * emulator_ports (config.h) and the detected emulator. */
struct io_policy {
	bool bochs_shutdown;   /* port 0x8900 ("Shutdown") ends the machine */
	bool qemu_debug_exit;  /* port 0xf4 (isa-debug-exit) ends the machine */
	/* A refused sleep: PM1 status reads show WAK_STS until the guest
	 * clears it, so the OS sees the wake-up it waits for. */
	volatile bool wake_status_pending;
};
struct io_policy io_policy_choose(unsigned config_mode, enum emulator_kind kind);

enum io_write_effect {
	IO_WRITE_PASS,          /* perform it; nothing else */
	IO_WRITE_ENDS_MACHINE,  /* final statistics, then perform it */
	IO_WRITE_SLEEP_REFUSED, /* do not perform it: the guest stays awake */
	IO_WRITE_WAKE_CLEARED,  /* the guest cleared WAK_STS: perform it */
};

struct io_verdict {
	enum io_write_effect effect;
	int sleep_state;        /* IO_WRITE_SLEEP_REFUSED and ACPI sleeps: 1..5, -1 unknown */
	char why[96];           /* what the write is, in words */
};

/* Does this OUT (size bytes of value to port) end the machine? */
struct io_verdict io_write_verdict(const struct acpi_power *acpi, const struct io_policy *policy, uint16_t port,
				   unsigned size, uint32_t value);

/* An IN from an intercepted port: the value the guest gets, given what
 * the port returned (WAK_STS after a refused sleep, ACPI 6.x §4.8.3.1.1). */
uint32_t io_read_adjust(const struct acpi_power *acpi, const struct io_policy *policy, uint16_t port,
			unsigned size, uint32_t value);

#endif
