#include "loader.h"

#include "../hv/lib/log.h"
#include "pe.h"

#include <hv/cpu.h>
#include <hv/platform.h>

enum hv_status guest_load_and_start(const char *path, const char *args)
{
	/* The guest's loading begins: the end of the hypervisor's start-up
	 * for bench/bench.sh (the file read is the guest's, done either way). */
	uint64_t load_tsc = rdtsc();
	void *image;
	size_t size;
	enum hv_status st = platform_read_file(path, &image, &size);
	if (st != HV_OK) {
		log_printf("guest image %s: cannot read it (%s)\n", path, hv_status_text(st));
		return st;
	}
	const char *problem = pe_check_efi_image(image, size);
	if (problem) {
		log_printf("guest image %s (%lu bytes) refused: %s\n", path, (unsigned long)size, problem);
		platform_free(image);
		return HV_ERR_INVALID;
	}
	log_printf("starting guest %s (%lu bytes) args \"%s\", loaded from TSC %llu\n", path, (unsigned long)size,
		   args, (unsigned long long)load_tsc);
	uint64_t exit_status = 0;
	st = platform_start_image(path, image, size, args, &exit_status);
	platform_free(image);
	if (st != HV_OK)
		log_printf("guest %s could not be started (%s)\n", path, hv_status_text(st));
	else
		log_printf("guest %s exited with status 0x%llx\n", path, (unsigned long long)exit_status);
	return st;
}
