# SMP tests of issue 13 (included from events.cmake). The relay every way
# (bochs_smp_ipi_ways) and Linux on 4 CPUs (linux_smp_4cpus) are specs in
# test/specs; the soak stays here because its length is a parameter: the
# spec is written at configure time from HV_SOAK_ROUNDS.

# The SMP soak (label soak): Linux on 2 CPUs under the hypervisor, no
# periodic statistics, runs hv-soak (test/linux/hv-soak.c) from /init:
# a worker per CPU doing mprotect/munmap on shared memory (TLB shootdowns),
# futex wake-ups across CPUs (reschedule IPIs) and 50 us sleeps (timers),
# while CPU 1 goes offline and online again each round (INIT/SIPI through
# the relay at run time). HV_SOAK_ROUNDS at configure time makes it longer
# by hand (default 2 rounds, a few minutes in Bochs); the bound grows with it.
# Function-call IPIs must be counted; reschedule IPIs may be 0 (Linux wakes
# a CPU idling in MWAIT on its polling flag, without an IPI: measured 0 and
# 1 in two runs), TLB shootdowns too.
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
  --expect "^SOAK: rounds ${HV_SOAK_ROUNDS}, work cpu0=[1-9][0-9]* cpu1=[1-9][0-9]*, hotplug ${HV_SOAK_ROUNDS} off/on, IPIs CAL=[1-9][0-9]* RES=[0-9]+ TLB=[0-9]+, timer LOC=[1-9][0-9]*, hangs 0, lost CPUs 0$"
  --expect "^LINUX-SOAK: hv-soak exited with status 0$"
  --expect "^LINUX-DONE"
  --expect "^hv: guest ends the machine: emulator shutdown"
  --expect "^hv: exits cpu=1 reason=SIPI count=[1-9]"
  --expect "^hv: exits of all 2 CPUs"
  --reject "HOST FAULT|guest stopped|VM entry failed|not decoded|X64 Exception|Kernel panic|BUG:|Oops|HANG")
set_tests_properties(linux_smp_soak PROPERTIES FIXTURES_REQUIRED linux_guest)
