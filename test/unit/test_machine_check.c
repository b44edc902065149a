/* Machine-check decoding (hv/lib/machine_check.c, SDM Vol. 3B §16.3). */
#include "hv/lib/machine_check.h"
#include "unit.h"

int main(void)
{
	uint64_t banks[3] = { 0, 0, 0 };
	/* RIPV: resumable; without it, or with a corrupt context, not. */
	CHECK(machine_check_recoverable(MCG_STATUS_RIPV | MCG_STATUS_MCIP, banks, 3));
	CHECK(!machine_check_recoverable(MCG_STATUS_EIPV | MCG_STATUS_MCIP, banks, 3));
	banks[1] = MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_PCC;
	CHECK(!machine_check_recoverable(MCG_STATUS_RIPV | MCG_STATUS_MCIP, banks, 3));
	banks[1] = MCI_STATUS_PCC; /* not valid: ignored */
	CHECK(machine_check_recoverable(MCG_STATUS_RIPV, banks, 3));
	CHECK(machine_check_recoverable(MCG_STATUS_RIPV, banks, 0));

	char buf[160];
	CHECK(!machine_check_describe(0, 0, 0, buf, sizeof(buf)));
	CHECK_STR(buf, "");
	/* A corrected memory read error with an address (MCA code 0x009f). */
	CHECK(machine_check_describe(7, MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_ADDRV | 0x9f, 0x12345000, buf,
				     sizeof(buf)));
	CHECK_STR(buf, "bank 7: status 0x940000000000009f (corrected, MCA code 0x009f) address 0x12345000");
	CHECK(machine_check_describe(2, MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_PCC | MCI_STATUS_OVER | 0x150, 0,
				     buf, sizeof(buf)));
	CHECK_STR(buf, "bank 2: status 0xe200000000000150 (uncorrected, context corrupt, overflow, MCA code 0x0150)");
	return unit_finish("test_machine_check");
}
