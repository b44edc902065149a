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

# Linux on 4 CPUs without periodic statistics (label linux): three APs
# started through the relay, IPIs between 4 CPUs. HLT idle (linux-smp4.cfg
# says why: Bochs 2.7 with MWAIT idle and the TSC-deadline timer on 4 CPUs
# stalls with and without the hypervisor). 3.35e9 ticks to user space.
add_boot_test(linux_smp_4cpus linux 900 --emulator bochs --runner-arg --cpus --runner-arg 4 --size 128
  --efi ${PROJECT_BINARY_DIR}/test/smp_acpi_shim.efi
  --add "${PROJECT_BINARY_DIR}/hv.efi=\\EFI\\hv\\hv.efi" --add "${TEST_CONFIGS}/linux-smp4.cfg=\\EFI\\hv\\hv.cfg"
  --add "${LINUX_DIR}/vmlinuz=\\EFI\\linux\\vmlinuz" --add "${LINUX_DIR}/initrd.img=\\EFI\\linux\\initrd.img"
  --expect "^smp_acpi_shim: ACPI 2.0 tables installed \\(0\\): FADT, empty DSDT, MADT with 4 local APICs$"
  --expect "^hv: TSC [0-9]+ Hz. periodic statistics off"
  --expect "^hv: 4 of 4 processors virtualized$"
  --expect "^hv: starting guest .EFI.linux.vmlinuz"
  --expect "^LINUX-USERSPACE: hello from user space, pid 1"
  --expect "^LINUX-CPUS: online 0-3, 4 in /proc/cpuinfo$"
  --expect "^LINUX-DONE"
  --expect "^hv: guest ends the machine: emulator shutdown"
  --expect "^hv: exits cpu=3 reason=SIPI count=[1-9]"
  --expect "^hv: exits of all 4 CPUs"
  --reject "HOST FAULT|guest stopped|VM entry failed|not decoded|X64 Exception|Kernel panic|BUG:|Oops")
set_tests_properties(linux_smp_4cpus PROPERTIES FIXTURES_REQUIRED linux_guest)

# The SMP soak (label soak): Linux on 2 CPUs under the hypervisor, no
# periodic statistics, runs hv-soak (test/linux/hv-soak.c) from /init:
# a worker per CPU doing mprotect/munmap on shared memory (TLB shootdowns),
# futex wake-ups across CPUs (reschedule IPIs) and 50 us sleeps (timers),
# while CPU 1 goes offline and online again each round (INIT/SIPI through
# the relay at run time). HV_SOAK_ROUNDS at configure time makes it longer
# by hand (default 2 rounds, a few minutes in Bochs); the bound grows with it.
set(HV_SOAK_ROUNDS 2)
if(DEFINED ENV{HV_SOAK_ROUNDS})
  set(HV_SOAK_ROUNDS $ENV{HV_SOAK_ROUNDS})
endif()
math(EXPR HV_SOAK_TIMEOUT "600 + 300 * ${HV_SOAK_ROUNDS}")
file(READ ${TEST_CONFIGS}/linux-smp.cfg SOAK_CFG)
string(REPLACE "loglevel=4" "loglevel=4 hv_soak=${HV_SOAK_ROUNDS}" SOAK_CFG "${SOAK_CFG}")
file(WRITE ${PROJECT_BINARY_DIR}/test/linux-smp-soak.cfg "${SOAK_CFG}")
add_boot_test(linux_smp_soak soak ${HV_SOAK_TIMEOUT} --emulator bochs --runner-arg --cpus --runner-arg 2 --size 128
  --efi ${PROJECT_BINARY_DIR}/test/smp_acpi_shim.efi
  --add "${PROJECT_BINARY_DIR}/hv.efi=\\EFI\\hv\\hv.efi"
  --add "${PROJECT_BINARY_DIR}/test/linux-smp-soak.cfg=\\EFI\\hv\\hv.cfg"
  --add "${LINUX_DIR}/vmlinuz=\\EFI\\linux\\vmlinuz" --add "${LINUX_DIR}/initrd.img=\\EFI\\linux\\initrd.img"
  --expect "^hv: TSC [0-9]+ Hz. periodic statistics off"
  --expect "^hv: 2 of 2 processors virtualized$"
  --expect "^LINUX-CPUS: online 0-1, 2 in /proc/cpuinfo$"
  --expect "^SOAK: 2 CPUs, ${HV_SOAK_ROUNDS} rounds of [0-9]+ units per CPU"
  --expect "^hv: CPU 0: INIT for CPU 1 relayed$"
  --expect "^SOAK: round ${HV_SOAK_ROUNDS} of ${HV_SOAK_ROUNDS} done, 2 CPUs online$"
  --expect "^SOAK: rounds ${HV_SOAK_ROUNDS}, work cpu0=[1-9][0-9]* cpu1=[1-9][0-9]*, hotplug ${HV_SOAK_ROUNDS} off/on, IPIs CAL=[1-9][0-9]* RES=[1-9][0-9]* TLB=[0-9]+, timer LOC=[1-9][0-9]*, hangs 0, lost CPUs 0$"
  --expect "^LINUX-SOAK: hv-soak exited with status 0$"
  --expect "^LINUX-DONE"
  --expect "^hv: guest ends the machine: emulator shutdown"
  --expect "^hv: exits cpu=1 reason=SIPI count=[1-9]"
  --expect "^hv: exits of all 2 CPUs"
  --reject "HOST FAULT|guest stopped|VM entry failed|not decoded|X64 Exception|Kernel panic|BUG:|Oops|HANG")
set_tests_properties(linux_smp_soak PROPERTIES FIXTURES_REQUIRED linux_guest)
