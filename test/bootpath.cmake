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

# The boot tests themselves are specs: test/specs/linux_uki_bootpath.test,
# linux_grub_bootpath.test and linux_uki_bootpath_no_hv.test (the same UKI
# with hypervisor = off, the reference for the console time). Each run must
# show 20 KB through the console in under 1e9 ticks (about 7e7 measured; 20x
# slower fails), serial and timer interrupts counted, every sleep ended, and
# the 10 sleeps (about 7e8 ticks) in under 2e9.
