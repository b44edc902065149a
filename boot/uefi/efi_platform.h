/* UEFI-side set-up of the platform interface, used by main.c only. */
#ifndef HV_EFI_PLATFORM_H
#define HV_EFI_PLATFORM_H

#include <efi.h>
#include <hv/status.h>
#include <stddef.h>

#define CONFIG_ARGS_MAX_UEFI 260

enum hv_status efi_platform_init(EFI_HANDLE image);
/* The ESP directory hv.efi was loaded from, ASCII, with a trailing '\'. */
void efi_platform_dir(char *out, size_t cap);
/* The function that copies log lines to the firmware's text console. */
void (*efi_platform_screen_mirror(void))(const char *);

#endif
