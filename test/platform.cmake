# Real platforms (issue 12): string I/O, the emulator-only ports, sleep.
add_unit_test(test_string_io ${PROJECT_SOURCE_DIR}/hv/exits/string_io.c ${PROJECT_SOURCE_DIR}/hv/exits/mmio_decode.c)
add_unit_test(test_io_policy ${PROJECT_SOURCE_DIR}/hv/exits/io_policy.c ${PROJECT_SOURCE_DIR}/hv/lib/acpi.c
  ${PROJECT_SOURCE_DIR}/hv/lib/fmt.c)

# String I/O (label bochs): string_io.efi runs as the guest and does
# INS/OUTS, with and without REP, to the UART and the PCI configuration
# ports, downwards (DF=1), through an FS override with 32-bit addresses, into read-only and absent pages and from the
# hypervisor's hidden memory. Exactly two EPT violations: the guest's read
# that finds that memory, and Bochs's probe of the INSB destination (Bochs
# checks an INS destination before the I/O exit); the OUTSB from it never
# touches it (the emulation refuses). The REP OUTSB line appears once.
add_efi_app(string_io ${PROJECT_SOURCE_DIR}/test/guests/string_io.c ${HV_LIB_SOURCES_ABS})
set(STRING_IO_LINE "^string_io: rep outsb line 0123456789 abcdefghijklmnopqrstuvwxyz, once, in order$")
add_boot_test(bochs_string_io bochs 300 --emulator bochs
  --config ${TEST_CONFIGS}/string-io.cfg --add "${PROJECT_BINARY_DIR}/test/string_io.efi=\\EFI\\tests\\string_io.efi"
  --expect "^hv: emulator ports \\(emulator_ports = auto\\): Bochs shutdown 0x8900 intercepted, QEMU debug-exit 0xf4 not intercepted$"
  --expect "^hv: CPU 0 \\(APIC ID 0\\) runs as a guest in VMX non-root mode"
  --expect "^hv: starting guest .EFI.tests.string_io.efi"
  --expect "${STRING_IO_LINE}"
  --expect "^PASS: rep-outsb-serial "
  --expect "^string_io: std. rep outsb, backwards in memory, forwards on the line$"
  --expect "^PASS: rep-outsb-df "
  --expect "^string_io: fs-relative, 32-bit addressed rep outsb$"
  --expect "^PASS: rep-outsb-fs-a32 "
  --expect "^PASS: pci-outsd-insd \\(inl 0x12378086, insd 0x12378086\\)$"
  --expect "^PASS: pci-rep-insd "
  --expect "^PASS: pci-rep-insd-256 "
  --expect "^PASS: pci-outsw-insw "
  --expect "^PASS: rep-insd-read-only-pf "
  --expect "^PASS: rep-insb-not-present-pf "
  --expect "^PASS: string-io-hidden-gp "
  --expect "^string_io: 0 failed$"
  --expect "^hv: guest ends the machine: emulator shutdown \\(port 0x8900\\). final statistics:"
  --expect "^hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0x3f8-out count=[1-9][0-9]* "
  --expect "^hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0xcf8-in count=[1-9][0-9]* "
  --expect "^hv: exits cpu=0 total=[0-9]+ ept_violations=2 "
  --reject "^FAIL|HOST FAULT|guest stopped|not emulated|X64 Exception")
# ... and only once: the whole boot's serial log holds that line one time.
add_test(NAME bochs_string_io_line_once COMMAND sh -c
  "test \"$(tr -d '\\r' < '${PROJECT_BINARY_DIR}/test-out/bochs_string_io/serial.log' | grep -c \"${STRING_IO_LINE}\")\" = 1")
set_tests_properties(bochs_string_io PROPERTIES FIXTURES_SETUP string_io_log)
set_tests_properties(bochs_string_io_line_once PROPERTIES LABELS bochs FIXTURES_REQUIRED string_io_log TIMEOUT 30)

# Sleep states and the emulator-only ports on a real machine's
# configuration (label bochs): sleep_shim.efi installs ACPI tables whose
# DSDT names \_S3 {1,1}, \_S4 {2,2}, \_S5 {0,0} over Bochs's PIIX4 PM block,
# starts hv.efi with emulator_ports = off, then as the guest writes 0xf4
# (ignored), asks for S3 (refused: the guest sees WAK_STS and goes on; had
# it reached Bochs, Bochs would have reset the machine), then S5: final
# statistics and Bochs's soft power-off.
add_efi_app(sleep_shim ${PROJECT_SOURCE_DIR}/test/guests/sleep_shim.c ${PROJECT_SOURCE_DIR}/test/guests/shim_start.c
  ${HV_LIB_SOURCES_ABS})
