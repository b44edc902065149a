# The guest fuzzer (label fuzz; its test: test/specs/bochs_guest_fuzz.test):
# fuzz.efi runs random exiting operations (CPUID, RDMSR/WRMSR, MOV to
# CR0/CR3/CR4, XSETBV, VMX instructions, VMCALL, INVD, INT n; at CPL 0 and
# CPL 3) in vmtest's private environment and checks each outcome against
# the SDM. Replay a seed: guest_args = seed=0x... in test/configs/fuzz.cfg.
add_efi_app(fuzz ${PROJECT_SOURCE_DIR}/test/guests/fuzz.c ${PROJECT_SOURCE_DIR}/test/guests/fuzz_cpuid_msr.c
  ${PROJECT_SOURCE_DIR}/test/guests/fuzz_cr.c ${PROJECT_SOURCE_DIR}/test/guests/fuzz_misc.c
  ${PROJECT_SOURCE_DIR}/test/guests/fuzz_asm.asm ${PROJECT_SOURCE_DIR}/test/guests/vmtest_env.c
  ${PROJECT_SOURCE_DIR}/test/guests/vmtest_asm.asm ${HV_LIB_SOURCES_ABS})
