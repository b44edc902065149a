# The event-delivery decision, pure (label unit).
add_unit_test(test_event_decision ${PROJECT_SOURCE_DIR}/hv/exits/event_decision.c)
# The INIT/SIPI state machine, pure (label unit).
add_unit_test(test_init_sipi_rules ${PROJECT_SOURCE_DIR}/hv/exits/init_sipi_rules.c)

# Event delivery (test/specs/bochs_idle_wakeup.test): idle.efi idles with
# `sti; hlt` and `sti; mwait` while the firmware's timer ticks and checks that
# every sleep ends at once when a tick is held across it.
add_efi_app(idle ${PROJECT_SOURCE_DIR}/test/guests/idle.c ${HV_LIB_SOURCES_ABS})
