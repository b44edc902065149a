# The hostile guest (its test: test/specs/bochs_hostile_guest.test) finds the
# memory it cannot read through the UEFI memory map and attacks it (read,
# write, execute, through an alias and a page walk of its own tables).
add_efi_app(hostile ${PROJECT_SOURCE_DIR}/test/guests/hostile.c ${PROJECT_SOURCE_DIR}/test/guests/vmtest_env.c
  ${PROJECT_SOURCE_DIR}/test/guests/vmtest_asm.asm ${HV_LIB_SOURCES_ABS})
