/* hv.efi entry: read the config, check VMX, virtualize, start the guest.
 * Whatever fails, the firmware's boot goes on: we return to it with a
 * status, after saying why on the serial console. */
#include "efi_platform.h"

#include <efi.h>
#include <efilib.h>

#include "../../guest-loader/loader.h"
#include "../../hv/lib/config.h"
#include "../../hv/lib/log.h"
#include "../../hv/lib/serial.h"
#include "../../hv/virtualize.h"
#include "../../hv/vmx/vmx_detect.h"

#include <hv/cpu.h>
#include <hv/platform.h>

#define HV_CONFIG_FILE "hv.cfg"

static struct hv_config config;

static void load_config(void)
{
	char dir[128];
	void *text;
	size_t size;
	efi_platform_dir(dir, sizeof(dir));
	config_defaults(&config);
	enum hv_status st = platform_read_file(HV_CONFIG_FILE, &text, &size);
	if (st != HV_OK) {
		log_printf("no config %s%s (%s): using defaults\n", dir, HV_CONFIG_FILE, hv_status_text(st));
	} else {
		struct config_result res;
		config_parse(&config, text, size, &res);
		platform_free(text);
		for (unsigned i = 0; i < res.error_count && i < CONFIG_MAX_ERRORS; i++)
			log_printf("config error: %s%s:%u: %s (line ignored, default kept)\n", dir, HV_CONFIG_FILE,
				   res.errors[i].line, res.errors[i].message);
		if (res.error_count > CONFIG_MAX_ERRORS)
			log_printf("config error: %u more bad lines not shown\n", res.error_count - CONFIG_MAX_ERRORS);
	}
	/* What is in force, read from the file or not. */
	log_printf("config %s%s: hypervisor=%s serial=0x%x baud=%u screen=%s guest=%s\n", dir, HV_CONFIG_FILE,
		   config.hypervisor ? "on" : "off", config.serial_port, config.serial_baud,
		   config.screen ? "on" : "off", config.guest[0] ? config.guest : "(none: back to firmware)");
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	/* The start of the hypervisor's start-up for bench/bench.sh, which
	 * compares it with the guest's start (loader.c) with and without us. */
	uint64_t entry_tsc = rdtsc();
	InitializeLib(image, system_table);
	/* COM1 until the config says otherwise, so config errors are seen. */
	serial_init(0x3f8, 115200);
	if (efi_platform_init(image) != HV_OK) {
		log_printf("cannot find our own loaded image: stopping\n");
		return EFI_LOAD_ERROR;
	}
	log_printf("hv " HV_VERSION " starting at TSC %llu\n", (unsigned long long)entry_tsc);
	load_config();
	if (config.serial_port != 0x3f8 || config.serial_baud != 115200) {
		serial_init(config.serial_port, config.serial_baud);
		log_printf("hv " HV_VERSION ": log on port 0x%x at %u baud\n", config.serial_port, config.serial_baud);
	}
	if (config.screen)
		log_set_mirror(efi_platform_screen_mirror());

	if (config.hypervisor) {
		struct vmx_msr_snapshot msrs;
		struct vmx_caps caps;
		if (vmx_detect(&msrs, &caps) != HV_OK || hv_virtualize(&config, &msrs, &caps) != HV_OK)
			log_printf("continuing without the hypervisor\n");
	} else {
		log_printf("hypervisor disabled by config (hypervisor = off)\n");
	}

	/* UEFI spec §3.1.1 (EDK2 BdsDxe does this): when a boot option returns
	 * EFI_SUCCESS the boot manager may stop and show its menu; any other
	 * status makes it go on to the next Boot#### option. Unless the guest
	 * itself ended with success, we want the boot to go on. */
	EFI_STATUS result = EFI_NOT_STARTED;
	if (config.guest[0]) {
		enum hv_status st = guest_load_and_start(config.guest, config.guest_args);
		if (st == HV_OK)
			result = EFI_SUCCESS;
		else
			result = st == HV_ERR_NOT_FOUND ? EFI_NOT_FOUND : EFI_LOAD_ERROR;
	} else {
		log_printf("no guest configured\n");
	}
	if (result != EFI_SUCCESS)
		log_printf("returning to the firmware: it boots its next boot option\n");
	log_set_mirror(NULL);
	return result;
}
