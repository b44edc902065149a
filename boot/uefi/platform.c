/* The platform interface (hv/include/hv/platform.h) on UEFI boot services,
 * through GNU-EFI. The only file besides main.c that speaks UEFI. */
#include "efi_platform.h"

#include <efi.h>
#include <efilib.h>
#include <hv/platform.h>

static EFI_HANDLE hv_image;
static EFI_LOADED_IMAGE *hv_loaded;
static CHAR16 hv_dir[256]; /* directory of hv.efi on its ESP, with trailing '\' */

static void ascii_to_ucs2(CHAR16 *dst, size_t cap, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < cap; i++)
		dst[i] = (CHAR16)(unsigned char)src[i];
	dst[i] = 0;
}

enum hv_status efi_platform_init(EFI_HANDLE image)
{
	hv_image = image;
	EFI_STATUS s = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&hv_loaded);
	if (EFI_ERROR(s))
		return HV_ERR_DEVICE;
	/* The file path of the loaded image is the ESP path of hv.efi, e.g.
	 * \EFI\BOOT\BOOTX64.EFI; its directory holds hv.cfg. */
	StrCpy(hv_dir, L"\\EFI\\BOOT\\");
	CHAR16 *path = DevicePathToStr(hv_loaded->FilePath);
	if (path) {
		UINTN len = StrLen(path);
		while (len && path[len - 1] != L'\\')
			len--;
		if (len && len + 1 < sizeof(hv_dir) / sizeof(hv_dir[0]) && path[0] == L'\\') {
			CopyMem(hv_dir, path, len * sizeof(CHAR16));
			hv_dir[len] = 0;
		}
		FreePool(path);
	}
	return HV_OK;
}

static void make_path(CHAR16 *out, size_t cap, const char *path)
{
	if (path[0] == '\\') {
		ascii_to_ucs2(out, cap, path);
		return;
	}
	StrCpy(out, hv_dir);
	size_t n = StrLen(out);
	ascii_to_ucs2(out + n, cap - n, path);
}

void efi_platform_dir(char *out, size_t cap)
{
	size_t i = 0;
	for (; hv_dir[i] && i + 1 < cap; i++)
		out[i] = (char)hv_dir[i];
	out[i] = '\0';
}

enum hv_status platform_read_file(const char *path, void **data, size_t *size)
{
	CHAR16 path16[256];
	make_path(path16, 256, path);
	EFI_FILE_HANDLE root = LibOpenRoot(hv_loaded->DeviceHandle), fh;
	if (!root)
		return HV_ERR_DEVICE;
	EFI_STATUS s = uefi_call_wrapper(root->Open, 5, root, &fh, path16, EFI_FILE_MODE_READ, 0);
	uefi_call_wrapper(root->Close, 1, root);
	if (s == EFI_NOT_FOUND)
		return HV_ERR_NOT_FOUND;
	if (EFI_ERROR(s))
		return HV_ERR_DEVICE;
	EFI_FILE_INFO *info = LibFileInfo(fh);
	if (!info) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return HV_ERR_DEVICE;
	}
	UINTN n = info->FileSize;
	BOOLEAN is_dir = info->Attribute & EFI_FILE_DIRECTORY;
	FreePool(info);
	void *buf = is_dir ? NULL : AllocatePool(n ? n : 1);
	if (!buf) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return is_dir ? HV_ERR_NOT_FOUND : HV_ERR_NO_MEMORY;
	}
	UINTN got = n;
	s = uefi_call_wrapper(fh->Read, 3, fh, &got, buf);
	uefi_call_wrapper(fh->Close, 1, fh);
	if (EFI_ERROR(s) || got != n) {
		FreePool(buf);
		return HV_ERR_DEVICE;
	}
	*data = buf;
	*size = n;
	return HV_OK;
}

void platform_free(void *data) { FreePool(data); }

