/* Hypervisor log: whole lines to the hypervisor's serial port, each line
 * prefixed "hv: ". A mirror hook lets the UEFI layer copy lines to the
 * screen while boot services exist. */
#ifndef HV_LOG_H
#define HV_LOG_H

void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like log_printf without the "hv: " prefix (machine-readable lines). */
void log_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_set_mirror(void (*mirror)(const char *line));
typedef void log_mirror_fn(const char *line);
log_mirror_fn *log_get_mirror(void);

#endif
