# Real platforms (issue 12): string I/O, the emulator-only ports, sleep.
add_unit_test(test_string_io ${PROJECT_SOURCE_DIR}/hv/exits/string_io.c ${PROJECT_SOURCE_DIR}/hv/exits/mmio_decode.c)
add_unit_test(test_io_policy ${PROJECT_SOURCE_DIR}/hv/exits/io_policy.c ${PROJECT_SOURCE_DIR}/hv/lib/acpi.c
  ${PROJECT_SOURCE_DIR}/hv/lib/fmt.c)

# Their guests (tests: test/specs/bochs_string_io*.test, bochs_sleep_and_ports,
# *_platform_probe, linux_s3_refused): string_io.efi does INS/OUTS as the
# guest; sleep_shim.efi installs ACPI tables with \_S3/\_S4/\_S5 and starts
# hv.efi; platform_probe.efi shows what each emulator looks like.
add_efi_app(string_io ${PROJECT_SOURCE_DIR}/test/guests/string_io.c ${HV_LIB_SOURCES_ABS})
add_efi_app(sleep_shim ${PROJECT_SOURCE_DIR}/test/guests/sleep_shim.c ${PROJECT_SOURCE_DIR}/test/guests/shim_start.c
  ${HV_LIB_SOURCES_ABS})
add_efi_app(platform_probe ${PROJECT_SOURCE_DIR}/test/guests/platform_probe.c
  ${PROJECT_SOURCE_DIR}/hv/exits/io_policy.c ${PROJECT_SOURCE_DIR}/hv/lib/acpi.c ${HV_LIB_SOURCES_ABS})
