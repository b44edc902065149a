/* ipi_guest.efi: starts the APs itself with INIT and SIPI, every way an OS
 * or firmware may address them, as the hypervisor's guest with
 * ipi_relay = on (test/configs/mp-ipi.cfg; 4 CPUs, APIC IDs 0-3, BSP 0):
 *   xAPIC (ICR at 0xfee00300): physical; logical flat and cluster (the AP's
 *   LDR/DFR set beforehand by a procedure run through the firmware's MP
 *   services); the shorthand "all excluding self";
 *   x2APIC (ICR = MSR 0x830, after every CPU switched): physical; logical
 *   (cluster:bits from the x2APIC ID); "all excluding self";
 *   and the shorthands "self" and "all including self", which are invalid
 *   for INIT and SIPI (SDM Vol. 3A §11.6.1) and must start nobody.
 * Each started AP runs a real-mode trampoline below 1 MB that counts its
 * start under its APIC ID (CPUID.1:EBX[31:24]) and halts. One line per way:
 *   ipi_guest: <way>: started {1 2}, expected {1 2}
 * with ": FAIL" appended when they differ. Logical INITs are followed by a
 * physical SIPI: INIT resets the LDR (§11.4.7.3), so a logical SIPI after
 * it addresses nobody, on hardware as in the relay. Test tool. */
#include <efi.h>
#include <efilib.h>

#include "../../../boot/uefi/efi_mp_services.h"
#include "../../../hv/apic/apic.h"
#include "../common/emulator_exit.h"

#include <hv/cpu.h>

static EFI_GUID mp_guid = MP_SERVICES_GUID;

/* bits 16, at vector << 12 with CS = vector << 8, IP = 0:
 *   cli; mov ax, cs; mov ds, ax; mov eax, 1; cpuid; shr ebx, 24; and bx, 15
 *   cmp byte [0x40], 0; je .count          ; 0x40: "switch to x2APIC"
 *   mov ecx, 0x1b; rdmsr; or ax, 0x0c00; wrmsr   ; IA32_APIC_BASE.EN|EXTD
 *   .count: shl bx, 2; lock inc dword [bx + 0x80]   ; 0x80: counts[16]
 *   .halt: hlt; jmp .halt
 * (nasm -f bin). */
static const uint8_t trampoline[] = {
	0xfa, 0x8c, 0xc8, 0x8e, 0xd8, 0x66, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2, 0x66, 0xc1, 0xeb, 0x18, 0x83,
	0xe3, 0x0f, 0x80, 0x3e, 0x40, 0x00, 0x00, 0x74, 0x0d, 0x66, 0xb9, 0x1b, 0x00, 0x00, 0x00, 0x0f, 0x32, 0x0d,
	0x00, 0x0c, 0x0f, 0x30, 0xc1, 0xe3, 0x02, 0xf0, 0x66, 0xff, 0x87, 0x80, 0x00, 0xf4, 0xeb, 0xfd,
};
#define TRAMP_X2APIC_FLAG 0x40
#define TRAMP_COUNTS 0x80
#define APS 3 /* APIC IDs 1-3 */

static volatile uint8_t *page;
static uint8_t vector;
static enum apic_mode mode = APIC_MODE_XAPIC;
static unsigned fails;

static uint64_t tsc_per_ms;

/* A busy wait on the TSC, calibrated against the firmware's Stall once:
 * the x2APIC part runs after ExitBootServices. */
static void wait_us(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_per_ms / 1000;
	while (rdtsc() < end)
		cpu_pause();
}

static volatile uint32_t *counts(void) { return (volatile uint32_t *)(page + TRAMP_COUNTS); }

/* A store to an xAPIC register as OSes make it, MOV r32 to [reg] (the
 * relay decodes MOV stores, not the moffs form a constant address gets). */
static void apic_write(uint32_t reg, uint32_t value)
{
	__asm__ volatile("movl %1, (%0)" ::"r"((uintptr_t)0xfee00000 + reg), "r"(value) : "memory");
}

static void send(uint64_t icr)
{
	if (mode == APIC_MODE_X2APIC) {
		wrmsr(X2APIC_MSR(APIC_REG_ICR_LOW), icr);
		return;
	}
	volatile uint32_t *apic = (volatile uint32_t *)(uintptr_t)0xfee00000;
	apic_write(APIC_REG_ICR_HIGH, (uint32_t)(icr >> 32));
	apic_write(APIC_REG_ICR_LOW, (uint32_t)icr);
	for (unsigned i = 0; i < 100000 && (apic[APIC_REG_ICR_LOW / 4] & ICR_DELIVERY_PENDING); i++)
		cpu_pause();
}