enum hv_status platform_start_image(const char *path, void *data, size_t size, const char *args,
				    uint64_t *exit_status)
{
	CHAR16 path16[256];
	make_path(path16, 256, path);
	EFI_DEVICE_PATH *dp = FileDevicePath(hv_loaded->DeviceHandle, path16);
	EFI_HANDLE child = NULL;
	EFI_STATUS s = uefi_call_wrapper(BS->LoadImage, 6, FALSE, hv_image, dp, data, size, &child);
	if (dp)
		FreePool(dp);
	if (EFI_ERROR(s))
		return s == EFI_UNSUPPORTED || s == EFI_LOAD_ERROR ? HV_ERR_INVALID : HV_ERR_DEVICE;
	/* Load options are the image's command line (a UCS-2 string, NUL
	 * included in the size), as a boot manager would pass them. */
	static CHAR16 options[CONFIG_ARGS_MAX_UEFI];
	EFI_LOADED_IMAGE *li;
	s = uefi_call_wrapper(BS->HandleProtocol, 3, child, &LoadedImageProtocol, (void **)&li);
	if (!EFI_ERROR(s) && args && args[0]) {
		ascii_to_ucs2(options, CONFIG_ARGS_MAX_UEFI, args);
		li->LoadOptions = options;
		li->LoadOptionsSize = (UINT32)((StrLen(options) + 1) * sizeof(CHAR16));
	}
	UINTN exit_size = 0;
	CHAR16 *exit_data = NULL;
	s = uefi_call_wrapper(BS->StartImage, 3, child, &exit_size, &exit_data);
	*exit_status = s;
	if (exit_data)
		FreePool(exit_data);
	return HV_OK;
}

static void screen_mirror(const char *line)
{
	CHAR16 buf[300];
	size_t j = 0;
	for (size_t i = 0; line[i] && j + 3 < sizeof(buf) / sizeof(buf[0]); i++) {
		if (line[i] == '\n')
			buf[j++] = L'\r';
		buf[j++] = (CHAR16)(unsigned char)line[i];
	}
	buf[j] = 0;
	uefi_call_wrapper(ST->ConOut->OutputString, 2, ST->ConOut, buf);
}

void (*efi_platform_screen_mirror(void))(const char *) { return screen_mirror; }

EFI_LOADED_IMAGE *efi_platform_loaded_image(void);
EFI_LOADED_IMAGE *efi_platform_loaded_image(void) { return hv_loaded; }

enum hv_status platform_alloc_reserved(uint64_t pages, uint64_t *phys)
{
	EFI_PHYSICAL_ADDRESS addr = 0;
	EFI_STATUS s = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiReservedMemoryType, pages, &addr);
	if (EFI_ERROR(s))
		return HV_ERR_NO_MEMORY;
	*phys = addr;
	return HV_OK;
}

void platform_free_reserved(uint64_t phys, uint64_t pages)
{
	uefi_call_wrapper(BS->FreePages, 2, (EFI_PHYSICAL_ADDRESS)phys, pages);
}

uint64_t platform_tsc_hz(void)
{
	uint64_t t0, t1;
	__asm__ volatile("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a"(t0)::"rdx");
	uefi_call_wrapper(BS->Stall, 1, 20000); /* 20 ms */
	__asm__ volatile("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a"(t1)::"rdx");
	return (t1 - t0) * 50;
}

uint64_t platform_acpi_rsdp(void)
{
	void *rsdp = NULL;
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	if (LibGetSystemConfigurationTable(&acpi20, &rsdp) != EFI_SUCCESS &&
	    LibGetSystemConfigurationTable(&AcpiTableGuid, &rsdp) != EFI_SUCCESS)
		return 0;
	return (uint64_t)(uintptr_t)rsdp;
}

uint64_t platform_memory_top(void)
{
	UINTN entries, key, desc_size;
	UINT32 desc_version;
	EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&entries, &key, &desc_size, &desc_version);
	uint64_t top = 0;
	for (UINTN i = 0; map && i < entries; i++) {
		EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((uint8_t *)map + i * desc_size);
		uint64_t end = d->PhysicalStart + d->NumberOfPages * 4096;
		if (end > top)
			top = end;
	}
	if (map)
		FreePool(map);
	return top;
}
