# Linux the way users boot it (issue 13): hv.efi as \EFI\BOOT\BOOTX64.EFI
# with no guest configured returns to the firmware, which boots its next
# boot option, the second disk's BOOTX64.EFI: Debian's stock kernel as a
# unified kernel image (tools/mkuki.sh, systemd's EFI stub) or through GRUB
# (tools/mkgrub.sh). The console is ttyS0 with Linux's interrupt-driven 8250
# driver, and there are no periodic statistics: only the guest's own exits
# may deliver what the hypervisor holds. test/linux/init (hv_bootpath_test)
# writes 20 KB to the console, then sleeps 10 times; the tick bounds below
# fail a 20x slower console, the time bound fails a hang (before the fix:
# 4 hangs in 4 runs, about a second after user space).
set(BOOTPATH_DIR ${LINUX_DIR}/bootpath)
set(BOOTPATH_CMDLINE "console=ttyS0,115200 loglevel=4 hv_bootpath_test")
add_test(NAME linux_bootpath_images COMMAND sh -c "mkdir -p \"$1\" &&
  \"$2/tools/mkuki.sh\" --kernel \"$3/vmlinuz\" --initrd \"$3/initrd.img\" --cmdline \"$4\" --out \"$1/uki.efi\" &&
  \"$2/tools/mkgrub.sh\" --out \"$1/grub.efi\" --kernel-path /EFI/linux/vmlinuz --initrd-path /EFI/linux/initrd.img --cmdline \"$4\""
  sh ${BOOTPATH_DIR} ${PROJECT_SOURCE_DIR} ${LINUX_DIR} ${BOOTPATH_CMDLINE})
set_tests_properties(linux_bootpath_images PROPERTIES LABELS linux TIMEOUT 120
  FIXTURES_REQUIRED linux_guest FIXTURES_SETUP linux_bootpath)

# What every boot-path run must show from user space, after LINUX-USERSPACE:
# 20 KB through the console in under 1e9 ticks (about 7e7 measured; 20x
# slower fails), serial and timer interrupts counted, every sleep ended, and
# the 10 sleeps (about 7e8 ticks: Linux takes Bochs's 50 MHz TSC for
# 3.5 GHz) in under 2e9.
set(BOOTPATH_USERSPACE
  --expect "^LINUX-BOOTPATH: line 199 of 200 "
  --expect "^LINUX-BOOTPATH: 20 KB through ttyS0 in [1-9][0-9]{0,8} ticks, [1-9][0-9]* serial interrupts$"
  --expect "^LINUX-BOOTPATH: idle 9: slept 0.02 s$"
  --expect "^LINUX-BOOTPATH: 10 sleeps in (1[0-9]{9}|[1-9][0-9]{0,8}) ticks, [1-9][0-9]* timer interrupts$"
  --expect "^LINUX-DONE")
set(BOOTPATH_REJECT --reject "HOST FAULT|guest stopped|VM entry failed|EPT violation|X64 Exception|Kernel panic|BUG:|Oops")
# The hypervisor's side: no guest of its own, back to the firmware, and at
# the end its statistics show MWAIT exits taken while it held an interrupt
# (the idle that hung), with the guest's interrupts delivered.
set(BOOTPATH_HV
  --expect "^hv: TSC [0-9]+ Hz. periodic statistics off"
  --expect "^hv: CPU 0 \\(APIC ID 0\\) runs as a guest in VMX non-root mode"
  --expect "^hv: no guest configured$"
  --expect "^hv: returning to the firmware: it boots its next boot option"
  --expect "^BdsDxe: starting Boot[0-9A-F]+ .* from .*Ata\\(Primary,Slave")

add_boot_test(linux_uki_bootpath linux 400 --emulator bochs
  --config ${TEST_CONFIGS}/emulator.cfg --next-boot ${BOOTPATH_DIR}/uki.efi
  ${BOOTPATH_HV}
  --expect "^EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path"
  --expect "^LINUX-USERSPACE: hello from user space, pid 1"
  --expect "^LINUX-CPUINFO: hypervisor flag set"
  ${BOOTPATH_USERSPACE}
  --expect "^hv: guest ends the machine: emulator shutdown"
  --expect "^hv: exits cpu=0 reason=EXTERNAL_INTERRUPT count=[1-9][0-9]{3,} "
  --expect "^hv: exits cpu=0 reason=MWAIT sub=held:[0-9]+ count=[1-9]"
  --expect "^hv: exits cpu=0 total=[1-9][0-9]* ept_violations=0 "
  ${BOOTPATH_REJECT})

# GRUB on the second disk finds the kernel and initrd on the first (the
# hypervisor's stick) through the firmware's block I/O, which runs as the
# hypervisor's guest, and boots the kernel with its command line.
add_boot_test(linux_grub_bootpath linux 400 --emulator bochs
  --config ${TEST_CONFIGS}/emulator.cfg --next-boot ${BOOTPATH_DIR}/grub.efi
  --add "${LINUX_DIR}/vmlinuz=\\EFI\\linux\\vmlinuz" --add "${LINUX_DIR}/initrd.img=\\EFI\\linux\\initrd.img"
  ${BOOTPATH_HV}
  --expect "hv-grub: kernel /EFI/linux/vmlinuz on \\(hd[0-9],gpt1\\)"
  --expect "hv-grub: booting"
  --expect "^LINUX-USERSPACE: hello from user space, pid 1"
  --expect "^LINUX-CPUINFO: hypervisor flag set"
  ${BOOTPATH_USERSPACE}
  --expect "^hv: guest ends the machine: emulator shutdown"
  --expect "^hv: exits cpu=0 reason=MWAIT sub=held:[0-9]+ count=[1-9]"
  --expect "^hv: exits cpu=0 total=[1-9][0-9]* ept_violations=0 "
  ${BOOTPATH_REJECT})

# The same UKI without the hypervisor (hypervisor = off): the reference the
# console time under the hypervisor is compared with.
add_boot_test(linux_uki_bootpath_no_hv linux 400 --emulator bochs
  --config ${TEST_CONFIGS}/bootpath-off.cfg --next-boot ${BOOTPATH_DIR}/uki.efi
  --expect "^hv: hypervisor disabled by config \\(hypervisor = off\\)"
  --expect "^hv: returning to the firmware: it boots its next boot option"
  --expect "^EFI stub: Loaded initrd from LINUX_EFI_INITRD_MEDIA_GUID device path"
  --expect "^LINUX-USERSPACE: hello from user space, pid 1"
  --expect "^LINUX-CPUINFO: no hypervisor flag"
  ${BOOTPATH_USERSPACE}
  --reject "runs as a guest|HOST FAULT|X64 Exception|Kernel panic|BUG:|Oops")

set_tests_properties(linux_uki_bootpath linux_grub_bootpath linux_uki_bootpath_no_hv PROPERTIES
  FIXTURES_REQUIRED "linux_guest;linux_bootpath")
