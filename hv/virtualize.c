/* Start-up of the hypervisor proper, where its parts meet (EPT, APIC,
 * the exits' policies, VMX): one reserved arena for everything the host
 * owns, a relocated copy of our image for the host code, host page
 * tables, the EPT identity map with the arena hidden, then VMX on this
 * processor. Above hv/vmx, so that VMX does not depend on the exits. */
#include "virtualize.h"

#include "apic/apic.h"
#include "ept/ept.h"
#include "ept/mtrr.h"
#include "exits/io.h"
#include "exits/init_sipi.h"
#include "exits/io_ports.h"
#include "exits/msr_policy.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/serial.h"
#include "vmx/arena_layout.h"
#include "vmx/host.h"
#include "vmx/vmx_detect.h"
#include "vmx/vmx_setup.h"

#include <hv/cpu.h>
#include <hv/msr.h>
#include <hv/platform.h>

extern char vmx_exit_stub[], host_exception_stubs[];

#define PAGES(bytes) (((bytes) + 4095) / 4096)

/* What build_and_launch works from: the arena and its layout, the facts
 * and settings read before it, the processors. */
struct launch_plan {
	uint64_t arena;                 /* physical = virtual */
	struct arena_layout layout;
	uint64_t memory_top;
	unsigned maxphyaddr;
	uint64_t image_size;
	const struct cpu_features *features;
	const struct hv_config *config;
	const struct vmx_msr_snapshot *msrs;
	const struct vmx_caps *caps;
	const uint32_t *apic_ids;
	unsigned ncpus;
};

static void read_mtrrs(struct mtrr_snapshot *m, unsigned maxphyaddr)
{
	*m = (struct mtrr_snapshot){ 0 };
	m->maxphyaddr = maxphyaddr;
	/* CPUID.1:EDX.MTRR[12]: without MTRRs everything is UC-less WB... the
	 * SDM leaves it to the platform; treat the map as write-back. */
	if (!(cpuid(1).edx & (1u << 12))) {
		m->def_type = (1u << 11) | MEM_WB;
		return;
	}
	m->mtrrcap = rdmsr(MSR_IA32_MTRRCAP);
	m->def_type = rdmsr(MSR_IA32_MTRR_DEF_TYPE);
	if (m->mtrrcap & (1u << 8)) {
		static const uint32_t fixed_msrs[11] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a,
							 0x26b, 0x26c, 0x26d, 0x26e, 0x26f };
		for (unsigned i = 0; i < 11; i++)
			m->fixed[i] = rdmsr(fixed_msrs[i]);
	}
	unsigned vcnt = m->mtrrcap & 0xff;
	for (unsigned i = 0; i < vcnt && i < MTRR_MAX_VAR; i++) {
		m->var_base[i] = rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i);
		m->var_mask[i] = rdmsr(MSR_IA32_MTRR_PHYSBASE0 + 2 * i + 1);
	}
}

/* Page-table pages (EPT and the host's) from the arena; physical =
 * virtual here. */
static void *table_alloc_page(void *ctx) { return arena_alloc_pages(ctx, 1); }
static uint64_t table_virt_to_phys(void *ctx, const void *virt) { (void)ctx; return (uint64_t)(uintptr_t)virt; }
static void *table_phys_to_virt(void *ctx, uint64_t phys) { (void)ctx; return (void *)(uintptr_t)phys; }

/* UEFI identity-maps memory: an ACPI table's physical address is usable. */
static const void *acpi_map_identity(void *ctx, uint64_t phys, uint32_t len)
{
	(void)ctx;
	(void)len;
	return (const void *)(uintptr_t)phys;
}

/* The ACPI power-off and reset registers, to intercept (io.c). */
static void find_acpi_power(struct acpi_power *acpi)
{
	uint64_t rsdp = platform_acpi_rsdp();
	const char *why = rsdp ? acpi_find_power(rsdp, acpi_map_identity, NULL, acpi) : "no RSDP from the firmware";
	if (why) {
		log_printf("ACPI: %s: power-off and reset go unnoticed unless through 0xcf9 or 0x64\n", why);
		return;
	}
	log_printf("ACPI: PM1a control 0x%x, PM1b control 0x%x, reset register %s 0x%llx <- 0x%x: intercepted%s\n",
		   acpi->pm1a_control, acpi->pm1b_control,
		   acpi->reset_in_io ? "I/O" : acpi->reset_mmio ? "memory" : "none",
		   (unsigned long long)(acpi->reset_in_io ? acpi->reset_port : acpi->reset_mmio), acpi->reset_value,
		   "");
}

