/* hostile.efi: a guest that attacks the hypervisor's memory. Started by
 * hv.efi as its guest (test tool; its environment is vmtest's: our GDT, IDT
 * and page tables, exceptions caught).
 *
 * It finds the memory it cannot read the way an attacker would: the UEFI
 * memory map lists reserved ranges, and a page-by-page read of them shows
 * which pages fault. Then it attacks every hidden page it found:
 *   read, write and execute at the page's identity address;
 *   read and write through an alias: a 4 KB page of its own page tables
 *   that maps a new linear address to the page;
 *   a page walk through the page: a page-directory entry of its own that
 *   uses the hidden page as a page table.
 * Every attempt must fault with #GP (what the hypervisor injects for an EPT
 * violation on its memory); any that completes is a success for the
 * attacker. One line per hidden range, then
 *   hostile: N attacks on M hidden pages: S succeeded, W wrong faults
 * and, after the attack, proof that the hypervisor still answers (CPUID
 * signature, a statistics dump through VMCALL 2). DMA is out of scope. */
#include <efi.h>
#include <efilib.h>

#include "../../../hv/lib/fmt.h"
#include "../../../hv/lib/log.h"
#include "../../../hv/lib/serial.h"
#include "../common/vmtest.h"
#include "../common/emulator_exit.h"
#include "../common/selftest_result.h"

#include <hv/cpu.h>

#define PAGE ((uint64_t)4096)
#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_US 0x4ull
#define PTE_ADDR 0x000ffffffffff000ull
#define CR4_LA57 (1ull << 12)
#define ALIAS_BASE 0x8000000000ull /* PML4 slot 1: unused by the environment */
#define ALIAS_WALK (ALIAS_BASE + (2ull << 20)) /* second PD entry */
#define MAX_RANGES 64
#define MAX_PROBE_PAGES 65536 /* bound on the scan of reserved memory */
#define GP 13

struct range { uint64_t base, pages; };

static struct range reserved[MAX_RANGES], hidden[MAX_RANGES];
static unsigned nreserved, nhidden;
static uint64_t probed, hidden_pages, attacks, successes, wrong_faults;
static uint64_t *alias_pdpt, *alias_pd, *alias_pt; /* our extra tables, below 4 GB */
static struct selftest_result *selftest; /* started by selftest.efi: report there, return */
static const char *wrong_what;
static uint64_t wrong_vector, wrong_addr;

static void do_read(void *p) { (void)*(volatile uint64_t *)p; }
static void do_write(void *p) { *(volatile uint64_t *)p = 0x686f7374696c6521ull; }

/* Runs fn(arg) under the guard; true when it faulted. Records the vector. */
static bool faults(void (*fn)(void *), void *arg, uint64_t *vector)
{
	unsigned n = vt_nfaults;
	if (!vt_try(fn, arg))
		return false;
	*vector = vt_faults[n < VT_MAX_FAULTS ? n : VT_MAX_FAULTS - 1].vector;
	return true;
}

/* One attack: it must fault with #GP. */
static void attack(const char *what, void (*fn)(void *), void *arg, uint64_t page)
{
	uint64_t vector = 0;
	attacks++;
	if (!faults(fn, arg, &vector)) {
		if (!successes++)
			log_raw("hostile: %s of 0x%lx SUCCEEDED\n", what, page);
	} else if (vector != GP) {
		if (!wrong_faults++) {
			wrong_what = what;
			wrong_vector = vector;
			wrong_addr = page;
		}
	}
}

static void invlpg(uint64_t linear) { __asm__ volatile("invlpg (%0)" ::"r"(linear) : "memory"); }

/* The environment's PML4 (under a PML5 when LA57 is on). */
static uint64_t *env_pml4(void)
{
	uint64_t *root = (uint64_t *)(read_cr3() & PTE_ADDR);
	if (read_cr4() & CR4_LA57)
		root = (uint64_t *)(root[0] & PTE_ADDR);
	return root;
}

static void attack_page(uint64_t page)
{
	attack("read", do_read, (void *)page, page);
	attack("write", do_write, (void *)page, page);
	attack("execute", (void (*)(void *))page, NULL, page);
	if (!alias_pt)
		return;
	/* The same page under another linear address of our own tables. */
	alias_pt[0] = page | PTE_P | PTE_RW | PTE_US;
	invlpg(ALIAS_BASE);
	attack("read through an alias", do_read, (void *)ALIAS_BASE, page);
	attack("write through an alias", do_write, (void *)ALIAS_BASE, page);
	alias_pt[0] = 0;
	invlpg(ALIAS_BASE);
	/* The page as one of our page tables: the walk itself must fault. */
	alias_pd[1] = page | PTE_P | PTE_RW | PTE_US;
	invlpg(ALIAS_WALK);
	attack("page walk through", do_read, (void *)ALIAS_WALK, page);
	alias_pd[1] = 0;
	invlpg(ALIAS_WALK);
}

static void note_hidden(uint64_t page)
{
	hidden_pages++;
	if (nhidden && hidden[nhidden - 1].base + hidden[nhidden - 1].pages * PAGE == page) {
		hidden[nhidden - 1].pages++;
		return;
	}
	if (nhidden < MAX_RANGES)
		hidden[nhidden++] = (struct range){ page, 1 };
}

