# The self-test for a new machine (tools/selftest.sh, README "First boot on
# a new machine"): selftest.efi boots, identifies the processor, starts
# hv.efi and runs vmtest.efi, hostile.efi and fuzz.efi as the hypervisor's
# guest, then prints one summary (tests: test/specs/*selftest*.test).
add_efi_app(selftest ${PROJECT_SOURCE_DIR}/test/guests/selftest.c ${PROJECT_SOURCE_DIR}/test/guests/shim_start.c
  ${HV_LIB_SOURCES_ABS})