static uint64_t icr(uint32_t dest, enum apic_delivery delivery, bool logical, enum apic_shorthand sh)
{
	uint64_t low = (delivery == APIC_DELIVERY_STARTUP ? vector : 0) | (uint64_t)delivery << 8 |
		       (logical ? 1u << 11 : 0) | APIC_ICR_LEVEL_ASSERT | (uint64_t)sh << 18;
	return low | (uint64_t)dest << (mode == APIC_MODE_X2APIC ? 32 : 56);
}

static void show(char *out, unsigned mask)
{
	char *p = out;
	*p++ = '{';
	for (unsigned id = 1; id <= APS; id++)
		if (mask & (1u << id)) {
			if (p[-1] != '{')
				*p++ = ' ';
			*p++ = (char)('0' + id);
		}
	*p++ = '}';
	*p = 0;
}

/* Sends INIT then SIPI (10 ms apart, as the MP protocol asks), waits up to
 * 2 s for the expected APs and 100 ms more for unexpected ones. */
static void way(const char *name, uint64_t init_icr, uint64_t sipi_icr, unsigned expect)
{
	uint32_t before[APS + 1];
	for (unsigned id = 1; id <= APS; id++)
		before[id] = counts()[id];
	send(init_icr);
	wait_us(10000);
	send(sipi_icr);
	unsigned started = 0;
	for (unsigned ms = 0; ms < 2000; ms++) {
		started = 0;
		for (unsigned id = 1; id <= APS; id++)
			started |= (counts()[id] != before[id]) << id;
		if ((started & expect) == expect)
			break;
		wait_us(1000);
	}
	wait_us(100000);
	started = 0;
	for (unsigned id = 1; id <= APS; id++)
		started |= (counts()[id] != before[id]) << id;
	char got[16], want[16];
	show(got, started);
	show(want, expect);
	fails += started != expect;
	log_raw("ipi_guest: %s: started %s, expected %s%s\n", name, got, want, started == expect ? "" : ": FAIL");
}

struct ldr_setting {
	uint32_t dfr, ldr;
};

/* Runs on an AP through the MP services: its logical address (xAPIC). */
__attribute__((ms_abi)) static void set_ldr(void *argument)
{
	struct ldr_setting *s = argument;
	apic_write(APIC_REG_DFR, s->dfr);
	apic_write(APIC_REG_LDR, s->ldr);
}

static bool on_ap(MP_SERVICES *mp, UINTN n, uint32_t dfr, uint32_t ldr)
{
	struct ldr_setting s = { dfr, ldr };
	EFI_STATUS st = uefi_call_wrapper(mp->StartupThisAP, 7, mp, set_ldr, n, NULL, 5000000, &s, NULL);
	if (EFI_ERROR(st)) {
		log_raw("ipi_guest: StartupThisAP(%lu) failed: FAIL\n", n);
		fails++;
	}
	return !EFI_ERROR(st);
}

static void xapic_ways(MP_SERVICES *mp)
{
	way("xAPIC physical", icr(1, APIC_DELIVERY_INIT, false, 0), icr(1, APIC_DELIVERY_STARTUP, false, 0), 1u << 1);
	if (on_ap(mp, 2, 0xffffffffu, 0x04000000u)) /* flat, bit 2 */
		way("xAPIC logical flat", icr(0x04, APIC_DELIVERY_INIT, true, 0),
		    icr(2, APIC_DELIVERY_STARTUP, false, 0), 1u << 2);
	if (on_ap(mp, 3, 0x0fffffffu, 0x12000000u)) /* cluster 1, member bit 1 */
		way("xAPIC logical cluster", icr(0x12, APIC_DELIVERY_INIT, true, 0),
		    icr(3, APIC_DELIVERY_STARTUP, false, 0), 1u << 3);
	way("xAPIC shorthand self (invalid)", icr(0, APIC_DELIVERY_INIT, false, APIC_DEST_SELF),
	    icr(0, APIC_DELIVERY_STARTUP, false, APIC_DEST_SELF), 0);
	way("xAPIC shorthand all including self (invalid)", icr(0, APIC_DELIVERY_INIT, false, APIC_DEST_ALL_INCLUDING_SELF),
	    icr(0, APIC_DELIVERY_STARTUP, false, APIC_DEST_ALL_INCLUDING_SELF), 0);
	way("xAPIC shorthand all excluding self", icr(0, APIC_DELIVERY_INIT, false, APIC_DEST_ALL_EXCLUDING_SELF),
	    icr(0, APIC_DELIVERY_STARTUP, false, APIC_DEST_ALL_EXCLUDING_SELF), 0xe);
}