/* What the guest's CPUID says differently from the processor's, and why
 * (cpuid_gates.h). */
static void report_cpuid_filter(const struct cpuid_filter *f)
{
	char on[160];
	size_t used = 0;
	on[0] = '\0';
	for (unsigned g = 0; g < CPUID_GATE_COUNT; g++) {
		if (f->enabled & (1u << g))
			used += fmt_format(on + used, sizeof(on) - used, " %s", cpuid_gates[g].name);
		if (f->hidden & (1u << g))
			log_printf("CPUID: %s hidden from the guest: %s%s\n", cpuid_gates[g].name, cpuid_gates[g].why,
				   cpuid_gates[g].secondary_control ? ", which this processor does not allow" : "");
	}
	log_printf("CPUID: guest instructions enabled through VMX controls:%s\n", used ? on : " none");
}

static enum hv_status build_and_launch(const struct launch_plan *p);

/* "processors: 2 (APIC IDs 0 1), local APIC in xAPIC mode" */
static void report_processors(const uint32_t *apic_ids, unsigned ncpus)
{
	char ids[160];
	size_t used = 0;
	for (unsigned i = 0; i < ncpus && used + 12 < sizeof(ids); i++)
		used += fmt_format(ids + used, sizeof(ids) - used, " %u", apic_ids[i]);
	log_printf("processors: %u (APIC IDs%s%s), local APIC in %s mode\n", ncpus, ids,
		   used + 12 >= sizeof(ids) ? " ..." : "", apic_mode_name(apic_this_mode()));
}

enum hv_status hv_virtualize(const struct hv_config *config, const struct vmx_msr_snapshot *msrs,
			     const struct vmx_caps *caps)
{
	struct cpu_features features; /* read once; struct hv takes a copy */
	cpu_features_read(&features);
	uint32_t apic_ids[HV_MAX_CPUS];
	struct launch_plan p = {
		.memory_top = platform_memory_top(),
		.maxphyaddr = cpu_maxphyaddr(),
		.image_size = platform_image_size(),
		.features = &features,
		.config = config,
		.msrs = msrs,
		.caps = caps,
		.apic_ids = apic_ids,
		.ncpus = platform_processors(apic_ids, HV_MAX_CPUS),
	};
	report_processors(apic_ids, p.ncpus);
	struct arena_facts facts = {
		.maxphyaddr = p.maxphyaddr, .memory_top = p.memory_top, .ept_1gb = caps->ept_1gb,
		.host_1gb = features.page_1gb, .image_size = p.image_size, .ncpus = p.ncpus,
		.hv_bytes = sizeof(struct hv), .vcpu_bytes = sizeof(struct vcpu),
	};
	p.layout = arena_layout_compute(&facts);
	uint64_t pages = p.layout.pages;
	if (platform_alloc_reserved(pages, &p.arena) != HV_OK) {
		log_printf("cannot allocate %llu KB of reserved memory for the hypervisor\n",
			   (unsigned long long)(pages * 4));
		return HV_ERR_NO_MEMORY;
	}
	enum hv_status st = build_and_launch(&p);
	if (st != HV_OK) {
		/* Nothing launched: give the firmware its memory back, so that
		 * the OS booted next loses nothing to us. */
		platform_free_reserved(p.arena, pages);
		log_printf("released the hypervisor's %llu KB of reserved memory\n", (unsigned long long)(pages * 4));
	}
	return st;
}

/* An AP virtualizes itself: VMX on in its own IA32_FEATURE_CONTROL, then
 * the same launch-in-place as the BSP. It runs through the firmware's MP
 * services, one AP at a time, and reports into ap_start, which is in
 * firmware memory (on the BSP's stack), because after VMLAUNCH the AP is a
 * guest and the arena is hidden from it. */
struct ap_start {
	struct vcpu *v;
	uint64_t host_rip;
	enum hv_status status;
	bool returned;
	uint32_t ran_on; /* the APIC ID the procedure found itself on */
};