add_boot_test(bochs_sleep_and_ports bochs 240 --emulator bochs
  --efi ${PROJECT_BINARY_DIR}/test/sleep_shim.efi
  --add "${PROJECT_BINARY_DIR}/hv.efi=\\EFI\\hv\\hv.efi" --add "${TEST_CONFIGS}/real-machine.cfg=\\EFI\\hv\\hv.cfg"
  --runner-arg --until-bochs --runner-arg "ACPI control: soft power off"
  --expect "^sleep_shim: ACPI 2.0 tables installed \\(0\\)"
  --expect "^hv: platform: CPUID hypervisor signature \"\", PCI host bridge 8086:1237 subsystem vendor 0000: .*\\(Bochs\\)$"
  --expect "^hv: emulator ports \\(emulator_ports = off\\): Bochs shutdown 0x8900 not intercepted, QEMU debug-exit 0xf4 not intercepted$"
  --expect "^hv: ACPI: ._S3 SLP_TYP a=1 b=1: S3 \\(suspend to RAM\\) is refused$"
  --expect "^hv: ACPI: ._S5 SLP_TYP a=0 b=0: S5 \\(soft-off\\) ends the machine"
  --expect "^hv: CPU 0 \\(APIC ID 0\\) runs as a guest in VMX non-root mode"
  --expect "^sleep_shim: wrote 0 to port 0xf4 \\(QEMU debug-exit\\). still running$"
  --expect "^hv: CPU 0: S3 \\(suspend to RAM\\) \\(PM1a SLP_EN, SLP_TYP=1\\) suspend refused: "
  --expect "^PASS: s3-refused-wakes "
  --expect "^PASS: s3-wak-sts-cleared "
  --expect "^sleep_shim: 0 failed"
  --expect "^hv: guest ends the machine: ACPI S5 \\(soft-off\\) \\(PM1a SLP_EN, SLP_TYP=0\\). final statistics:"
  --expect "^hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0xb004-out count=[1-9]"
  --expect "^hv: exits cpu=0 reason=IO_INSTRUCTION sub=port:0xb000-in count=[1-9]"
  --reject "^FAIL|guest ends the machine: emulator|S5 did not power off|HOST FAULT|guest stopped|X64 Exception")

# What each emulator shows to tell it from a real board, and what the
# detection rule concludes (labels qemu and bochs): platform_probe.efi as
# BOOTX64.EFI, no hypervisor. QEMU (q35, TCG): the TCG signature and
# QEMU's subsystem vendor 1af4; Bochs: an i440FX with no subsystem vendor,
# no hypervisor signature, no SMBIOS, no ACPI.
add_efi_app(platform_probe ${PROJECT_SOURCE_DIR}/test/guests/platform_probe.c
  ${PROJECT_SOURCE_DIR}/hv/exits/io_policy.c ${PROJECT_SOURCE_DIR}/hv/lib/acpi.c ${HV_LIB_SOURCES_ABS})
add_boot_test(qemu_platform_probe qemu 120 --emulator qemu --runner-arg --accel --runner-arg tcg
  --efi ${PROJECT_BINARY_DIR}/test/platform_probe.efi
  --expect "^platform_probe: CPUID.1:ECX.31.=1, hypervisor signature \"TCGTCGTCGTCG\"$"
  --expect "^platform_probe: PCI 00:00.0 8086:29c0, subsystem vendor 1af4$"
  --expect "^platform_probe: SMBIOS type 1: manufacturer \"QEMU\""
  --expect "^platform_probe: ACPI: RSDP OEM ID \"BOCHS \"$"
  --expect "^platform_probe: detected: QEMU \\(CPUID hypervisor signature TCGTCGTCGTCG"
  --expect "^platform_probe: done$")
add_boot_test(bochs_platform_probe bochs 180 --emulator bochs
  --efi ${PROJECT_BINARY_DIR}/test/platform_probe.efi
  --expect "^platform_probe: CPUID.1:ECX.31.=0, hypervisor signature \"\"$"
  --expect "^platform_probe: PCI 00:00.0 8086:1237, subsystem vendor 0000$"
  --expect "^platform_probe: SMBIOS: none in the EFI configuration table$"
  --expect "^platform_probe: ACPI: no RSDP in the EFI configuration table$"
  --expect "^platform_probe: detected: Bochs "
  --expect "^platform_probe: done$")

# Suspend to RAM from a real OS (label linux): Debian's kernel over
# sleep_shim.efi's tables writes SLP_TYP=S3|SLP_EN; the hypervisor refuses
# it and shows WAK_STS; the kernel comes back from its sleep call and its
# user space goes on.
add_boot_test(linux_s3_refused linux 480 --emulator bochs --size 128
  --efi ${PROJECT_BINARY_DIR}/test/sleep_shim.efi
  --add "${PROJECT_BINARY_DIR}/hv.efi=\\EFI\\hv\\hv.efi" --add "${TEST_CONFIGS}/linux-s3.cfg=\\EFI\\hv\\hv.cfg"
  --add "${LINUX_DIR}/vmlinuz=\\EFI\\linux\\vmlinuz" --add "${LINUX_DIR}/initrd.img=\\EFI\\linux\\initrd.img"
  --expect "^hv: ACPI: ._S3 SLP_TYP a=1 b=1: S3 \\(suspend to RAM\\) is refused$"
  --expect "^hv: starting guest .EFI.linux.vmlinuz"
  --expect "^LINUX-USERSPACE: hello from user space, pid 1"
  --expect "^LINUX-S3: /sys/power/state: .*mem"
  --expect "^hv: CPU 0: S3 \\(suspend to RAM\\) \\(PM1a SLP_EN, SLP_TYP=1\\) suspend refused: "
  --expect "^LINUX-S3: still running after the suspend request$"
  --expect "^LINUX-DONE"
  --expect "^hv: guest ends the machine: emulator shutdown"
  --reject "HOST FAULT|guest stopped|VM entry failed|X64 Exception|Kernel panic|BUG:|Oops")
set_tests_properties(linux_s3_refused PROPERTIES FIXTURES_REQUIRED linux_guest)
