/* A small printf-style formatter with no libc underneath: the hypervisor's
 * only way to turn numbers into text. Pure, so host unit tests cover it.
 * Supported: %% %c %s %d %i %u %x %X %p, flags '-' '0', width, '*',
 * length modifiers l, ll, z. */
#ifndef HV_FMT_H
#define HV_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Writes at most size-1 characters and a terminating NUL (when size > 0).
 * Returns the length the full output would have had, as C's vsnprintf. */
size_t fmt_vformat(char *buf, size_t size, const char *fmt, va_list ap);
size_t fmt_format(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
