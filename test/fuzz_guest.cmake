# The guest-fuzzing boot test (label fuzz): test/guests/fuzz*.c as the guest.
# fuzz.efi runs random exiting operations (CPUID, RDMSR/WRMSR, MOV to
# CR0/CR3/CR4, XSETBV, VMX instructions, VMCALL, INVD, INT n; at CPL 0 and
# CPL 3) in vmtest's private environment and checks each outcome against
# the SDM; the hypervisor must survive them all and print its final
# statistics. Replay a seed: guest_args = seed=0x... in test/configs/fuzz.cfg.
add_efi_app(fuzz ${PROJECT_SOURCE_DIR}/test/guests/fuzz.c ${PROJECT_SOURCE_DIR}/test/guests/fuzz_cpuid_msr.c
  ${PROJECT_SOURCE_DIR}/test/guests/fuzz_cr.c ${PROJECT_SOURCE_DIR}/test/guests/fuzz_misc.c
  ${PROJECT_SOURCE_DIR}/test/guests/fuzz_asm.asm ${PROJECT_SOURCE_DIR}/test/guests/vmtest_env.c
  ${PROJECT_SOURCE_DIR}/test/guests/vmtest_asm.asm ${HV_LIB_SOURCES_ABS})
set(FUZZ_EFI ${PROJECT_BINARY_DIR}/test/fuzz.efi)
add_boot_test(bochs_guest_fuzz fuzz 400 --emulator bochs
  --config ${TEST_CONFIGS}/fuzz.cfg --add "${FUZZ_EFI}=\\EFI\\tests\\fuzz.efi"
  --expect "^hv: CPU 0 \\(APIC ID 0\\) runs as a guest in VMX non-root mode"
  --expect "^hv: starting guest .EFI.tests.fuzz.efi"
  --expect "^fuzz: seed 0x[0-9a-f]+ "
  --expect "^fuzz: [1-9][0-9]{4,} operations, 0 mismatches, seed 0x[0-9a-f]+ \\(cpuid=[1-9][0-9]* rdmsr=[1-9][0-9]* wrmsr=[1-9][0-9]* cr0=[1-9][0-9]* cr3=[1-9][0-9]* cr4=[1-9][0-9]* xsetbv=[1-9][0-9]* vmx=[1-9][0-9]* vmcall=[1-9][0-9]* invd=[1-9][0-9]* int=[1-9][0-9]* cpl3=[1-9][0-9]*\\)$"
  --expect "^hv: guest ends the machine: emulator shutdown"
  --expect "^hv: exits cpu=0 reason=CPUID count=[1-9][0-9]{3,} "
  --expect "^hv: exits cpu=0 reason=VMCALL count=[1-9]"
  --expect "^hv: exits cpu=0 total=[1-9][0-9]{4,} ept_violations=0 cycles=[1-9][0-9]*$"
  --reject "MISMATCH|FATAL|HOST FAULT|guest stopped|VM entry failed|EPT violation|X64 Exception")
