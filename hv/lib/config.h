/* hv.cfg: the hypervisor's configuration, read from the ESP beside
 * BOOTX64.EFI. Format (documented in README.md):
 *
 *   # comment
 *   key = value
 *
 * Keys are lower-case; surrounding blanks are ignored; values run to the end
 * of the line. A bad line is reported with file, line and problem, and the
 * defaults stay in force for whatever it would have set. Pure code. */
#ifndef HV_CONFIG_H
#define HV_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_PATH_MAX 128
#define CONFIG_ARGS_MAX 256
#define CONFIG_MAX_ERRORS 8

struct hv_config {
	bool hypervisor;              /* hypervisor = on|off */
	uint16_t serial_port;         /* serial = com1..com4 | 0xNNNN */
	uint32_t serial_baud;         /* baud = 1200..115200, divides 115200 */
	bool screen;                  /* screen = on|off: mirror log to ConOut */
	char guest[CONFIG_PATH_MAX];  /* guest = \path\on\esp.efi ("" = firmware) */
	char guest_args[CONFIG_ARGS_MAX]; /* guest_args = load options */
	uint32_t exception_bitmap;    /* exception_bitmap = 0x...: vectors that exit */
	bool on_triple_fault_reset;   /* on_triple_fault = reset|halt */
	uint32_t stats_interval_ms;   /* stats_interval_ms = N: print statistics every N ms of guest time (0 = off) */
	bool ipi_relay;               /* ipi_relay = on|off: INIT/SIPI between virtualized CPUs relayed in software */
	uint8_t emulator_ports;       /* emulator_ports = auto|on|off (enum config_emulator_ports) */
	bool cpuid_hypervisor_bit;    /* cpuid_hypervisor_bit = on|off: CPUID.1:ECX[31] for the guest */
	bool interrupts_to_guest;     /* external_interrupts = exit|guest: guest = no exit, not counted */
};

/* Whether writes to the emulators' end-of-run ports (Bochs 0x8900, QEMU
 * isa-debug-exit 0xf4) are the machine ending: auto = only where that
 * emulator is detected (io_policy.h), on = always, off = never (a real
 * machine, where those ports may belong to something else). */
enum config_emulator_ports { EMULATOR_PORTS_AUTO = 0, EMULATOR_PORTS_ON, EMULATOR_PORTS_OFF };

struct config_error {
	unsigned line;
	char message[120];
};

struct config_result {
	unsigned error_count;         /* may exceed CONFIG_MAX_ERRORS */
	struct config_error errors[CONFIG_MAX_ERRORS];
};

void config_defaults(struct hv_config *cfg);
/* Parses text of len bytes (need not be NUL-terminated) over the values
 * already in cfg. Returns the number of bad lines. */
unsigned config_parse(struct hv_config *cfg, const char *text, size_t len, struct config_result *res);

#endif