/* The firmware's drivers must not run once the BSP is in x2APIC mode: one
 * of OVMF's took a #GP there (at IF=0, outside this image). After
 * ExitBootServices none does; OVMF's own callback parks the APs with
 * INIT-SIPI first (relayed, as for an OS). */
static bool exit_boot_services(EFI_HANDLE image)
{
	for (unsigned tries = 0; tries < 4; tries++) {
		UINTN entries, key, desc_size;
		UINT32 desc_version;
		if (!LibMemoryMap(&entries, &key, &desc_size, &desc_version))
			return false;
		if (!EFI_ERROR(uefi_call_wrapper(BS->ExitBootServices, 2, image, key)))
			return true;
	}
	return false;
}

static void x2apic_ways(EFI_HANDLE image)
{
	if (!exit_boot_services(image)) {
		log_raw("ipi_guest: ExitBootServices failed: FAIL\n");
		fails++;
		return;
	}
	__asm__ volatile("cli" ::: "memory");
	log_raw("ipi_guest: boot services exited\n");
	/* The APs switch themselves in the trampoline, then the BSP. */
	page[TRAMP_X2APIC_FLAG] = 1;
	way("x2APIC switch, xAPIC all excluding self", icr(0, APIC_DELIVERY_INIT, false, APIC_DEST_ALL_EXCLUDING_SELF),
	    icr(0, APIC_DELIVERY_STARTUP, false, APIC_DEST_ALL_EXCLUDING_SELF), 0xe);
	wrmsr(MSR_IA32_APIC_BASE, rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
	mode = apic_mode_of(rdmsr(MSR_IA32_APIC_BASE));
	log_raw("ipi_guest: BSP now in %s mode\n", apic_mode_name(mode));
	if (mode != APIC_MODE_X2APIC) {
		fails++;
		return;
	}
	way("x2APIC physical", icr(1, APIC_DELIVERY_INIT, false, 0), icr(1, APIC_DELIVERY_STARTUP, false, 0), 1u << 1);
	way("x2APIC logical", icr(apic_x2apic_ldr(2), APIC_DELIVERY_INIT, true, 0),
	    icr(2, APIC_DELIVERY_STARTUP, false, 0), 1u << 2);
	way("x2APIC logical two", icr(apic_x2apic_ldr(2) | apic_x2apic_ldr(3), APIC_DELIVERY_INIT, true, 0),
	    icr(0xffffffffu, APIC_DELIVERY_STARTUP, false, 0), 0xc);
	way("x2APIC shorthand self (invalid)", icr(0, APIC_DELIVERY_INIT, false, APIC_DEST_SELF),
	    icr(0, APIC_DELIVERY_STARTUP, false, APIC_DEST_SELF), 0);
	way("x2APIC shorthand all excluding self", icr(0, APIC_DELIVERY_INIT, false, APIC_DEST_ALL_EXCLUDING_SELF),
	    icr(0, APIC_DELIVERY_STARTUP, false, APIC_DEST_ALL_EXCLUDING_SELF), 0xe);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);
	MP_SERVICES *mp = NULL;
	UINTN count = 0, enabled = 0;
	EFI_PHYSICAL_ADDRESS below_1m = 0x9ffff;
	if (EFI_ERROR(LibLocateProtocol(&mp_guid, (void **)&mp)) ||
	    EFI_ERROR(uefi_call_wrapper(mp->GetNumberOfProcessors, 3, mp, &count, &enabled)) || count != APS + 1 ||
	    EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiBootServicesCode, 1, &below_1m))) {
		log_raw("ipi_guest: needs MP services with 4 processors and a page below 1 MB: FAIL\n");
		emulator_end("ipi_guest", 1);
		return EFI_UNSUPPORTED;
	}
	page = (volatile uint8_t *)(uintptr_t)below_1m;
	vector = (uint8_t)(below_1m >> 12);
	for (unsigned i = 0; i < 4096; i++)
		page[i] = i < sizeof(trampoline) ? trampoline[i] : 0;
	uint64_t t0 = rdtsc();
	uefi_call_wrapper(BS->Stall, 1, 10000);
	tsc_per_ms = (rdtsc() - t0) / 10;
	log_raw("ipi_guest: %lu processors, trampoline at 0x%lx (SIPI vector 0x%02x)\n", count,
		(unsigned long)below_1m, vector);
	xapic_ways(mp);
	x2apic_ways(image);
	uint64_t rax = 2;
	__asm__ volatile("vmcall" : "+a"(rax)::"rbx", "rcx", "rdx", "memory");
	log_raw("ipi_guest: statistics request returned %lu\n", rax);
	fails += rax != 0;
	emulator_end("ipi_guest", fails);
	return fails ? EFI_ABORTED : EFI_SUCCESS;
}
