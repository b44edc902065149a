#include "machine_check.h"

#include "fmt.h"

bool machine_check_recoverable(uint64_t mcg_status, const uint64_t *bank_status, unsigned banks)
{
	if (!(mcg_status & MCG_STATUS_RIPV))
		return false;
	for (unsigned i = 0; i < banks; i++)
		if ((bank_status[i] & MCI_STATUS_VAL) && (bank_status[i] & MCI_STATUS_PCC))
			return false;
	return true;
}

bool machine_check_describe(unsigned bank, uint64_t status, uint64_t addr, char *buf, size_t cap)
{
	if (cap)
		buf[0] = '\0';
	if (!(status & MCI_STATUS_VAL))
		return false;
	char a[40] = "";
	if (status & MCI_STATUS_ADDRV)
		fmt_format(a, sizeof(a), " address 0x%llx", (unsigned long long)addr);
	fmt_format(buf, cap, "bank %u: status 0x%016llx (%s%s%s, MCA code 0x%04x)%s", bank, (unsigned long long)status,
		   status & MCI_STATUS_UC ? "uncorrected" : "corrected", status & MCI_STATUS_PCC ? ", context corrupt" : "",
		   status & MCI_STATUS_OVER ? ", overflow" : "", (unsigned)(status & 0xffff), a);
	return true;
}
