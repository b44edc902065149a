/* EFI_MP_SERVICES_PROTOCOL as the UEFI PI spec (Vol. 2 §13.4) gives it:
 * GNU-EFI has no header for it. Used by boot/uefi/mp.c and by the test
 * guests that use the firmware's MP services themselves. */
#ifndef HV_EFI_MP_SERVICES_H
#define HV_EFI_MP_SERVICES_H

#include <efi.h>

#define MP_SERVICES_GUID { 0x3fdda605, 0xa76e, 0x4f46, { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } }

#define PROCESSOR_AS_BSP_BIT 0x1u
#define PROCESSOR_ENABLED_BIT 0x2u
#define PROCESSOR_HEALTH_STATUS_BIT 0x4u

typedef struct {
	UINT64 ProcessorId; /* the APIC ID */
	UINT32 StatusFlag;
	struct { UINT32 Package, Core, Thread; } Location;
	UINT8 Extended[64]; /* PI 1.7 extended topology: room, never asked for */
} MP_PROCESSOR_INFORMATION;

/* The firmware calls the procedure with the MS x64 convention (argument in
 * RCX); GNU-EFI's EFIAPI is empty in this build (uefi_call_wrapper converts
 * the calls we make), so the convention is spelled out. */
typedef void(__attribute__((ms_abi)) *MP_AP_PROCEDURE)(void *argument);

typedef struct MP_SERVICES MP_SERVICES;
struct MP_SERVICES {
	EFI_STATUS(EFIAPI *GetNumberOfProcessors)(MP_SERVICES *self, UINTN *count, UINTN *enabled);
	EFI_STATUS(EFIAPI *GetProcessorInfo)(MP_SERVICES *self, UINTN number, MP_PROCESSOR_INFORMATION *info);
	EFI_STATUS(EFIAPI *StartupAllAPs)(MP_SERVICES *self, MP_AP_PROCEDURE fn, BOOLEAN single_thread,
					  EFI_EVENT wait, UINTN timeout_us, VOID *argument, UINTN **failed);
	EFI_STATUS(EFIAPI *StartupThisAP)(MP_SERVICES *self, MP_AP_PROCEDURE fn, UINTN number, EFI_EVENT wait,
					  UINTN timeout_us, VOID *argument, BOOLEAN *finished);
	EFI_STATUS(EFIAPI *SwitchBSP)(MP_SERVICES *self, UINTN number, BOOLEAN enable_old_bsp);
	EFI_STATUS(EFIAPI *EnableDisableAP)(MP_SERVICES *self, UINTN number, BOOLEAN enable, UINT32 *health);
	EFI_STATUS(EFIAPI *WhoAmI)(MP_SERVICES *self, UINTN *number);
};

#endif
