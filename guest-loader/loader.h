#ifndef HV_LOADER_H
#define HV_LOADER_H

#include <hv/status.h>

/* Loads the guest image named in the config from the ESP, checks it, and
 * starts it with its arguments; returns when the guest exits back to the
 * firmware, or with an error (already logged) when it cannot start. */
enum hv_status guest_load_and_start(const char *path, const char *args);

#endif
