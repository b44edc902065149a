/* string_io.efi: runs as the hypervisor's guest and checks INS/OUTS to
 * intercepted ports against what the processor would do (issue 12):
 *   - REP OUTSB of a line to the hypervisor's UART (THR exits): the line
 *     appears once, whole, in order;
 *   - the same with RFLAGS.DF=1 (a reversed buffer, walked downwards);
 *   - OUTSD/OUTSW of a PCI configuration address to 0xcf8 (exits: 0xcf9
 *     shares the dword), INSD of the host bridge's ID from 0xcfc, compared
 *     with OUTL/INL; REP INSD/INSW from 0xcf8 read the address back;
 *   - REP INSD into a read-only page and REP INSB into a not-present one:
 *     #PF with CR2 and the error code of hardware, RCX/RDI showing the
 *     elements done;
 *   - OUTSB from the hypervisor's hidden memory: #GP, nothing written
 *     (INSB into it too; Bochs probes an INS destination before the I/O
 *     exit, so there the #GP comes from the EPT violation);
 * Faults are caught by our own IDT (a copy of the firmware's with #GP and
 * #PF replaced), interrupts off. Prints PASS/FAIL per check. Test tool:
 * never for real machines. */
#include <efi.h>
#include <efilib.h>

#include "../../../hv/lib/fmt.h"
#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"
#include "../common/emulator_exit.h"

#include <hv/cpu.h>

#define PTE_P 1ull
#define PTE_RW 2ull
#define PTE_ADDR 0x000ffffffffff000ull
#define HIGH (512ull << 30) /* PML4 slot 1: our own small mapping */
#define PCI_HOST_BRIDGE_ID 0x80000000u

static unsigned fails;
volatile uint64_t sio_resume, sio_vector, sio_error, sio_cr2;

/* #GP and #PF: record, then resume at sio_resume with every register as
 * the fault left it (RCX/RDI/RSI show a REP's progress). */
__asm__(".text\n"
	"sio_fault_common:\n"
	"  mov 8(%rsp), %rax\n"
	"  mov %rax, sio_error(%rip)\n"
	"  mov %cr2, %rax\n"
	"  mov %rax, sio_cr2(%rip)\n"
	"  mov sio_resume(%rip), %rax\n"
	"  mov %rax, 16(%rsp)\n"
	"  pop %rax\n"
	"  add $8, %rsp\n"
	"  iretq\n"
	".globl sio_gp_stub\n"
	"sio_gp_stub:\n"
	"  movq $13, sio_vector(%rip)\n"
	"  push %rax\n"
	"  jmp sio_fault_common\n"
	".globl sio_pf_stub\n"
	"sio_pf_stub:\n"
	"  movq $14, sio_vector(%rip)\n"
	"  push %rax\n"
	"  jmp sio_fault_common\n");
extern char sio_gp_stub[], sio_pf_stub[];

struct __attribute__((packed)) idtr {
	uint16_t limit;
	uint64_t base;
};
static uint64_t idt[512] __attribute__((aligned(16)));
static struct idtr firmware_idtr;

static void set_gate(unsigned vector, void *handler)
{
	uint64_t a = (uint64_t)(uintptr_t)handler, cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	idt[2 * vector] = (a & 0xffff) | (cs << 16) | (0x8eull << 40) | ((a >> 16) & 0xffff) << 48;
	idt[2 * vector + 1] = a >> 32;
}

static void guard_on(void)
{
	__asm__ volatile("cli; sidt %0" : "=m"(firmware_idtr));
	const uint64_t *fw = (const uint64_t *)(uintptr_t)firmware_idtr.base;
	for (unsigned i = 0; i < 512 && i * 8 < firmware_idtr.limit + 1u; i++)
		idt[i] = fw[i];
	set_gate(13, sio_gp_stub);
	set_gate(14, sio_pf_stub);
	struct idtr ours = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" ::"m"(ours));
}

static void guard_off(void) { __asm__ volatile("lidt %0; sti" ::"m"(firmware_idtr)); }

static void report(const char *check, bool pass, const char *detail)
{
	if (!pass)
		fails++;
	log_raw("%s: %s (%s)\n", pass ? "PASS" : "FAIL", check, detail);
}

static void wait_thre(void)
{
	while (!(inb(0x3fd) & 0x20))
		cpu_pause();
}

