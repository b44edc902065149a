/* Reading a serial log into the parser: splits a stream into lines without
 * caring what bytes they hold (NULs and garbage included). */
#ifndef HVSTAT_LOG_READ_H
#define HVSTAT_LOG_READ_H

#include <stdio.h>

#include "stats_parse.h"

/* Longest line kept; the rest of a longer line is discarded (a record cut
 * that way does not parse and counts as damaged). */
#define HVS_LINE_MAX (1u << 20)

/* Feeds every line of f to m, then calls hvs_finish. A last line without
 * '\n' (a cut log) is fed too. Returns 0, or -1 on a read error or when
 * memory runs out (errno tells). */
int hvs_read_stream(struct hvs_model *m, FILE *f);

#endif