static void ap_virtualize(void *arg)
{
	struct ap_start *a = arg;
	a->ran_on = apic_this_id();
	if (a->ran_on != a->v->apic_id) { /* a vCPU is tied to one processor */
		a->status = HV_ERR_INVALID;
		a->returned = true;
		return;
	}
	log_printf("CPU %u (APIC ID %u): turning VMX on\n", a->v->index, a->v->apic_id);
	enum hv_status st = vmx_feature_control(false);
	if (st == HV_OK) {
		a->v->virtualized = true;
		st = vmx_virtualize_this_cpu(a->v, a->host_rip);
		if (st != HV_OK)
			a->v->virtualized = false; /* still in root mode: the arena is ours */
	}
	a->status = st;
	a->returned = true;
}

#define AP_TIMEOUT_US 5000000u

/* The APs, after the BSP: a processor that fails is reported by APIC ID
 * and runs on without the hypervisor; the others go on. The firmware's
 * console must not be used from an AP: the log mirror is off meanwhile. */
static void virtualize_aps(struct vcpu *const *aps, const uint32_t *apic_ids, unsigned ncpus, uint64_t host_rip)
{
	log_mirror_fn *mirror = log_get_mirror();
	unsigned ok = 1;
	for (unsigned i = 1; i < ncpus; i++) {
		struct ap_start a = { aps[i], host_rip, HV_ERR_INVALID, false, apic_ids[i] };
		log_set_mirror(NULL);
		enum hv_status st = platform_run_on_ap(apic_ids[i], ap_virtualize, &a, AP_TIMEOUT_US);
		log_set_mirror(mirror);
		if (st == HV_OK && a.returned && a.status == HV_OK) {
			ok++;
			log_printf("CPU %u (APIC ID %u) runs as a guest in VMX non-root mode\n", i, apic_ids[i]);
		} else if (st == HV_OK && a.ran_on != apic_ids[i]) {
			log_printf("CPU %u (APIC ID %u) NOT virtualized: the firmware ran its start-up on APIC ID %u\n", i,
				   apic_ids[i], a.ran_on);
		} else {
			log_printf("CPU %u (APIC ID %u) NOT virtualized: %s; it runs on without the hypervisor\n", i,
				   apic_ids[i],
				   st != HV_OK ? (st == HV_ERR_TIMEOUT ? "the firmware's MP services timed out"
								       : "the firmware's MP services refused")
					       : hv_status_text(a.status));
		}
	}
	log_printf("%u of %u processors virtualized\n", ok, ncpus);
}

/* A memory-mapped ACPI reset register: its page read-only in EPT, so the
 * guest's stores there exit and the hypervisor performs them
 * (mmio_reset.c), seeing the reset first. Mapped first where it lies
 * beyond the start-up map. */
static enum hv_status protect_reset_register(struct hv *hv)
{
	uint64_t page = hv->acpi.reset_mmio & ~0xfffull;
	if (ept_set_permissions(&hv->ept, page, 4096, EPT_READ | EPT_EXEC) != 0 &&
	    (ept_map_region(&hv->ept, &hv->mtrrs, page, hv->caps.ept_1gb) < 0 ||
	     ept_set_permissions(&hv->ept, page, 4096, EPT_READ | EPT_EXEC) != 0)) {
		log_printf("cannot write-protect the ACPI reset register's page 0x%llx\n", (unsigned long long)page);
		return HV_ERR_NO_MEMORY;
	}
	log_printf("ACPI reset register in memory at 0x%llx: its page is read-only in EPT, stores there exit\n",
		   (unsigned long long)hv->acpi.reset_mmio);
	return HV_OK;
}

