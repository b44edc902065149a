/* The exit-reason table (hv/exits/exit_reasons.h): its derived size, names
 * and the "can happen during event delivery" column. */
#include "hv/exits/exit_reasons.h"
#include "unit.h"

int main(void)
{
	CHECK_EQ_U64(EXIT_REASON_MAX, 70); /* LOADIWKEY (69) is the last row */
	CHECK_STR(exit_reason_name(EXIT_REASON_CPUID), "CPUID");
	CHECK_STR(exit_reason_name(EXIT_REASON_ENTRY_FAILURE_GUEST_STATE), "ENTRY_FAILURE_GUEST_STATE");
	CHECK_STR(exit_reason_name(EXIT_REASON_LOADIWKEY), "LOADIWKEY");
	CHECK_STR(exit_reason_name(35), "unknown"); /* a hole in the SDM's numbering */
	CHECK_STR(exit_reason_name(EXIT_REASON_MAX), "unknown");
	CHECK_STR(exit_reason_name(0xffff), "unknown");
	/* SDM Vol. 3C §28.2.4: IDT-vectoring information is valid only for
	 * exits during event delivery: exceptions, EPT violations and
	 * misconfigurations, task switches, APIC accesses, SPP events. */
	CHECK(!exit_never_during_delivery(EXIT_REASON_EXCEPTION_NMI));
	CHECK(!exit_never_during_delivery(EXIT_REASON_EPT_VIOLATION));
	CHECK(!exit_never_during_delivery(EXIT_REASON_EPT_MISCONFIG));
	CHECK(!exit_never_during_delivery(EXIT_REASON_TASK_SWITCH));
	CHECK(!exit_never_during_delivery(EXIT_REASON_APIC_ACCESS));
	CHECK(!exit_never_during_delivery(EXIT_REASON_SPP));
	/* Instructions and boundary events never are, above 63 too. */
	CHECK(exit_never_during_delivery(EXIT_REASON_CPUID));
	CHECK(exit_never_during_delivery(EXIT_REASON_IO_INSTRUCTION));
	CHECK(exit_never_during_delivery(EXIT_REASON_PREEMPTION_TIMER));
	CHECK(exit_never_during_delivery(EXIT_REASON_EXTERNAL_INTERRUPT));
	CHECK(exit_never_during_delivery(EXIT_REASON_XRSTORS));
	CHECK(exit_never_during_delivery(EXIT_REASON_UMWAIT));
	CHECK(exit_never_during_delivery(EXIT_REASON_TPAUSE));
	CHECK(exit_never_during_delivery(EXIT_REASON_LOADIWKEY));
	/* Unknown reasons may be: the VMREAD is not skipped. */
	CHECK(!exit_never_during_delivery(35));
	CHECK(!exit_never_during_delivery(65));
	CHECK(!exit_never_during_delivery(200));
	return unit_finish("test_exit_reasons");
}
