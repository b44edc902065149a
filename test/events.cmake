# The event-delivery decision, pure (label unit).
add_unit_test(test_event_decision ${PROJECT_SOURCE_DIR}/hv/exits/event_decision.c)
# The INIT/SIPI state machine, pure (label unit).
add_unit_test(test_init_sipi_rules ${PROJECT_SOURCE_DIR}/hv/exits/init_sipi_rules.c)
# Which processors an IPI reaches (the relay's destination decoding), pure.
add_unit_test(test_apic_dest ${PROJECT_SOURCE_DIR}/hv/apic/apic.c)
# The soak (label soak), its length a parameter (smp.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/smp.cmake)