/* struct hv, first in the arena, with the facts and settings it keeps. */
static struct hv *hv_state_create(const struct launch_plan *p)
{
	struct hv tmp = { .arena_base = p->arena, .arena_size = p->layout.pages * 4096 };
	struct hv *hv = arena_alloc_pages(&tmp, PAGES(sizeof(struct hv)));
	*hv = tmp;
	hv->config = *p->config;
	hv->msrs = *p->msrs;
	hv->caps = *p->caps;
	hv->maxphyaddr = p->maxphyaddr;
	hv->features = *p->features;
	cpuid_filter_compute(&hv->msrs, &hv->features.words, &hv->cpuid);
	cpuid_filter_hypervisor_bit(&hv->cpuid, p->config->cpuid_hypervisor_bit);
	report_cpuid_filter(&hv->cpuid);
	if (!p->config->cpuid_hypervisor_bit)
		log_printf("CPUID: hypervisor bit (CPUID.1:ECX[31]) clear for the guest (cpuid_hypervisor_bit = off); "
			   "leaf 0x40000000 still answers\n");
	if (p->config->interrupts_to_guest)
		log_printf("external interrupts go to the guest without exits (external_interrupts = guest): "
			   "not counted in the statistics\n");
	hv->tsc_hz = platform_tsc_hz();
	find_acpi_power(&hv->acpi);
	io_start_up(hv);
	if (p->config->stats_interval_ms && p->caps->preemption_timer) {
		/* The preemption timer counts down at TSC >> VMX_MISC[4:0]
		 * (SDM Vol. 3C §26.5.1), only while the guest runs. */
		uint64_t ticks = (hv->tsc_hz / 1000 * p->config->stats_interval_ms) >> p->caps->preemption_timer_shift;
		hv->preemption_timer_reload = ticks > 0xffffffffull ? 0xffffffffu : (uint32_t)(ticks ? ticks : 1);
	}
	log_printf("TSC %llu Hz; periodic statistics %s (every %u ms of guest time)\n", (unsigned long long)hv->tsc_hz,
		   hv->preemption_timer_reload ? "on" : "off", p->config->stats_interval_ms);
	return hv;
}

/* The host code: a relocated copy of this image, made with no screen
 * mirror (the host must never call the firmware); *delta is how far the
 * copy's code lies from this image's. */
static enum hv_status copy_image(struct hv *hv, uint64_t image_size, int64_t *delta)
{
	void *copy = arena_alloc_pages(hv, PAGES(image_size));
	log_mirror_fn *mirror = log_get_mirror();
	log_set_mirror(NULL);
	enum hv_status st = platform_copy_image(copy, delta);
	log_set_mirror(mirror);
	if (st != HV_OK) {
		log_printf("cannot relocate the hypervisor image copy (%s)\n", hv_status_text(st));
		return st;
	}
	hv->image_copy_base = (uint64_t)(uintptr_t)copy;
	hv->image_copy_size = image_size;
	serial_share(*delta); /* one output queue for both images (serial.h) */
	return HV_OK;
}

/* Host page tables and the EPT identity map with the arena hidden, their
 * callbacks pointed into the relocated copy; the pages the hypervisor
 * watches (local APIC for ipi_relay, an MMIO reset register) read-only. */
static enum hv_status build_tables(struct hv *hv, const struct launch_plan *p, int64_t delta)
{
	read_mtrrs(&hv->mtrrs, p->maxphyaddr);
	struct ept_ops ops = { table_alloc_page, table_virt_to_phys, table_phys_to_virt, hv };
	enum hv_status st = host_build_page_tables(hv, &ops, p->layout.host_top);
	if (st != HV_OK) {
		log_printf("cannot build the host page tables: %s\n", hv_status_text(st));
		return st;
	}
	if (ept_build_identity(&hv->ept, &ops, &hv->mtrrs, p->layout.ept_top, p->caps->ept_1gb) != 0 ||
	    ept_set_permissions(&hv->ept, hv->arena_base, hv->arena_size, 0) != 0) {
		log_printf("cannot build the EPT: the arena is too small\n");
		return HV_ERR_NO_MEMORY;
	}
	/* Both keep their callbacks for changes in exits (EPT regions mapped
	 * on demand, splits after MTRR writes), where the host runs the
	 * relocated copy: point them there, not into this image, which the
	 * firmware unloads after we return. */
	struct ept_ops relocated = {
		(void *(*)(void *))((uintptr_t)table_alloc_page + (uint64_t)delta),
		(uint64_t(*)(void *, const void *))((uintptr_t)table_virt_to_phys + (uint64_t)delta),
		(void *(*)(void *, uint64_t))((uintptr_t)table_phys_to_virt + (uint64_t)delta),
		hv,
	};
	hv->ept.ops = relocated;
	hv->host_paging.ops = relocated;
	if (p->config->ipi_relay) {
		uint64_t page = apic_mmio_base(rdmsr(MSR_IA32_APIC_BASE), p->maxphyaddr);
		if (ept_set_permissions(&hv->ept, page, 4096, EPT_READ) != 0) {
			log_printf("cannot write-protect the local APIC page for ipi_relay\n");
			return HV_ERR_NO_MEMORY;
		}
		hv->apic_relay_page = page;
		log_printf("ipi_relay: local APIC page 0x%llx read-only; INIT/SIPI between our CPUs relayed\n",
			   (unsigned long long)page);
	}
	if (hv->acpi.reset_mmio && (st = protect_reset_register(hv)) != HV_OK)
		return st;
	hv->eptp = ept_pointer(&hv->ept, false);
	return HV_OK;
}

