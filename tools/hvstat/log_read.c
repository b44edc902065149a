/* Line splitting for hvstat (log_read.h). fgets would stop at a NUL byte
 * and lose the rest of a garbled line, so this works on byte counts. */
#include "log_read.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int hvs_read_stream(struct hvs_model *m, FILE *f)
{
	char chunk[65536];
	char *line = NULL;
	size_t len = 0, cap = 0;
	size_t got;
	int rc = 0;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		const char *p = chunk, *end = chunk + got;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = (size_t)((nl ? nl : end) - p);
			/* Keep at most HVS_LINE_MAX bytes of a line. */
			size_t keep = len + n > HVS_LINE_MAX ? HVS_LINE_MAX - len : n;
			if (len + keep > cap) {
				size_t ncap = cap ? cap : 4096;
				while (ncap < len + keep)
					ncap *= 2;
				char *nb = realloc(line, ncap);
				if (!nb) {
					free(line);
					return -1;
				}
				line = nb;
				cap = ncap;
			}
			if (keep) /* line is NULL until the first byte arrives */
				memcpy(line + len, p, keep);
			len += keep;
			if (!nl)
				break;
			hvs_feed_line(m, line ? line : "", len);
			len = 0;
			p = nl + 1;
		}
	}
	if (ferror(f)) {
		rc = -1;
		if (!errno)
			errno = EIO;
	}
	if (len)
		hvs_feed_line(m, line, len);
	free(line);
	hvs_finish(m);
	return rc;
}
