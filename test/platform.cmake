# Real platforms (issue 12): string I/O, the emulator-only ports, sleep.
add_unit_test(test_string_io ${PROJECT_SOURCE_DIR}/hv/exits/string_io.c ${PROJECT_SOURCE_DIR}/hv/exits/guest_page_walk.c)
add_unit_test(test_io_policy ${PROJECT_SOURCE_DIR}/hv/exits/io_policy.c ${PROJECT_SOURCE_DIR}/hv/lib/acpi.c
  ${PROJECT_SOURCE_DIR}/hv/lib/fmt.c)
