#include "log.h"

#include "fmt.h"
#include "serial.h"

#include <hv/cpu.h>

#include <stdarg.h>

static void (*log_mirror)(const char *line);

/* Every processor may log (exit handlers run on each): whole lines, one at
 * a time. */
static volatile int line_lock;

void log_set_mirror(void (*mirror)(const char *line)) { log_mirror = mirror; }
log_mirror_fn *log_get_mirror(void) { return log_mirror; }

static void emit(const char *prefix, const char *fmt, va_list ap)
{
	/* Format the whole line first and write it in one go, so a guest sharing
	 * the port cannot split it mid-line between our characters. */
	char line[256];
	size_t n = fmt_format(line, sizeof(line), "%s", prefix);
	n += fmt_vformat(line + n, sizeof(line) - n, fmt, ap);
	if (n >= sizeof(line)) { /* truncated: still end the line */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	spin_lock(&line_lock);
	serial_write(line, n);
	spin_unlock(&line_lock);
	if (log_mirror)
		log_mirror(line);
}

void log_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("hv: ", fmt, ap);
	va_end(ap);
}

void log_raw(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}
