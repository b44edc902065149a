# The self-test for a new machine (tools/selftest.sh, README "First boot on
# a new machine"): selftest.efi boots, identifies the processor, starts
# hv.efi and runs vmtest.efi, hostile.efi and fuzz.efi as the hypervisor's
# guest, then prints one summary. bochs_selftest builds the image with
# tools/selftest.sh (as a user does) and boots it.
add_efi_app(selftest ${PROJECT_SOURCE_DIR}/test/guests/selftest.c ${PROJECT_SOURCE_DIR}/test/guests/shim_start.c
  ${HV_LIB_SOURCES_ABS})
add_test(NAME bochs_selftest COMMAND ${PROJECT_SOURCE_DIR}/test/integration/selftest_check.sh
  --name bochs_selftest --build ${PROJECT_BINARY_DIR} --emulator bochs --timeout 400
  --expect "^selftest: hv self-test: identifying the processor"
  --expect "^hv: hv [0-9.]+ starting"
  --expect "^hv: CPU 0 \\(APIC ID 0\\) runs as a guest in VMX non-root mode"
  --expect "^selftest: hv.efi returned 0x[0-9a-f]+. hypervisor running$"
  --expect "^selftest: ---- check 1 of 3: vmtest ----$"
  --expect "^vmtest: 15 passed, 0 failed$"
  --expect "^selftest: ---- check 2 of 3: hostile ----$"
  --expect "^hostile: [1-9][0-9]* attacks on [1-9][0-9]* hidden pages: 0 succeeded, 0 wrong faults"
  --expect "^selftest: ---- check 3 of 3: fuzz ----$"
  --expect "^fuzz: 10000 operations, 0 mismatches"
  --expect "^selftest: ===== hv self-test summary: paste from this line"
  --expect "^selftest: hv.efi [0-9.]+. self-test"
  --expect "^selftest: processor: GenuineIntel family 0x6 model 0x55 stepping 0x[0-9a-f] \\(CPUID.1:EAX=0x[0-9a-f]{8} ECX=0x[0-9a-f]{8}\\)"
  --expect "^selftest: brand: \"[^\"]+\"$"
  --expect "^selftest: VMX: IA32_FEATURE_CONTROL=0x0 \\(lock=0, VMX outside SMX=0\\) VMX_BASIC=0x00d810000000002b \\(TRUE controls\\)$"
  --expect "^selftest: VMX controls: pin=0x[0-9a-f]{16} proc=0x[0-9a-f]{16} proc2=0x02177fff00000000 proc3=0x0$"
  --expect "^selftest: VMX controls: exit=0x[0-9a-f]{16} entry=0x[0-9a-f]{16} misc=0x[0-9a-f]{16} vmfunc=0x[0-9a-f]+$"
  --expect "^selftest: VMX EPT_VPID_CAP=0x00000f0106334141$"
  --expect "^selftest: VMX features: EPT=yes \\(4-level=yes WB=yes 2MB=yes 1GB=yes A/D=yes\\) VPID=yes unrestricted guest=yes preemption timer=yes wait-for-SIPI=yes NMI window=yes$"
  --expect "^selftest: hypervisor: running \\(CPUID 0x40000000 \"VTxEptHvisor\", interface 1, version [0-9]+\\.[0-9]+\\.[0-9]+\\)$"
  --expect "^selftest: vmtest: PASS \\(15 passed, 0 failed\\) in [0-9]+ M TSC ticks$"
  --expect "^selftest: hostile: PASS \\([1-9][0-9]* attacks on [1-9][0-9]* hidden pages: 0 succeeded, 0 wrong faults\\) in [0-9]+ M TSC ticks$"
  --expect "^selftest: fuzz: PASS \\(10000 operations, 0 mismatches, seed 0x[0-9a-f]+\\) in [0-9]+ M TSC ticks$"
  --expect "^selftest: statistics: the hypervisor's exit statistics follow"
  --expect "^hv: exits begin cpu=0 why=request"
  --expect "^hv: \\| all +[1-9][0-9]* +100% "
  --expect "^hv: exits cpu=0 total=[1-9][0-9]* ept_violations=[1-9][0-9]* cycles="
  --expect "^selftest: statistics: request returned 0$"
  --expect "^selftest: RESULT: PASS \\(3 of 3 checks passed\\)$"
  --expect "^selftest: ===== end of summary =====$"
  --expect "^selftest: summary written to .EFI.selftest.summary.txt \\([1-9][0-9]* bytes\\)$"
  --reject "^FAIL|MISMATCH|FATAL|SUCCEEDED|HOST FAULT|guest stopped|VM entry failed|X64 Exception|EPT misconfiguration")
set_tests_properties(bochs_selftest PROPERTIES LABELS bochs TIMEOUT 460)
# The same image on a machine without VMX (QEMU TCG): the summary names the
# processor, says VMX is not offered and the hypervisor did not start, skips
# the checks and gives FAIL (the run ends with isa-debug-exit value 1).
add_test(NAME qemu_selftest_no_vmx COMMAND ${PROJECT_SOURCE_DIR}/test/integration/selftest_check.sh
  --name qemu_selftest_no_vmx --build ${PROJECT_BINARY_DIR} --emulator qemu --timeout 120
  --runner-arg --accel --runner-arg tcg --runner-status 1
  --expect "^selftest: hv self-test: identifying the processor"
  --expect "^hv: VMX unavailable: CPUID.1:ECX.VMX\\[bit 5\\]=0"
  --expect "^selftest: hv.efi returned 0x[0-9a-f]+. hypervisor NOT running$"
  --expect "^selftest: ===== hv self-test summary: paste from this line"
  --expect "^selftest: processor: [A-Za-z]+ family 0x[0-9a-f]+ model 0x[0-9a-f]+ stepping 0x[0-9a-f]+ "
  --expect "^selftest: brand: "
  --expect "^selftest: VMX: not offered \\(CPUID.1:ECX.VMX\\[bit 5\\]=0\\)"
  --expect "^selftest: hypervisor: NOT running \\(hv.efi returned 0x[0-9a-f]+. likely cause: no VMX\\). hv.efi.s own reason is in the .hv:. lines above. checks skipped$"
  --expect "^selftest: RESULT: FAIL \\(0 of 0 checks passed. the hypervisor did not start\\)$"
  --expect "^selftest: ===== end of summary =====$"
  --expect "^selftest: summary written to .EFI.selftest.summary.txt"
  --reject "^selftest: ---- check|X64 Exception")
set_tests_properties(qemu_selftest_no_vmx PROPERTIES LABELS qemu TIMEOUT 180)
