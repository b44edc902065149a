# The EFI programs of ours the integration tests boot (test/specs), built
# into build/test/NAME.efi. By kind:
#   common/  what several of them share: the emulator exit, the self-test's
#            result lines, vmtest's private environment (GDT, IDT, page
#            tables, ring 3; vmtest_env.c, vmtest_asm.asm)
#   checks/  guest-side checks, each a guest of the hypervisor printing
#            PASS/FAIL lines, and the firmware's next boot option (poweroff)
#   fuzzer/  the guest fuzzer: random exiting operations checked against the
#            SDM (the libFuzzer harnesses of the host parsers are test/libfuzzer)
#   shims/   programs that boot before hv.efi, give the machine what the
#            test needs (ACPI tables, a locked IA32_FEATURE_CONTROL) and
#            start it; the self-test launcher
# Included from test/CMakeLists.txt (the .efi files land in build/test).
set(G ${CMAKE_CURRENT_LIST_DIR})

# ---- common: the private environment of vmtest, hostile and fuzz ----
set(VMTEST_ENV ${G}/common/vmtest_env.c ${G}/common/vmtest_asm.asm)

# ---- checks ----
add_efi_app(poweroff ${G}/checks/poweroff.c ${HV_LIB_SOURCES_ABS})
add_efi_app(vmtest ${G}/checks/vmtest.c ${G}/checks/vmtest_exc.c ${VMTEST_ENV} ${HV_LIB_SOURCES_ABS})
# Finds the memory it cannot read through the UEFI memory map and attacks it
# (read, write, execute, through an alias and a page walk of its own tables).
add_efi_app(hostile ${G}/checks/hostile.c ${VMTEST_ENV} ${HV_LIB_SOURCES_ABS})
add_efi_app(resets ${G}/checks/resets.c ${HV_LIB_SOURCES_ABS})
add_efi_app(mp_guest ${G}/checks/mp_guest.c ${HV_LIB_SOURCES_ABS})
# Starts the APs itself with INIT/SIPI every way: xAPIC and x2APIC ICR,
# physical, logical, each shorthand (bochs_smp_ipi_ways).
add_efi_app(ipi_guest ${G}/checks/ipi_guest.c ${PROJECT_SOURCE_DIR}/hv/apic/apic.c ${HV_LIB_SOURCES_ABS})
# Idles with `sti; hlt` and `sti; mwait` while the firmware's timer ticks.
add_efi_app(idle ${G}/checks/idle.c ${HV_LIB_SOURCES_ABS})
# INS/OUTS, with and without REP, to the UART and the PCI ports.
add_efi_app(string_io ${G}/checks/string_io.c ${HV_LIB_SOURCES_ABS})
# What each emulator shows to tell it from a real board (no hypervisor).
add_efi_app(platform_probe ${G}/checks/platform_probe.c
  ${PROJECT_SOURCE_DIR}/hv/exits/io_policy.c ${PROJECT_SOURCE_DIR}/hv/lib/acpi.c ${HV_LIB_SOURCES_ABS})

# ---- fuzzer: CPUID, RDMSR/WRMSR, MOV to CR0/CR3/CR4, XSETBV, VMX
# instructions, VMCALL, INVD, INT n at CPL 0 and 3. Replay a seed:
# guest_args = seed=0x... in test/configs/fuzz.cfg.
add_efi_app(fuzz ${G}/fuzzer/fuzz.c ${G}/fuzzer/fuzz_cpuid_msr.c ${G}/fuzzer/fuzz_cr.c
  ${G}/fuzzer/fuzz_misc.c ${G}/fuzzer/fuzz_asm.asm ${VMTEST_ENV} ${HV_LIB_SOURCES_ABS})

# ---- shims ----
add_efi_app(acpi_shim ${G}/shims/acpi_shim.c ${G}/shims/shim_start.c ${HV_LIB_SOURCES_ABS})
add_efi_app(acpi_shim_mmio ${G}/shims/acpi_shim.c ${G}/shims/shim_start.c ${HV_LIB_SOURCES_ABS})
target_compile_definitions(acpi_shim_mmio_objs PRIVATE ACPI_SHIM_MMIO_RESET)
add_efi_app(vmx_locked_shim ${G}/shims/vmx_locked_shim.c ${G}/shims/shim_start.c ${HV_LIB_SOURCES_ABS})
add_efi_app(smp_acpi_shim ${G}/shims/smp_acpi_shim.c ${G}/shims/shim_start.c ${HV_LIB_SOURCES_ABS})
# ACPI tables whose DSDT names \_S3, \_S4, \_S5 over Bochs's PIIX4 PM block.
add_efi_app(sleep_shim ${G}/shims/sleep_shim.c ${G}/shims/shim_start.c ${HV_LIB_SOURCES_ABS})
# The self-test for a new machine (tools/selftest.sh, README "First boot on
# a new machine"): identifies the processor, starts hv.efi and runs vmtest,
# hostile and fuzz as the hypervisor's guest, then prints one summary.
add_efi_app(selftest ${G}/shims/selftest.c ${G}/shims/shim_start.c ${HV_LIB_SOURCES_ABS})
