/* What the hypervisor asks of the firmware it starts from. boot/uefi is the
 * one implementation; nothing outside boot/uefi includes GNU-EFI headers. */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include <hv/status.h>
#include <stddef.h>
#include <stdint.h>

/* Reads a whole file from the ESP the hypervisor was loaded from.
 * path is ASCII with backslashes; relative paths are taken from the
 * directory of hv.efi. The buffer is freed with platform_free. */
enum hv_status platform_read_file(const char *path, void **data, size_t *size);
void platform_free(void *data);

/* Loads an EFI image from memory (its file path names it for the firmware)
 * and starts it with args as its load options. Returns when the image
 * exits; *exit_status gets its EFI status. */
enum hv_status platform_start_image(const char *path, void *data, size_t size, const char *args,
				    uint64_t *exit_status);

/* Pages that survive ExitBootServices and that the OS never uses
 * (EfiReservedMemoryType); physical = virtual. Never freed. */
enum hv_status platform_alloc_reserved(uint64_t pages, uint64_t *phys);
void platform_free_reserved(uint64_t phys, uint64_t pages);

/* TSC ticks per second, measured against the firmware's timer. */
uint64_t platform_tsc_hz(void);

/* Highest physical address (exclusive) in the firmware's memory map. */
uint64_t platform_memory_top(void);
/* Physical address of the ACPI RSDP from the firmware's configuration
 * table (ACPI 2.0 entry preferred), 0 when there is none. */
uint64_t platform_acpi_rsdp(void);

/* The most processors the hypervisor virtualizes (each has its own vCPU
 * in the arena, about 90 KB). */
#define HV_MAX_CPUS 512

/* The logical processors the firmware knows (UEFI MP services), enabled
 * and healthy ones: their APIC IDs, the calling processor (the BSP) first,
 * at most max; returns how many. Without MP services: 1, the caller. Every
 * processor left out is named on the log with why (disabled by the
 * firmware, failed its health check, beyond max), so that no processor
 * runs unvirtualized, and able to reach the hypervisor's memory, unsaid. */
unsigned platform_processors(uint32_t *apic_ids, unsigned max);

/* Runs fn(arg) on the AP with this APIC ID (one from platform_processors)
 * and waits for it to return, at most timeout_us (0: no limit). fn must not
 * call the firmware. HV_ERR_TIMEOUT when it did not return in time. */
enum hv_status platform_run_on_ap(uint32_t apic_id, void (*fn)(void *), void *arg, uint64_t timeout_us);

/* Size in bytes of the hypervisor's own loaded image. */
uint64_t platform_image_size(void);

/* Copies the hypervisor's loaded image to dest (platform_image_size()
 * bytes) and relocates the copy for its new address, so that it runs there
 * on its own: the host code runs from this copy, which no firmware knows
 * of and so never relocates (SetVirtualAddressMap) nor frees. Returns the
 * distance from the original: copy address = original address + *delta. */
enum hv_status platform_copy_image(void *dest, int64_t *delta);

#endif
