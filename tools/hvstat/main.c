/* hvstat: reads the hypervisor's serial log and reports its VM-exit
 * statistics (see usage()). The log is shared with the guest and may be
 * cut or garbled; the parser (stats_parse.c) copes, and this file turns
 * what it noticed into warnings on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "follow.h"
#include "log_read.h"
#include "render.h"
#include "stats_parse.h"

enum { EXIT_OK = 0, EXIT_NO_STATS = 1, EXIT_USAGE = 2 };

static void usage(FILE *f)
{
	fputs("usage: hvstat [--all] [--machine] [--svg FILE] [LOG]\n"
	      "       hvstat --compare OLD NEW\n"
	      "       hvstat --follow SOURCE [--baud N] [--once] [--idle-exit SECONDS]\n"
	      "       hvstat --timeline FILE LOG\n"
	      "Reports the VM-exit statistics in a hypervisor serial log (LOG, or stdin\n"
	      "when absent or '-'): per CPU, its last complete snapshot; with several\n"
	      "CPUs also their sum.\n"
	      "  --all        every complete snapshot, in log order\n"
	      "  --machine    the snapshots in the hypervisor's machine format\n"
	      "  --svg FILE   also write an SVG bar chart of the (summed) statistics\n"
	      "  --compare    per-reason deltas from OLD to NEW (CPUs summed)\n"
	      "  --follow     live view of the periodic dumps in SOURCE (serial device, pty,\n"
	      "               FIFO or growing log): exits per second by reason and top\n"
	      "               sub-kinds, per CPU and total, refreshed in place\n"
	      "  --baud N     a serial device's speed (default 115200)\n"
	      "  --once       one snapshot of SOURCE (a file: as it is now), then exit\n"
	      "  --idle-exit S  end --follow after S seconds without input\n"
	      "  --timeline FILE  write an SVG chart of exits per second over the run\n"
	      "Exit status: 0 ok, 1 no statistics in the input, 2 usage or I/O error.\n",
	      f);
}

struct options {
	int all, machine, compare;
	struct follow_options follow;
	const char *svg;
	const char *files[2];
	int nfiles;
};

/* Returns -1 when the arguments are fine, else the exit status. */
static int parse_args(int argc, char **argv, struct options *o)
{
	int only_files = 0;
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_files || a[0] != '-' || !strcmp(a, "-")) {
			if (o->nfiles == 2) {
				fprintf(stderr, "hvstat: too many files\n");
				return EXIT_USAGE;
			}
			o->files[o->nfiles++] = a;
		} else if (!strcmp(a, "--")) {
			only_files = 1;
		} else if (!strcmp(a, "--all")) {
			o->all = 1;
		} else if (!strcmp(a, "--machine")) {
			o->machine = 1;
		} else if (!strcmp(a, "--compare")) {
			o->compare = 1;
		} else if (!strcmp(a, "--svg") || !strncmp(a, "--svg=", 6)) {
			o->svg = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
			if (!o->svg || !*o->svg) {
				fprintf(stderr, "hvstat: --svg needs a file name\n");
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "--follow") || !strcmp(a, "--baud") || !strcmp(a, "--idle-exit") ||
			   !strcmp(a, "--timeline")) {
			if (i + 1 >= argc || !*argv[i + 1]) {
				fprintf(stderr, "hvstat: %s needs a value\n", a);
				return EXIT_USAGE;
			}
			const char *v = argv[++i];
			char *end;
			if (!strcmp(a, "--follow"))
				o->follow.source = v;
			else if (!strcmp(a, "--timeline"))
				o->follow.timeline = v;
			else if (!strcmp(a, "--baud") && ((o->follow.baud = (unsigned)strtoul(v, &end, 10)), *end))
				return fprintf(stderr, "hvstat: --baud %s: not a number\n", v), EXIT_USAGE;
			else if (!strcmp(a, "--idle-exit") && ((o->follow.idle_exit = strtod(v, &end)), *end))
				return fprintf(stderr, "hvstat: --idle-exit %s: not a number\n", v), EXIT_USAGE;
		} else if (!strcmp(a, "--once")) {
			o->follow.once = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else {
			fprintf(stderr, "hvstat: unknown option %s\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (o->compare && (o->nfiles != 2 || o->all || o->machine || o->svg)) {
		fprintf(stderr, "hvstat: --compare takes two logs and no other option\n");
		return EXIT_USAGE;
	}
	if (o->follow.once && !o->follow.source && o->nfiles == 1)
		o->follow.source = o->files[0], o->nfiles = 0; /* hvstat --once SOURCE */
	if (o->follow.timeline && !o->follow.source && o->nfiles == 1)
		o->follow.source = o->files[0], o->nfiles = 0;
	if ((o->follow.source || o->follow.once || o->follow.timeline) &&
	    (!o->follow.source || o->nfiles || o->compare || o->all || o->machine || o->svg)) {
		fprintf(stderr, "hvstat: --follow/--once/--timeline take one SOURCE and no other mode\n");
		return EXIT_USAGE;
	}
	if (o->follow.timeline)
		o->follow.once = true; /* a chart of the log as it is */
	if (!o->follow.baud)
		o->follow.baud = 115200;
	if (o->compare && !strcmp(o->files[0], "-") && !strcmp(o->files[1], "-")) {
		fprintf(stderr, "hvstat: --compare cannot read stdin twice\n");
		return EXIT_USAGE;
	}
	if (!o->compare && o->nfiles > 1) {
		fprintf(stderr, "hvstat: one log at a time (or --compare OLD NEW)\n");
		return EXIT_USAGE;
	}
	return -1;
}

static const char *shown_name(const char *path) { return !path || !strcmp(path, "-") ? "stdin" : path; }

/* Parses one log into m. Returns 0, or EXIT_USAGE when it cannot be read. */
static int load(struct hvs_model *m, const char *path)
{
	FILE *f = !path || !strcmp(path, "-") ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "hvstat: cannot open %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	int rc = hvs_read_stream(m, f);
	int err = errno;
	if (f != stdin)
		fclose(f);
	if (rc) {
		fprintf(stderr, "hvstat: cannot read %s: %s\n", shown_name(path), strerror(err));
		return EXIT_USAGE;
	}
	return 0;
}

/* What the parser noticed, on stderr; `where` names the log in --compare
 * ("hvstat: OLD: ..."), NULL for a single log. */
static void warn(const struct hvs_model *m, const char *where)
{
	char pre[300] = "hvstat: ";
	if (where)
		snprintf(pre, sizeof(pre), "hvstat: %s: ", where);
	for (unsigned c = 0; c < HVS_MAX_CPUS; c++) {
		if (!m->cpu[c].incomplete)
			continue;
		if (m->cpu[c].done)
			fprintf(stderr, "%swarning: last snapshot of cpu %u is incomplete (log cut?) — using the one before\n",
				pre, c);
		else
			fprintf(stderr, "%swarning: the only snapshot of cpu %u is incomplete (log cut?) — left out\n", pre,
				c);
	}
	if (m->abandoned)
		fprintf(stderr, "%swarning: %lu snapshots cut off by a later begin line\n", pre, m->abandoned);
	if (m->damaged)
		fprintf(stderr, "%s%lu damaged lines skipped\n", pre, m->damaged);
	if (m->dropped)
		fprintf(stderr, "%s%lu records dropped (beyond %u CPUs, %u reasons or %u sub-kinds)\n", pre, m->dropped,
			HVS_MAX_CPUS, HVS_MAX_REASONS, HVS_MAX_SUBS);
	if (m->out_of_memory)
		fprintf(stderr, "%sout of memory: some snapshots were dropped\n", pre);
}

static void snapshot_title(char *buf, size_t cap, const struct hvs_snapshot *s)
{
	if (s->has_begin)
		snprintf(buf, cap, "cpu %u: %s snapshot at tsc %llu (log line %lu)", s->cpu, s->why,
			 (unsigned long long)s->tsc, s->line);
	else
		snprintf(buf, cap, "cpu %u: snapshot ending at log line %lu", s->cpu, s->line);
}

struct all_ctx {
	int machine;
	unsigned printed;
};

/* --all: each snapshot as the parser completes it. */
static void print_each(void *ctx, const struct hvs_snapshot *s)
{
	struct all_ctx *a = ctx;
	char title[160];
	if (a->machine) {
		hvs_print_machine(stdout, s);
	} else {
		snapshot_title(title, sizeof(title), s);
		printf("%s", a->printed ? "\n" : "");
		hvs_print_table(stdout, s, title);
	}
	a->printed++;
}

static int compare(const struct options *o)
{
	static struct hvs_model m[2];
	struct hvs_snapshot *sum[2] = { malloc(sizeof(struct hvs_snapshot)), malloc(sizeof(struct hvs_snapshot)) };
	int rc = EXIT_OK;
	for (int i = 0; i < 2 && rc == EXIT_OK; i++) {
		hvs_init(&m[i], NULL, NULL);
		if (!sum[i]) {
			fprintf(stderr, "hvstat: out of memory\n");
			rc = EXIT_USAGE;
			break;
		}
		rc = load(&m[i], o->files[i]);
		if (rc)
			break;
		warn(&m[i], shown_name(o->files[i]));
		unsigned long lost;
		if (!hvs_sum(&m[i], sum[i], &lost)) {
			fprintf(stderr, "hvstat: no hypervisor statistics in %s\n", shown_name(o->files[i]));
			rc = EXIT_NO_STATS;
		}
	}
	if (rc == EXIT_OK)
		hvs_print_compare(stdout, sum[0], sum[1], shown_name(o->files[0]), shown_name(o->files[1]));
	for (int i = 0; i < 2; i++) {
		hvs_free(&m[i]);
		free(sum[i]);
	}
	return rc;
}

static int write_svg(const char *path, const struct hvs_snapshot *s, const char *log, unsigned ncpus)
{
	char title[512];
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "hvstat: cannot write %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	snprintf(title, sizeof(title), "hvstat: VM exits in %s (%u CPU%s)", log, ncpus, ncpus == 1 ? "" : "s");
	int bad = hvs_write_svg(f, s, title);
	if (fclose(f) || bad) {
		fprintf(stderr, "hvstat: cannot write %s\n", path);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct options o;
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.compare)
		return compare(&o);
	if (o.follow.source)
		return hvs_follow(&o.follow);

	static struct hvs_model m; /* static: 64 CPUs of pointers and counters */
	struct all_ctx all = { o.machine, 0 };
	const char *name = shown_name(o.nfiles ? o.files[0] : NULL);
	hvs_init(&m, o.all ? print_each : NULL, &all);
	rc = load(&m, o.nfiles ? o.files[0] : NULL);
	if (rc) {
		hvs_free(&m);
		return rc;
	}
	warn(&m, NULL);
	unsigned ncpus = hvs_cpu_count(&m);
	if (!ncpus) {
		fprintf(stderr, "hvstat: no hypervisor statistics in %s\n", name);
		hvs_free(&m);
		return EXIT_NO_STATS;
	}

	struct hvs_snapshot *sum = malloc(sizeof(*sum));
	unsigned long lost = 0;
	if (!sum) {
		fprintf(stderr, "hvstat: out of memory\n");
		hvs_free(&m);
		return EXIT_USAGE;
	}
	hvs_sum(&m, sum, &lost);
	if (lost)
		fprintf(stderr, "hvstat: %lu reasons or sub-kinds left out of the sum over CPUs\n", lost);

	int printed = all.printed > 0;
	for (unsigned c = 0; c < HVS_MAX_CPUS && !o.all; c++) {
		const struct hvs_snapshot *s = hvs_last(&m, c);
		char title[160];
		if (!s)
			continue;
		if (o.machine) {
			hvs_print_machine(stdout, s);
			continue;
		}
		snapshot_title(title, sizeof(title), s);
		printf("%s", printed++ ? "\n" : "");
		hvs_print_table(stdout, s, title);
	}
	if (ncpus > 1 && !o.machine) {
		char title[96];
		snprintf(title, sizeof(title), "all %u CPUs (each one's last complete snapshot, summed)", ncpus);
		printf("%s", printed ? "\n" : "");
		hvs_print_table(stdout, sum, title);
	}
	if (o.svg)
		rc = write_svg(o.svg, sum, name, ncpus); /* one CPU: the sum is its snapshot */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "hvstat: cannot write the output\n");
		rc = EXIT_USAGE;
	}
	free(sum);
	hvs_free(&m);
	return rc;
}
