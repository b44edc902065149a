/* A private, relocated copy of hv.efi for the host to run from.
 * hv.efi is loaded as EfiLoaderCode, which the OS takes back after
 * ExitBootServices, and the firmware may relocate runtime images when the
 * OS calls SetVirtualAddressMap. So the host code runs from a copy in
 * EfiReservedMemoryType pages. GNU-EFI images relocate themselves at start
 * from their ELF dynamic section (crt0's _relocate, R_X86_64_RELATIVE
 * only); we apply the same relocations to the copy for its own base. */
#include <efi.h>
#include <efilib.h>
#include <elf.h>
#include <hv/platform.h>

extern Elf64_Dyn _DYNAMIC[];
extern EFI_LOADED_IMAGE *efi_platform_loaded_image(void);

uint64_t platform_image_size(void) { return efi_platform_loaded_image()->ImageSize; }

enum hv_status platform_copy_image(void *dest, int64_t *delta)
{
	EFI_LOADED_IMAGE *li = efi_platform_loaded_image();
	uint8_t *base = li->ImageBase;
	uint8_t *copy = dest;
	CopyMem(copy, base, li->ImageSize);
	Elf64_Rela *rela = NULL;
	uint64_t relasz = 0, relaent = sizeof(Elf64_Rela);
	for (Elf64_Dyn *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_RELA)
			rela = (Elf64_Rela *)(base + d->d_un.d_ptr);
		else if (d->d_tag == DT_RELASZ)
			relasz = d->d_un.d_val;
		else if (d->d_tag == DT_RELAENT)
			relaent = d->d_un.d_val;
	}
	for (uint64_t off = 0; rela && off < relasz; off += relaent) {
		Elf64_Rela *r = (Elf64_Rela *)((uint8_t *)rela + off);
		switch (ELF64_R_TYPE(r->r_info)) {
		case R_X86_64_NONE:
			break;
		case R_X86_64_RELATIVE:
			if (r->r_offset + 8 > li->ImageSize)
				return HV_ERR_INVALID;
			*(uint64_t *)(copy + r->r_offset) = (uint64_t)(uintptr_t)copy + r->r_addend;
			break;
		default:
			return HV_ERR_INVALID; /* crt0 would have refused it too */
		}
	}
	*delta = (int64_t)((uintptr_t)copy - (uintptr_t)base);
	return HV_OK;
}