static void run_attack(struct vt_result *r)
{
	uint64_t *pml4 = env_pml4();
	if (alias_pdpt && !(pml4[1] & PTE_P)) {
		pml4[1] = (uint64_t)alias_pdpt | PTE_P | PTE_RW | PTE_US;
		alias_pdpt[0] = (uint64_t)alias_pd | PTE_P | PTE_RW | PTE_US;
		alias_pd[0] = (uint64_t)alias_pt | PTE_P | PTE_RW | PTE_US;
	} else {
		alias_pt = NULL; /* no free slot: identity attacks only */
	}
	/* Find: a read of each reserved page; the ones that fault are hidden. */
	for (unsigned i = 0; i < nreserved; i++)
		for (uint64_t p = 0; p < reserved[i].pages && probed < MAX_PROBE_PAGES; p++) {
			uint64_t page = reserved[i].base + p * PAGE, vector;
			if (page >= (4ull << 30))
				break; /* outside the environment's identity map */
			probed++;
			if (faults(do_read, (void *)page, &vector) && vector == GP)
				note_hidden(page);
		}
	/* Attack every hidden page we found. */
	for (unsigned i = 0; i < nhidden; i++)
		for (uint64_t p = 0; p < hidden[i].pages; p++)
			attack_page(hidden[i].base + p * PAGE);
	if (alias_pdpt && alias_pt)
		pml4[1] = 0;
	__asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" ::: "rax", "memory");
	r->pass = hidden_pages > 0 && successes == 0 && wrong_faults == 0;
	vt_detail(r, "%lu pages probed, %lu hidden, %lu attacks, %lu succeeded, %lu wrong faults", probed,
		  hidden_pages, attacks, successes, wrong_faults);
}

static void find_reserved(void)
{
	UINTN n = 0, key, dsize;
	UINT32 dver;
	EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&n, &key, &dsize, &dver);
	for (UINTN i = 0; map && i < n; i++) {
		EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((uint8_t *)map + i * dsize);
		if (d->Type == EfiReservedMemoryType && nreserved < MAX_RANGES)
			reserved[nreserved++] = (struct range){ d->PhysicalStart, d->NumberOfPages };
	}
	if (map)
		FreePool(map);
	for (unsigned i = 0; i < nreserved; i++)
		log_raw("hostile: reserved 0x%lx-0x%lx (%lu KB)\n", reserved[i].base,
			reserved[i].base + reserved[i].pages * PAGE, reserved[i].pages * 4);
}

/* What the environment (vmtest_env.c) calls back. */
void vt_report(const char *check, bool pass, const char *detail)
{
	log_raw("%s: %s: %s\n", pass ? "PASS" : "FAIL", check, detail ? detail : "");
}

static void end_run(unsigned fails);

void vt_fatal(const char *detail)
{
	vt_report("hostile", false, detail);
	end_run(1);
	if (selftest)
		emulator_exit(1); /* cannot return from here: end the run (emulators) or halt */
	cpu_halt_forever();
}

static void end_run(unsigned fails)
{
	if (!selftest) {
		emulator_end("hostile", fails);
		return;
	}
	log_raw("hostile: %s\n", fails ? "FAILED" : "done");
	serial_drain();
	selftest_result_set(selftest, !fails, "%lu attacks on %lu hidden pages: %lu succeeded, %lu wrong faults", attacks,
			    hidden_pages, successes, wrong_faults);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *system_table)
{
	InitializeLib(image, system_table);
	serial_init(0x3f8, 115200);
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);
	selftest = selftest_result_of(image);
	log_raw("hostile: looking for memory this guest cannot read\n");
	find_reserved();
	EFI_PHYSICAL_ADDRESS tables = 0xffffffffull;
	if (!EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData, 3, &tables))) {
		alias_pdpt = (uint64_t *)tables;
		alias_pd = alias_pdpt + 512;
		alias_pt = alias_pd + 512;
		for (unsigned i = 0; i < 3 * 512; i++)
			alias_pdpt[i] = 0;
	}
	char why[120];
	struct vt_result r = { false, "" };
	if (!vt_env_init(BS, why, sizeof(why)))
		log_raw("hostile: environment: %s\n", why);
	else
		vt_env_run(run_attack, &r);
	vt_env_fini();
	unsigned fails = !r.pass;
	for (unsigned i = 0; i < nhidden; i++)
		log_raw("hostile: hidden 0x%lx-0x%lx (%lu KB)\n", hidden[i].base,
			hidden[i].base + hidden[i].pages * PAGE, hidden[i].pages * 4);
	log_raw("hostile: %lu attacks on %lu hidden pages: %lu succeeded, %lu wrong faults (%s)\n", attacks,
		hidden_pages, successes, wrong_faults, r.detail);
	if (wrong_faults)
		log_raw("hostile: first wrong fault: %s of 0x%lx gave vector %lu, want #GP\n", wrong_what, wrong_addr,
			wrong_vector);
	/* The hypervisor is still there and still answers. */
	struct cpuid_regs c = cpuid(0x40000000);
	bool alive = c.ebx == 0x45785456u; /* "VTxE" */
	log_raw("hostile: hypervisor %s after the attack\n", alive ? "answers CPUID 0x40000000" : "GONE");
	fails += !alive;
	uint64_t rax = 2;
	__asm__ volatile("vmcall" : "+a"(rax)::"rbx", "rcx", "rdx", "memory");
	log_raw("hostile: statistics request returned %lu\n", rax);
	fails += rax != 0;
	if (tables != 0xffffffffull)
		uefi_call_wrapper(BS->FreePages, 2, tables, 3);
	end_run(fails);
	return fails ? EFI_ABORTED : EFI_SUCCESS;
}
