# Statistics that never stop the guest (issue 14). Included from
# test/CMakeLists.txt after the Linux fixture (linux_guest).
#
# Linux with its console on the hypervisor's serial port: a typist
# (tools/serial-typist.py, Bochs's COM1 on a pty) types a line for the
# guest, "~s" at a line start (the hypervisor dumps every CPU: why=console,
# the bytes never reach the guest), "~s" mid-line (the guest's), "~z" (the
# counters zeroed) and "~~" (one '~' for the guest). /init echoes each line
# it read: the guest got every byte but the requests. Periodic statistics
# every second of guest time, and `hvstat --follow` watches the serial log
# while the machine runs (test/integration/hvstat_live.sh): the live view.
add_test(NAME linux_serial_requests COMMAND ${PROJECT_SOURCE_DIR}/test/integration/hvstat_live.sh
  $<TARGET_FILE:hvstat> ${PROJECT_BINARY_DIR}/test-out/linux_serial_requests
  ${BOOT_TEST} --name linux_serial_requests --build ${PROJECT_BINARY_DIR} --timeout 600 --emulator bochs
  --config ${TEST_CONFIGS}/linux-input.cfg
  --add "${LINUX_DIR}/vmlinuz=\\EFI\\linux\\vmlinuz" --add "${LINUX_DIR}/initrd.img=\\EFI\\linux\\initrd.img"
  --runner-arg --type --runner-arg ${PROJECT_SOURCE_DIR}/test/linux/serial-requests.typist
  --expect "^hv: TSC [0-9]+ Hz. periodic statistics on \\(every 1000 ms of guest time\\)"
  --expect "^hv: periodic statistics: cpu=0 tsc=[0-9]+ ms=[0-9]+ skipped=[0-9]+ rip=0x[0-9a-f]+$"
  --expect "^hv: delta reason=[A-Z_]+ count=[1-9][0-9]*"
  --expect "^hv: delta cpu=0 total=[1-9][0-9]* cycles=[1-9][0-9]*$"
  --expect "^LINUX-INPUT: ready"
  --expect "LINUX-INPUT: got \\[abc\\]$"
  --expect "^hv: statistics requested from the serial terminal \\(~s, on CPU 0\\)$"
  --expect "^hv: exits begin cpu=0 why=console tsc=[0-9]+$"
  --expect "^hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0x3f8-in count=[1-9]"
  --expect "^hv: exits cpu=0 total=[1-9][0-9]* "
  --expect "LINUX-INPUT: got \\[def~sghi\\]$"
  --expect "^hv: statistics zeroed from the serial terminal \\(~z, asked on CPU 0\\)$"
  --expect "LINUX-INPUT: got \\[~jk\\]$"
  --expect "^LINUX-DONE"
  --expect "^hv: guest ends the machine: emulator shutdown"
  --expect "^hv: exits begin cpu=0 why=final tsc=[0-9]+$"
  --reject "LINUX-INPUT: got \\[(~[sz~]|.*~z)"
  --reject "HOST FAULT|guest stopped|EPT violation|X64 Exception|Kernel panic|BUG:|Oops")
set_tests_properties(linux_serial_requests PROPERTIES LABELS linux TIMEOUT 700 FIXTURES_REQUIRED linux_guest)