static void check_rep_outsb(void)
{
	static const char line[] = "string_io: rep outsb line 0123456789 abcdefghijklmnopqrstuvwxyz, once, in order\r\n";
	uint64_t count = sizeof(line) - 1, src = (uint64_t)(uintptr_t)line;
	wait_thre();
	__asm__ volatile("cld; rep outsb" : "+c"(count), "+S"(src) : "d"(0x3f8) : "memory");
	char d[120];
	fmt_format(d, sizeof(d), "RCX=%lu, RSI advanced by %lu", count, src - (uint64_t)(uintptr_t)line);
	report("rep-outsb-serial", count == 0 && src == (uint64_t)(uintptr_t)line + sizeof(line) - 1, d);
	/* DF=1: the buffer holds the line reversed; OUTSB walks it down. */
	static const char fwd[] = "string_io: std; rep outsb, backwards in memory, forwards on the line\r\n";
	static char rev[sizeof(fwd)];
	unsigned n = sizeof(fwd) - 1;
	for (unsigned i = 0; i < n; i++)
		rev[i] = fwd[n - 1 - i];
	count = n;
	src = (uint64_t)(uintptr_t)&rev[n - 1];
	wait_thre();
	__asm__ volatile("std; rep outsb; cld" : "+c"(count), "+S"(src) : "d"(0x3f8) : "memory");
	fmt_format(d, sizeof(d), "RCX=%lu, RSI=rev%ld", count, (long)(src - (uint64_t)(uintptr_t)rev));
	report("rep-outsb-df", count == 0 && src == (uint64_t)(uintptr_t)rev - 1, d);
}

/* The segment override of OUTS (instruction information bits 17:15) and
 * a 32-bit address size (0x67): through FS, whose base is ours to set in
 * 64-bit mode, with ESI an offset from it. */
static void check_override_and_a32(void)
{
	static const char line[] = "string_io: fs-relative, 32-bit addressed rep outsb\r\n";
	uint64_t fs_base = rdmsr(0xc0000100); /* IA32_FS_BASE */
	wrmsr(0xc0000100, (uint64_t)(uintptr_t)line - 0x100);
	uint64_t count = sizeof(line) - 1, src = 0xabcd000000000100ull; /* upper half ignored, then zeroed */
	wait_thre();
	__asm__ volatile("cld; rep outsb %%fs:(%%esi), (%%dx)" : "+c"(count), "+S"(src) : "d"(0x3f8) : "memory");
	wrmsr(0xc0000100, fs_base);
	char d[120];
	fmt_format(d, sizeof(d), "RCX=%lu RSI=0x%lx", count, src);
	report("rep-outsb-fs-a32", count == 0 && src == 0x100 + sizeof(line) - 1, d);
}

