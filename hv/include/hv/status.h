/* One status type for the whole hypervisor, propagated, never ignored. */
#ifndef HV_STATUS_H
#define HV_STATUS_H

#define HV_STATUS_LIST(X)                                   \
	X(HV_OK, "ok")                                      \
	X(HV_ERR_NOT_FOUND, "not found")                    \
	X(HV_ERR_UNSUPPORTED, "unsupported by this machine") \
	X(HV_ERR_NO_MEMORY, "out of memory")                \
	X(HV_ERR_INVALID, "invalid")                        \
	X(HV_ERR_DEVICE, "device or firmware error")        \
	X(HV_ERR_VMX, "VMX instruction failed")             \
	X(HV_ERR_TIMEOUT, "timed out")

enum hv_status {
#define X(name, text) name,
	HV_STATUS_LIST(X)
#undef X
};

static inline const char *hv_status_text(enum hv_status s)
{
	static const char *const text[] = {
#define X(name, t) t,
		HV_STATUS_LIST(X)
#undef X
	};
	return (unsigned)s < sizeof(text) / sizeof(text[0]) ? text[s] : "unknown status";
}

#endif
