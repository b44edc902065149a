# The event-delivery decision, pure (label unit).
add_unit_test(test_event_decision ${PROJECT_SOURCE_DIR}/hv/exits/event_decision.c)
# The INIT/SIPI state machine, pure (label unit).
add_unit_test(test_init_sipi_rules ${PROJECT_SOURCE_DIR}/hv/exits/init_sipi_rules.c)
