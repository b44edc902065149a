# SMP tests of issue 13 (included from events.cmake): the INIT/SIPI relay
# complete, Linux on 4 CPUs, the soak.

# The relay, every way (label bochs): ipi_guest.efi (test/guests) sends
# INIT and SIPI itself through the xAPIC ICR and, after every CPU switched
# to x2APIC, through MSR 0x830; physical, logical flat/cluster/x2APIC, and
# each shorthand. The APs count their starts in a real-mode trampoline; the
# invalid shorthands (self, all including self) must start nobody.
add_efi_app(ipi_guest ${PROJECT_SOURCE_DIR}/test/guests/ipi_guest.c ${PROJECT_SOURCE_DIR}/hv/apic/apic.c
  ${HV_LIB_SOURCES_ABS})
add_boot_test(bochs_smp_ipi_ways bochs 400 --emulator bochs
  --config ${TEST_CONFIGS}/mp-ipi.cfg --add "${PROJECT_BINARY_DIR}/test/ipi_guest.efi=\\EFI\\tests\\ipi_guest.efi"
  --runner-arg --cpus --runner-arg 4
  --expect "^hv: 4 of 4 processors virtualized$"
  --expect "^ipi_guest: 4 processors, trampoline at 0x[0-9a-f]+ \\(SIPI vector 0x[0-9a-f]{2}\\)$"
  --expect "^ipi_guest: xAPIC physical: started \\{1\\}, expected \\{1\\}$"
  --expect "^ipi_guest: xAPIC logical flat: started \\{2\\}, expected \\{2\\}$"
  --expect "^ipi_guest: xAPIC logical cluster: started \\{3\\}, expected \\{3\\}$"
  --expect "^hv: CPU 0: INIT with the shorthand \"self\" dropped: invalid for INIT and SIPI"
  --expect "^ipi_guest: xAPIC shorthand self \\(invalid\\): started \\{\\}, expected \\{\\}$"
  --expect "^hv: CPU 0: INIT with the shorthand \"all including self\" dropped"
  --expect "^ipi_guest: xAPIC shorthand all including self \\(invalid\\): started \\{\\}, expected \\{\\}$"
  --expect "^ipi_guest: xAPIC shorthand all excluding self: started \\{1 2 3\\}, expected \\{1 2 3\\}$"
  --expect "^ipi_guest: boot services exited$"
  --expect "^ipi_guest: x2APIC switch, xAPIC all excluding self: started \\{1 2 3\\}, expected \\{1 2 3\\}$"
  --expect "^ipi_guest: BSP now in x2APIC mode$"
  --expect "^ipi_guest: x2APIC physical: started \\{1\\}, expected \\{1\\}$"
  --expect "^ipi_guest: x2APIC logical: started \\{2\\}, expected \\{2\\}$"
  --expect "^ipi_guest: x2APIC logical two: started \\{2 3\\}, expected \\{2 3\\}$"
  --expect "^ipi_guest: x2APIC shorthand self \\(invalid\\): started \\{\\}, expected \\{\\}$"
  --expect "^ipi_guest: x2APIC shorthand all excluding self: started \\{1 2 3\\}, expected \\{1 2 3\\}$"
  --expect "^hv: exits cpu=0 reason=WRMSR sub=msr:0x00000830 count=[1-9]"
  --expect "^hv: exits of all 4 CPUs \\(asked on CPU 0\\)"
  --expect "^ipi_guest: statistics request returned 0$"
  --expect "^ipi_guest: done$"
  --reject "FAIL|HOST FAULT|guest stopped|VM entry failed|not decoded|X64 Exception")

