#include "shim_start.h"

#include <efilib.h>

EFI_STATUS shim_start_hv(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *loaded = NULL;
	EFI_STATUS s = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&loaded);
	if (EFI_ERROR(s))
		return s;
	EFI_HANDLE hv = NULL;
	s = uefi_call_wrapper(BS->LoadImage, 6, FALSE, image, FileDevicePath(loaded->DeviceHandle, L"\\EFI\\hv\\hv.efi"),
			      NULL, 0, &hv);
	if (!EFI_ERROR(s))
		s = uefi_call_wrapper(BS->StartImage, 3, hv, NULL, NULL);
	return s;
}
