# The hostile-guest boot test (label bochs): test/guests/hostile.c finds the
# memory it cannot read through the UEFI memory map and attacks it (read,
# write, execute, through an alias and a page walk of its own tables). No
# attack may succeed; the hidden memory must be exactly the hypervisor's
# arena; the hypervisor's EPT-violation count must equal the guest's count
# of faulting accesses; the hypervisor must still answer afterwards.
add_efi_app(hostile ${PROJECT_SOURCE_DIR}/test/guests/hostile.c ${PROJECT_SOURCE_DIR}/test/guests/vmtest_env.c
  ${PROJECT_SOURCE_DIR}/test/guests/vmtest_asm.asm ${HV_LIB_SOURCES_ABS})
add_test(NAME bochs_hostile_guest COMMAND ${PROJECT_SOURCE_DIR}/test/integration/hostile_check.sh
  --name bochs_hostile_guest --build ${PROJECT_BINARY_DIR} --timeout 300 --emulator bochs
  --config ${TEST_CONFIGS}/hostile.cfg --add "${PROJECT_BINARY_DIR}/test/hostile.efi=\\EFI\\tests\\hostile.efi"
  --expect "^hv: memory: MAXPHYADDR .* hypervisor arena 0x[0-9a-f]+-0x[0-9a-f]+ \\([0-9]+ KB\\) hidden from the guest"
  --expect "^hv: starting guest .EFI.tests.hostile.efi"
  --expect "^hostile: reserved 0x"
  --expect "^hostile: hidden 0x[0-9a-f]+-0x[0-9a-f]+ \\([1-9][0-9]* KB\\)$"
  --expect "^hostile: [1-9][0-9]* attacks on [1-9][0-9]* hidden pages: 0 succeeded, 0 wrong faults"
  --expect "^hostile: hypervisor answers CPUID 0x40000000 after the attack$"
  --expect "^hv: exits begin cpu=0 why=request"
  --expect "^hv: exits cpu=0 total=[1-9][0-9]* ept_violations=[1-9][0-9]* cycles="
  --expect "^hostile: statistics request returned 0$"
  --expect "^hostile: done$"
  --reject "SUCCEEDED|FAIL|HOST FAULT|guest stopped|X64 Exception|EPT misconfiguration")
set_tests_properties(bochs_hostile_guest PROPERTIES LABELS bochs TIMEOUT 360)
