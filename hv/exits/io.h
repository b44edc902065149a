/* I/O instruction exits (io.c): the start-up half. */
#ifndef HV_EXITS_IO_H
#define HV_EXITS_IO_H

struct hv;

/* Reads what identifies an emulator (CPUID hypervisor leaf, PCI host
 * bridge), chooses which emulator-only ports exit (io_policy.h, the
 * config's emulator_ports) and says so, with the ACPI sleep states found.
 * Before the I/O bitmaps are built. */
void io_start_up(struct hv *hv);

#endif
