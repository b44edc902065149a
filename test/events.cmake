# The event-delivery decision, pure (label unit).
add_unit_test(test_event_decision ${PROJECT_SOURCE_DIR}/hv/exits/event_decision.c)
# The INIT/SIPI state machine, pure (label unit).
add_unit_test(test_init_sipi_rules ${PROJECT_SOURCE_DIR}/hv/exits/init_sipi_rules.c)
# Which processors an IPI reaches (the relay's destination decoding), pure.
add_unit_test(test_apic_dest ${PROJECT_SOURCE_DIR}/hv/apic/apic.c)

# Event delivery (label bochs): no event the hypervisor holds may wait for
# an unrelated exit. idle.efi idles with `sti; hlt` and `sti; mwait` while the
# firmware's timer ticks, with no periodic statistics (test/configs/idle.cfg),
# and checks that every sleep ends at once when a tick is held across it.
# Before HLT/MWAIT exiting while an event is held, Bochs 2.7 left the hlt
# phase asleep for good (the time bound failed it).
add_efi_app(idle ${PROJECT_SOURCE_DIR}/test/guests/idle.c ${HV_LIB_SOURCES_ABS})
add_boot_test(bochs_idle_wakeup bochs 300 --emulator bochs
  --config ${TEST_CONFIGS}/idle.cfg --add "${PROJECT_BINARY_DIR}/test/idle.efi=\\EFI\\tests\\idle.efi"
  --expect "^hv: TSC [0-9]+ Hz. periodic statistics off"
  --expect "^hv: CPU 0 \\(APIC ID 0\\) runs as a guest in VMX non-root mode"
  --expect "^hv: starting guest .EFI.tests.idle.efi"
  --expect "^idle: busy: [0-9]+ ticks in [1-9][0-9]* TSC cycles"
  --expect "^PASS: idle-hlt$"
  --expect "^PASS: idle-mwait$"
  --expect "^idle: done$"
  --expect "^hv: exits cpu=0 reason=HLT sub=wake count=[1-9]"
  --expect "^hv: exits cpu=0 reason=MWAIT count=[1-9]"
  --reject "^FAIL|HOST FAULT|guest stopped|VM entry failed|X64 Exception")

# Linux with periodic statistics (VMX-preemption timer exits every 5 s of
# guest time): the variant of linux_userspace that keeps stats_interval_ms.
add_boot_test(linux_userspace_stats linux 400 --emulator bochs
  --config ${TEST_CONFIGS}/linux-stats.cfg
  --add "${LINUX_DIR}/vmlinuz=\\EFI\\linux\\vmlinuz" --add "${LINUX_DIR}/initrd.img=\\EFI\\linux\\initrd.img"
  --expect "^hv: TSC [0-9]+ Hz. periodic statistics on \\(every 5000 ms of guest time\\)"
  --expect "^hv: starting guest .EFI.linux.vmlinuz"
  --expect "^hv: periodic statistics: cpu=0 "
  --expect "^LINUX-USERSPACE: hello from user space, pid 1"
  --expect "^LINUX-DONE"
  --expect "^hv: guest ends the machine: emulator shutdown"
  --expect "^hv: exits cpu=0 reason=PREEMPTION_TIMER count=[1-9]"
  --expect "^hv: exits cpu=0 total=[1-9][0-9][0-9][0-9]+ ept_violations=0 cycles=[1-9][0-9]*$"
  --reject "HOST FAULT|guest stopped|EPT violation|X64 Exception|Kernel panic|BUG:|Oops")
set_tests_properties(linux_userspace_stats PROPERTIES FIXTURES_REQUIRED linux_guest)
include(${CMAKE_CURRENT_LIST_DIR}/smp.cmake)