static void check_pci(void)
{
	outl(0xcf8, PCI_HOST_BRIDGE_ID);
	uint32_t direct;
	__asm__ volatile("inl %w1, %0" : "=a"(direct) : "Nd"((uint16_t)0xcfc));
	outl(0xcf8, 0);
	/* OUTSD of the address (exits, emulated), INSD of the data. */
	static uint32_t address = PCI_HOST_BRIDGE_ID, got[2];
	uint64_t src = (uint64_t)(uintptr_t)&address, dst = (uint64_t)(uintptr_t)got;
	__asm__ volatile("outsl" : "+S"(src) : "d"(0xcf8) : "memory");
	__asm__ volatile("insl" : "+D"(dst) : "d"(0xcfc) : "memory");
	char d[120];
	fmt_format(d, sizeof(d), "inl 0x%x, insd 0x%x", direct, got[0]);
	report("pci-outsd-insd", got[0] == direct && direct != 0xffffffffu && src == (uint64_t)(uintptr_t)&address + 4, d);
	/* REP INSD from 0xcf8 (exits): the address register, twice. */
	uint64_t count = 2;
	dst = (uint64_t)(uintptr_t)got;
	got[0] = got[1] = 0;
	__asm__ volatile("rep insl" : "+c"(count), "+D"(dst) : "d"(0xcf8) : "memory");
	fmt_format(d, sizeof(d), "0x%x 0x%x RCX=%lu", got[0], got[1], count);
	report("pci-rep-insd", got[0] == PCI_HOST_BRIDGE_ID && got[1] == PCI_HOST_BRIDGE_ID && count == 0, d);
	/* 256 dwords: one exit (256 elements per exit); its cost is the
	 * largest port:0xcf8-in exit in the statistics. */
	static uint32_t big[257];
	outl(0xcf8, PCI_HOST_BRIDGE_ID);
	count = 256;
	dst = (uint64_t)(uintptr_t)big;
	__asm__ volatile("rep insl" : "+c"(count), "+D"(dst) : "d"(0xcf8) : "memory");
	unsigned same = 0;
	for (unsigned i = 0; i < 256; i++)
		same += big[i] == PCI_HOST_BRIDGE_ID;
	fmt_format(d, sizeof(d), "%u of 256 dwords, RCX=%lu, big[256]=0x%x", same, count, big[256]);
	report("pci-rep-insd-256", same == 256 && count == 0 && big[256] == 0, d);
	/* OUTSW/INSW at 0xcf8 (exit: the word covers 0xcf9). CONFIG_ADDRESS
	 * latches dword writes only (PCI 3.0 §3.2.2.3.2): the word is passed
	 * on as plain I/O and the address stays; INSW reads what INW reads. */
	outl(0xcf8, PCI_HOST_BRIDGE_ID);
	static uint16_t half = 0x0004, back;
	src = (uint64_t)(uintptr_t)&half;
	dst = (uint64_t)(uintptr_t)&back;
	__asm__ volatile("outsw; insw" : "+S"(src), "+D"(dst) : "d"(0xcf8) : "memory");
	uint16_t plain;
	uint32_t whole;
	__asm__ volatile("inw %w1, %w0" : "=a"(plain) : "Nd"((uint16_t)0xcf8));
	__asm__ volatile("inl %w1, %0" : "=a"(whole) : "Nd"((uint16_t)0xcf8));
	fmt_format(d, sizeof(d), "insw 0x%x, inw 0x%x, inl 0x%x", back, plain, whole);
	report("pci-outsw-insw",
	       back == plain && whole == PCI_HOST_BRIDGE_ID && src == (uint64_t)(uintptr_t)&half + 2 &&
		       dst == (uint64_t)(uintptr_t)&back + 2,
	       d);
	outl(0xcf8, 0);
}

/* Our mapping at HIGH: page 0 writable, page 1 read-only, page 2 absent. */
static bool map_high(void)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	EFI_PHYSICAL_ADDRESS pages;
	if ((read_cr4() & (1u << 12)) || (pml4[1] & PTE_P) ||
	    uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, 5, &pages) != EFI_SUCCESS)
		return false;
	uint64_t *pdpt = (uint64_t *)(uintptr_t)pages, *pd = pdpt + 512, *pt = pd + 512;
	for (unsigned i = 0; i < 3 * 512; i++)
		pdpt[i] = 0;
	pt[0] = (pages + 3 * 4096) | PTE_P | PTE_RW;
	pt[1] = (pages + 4 * 4096) | PTE_P;
	pd[0] = (uint64_t)(uintptr_t)pt | PTE_P | PTE_RW;
	pdpt[0] = (uint64_t)(uintptr_t)pd | PTE_P | PTE_RW;
	/* OVMF keeps its page tables read-only (CR0.WP=1): lift WP for the
	 * one store into the PML4. */
	uint64_t cr0 = read_cr0();
	write_cr0(cr0 & ~(1ull << 16));
	pml4[1] = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_RW;
	write_cr0(cr0);
	write_cr3(read_cr3());
	return true;
}

