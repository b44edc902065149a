/* Validation of a guest image before the firmware sees it: an x86-64 EFI
 * application in PE32+ format (PE/COFF spec; UEFI spec §2.1.1). A corrupt or
 * truncated file is refused with the reason in words. Pure. */
#ifndef HV_PE_H
#define HV_PE_H

#include <stddef.h>

/* Returns NULL when the image is a plausible x86-64 EFI application,
 * otherwise what is wrong with it. */
const char *pe_check_efi_image(const void *data, size_t size);

#endif