static void report_memory(const struct hv *hv, const struct launch_plan *p)
{
	uint64_t top_gb = p->layout.ept_top >> 30;
	uint64_t reach_gb = identity_map_reach(p->maxphyaddr) >> 30;
	char rest[64] = "";
	if (reach_gb > top_gb)
		fmt_format(rest, sizeof(rest), ", the rest up to %llu GB on first access", (unsigned long long)reach_gb);
	log_printf("memory: MAXPHYADDR %u, memory map top 0x%llx; EPT identity map of %llu GB with %s pages, %u tables%s; "
		   "hypervisor arena 0x%llx-0x%llx (%llu KB) hidden from the guest\n",
		   p->maxphyaddr, (unsigned long long)p->memory_top, (unsigned long long)top_gb,
		   p->caps->ept_1gb ? "1 GB" : "2 MB", hv->ept.tables, rest, (unsigned long long)hv->arena_base,
		   (unsigned long long)(hv->arena_base + hv->arena_size), (unsigned long long)(hv->arena_size / 1024));
}

/* Every processor's state, built now: once the BSP is a guest the arena
 * is out of its reach (the APs, not yet virtualized, still reach it
 * through the firmware's identity map). */
static enum hv_status build_vcpus(struct hv *hv, const struct launch_plan *p, int64_t delta)
{
	for (unsigned i = 0; i < p->ncpus; i++) {
		struct vcpu *v = arena_alloc_pages(hv, PAGES(sizeof(struct vcpu)));
		if (!v) {
			log_printf("arena exhausted before the per-CPU state of CPU %u\n", i);
			return HV_ERR_NO_MEMORY;
		}
		v->hv = hv;
		v->index = i;
		v->apic_id = p->apic_ids[i];
		v->virtualized = i == 0; /* an AP sets it itself when it launches */
		hv->vcpus[i] = v;
		host_build_tables(v, (uint64_t)(uintptr_t)host_exception_stubs + (uint64_t)delta);
		/* What exits: the exits' policies (msr_policy.h, io_ports.h). */
		msr_bitmap_build(v->msr_bitmap);
		ipi_relay_msr_bitmap(hv, v->msr_bitmap);
		io_bitmap_build(v->io_bitmaps, hv->config.serial_port, &hv->acpi, hv->io_policy.bochs_shutdown,
				hv->io_policy.qemu_debug_exit);
	}
	hv->cpu_count = p->ncpus;
	return HV_OK;
}

/* Everything that lives in the arena: struct hv, the host image copy, host
 * page tables, EPT, the vCPUs; then VMX on and VMLAUNCH, BSP first. */
static enum hv_status build_and_launch(const struct launch_plan *p)
{
	struct hv *hv = hv_state_create(p);
	int64_t delta;
	enum hv_status st;
	if ((st = copy_image(hv, p->image_size, &delta)) != HV_OK || (st = build_tables(hv, p, delta)) != HV_OK)
		return st;
	report_memory(hv, p);
	if ((st = build_vcpus(hv, p, delta)) != HV_OK)
		return st;
	/* Once launched we are the guest, and the arena is out of reach:
	 * keep what we still want to use in locals. */
	struct vcpu *aps[HV_MAX_CPUS];
	for (unsigned i = 1; i < p->ncpus; i++)
		aps[i] = hv->vcpus[i];
	uint64_t host_rip = (uint64_t)(uintptr_t)vmx_exit_stub + (uint64_t)delta;
	st = vmx_virtualize_this_cpu(hv->vcpus[0], host_rip);
	if (st != HV_OK)
		return st;
	log_printf("CPU 0 (APIC ID %u) runs as a guest in VMX non-root mode\n", p->apic_ids[0]);
	virtualize_aps(aps, p->apic_ids, p->ncpus, host_rip);
	return HV_OK;
}