static void check_faults(bool mapped)
{
	if (!mapped) {
		report("rep-ins-fault", false, "no free PML4 slot or no memory");
		return;
	}
	char d[120];
	/* REP INSD of 4 dwords from 0xcf8, 8 bytes before the read-only page:
	 * 2 land, the 3rd faults: #PF(P|W) at HIGH+0x1000, RCX=2. */
	outl(0xcf8, PCI_HOST_BRIDGE_ID);
	uint64_t count = 4, dst = HIGH + 0x1000 - 8;
	sio_vector = 0;
	__asm__ volatile("lea 1f(%%rip), %%rax; mov %%rax, sio_resume(%%rip); rep insl; 1:"
			 : "+c"(count), "+D"(dst) : "d"(0xcf8) : "rax", "memory");
	volatile uint32_t *landed = (volatile uint32_t *)(uintptr_t)(HIGH + 0x1000 - 8);
	fmt_format(d, sizeof(d), "vector %lu error %lu CR2 0x%lx RCX=%lu RDI 0x%lx", sio_vector, sio_error, sio_cr2,
		   count, dst);
	report("rep-insd-read-only-pf",
	       sio_vector == 14 && sio_error == 3 && sio_cr2 == HIGH + 0x1000 && count == 2 && dst == HIGH + 0x1000 &&
		       landed[0] == PCI_HOST_BRIDGE_ID && landed[1] == PCI_HOST_BRIDGE_ID,
	       d);
	/* REP INSB from the last byte of the read-only page into the absent
	 * one after it, with CR0.WP=0 (ring 0 may write read-only pages):
	 * one byte lands, the next faults #PF(W, not present) at HIGH+0x2000.
	 * (The first element must succeed: Bochs probes the destination
	 * before the I/O exit, so a fault on it never reaches us.) */
	count = 3;
	dst = HIGH + 0x2000 - 1;
	uint64_t cr0 = read_cr0();
	write_cr0(cr0 & ~(1ull << 16));
	sio_vector = 0;
	__asm__ volatile("lea 1f(%%rip), %%rax; mov %%rax, sio_resume(%%rip); rep insb; 1:"
			 : "+c"(count), "+D"(dst) : "d"(0xcf8) : "rax", "memory");
	fmt_format(d, sizeof(d), "vector %lu error %lu CR2 0x%lx RCX=%lu", sio_vector, sio_error, sio_cr2, count);
	write_cr0(cr0);
	report("rep-insb-not-present-pf",
	       sio_vector == 14 && sio_error == 2 && sio_cr2 == HIGH + 0x2000 && count == 2 && dst == HIGH + 0x2000, d);
	outl(0xcf8, 0);
}

/* Reserved ranges below 4 GB, read before the guard (boot services). */
static uint64_t reserved[32];
static unsigned nreserved;

static void list_reserved(void)
{
	UINTN n = 0, key, dsize;
	UINT32 dver;
	EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&n, &key, &dsize, &dver);
	for (UINTN i = 0; map && i < n && nreserved < 32; i++) {
		EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((uint8_t *)map + i * dsize);
		if (d->Type == EfiReservedMemoryType && d->PhysicalStart < (4ull << 30))
			reserved[nreserved++] = d->PhysicalStart;
	}
	if (map)
		FreePool(map);
}

/* The hypervisor's arena: the reserved range whose first page reads #GP. */
static uint64_t find_hidden_page(void)
{
	for (unsigned i = 0; i < nreserved; i++) {
		sio_vector = 0;
		__asm__ volatile("lea 1f(%%rip), %%rax; mov %%rax, sio_resume(%%rip); movb (%0), %%al; 1:"
				 ::"r"(reserved[i]) : "rax", "memory");
		if (sio_vector == 13)
			return reserved[i];
	}
	return 0;
}

static void check_hidden(uint64_t page)
{
	uint64_t count = 16, src = page;
	sio_vector = 0;
	__asm__ volatile("lea 1f(%%rip), %%rax; mov %%rax, sio_resume(%%rip); rep outsb; 1:"
			 : "+c"(count), "+S"(src) : "d"(0x3f8) : "rax", "memory");
	uint64_t out_vector = sio_vector, count_in = 4, dst = page;
	sio_vector = 0;
	outl(0xcf8, PCI_HOST_BRIDGE_ID);
	__asm__ volatile("lea 1f(%%rip), %%rax; mov %%rax, sio_resume(%%rip); rep insb; 1:"
			 : "+c"(count_in), "+D"(dst) : "d"(0xcf8) : "rax", "memory");
	uint64_t in_vector = sio_vector;
	outl(0xcf8, 0);
	char d[120];
	fmt_format(d, sizeof(d), "page 0x%lx: outsb vector %lu RCX=%lu, insb vector %lu RCX=%lu", page, out_vector, count,
		   in_vector, count_in);
	report("string-io-hidden-gp", page && out_vector == 13 && in_vector == 13 && count == 16 && count_in == 4, d);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	log_raw("string_io: CPUID.1:ECX.hypervisor=%u\n", (cpuid(1).ecx >> 31) & 1);
	bool mapped = map_high();
	list_reserved();
	guard_on();
	check_rep_outsb();
	check_override_and_a32();
	check_pci();
	check_faults(mapped);
	check_hidden(find_hidden_page());
	guard_off();
	log_raw("string_io: %u failed\n", fails);
	emulator_end("string_io", fails);
	return EFI_SUCCESS;
}
